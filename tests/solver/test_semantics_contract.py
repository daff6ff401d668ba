"""The contract of :mod:`corr2cause.solver.semantics`: detecting and deciding the two readings.

The classes below are chosen where the readings differ (SPEC section 2 against the literal
Corr2Cause++ wording): a collider reached through a mediator (no common child), a confounder
reached through a mediator (no common parent), and an ancestor that is also a parent. The
expected counts are worked out by hand and re-derived in the test from the brute-force members
of ``tests/oracle.py`` with a textbook predicate written here with networkx.
"""

from __future__ import annotations

import networkx as nx
import pytest

import oracle
from corr2cause.causal import RELATIONS
from corr2cause.graphs import node_names, pairs
from corr2cause.solver.parse import parse_premise
from corr2cause.solver.reconstruct import reconstruct
from corr2cause.solver.semantics import (
    SEMANTICS,
    Decision,
    SemanticsError,
    check_semantics,
    decide,
    detect_semantics,
)


def test_named_readings_and_their_check() -> None:
    assert SEMANTICS == ("corr2cause", "textbook")
    for name in ("corr2cause", "textbook", "auto"):
        assert check_semantics(name) == name
    assert check_semantics("textbook", allow_auto=False) == "textbook"
    with pytest.raises(SemanticsError) as info:
        check_semantics("auto", allow_auto=False)
    assert str(info.value) == (
        "unknown hypothesis semantics 'auto'; expected one of corr2cause, textbook"
    )
    with pytest.raises(SemanticsError) as info:
        check_semantics("Textbook")
    assert str(info.value) == (
        "unknown hypothesis semantics 'Textbook'; expected one of corr2cause, textbook, auto"
    )
    assert isinstance(info.value, ValueError)


@pytest.mark.parametrize(
    ("hypothesis", "semantics"),
    [
        ("There exists at least one collider (i.e., a common child) of A and B.", "textbook"),
        ("There exists at least one confounder (i.e., a COMMON  PARENT) of A and B.", "textbook"),
        ("A influences B through some mediator(s) but\nnot   directly.", "textbook"),
        ("There exists at least one collider (i.e., common effect) of A and B.", "corr2cause"),
        ("There exists at least one confounder (i.e., common cause) of A and B.", "corr2cause"),
        ("A influences B through some mediator(s).", "corr2cause"),
        ("A is a cause for B, but not a direct one.", "corr2cause"),
    ],
)
def test_detect_semantics_from_the_wording(hypothesis, semantics) -> None:
    assert detect_semantics(hypothesis) == semantics


@pytest.mark.parametrize(
    ("holds", "members", "label", "label3"),
    [
        (3, 3, 1, "entailment"),
        (0, 3, 0, "contradiction"),
        (1, 3, 0, "neutral"),
        (2, 3, 0, "neutral"),
        (1, 1, 1, "entailment"),
        (0, 1, 0, "contradiction"),
    ],
)
def test_decision_labels(holds, members, label, label3) -> None:
    d = Decision("corr2cause", holds, members, None, None)
    assert (d.label, d.label3) == (label, label3)


def textbook_holds(g: nx.DiGraph, relation: str, x: str, y: str) -> bool:
    """The literal Corr2Cause++ reading, straight from the wording."""
    if relation == "parent":
        return g.has_edge(x, y)
    if relation == "child":
        return g.has_edge(y, x)
    if relation in ("non-parent ancestor", "non-child descendant"):
        a, b = (x, y) if relation == "non-parent ancestor" else (y, x)
        return not g.has_edge(a, b) and any(len(p) > 2 for p in nx.all_simple_paths(g, a, b))
    if relation == "has_collider":
        return bool(set(g.successors(x)) & set(g.successors(y)))
    return bool(set(g.predecessors(x)) & set(g.predecessors(y)))


def nx_dag(n: int, edges: str) -> nx.DiGraph:
    g = nx.DiGraph()
    g.add_nodes_from(node_names(n))
    g.add_edges_from((e[0], e[1]) for e in edges.split())
    return g


