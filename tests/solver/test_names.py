"""Variable names of several words, and unusual names: every wording round-trips exactly."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from corr2cause.causal import RELATIONS, d_separation_statements, minimal_separating_statements
from corr2cause.dataset.templates import RESERVED_WORDS, name_problem, official_template_id
from corr2cause.dataset.verbalize import verbalize_hypothesis, verbalize_premise
from corr2cause.graphs import node_names
from corr2cause.solver import ParseError, Solver, parse_hypothesis, parse_premise

# prefixes of one another, digits, apostrophes, hyphens, non-ASCII letters, one-word names
NAMES = ("blood", "blood pressure", "type 2 diabetes", "O'Brien index", "x-ray dose", "café visits")
FIVE = (0, 0b00001, 0b00001, 0b00110, 0b01000, 0b10000)  # a 6-node DAG: 0 -> 1, 0 -> 2, ...


@pytest.mark.parametrize("relation", RELATIONS)
@pytest.mark.parametrize("form", [0, 1])
@pytest.mark.parametrize("paraphrase", [False, True])
@pytest.mark.parametrize(("i", "j"), [(0, 1), (1, 2), (3, 5), (0, 4)])
def test_every_wording_round_trips_with_multi_word_names(relation, form, paraphrase, i, j):
    text = verbalize_hypothesis(relation, NAMES[i], NAMES[j], form=form, paraphrase=paraphrase)
    h = parse_hypothesis(text, NAMES)
    assert (h.relation, h.x, h.y, h.paraphrase) == (relation, i, j, paraphrase)
    if not paraphrase:
        assert h.template == official_template_id(relation, form)


@pytest.mark.parametrize("style", ["full", "minimal"])
def test_premise_with_multi_word_names_states_the_letter_facts(style):
    statements = d_separation_statements(FIVE)
    if style == "minimal":
        statements = minimal_separating_statements(statements)
    marginal = {(i, j) for i, j, z in statements if z == 0}
    corr = [(i, j) for i in range(6) for j in range(i + 1, 6) if (i, j) not in marginal]
    named = parse_premise(verbalize_premise(statements, NAMES, correlations=corr))
    letters = parse_premise(verbalize_premise(statements, node_names(6), correlations=corr))
    assert named.names == NAMES
    assert (named.correlations, named.independencies) == (
        letters.correlations,
        letters.independencies,
    )
    solver = Solver()
    premise = verbalize_premise(statements, NAMES, correlations=corr)
    for relation in RELATIONS:
        hyp = verbalize_hypothesis(relation, NAMES[1], NAMES[4])
        ref = verbalize_hypothesis(relation, "B", "E")
        letter_premise = verbalize_premise(statements, node_names(6), correlations=corr)
        assert solver.solve(premise, hyp).label3 == solver.solve(letter_premise, ref).label3


def test_names_are_case_sensitive_and_must_be_declared():
    frame = (
        "Suppose there is a closed system of 2 variables, heart rate and Heart Rate. All the "
        "statistical relations among these 2 variables are as follows: "
    )
    p = parse_premise(frame + "Heart Rate correlates with heart rate.")
    assert p.names == ("heart rate", "Heart Rate") and p.correlations == {(0, 1)}
    with pytest.raises(ParseError, match="unknown variable 'lung cancer'"):
        parse_hypothesis("lung cancer directly causes heart rate.", ["heart rate", "lung cancer2"])
    with pytest.raises(ParseError, match="unknown variable 'blood sugar' in the sentence"):
        parse_premise(frame + "blood sugar correlates with heart rate.")
    with pytest.raises(ParseError, match="cannot read the variable name 'heart rate!'"):
        parse_premise(frame.replace("and Heart Rate", "and heart  rate!"))


def test_reserved_words_are_the_fixed_text():
    assert {"and", "of", "given", "causes", "directly", "collider", "variable"} <= RESERVED_WORDS
    assert name_problem("rate of inflation") is not None
    assert name_problem("of") is None  # a one-word name cannot be confused with the text


_WORD = st.text(alphabet="abcdefghijklmnopqrstuvwxyzé-'019", min_size=1, max_size=7).filter(
    lambda w: name_problem(w) is None
)
_NAME = (
    st.lists(_WORD, min_size=1, max_size=3).map(" ".join).filter(lambda n: name_problem(n) is None)
)


@settings(max_examples=60, deadline=None)
@given(
    names=st.lists(_NAME, min_size=4, max_size=4, unique=True),
    parents=st.tuples(st.just(0), st.integers(0, 1), st.integers(0, 3), st.integers(0, 7)),
    relation=st.sampled_from(RELATIONS),
    form=st.integers(0, 1),
)
def test_any_valid_names_round_trip(names, parents, relation, form):
    premise = verbalize_premise(d_separation_statements(parents), names)
    letters = verbalize_premise(d_separation_statements(parents), node_names(4))
    p = parse_premise(premise)
    assert p.names == tuple(names) and p.key[1:] == parse_premise(letters).key[1:]
    h = parse_hypothesis(verbalize_hypothesis(relation, names[1], names[3], form=form), names)
    assert (h.relation, h.x, h.y) == (relation, 1, 3)
