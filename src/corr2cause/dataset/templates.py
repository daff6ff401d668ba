"""The verbatim text templates of the benchmark (SPEC sections 4 and 5), as data.

Hypothesis templates are keyed by relation id (:data:`~corr2cause.causal.RELATIONS`). Each
relation has a *default* sentence and, for some, a *swap form* with the same meaning; the
official data chose between them with probability 0.5. ``{i}`` and ``{j}`` stand for the names
of the pair ``i < j``.

In the official CSV the ``template`` column follows the *wording* of the sentence, not the
relation: the sentence "X is a cause for Y, but not a direct one." is always tagged
``non-child descendant`` and "X causes something else which causes Y." always
``non-parent ancestor``. :data:`WORDING_TEMPLATE_ID` records that convention.
"""

from __future__ import annotations

import re
from types import MappingProxyType
from typing import Final

PREMISE_TEMPLATE: Final = (
    "Suppose there is a closed system of {n} variables, {names}. All the statistical relations "
    "among these {n} variables are as follows: {statements}"
)
"""Premise frame; ``statements`` is correlations, then `` However, `` and independencies."""

CORRELATION_TEMPLATE: Final = "{x} correlates with {y}."
MARGINAL_INDEPENDENCE_TEMPLATE: Final = "{x} is independent of {y}."
CONDITIONAL_INDEPENDENCE_TEMPLATE: Final = "{x} and {y} are independent given {z}."

ORIGINAL_HYPOTHESES: Final = MappingProxyType(
    {
        "parent": ("{i} directly causes {j}.",),
        "non-parent ancestor": (
            "{i} causes something else which causes {j}.",
            "{i} is a cause for {j}, but not a direct one.",
        ),
        "child": ("{j} directly causes {i}.",),
        "non-child descendant": (
            "{j} is a cause for {i}, but not a direct one.",
            "{j} causes something else which causes {i}.",
        ),
        "has_collider": (
            "There exists at least one collider (i.e., common effect) of {i} and {j}.",
            "There exists at least one collider (i.e., common effect) of {j} and {i}.",
        ),
        "has_confounder": (
            "There exists at least one confounder (i.e., common cause) of {i} and {j}.",
            "There exists at least one confounder (i.e., common cause) of {j} and {i}.",
        ),
    }
)
"""Relation -> (default sentence, optional swap form)."""

PARAPHRASED_HYPOTHESES: Final = MappingProxyType(
    {
        "parent": ("{i} directly affects {j}.",),
        "non-parent ancestor": ("{i} influences {j} through some mediator(s).",),
        "child": ("{j} directly affects {i}.",),
        "non-child descendant": ("{j} influences {i} through some mediator(s).",),
        "has_collider": ("{i} and {j} together cause some other variable(s).",),
        "has_confounder": ("Some variable(s) cause(s) both {i} and {j}.",),
    }
)
"""The paper's paraphrased templates (``perturbation_by_paraphrasing``)."""

WORDING_TEMPLATE_ID: Final = MappingProxyType(
    {
        ("non-parent ancestor", 0): "non-parent ancestor",
        ("non-parent ancestor", 1): "non-child descendant",
        ("non-child descendant", 0): "non-child descendant",
        ("non-child descendant", 1): "non-parent ancestor",
    }
)
"""(relation, form index) -> official ``template`` column value where it differs from relation."""


def official_template_id(relation: str, form: int) -> str:
    """The ``template`` column value the official CSV uses for ``relation`` in ``form``."""
    return WORDING_TEMPLATE_ID.get((relation, form), relation)


def join_names(names: list[str]) -> str:
    """``A and B``, ``A, B and C``, ... (no Oxford comma)."""
    if not names:
        raise ValueError("need at least one name")
    if len(names) == 1:
        return names[0]
    return ", ".join(names[:-1]) + " and " + names[-1]


# --- variable names -------------------------------------------------------------------------

NAME_WORD_PATTERN: Final = r"\w+(?:['\-]\w+)*"
"""One word of a variable name: word characters, with inner hyphens or apostrophes."""

VARIABLE_NAME_PATTERN: Final = NAME_WORD_PATTERN + r"(?: " + NAME_WORD_PATTERN + r")*"
"""A variable name: one or more words separated by single spaces (``blood pressure``)."""

_VARIABLE_NAME = re.compile(VARIABLE_NAME_PATTERN + r"\Z")


def _template_words() -> frozenset[str]:
    texts = [
        PREMISE_TEMPLATE,
        CORRELATION_TEMPLATE,
        MARGINAL_INDEPENDENCE_TEMPLATE,
        CONDITIONAL_INDEPENDENCE_TEMPLATE,
        "However,",
    ]
    for table in (ORIGINAL_HYPOTHESES, PARAPHRASED_HYPOTHESES):
        for forms in table.values():
            texts.extend(forms)
    words = set()
    for text in texts:
        for token in re.sub(r"\{\w+\}", " ", text).split():
            word = re.sub(r"\(s\)|[^\w]", "", token.lower())
            if word:
                words.add(word)
    return frozenset(words)


RESERVED_WORDS: Final = _template_words()
"""Every word of the fixed benchmark text (``and``, ``of``, ``causes``, ``given``, ...).

A multi-word variable name made of other words cannot be confused with the text around it,
so a premise or hypothesis written with such names has exactly one reading and needs no
quotes: the fixed words of each sentence locate the names, and a name list is split at
``", "`` and the last ``" and "``.
"""


def name_problem(name: str) -> str | None:
    """Why ``name`` cannot be a variable name of the benchmark text, or ``None`` if it can.

    The rule: one or more words of word characters (inner hyphens and apostrophes allowed),
    separated by single spaces; in a name of several words, none of the words is a word of the
    fixed text (:data:`RESERVED_WORDS`, compared case-insensitively). A one-word name may be
    any word (``A``, ``X1``, ``smoking``): the fixed phrases around it all contain spaces.

    Examples
    --------
    >>> name_problem("blood pressure") is None
    True
    >>> name_problem("supply and demand")
    "the word 'and' is part of the benchmark's fixed text"
    """
    if not isinstance(name, str) or not _VARIABLE_NAME.match(name):
        return "a name is one or more words of letters and digits separated by single spaces"
    words = name.split(" ")
    for word in words if len(words) > 1 else ():
        if word.lower() in RESERVED_WORDS:
            return f"the word {word!r} is part of the benchmark's fixed text"
    return None
