"""Turn d-separation statements and relations into the benchmark's sentences (SPEC sections 4-5).

Premise
    ``Suppose there is a closed system of N variables, A, B and C. All the statistical
    relations among these N variables are as follows: <correlations>[ However,
    <independencies>]``. Correlations list every pair ``i < j`` that is not marginally
    independent; independencies list *every* d-separation statement sorted by ``(i, j, sorted
    indices of Z)`` with Python list comparison (so ``[C] < [C, E] < [E]``).

Hypothesis
    One sentence per (pair, relation) from :mod:`corr2cause.dataset.templates`.
"""

from __future__ import annotations

from collections.abc import Sequence

from corr2cause.causal.d_separation import Statement
from corr2cause.dataset.templates import (
    CONDITIONAL_INDEPENDENCE_TEMPLATE,
    CORRELATION_TEMPLATE,
    MARGINAL_INDEPENDENCE_TEMPLATE,
    ORIGINAL_HYPOTHESES,
    PARAPHRASED_HYPOTHESES,
    PREMISE_TEMPLATE,
    join_names,
)
from corr2cause.errors import quote


def _set_indices(zmask: int) -> list[int]:
    return [v for v in range(zmask.bit_length()) if zmask >> v & 1]


def verbalize_premise(
    statements: Sequence[Statement],
    names: Sequence[str],
    *,
    correlations: Sequence[tuple[int, int]] | None = None,
) -> str:
    """Write the premise for a DAG's d-separation statements.

    Parameters
    ----------
    statements : sequence of (i, j, z_mask)
        All d-separation statements (any order); ``i < j``.
    names : sequence of str
        Variable names by node index.
    correlations : sequence of (i, j), optional
        Pairs that correlate; by default every pair without a marginal independence.

    Returns
    -------
    str

    Examples
    --------
    >>> verbalize_premise([(0, 1, 0)], ["A", "B", "C"])  # collider A -> C <- B
    'Suppose there is a closed system of 3 variables, A, B and C. All the statistical relations among these 3 variables are as follows: A correlates with C. B correlates with C. However, A is independent of B.'
    """  # noqa: E501
    n = len(names)
    if correlations is None:
        marginal = {(i, j) for i, j, z in statements if z == 0}
        correlations = [(i, j) for i in range(n) for j in range(i + 1, n) if (i, j) not in marginal]
    corr_text = " ".join(
        CORRELATION_TEMPLATE.format(x=names[i], y=names[j]) for i, j in sorted(correlations)
    )
    # SPEC: sort by (i, j, Z as a sorted list); node order, so renamed variants keep the order.
    keyed = sorted((i, j, _set_indices(z)) for i, j, z in statements)
    indep = []
    for i, j, zs in keyed:
        if zs:
            zn = join_names([names[v] for v in zs])
            indep.append(CONDITIONAL_INDEPENDENCE_TEMPLATE.format(x=names[i], y=names[j], z=zn))
        else:
            indep.append(MARGINAL_INDEPENDENCE_TEMPLATE.format(x=names[i], y=names[j]))
    indep_text = " ".join(indep)
    if corr_text and indep_text:
        body = f"{corr_text} However, {indep_text}"
    else:
        body = corr_text or indep_text
    return PREMISE_TEMPLATE.format(n=n, names=join_names(list(names)), statements=body)


def verbalize_hypothesis(
    relation: str, name_i: str, name_j: str, *, form: int = 0, paraphrase: bool = False
) -> str:
    """The hypothesis sentence for ``relation`` on the pair ``(i, j)``.

    Parameters
    ----------
    relation : str
        A relation id of :data:`~corr2cause.causal.RELATIONS`.
    name_i, name_j : str
        Names of the pair, ``i < j`` in node order.
    form : int
        0 for the default sentence, 1 for the swap form (where one exists).
    paraphrase : bool
        Use the paper's paraphrased templates (they have a single form).
    """
    table = PARAPHRASED_HYPOTHESES if paraphrase else ORIGINAL_HYPOTHESES
    try:
        forms = table[relation]
    except KeyError:
        raise ValueError(f"unknown relation {quote(relation)}") from None
    template = forms[form] if form < len(forms) else forms[0]
    return template.format(i=name_i, j=name_j)
