"""Contracts of :mod:`corr2cause.causal.d_separation` beyond agreement with networkx.

Pinned here (``make mutation``): the three spellings of a conditioning set give one answer;
the statement list is complete and in the documented order (pair, then ``z_mask``); the
minimal-statement filter keeps exactly the inclusion-minimal sets, in the input order, whatever
that order is. Expected values come from networkx (:func:`nx_statements`) or by hand.
"""

from __future__ import annotations

import networkx as nx
import pytest
from causal_reference import (
    DIAMOND,
    M_BIAS,
    NAMED_DAGS,
    all_labeled_dags,
    nx_statements,
    ref_pairs,
    subsets,
    to_nx,
)

from corr2cause.causal.d_separation import (
    d_separation_statements,
    is_d_separated,
    marginally_dependent_pairs,
    minimal_separating_statements,
)


def ref_minimal(statements: list[tuple[int, int, int]]) -> list[tuple[int, int, int]]:
    """Statements whose set has no proper subset separating the same pair (input order)."""
    sets: dict[tuple[int, int], list[int]] = {}
    for i, j, z in statements:
        sets.setdefault((i, j), []).append(z)
    return [
        (i, j, z) for i, j, z in statements if not any(w != z and w | z == z for w in sets[(i, j)])
    ]


@pytest.mark.parametrize("dag", NAMED_DAGS, ids=lambda d: d.name)
def test_conditioning_set_spellings_agree_with_networkx(dag):
    g = to_nx(dag.parents)
    n = dag.n
    for i, j in ref_pairs(n):
        rest = [v for v in range(n) if v not in (i, j)]
        for z in subsets(rest):
            want = nx.is_d_separator(g, {i}, {j}, set(z))
            mask = sum(1 << v for v in z)
            assert is_d_separated(dag.parents, i, j, mask) is want
            assert is_d_separated(dag.parents, j, i, set(z)) is want
            assert is_d_separated(dag.parents, i, j, frozenset(z)) is want


def test_conditioning_set_beyond_the_nodes_is_rejected():
    with pytest.raises(ValueError, match=r"on 4 nodes$"):
        is_d_separated(DIAMOND.parents, 1, 2, {4})
    with pytest.raises(ValueError, match="must not contain x or y"):
        is_d_separated(DIAMOND.parents, 1, 2, frozenset({2}))


@pytest.mark.parametrize("n", [1, 2, 3])
def test_statements_of_every_labeled_dag_are_the_networkx_ones_in_order(n):
    for dag in all_labeled_dags(n):
        got = d_separation_statements(dag)
        assert got == nx_statements(dag)  # nx_statements sorts by (i, j, z_mask)


def test_hand_worked_m_bias_statements():
    """A -> B, A -> C, D -> C, D -> E: B and E are separated by every set without C, and by
    sets with C only together with A or D."""
    b, e = 1, 4
    got = {z for i, j, z in d_separation_statements(M_BIAS.parents) if (i, j) == (b, e)}
    a, c, d = 1 << 0, 1 << 2, 1 << 3
    assert got == {0, a, d, a | d, a | c, c | d, a | c | d}


def test_marginal_dependence_of_every_labeled_dag_on_three_nodes():
    for dag in all_labeled_dags(3):
        g = to_nx(dag)
        want = [(i, j) for i, j in ref_pairs(3) if not nx.is_d_separator(g, {i}, {j}, set())]
        assert marginally_dependent_pairs(dag) == want


@pytest.mark.parametrize("dag", NAMED_DAGS, ids=lambda d: d.name)
def test_minimal_statements_are_the_inclusion_minimal_ones(dag):
    stmts = nx_statements(dag.parents)
    assert minimal_separating_statements(stmts) == ref_minimal(stmts)
    # the order of the input is kept, whatever it is
    reverse = stmts[::-1]
    assert minimal_separating_statements(reverse) == ref_minimal(reverse)


def test_minimal_filter_by_hand():
    """Pair (1, 5): {1, 2} and {3} are minimal, {1, 2, 3} contains {1, 2} and {2, 3}
    contains {3}; pair (0, 4) has the empty set, which removes its superset {1}."""
    stmts = [
        (0, 4, 0b0010),
        (1, 5, 0b1110),
        (0, 4, 0),
        (1, 5, 0b0110),
        (1, 5, 0b1100),
        (1, 5, 0b1000),
    ]
    assert minimal_separating_statements(stmts) == [(0, 4, 0), (1, 5, 0b0110), (1, 5, 0b1000)]
    # a set and a different set of the same size never remove each other
    assert minimal_separating_statements([(0, 1, 0b100), (0, 1, 0b1000)]) == [
        (0, 1, 0b100),
        (0, 1, 0b1000),
    ]
    # statements of other pairs never count
    assert minimal_separating_statements([(0, 1, 0b100), (0, 2, 0)]) == [(0, 1, 0b100), (0, 2, 0)]
    assert minimal_separating_statements([]) == []
