"""The lm-eval task for reasoning models: its budget, how to change it, and truncation.

The paper-protocol task ``corr2cause_gen`` keeps its budget (stop at a blank line, 32 tokens);
``corr2cause_gen_reasoning`` lets the model think (8192 tokens, stop at the end of sequence or
a new ``"\\nQuestion:"``), and ``--gen_kwargs`` (here ``simple_evaluate(gen_kwargs=...)``)
changes it key by key. A scripted model records the generation arguments it is called with.
The budgets actually sent on a themed set are checked in ``test_themed_sets.py``.
"""

from __future__ import annotations

import hashlib
from typing import Any

import pytest

from corr2cause.integrations import lm_eval_tasks_path
from corr2cause.integrations.paper_prompt import paper_prompt
from corr2cause.integrations.sources import load_items

pytest.importorskip("lm_eval")

from lm_eval import simple_evaluate
from lm_eval.api.model import LM
from lm_eval.tasks import TaskManager


def _coin(text: str) -> int:
    return hashlib.sha256(text.encode()).digest()[0] & 1


class Thinker(LM):
    """Thinks (with blank lines) before a coin verdict; leaves the think block open on tails
    when ``cut`` is set, as a model that ran out of tokens."""

    def __init__(self, cut: bool = False) -> None:
        super().__init__()
        self.cut = cut
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def loglikelihood(self, requests):
        raise NotImplementedError

    def loglikelihood_rolling(self, requests):
        raise NotImplementedError

    def generate_until(self, requests):
        out = []
        for r in requests:
            context, kwargs = r.args
            self.calls.append((r.task_name, kwargs))
            coin = _coin(context)
            if self.cut and not coin:
                out.append("<think>First the skeleton.\n\nThen the v-structures")
            else:
                out.append(
                    f"<think>First the skeleton.\n\nThen.</think>\n\n{'Yes' if coin else 'No'}"
                )
        return out


def _run(model: LM, tasks: list[str], data: str, **kwargs: Any) -> dict[str, Any]:
    manager = TaskManager(
        include_path=lm_eval_tasks_path(), include_defaults=False, metadata={"data": data}
    )
    results: dict[str, Any] = simple_evaluate(
        model=model, tasks=tasks, task_manager=manager, bootstrap_iters=0, limit=12, **kwargs
    )["results"]
    return results


def _budget(task: str, data: str) -> dict[str, Any]:
    manager = TaskManager(
        include_path=lm_eval_tasks_path(), include_defaults=False, metadata={"data": data}
    )
    loaded = manager.load_task_or_group([task])
    kwargs: dict[str, Any] = loaded[task].config.generation_kwargs  # what each request gets
    return kwargs


def test_the_paper_budget_is_unchanged_and_the_reasoning_budget_is_larger(official_test_path):
    assert _budget("corr2cause_gen", str(official_test_path)) == {
        "until": ["\n\n", "Question:"], "max_gen_toks": 32, "do_sample": False, "temperature": 0.0
    }  # fmt: skip
    assert _budget("corr2cause_gen_reasoning", str(official_test_path)) == {
        "until": ["\nQuestion:"], "max_gen_toks": 8192, "do_sample": False, "temperature": 0.0
    }  # fmt: skip


def test_the_override_and_truncation(official_test_path):
    items = load_items(official_test_path)[:12]
    prompts = [paper_prompt(i.premise, i.hypothesis) for i in items]
    heads = sum(map(_coin, prompts))
    assert 0 < heads < 12
    # a bigger budget through --gen_kwargs; outputs cut inside their reasoning are counted
    cut = Thinker(cut=True)
    result = _run(cut, ["corr2cause_gen_reasoning"], str(official_test_path),
                  gen_kwargs="max_gen_toks=32768")["corr2cause_gen_reasoning"]  # fmt: skip
    assert {kwargs["max_gen_toks"] for _, kwargs in cut.calls} == {32768}
    assert {tuple(kwargs["until"]) for _, kwargs in cut.calls} == {("\nQuestion:",)}
    assert result["truncated,none"] == pytest.approx((12 - heads) / 12)
    assert result["unparseable,none"] == pytest.approx((12 - heads) / 12)
    # the verdict after a closed think block is read; a cut one counts as invalid
    pairs = [(i.label, _coin(p)) for p, i in zip(prompts, items, strict=True)]
    assert result["acc,none"] == pytest.approx(sum(g == p for g, p in pairs) / 12)


def test_the_paper_tag_still_names_the_paper_tasks_only(official_test_path):
    manager = TaskManager(
        include_path=lm_eval_tasks_path(),
        include_defaults=False,
        metadata={"data": str(official_test_path)},
    )
    loaded = manager.load_task_or_group(["corr2cause_tasks"])
    names = {getattr(t, "task_name", None) or k for k, t in _leaves(loaded)}
    assert names == {"corr2cause", "corr2cause_gen"}


def _leaves(tree: Any) -> list[tuple[str, Any]]:
    out: list[tuple[str, Any]] = []
    for key, value in tree.items():
        if isinstance(value, dict):
            out += _leaves(value)
        else:
            out.append((str(key), value))
    return out
