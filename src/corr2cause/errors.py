"""The project's one error hierarchy.

Every *expected* failure — a malformed file, a bad option, a premise no DAG satisfies, a model
server that refuses the key — raises a subclass of :class:`Corr2CauseError`. The command line
turns it into one message on stderr and exit status 2, in one place
(:func:`corr2cause.cli.app.main`). Anything else that escapes is a bug and keeps its traceback.

:class:`Corr2CauseError` derives from :class:`ValueError`, so code written against the older
per-module ``ValueError`` subclasses keeps working.

Examples
--------
>>> from corr2cause.errors import Corr2CauseError
>>> from corr2cause.solver.errors import ParseError
>>> issubclass(ParseError, Corr2CauseError)
True
"""

from __future__ import annotations

__all__ = ["Corr2CauseError", "quote"]

QUOTE_LIMIT = 300
"""Longest piece of user input an error message quotes, in characters."""


class Corr2CauseError(ValueError):
    """Base class of every expected failure; the message is meant for a person."""


def quote(text: object, limit: int = QUOTE_LIMIT) -> str:
    """``repr`` of ``text`` cut to about ``limit`` characters, for error messages.

    A 50 MB line must not become a 50 MB message.

    Examples
    --------
    >>> quote("abc")
    "'abc'"
    >>> len(quote("x" * 10_000)) < 400
    True
    """
    shown = repr(text)
    if len(shown) <= limit:
        return shown
    return f"{shown[:limit]}… ({len(shown) - limit:,} more characters)"
