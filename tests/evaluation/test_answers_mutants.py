"""Answer reading: edge cases the answer table leaves open (``make mutation``, docs/testing.md).

Each case is a rule of the answer reader stated in words: markup and quoting before the
verdict word are skipped; a one-letter "y" / "n" counts only when it is the whole answer;
a Harmony transcript's analysis segments are all kept, in order, each ending at its own
``<|end|>``.
"""

from __future__ import annotations

import pytest

from corr2cause.evaluation.answers import normalize_answer, split_reasoning


@pytest.mark.parametrize(
    ("text", "verdict"),
    [
        ("True, because A causes C and C causes B.", "yes"),
        ("**Yes**, since A causes C, the claim follows.", "yes"),
        ("> Yes, since A causes C, the claim follows.", "yes"),
        ("Answer: - yes, since A causes C it follows.", "yes"),
        ("y", "yes"),
        ("Y.", "yes"),
        ("n", "no"),
        ("y b", None),
        ("n b", None),
    ],
)
def test_verdict(text: str, verdict: str | None) -> None:
    assert normalize_answer(text).verdict == verdict


def test_every_harmony_analysis_segment_is_kept() -> None:
    text = (
        "<|channel|>analysis<|message|>first<|end|><|start|>assistant"
        "<|channel|>analysis<|message|>second<|end|><|start|>assistant"
        "<|channel|>final<|message|>Yes<|return|>"
    )
    split = split_reasoning(text)
    assert (split.reasoning, split.answer, split.truncated) == ("first\n\nsecond", "Yes", False)


def test_harmony_analysis_without_end_stops_at_the_final_channel() -> None:
    split = split_reasoning(
        "<|channel|>analysis<|message|>only thought<|channel|>final<|message|>No"
    )
    assert (split.reasoning, split.answer) == ("only thought", "No")
