"""The six relations of SPEC section 2 against a path-enumeration oracle and hand truth tables.

Evidence (GitHub issue 2): :class:`RelationEvaluator` (bitmask characterisations) and
:func:`relation_holds` agree with a straightforward networkx implementation of the SPEC
definitions (``nx.all_simple_paths`` / ``nx.has_path``, with node-disjoint paths for
``has_collider`` and ``has_confounder``) for every ordered pair of every DAG representative
with ``N <= 5`` and of random labeled DAGs with ``N <= 7`` (Hypothesis). The full truth tables
of the named fixture graphs were derived by hand.
"""

from __future__ import annotations

from collections.abc import Callable

import networkx as nx
import pytest
from causal_reference import (
    NAMED_DAGS,
    REF_RELATIONS,
    DagT,
    NamedDag,
    labeled_dags,
    reference_collider_by_path_shape,
    reference_confounder_by_path_shape,
    reference_relation_table,
    reference_relations,
    to_nx,
)
from hypothesis import given, settings

from corr2cause.causal.relations import (
    RELATIONS,
    RelationEvaluator,
    ancestors,
    descendants,
    relation_holds,
)
from corr2cause.graphs.enumeration import DagCatalog

# Hand-derived truth tables: for each relation, the ordered pairs "XY" for which it holds in the
# named graph; every other (relation, ordered pair) is false.
HAND_RELATIONS: dict[str, dict[str, str]] = {
    # A -> B -> C. No collider at C for (A, B): both paths into C pass through B.
    "chain": {
        "parent": "AB BC",
        "child": "BA CB",
        "non-parent ancestor": "AC",
        "non-child descendant": "CA",
    },
    # A <- B -> C
    "fork": {"parent": "BA BC", "child": "AB CB", "has_confounder": "AC CA"},
    # A -> C <- B
    "collider": {"parent": "AC BC", "child": "CA CB", "has_collider": "AB BA"},
    # A -> B, A -> C, B -> C: a shielded collider at C for (A, B), confounder A for (B, C).
    "triangle": {
        "parent": "AB AC BC",
        "child": "BA CA CB",
        "non-parent ancestor": "AC",
        "non-child descendant": "CA",
        "has_collider": "AB BA",
        "has_confounder": "BC CB",
    },
    "empty3": {},
    # A -> B, A -> C, B -> D, C -> D. Collider D for (A, B) via A -> C -> D and B -> D;
    # confounder A for (B, D) via A -> B and A -> C -> D.
    "diamond": {
        "parent": "AB AC BD CD",
        "child": "BA CA DB DC",
        "non-parent ancestor": "AD",
        "non-child descendant": "DA",
        "has_collider": "AB BA AC CA BC CB",
        "has_confounder": "BC CB BD DB CD DC",
    },
    # A -> C <- B, C -> D
    "y_structure": {
        "parent": "AC BC CD",
        "child": "CA CB DC",
        "non-parent ancestor": "AD BD",
        "non-child descendant": "DA DB",
        "has_collider": "AB BA",
    },
    # A -> B, A -> C <- D -> E
    "m_bias": {
        "parent": "AB AC DC DE",
        "child": "BA CA CD ED",
        "has_collider": "AD DA",
        "has_confounder": "BC CB CE EC",
    },
}


def _hand_table(dag: NamedDag) -> dict[tuple[str, str], dict[str, bool]]:
    facts = HAND_RELATIONS[dag.name]
    letters = list(dag.graph.nodes)
    return {
        (x, y): {rel: f"{x}{y}" in facts.get(rel, "").split() for rel in REF_RELATIONS}
        for x in letters
        for y in letters
        if x != y
    }


def _check_against_reference(dag: DagT) -> None:
    ref = reference_relation_table(dag)
    ev = RelationEvaluator(dag)
    for (x, y), want in ref.items():
        assert ev.pair_vector(x, y) == tuple(want[r] for r in RELATIONS), (dag, x, y)
        for rel in RELATIONS:
            assert ev.holds(rel, x, y) is want[rel], (dag, rel, x, y)


def test_relation_ids_are_the_six_of_the_spec() -> None:
    assert len(RELATIONS) == 6
    assert set(RELATIONS) == set(REF_RELATIONS)


def test_hand_tables_cover_all_named_graphs() -> None:
    assert {d.name for d in NAMED_DAGS} == set(HAND_RELATIONS)
    for facts in HAND_RELATIONS.values():
        assert set(facts) <= set(REF_RELATIONS)


