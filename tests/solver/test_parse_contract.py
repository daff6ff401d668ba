"""The reading contract of :mod:`corr2cause.solver.parse`, pinned with hand-worked examples.

Every expected value here is written down from the SPEC's verbatim templates (sections 4 and 5)
and the module's documented promises, not taken from the parser's output: one premise per
sentence form, one hypothesis per wording and name order, multi-word names, the tolerated
variations (case, spacing, ``Premise:`` / ``Hypothesis:`` labels, missing final period) and,
for malformed text, the exact error type, message and offending sentence. These are the fast
kill tests of ``make mutation`` for the parser (a few milliseconds each).
"""

from __future__ import annotations

import re

import pytest

from corr2cause.solver.errors import ParseError
from corr2cause.solver.parse import (
    ParsedHypothesis,
    ParsedPremise,
    parse_hypothesis,
    parse_premise,
    render_fact,
    split_input,
)


def frame(names: str, n: int) -> str:
    """SPEC section 4, the frame sentence, verbatim."""
    return (
        f"Suppose there is a closed system of {n} variables, {names}. All the statistical "
        f"relations among these {n} variables are as follows: "
    )


# --- premises: one per sentence form ---------------------------------------------------------

ABCD = frame("A, B, C and D", 4)


def test_every_statement_form_is_read_into_node_indices_and_masks() -> None:
    # the DAG A -> B -> C, D -> C (written by hand, SPEC wording and order)
    text = ABCD + (
        "A correlates with B. A correlates with C. B correlates with C. C correlates with D. "
        "However, A is independent of D. A and C are independent given B. "
        "A and C are independent given B and D. B is independent of D. "
        "A and D are independent given B. A and B are independent given C, D."
    )
    with pytest.raises(ParseError):  # "C, D" is not a name list (no " and ")
        parse_premise(text)
    p = parse_premise(text.replace("given C, D.", "given C."))
    assert p.n == 4
    assert p.names == ("A", "B", "C", "D")
    assert p.correlations == frozenset({(0, 1), (0, 2), (1, 2), (2, 3)})
    assert p.independencies == frozenset(
        {(0, 3, 0), (0, 2, 0b0010), (0, 2, 0b1010), (1, 3, 0), (0, 3, 0b0010), (0, 1, 0b0100)}
    )
    assert dict(p.sentences) == {
        (0, 1): "A correlates with B.",
        (0, 2): "A correlates with C.",
        (1, 2): "B correlates with C.",
        (2, 3): "C correlates with D.",
        (0, 3, 0): "However, A is independent of D.",
        (0, 2, 0b0010): "A and C are independent given B.",
        (0, 2, 0b1010): "A and C are independent given B and D.",
        (1, 3, 0): "B is independent of D.",
        (0, 3, 0b0010): "A and D are independent given B.",
        (0, 1, 0b0100): "A and B are independent given C.",
    }


def test_pairs_are_stored_in_node_order_whatever_the_sentence_order() -> None:
    p = parse_premise(
        ABCD + "D correlates with A. C is independent of B. D and B are independent given C and A."
    )
    assert p.correlations == frozenset({(0, 3)})
    assert p.independencies == frozenset({(1, 2, 0), (1, 3, 0b0101)})
    assert p.sentences[(0, 3)] == "D correlates with A."
    assert p.sentences[(1, 3, 0b0101)] == "D and B are independent given C and A."


def test_conditioning_set_of_three_names_with_and_without_oxford_comma() -> None:
    five = frame("A, B, C, D and E", 5)
    plain = parse_premise(five + "A and E are independent given B, C and D.")
    oxford = parse_premise(five + "A and E are independent given B, C, and D.")
    assert plain.independencies == oxford.independencies == frozenset({(0, 4, 0b01110)})


def test_sentences_keep_the_first_occurrence_as_written() -> None:
    p = parse_premise(
        ABCD + "However, A is independent of B. C   correlates with D. A is independent of B. "
        "C correlates with D."
    )
    assert p.sentences[(0, 1, 0)] == "However, A is independent of B."
    assert p.sentences[(2, 3)] == "C correlates with D."  # whitespace collapsed
    assert len(p.sentences) == 2


