"""The CPDAG rules decide exactly what their docstring promises, no less (``make mutation``).

``tests/causal/test_cpdag_decisions.py`` checks that every decision is the enumerated label,
which an over-cautious rule (one that answers "undecided" too often) passes. Here the full
code table is derived from the CPDAG's edges with networkx path enumeration, read off the rules
of the module docstring: ``parent`` always decided; an ancestry or meeting relation entailed
iff its paths exist on directed edges, contradicted iff they do not exist even on possibly
directed edges (a directed edge forward, an undirected edge either way), undecided otherwise.
"""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest
from causal_reference import all_labeled_dags, dag_from_edges, ref_pairs

from corr2cause.causal.cpdag_decisions import UNDECIDED, decide_from_cpdag
from corr2cause.causal.markov_equivalence import Pdag, cpdag

ENTAILED, NEUTRAL, CONTRADICTED = 0, 1, 2


def _graphs(p: Pdag) -> tuple[nx.DiGraph, nx.DiGraph]:
    """The directed edges alone, and the possibly directed moves (undirected both ways)."""
    n = p.n
    directed = nx.DiGraph()
    directed.add_nodes_from(range(n))
    directed.add_edges_from(p.directed_edges())
    possible = directed.copy()
    for a, b in p.undirected_edges():
        possible.add_edges_from([(a, b), (b, a)])
    return directed, possible


def _long_path(g: nx.DiGraph, x: int, y: int) -> bool:
    return any(len(path) >= 3 for path in nx.all_simple_paths(g, x, y))


def _disjoint_into(g: nx.DiGraph, x: int, y: int) -> bool:
    """Some k outside {x, y} with simple paths x ~> k and y ~> k sharing only k."""
    for k in g.nodes:
        if k in (x, y):
            continue
        px = [set(path) for path in nx.all_simple_paths(g, x, k)]
        py = [set(path) for path in nx.all_simple_paths(g, y, k)]
        if any(a & b == {k} for a in px for b in py):
            return True
    return False


def _three_way(directed: bool, possible: bool) -> int:
    if directed:
        return ENTAILED
    return UNDECIDED if possible else CONTRADICTED


def reference_codes(p: Pdag) -> np.ndarray:
    d, pd = _graphs(p)
    rd, rpd = d.reverse(copy=True), pd.reverse(copy=True)
    undirected = set(p.undirected_edges())
    rows = []
    for x, y in ref_pairs(p.n):

        def parent(a: int, b: int) -> int:
            if d.has_edge(a, b):
                return ENTAILED
            return NEUTRAL if (min(a, b), max(a, b)) in undirected else CONTRADICTED

        rows.append(
            [
                parent(x, y),
                _three_way(_long_path(d, x, y), _long_path(pd, x, y)),
                parent(y, x),
                _three_way(_long_path(d, y, x), _long_path(pd, y, x)),
                _three_way(_disjoint_into(d, x, y), _disjoint_into(pd, x, y)),
                _three_way(_disjoint_into(rd, x, y), _disjoint_into(rpd, x, y)),
            ]
        )
    return np.array(rows, dtype=np.int8).reshape(len(rows), 6)


def test_every_cpdag_on_four_nodes_decides_exactly_the_documented_items():
    seen = set()
    for dag in all_labeled_dags(4):
        p = cpdag(dag)
        if p in seen:
            continue
        seen.add(p)
        np.testing.assert_array_equal(decide_from_cpdag(p), reference_codes(p))
    assert len(seen) == 185  # labeled MECs on 4 nodes (OEIS A007984: 1, 2, 11, 185)


# DAGs on five nodes whose CPDAGs mix long directed chains (from v-structures and R1/R2)
# with undirected parts
FIVE_NODE = [
    ((0, 2), (4, 2), (2, 1), (1, 3)),  # 0 -> 2 <- 4, then 2 -> 1 -> 3 by R1
    ((1, 0), (3, 0), (0, 2), (2, 4)),  # 1 -> 0 <- 3, then 0 -> 2 -> 4 by R1
    ((0, 1), (2, 1), (1, 3), (1, 4), (3, 4)),  # 0 -> 1 <- 2, 1 -> 3, 1 -> 4 by R1, 3 - 4
    ((0, 1), (1, 2), (2, 4), (3, 4)),  # 2 -> 4 <- 3, and the chain 0 - 1 - 2 undirected
]


@pytest.mark.parametrize("edges", FIVE_NODE)
def test_five_node_cpdags_decide_exactly_the_documented_items(edges):
    p = cpdag(dag_from_edges(5, edges))
    np.testing.assert_array_equal(decide_from_cpdag(p), reference_codes(p))


def test_directed_chain_through_a_higher_node_is_entailed():
    """0 -> 2 -> 1 -> 3 all directed (v-structure 0 -> 2 <- 4 and R1): every ancestry along
    the chain is entailed, whatever the node numbers of the intermediate nodes."""
    p = cpdag(dag_from_edges(5, [(0, 2), (4, 2), (2, 1), (1, 3)]))
    assert p.undirected == (0,) * 5
    codes = {pair: row for pair, row in zip(ref_pairs(5), decide_from_cpdag(p), strict=True)}
    assert codes[(0, 3)][1] == ENTAILED  # 0 ~> 3 through 2 and 1
    assert codes[(0, 1)][1] == ENTAILED  # 0 ~> 1 through 2
    assert codes[(3, 4)][3] == ENTAILED  # 4 ~> 3 (descendant column of the pair (3, 4))
    assert codes[(0, 4)][4] == ENTAILED  # 0 -> 2 <- 4
    assert codes[(1, 4)][5] == CONTRADICTED  # nothing reaches both 1 and 4


def test_table_shape_follows_pairs_and_relations():
    for n in range(1, 5):
        p = Pdag((0,) * n, (0,) * n)
        out = decide_from_cpdag(p)
        assert out.shape == (n * (n - 1) // 2, 6)
        # the empty graph: no edges, no paths; everything contradicted
        assert (out == CONTRADICTED).all()


def test_complete_undirected_graph_leaves_every_path_relation_undecided():
    n = 4
    full = (1 << n) - 1
    p = Pdag((0,) * n, tuple(full & ~(1 << v) for v in range(n)))
    out = decide_from_cpdag(p)
    for row in out:
        assert row.tolist() == [NEUTRAL, UNDECIDED, NEUTRAL, UNDECIDED, UNDECIDED, UNDECIDED]
