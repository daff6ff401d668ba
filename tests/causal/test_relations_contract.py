"""Contracts of :mod:`corr2cause.causal.relations` pinned against path enumeration.

``count_items`` was only compared with :func:`~corr2cause.causal.mec_classes.relation_counts`
(same package, same bitmask ideas). Here its counts come from :func:`reference_relations`
(networkx simple paths read off SPEC section 2), for items in any order, with repeats, over
member lists where the lazy shortcut of the module (``De_{G-y}(x) = De(x)`` unless ``y`` is a
descendant of ``x``) is and is not taken. The evaluator's answers, ``relation_holds`` and the
textbook reading are checked on every labeled DAG with three nodes and on hand-worked cases.
"""

from __future__ import annotations

import itertools

import pytest
from causal_reference import (
    NAMED_DAGS,
    all_labeled_dags,
    dag_from_edges,
    reference_relations,
    to_nx,
)

from corr2cause.causal.relations import (
    RELATIONS,
    RelationEvaluator,
    count_items,
    relation_holds,
    textbook_relation_holds,
)

# the package's column order (RELATIONS), written out from SPEC section 2
ORDER = (
    "parent",
    "non-parent ancestor",
    "child",
    "non-child descendant",
    "has_collider",
    "has_confounder",
)


def reference_count(members, items):
    tables = []
    for dag in members:
        g = to_nx(dag)
        tables.append(
            {(x, y): reference_relations(g, x, y) for x, y in itertools.permutations(g, 2)}
        )
    return [sum(t[(x, y)][ORDER[r]] for t in tables) for x, y, r in items]


def all_items(n):
    return [(x, y, r) for x, y in itertools.permutations(range(n), 2) for r in range(6)]


def test_relation_order_is_the_spec_order():
    assert RELATIONS == ORDER


@pytest.mark.parametrize("n", [2, 3])
def test_count_items_over_all_labeled_dags(n):
    """Every ordered pair (both x < y and x > y) and relation, over all labeled DAGs at once."""
    members = list(all_labeled_dags(n))
    items = all_items(n)
    assert count_items(members, items) == reference_count(members, items)


@pytest.mark.parametrize("dag", NAMED_DAGS, ids=lambda d: d.name)
def test_count_items_on_each_named_graph(dag):
    items = all_items(dag.n)
    assert count_items([dag.parents], items) == reference_count([dag.parents], items)


# x -> y -> k and x -> k: y is a descendant of x, so the shortcut must delete y; the collider
# at k exists through the edge x -> k. Likewise for confounders with the edges reversed.
SHORTCUT_CASES = [
    dag_from_edges(3, [(0, 1), (1, 2), (0, 2)]),
    dag_from_edges(3, [(1, 0), (2, 1), (2, 0)]),
    dag_from_edges(4, [(0, 1), (1, 2), (0, 3), (3, 2)]),  # two routes into 2, one through 1
    dag_from_edges(4, [(1, 0), (2, 1), (3, 0), (2, 3)]),
    dag_from_edges(4, [(0, 1), (1, 2), (2, 3)]),  # chain: every route into 3 goes through 1
    dag_from_edges(4, [(3, 2), (2, 1), (1, 0)]),
    dag_from_edges(5, [(0, 1), (1, 3), (0, 2), (2, 4), (1, 4)]),
]


@pytest.mark.parametrize("dag", SHORTCUT_CASES)
def test_count_items_where_one_node_descends_from_the_other(dag):
    items = all_items(len(dag))
    assert count_items([dag], items) == reference_count([dag], items)


def test_count_items_keeps_item_order_and_repeats():
    chain = dag_from_edges(3, [(0, 1), (1, 2)])  # A -> B -> C
    fork = dag_from_edges(3, [(1, 0), (1, 2)])  # A <- B -> C
    collider = dag_from_edges(3, [(0, 2), (1, 2)])  # A -> C <- B
    items = [(0, 2, 1), (0, 1, 4), (0, 2, 5), (0, 2, 1), (2, 0, 3), (1, 0, 2), (0, 1, 0)]
    # by hand, each item holds in exactly one of the three: A ~> C through B (chain); A and B
    # collide at C (collider); B confounds A and C (fork); the same A ~> C again; (2, 0, 3):
    # A ~> C through B, read from C's side (chain); (1, 0, 2): A -> B read from B's side
    # (chain); (0, 1, 0): A -> B (chain)
    assert count_items([chain, fork, collider], items) == [1, 1, 1, 1, 1, 1, 1]
    assert count_items([chain, chain], [(0, 2, 1)]) == [2]
    assert count_items([], items) == [0] * len(items)
    assert count_items((chain,), []) == []


@pytest.mark.parametrize("dag", list(all_labeled_dags(3)))
def test_evaluator_and_relation_holds_on_every_three_node_dag(dag):
    g = to_nx(dag)
    ev = RelationEvaluator(dag)
    for x, y in itertools.permutations(range(3), 2):
        want = reference_relations(g, x, y)
        assert ev.pair_vector(x, y) == tuple(want[r] for r in ORDER)
        for r in ORDER:
            assert ev.holds(r, x, y) is want[r]
            assert relation_holds(dag, r, x, y) is want[r]


def test_textbook_relation_holds_by_hand():
    # A -> B -> C and A -> C: C is a common child of A and B; A is a parent of C, not an
    # indirect cause; B -> C is direct
    g = dag_from_edges(3, [(0, 1), (1, 2), (0, 2)])
    assert textbook_relation_holds(g, "has_collider", 0, 1) is True
    assert textbook_relation_holds(g, "has_confounder", 1, 2) is True  # A -> B, A -> C
    assert textbook_relation_holds(g, "non-parent ancestor", 0, 2) is False
    assert textbook_relation_holds(g, "parent", 0, 2) is True
    assert textbook_relation_holds(g, "child", 2, 0) is True
    assert textbook_relation_holds(g, "non-child descendant", 2, 0) is False
    # A -> B -> C alone: A is an indirect cause of C, C an indirect effect of A
    chain = dag_from_edges(3, [(0, 1), (1, 2)])
    assert textbook_relation_holds(chain, "non-parent ancestor", 0, 2) is True
    assert textbook_relation_holds(chain, "non-child descendant", 2, 0) is True
    assert textbook_relation_holds(chain, "has_collider", 0, 2) is False
    with pytest.raises(ValueError, match=r"^a relation needs two distinct nodes$"):
        textbook_relation_holds(chain, "parent", 1, 1)


def test_non_parent_ancestor_looks_past_the_first_child_it_tries() -> None:
    # A -> B, A -> C, B -> D (bits: A=0, B=1, C=2, D=3). A reaches D only through B, the
    # lower of its two children; C, the higher, leads nowhere. Worked by hand from the SPEC:
    # A is a non-parent ancestor of D, not of C (a parent) or of B (a parent).
    parents = (0, 0b0001, 0b0001, 0b0010)
    ev = RelationEvaluator(parents)
    assert ev.n == 4
    assert ev.is_non_parent_ancestor(0, 3)
    assert not ev.is_non_parent_ancestor(0, 1)
    assert not ev.is_non_parent_ancestor(0, 2)
    # the mirror: the path through the higher child, the lower one a dead end
    parents = (0, 0b0001, 0b0001, 0b0100)
    assert RelationEvaluator(parents).is_non_parent_ancestor(0, 3)
