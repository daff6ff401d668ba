"""Prompt strategies: few-shot exemplars, staged multi-turn runs, self-consistency sampling."""

from __future__ import annotations

import dataclasses
import json
from collections import Counter
from pathlib import Path

import pytest

from corr2cause.dataset.readers import EvalItem
from corr2cause.errors import Corr2CauseError
from corr2cause.evaluation.fewshot import FewShotError, select_exemplars
from corr2cause.evaluation.prompts import PromptError, load_prompt
from corr2cause.evaluation.runner import evaluate
from corr2cause.testing.stub_server import StubOpenAIServer, StubReply, StubRequest

from .conftest import EchoBackend, make_items

pytestmark = pytest.mark.timeout(60)


def _pool(count: int = 40) -> list[EvalItem]:
    base = make_items(count)
    return [dataclasses.replace(item, id=f"train-{k:03d}") for k, item in enumerate(base)]


def _rows(path: Path) -> list[dict]:
    return [json.loads(line) for line in (path / "predictions.jsonl").read_text().splitlines()]


def test_exemplars_are_balanced_seeded_and_never_evaluated_items() -> None:
    pool = _pool()
    evaluated = make_items(8)
    shots = select_exemplars(pool, k=6, seed=5, exclude=evaluated)
    assert Counter(s.label for s in shots) == Counter({1: 3, 0: 3})
    texts = {(i.premise, i.hypothesis) for i in evaluated}
    assert not texts & {(s.premise, s.hypothesis) for s in shots}
    assert shots == select_exemplars(list(reversed(pool)), k=6, seed=5, exclude=evaluated)
    assert shots != select_exemplars(pool, k=6, seed=6, exclude=evaluated)
    with pytest.raises(FewShotError, match="valid"):
        select_exemplars([i for i in pool if not i.label], k=2)


def test_fewshot_prompt_renders_exemplar_turns(tmp_path: Path) -> None:
    backend = EchoBackend(answer="No")
    items = make_items(8)
    evaluate(backend, items, prompt="fewshot-4", out_dir=tmp_path, fewshot_pool=_pool(60))
    messages = backend.calls[0].messages
    assert [m["role"] for m in messages] == ["system"] + ["user", "assistant"] * 4 + ["user"]
    assert sorted(m["content"] for m in messages[2:-1:2]) == ["No", "No", "Yes", "Yes"]
    manifest = json.loads((tmp_path / "run.json").read_text())
    assert manifest["strategy"] == "fewshot" and manifest["fewshot"]["k"] == 4
    assert len(manifest["fewshot"]["exemplar_ids"]) == 4
    assert all(i.startswith("train-") for i in manifest["fewshot"]["exemplar_ids"])
    assert load_prompt("fewshot-4").id == "fewshot-4@v1"


def test_fewshot_refuses_to_draw_from_the_split_under_evaluation(tmp_path: Path) -> None:
    with pytest.raises(Corr2CauseError, match="split under evaluation"):
        evaluate(
            EchoBackend(),
            make_items(4),
            prompt="fewshot",
            out_dir=tmp_path,
            fewshot_pool=_pool(),
            run_info={"split": "train"},
        )
    with pytest.raises(Corr2CauseError, match="needs a pool"):
        evaluate(EchoBackend(), make_items(4), prompt="fewshot", out_dir=tmp_path / "b")
    with pytest.raises(PromptError):
        load_prompt("fewshot-0")


def test_staged_runs_every_turn_and_resumes_turn_by_turn(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-staged")
    template = load_prompt("staged")
    assert [s.max_tokens for s in template.steps] == [None, None, None, 64]
    assert [template.max_tokens(k) for k in range(4)] == [1024, 1024, 1024, 64]
    fail_last = {"on": True}

    def responder(request: StubRequest) -> StubReply | None:
        turns = sum(1 for m in request.body["messages"] if m["role"] == "user")
        if turns == 4 and fail_last["on"]:
            return StubReply(status=500)
        return StubReply(text="Final answer: No" if turns == 4 else f"turn {turns} done")

    from corr2cause.evaluation.backends import load_backend

    items = make_items(4)
    with StubOpenAIServer(responder=responder) as server:
        backend = load_backend("openai:m", base_url=server.base_url, max_retries=0)
        first = evaluate(backend, items, prompt=template, out_dir=tmp_path, max_failures=10)
        # turns 1-3 depend on the premise only: the 4 items share 2 premises, so 2 x 3 calls
        # serve all of them, plus one final turn per item
        assert len({i.premise for i in items}) == 2
        assert first["request_failures"] == 4 and len(server.requests) == 2 * 3 + 4
        fail_last["on"] = False
        server.reset_stats()
        second = evaluate(backend, items, prompt=template, out_dir=tmp_path)
        assert len(server.requests) == 4, "turns 1-3 came from the cache"
    assert second["request_failures"] == 0
    row = _rows(tmp_path)[0]
    assert row["steps"] == ["turn 1 done", "turn 2 done", "turn 3 done"]
    assert row["parsed"] == "no"


def test_self_consistency_takes_the_majority_and_keeps_every_sample(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-sc")
    from corr2cause.evaluation.backends import load_backend

    def by_seed(request: StubRequest) -> StubReply | None:
        seed = request.body["seed"]
        return StubReply(text=("Yes", "No", "Yes", "Maybe", "No")[seed % 5])

    items = make_items(2)
    with StubOpenAIServer(responder=by_seed) as server:
        backend = load_backend("openai:m", base_url=server.base_url, seed=0, temperature=0.7)
        cache = tmp_path / "shared.sqlite"
        evaluate(backend, items, out_dir=tmp_path / "three", samples=3, n_boot=0, cache=cache)
        evaluate(backend, items, out_dir=tmp_path / "five", samples=5, n_boot=0, cache=cache)
        seeds = sorted(r.body["seed"] for r in server.requests)
    # samples 0-2 were cached by the first run: the second sends only samples 3 and 4
    assert seeds == [0, 0, 1, 1, 2, 2, 3, 3, 4, 4]
    three = _rows(tmp_path / "three")[0]
    assert three["votes"] == {"yes": 2, "no": 1, "none": 0} and three["parsed"] == "yes"
    assert [s["parsed"] for s in three["samples"]] == ["yes", "no", "yes"]
    five = _rows(tmp_path / "five")[0]  # yes 2, no 2, one unreadable: a tie reads as invalid
    assert five["votes"] == {"yes": 2, "no": 2, "none": 1}
    assert (five["parsed"], five["pred"]) == ("no", 0)
    manifest = json.loads((tmp_path / "five" / "run.json").read_text())
    assert manifest["samples"] == 5
