"""One OpenAI-compatible server, three harnesses, the same predictions and the same metrics.

``corr2cause evaluate`` (the ``openai`` backend), inspect-ai (its ``openai-api`` provider) and
lm-eval (``local-chat-completions``, the ``corr2cause_gen`` task) all ask the paper's question
of the same local server, which answers from a hash of the question in several model styles
(plain, markdown, chain of thought, a think block, hedges). Every item must get the same
prediction in all three, and every metric the same value.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from corr2cause.evaluation.runner import evaluate
from corr2cause.testing.stub_server import StubOpenAIServer

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]
LIMIT = 60
OUTPUTS = (
    "Yes",
    "No.",
    "**No**",
    "Maybe.",
    "Let me think. The answer is yes.",
    "<think>it looks like a yes</think>No",
    "Not necessarily true.",
    "<think>is it no?</think>\\boxed{Yes}",
)


def _answer(prompt: str) -> str:
    return OUTPUTS[hashlib.sha256(prompt.encode()).digest()[0] % len(OUTPUTS)]


def test_three_harnesses_agree_item_by_item(
    official_test_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    inspect_ai = pytest.importorskip("inspect_ai")
    lm_eval = pytest.importorskip("lm_eval")
    from lm_eval.tasks import TaskManager

    from corr2cause.integrations import lm_eval_tasks_path
    from corr2cause.integrations.inspect_task import corr2cause

    monkeypatch.setenv("OPENAI_API_KEY", "sk-cross")
    with StubOpenAIServer(answer=_answer) as server:
        ours = evaluate(
            "openai:stub",
            official_test_path,
            out_dir=tmp_path / "ours",
            limit=LIMIT,
            n_boot=0,
            backend_options={"base_url": server.base_url},
        )
        monkeypatch.setenv("STUB_BASE_URL", server.base_url)
        monkeypatch.setenv("STUB_API_KEY", "x")
        (log,) = inspect_ai.eval(
            corr2cause(data=str(official_test_path)),
            model="openai-api/stub/stub",
            limit=LIMIT,
            log_dir=str(tmp_path / "inspect"),
            display="none",
        )
        manager = TaskManager(
            include_path=lm_eval_tasks_path(),
            include_defaults=False,
            metadata={"data": str(official_test_path)},
        )
        harness = lm_eval.simple_evaluate(
            model="local-chat-completions",
            model_args=(
                f"base_url={server.base_url}/chat/completions,model=stub,"
                "tokenized_requests=False,num_concurrent=4,max_retries=1"
            ),
            tasks=["corr2cause_gen"],
            task_manager=manager,
            limit=LIMIT,
            bootstrap_iters=0,
            apply_chat_template=True,
            log_samples=True,
        )
    rows = [
        json.loads(x) for x in (tmp_path / "ours" / "predictions.jsonl").read_text().splitlines()
    ]
    ours_pred = {r["id"]: r["pred"] for r in rows}
    assert len(set(ours_pred.values())) == 2, "the scripted answers must not all agree"
    assert 0 < ours["parse_failures"] < LIMIT

    inspect_pred = {str(s.id): next(iter(s.scores.values())).metadata["pred"] for s in log.samples}
    assert inspect_pred == ours_pred
    lm_pred = {str(s["doc"]["id"]): s["f1"][1] for s in harness["samples"]["corr2cause_gen"]}
    assert lm_pred == ours_pred

    inspect_metrics = {k: v.value for k, v in log.results.scores[0].metrics.items()}
    lm_metrics = harness["results"]["corr2cause_gen"]
    for name, inspect_name, lm_name in (
        ("f1", "valid_f1", "f1,none"),
        ("precision", "valid_precision", "precision,none"),
        ("recall", "valid_recall", "recall,none"),
        ("accuracy", "accuracy", "acc,none"),
    ):
        assert round(100 * inspect_metrics[inspect_name], 2) == ours[name], name
        assert round(100 * lm_metrics[lm_name], 2) == ours[name], name
