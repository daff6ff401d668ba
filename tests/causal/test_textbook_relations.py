"""The textbook reading of the relations (Corr2Cause++ wording) against networkx path oracles.

:func:`textbook_pair_vector` is checked on every labeled DAG with ``N <= 4`` (and random ones up
to ``N = 7``) against a direct networkx reading of the definitions: common child / common parent
by successor / predecessor sets, "through some mediator(s) but not directly" by
``nx.all_simple_paths`` of length >= 2 and no edge. It is also checked to imply the SPEC relation
(never the reverse), with a graph for each case where the two readings differ.
"""

from __future__ import annotations

import networkx as nx
import pytest
from causal_reference import DagT, all_labeled_dags, labeled_dags, to_nx
from hypothesis import given, settings

from corr2cause.causal.relations import (
    RELATIONS,
    RelationEvaluator,
    textbook_pair_vector,
    textbook_relation_holds,
)


def nx_textbook(g: nx.DiGraph, x: int, y: int) -> tuple[bool, ...]:
    def indirect(a: int, b: int) -> bool:
        if g.has_edge(a, b):
            return False
        return any(len(p) >= 3 for p in nx.all_simple_paths(g, a, b))

    common_child = bool((set(g.successors(x)) & set(g.successors(y))) - {x, y})
    common_parent = bool((set(g.predecessors(x)) & set(g.predecessors(y))) - {x, y})
    return (
        g.has_edge(x, y),
        indirect(x, y),
        g.has_edge(y, x),
        indirect(y, x),
        common_child,
        common_parent,
    )


def _check(dag: DagT) -> None:
    g = to_nx(dag)
    n = len(dag)
    ev = RelationEvaluator(dag)
    for x in range(n):
        for y in range(n):
            if x == y:
                continue
            got = textbook_pair_vector(dag, x, y)
            assert got == nx_textbook(g, x, y), (dag, x, y)
            # the textbook relation implies the SPEC relation
            for r, holds in enumerate(got):
                if holds:
                    assert ev.holds(RELATIONS[r], x, y), (dag, x, y, RELATIONS[r])


@pytest.mark.parametrize("n", [2, 3, 4])
def test_every_labeled_dag(n: int) -> None:
    for dag in all_labeled_dags(n):
        _check(dag)


@settings(max_examples=60, deadline=None)
@given(labeled_dags(5, 7))
def test_random_dags(dag: DagT) -> None:
    _check(dag)


# A -> B -> C, A -> C : parent, SPEC non-parent ancestor, not textbook
SHORTCUT = (0, 0b001, 0b011)
# A -> C -> D <- B : collider of A and B (SPEC), no common child
LONG_COLLIDER = (0, 0, 0b0001, 0b0110)
# C -> A -> ... : C -> D -> A and C -> B : confounder of A and B (SPEC), no common parent
LONG_CONFOUNDER = (0b1000, 0b0100, 0, 0b0100)


@pytest.mark.parametrize(
    ("dag", "relation", "x", "y"),
    [
        (SHORTCUT, "non-parent ancestor", 0, 2),
        (SHORTCUT, "non-child descendant", 2, 0),
        (LONG_COLLIDER, "has_collider", 0, 1),
        (LONG_CONFOUNDER, "has_confounder", 0, 1),
    ],
)
def test_readings_differ(dag: DagT, relation: str, x: int, y: int) -> None:
    assert RelationEvaluator(dag).holds(relation, x, y)
    assert not textbook_relation_holds(dag, relation, x, y)


def test_bad_arguments() -> None:
    with pytest.raises(ValueError, match="distinct"):
        textbook_pair_vector(SHORTCUT, 1, 1)
    with pytest.raises(ValueError, match="unknown relation"):
        textbook_relation_holds(SHORTCUT, "sibling", 0, 1)
