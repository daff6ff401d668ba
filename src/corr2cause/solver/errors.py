"""Errors of the solver: text it cannot read, and premises that no DAG satisfies.

Both are :class:`SolverError`, a :class:`ValueError`, so callers that only want "this item has no
exact answer" catch one class. The message always quotes the sentence at fault, so a person can
find it in a premise of several hundred words.
"""

from __future__ import annotations

from corr2cause.errors import Corr2CauseError


class SolverError(Corr2CauseError):
    """Malformed or inconsistent input; the message names the offending sentence.

    Attributes
    ----------
    sentence : str or None
        The sentence (or text fragment) at fault, when one can be singled out.
    """

    def __init__(self, message: str, *, sentence: str | None = None) -> None:
        super().__init__(message)
        self.sentence = sentence


class ParseError(SolverError):
    """A premise or hypothesis that does not follow any Corr2Cause wording."""


class InconsistentPremiseError(SolverError):
    """A well-formed premise whose statements are not those of any DAG (SPEC section 1)."""
