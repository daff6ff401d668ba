"""d-separation: bitmask implementation against networkx and hand-derived statements.

Evidence (GitHub issue 2): :func:`is_d_separated` agrees with :func:`networkx.is_d_separator`
on every query (each pair, each conditioning subset of the rest) for all DAG representatives
with ``N <= 5``, for all labeled DAGs with ``N <= 4``, for random relabelings of the ``N = 5``
representatives and for random DAGs with ``N = 6 .. 9`` (Hypothesis); and
:func:`d_separation_statements` equals the brute-force list built from networkx. The statement
lists of the named fixture graphs were derived by hand.
"""

from __future__ import annotations

import random
from collections.abc import Callable

import pytest
from causal_reference import (
    NAMED_DAGS,
    DagT,
    NamedDag,
    StatementT,
    all_labeled_dags,
    labeled_dags,
    nx_d_separated,
    nx_statements,
    ref_pairs,
    ref_relabel,
    subsets,
    to_nx,
)
from hypothesis import given, settings
from hypothesis import strategies as st

from corr2cause.causal.d_separation import (
    d_separation_statements,
    is_d_separated,
    marginally_dependent_pairs,
)
from corr2cause.graphs.enumeration import DagCatalog

# Hand-derived: (x, y, conditioning letters) for every pair x < y and set Z that d-separates.
HAND_STATEMENTS: dict[str, set[tuple[str, str, str]]] = {
    "chain": {("A", "C", "B")},
    "fork": {("A", "C", "B")},
    "collider": {("A", "B", "")},
    "triangle": set(),
    "empty3": {
        ("A", "B", ""),
        ("A", "B", "C"),
        ("A", "C", ""),
        ("A", "C", "B"),
        ("B", "C", ""),
        ("B", "C", "A"),
    },
    # B - D - C is the only collider; A -> B -> D and A -> C -> D are the two open chains.
    "diamond": {("A", "D", "BC"), ("B", "C", "A")},
    "y_structure": {
        ("A", "B", ""),
        ("A", "D", "C"),
        ("A", "D", "BC"),
        ("B", "D", "C"),
        ("B", "D", "AC"),
    },
    # A -> B, A -> C <- D -> E: each non-adjacent pair has a single path.
    "m_bias": {
        # A -> C <- D: open iff C in Z
        ("A", "D", ""),
        ("A", "D", "B"),
        ("A", "D", "E"),
        ("A", "D", "BE"),
        # A -> C <- D -> E: open iff C in Z and D not in Z
        ("A", "E", ""),
        ("A", "E", "B"),
        ("A", "E", "D"),
        ("A", "E", "BD"),
        ("A", "E", "CD"),
        ("A", "E", "BCD"),
        # B <- A -> C: open iff A not in Z
        ("B", "C", "A"),
        ("B", "C", "AD"),
        ("B", "C", "AE"),
        ("B", "C", "ADE"),
        # B <- A -> C <- D: open iff A not in Z and C in Z
        ("B", "D", ""),
        ("B", "D", "A"),
        ("B", "D", "E"),
        ("B", "D", "AC"),
        ("B", "D", "AE"),
        ("B", "D", "ACE"),
        # B <- A -> C <- D -> E: open iff Z = {C}
        ("B", "E", ""),
        ("B", "E", "A"),
        ("B", "E", "D"),
        ("B", "E", "AC"),
        ("B", "E", "AD"),
        ("B", "E", "CD"),
        ("B", "E", "ACD"),
        # C <- D -> E: open iff D not in Z
        ("C", "E", "D"),
        ("C", "E", "AD"),
        ("C", "E", "BD"),
        ("C", "E", "ABD"),
    },
}


def _hand_expected(dag: NamedDag) -> list[StatementT]:
    return sorted(
        (dag.idx(x), dag.idx(y), sum(1 << dag.idx(c) for c in z))
        for x, y, z in HAND_STATEMENTS[dag.name]
    )


def _check_every_query(dag: DagT, expected: set[StatementT]) -> None:
    """``is_d_separated`` (both argument orders, mask and set forms) against ``expected``."""
    n = len(dag)
    for i, j in ref_pairs(n):
        rest = [v for v in range(n) if v not in (i, j)]
        for z in subsets(rest):
            zmask = sum(1 << v for v in z)
            want = (i, j, zmask) in expected
            assert is_d_separated(dag, i, j, zmask) is want, (dag, i, j, z)
            assert is_d_separated(dag, j, i, set(z)) is want, (dag, j, i, z)


def test_hand_statements_cover_all_named_graphs() -> None:
    assert {d.name for d in NAMED_DAGS} == set(HAND_STATEMENTS)


@pytest.mark.parametrize("dag", NAMED_DAGS, ids=lambda d: d.name)
def test_named_graph_statements_match_hand_derivation(dag: NamedDag) -> None:
    expected = _hand_expected(dag)
    assert nx_statements(dag.parents) == expected  # the oracle agrees with the hand derivation
    assert d_separation_statements(dag.parents) == expected
    _check_every_query(dag.parents, set(expected))


def test_named_graphs_with_letter_nodes_agree_with_networkx(m_bias: NamedDag) -> None:
    """The frozen letter-named networkx view gives the same answers as the bitmask DAG."""
    g = m_bias.graph
    for x, y, z in [("B", "E", ""), ("B", "E", "C"), ("B", "E", "AC"), ("A", "D", "C")]:
        want = nx_d_separated(g, x, y, set(z))
        zs = {m_bias.idx(c) for c in z}
        assert is_d_separated(m_bias.parents, m_bias.idx(x), m_bias.idx(y), zs) is want


