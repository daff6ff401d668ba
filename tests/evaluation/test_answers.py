"""Answer normalization (SPEC section 7): yes-like -> valid, everything else -> invalid."""

from __future__ import annotations

import pytest

from corr2cause.evaluation.answers import normalize_answer


@pytest.mark.parametrize(
    "text",
    [
        "Yes",
        "yes.",
        "  YES, because A causes C.",
        "True",
        "Necessarily true.",
        "It must be true.",
        "**Yes**",
        '"Yes"',
        "Answer: Yes",
        "**Answer:** yes",
        "Let's think. A and B are dependent ... so the answer is yes.",
        "The answer is: Yes",
    ],
)
def test_valid_answers(text: str) -> None:
    parsed = normalize_answer(text)
    assert (parsed.label, parsed.verdict, parsed.parsed) == (1, "yes", True)


@pytest.mark.parametrize(
    "text",
    [
        "No",
        "no.",
        "No, it does not follow.",
        "False",
        "Not necessarily true.",
        "not necessarily",
        "It is necessarily false.",
        "We cannot deduce that.",
        "We can't say that.",
        "The answer is no.",
        "Reasoning... First I thought the answer is yes, but the answer is no.",
    ],
)
def test_explicit_negatives(text: str) -> None:
    parsed = normalize_answer(text)
    assert (parsed.label, parsed.verdict, parsed.parsed) == (0, "no", True)


@pytest.mark.parametrize(
    "text", [None, "", "   ", "Maybe.", "I don't know", "nothing follows", "Notably, B"]
)
def test_unparseable_is_invalid_and_flagged(text: str | None) -> None:
    parsed = normalize_answer(text)
    assert (parsed.label, parsed.verdict, parsed.parsed) == (0, None, False)


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("Answer: no. Earlier I thought yes", 0),
        ("**Answer:** Yes, although one might say no", 1),
        ("Final answer: No (not yes)", 0),
    ],
)
def test_the_verdict_right_after_the_answer_prefix_wins(text: str, label: int) -> None:
    assert normalize_answer(text).label == label
