"""Prompt templates: the paper's text verbatim, the two-step CoT, user files, validation."""

from __future__ import annotations

from pathlib import Path

import pytest

from corr2cause.evaluation.prompts import (
    PromptError,
    builtin_prompts,
    load_prompt,
    messages_to_text,
)

from .conftest import make_items

SYSTEM = (
    "You are a highly intelligent question-answering bot with profound knowledge of causal "
    "inference."
)


def test_direct_prompt_is_the_papers() -> None:
    item = make_items(1)[0]
    prompt = load_prompt()
    assert prompt.id == "direct@v1"
    messages = prompt.messages(item)
    assert messages[0] == {"role": "system", "content": SYSTEM}
    assert messages[1]["content"] == (
        f"Question: {item.premise}\n"
        'Can we deduct the following: A directly causes B? Just answer "Yes" or "No."\n'
        "\n"
        "Answer:"
    )
    # completion models get no system prompt
    assert messages_to_text(messages) == messages[1]["content"]
    assert messages_to_text(messages, include_system=True).startswith(SYSTEM + "\n\n")


def test_cot_has_two_steps_with_the_reasoning_in_between() -> None:
    item = make_items(1)[0]
    prompt = load_prompt("cot")
    assert len(prompt.steps) == 2 and prompt.steps[0].max_tokens == 512
    first = prompt.messages(item)
    assert first[-1]["content"].endswith("Let's think step by step.")
    second = prompt.messages(item, ["Because A and B correlate."])
    assert [m["role"] for m in second] == ["system", "user", "assistant", "user"]
    assert second[2]["content"] == "Because A and B correlate."
    assert second[3]["content"].endswith("Answer:")
    text = messages_to_text(second)
    assert "step by step. Because A and B correlate.\n\nTherefore" in text
    with pytest.raises(ValueError, match="2 step"):
        prompt.messages(item, ["a", "b"])


def test_builtins_are_versioned() -> None:
    found = builtin_prompts()
    assert {"direct", "cot"} <= set(found)
    assert all(p.version >= 1 and p.source == "builtin" for p in found.values())


def test_user_template_file(tmp_path: Path) -> None:
    path = tmp_path / "mine.toml"
    path.write_text(
        'name = "terse"\nversion = 3\nuser = "{input}\\nN={num_variables}. Valid? {{yes/no}}"\n',
        encoding="utf-8",
    )
    prompt = load_prompt(str(path))
    assert prompt.id == "terse@v3" and prompt.system is None
    item = make_items(1)[0]
    assert prompt.messages(item) == [
        {"role": "user", "content": f"{item.input}\nN=2. Valid? {{yes/no}}"}
    ]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ('name = "x"\nversion = 1\nuser = "{premis}"\n', "unknown placeholder {premis}"),
        ('name = "x"\nversion = 1\nuser = "{premise.upper}"\n', "unknown placeholder"),
        ('name = "x"\nversion = 0\nuser = "q"\n', "version"),
        ('version = 1\nuser = "q"\n', "name"),
        ('name = "x"\nversion = 1\n', "steps"),
        ('name = "x"\nversion = 1\nuser = "{"\n', "syntax"),
        ("name = ", "invalid TOML"),
    ],
)
def test_bad_templates_name_the_file(tmp_path: Path, body: str, message: str) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(body, encoding="utf-8")
    with pytest.raises(PromptError, match=message) as info:
        load_prompt(path)
    assert str(path) in str(info.value)


def test_unknown_prompt_name() -> None:
    with pytest.raises(PromptError, match="built-in: cot, derive, direct"):
        load_prompt("nope")
    with pytest.raises(PromptError, match="no such prompt file"):
        load_prompt("missing.toml")
