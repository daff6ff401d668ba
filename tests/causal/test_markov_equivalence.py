"""Markov equivalence: skeletons, v-structures, CPDAGs and MEC members against oracles.

Evidence (GitHub issue 2):

- :func:`cpdag` agrees with pgmpy's ``DAG.to_pdag()`` for every DAG representative with
  ``N <= 6`` and for random labeled DAGs with ``N <= 7``, and with the *definition* of the CPDAG
  (an edge is directed iff all members orient it alike) on every labeled DAG with ``N <= 4``;
- :func:`mec_members` equals the brute-force set of labeled DAGs with the same d-separation
  statements: for all labeled DAGs with ``N <= 4`` (networkx statements, over all labeled DAGs),
  for all representatives with ``N = 5`` and a relabeling of each, and for a sample with ``N = 6``;
- :func:`markov_equivalent` is equality of the networkx statement sets;
- the named fixture graphs have hand-derived v-structures, patterns, CPDAGs and MECs.
"""

from __future__ import annotations

import itertools
import random
from collections import defaultdict
from collections.abc import Callable

import pytest
from causal_reference import (
    NAMED_DAGS,
    DagT,
    NamedDag,
    all_labeled_dags,
    brute_force_members,
    labeled_dags,
    nx_statements,
    ref_edges,
    ref_relabel,
)
from hypothesis import given, settings
from pgmpy.base import DAG as PgmpyDAG

from corr2cause.causal.d_separation import d_separation_statements
from corr2cause.causal.markov_equivalence import (
    Pdag,
    cpdag,
    markov_equivalent,
    mec_members,
    meek_closure,
    pattern,
    skeleton,
    v_structures,
)
from corr2cause.graphs.enumeration import DagCatalog

# ---- hand-derived expectations for the named graphs (letters) ------------------------------

HAND_V_STRUCTURES: dict[str, set[str]] = {
    "chain": set(),
    "fork": set(),
    "collider": {"ACB"},
    "triangle": set(),  # the collider at C is shielded (A -> B)
    "empty3": set(),
    "diamond": {"BDC"},
    "y_structure": {"ACB"},
    "m_bias": {"ACD"},
}

# (directed edges, undirected edges) of the pattern and of the CPDAG
HAND_PATTERN: dict[str, tuple[str, str]] = {
    "chain": ("", "AB BC"),
    "fork": ("", "AB BC"),
    "collider": ("AC BC", ""),
    "triangle": ("", "AB AC BC"),
    "empty3": ("", ""),
    "diamond": ("BD CD", "AB AC"),
    "y_structure": ("AC BC", "CD"),
    "m_bias": ("AC DC", "AB DE"),
}
HAND_CPDAG: dict[str, tuple[str, str]] = {
    **HAND_PATTERN,
    "y_structure": ("AC BC CD", ""),  # Meek R1 orients C -> D (A -> C - D, A, D non-adjacent)
}

# every member of the MEC, as space-separated edges
HAND_MEMBERS: dict[str, set[str]] = {
    "chain": {"A->B B->C", "B->A C->B", "B->A B->C"},
    "fork": {"A->B B->C", "B->A C->B", "B->A B->C"},
    "collider": {"A->C B->C"},
    "triangle": {
        " ".join(f"{o[a]}->{o[b]}" for a, b in [(0, 1), (0, 2), (1, 2)])
        for o in itertools.permutations("ABC")
    },
    "empty3": {""},
    # B -> A <- C would be a new v-structure; the other three orientations of A-B, A-C are fine
    "diamond": {
        "A->B A->C B->D C->D",
        "B->A A->C B->D C->D",
        "C->A A->B B->D C->D",
    },
    "y_structure": {"A->C B->C C->D"},
    "m_bias": {f"{ab} A->C D->C {de}" for ab in ("A->B", "B->A") for de in ("D->E", "E->D")},
}


def _letters_to_dag(dag: NamedDag, spec: str) -> DagT:
    parents = [0] * dag.n
    for e in spec.split():
        u, v = e.split("->")
        parents[dag.idx(v)] |= 1 << dag.idx(u)
    return tuple(parents)


def _edge_set(dag: NamedDag, spec: str) -> set[tuple[int, int]]:
    return {(dag.idx(e[0]), dag.idx(e[1])) for e in spec.split()}


