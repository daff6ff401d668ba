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