def test_fixed_words_are_case_blind_and_however_may_stand_anywhere() -> None:
    text = (
        "PREMISE:\n suppose THERE is a closed system of 3 VARIABLES,  A,  B and C .  ALL the "
        "statistical relations among these 3 variables ARE AS FOLLOWS:\n\tHOWEVER ,  A IS "
        "INDEPENDENT OF B.  A CORRELATES WITH C.  however,B correlates with C ."
    )
    p = parse_premise(text)
    assert p.names == ("A", "B", "C")
    assert p.correlations == frozenset({(0, 2), (1, 2)})
    assert p.independencies == frozenset({(0, 1, 0)})
    assert p.sentences[(1, 2)] == "however,B correlates with C ."


def test_last_sentence_may_lack_its_period() -> None:
    p = parse_premise(
        frame("A, B and C", 3) + "A correlates with C. B and C are independent given A"
    )
    assert p.independencies == frozenset({(1, 2, 0b001)})
    assert p.sentences[(1, 2, 0b001)] == "B and C are independent given A"


def test_one_variable_singular_and_two_variables() -> None:
    one = parse_premise(
        "Suppose there is a closed system of 1 variable, Q. All the statistical relations among "
        "these 1 variable are as follows:   "
    )
    assert (one.n, one.names, one.correlations, one.independencies) == (
        1,
        ("Q",),
        frozenset(),
        frozenset(),
    )
    two = parse_premise(frame("A and B", 2) + "A correlates with B.")
    assert (two.names, two.correlations, two.independencies) == (
        ("A", "B"),
        frozenset({(0, 1)}),
        frozenset(),
    )


def test_key_is_the_content_and_ignores_sentence_order() -> None:
    a = parse_premise(
        frame("A, B and C", 3) + "A correlates with C. B correlates with C. "
        "However, A is independent of B."
    )
    b = parse_premise(
        frame("A, B and C", 3) + "A is independent of B. B correlates with C. "
        "A correlates with C. A correlates with C."
    )
    assert a.key == b.key == (("A", "B", "C"), frozenset({(0, 2), (1, 2)}), frozenset({(0, 1, 0)}))
    assert a == b  # the sentences as written are not part of the comparison
    renamed = parse_premise(
        frame("A, B and D", 3) + "A correlates with D. B correlates with D. "
        "However, A is independent of B."
    )
    assert renamed.key != a.key


def test_sentence_falls_back_to_the_canonical_wording() -> None:
    p = parse_premise(frame("A, B and C", 3) + "A correlates with C.")
    assert p.sentence((0, 2)) == "A correlates with C."
    assert p.sentence((0, 1)) == "A correlates with B."
    assert p.sentence((0, 1, 0)) == "A is independent of B."
    assert p.sentence((0, 1, 0b100)) == "A and B are independent given C."


def test_a_parsed_premise_can_be_built_by_hand() -> None:
    p = ParsedPremise(2, ("X", "Y"), frozenset({(0, 1)}), frozenset())
    assert dict(p.sentences) == {}
    assert p.sentence((0, 1)) == "X correlates with Y."


@pytest.mark.parametrize(
    ("fact", "text"),
    [
        ((0, 3), "A correlates with D."),
        ((1, 2, 0), "B is independent of C."),
        ((0, 1, 0b1000), "A and B are independent given D."),
        ((1, 3, 0b0101), "B and D are independent given A and C."),
        ((0, 4, 0b01110), "A and E are independent given B, C and D."),
    ],
)
def test_render_fact_uses_the_spec_wording(fact, text) -> None:
    assert render_fact(fact, ["A", "B", "C", "D", "E"]) == text


# --- names ------------------------------------------------------------------------------------


def test_one_word_names_of_every_allowed_shape() -> None:
    text = frame("smoking, X1, blood-type, O'Brien and a_b", 5) + (
        "smoking correlates with X1. However, O'Brien is independent of blood-type. "
        "a_b and smoking are independent given X1, O'Brien and blood-type."
    )
    p = parse_premise(text)
    assert p.names == ("smoking", "X1", "blood-type", "O'Brien", "a_b")
    assert p.correlations == frozenset({(0, 1)})
    assert p.independencies == frozenset({(2, 3, 0), (0, 4, 0b01110)})


MULTI = frame("blood pressure, heart rate, smoking and type 2 diabetes", 4)
MULTI_NAMES = ("blood pressure", "heart rate", "smoking", "type 2 diabetes")


