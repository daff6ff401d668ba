"""Answer extraction: reasoning apart, rules as data, a table of model-family outputs."""

from __future__ import annotations

import pytest

from corr2cause.evaluation.answers import (
    DEFAULT_RULES,
    AnswerExtractor,
    AnswerSpecError,
    extract_answer,
    normalize_answer,
    split_reasoning,
)

from .answer_table import TABLE


def test_the_table_is_large_and_covers_every_family() -> None:
    assert len(TABLE) >= 150
    families = {row[0] for row in TABLE}
    assert {"deepseek-r1", "qwen3", "gpt-oss", "o-series", "json", "cot"} <= families
    assert len({row[1] for row in TABLE}) == len(TABLE), "duplicate strings in the table"


@pytest.mark.parametrize(
    ("family", "text", "verdict", "truncated"),
    TABLE,
    ids=[f"{r[0]}-{k}" for k, r in enumerate(TABLE)],
)
def test_answer_table(family: str, text: str, verdict: str | None, truncated: bool) -> None:
    parsed = extract_answer(text)
    assert (parsed.verdict, parsed.truncated) == (verdict, truncated), (family, text, parsed.rule)
    assert parsed.label == (1 if verdict == "yes" else 0)
    assert parsed.parsed is (verdict is not None)


@pytest.mark.parametrize(("family", "text", "verdict", "truncated"), TABLE)
def test_thinking_never_changes_the_verdict(
    family: str, text: str, verdict: str | None, truncated: bool
) -> None:
    """A think block saying the opposite in front of any complete answer changes nothing."""
    if truncated or "<|channel|>" in text or "</think>" in text.lower():
        pytest.skip("already a reasoning output")
    for decoy in ("the answer is yes. **Yes** \\boxed{Yes}", "the answer is no. **No**"):
        parsed = extract_answer(f"<think>\n{decoy}\n</think>\n\n{text}")
        assert parsed.verdict == verdict, (text, decoy)


def test_split_reasoning_keeps_both_parts() -> None:
    split = split_reasoning("<think>\nstep 1\nstep 2\n</think>\n\n**No**")
    assert (split.reasoning, split.answer, split.truncated) == ("step 1\nstep 2", "**No**", False)
    assert split_reasoning("plain").reasoning is None
    harmony = split_reasoning(
        "<|channel|>analysis<|message|>think<|end|><|start|>assistant"
        "<|channel|>final<|message|>Yes<|return|>"
    )
    assert (harmony.reasoning, harmony.answer) == ("think", "Yes")


def test_finish_reason_length_without_a_verdict_is_a_truncation() -> None:
    assert extract_answer("Step 1: the skeleton is", finish_reason="length").truncated
    assert not extract_answer("Step 1: the skeleton is").truncated
    cut_but_answered = extract_answer("No, because", finish_reason="length")
    assert (cut_but_answered.verdict, cut_but_answered.truncated) == ("no", False)


def test_rules_are_data_and_their_order_matters() -> None:
    text = "No edge is missing. Final answer: Yes"
    assert AnswerExtractor(rules=("leading",))(text).verdict == "no"
    assert AnswerExtractor(rules=("final_answer", "leading"))(text).verdict == "yes"
    assert AnswerExtractor()(text).rule == "final_answer"
    assert AnswerExtractor(rules=())("Yes").verdict is None
    own = AnswerExtractor.from_mapping({"regex": [r"<ans>(\w+)</ans>"], "rules": ["leading"]})
    assert own("No doubt. <ans>yes</ans>").verdict == "yes"
    assert own.to_dict() == {
        "rules": ["leading"],
        "regex": [r"<ans>(\w+)</ans>"],
        "strip_reasoning": True,
    }
    raw = AnswerExtractor.from_mapping({"strip_reasoning": False, "rules": ["leading"]})
    assert raw("<think>x</think>Yes").verdict is None
    assert set(DEFAULT_RULES) == set(AnswerExtractor().rules)


@pytest.mark.parametrize(
    "table",
    [
        {"rules": ["nope"]},
        {"rules": "leading"},
        {"regex": ["("]},
        {"extra": 1},
        {"strip_reasoning": "yes"},
        [],
    ],
)
def test_bad_answer_tables_are_refused(table: object) -> None:
    with pytest.raises(AnswerSpecError):
        AnswerExtractor.from_mapping(table, "prompt.toml [answer]")  # type: ignore[arg-type]


def test_normalize_answer_is_the_default_extractor() -> None:
    for _, text, _, _ in TABLE:
        assert normalize_answer(text) == extract_answer(text)
    assert normalize_answer(None).verdict is None


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
