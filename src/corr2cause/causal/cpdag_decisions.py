"""Decide hypotheses from the CPDAG alone, without enumerating the class.

A CPDAG's directed edges point the same way in every member of the class, and every member's
edges are CPDAG edges taken either as directed or, for undirected ones, in one of the two
directions. This gives sound rules that decide many items without listing members:

``parent(x, y)``
    entailed iff ``x -> y`` is directed; neutral iff ``x - y`` is undirected (each undirected
    edge of a CPDAG takes both directions across the members); contradicted otherwise. Always
    decided. ``child`` is the same with ``x`` and ``y`` swapped.
``non-parent ancestor(x, y)`` (a directed path with an intermediate node)
    entailed if such a path exists on directed edges only; contradicted if not even a
    *possibly directed* one exists (every edge directed forward or undirected, not returning to
    ``x``); otherwise undecided.
``has_collider`` / ``has_confounder``
    entailed if the node-disjoint paths exist on directed edges only; contradicted if they do
    not exist on possibly directed edges; otherwise undecided.

Undecided items need the members (:func:`~corr2cause.causal.mec_members`). The rules are
checked against full enumeration on every class with N <= 6 in
``tests/causal/test_cpdag_decisions.py``: every decision they make is the enumerated label.
"""

from __future__ import annotations

import numpy as np

from corr2cause.causal.markov_equivalence import Pdag
from corr2cause.causal.relations import RELATIONS
from corr2cause.graphs.dag import children_masks, pairs, reachable

UNDECIDED = -1
"""Code of an undecided item (the others: 0 entailment, 1 neutral, 2 contradiction)."""


def decide_from_cpdag(pdag: Pdag) -> np.ndarray:
    """3-class labels of every (pair, relation) that the CPDAG decides.

    Parameters
    ----------
    pdag : Pdag
        The CPDAG of a class.

    Returns
    -------
    numpy.ndarray of int8, shape ``(C(n, 2), 6)``
        0 entailment, 1 neutral, 2 contradiction, or :data:`UNDECIDED`; columns follow
        :data:`~corr2cause.causal.relations.RELATIONS`.
    """
    n = pdag.n
    d_par = pdag.directed
    d_ch = children_masks(d_par)
    und = pdag.undirected
    # possibly directed moves: a directed edge forward, or an undirected edge either way
    p_ch = tuple(d_ch[v] | und[v] for v in range(n))
    p_par = tuple(d_par[v] | und[v] for v in range(n))
    out = np.full((len(pairs(n)), len(RELATIONS)), UNDECIDED, dtype=np.int8)

    def parent_code(x: int, y: int) -> int:
        if d_ch[x] >> y & 1:
            return 0
        if und[x] >> y & 1:
            return 1
        return 2

    def ancestor_code(x: int, y: int) -> int:
        # via a first step to some c != y, then on to y without returning to x
        if any(
            reachable(d_ch, 1 << c, removed=1 << x) >> y & 1
            for c in range(n)
            if c != y and d_ch[x] >> c & 1
        ):
            return 0
        if any(
            reachable(p_ch, 1 << c, removed=1 << x) >> y & 1
            for c in range(n)
            if c != y and p_ch[x] >> c & 1
        ):
            return UNDECIDED
        return 2

    def meet_code(step_d: tuple[int, ...], step_p: tuple[int, ...], x: int, y: int) -> int:
        bx, by = 1 << x, 1 << y
        if reachable(step_d, bx, removed=by) & reachable(step_d, by, removed=bx):
            return 0
        if reachable(step_p, bx, removed=by) & reachable(step_p, by, removed=bx):
            return UNDECIDED
        return 2

    for k, (x, y) in enumerate(pairs(n)):
        out[k, 0] = parent_code(x, y)
        out[k, 1] = ancestor_code(x, y)
        out[k, 2] = parent_code(y, x)
        out[k, 3] = ancestor_code(y, x)
        out[k, 4] = meet_code(d_ch, p_ch, x, y)
        out[k, 5] = meet_code(d_par, p_par, x, y)
    return out