def test_multi_word_names_mixed_with_one_word_names() -> None:
    p = parse_premise(
        MULTI + "blood pressure correlates with heart rate. smoking correlates with type 2 "
        "diabetes. However, type 2 diabetes and heart rate are independent given blood pressure "
        "and smoking. heart rate is independent of smoking."
    )
    assert p.names == MULTI_NAMES
    assert p.correlations == frozenset({(0, 1), (2, 3)})
    assert p.independencies == frozenset({(1, 3, 0b0101), (1, 2, 0)})


def test_a_name_that_is_a_prefix_of_another() -> None:
    names = "rain, rain fall and wet grass"
    p = parse_premise(
        frame(names, 3) + "rain correlates with rain fall. rain fall correlates with wet grass. "
        "However, rain and wet grass are independent given rain fall."
    )
    assert p.correlations == frozenset({(0, 1), (1, 2)})
    assert p.independencies == frozenset({(0, 2, 0b010)})
    h = parse_hypothesis("rain fall directly causes rain.", p.names)
    assert (h.relation, h.x, h.y) == ("child", 0, 1)


def test_multi_word_names_are_matched_with_their_letter_case() -> None:
    sentence = "Blood pressure correlates with heart rate."
    with pytest.raises(ParseError) as info:
        parse_premise(MULTI + sentence)
    assert str(info.value) == (
        f"unknown variable 'Blood pressure' in the sentence '{sentence}' "
        "(declared: blood pressure, heart rate, smoking, type 2 diabetes)"
    )
    assert info.value.sentence == sentence


def test_unknown_multi_word_name_in_a_hypothesis_is_named() -> None:
    text = "sugar intake directly causes heart rate."
    with pytest.raises(ParseError) as info:
        parse_hypothesis(text, MULTI_NAMES)
    assert str(info.value) == (
        f"unknown variable 'sugar intake' in the sentence '{text}' "
        "(declared: blood pressure, heart rate, smoking, type 2 diabetes)"
    )
    assert info.value.sentence == text


def test_multi_word_hypotheses_of_every_kind() -> None:
    cases = {
        "type 2 diabetes directly causes blood pressure.": ("child", 0, 3),
        "heart rate causes something else which causes smoking.": ("non-parent ancestor", 1, 2),
        "There exists at least one confounder (i.e., common cause) of smoking and heart rate.": (
            "has_confounder",
            1,
            2,
        ),
        "blood pressure and type 2 diabetes together cause some other variable(s).": (
            "has_collider",
            0,
            3,
        ),
    }
    for text, expected in cases.items():
        h = parse_hypothesis(text, MULTI_NAMES)
        assert (h.relation, h.x, h.y) == expected, text


def test_fixed_words_are_case_blind_with_multi_word_names() -> None:
    text = (
        "SUPPOSE THERE IS A CLOSED SYSTEM OF 4 VARIABLES, blood pressure, heart rate, smoking and "
        "type 2 diabetes. ALL THE STATISTICAL RELATIONS AMONG THESE 4 VARIABLES ARE AS FOLLOWS: "
        "blood pressure CORRELATES WITH heart rate. HOWEVER, smoking IS INDEPENDENT OF heart "
        "rate. blood pressure AND type 2 diabetes ARE INDEPENDENT GIVEN heart rate and smoking."
    )
    p = parse_premise(text)
    assert p.names == MULTI_NAMES
    assert p.correlations == frozenset({(0, 1)})
    assert p.independencies == frozenset({(1, 2, 0), (0, 3, 0b0110)})


# --- hypotheses: every wording, both name orders ---------------------------------------------

NAMES3 = ("A", "B", "C")

