"""Contracts of :mod:`corr2cause.causal.separators` against networkx subset search.

The module tests compare the neighbourhood-move search with the subset filter of
:mod:`~corr2cause.causal.d_separation`. Here the expected separators come from networkx alone
(every subset of the other nodes tested with :func:`networkx.is_d_separator`, then the
inclusion-minimal ones kept), for both orders of the pair, and the error message names the pair.
"""

from __future__ import annotations

import itertools
import re

import networkx as nx
import pytest
from causal_reference import NAMED_DAGS, all_labeled_dags, dag_from_edges, subsets, to_nx

from corr2cause.causal.separators import minimal_separation_statements, minimal_separators


def nx_minimal_separators(dag, x, y):
    g = to_nx(dag)
    if g.has_edge(x, y) or g.has_edge(y, x):
        return []
    rest = [v for v in range(len(dag)) if v not in (x, y)]
    seps = [sum(1 << v for v in z) for z in subsets(rest) if nx.is_d_separator(g, {x}, {y}, set(z))]
    return sorted(z for z in seps if not any(w != z and w | z == z for w in seps))


def _check(dag):
    n = len(dag)
    want_statements = []
    for x, y in itertools.permutations(range(n), 2):
        want = nx_minimal_separators(dag, x, y)
        assert minimal_separators(dag, x, y) == want, (dag, x, y)
        if x < y:
            want_statements.extend((x, y, z) for z in want)
    assert minimal_separation_statements(dag) == sorted(want_statements)


@pytest.mark.parametrize("dag", NAMED_DAGS, ids=lambda d: d.name)
def test_named_graphs_both_pair_orders(dag):
    _check(dag.parents)


def test_every_labeled_dag_on_three_nodes():
    for dag in all_labeled_dags(3):
        _check(dag)


# graphs with several minimal separators per pair, so the search must move more than once
SEVERAL = [
    # two parallel routes 0 -> {1, 2} -> 3 -> 4 and 0 -> 5 -> 4: separators of (0, 4)
    # are {3, 5}, {1, 2, 5}
    dag_from_edges(6, [(0, 1), (0, 2), (1, 3), (2, 3), (3, 4), (0, 5), (5, 4)]),
    # a ladder: 0 -> 1 -> 3 -> 5, 0 -> 2 -> 4 -> 5, 1 -> 4, 2 -> 3
    dag_from_edges(6, [(0, 1), (0, 2), (1, 3), (2, 4), (3, 5), (4, 5), (1, 4), (2, 3)]),
    # moralisation matters: 0 -> 2 <- 1, 2 -> 3, 1 -> 4 -> 3; (0, 3) has {1, 2} and {2, 4}
    dag_from_edges(5, [(0, 2), (1, 2), (2, 3), (1, 4), (4, 3)]),
]


@pytest.mark.parametrize("dag", SEVERAL)
def test_graphs_with_several_minimal_separators(dag):
    _check(dag)


def test_separators_by_hand():
    assert minimal_separators(SEVERAL[0], 0, 4) == [0b100110, 0b101000]
    assert minimal_separators(SEVERAL[0], 4, 0) == [0b100110, 0b101000]
    assert minimal_separators(SEVERAL[2], 0, 3) == [0b00110, 0b10100]
    assert minimal_separators(SEVERAL[2], 0, 1) == [0]


@pytest.mark.parametrize(("x", "y"), [(1, 1), (-1, 0), (0, 3), (3, 0)])
def test_bad_pairs_are_named(x, y):
    chain = dag_from_edges(3, [(0, 1), (1, 2)])
    with pytest.raises(ValueError, match=f"^{re.escape(f'invalid pair ({x}, {y}) on 3 nodes')}$"):
        minimal_separators(chain, x, y)
