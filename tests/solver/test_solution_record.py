"""``Solution.to_dict`` and ``explanation``: every field against the independent oracle.

The CPDAG is derived here from the oracle's members (an edge is directed iff all members
orient it the same way), witnesses must be oracle members where the claim fails / holds, and
the counts are the oracle's.
"""

from __future__ import annotations

import itertools

import networkx as nx
import pytest

import oracle
from corr2cause.solver import Solver

CHAIN = oracle.render_premise(nx.DiGraph([("A", "B"), ("B", "C")]), ["A", "B", "C"])
COLLIDER = oracle.render_premise(nx.DiGraph([("A", "C"), ("B", "C")]), ["A", "B", "C"])
DIAMOND = oracle.render_premise(
    nx.DiGraph([("A", "B"), ("A", "C"), ("B", "D"), ("C", "D")]), ["A", "B", "C", "D"]
)


def oracle_cpdag(premise: str) -> dict[str, list[list[str]]]:
    dags = oracle.members(premise)
    names = oracle.parse_premise(premise).names
    directed, undirected = [], []
    for a, b in itertools.combinations(names, 2):
        ways = {(g.has_edge(a, b), g.has_edge(b, a)) for g in dags}
        if ways == {(True, False)}:
            directed.append([a, b])
        elif ways == {(False, True)}:
            directed.append([b, a])
        elif ways != {(False, False)}:
            undirected.append([a, b])
    return {"directed": sorted(directed), "undirected": undirected}


@pytest.mark.parametrize(
    ("premise", "hypothesis", "relation", "x", "y", "template", "cpdag_text"),
    [
        (CHAIN, "A directly causes B.", "parent", "A", "B", "parent", "A - B, B - C"),
        (
            COLLIDER,
            "B is a cause for C, but not a direct one.",
            "non-parent ancestor",
            "B",
            "C",
            "non-child descendant",
            "A -> C, B -> C",
        ),
        (
            DIAMOND,
            "Some variable(s) cause(s) both B and C.",
            "has_confounder",
            "B",
            "C",
            "has_confounder",
            "B -> D, C -> D, A - B, A - C",
        ),
    ],
)
def test_record_fields(premise, hypothesis, relation, x, y, template, cpdag_text):
    sol = Solver().solve(premise, hypothesis)
    want = oracle.verdict(premise, hypothesis)
    rec = sol.to_dict()
    predicate, px, py = oracle.parse_hypothesis(hypothesis)
    assert rec["label"] == want.label and rec["label3"] == want.label3
    assert rec["fraction"] == want.fraction
    assert (rec["holds"], rec["members"]) == (want.holding, want.num_members)
    assert (rec["relation"], rec["x"], rec["y"], rec["template"]) == (relation, x, y, template)
    assert rec["hypothesis"] == hypothesis
    assert rec["num_variables"] == len(oracle.parse_premise(premise).names)
    got_cpdag = {k: sorted(v) for k, v in rec["cpdag"].items()}
    assert got_cpdag == {k: sorted(v) for k, v in oracle_cpdag(premise).items()}
    assert rec["cpdag_text"] == cpdag_text
    g0 = oracle.members(premise)[0]
    colliders = sorted(
        [a, c, b]
        for c in g0
        for a, b in itertools.combinations(sorted(g0.predecessors(c)), 2)
        if not g0.has_edge(a, b) and not g0.has_edge(b, a)
    )
    assert sorted(rec["v_structures"]) == colliders
    member_edges = [sorted(map(list, g.edges)) for g in oracle.members(premise)]
    for key, should_hold in (("witness_fails", False), ("witness_holds", True)):
        witness = rec[key]
        exists = any(
            oracle.holds(g, predicate, px, py) == should_hold for g in oracle.members(premise)
        )
        if not exists:
            assert witness is None, key
            continue
        assert sorted(witness) in member_edges, key
        assert oracle.holds(nx.DiGraph(witness), predicate, px, py) == should_hold, key


def test_explanation_states_the_counts():
    sol = Solver().solve(CHAIN, "A directly causes B.")
    text = sol.explanation()
    assert "3 variables (A, B, C), 3 correlation(s), 1 independence statement(s)" in text
    assert "Colliders (v-structures): none" in text
    assert "CPDAG: A - B, B - C" in text
    assert "Member DAGs: 3" in text
    assert "reads as: parent(A, B)" in text
    assert "holds in 1 of 3 member DAG(s) (33.33%)" in text
    assert "Label: neutral (3-class), 0 = invalid (binary)" in text
    assert "Member where it fails: B -> A, B -> C" in text
    assert "Member where it holds: A -> B, B -> C" in text