# (sentence, relation, template, paraphrase), about the pair (A, C) = nodes (0, 2); SPEC section 5
ANC, DESC = "non-parent ancestor", "non-child descendant"
COL, CONF = "has_collider", "has_confounder"
WORDINGS = [
    ("A directly causes C.", "parent", "parent", False),
    ("C directly causes A.", "child", "child", False),
    ("A causes something else which causes C.", ANC, ANC, False),
    ("C causes something else which causes A.", DESC, ANC, False),
    ("A is a cause for C, but not a direct one.", ANC, DESC, False),
    ("C is a cause for A, but not a direct one.", DESC, DESC, False),
    ("There exists at least one collider (i.e., common effect) of A and C.", COL, COL, False),
    ("There exists at least one collider (i.e., common effect) of C and A.", COL, COL, False),
    ("There exists at least one confounder (i.e., common cause) of A and C.", CONF, CONF, False),
    ("There exists at least one confounder (i.e., common cause) of C and A.", CONF, CONF, False),
    ("A directly affects C.", "parent", "parent", True),
    ("C directly affects A.", "child", "child", True),
    ("A influences C through some mediator(s).", ANC, ANC, True),
    ("C influences A through some mediator(s).", DESC, DESC, True),
    ("A and C together cause some other variable(s).", COL, COL, True),
    ("C and A together cause some other variable(s).", COL, COL, True),
    ("Some variable(s) cause(s) both A and C.", CONF, CONF, True),
    ("Some variable(s) cause(s) both C and A.", CONF, CONF, True),
]


@pytest.mark.parametrize(("text", "relation", "template", "paraphrase"), WORDINGS)
def test_every_wording_in_both_name_orders(text, relation, template, paraphrase) -> None:
    assert parse_hypothesis(text, NAMES3) == ParsedHypothesis(
        relation=relation, x=0, y=2, template=template, paraphrase=paraphrase, text=text
    )


@pytest.mark.parametrize(("text", "relation", "template", "paraphrase"), WORDINGS)
def test_every_wording_in_capitals_with_a_label_and_no_period(
    text, relation, template, paraphrase
) -> None:
    written = "HYPOTHESIS:" + text[:-1].upper()
    h = parse_hypothesis(written, NAMES3)
    assert (h.relation, h.x, h.y, h.template, h.paraphrase) == (
        relation,
        0,
        2,
        template,
        paraphrase,
    )
    assert h.text == written


def test_hypothesis_label_and_spacing_are_tolerated() -> None:
    h = parse_hypothesis("  Hypothesis:B   directly\ncauses C .  ", NAMES3)
    assert (h.relation, h.x, h.y, h.text) == ("parent", 1, 2, "Hypothesis:B directly causes C .")
    h = parse_hypothesis("hypothesis: C directly causes B", NAMES3)
    assert (h.relation, h.x, h.y, h.text) == ("child", 1, 2, "hypothesis: C directly causes B")


def test_the_pair_follows_the_name_list_not_the_alphabet() -> None:
    names = ("Z", "Y", "X")  # refactored names (SPEC section 5): Z is node 0
    h = parse_hypothesis("Z is a cause for X, but not a direct one.", names)
    assert (h.relation, h.x, h.y, h.template) == (
        "non-parent ancestor",
        0,
        2,
        "non-child descendant",
    )
    h = parse_hypothesis("X causes something else which causes Y.", names)
    assert (h.relation, h.x, h.y, h.template) == (
        "non-child descendant",
        1,
        2,
        "non-parent ancestor",
    )


# --- malformed text: the exact error, message and sentence ------------------------------------

FRAME_EXPECTED = (
    "expected 'Suppose there is a closed system of N variables, A, B and C. All the statistical "
    "relations among these N variables are as follows: ...'"
)


@pytest.mark.parametrize(
    ("text", "message", "sentence"),
    [
        (
            "There is a  closed system of 3 variables. A correlates with B.",
            "cannot read the premise frame 'There is a closed system of 3 variables.': "
            + FRAME_EXPECTED,
            "There is a closed system of 3 variables.",
        ),
        (
            "Suppose nothing",
            "cannot read the premise frame 'Suppose nothing': " + FRAME_EXPECTED,
            "Suppose nothing",
        ),
        (
            "Suppose there is a closed system of 3 variables, A, B and C. All the statistical "
            "relations among these 4 variables are as follows: A correlates with B.",
            "the premise frame 'Suppose there is a closed system of 3 variables, A, B and C. All "
            "the statistical relations among these 4 variables are as follows:' gives two "
            "different numbers of variables",
            "Suppose there is a closed system of 3 variables, A, B and C. All the statistical "
            "relations among these 4 variables are as follows:",
        ),
        (
            frame("A and B", 3) + "A correlates with B.",
            "the premise frame 'Suppose there is a closed system of 3 variables, A and B. All the "
            "statistical relations among these 3 variables are as follows:' declares 3 variables "
            "but names 2",
            "Suppose there is a closed system of 3 variables, A and B. All the statistical "
            "relations among these 3 variables are as follows:",
        ),
        (
            frame("A, B and C!", 3),
            "cannot read the variable name 'C!' in 'Suppose there is a closed system of 3 "
            "variables, A, B and C!. All the statistical relations among these 3 variables are "
            "as follows:'",
            "Suppose there is a closed system of 3 variables, A, B and C!. All the statistical "
            "relations among these 3 variables are as follows:",
        ),
        (
            frame("A, B and B", 3),
            "the variable 'B' is named twice in 'Suppose there is a closed system of 3 "
            "variables, A, B and B. All the statistical relations among these 3 variables are "
            "as follows:'",
            "Suppose there is a closed system of 3 variables, A, B and B. All the statistical "
            "relations among these 3 variables are as follows:",
        ),
    ],
)
def test_frame_errors(text, message, sentence) -> None:
    with pytest.raises(ParseError) as info:
        parse_premise(text)
    assert str(info.value) == message
    assert info.value.sentence == sentence


