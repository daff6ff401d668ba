"""``corr2cause evaluate`` against failing and reasoning-model servers: exit codes, messages."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from corr2cause.cli.app import app
from corr2cause.testing.stub_server import StubOpenAIServer, StubReply
from corr2cause.testing.styles import scripted_server
from evaluation.conftest import make_items

pytestmark = pytest.mark.timeout(60)
runner = CliRunner()


@pytest.fixture()
def data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-cli-requests")
    path = tmp_path / "test.csv"
    rows = make_items()[2:5]  # three collider items, two of them valid
    path.write_text(
        "input,label\n" + "".join(f'"{i.input}",{i.label}\n' for i in rows), encoding="utf-8"
    )
    return path


def test_a_refused_key_stops_with_exit_2_and_one_message(tmp_path: Path, data: Path) -> None:
    reply = StubReply(status=401, body={"error": {"message": "Incorrect API key provided"}})
    with StubOpenAIServer(responder=lambda r: reply) as server:
        res = runner.invoke(
            app,
            [
                "evaluate",
                "-m",
                "openai:m",
                "-d",
                str(data),
                "-o",
                str(tmp_path / "run"),
                "--base-url",
                server.base_url,
                "--concurrency",
                "1",
            ],
        )
        assert len(server.requests) == 1  # not one 401 per item
    assert res.exit_code == 2
    assert "HTTP 401" in res.stderr and "OPENAI_API_KEY" in res.stderr
    assert "Traceback" not in res.output
    assert json.loads((tmp_path / "run" / "run.json").read_text())["status"] == "failed"


def test_failures_exit_2_unless_allowed(tmp_path: Path, data: Path) -> None:
    with StubOpenAIServer(responder=lambda r: StubReply(status=500)) as server:
        args = [
            "evaluate",
            "-m",
            "openai:m",
            "-d",
            str(data),
            "--base-url",
            server.base_url,
            "--max-retries",
            "0",
        ]
        res = runner.invoke(app, [*args, "-o", str(tmp_path / "strict")])
        assert res.exit_code == 2 and "--max-failures" in res.stderr
        res = runner.invoke(app, [*args, "-o", str(tmp_path / "lenient"), "--max-failures", "5"])
    assert res.exit_code == 0, res.output
    assert "3 request(s) failed" in res.stderr
    assert json.loads(res.stdout)["request_failures"] == 3


def test_reasoning_options_reach_the_server_and_run_json(tmp_path: Path, data: Path) -> None:
    with scripted_server(answer="solver", style="o-series") as server:
        res = runner.invoke(
            app,
            [
                "evaluate",
                "-m",
                "openai:o4-mini",
                "-d",
                str(data),
                "-o",
                str(tmp_path / "o4"),
                "--base-url",
                server.base_url,
                "--reasoning-effort",
                "high",
                "--prompt",
                "reasoning",
                "--json",
            ],
        )
        bodies = [r.body for r in server.requests]
    assert res.exit_code == 0, res.output
    summary = json.loads(res.stdout)
    assert summary["f1"] == 100.0 and summary["truncated"] == 0
    assert all(b["reasoning_effort"] == "high" and "max_tokens" not in b for b in bodies)
    manifest = json.loads((tmp_path / "o4" / "run.json").read_text())
    assert manifest["prompt"]["id"] == "reasoning@v1" and manifest["strategy"] == "cot"
    assert manifest["backend"]["request"]["reasoning_effort"] == "high"