def test_docstring_example_chain(chain: NamedDag) -> None:
    assert is_d_separated(chain.parents, 0, 2) is False
    assert is_d_separated(chain.parents, 0, 2, {1}) is True
    assert is_d_separated(chain.parents, 0, 2, frozenset({1})) is True


@pytest.mark.parametrize("n", range(1, 6))
def test_every_query_on_every_representative_matches_networkx(
    n: int,
    catalog: Callable[[int], DagCatalog],
    rep_statements: Callable[[int], tuple[tuple[StatementT, ...], ...]],
) -> None:
    """All DAG classes with N <= 5, every pair and every conditioning subset of the rest."""
    cat = catalog(n)
    stmts = rep_statements(n)  # built query by query with nx.is_d_separator
    assert len(stmts) == len(cat)
    for k in range(len(cat)):
        parents = cat.parents(k)
        assert d_separation_statements(parents) == list(stmts[k])
        _check_every_query(parents, set(stmts[k]))


@pytest.mark.parametrize("n", range(2, 5))
def test_every_labeled_dag_up_to_four_nodes_matches_networkx(n: int) -> None:
    """All 3 + 25 + 543 labeled DAGs (not only upper-triangular ones)."""
    count = 0
    for dag in all_labeled_dags(n):
        expected = nx_statements(dag)
        assert d_separation_statements(dag) == expected, dag
        _check_every_query(dag, set(expected))
        count += 1
    assert count == {2: 3, 3: 25, 4: 543}[n]


def test_random_relabelings_of_five_node_representatives(
    catalog: Callable[[int], DagCatalog],
) -> None:
    rng = random.Random(20241128)
    cat = catalog(5)
    for k in range(len(cat)):
        perm = list(range(5))
        rng.shuffle(perm)
        dag = ref_relabel(cat.parents(k), perm)
        assert d_separation_statements(dag) == nx_statements(dag), (k, perm)


@pytest.mark.slow
def test_every_six_node_representative_matches_networkx(
    catalog: Callable[[int], DagCatalog],
) -> None:
    """All 5,984 classes with N = 6: 1,436,160 networkx queries."""
    cat = catalog(6)
    for k in range(len(cat)):
        parents = cat.parents(k)
        assert d_separation_statements(parents) == nx_statements(parents), k


@pytest.mark.slow
def test_three_relabelings_of_every_five_node_representative(
    catalog: Callable[[int], DagCatalog],
) -> None:
    rng = random.Random(7)
    cat = catalog(5)
    for k in range(len(cat)):
        for _ in range(3):
            perm = list(range(5))
            rng.shuffle(perm)
            dag = ref_relabel(cat.parents(k), perm)
            expected = nx_statements(dag)
            assert d_separation_statements(dag) == expected
            _check_every_query(dag, set(expected))


@settings(max_examples=60, deadline=None)
@given(dag=labeled_dags(6, 9), data=st.data())
def test_random_larger_dags_match_networkx(dag: DagT, data: st.DataObject) -> None:
    """N = 6 .. 9: every pair, with conditioning sets drawn by Hypothesis."""
    n = len(dag)
    g = to_nx(dag)
    for i, j in ref_pairs(n):
        rest = [v for v in range(n) if v not in (i, j)]
        for _ in range(2):
            z = data.draw(st.sets(st.sampled_from(rest)), label=f"Z({i},{j})")
            want = nx_d_separated(g, i, j, z)
            assert is_d_separated(dag, i, j, z) is want
            assert is_d_separated(dag, j, i, sum(1 << v for v in z)) is want


@settings(max_examples=25, deadline=None)
@given(dag=labeled_dags(6, 7))
def test_random_statement_lists_match_networkx(dag: DagT) -> None:
    assert d_separation_statements(dag) == nx_statements(dag)


@pytest.mark.parametrize("n", range(2, 6))
def test_marginally_dependent_pairs_match_networkx(
    n: int, catalog: Callable[[int], DagCatalog]
) -> None:
    cat = catalog(n)
    for k in range(len(cat)):
        parents = cat.parents(k)
        g = to_nx(parents)
        expected = [(i, j) for i, j in ref_pairs(n) if not nx_d_separated(g, i, j, ())]
        assert marginally_dependent_pairs(parents) == expected


def test_marginal_dependence_of_named_graphs(
    collider: NamedDag, chain: NamedDag, m_bias: NamedDag
) -> None:
    assert marginally_dependent_pairs(collider.parents) == [(0, 2), (1, 2)]
    assert marginally_dependent_pairs(chain.parents) == [(0, 1), (0, 2), (1, 2)]
    # m_bias: A-B, A-C, B-C (via A), C-D, C-E (via D), D-E are the dependent pairs
    assert marginally_dependent_pairs(m_bias.parents) == [
        (0, 1),
        (0, 2),
        (1, 2),
        (2, 3),
        (2, 4),
        (3, 4),
    ]


@pytest.mark.parametrize(
    ("x", "y", "z"),
    [(0, 0, 0), (0, 3, 0), (-1, 1, 0), (0, 1, 0b001), (0, 1, 0b010), (0, 1, 0b1000), (0, 2, {0})],
)
def test_invalid_queries_raise(chain: NamedDag, x: int, y: int, z: int | set[int]) -> None:
    with pytest.raises(ValueError):
        is_d_separated(chain.parents, x, y, z)