# (n, DAG, relation, pair, (holds, members) under corr2cause, under textbook)
CASES = [
    # A - C, C -> D <- B: A -> C -> D <- B has a collider of A and B but no common child
    (4, "AC CD BD", "has_collider", (0, 1), (1, 2), (0, 2)),
    # the path A - B - C - D: rooted at B or C, A and D are confounded, never by a common parent
    (4, "BA BC CD", "has_confounder", (0, 3), (2, 4), (0, 4)),
    # R2's class (one member): A -> B -> D and A -> D; an ancestor, but "not directly" fails
    (4, "AB CB BD AD", "non-parent ancestor", (0, 3), (1, 1), (0, 1)),
    # the same from the other end: D is a non-child descendant of A only under SPEC semantics
    (4, "AB CB BD AD", "non-child descendant", (0, 3), (0, 1), (0, 1)),
    # a common child is a collider in both readings
    (3, "AC BC", "has_collider", (0, 1), (1, 1), (1, 1)),
    (3, "AB BC", "parent", (0, 1), (1, 3), (1, 3)),
    (3, "AB BC", "child", (1, 2), (1, 3), (1, 3)),
]


@pytest.mark.parametrize(("n", "edges", "relation", "pair", "spec", "textbook"), CASES)
def test_decide_under_both_readings(n, edges, relation, pair, spec, textbook) -> None:
    names = node_names(n)
    premise = oracle.render_premise(nx_dag(n, edges), names)
    rec = reconstruct(parse_premise(premise))
    x, y = pair
    by_mask = {
        tuple(sum(1 << names.index(u) for u in g.predecessors(v)) for v in names): g
        for g in oracle.members(premise)
    }
    dags = [by_mask[m] for m in rec.members]
    predicate, swapped = oracle.RELATION_PREDICATE[relation]
    a, b = (names[y], names[x]) if swapped else (names[x], names[y])
    readings = {
        "corr2cause": [oracle.holds(g, predicate, a, b) for g in dags],
        "textbook": [textbook_holds(g, relation, names[x], names[y]) for g in dags],
    }
    for semantics, expected in (("corr2cause", spec), ("textbook", textbook)):
        verdicts = readings[semantics]
        assert (sum(verdicts), len(verdicts)) == expected  # hand-worked
        d = decide(rec, relation, x, y, semantics=semantics)
        assert (d.semantics, d.holds, d.members) == (semantics, *expected)
        first_h = rec.members[verdicts.index(True)] if True in verdicts else None
        first_f = rec.members[verdicts.index(False)] if False in verdicts else None
        assert (d.witness_holds, d.witness_fails) == (first_h, first_f)


def test_decide_defaults_to_spec_semantics_and_rejects_auto() -> None:
    premise = oracle.render_premise(nx_dag(4, "AC CD BD"), node_names(4))
    rec = reconstruct(parse_premise(premise))
    assert decide(rec, "has_collider", 0, 1).holds == 1
    with pytest.raises(SemanticsError, match="'auto'"):
        decide(rec, "has_collider", 0, 1, semantics="auto")


def test_every_relation_and_pair_of_a_class_under_both_readings() -> None:
    names = node_names(4)
    premise = oracle.render_premise(nx_dag(4, "AB BC CD"), names)  # a path: 4 members
    rec = reconstruct(parse_premise(premise))
    graphs = oracle.members(premise)
    for i, j in pairs(4):
        for relation in RELATIONS:
            predicate, swapped = oracle.RELATION_PREDICATE[relation]
            a, b = (names[j], names[i]) if swapped else (names[i], names[j])
            spec = sum(oracle.holds(g, predicate, a, b) for g in graphs)
            literal = sum(textbook_holds(g, relation, names[i], names[j]) for g in graphs)
            assert decide(rec, relation, i, j).holds == spec, (relation, i, j)
            assert decide(rec, relation, i, j, semantics="textbook").holds == literal
