"""The paper's prompt, verbatim (SPEC section 7), and its agreement with the eval harness."""

from __future__ import annotations

import pytest

from corr2cause.dataset.readers import read_items
from corr2cause.integrations.paper_prompt import (
    PAPER_SYSTEM_PROMPT,
    paper_prompt,
    strip_final_period,
)


def test_prompt_text_is_the_papers():
    text = paper_prompt("A correlates with B.", "A directly causes B.")
    assert text == (
        "Question: A correlates with B.\n"
        'Can we deduct the following: A directly causes B? Just answer "Yes" or "No."\n'
        "\n"
        "Answer:"
    )
    assert PAPER_SYSTEM_PROMPT == (
        "You are a highly intelligent question-answering bot with profound knowledge of "
        "causal inference."
    )


@pytest.mark.parametrize(
    ("hypothesis", "expected"),
    [
        ("A directly causes B.", "A directly causes B"),
        ("A directly causes B", "A directly causes B"),
        ("A directly causes B. ", "A directly causes B"),
        ("Some variable(s) cause(s) both A and B..", "Some variable(s) cause(s) both A and B."),
    ],
)
def test_only_one_final_period_is_stripped(hypothesis, expected):
    assert strip_final_period(hypothesis) == expected


def test_braces_in_texts_are_not_format_fields():
    assert "{x}" in paper_prompt("P {x}.", "H {y}.")


def test_matches_the_evaluation_harness_default_prompt(generated_dir, official_test_path):
    """Same characters as ``corr2cause.evaluation``'s ``direct`` prompt, system prompt included."""
    prompts = pytest.importorskip("corr2cause.evaluation.prompts")
    template = prompts.load_prompt("direct")
    items = read_items(official_test_path)[:40]
    items += read_items(generated_dir / "paraphrase" / "items.parquet", split="test")[:40]
    for item in items:
        assert template.messages(item) == [
            {"role": "system", "content": PAPER_SYSTEM_PROMPT},
            {"role": "user", "content": paper_prompt(item.premise, item.hypothesis)},
        ]
