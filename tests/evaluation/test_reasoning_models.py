"""Each model family's output style, end to end through the runner, against the exact solver.

A scripted server answers with the solver's verdict dressed as DeepSeek-R1 think blocks,
boxed answers, vLLM ``reasoning_content``, OpenRouter ``reasoning``, JSON, o-series (rejects
``max_tokens``) or gpt-oss harmony. Whatever the style, the predictions must equal the
``oracle`` backend's, item by item, and the reasoning must be stored apart from the answer.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from corr2cause.evaluation.backends import load_backend
from corr2cause.evaluation.runner import evaluate
from corr2cause.testing.styles import STYLES, scripted_server

from .conftest import make_items

pytestmark = pytest.mark.timeout(60)


@pytest.fixture(autouse=True)
def _key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-styles")


def _predictions(path: Path) -> list[dict]:
    return [json.loads(line) for line in (path / "predictions.jsonl").read_text().splitlines()]


@pytest.fixture(scope="module")
def oracle_preds(tmp_path_factory: pytest.TempPathFactory) -> dict[str, int]:
    out = tmp_path_factory.mktemp("oracle")
    evaluate("oracle", make_items(), out_dir=out, n_boot=0)
    return {r["id"]: r["pred"] for r in _predictions(out)}


@pytest.mark.parametrize("style", STYLES)
def test_every_style_reads_as_the_solver(
    style: str, tmp_path: Path, oracle_preds: dict[str, int]
) -> None:
    model = "o3-mini" if style == "o-series" else "qwen3-8b"
    with scripted_server(answer="solver", style=style) as server:
        backend = load_backend(
            f"openai:{model}",
            base_url=server.base_url,
            style="completion" if style == "gpt-oss" else "chat",
            timeout=5.0,
        )
        metrics = evaluate(backend, make_items(), out_dir=tmp_path, prompt="reasoning", n_boot=0)
    rows = _predictions(tmp_path)
    assert {r["id"]: r["pred"] for r in rows} == oracle_preds
    assert metrics["answers"]["parse_failures"] == 0 and metrics["answers"]["truncated"] == 0
    shows_reasoning = style not in ("plain", "json", "o-series")
    assert all(bool(r["reasoning"]) is shows_reasoning for r in rows), style
    if shows_reasoning:  # the decoy verdict lives in the reasoning, never in the answer
        assert all("might be" not in (r["answer"] or "") for r in rows)
    if style == "o-series":
        assert all(r["reasoning_tokens"] and r["reasoning_tokens"] > 0 for r in rows)
        assert metrics["usage"]["tokens"]["reasoning"]["total"] > 0
        manifest = json.loads((tmp_path / "run.json").read_text())
        assert manifest["backend"]["request"]["token_param"] == "max_completion_tokens"


def test_unterminated_think_blocks_count_as_truncated(tmp_path: Path) -> None:
    with scripted_server(answer="<think>\nLet me work out the skeleton first") as server:
        backend = load_backend("openai:r1", base_url=server.base_url, timeout=5.0)
        metrics = evaluate(backend, make_items(), out_dir=tmp_path, n_boot=0)
    assert metrics["answers"]["truncated"] == len(make_items())
    assert metrics["answers"]["parse_failures"] == 0
    assert all(r["truncated"] and r["parsed"] is None for r in _predictions(tmp_path))


def test_structured_output_requests(tmp_path: Path) -> None:
    with scripted_server(answer="solver", style="json") as server:
        json_backend = load_backend(
            "openai:m", base_url=server.base_url, structured="json", timeout=5.0
        )
        evaluate(json_backend, make_items(2), out_dir=tmp_path / "json", n_boot=0)
        choice = load_backend("openai:m", base_url=server.base_url, structured="choice")
        evaluate(choice, make_items(2), out_dir=tmp_path / "choice", n_boot=0)
        bodies = [r.body for r in server.requests]
    schema = bodies[0]["response_format"]["json_schema"]["schema"]
    assert schema["properties"]["answer"]["enum"] == ["Yes", "No"]
    assert bodies[-1]["structured_outputs"] == {"choice": ["Yes", "No"]}


def test_reasoning_effort_and_budgets_are_sent_and_recorded(tmp_path: Path) -> None:
    with scripted_server(answer="solver") as server:
        backend = load_backend(
            "openai:gpt-4o-mini", base_url=server.base_url, reasoning_effort="low", seed=3
        )
        evaluate(backend, make_items(2), out_dir=tmp_path / "direct", n_boot=0)
        evaluate(backend, make_items(2), out_dir=tmp_path / "reason", prompt="reasoning", n_boot=0)
        budgets = [r.body["max_tokens"] for r in server.requests]
        assert {r.body["reasoning_effort"] for r in server.requests} == {"low"}
    assert budgets == [16, 16, 4096, 4096]  # the paper's 16 tokens; the reasoning prompt's own
    request = json.loads((tmp_path / "direct" / "run.json").read_text())["backend"]["request"]
    assert (request["reasoning_effort"], request["seed"], request["max_tokens"]) == ("low", 3, 16)