@pytest.mark.parametrize("dag", NAMED_DAGS, ids=lambda d: d.name)
def test_named_graph_relations_match_hand_tables(dag: NamedDag) -> None:
    expected = _hand_table(dag)
    for (x, y), want in expected.items():
        # the oracle, run on the frozen letter-named graph, agrees with the hand table ...
        assert reference_relations(dag.graph, x, y) == want, (x, y)
        # ... and so does the code under test, on the bitmask DAG
        for rel, holds in want.items():
            assert relation_holds(dag.parents, rel, dag.idx(x), dag.idx(y)) is holds, (rel, x, y)


@pytest.mark.parametrize("n", range(2, 6))
def test_every_representative_matches_path_enumeration(
    n: int, catalog: Callable[[int], DagCatalog]
) -> None:
    """All 2 + 6 + 31 + 302 DAG classes with N <= 5, every ordered pair and relation."""
    cat = catalog(n)
    for k in range(len(cat)):
        _check_against_reference(cat.parents(k))


@settings(max_examples=80, deadline=None)
@given(dag=labeled_dags(2, 7))
def test_random_labeled_dags_match_path_enumeration(dag: DagT) -> None:
    _check_against_reference(dag)


@settings(max_examples=40, deadline=None)
@given(dag=labeled_dags(3, 6))
def test_both_spec_formulations_of_collider_and_confounder_agree(dag: DagT) -> None:
    """SPEC gives two equivalent wordings; check them against each other and the code."""
    g = to_nx(dag)
    ev = RelationEvaluator(dag)
    for x in range(len(dag)):
        for y in range(len(dag)):
            if x == y:
                continue
            disjoint = reference_relations(g, x, y)
            assert reference_collider_by_path_shape(g, x, y) is disjoint["has_collider"]
            assert reference_confounder_by_path_shape(g, x, y) is disjoint["has_confounder"]
            assert ev.has_collider(x, y) is disjoint["has_collider"]
            assert ev.has_confounder(x, y) is disjoint["has_confounder"]


def test_common_child_through_y_is_not_a_collider(chain: NamedDag) -> None:
    """``x -> y -> k`` alone: both paths into ``k`` pass through ``y``."""
    a, b = chain.idx("A"), chain.idx("B")
    assert not relation_holds(chain.parents, "has_collider", a, b)
    assert not relation_holds(chain.parents, "has_confounder", b, chain.idx("C"))


def test_direct_edge_does_not_preclude_non_parent_ancestor(triangle: NamedDag) -> None:
    """A -> C and A -> B -> C: A is both a parent and a non-parent ancestor of C."""
    a, c = triangle.idx("A"), triangle.idx("C")
    assert relation_holds(triangle.parents, "parent", a, c)
    assert relation_holds(triangle.parents, "non-parent ancestor", a, c)


@settings(max_examples=50, deadline=None)
@given(dag=labeled_dags(1, 7))
def test_descendants_and_ancestors_helpers(dag: DagT) -> None:
    g = to_nx(dag)
    n = len(dag)
    for v in range(n):
        assert descendants(dag, v) == sum(1 << u for u in nx.descendants(g, v))
        assert ancestors(dag, v) == sum(1 << u for u in nx.ancestors(g, v))
        for r in range(n):
            if r == v:
                continue
            h = g.subgraph(set(range(n)) - {r})
            assert descendants(dag, v, removed=1 << r) == sum(1 << u for u in nx.descendants(h, v))
            assert ancestors(dag, v, removed=1 << r) == sum(1 << u for u in nx.ancestors(h, v))


def test_invalid_queries_raise(chain: NamedDag) -> None:
    with pytest.raises(ValueError, match="distinct"):
        relation_holds(chain.parents, "parent", 1, 1)
    with pytest.raises(ValueError, match="unknown relation"):
        relation_holds(chain.parents, "sibling", 0, 1)


def test_docstring_example(chain: NamedDag) -> None:
    ev = RelationEvaluator(chain.parents)
    assert ev.holds("non-parent ancestor", 0, 2)
    assert not ev.holds("parent", 0, 2)


def test_count_items_equals_relation_counts_on_random_classes():
    import numpy as np

    from corr2cause.causal.markov_equivalence import mec_members
    from corr2cause.causal.mec_classes import relation_counts
    from corr2cause.causal.relations import count_items
    from corr2cause.dataset.sampling import random_dag
    from corr2cause.graphs.dag import pairs

    rng = np.random.default_rng(21)
    for _ in range(40):
        n = int(rng.integers(3, 10))
        members = mec_members(random_dag(n, float(rng.choice([0.2, 0.5, 0.8])), rng), limit=2000)
        items = [(x, y, r) for x, y in pairs(n) for r in range(6)]
        want = relation_counts(members).reshape(-1).tolist()
        assert count_items(members, items) == want
