"""``corr2cause finetune`` and ``corr2cause robustness`` through the real CLI entry point."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from corr2cause.cli.app import app

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

runner = CliRunner()


@pytest.fixture(scope="module")
def data(tmp_path_factory) -> Path:
    from fixtures.tiny_training import generate_small_dataset

    return generate_small_dataset(tmp_path_factory.mktemp("cli-train") / "data")


@pytest.fixture(scope="module")
def encoder(tmp_path_factory) -> Path:
    pytest.importorskip("torch")
    pytest.importorskip("accelerate")
    from fixtures.tiny_training import build_tiny_encoder

    return build_tiny_encoder(tmp_path_factory.mktemp("cli-encoder"))


def test_finetune_then_robustness(data: Path, encoder: Path, tmp_path: Path):
    model = tmp_path / "model"
    res = runner.invoke(
        app,
        ["finetune", "--data", str(data), "--out", str(model), "--model", str(encoder),
         "--max-train", "32", "--max-dev", "16", "--max-steps", "2", "--batch-size", "8",
         "--max-length", "64", "--lr", "1e-3", "-q"],
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    assert res.stdout == ""  # stdout stays machine-readable
    assert f"Evaluate with the spec classifier:{model}" in res.stderr
    summary = json.loads((model / "training_summary.json").read_text())
    assert summary["steps"] == 2 and summary["settings"]["lr"] == 1e-3

    res = runner.invoke(
        app,
        ["robustness", "--model", f"classifier:{model}", "--data", str(data),
         "--out", str(tmp_path / "rob"), "--limit", "20", "--batch-size", "8", "--json", "-q"],
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    report = json.loads(res.stdout)
    assert list(report["variants"]) == ["original", "paraphrase", "refactor"]
    assert all(row["n"] == 20 for row in report["variants"].values())
    assert (tmp_path / "rob" / "robustness.md").is_file()

    # a rerun on fewer variants would replace the report: refused without --overwrite; with
    # it, the runs are served from the response caches and the Markdown table is printed
    rerun = ["robustness", "--model", str(model), "--data", str(data),
             "--out", str(tmp_path / "rob"), "--limit", "20",
             "--variant", "original,refactor", "-q"]  # fmt: skip
    res = runner.invoke(app, rerun)
    assert res.exit_code == 2 and "--overwrite" in res.output
    res = runner.invoke(app, [*rerun, "--overwrite"])
    assert res.exit_code == 0, res.output
    assert "| refactor | 20 |" in res.stdout and "| paraphrase |" not in res.stdout


def test_robustness_with_a_label_backend(data: Path, tmp_path: Path):
    res = runner.invoke(
        app, ["robustness", "--model", "oracle", "--data", str(data), "--out", str(tmp_path), "-q"]
    )
    assert res.exit_code == 0, res.output
    assert "| original | 114 | 100.00 | 100.00 | 100.00 | 100.00 |" in res.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["finetune", "--data", "{tmp}/missing", "--out", "{tmp}/m"], "no such dataset folder"),
        (["finetune", "--data", "{data}", "--out", "{tmp}/m", "--model", "{tmp}"],
         "not a local Hugging Face model folder"),
        (["finetune", "--data", "{data}", "--out", "{data}"], "not a fine-tuning output folder"),
        (["finetune", "--data", "{data}", "--out", "{tmp}/m", "--truncation-side", "middle"],
         "truncation_side must be one of left, right"),
        (["robustness", "--model", "oracle", "--data", "{data}", "--out", "{tmp}/r",
          "--variant", "relabel"], "no variant folder(s) ['relabel']"),
        (["robustness", "--model", "classifier:{tmp}/nope", "--data", "{data}",
          "--out", "{tmp}/r"], "no such model directory"),
        (["robustness", "--model", "oracle", "--data", "{tmp}", "--out", "{tmp}/r"],
         "no variant folders"),
    ],
)  # fmt: skip
def test_errors_exit_2_with_a_clear_message(args, message, data: Path, tmp_path: Path):
    argv = [a.format(tmp=tmp_path, data=data) for a in args]
    res = runner.invoke(app, argv)
    assert res.exit_code == 2, res.output
    assert message in " ".join(res.stderr.split())