def _pdag_edges(p: Pdag) -> tuple[set[tuple[int, int]], set[frozenset[int]]]:
    return set(p.directed_edges()), {frozenset(e) for e in p.undirected_edges()}


@pytest.mark.parametrize("dag", NAMED_DAGS, ids=lambda d: d.name)
def test_named_graph_v_structures(dag: NamedDag) -> None:
    expected = set()
    for a, c, b in HAND_V_STRUCTURES[dag.name]:
        i, j = sorted((dag.idx(a), dag.idx(b)))
        expected.add((i, dag.idx(c), j))
    assert v_structures(dag.parents) == expected


@pytest.mark.parametrize("dag", NAMED_DAGS, ids=lambda d: d.name)
def test_named_graph_skeleton(dag: NamedDag) -> None:
    expected = [0] * dag.n
    for u, v in dag.edge_list:
        expected[dag.idx(u)] |= 1 << dag.idx(v)
        expected[dag.idx(v)] |= 1 << dag.idx(u)
    assert skeleton(dag.parents) == tuple(expected)


@pytest.mark.parametrize("dag", NAMED_DAGS, ids=lambda d: d.name)
def test_named_graph_pattern_and_cpdag(dag: NamedDag) -> None:
    for fn, table in ((pattern, HAND_PATTERN), (cpdag, HAND_CPDAG)):
        directed, undirected = table[dag.name]
        got_d, got_u = _pdag_edges(fn(dag.parents))
        assert got_d == _edge_set(dag, directed), fn.__name__
        assert got_u == {frozenset(e) for e in _edge_set(dag, undirected)}, fn.__name__


@pytest.mark.parametrize("dag", NAMED_DAGS, ids=lambda d: d.name)
def test_named_graph_mec_members(dag: NamedDag) -> None:
    expected = sorted(_letters_to_dag(dag, spec) for spec in HAND_MEMBERS[dag.name])
    assert mec_members(dag.parents) == expected
    assert sorted(brute_force_members(dag.parents)) == expected  # the oracle agrees too


def test_chain_and_fork_are_markov_equivalent(
    chain: NamedDag, fork: NamedDag, collider: NamedDag
) -> None:
    assert markov_equivalent(chain.parents, fork.parents)
    assert not markov_equivalent(chain.parents, collider.parents)
    assert cpdag(chain.parents) == cpdag(fork.parents)


# ---- CPDAG against pgmpy --------------------------------------------------------------------


def _pgmpy_cpdag(dag: DagT) -> tuple[set[tuple[int, int]], set[frozenset[int]]]:
    """CPDAG from pgmpy (string node names: pgmpy mishandles a node called 0)."""
    g = PgmpyDAG()
    g.add_nodes_from([f"X{i}" for i in range(len(dag))])
    g.add_edges_from([(f"X{u}", f"X{v}") for u, v in ref_edges(dag)])
    p = g.to_pdag()

    def idx(name: str) -> int:
        return int(name[1:])

    directed = {(idx(u), idx(v)) for u, v in p.directed_edges}
    undirected = {frozenset((idx(u), idx(v))) for u, v in p.undirected_edges}
    return directed, undirected


@pytest.mark.parametrize("n", range(2, 7))
def test_cpdag_matches_pgmpy_on_every_representative(
    n: int, catalog: Callable[[int], DagCatalog]
) -> None:
    cat = catalog(n)
    for k in range(len(cat)):
        parents = cat.parents(k)
        assert _pdag_edges(cpdag(parents)) == _pgmpy_cpdag(parents), (n, k)


@settings(max_examples=60, deadline=None)
@given(dag=labeled_dags(2, 7))
def test_cpdag_matches_pgmpy_on_random_labeled_dags(dag: DagT) -> None:
    assert _pdag_edges(cpdag(dag)) == _pgmpy_cpdag(dag)


# ---- brute force over all labeled DAGs with N <= 4 -------------------------------------------


def _groups_by_statements(n: int) -> dict[tuple, list[DagT]]:
    groups: dict[tuple, list[DagT]] = defaultdict(list)
    for dag in all_labeled_dags(n):
        groups[tuple(nx_statements(dag))].append(dag)
    return groups


