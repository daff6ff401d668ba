"""``export-sft``, ``rationale``, ``audit-ccpp``, ``solve --explain`` and ``finetune --method``
through the real CLI entry point."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from corr2cause.cli.app import app

runner = CliRunner()

COLLIDER = (
    "Suppose there is a closed system of 3 variables, A, B and C. All the statistical relations "
    "among these 3 variables are as follows: A correlates with C. B correlates with C. However, "
    "A is independent of B."
)
CCPP_QUERY = (
    "Premise:\nSuppose there is a closed system of 3 variables, A, B, and C, whose causal "
    "structure forms a directed acyclic graph and satisfies faithfulness. All the conditional "
    "independence relations are: A indep B.\n\nHypothesis: There exists at least one collider "
    "(i.e., a common child) of A and B."
)


@pytest.fixture(scope="module")
def small_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from corr2cause.dataset.generate import GenerationConfig, generate_dataset

    out = tmp_path_factory.mktemp("data") / "d"
    generate_dataset(
        out, GenerationConfig(nodes=[2, 3], variants=["original"], seed=0, formats=["csv"])
    )
    return out


def test_export_sft(small_data: Path, tmp_path: Path) -> None:
    out = tmp_path / "sft"
    res = runner.invoke(
        app,
        [
            "export-sft",
            str(small_data),
            "--out",
            str(out),
            "--split",
            "test",
            "--format",
            "jsonl",
            "--style",
            "compact",
        ],
    )
    assert res.exit_code == 0, res.output
    rows = [json.loads(x) for x in (out / "test.jsonl").read_text().splitlines()]
    assert rows and all(
        r["completion"][0]["content"].endswith(("Answer: Yes", "Answer: No")) for r in rows
    )
    again = runner.invoke(app, ["export-sft", str(small_data), "--out", str(out)])
    assert again.exit_code == 2 and "overwrite" in again.output


def test_rationale_print_and_check(tmp_path: Path) -> None:
    args = ["rationale", "--premise", COLLIDER, "--hypothesis", "A directly causes C."]
    res = runner.invoke(app, args)
    assert res.exit_code == 0, res.output
    assert "so C is a collider: A -> C <- B." in res.stdout
    good = tmp_path / "good.txt"
    good.write_text(res.stdout)
    assert runner.invoke(app, [*args, "--check", str(good)]).exit_code == 0
    bad = tmp_path / "bad.txt"
    bad.write_text(res.stdout.replace("Answer: Yes", "Answer: No"))
    res = runner.invoke(app, [*args, "--check", str(bad)])
    assert res.exit_code == 1 and "the answer is Yes" in res.stdout


def test_audit_ccpp(tmp_path: Path) -> None:
    path = tmp_path / "c.json"
    items = [
        {
            "label": 1,
            "relation_type": "collider",
            "forced_edges": [["A", "C"], ["B", "C"]],
            "query": CCPP_QUERY,
        },
        {
            "label": 0,
            "relation_type": "collider",
            "forced_edges": [["A", "C"]],
            "query": CCPP_QUERY,
        },
    ]
    path.write_text(json.dumps(items))
    res = runner.invoke(app, ["audit-ccpp", str(path)])
    assert res.exit_code == 0, res.output
    assert "disagrees with the exact label: 1" in res.stdout
    assert "forced_edges differ from the exact CPDAG: 1" in res.stdout
    res = runner.invoke(app, ["audit-ccpp", str(path), "--json", "--semantics", "corr2cause"])
    assert json.loads(res.stdout)["semantics"] == "corr2cause"
    path.write_text("[{}]")
    res = runner.invoke(app, ["audit-ccpp", str(path)])
    assert res.exit_code == 2 and "missing field" in res.output


def test_solve_explain_prints_the_rationale() -> None:
    res = runner.invoke(
        app, ["solve", "--premise", COLLIDER, "--hypothesis", "B directly causes C.", "--explain"]
    )
    assert res.exit_code == 0, res.output
    assert "Gold rationale" in res.stdout and "Answer: Yes" in res.stdout


def test_finetune_method_errors(small_data: Path, tmp_path: Path) -> None:
    res = runner.invoke(
        app,
        ["finetune", "--data", str(small_data), "--out", str(tmp_path / "m"), "--method", "dpo"],
    )
    assert res.exit_code == 2 and "--method" in res.output
    res = runner.invoke(
        app,
        [
            "finetune",
            "--data",
            str(small_data),
            "--out",
            str(tmp_path / "m"),
            "--method",
            "sft",
            "--model",
            str(tmp_path / "none"),
        ],
    )
    assert res.exit_code == 2 and "not a local Hugging Face model" in res.output
