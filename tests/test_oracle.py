"""The test oracle itself (``tests/oracle.py``), against SPEC text and hand-derived classes."""

from __future__ import annotations

import csv

import networkx as nx
import pytest

import oracle

SPEC_COLLIDER = (
    "Suppose there is a closed system of 3 variables, A, B and C. All the statistical relations "
    "among these 3 variables are as follows: A correlates with C. B correlates with C. "
    "However, A is independent of B."
)
"""The example premise of SPEC section 4 (A -> C <- B), verbatim."""


def test_renders_the_spec_example():
    g = nx.DiGraph([("A", "C"), ("B", "C")])
    assert oracle.render_premise(g, ["A", "B", "C"]) == SPEC_COLLIDER
    assert len(oracle.members(SPEC_COLLIDER)) == 1


def test_chain_class_by_hand():
    """A - B - C with A ⊥ C | B: the chain, its reverse and the fork; A -> B in one of three."""
    premise = oracle.render_premise(nx.DiGraph([("A", "B"), ("B", "C")]), ["A", "B", "C"])
    assert premise.endswith("However, A and C are independent given B.")
    assert len(oracle.members(premise)) == 3
    cases = {
        "A directly causes B.": (0, "neutral", 1 / 3),
        "A causes something else which causes C.": (0, "neutral", 1 / 3),
        "There exists at least one collider (i.e., common effect) of A and C.": (
            0,
            "contradiction",
            0.0,
        ),
        "Some variable(s) cause(s) both A and C.": (0, "neutral", 1 / 3),
        "C is a cause for A, but not a direct one.": (0, "neutral", 1 / 3),
    }
    for hyp, want in cases.items():
        v = oracle.verdict(premise, hyp)
        assert (v.label, v.label3, v.fraction) == want, hyp


def test_collider_class_by_hand():
    for hyp, label3 in [
        ("A directly causes C.", "entailment"),
        ("C directly affects A.", "contradiction"),
        ("A and B together cause some other variable(s).", "entailment"),
        ("There exists at least one confounder (i.e., common cause) of B and A.", "contradiction"),
    ]:
        assert oracle.verdict(SPEC_COLLIDER, hyp).label3 == label3, hyp


def test_rejects_impossible_and_malformed_text():
    # A ⊥ B marginally and given C, but both adjacent to C: no DAG has exactly these
    impossible = SPEC_COLLIDER + " A and B are independent given C."
    with pytest.raises(oracle.OracleError, match="no DAG"):
        oracle.members(impossible)
    with pytest.raises(oracle.OracleError):
        oracle.parse_premise("Suppose there is a closed system of 3 variables, A and B.")
    with pytest.raises(oracle.OracleError):
        oracle.parse_hypothesis("A causes B.")


def test_finds_exactly_the_18_known_label_errors(official_test_path):
    """SPEC section 9: 15 entailed items labeled 0 and 3 non-entailed items labeled 1."""
    wrong = []
    with open(official_test_path, newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            v = oracle.verdict(*oracle.split_input(row["input"]))
            if v.label != int(row["label"]):
                wrong.append(v.label)
    assert (wrong.count(1), wrong.count(0)) == (15, 3)
