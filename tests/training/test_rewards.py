"""Rewards on a table of completions: correct, wrong, malformed, hedged, reasoning-model styles.

The expected values follow from the exact label of each item (computed by the solver, and the
gold rationale passes the independent checker); each row states why it scores what it does.
"""

from __future__ import annotations

import pytest

from corr2cause.rewards import (
    RewardError,
    answer_reward,
    combined_reward,
    completion_text,
    edge_reward,
    format_reward,
    rationale_reward,
    read_final_answer,
)
from corr2cause.solver.rationale import explain

PREMISE = (
    "Suppose there is a closed system of 3 variables, A, B and C. All the statistical "
    "relations among these 3 variables are as follows: A correlates with C. B correlates "
    "with C. However, A is independent of B."
)
HYP_YES = "A directly causes C."  # entailed: A -> C <- B is the whole class
HYP_NO = "C directly causes A."

# (completion, label read, well formed)
TABLE = [
    ("Yes", 1, False),  # bare verdict: readable, but no final-answer marker
    ("Answer: No", 0, True),
    ("Answer: Yes", 1, True),
    ("**Answer:** Yes.", 1, True),
    ("The answer is \\boxed{No}.", 0, True),
    ("\\boxed{\\text{Yes}}", 1, True),
    ("Therefore: Yes", 1, True),  # Corr2Cause++ style
    ("<think>C collides A and B, so yes</think>\nAnswer: Yes", 1, True),
    ("<think>clearly no</think>\n\nAnswer: Yes", 1, True),  # thoughts do not count
    ("<think>I think the answer is yes", None, False),  # never closed: no final answer
    ("reasoning...</think>Answer: No", 0, True),  # template opened the block in the prompt
    ("Answer: Yes or No", None, False),  # hedged
    ("\\boxed{Yes} or maybe \\boxed{No}", None, False),  # two different boxed verdicts
    ("Answer: Yes\nAnswer: No", None, False),  # two different verdict lines
    ("Answer: Yes\nAnswer: Yes", 1, False),  # one verdict, but stated twice
    ("", None, False),
    ("I am not sure.", None, False),
    ([{"role": "assistant", "content": "Answer: No"}], 0, True),  # conversational format
]


@pytest.mark.parametrize(("completion", "label", "well_formed"), TABLE)
def test_reading_completions(completion: object, label: int | None, well_formed: bool) -> None:
    read = read_final_answer(completion)
    assert (read.label, read.well_formed) == (label, well_formed)


def test_answer_and_format_rewards() -> None:
    completions = [row[0] for row in TABLE]
    for gold in (0, 1):
        got = answer_reward(["p"] * len(TABLE), completions, label=[gold] * len(TABLE))
        assert got == [float(row[1] == gold) for row in TABLE]
    assert format_reward([], completions) == [float(row[2]) for row in TABLE]


def test_rationale_reward_uses_the_checker() -> None:
    gold = explain(PREMISE, HYP_YES)
    lines = gold.text.splitlines()
    completions = [
        f"<think>{gold.reasoning}</think>\nAnswer: Yes",  # the whole gold derivation
        f"<think>Let me see.\n{gold.reasoning}\nDone.</think>\nAnswer: Yes",  # free text skipped
        "<think>" + "\n".join(lines[:3]) + "</think>Answer: Yes",  # stops after the triple
        "<think>" + gold.reasoning.replace("A - C, B - C", "A - B, A - C, B - C") + "</think>"
        "\nAnswer: Yes",  # wrong skeleton: no credit
        gold.text,  # no think block: reasoning precedes the answer line
        "Answer: Yes",  # right answer, no derivation: the first step is missing
    ]
    got = rationale_reward([""] * 6, completions, premise=[PREMISE] * 6, hypothesis=[HYP_YES] * 6)
    steps = len(lines) - 1  # intro aside
    assert got == [1.0, 1.0, pytest.approx(2 / steps), 0.0, 1.0, 0.0]


def test_edge_reward() -> None:
    completions = [
        "A has a direct causal effect on C. B has a direct causal effect on C. Answer: Yes",
        "<think>A -> C? C -> B?</think> A -> C. Answer: Yes",  # only the final part counts
        "C -> A. Answer: No",
    ]
    got = edge_reward([""] * 3, completions, premise=[PREMISE] * 3, hypothesis=[HYP_YES] * 3)
    assert got == [1.0, pytest.approx(2 / 3), 0.0]


def test_unreadable_items_score_zero() -> None:
    got = rationale_reward(["p"], ["Answer: Yes"], premise=["nonsense"], hypothesis=[HYP_YES])
    assert got == [0.0]


def test_combined_reward_and_errors() -> None:
    f = combined_reward({"answer": 1.0, "format": 0.2, "rationale": 0.5})
    gold = explain(PREMISE, HYP_NO)
    got = f(
        ["p", "p"],
        [gold.text, "Yes"],
        label=[0, 0],
        premise=[PREMISE] * 2,
        hypothesis=[HYP_NO] * 2,
    )
    assert got == [pytest.approx(1.7), 0.0]
    assert f.__name__ == "answer_1_format_0.2_rationale_0.5"
    with pytest.raises(RewardError, match="unknown reward"):
        combined_reward({"length": 1.0})
    with pytest.raises(RewardError, match="'label'"):
        answer_reward(["p"], ["Yes"])
    with pytest.raises(RewardError, match="2 values for 1"):
        answer_reward(["p"], ["Yes"], label=[1, 0])
    assert completion_text(None) == ""
