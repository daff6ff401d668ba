"""Normalize free-text model answers to the binary Corr2Cause label (SPEC section 7).

The paper maps an answer to **valid** when it says *yes*, *true*, *necessarily true* or *must
be true*, and to **invalid** otherwise, unparseable output included. This module keeps the
same mapping but tells the two kinds of "invalid" apart, so that runs can report how many
answers could not be read at all:

``yes``
    valid (label 1);
``no``
    an explicit negative (*no*, *false*, *not necessarily*, *cannot*, ...), label 0;
``None``
    unparseable, label 0 and counted as a parse failure.

Rules, applied to the lower-cased answer with leading markup (``**``, quotes, ``Answer:``)
removed:

1. a leading ``yes`` / ``true`` (valid) or ``no`` / ``false`` (invalid);
2. negative phrases in the first 80 characters (``not necessarily``, ``necessarily false``,
   ``must be false``, ``cannot``, ``can't``, ``can not``), checked before the positive ones so
   that *not necessarily true* is not read as *true*;
3. the positive phrases ``necessarily true`` and ``must be true``;
4. otherwise the *last* explicit verdict such as ``the answer is yes`` or ``answer: no``
   (chain-of-thought outputs end with their conclusion);
5. otherwise unparseable.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["ParsedAnswer", "normalize_answer"]

_LEADING_JUNK = re.compile(r"^[\s\"'`*_#>\-:.(\[]+")
_PREFIX = re.compile(r"^(?:final\s+)?answer\s*[:\-]\s*")
_NEGATIVE_PHRASES = re.compile(
    r"\b(?:not\s+necessarily|necessarily\s+false|must\s+be\s+false|cannot|can\s*not|can't)\b"
)
_POSITIVE_PHRASES = re.compile(r"\b(?:necessarily\s+true|must\s+be\s+true)\b")
_LEADING_WORD = re.compile(r"^(yes|true|no|false)\b")
_VERDICT = re.compile(r"\banswer\s*(?:is|would\s+be|:)\s*:?\s*[\"'*`(\[]*\s*(yes|no|true|false)\b")
_POSITIVE_WORDS = frozenset({"yes", "true"})


@dataclass(frozen=True, slots=True)
class ParsedAnswer:
    """The reading of one answer.

    Attributes
    ----------
    label : int
        1 = valid, 0 = invalid (including unparseable).
    verdict : str or None
        ``"yes"``, ``"no"``, or ``None`` when the answer could not be read.
    """

    label: int
    verdict: str | None

    @property
    def parsed(self) -> bool:
        """Whether the answer could be read."""
        return self.verdict is not None


_YES = ParsedAnswer(1, "yes")
_NO = ParsedAnswer(0, "no")
_UNPARSEABLE = ParsedAnswer(0, None)


def normalize_answer(text: str | None) -> ParsedAnswer:
    """Map a raw model answer to the binary label.

    Parameters
    ----------
    text : str or None
        The model's raw output (``None`` for a failed request).

    Returns
    -------
    ParsedAnswer

    Examples
    --------
    >>> normalize_answer("Yes.")
    ParsedAnswer(label=1, verdict='yes')
    >>> normalize_answer("Not necessarily true.")
    ParsedAnswer(label=0, verdict='no')
    >>> normalize_answer("**Answer:** It must be true")
    ParsedAnswer(label=1, verdict='yes')
    >>> normalize_answer("Let me think... so the answer is no.")
    ParsedAnswer(label=0, verdict='no')
    >>> normalize_answer("I am not sure")
    ParsedAnswer(label=0, verdict=None)
    """
    if not text:
        return _UNPARSEABLE
    lowered = text.strip().lower()
    for _ in range(3):  # peel "**Answer:** " and similar, a bounded number of times
        lowered = _LEADING_JUNK.sub("", lowered)
        stripped = _PREFIX.sub("", lowered)
        if stripped == lowered:
            break
        lowered = stripped
    if not lowered:
        return _UNPARSEABLE
    match = _LEADING_WORD.match(lowered)
    if match is not None:
        return _YES if match.group(1) in _POSITIVE_WORDS else _NO
    head = lowered[:80]
    if _NEGATIVE_PHRASES.search(head):
        return _NO
    if _POSITIVE_PHRASES.search(head):
        return _YES
    verdicts = _VERDICT.findall(lowered)
    if verdicts:
        return _YES if verdicts[-1] in _POSITIVE_WORDS else _NO
    return _UNPARSEABLE
