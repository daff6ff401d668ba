"""Reading premises and hypotheses: every benchmark wording, any names, clear errors, fuzzing."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from corr2cause.causal import RELATIONS
from corr2cause.dataset.templates import official_template_id
from corr2cause.dataset.verbalize import verbalize_hypothesis
from corr2cause.solver import (
    ParseError,
    SolverError,
    parse_hypothesis,
    parse_premise,
    split_input,
)

FRAME3 = (
    "Suppose there is a closed system of 3 variables, A, B and C. All the statistical relations "
    "among these 3 variables are as follows: "
)
FRAME4_NAMED = (
    "Suppose there is a closed system of 4 variables, smoking, X1, blood-type and Z. All the "
    "statistical relations among these 4 variables are as follows: "
)


def test_collider_premise_facts(collider_premise):
    p = parse_premise(collider_premise)
    assert p.n == 3
    assert p.names == ("A", "B", "C")
    assert p.correlations == {(0, 2), (1, 2)}
    assert p.independencies == {(0, 1, 0)}
    assert p.sentence((0, 1, 0)) == "However, A is independent of B."


def test_conditional_independence_with_arbitrary_names():
    text = FRAME4_NAMED + (
        "smoking correlates with X1. X1 correlates with Z. However, smoking and Z are "
        "independent given X1. blood-type is independent of smoking. Z and blood-type are "
        "independent given smoking, X1."
    )
    with pytest.raises(ParseError, match="cannot read the variable name 'smoking, X1'"):
        parse_premise(text)
    p = parse_premise(text.replace("smoking, X1.", "smoking and X1."))
    assert p.names == ("smoking", "X1", "blood-type", "Z")
    # pairs are stored in node order whatever the sentence order
    assert p.independencies == {(0, 3, 0b0010), (0, 2, 0), (2, 3, 0b0011)}


def test_tolerates_order_spacing_case_and_repeats(collider_premise):
    reference = parse_premise(collider_premise)
    variant = (
        "Premise:  suppose there is a closed system of 3 variables, A, B, and C.   All the "
        "statistical relations among these 3 variables are as follows:\n"
        "However, A is independent of B.  C correlates with A. B correlates with C. "
        "B correlates with C"
    )
    assert parse_premise(variant).key == reference.key


def test_single_variable_premise_has_no_facts():
    p = parse_premise(
        "Suppose there is a closed system of 1 variable, A. All the statistical relations "
        "among these 1 variables are as follows:"
    )
    assert (p.n, p.names, p.correlations, p.independencies) == (1, ("A",), frozenset(), frozenset())


@pytest.mark.parametrize(
    ("text", "quoted"),
    [
        ("There is a closed system of 3 variables.", "There is a closed system of 3 variables."),
        (FRAME3.replace("among these 3", "among these 4"), "among these 4"),
        (FRAME3.replace("A, B and C", "A and B") + "A correlates with B.", "declares 3"),
        (FRAME3.replace("A, B and C", "A, A and C"), "named twice"),
        (FRAME3.replace("A, B and C", "A, B and C!"), "'C!'"),
        (FRAME3 + "A correlates with D.", "unknown variable 'D' in the sentence 'A correlates"),
        (FRAME3 + "A correlates with A.", "relates 'A' to itself"),
        (FRAME3 + "A and B are independent given A.", "conditions on one of its own pair"),
        (FRAME3 + "A and B are independent given C and C.", "names 'C' twice"),
        (FRAME3 + "A causes B. A correlates with C.", "cannot read the sentence 'A causes B.'"),
        (FRAME3 + "A correlates with B A correlates with C.", "'A correlates with B A correlates"),
    ],
)
def test_premise_errors_quote_the_sentence(text, quoted):
    with pytest.raises(ParseError) as info:
        parse_premise(text)
    assert quoted in str(info.value)
    assert isinstance(info.value, ValueError)


NAMES = ("A", "B", "C", "D")


@pytest.mark.parametrize("relation", RELATIONS)
@pytest.mark.parametrize("form", [0, 1])
@pytest.mark.parametrize(("i", "j"), [(0, 1), (1, 3)])
def test_original_wordings_and_swap_forms(relation, form, i, j):
    text = verbalize_hypothesis(relation, NAMES[i], NAMES[j], form=form)
    h = parse_hypothesis(text, NAMES)
    assert (h.relation, h.x, h.y, h.paraphrase) == (relation, i, j, False)
    assert h.template == official_template_id(relation, form)


@pytest.mark.parametrize("relation", RELATIONS)
def test_paraphrased_wordings(relation):
    text = verbalize_hypothesis(relation, "X1", "smoking", paraphrase=True)
    h = parse_hypothesis(text, ["X1", "smoking"])
    assert (h.relation, h.x, h.y, h.paraphrase, h.template) == (relation, 0, 1, True, relation)


def test_hypothesis_reads_relation_in_node_order():
    names = ["Z", "Y", "X"]  # refactored names: Z is node 0
    assert parse_hypothesis("X directly causes Z.", names).relation == "child"
    h = parse_hypothesis("Hypothesis: Z is a cause for X, but not a direct one", names)
    assert (h.relation, h.x, h.y) == ("non-parent ancestor", 0, 2)
    assert h.template == "non-child descendant"  # the official tag follows the wording


@pytest.mark.parametrize(
    ("text", "quoted"),
    [
        ("A probably causes B.", "cannot read the hypothesis 'A probably causes B.'"),
        ("A directly causes E.", "unknown variable 'E'"),
        ("A directly causes A.", "relates 'A' to itself"),
        ("", "cannot read the hypothesis ''"),
    ],
)
def test_hypothesis_errors_quote_the_sentence(text, quoted):
    with pytest.raises(ParseError) as info:
        parse_hypothesis(text, NAMES)
    assert quoted in str(info.value)


def test_split_input():
    premise, hypothesis = split_input("Premise: P text.\nHypothesis: A directly causes B.")
    assert (premise, hypothesis) == ("P text.", "A directly causes B.")
    with pytest.raises(ParseError, match="no 'Hypothesis:' part"):
        split_input("Premise: only a premise.")


def test_the_word_and_of_name_lists_is_case_blind_too() -> None:
    # SPEC section 4 fixed words in capitals, the name list and a conditioning set included
    p = parse_premise(
        "SUPPOSE THERE IS A CLOSED SYSTEM OF 3 VARIABLES, A, B AND C. ALL THE STATISTICAL "
        "RELATIONS AMONG THESE 3 VARIABLES ARE AS FOLLOWS: A CORRELATES WITH B. B CORRELATES "
        "WITH C. A CORRELATES WITH C. HOWEVER, A AND C ARE INDEPENDENT GIVEN B. "
        "A and B are independent given C."
    )
    assert p.names == ("A", "B", "C")
    assert p.independencies == frozenset({(0, 2, 0b010), (0, 1, 0b100)})
    five = (
        "Suppose there is a closed system of 5 variables, A, B, C, D And E. All the statistical "
        "relations among these 5 variables are as follows: "
    )
    assert parse_premise(five + "A and E are independent given B, C, AND D.").independencies == {
        (0, 4, 0b01110)
    }


# --- fuzzing: malformed text yields ParseError, never another exception ----------------------


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_fuzz_arbitrary_text(text):
    for call in (parse_premise, split_input, lambda t: parse_hypothesis(t, NAMES)):
        with contextlib.suppress(ParseError):
            call(text)


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_fuzz_mutated_premise(collider_premise, data):
    text = FRAME4_NAMED + (
        "smoking correlates with X1. X1 correlates with Z. smoking correlates with Z. "
        "However, smoking and Z are independent given X1. blood-type is independent of smoking."
    )
    base = data.draw(st.sampled_from([collider_premise, text]))
    start = data.draw(st.integers(0, len(base)))
    end = data.draw(st.integers(start, min(len(base), start + 12)))
    insert = data.draw(st.text(alphabet=" .,ABCXZandisofgvenrltw1", max_size=12))
    mutated = base[:start] + insert + base[end:]
    try:
        p = parse_premise(mutated)
    except SolverError as err:
        assert isinstance(err, ParseError)
        assert str(err)
    else:
        assert len(p.names) == p.n