def test_frame_error_quotes_the_frame_of_an_indented_premise() -> None:
    text = "\n   " + frame("A, B and C", 3).replace("these 3", "these 4") + "A correlates with B."
    with pytest.raises(ParseError) as info:
        parse_premise(text)
    assert info.value.sentence == (
        "Suppose there is a closed system of 3 variables, A, B and C. All the statistical "
        "relations among these 4 variables are as follows:"
    )


STATEMENT_EXPECTED = (
    "expected 'X correlates with Y.', 'X is independent of Y.' or 'X and Y are independent "
    "given Z.'"
)


@pytest.mark.parametrize(
    ("body", "message", "sentence"),
    [
        (
            "A correlates with C. A causes B.",
            "cannot read the sentence 'A causes B.': " + STATEMENT_EXPECTED,
            "A causes B.",
        ),
        (
            "A correlates with D.",
            "unknown variable 'D' in the sentence 'A correlates with D.' (declared: A, B, C)",
            "A correlates with D.",
        ),
        (
            "However, E is independent of A.",
            "unknown variable 'E' in the sentence 'However, E is independent of A.' "
            "(declared: A, B, C)",
            "However, E is independent of A.",
        ),
        (
            "B correlates with B.",
            "the sentence 'B correlates with B.' relates 'B' to itself",
            "B correlates with B.",
        ),
        (
            "C is independent of C.",
            "the sentence 'C is independent of C.' relates 'C' to itself",
            "C is independent of C.",
        ),
        (
            "A and A are independent given B.",
            "the sentence 'A and A are independent given B.' relates 'A' to itself",
            "A and A are independent given B.",
        ),
        (
            "A and B are independent given B.",
            "the sentence 'A and B are independent given B.' conditions on one of its own pair",
            "A and B are independent given B.",
        ),
        (
            "A and B are independent given A.",
            "the sentence 'A and B are independent given A.' conditions on one of its own pair",
            "A and B are independent given A.",
        ),
        (
            "A and B are independent given C and C.",
            "the sentence 'A and B are independent given C and C.' names 'C' twice in its "
            "conditioning set",
            "A and B are independent given C and C.",
        ),
        (
            "A and B are independent given C and A and C.",  # the list is cut at its last "and"
            "unknown variable 'C and A' in the sentence 'A and B are independent given C and A "
            "and C.' (declared: A, B, C)",
            "A and B are independent given C and A and C.",
        ),
        (
            "A correlates with big C.",  # one-word names: a name of two words is not read
            "cannot read the sentence 'A correlates with big C.': " + STATEMENT_EXPECTED,
            "A correlates with big C.",
        ),
        (
            "A and B are independent given D.",
            "unknown variable 'D' in the sentence 'A and B are independent given D.' "
            "(declared: A, B, C)",
            "A and B are independent given D.",
        ),
        (
            "A and B are independent given C!.",
            "cannot read the variable name 'C!' in the sentence 'A and B are independent given "
            "C!.'",
            "A and B are independent given C!.",
        ),
    ],
)
def test_statement_errors(body, message, sentence) -> None:
    with pytest.raises(ParseError) as info:
        parse_premise(frame("A, B and C", 3) + body)
    assert str(info.value) == message
    assert info.value.sentence == sentence


