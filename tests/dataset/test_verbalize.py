"""Verbatim premise and hypothesis sentences (SPEC sections 4-5)."""

from __future__ import annotations

import pytest

from corr2cause.causal.d_separation import d_separation_statements
from corr2cause.dataset.templates import join_names, official_template_id
from corr2cause.dataset.verbalize import verbalize_hypothesis, verbalize_premise
from corr2cause.graphs.dag import from_edges, node_names

COLLIDER = from_edges(3, [(0, 2), (1, 2)])
CHAIN = from_edges(3, [(0, 1), (1, 2)])
EMPTY3 = from_edges(3, [])


def test_spec_example_collider():
    assert verbalize_premise(d_separation_statements(COLLIDER), node_names(3)) == (
        "Suppose there is a closed system of 3 variables, A, B and C. All the statistical "
        "relations among these 3 variables are as follows: A correlates with C. B correlates "
        "with C. However, A is independent of B."
    )


def test_only_correlations_has_no_however():
    text = verbalize_premise(d_separation_statements(from_edges(2, [(0, 1)])), ["A", "B"])
    assert text.endswith("are as follows: A correlates with B.")


def test_only_independencies_and_conditioning_order():
    text = verbalize_premise(d_separation_statements(EMPTY3), node_names(3))
    assert "However" not in text and "correlates" not in text
    assert text.endswith(
        "A is independent of B. A and B are independent given C. A is independent of C. "
        "A and C are independent given B. B is independent of C. B and C are independent given A."
    )


def test_conditioning_sets_sort_as_lists():
    # 5 isolated nodes: for (A, B) the sets sort as [], [C], [C, D], [C, D, E], [C, E], [D], ...
    text = verbalize_premise(d_separation_statements(from_edges(5, [])), node_names(5))
    body = text.split("as follows: ", 1)[1]
    ab = [
        s
        for s in body.split(". ")
        if s.startswith("A and B are") or s.startswith("A is independent of B")
    ]
    givens = [s.split("given ")[1] if "given" in s else "" for s in ab]
    assert givens == ["", "C", "C and D", "C, D and E", "C and E", "D", "D and E", "E"]


def test_chain_premise():
    text = verbalize_premise(d_separation_statements(CHAIN), node_names(3))
    assert text.endswith(
        "A correlates with B. A correlates with C. B correlates with C. "
        "However, A and C are independent given B."
    )


@pytest.mark.parametrize(
    ("relation", "form", "expected"),
    [
        ("parent", 0, "A directly causes C."),
        ("non-parent ancestor", 0, "A causes something else which causes C."),
        ("non-parent ancestor", 1, "A is a cause for C, but not a direct one."),
        ("child", 0, "C directly causes A."),
        ("non-child descendant", 0, "C is a cause for A, but not a direct one."),
        ("non-child descendant", 1, "C causes something else which causes A."),
        ("has_collider", 1, "There exists at least one collider (i.e., common effect) of C and A."),
        (
            "has_confounder",
            0,
            "There exists at least one confounder (i.e., common cause) of A and C.",
        ),
    ],
)
def test_hypothesis_templates(relation, form, expected):
    assert verbalize_hypothesis(relation, "A", "C", form=form) == expected


def test_paraphrases_and_template_ids():
    assert verbalize_hypothesis("has_confounder", "A", "B", paraphrase=True) == (
        "Some variable(s) cause(s) both A and B."
    )
    assert official_template_id("non-parent ancestor", 1) == "non-child descendant"
    assert official_template_id("non-child descendant", 1) == "non-parent ancestor"
    assert official_template_id("parent", 0) == "parent"
    with pytest.raises(ValueError):
        verbalize_hypothesis("sibling", "A", "B")


def test_join_names():
    assert join_names(["A", "B"]) == "A and B"
    assert join_names(["A", "B", "C", "D"]) == "A, B, C and D"
