"""``corr2cause evaluate`` and ``corr2cause report`` through the real CLI entry point."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from corr2cause.cli.app import app
from corr2cause.testing.stub_server import StubOpenAIServer

runner = CliRunner()

PREMISE = (
    "Suppose there is a closed system of 3 variables, A, B and C. All the statistical relations "
    "among these 3 variables are as follows: A correlates with C. B correlates with C. However, "
    "A is independent of B."
)
ROWS = [
    ("A directly causes C.", 1, "parent"),
    ("C directly causes A.", 0, "child"),
    ("There exists at least one collider (i.e., common effect) of A and B.", 1, "has_collider"),
    ("There exists at least one confounder (i.e., common cause) of A and B.", 0,
     "has_confounder"),
]  # fmt: skip


@pytest.fixture()
def data(tmp_path: Path) -> Path:
    path = tmp_path / "test.csv"
    path.write_text(
        "input,label,num_variables,template\n"
        + "".join(f'"Premise: {PREMISE}\nHypothesis: {h}",{y},3,{t}\n' for h, y, t in ROWS),
        encoding="utf-8",
    )
    return path


def test_oracle_on_the_official_test_split(tmp_path: Path, official_test_path: Path) -> None:
    out = tmp_path / "oracle"
    res = runner.invoke(
        app, ["evaluate", "--model", "oracle", "--data", str(official_test_path), "--out", str(out)]
    )
    assert res.exit_code == 0, res.output
    summary = json.loads(res.stdout)
    assert (summary["n"], summary["f1"]) == (1162, 95.16)
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["f1"] == 95.16 and set(metrics["by_num_variables"]) == {"2", "3", "4", "5", "6"}
    assert len((out / "predictions.jsonl").read_text().splitlines()) == 1162


def test_openai_end_to_end_then_report(tmp_path: Path, data: Path, monkeypatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-cli-test")
    with StubOpenAIServer(answer=lambda p: "Yes" if "collider" in p else "No") as server:
        args = ["evaluate", "-m", "openai:stub", "-d", str(data), "--base-url", server.base_url]
        res = runner.invoke(app, [*args, "-o", str(tmp_path / "llm"), "--style", "completion"])
        assert res.exit_code == 0, res.output
        assert json.loads(res.stdout)["f1"] == 66.67  # one of the two valid items found
        res = runner.invoke(app, [*args, "-o", str(tmp_path / "llm"), "--style", "completion"])
        assert json.loads(res.stdout)["queried"] == 0  # resumed from the cache
        assert len(server.requests) == 4
    res = runner.invoke(app, ["evaluate", "-m", "majority", "-d", str(data), "-o",
                              str(tmp_path / "maj")])  # fmt: skip
    assert res.exit_code == 0, res.output
    res = runner.invoke(
        app, ["report", str(tmp_path / "llm"), str(tmp_path / "maj"), "-o", str(tmp_path / "r")]
    )
    assert res.exit_code == 0, res.output
    paths = json.loads(res.stdout)
    assert "| llm | openai:stub | direct@v1 | 4 |" in Path(paths["markdown"]).read_text()
    assert "<svg" in Path(paths["html"]).read_text()


def test_limit_prompt_and_split_options(tmp_path: Path, data: Path) -> None:
    prompt = tmp_path / "p.toml"
    prompt.write_text('name = "mine"\nversion = 2\nuser = "{input}"\n', encoding="utf-8")
    res = runner.invoke(
        app,
        ["evaluate", "-m", "random-uniform", "--seed", "4", "-d", str(data), "-o",
         str(tmp_path / "o"), "--limit", "3", "--prompt", str(prompt), "--bootstrap", "0"],
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    summary = json.loads(res.stdout)
    assert summary["n"] == 3 and summary["prompt"] is None and summary["ci95_f1"] is None


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["-m", "oracle", "-d", "{tmp}/missing.csv"], "missing.csv: no such file"),
        (["-m", "oracle", "-d", "{bad}"], "bad.csv:line 2: bad label"),
        (["-m", "gpt:4", "-d", "{data}"], "unknown backend 'gpt'"),
        (["-m", "hf", "-d", "{data}"], "needs an argument"),
        (["-m", "hf:{tmp}/none", "-d", "{data}"], "no such model directory"),
        (["-m", "majority", "-d", "{data}", "--temperature", "0.2"], "do not apply"),
        (["-m", "majority", "-d", "{data}", "--prompt", "nope"], "unknown prompt 'nope'"),
        (["-m", "oracle", "-d", "{data}", "--split", "test"], "no 'split' column"),
        (["-m", "openai:x", "-d", "{data}", "--extra-body", "[1]"], "JSON object"),
    ],
)
def test_errors_exit_2_with_a_clear_message(
    tmp_path: Path, data: Path, args: list[str], message: str, monkeypatch
) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    bad = tmp_path / "bad.csv"
    bad.write_text('input,label\n"Premise: p\nHypothesis: h.",7\n', encoding="utf-8")
    filled = [a.format(tmp=tmp_path, data=data, bad=bad) for a in args]
    res = runner.invoke(app, ["evaluate", *filled, "-o", str(tmp_path / "out")])
    assert res.exit_code == 2, res.output
    assert message in " ".join(res.output.split()), res.output


def test_a_device_torch_does_not_know_exits_2(tmp_path: Path, data: Path) -> None:
    from fixtures.tiny_models import build_tiny_causal_lm

    model = build_tiny_causal_lm(tmp_path / "lm")
    res = runner.invoke(
        app,
        ["evaluate", "-m", f"hf:{model}", "-d", str(data), "-o", str(tmp_path / "out"),
         "--device", "gpu"],
    )  # fmt: skip
    assert res.exit_code == 2, res.output
    assert "device 'gpu' is not a torch device" in " ".join(res.output.split()), res.output


def test_report_errors(tmp_path: Path) -> None:
    res = runner.invoke(app, ["report", str(tmp_path), "-o", str(tmp_path / "r")])
    assert res.exit_code == 2 and "no metrics.json" in res.output


def test_cli_starts_without_torch_or_openai() -> None:
    code = (
        "import sys; from corr2cause.cli.app import app; "
        "print(sorted(m for m in ('torch', 'transformers', 'openai') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_local_model_options_reach_the_backend(tmp_path: Path, data: Path) -> None:
    from fixtures.tiny_models import build_tiny_causal_lm

    model = build_tiny_causal_lm(tmp_path / "lm")
    out = tmp_path / "hf"
    res = runner.invoke(
        app,
        ["evaluate", "-m", f"hf:{model}", "-d", str(data), "-o", str(out), "--scoring",
         "loglik", "--batch-size", "2", "--device", "cpu", "--dtype", "float32"],
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    manifest = json.loads((out / "run.json").read_text())
    params = manifest["backend"]["params"]
    assert params.pop("model_fingerprint")
    assert params == {
        "scoring": "loglik",
        "style": "completion",
        "options": [" Yes", " No"],
        "dtype": "float32",
    }
    rows = [json.loads(line) for line in (out / "predictions.jsonl").read_text().splitlines()]
    assert all(r["parsed"] in ("yes", "no") and "loglik" in r["details"] for r in rows)