def test_statement_error_with_multi_word_names() -> None:
    sentence = "blood pressure causes heart rate."
    with pytest.raises(ParseError) as info:
        parse_premise(MULTI + sentence)
    assert str(info.value) == f"cannot read the sentence '{sentence}': " + STATEMENT_EXPECTED
    assert info.value.sentence == sentence


HYPOTHESIS_EXPECTED = (
    ": it follows none of the Corr2Cause wordings (original templates, swap forms or paraphrases)"
)


@pytest.mark.parametrize(
    ("text", "message", "sentence"),
    [
        (
            "A  probably causes B.",
            "cannot read the hypothesis 'A probably causes B.'" + HYPOTHESIS_EXPECTED,
            "A probably causes B.",
        ),
        ("", "cannot read the hypothesis ''" + HYPOTHESIS_EXPECTED, ""),
        (
            "Hypothesis: D directly causes A.",
            "unknown variable 'D' in the sentence 'Hypothesis: D directly causes A.' "
            "(declared: A, B, C)",
            "Hypothesis: D directly causes A.",
        ),
        (
            "A directly causes D.",
            "unknown variable 'D' in the sentence 'A directly causes D.' (declared: A, B, C)",
            "A directly causes D.",
        ),
        (
            "B and B together cause some other variable(s).",
            "the hypothesis 'B and B together cause some other variable(s).' relates 'B' to itself",
            "B and B together cause some other variable(s).",
        ),
    ],
)
def test_hypothesis_errors(text, message, sentence) -> None:
    with pytest.raises(ParseError) as info:
        parse_hypothesis(text, NAMES3)
    assert str(info.value) == message
    assert info.value.sentence == sentence


def test_multi_word_hypothesis_wording_error() -> None:
    text = "blood pressure might cause heart rate."
    with pytest.raises(ParseError) as info:
        parse_hypothesis(text, MULTI_NAMES)
    assert str(info.value) == f"cannot read the hypothesis '{text}'" + HYPOTHESIS_EXPECTED


@pytest.mark.parametrize(("text", "relation", "template", "paraphrase"), WORDINGS)
def test_every_wording_with_multi_word_names_in_capitals(text, relation, template, paraphrase):
    names = ("type 2 diabetes", "smoking", "blood pressure")
    slots = re.sub(r"\bC\b", "{y}", re.sub(r"\bA\b", "{x}", text))
    written = slots.upper().format(X=names[0], Y=names[2])
    h = parse_hypothesis(written, names)
    assert (h.relation, h.x, h.y, h.template, h.paraphrase) == (
        relation,
        0,
        2,
        template,
        paraphrase,
    )


def test_first_sentence_is_quoted_for_an_unreadable_frame() -> None:
    with pytest.raises(ParseError) as info:
        parse_premise("Nothing here.  Second one. Third one.")
    assert str(info.value).startswith("cannot read the premise frame 'Nothing here.': expected")
    assert info.value.sentence == "Nothing here."
    with pytest.raises(ParseError) as info:
        parse_premise(". Leading period. Then more.")
    assert info.value.sentence == "."


@pytest.mark.parametrize("value", [None, 3, b"A directly causes B."])
def test_non_text_is_a_parse_error(value) -> None:
    kind = type(value).__name__
    with pytest.raises(ParseError) as info:
        parse_premise(value)
    assert str(info.value) == f"a premise must be a string, not {kind}"
    with pytest.raises(ParseError) as info:
        parse_hypothesis(value, NAMES3)
    assert str(info.value) == f"a hypothesis must be a string, not {kind}"
    with pytest.raises(ParseError) as info:
        split_input(value)
    assert str(info.value) == f"an input must be a string, not {kind}"


def test_split_input_and_its_error() -> None:
    assert split_input("Premise: P one. P two.\nHypothesis: A directly causes B.") == (
        "P one. P two.",
        "A directly causes B.",
    )
    text = "Premise:  " + "word " * 30 + "end. Second sentence."
    first = "Premise: " + "word " * 30 + "end."
    with pytest.raises(ParseError) as info:
        split_input(text)
    assert str(info.value) == f"the input starting {first[:80]!r} has no 'Hypothesis:' part"
    assert info.value.sentence == first