@pytest.mark.parametrize("n", range(1, 5))
def test_mec_members_equal_brute_force_over_all_labeled_dags(n: int) -> None:
    """Every labeled DAG: members == all labeled DAGs with the same networkx statements."""
    groups = _groups_by_statements(n)
    assert len(groups) == {1: 1, 2: 2, 3: 11, 4: 185}[n]  # labeled MECs, OEIS A007984
    for stmts, group in groups.items():
        expected = sorted(group)
        for dag in group:
            assert mec_members(dag) == expected, dag
            assert mec_members(cpdag(dag)) == expected
            assert mec_members(pattern(dag)) == expected
        # CPDAG by definition: an edge is directed iff every member orients it the same way
        d = cpdag(group[0])
        edge_sets = [set(ref_edges(m)) for m in group]
        compelled = set.intersection(*edge_sets)
        reversible = {frozenset(e) for s in edge_sets for e in s} - {
            frozenset(e) for e in compelled
        }
        assert _pdag_edges(d) == (compelled, reversible), stmts


@pytest.mark.parametrize("n", range(2, 5))
def test_markov_equivalent_iff_same_statements(n: int) -> None:
    dags = list(all_labeled_dags(n))
    stmts = {dag: tuple(nx_statements(dag)) for dag in dags}
    rng = random.Random(n)
    if n <= 3:
        pairs = list(itertools.product(dags, dags))
    else:  # all pairs with a common skeleton (the interesting ones) plus random pairs
        by_skel: dict[tuple[int, ...], list[DagT]] = defaultdict(list)
        for dag in dags:
            by_skel[skeleton(dag)].append(dag)
        pairs = [p for group in by_skel.values() for p in itertools.product(group, group)]
        pairs += [(rng.choice(dags), rng.choice(dags)) for _ in range(3000)]
    for g, h in pairs:
        assert markov_equivalent(g, h) is (stmts[g] == stmts[h]), (g, h)


# ---- N = 5 and N = 6 -----------------------------------------------------------------------


def _check_members(dag: DagT, statements: Callable[[DagT], list]) -> list[DagT]:
    members = mec_members(dag)
    assert members == sorted(brute_force_members(dag, statements)), dag
    assert dag in members
    return members


def test_mec_members_of_five_node_representatives_and_relabelings(
    catalog: Callable[[int], DagCatalog],
) -> None:
    """Brute force with the bitmask statements, themselves checked against networkx on every
    query of these graphs in ``test_d_separation.py``."""
    rng = random.Random(5)
    cat = catalog(5)
    for k in range(len(cat)):
        parents = cat.parents(k)
        members = _check_members(parents, d_separation_statements)
        perm = list(range(5))
        rng.shuffle(perm)
        relabeled = _check_members(ref_relabel(parents, perm), d_separation_statements)
        assert relabeled == sorted(ref_relabel(m, perm) for m in members)


@pytest.mark.slow
def test_mec_members_of_five_node_representatives_with_networkx(
    catalog: Callable[[int], DagCatalog],
) -> None:
    cat = catalog(5)
    for k in range(len(cat)):
        _check_members(cat.parents(k), nx_statements)


@pytest.mark.parametrize(
    "sample",
    [pytest.param(25, id="sample25"), pytest.param(600, id="sample600", marks=pytest.mark.slow)],
)
def test_mec_members_of_six_node_sample(sample: int, catalog: Callable[[int], DagCatalog]) -> None:
    cat = catalog(6)
    rng = random.Random(6)
    for k in sorted(rng.sample(range(len(cat)), sample)):
        _check_members(cat.parents(k), d_separation_statements)


@pytest.mark.parametrize("n", range(2, 6))
def test_members_share_skeleton_v_structures_and_cpdag(
    n: int, catalog: Callable[[int], DagCatalog]
) -> None:
    cat = catalog(n)
    for k in range(len(cat)):
        parents = cat.parents(k)
        c = cpdag(parents)
        assert meek_closure(c) == c  # the CPDAG is closed under Meek's rules
        members = mec_members(parents)
        assert len(set(members)) == len(members)
        for m in members:
            assert skeleton(m) == skeleton(parents)
            assert v_structures(m) == v_structures(parents)
            assert cpdag(m) == c


def test_mec_members_limit(triangle: NamedDag) -> None:
    assert len(mec_members(triangle.parents, limit=6)) == 6
    with pytest.raises(OverflowError):
        mec_members(triangle.parents, limit=5)
