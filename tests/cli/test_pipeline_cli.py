"""``corr2cause pipeline``: the README's main job, on a small node range."""

from __future__ import annotations

import csv
import json

import pyarrow.parquet as pq
from typer.testing import CliRunner

import oracle
from corr2cause.cli.app import app

runner = CliRunner()


def test_pipeline_generates_evaluates_and_reuses(tmp_path, monkeypatch):
    monkeypatch.delenv("CORR2CAUSE_OFFICIAL_TEST", raising=False)
    out = tmp_path / "out"
    args = ["pipeline", "--out", str(out), "--nodes", "2-4", "-q"]
    res = runner.invoke(app, args)
    assert res.exit_code == 0, res.output
    rows = json.loads((out / "results.json").read_text())
    assert {(r["variant"], r["model"]) for r in rows} == {
        (v, m)
        for v in ("original", "paraphrase", "refactor")
        for m in ("oracle", "random-uniform", "random-proportional", "majority")
    }
    by = {(r["variant"], r["model"]): r for r in rows}
    for v in ("original", "paraphrase", "refactor"):
        # the gold labels themselves are checked against the independent oracle first, so
        # "oracle F1 = 100" means the solver is right, not only that it agrees with the generator
        rows_by_split = {}
        for split in ("train", "dev", "test"):
            with open(out / "data" / v / f"{split}.csv", newline="", encoding="utf-8") as fh:
                rows_by_split[split] = list(csv.DictReader(fh))
            for r in rows_by_split[split]:
                assert int(r["label"]) == oracle.verdict(*oracle.split_input(r["input"])).label
        # the rich table's 3-class labels and fractions as well (binary labels alone can agree
        # by chance: a "common child" collider changes only label3 for N <= 4)
        table = pq.read_table(
            out / "data" / v / "items.parquet",
            columns=["premise", "hypothesis", "label3", "fraction"],
        ).to_pylist()
        assert len(table) == sum(map(len, rows_by_split.values()))
        for r in table:
            got = oracle.verdict(r["premise"], r["hypothesis"])
            assert (r["label3"], r["fraction"]) == (got.label3, got.fraction), r
        test_rows = rows_by_split["test"]
        gold = [int(r["label"]) for r in test_rows]
        valid = sum(gold)
        assert 0 < valid < len(gold)
        assert by[(v, "oracle")]["n"] == len(gold)
        assert by[(v, "oracle")]["f1"] == 100.0
        assert by[(v, "oracle")]["accuracy"] == 100.0
        assert by[(v, "majority")]["recall"] == 0.0
        assert by[(v, "majority")]["accuracy"] == round(100 * (len(gold) - valid) / len(gold), 2)
    # the random baselines depend on the item id only, so every variant gets the same draws
    assert by[("original", "random-uniform")] == {
        **by[("refactor", "random-uniform")],
        "variant": "original",
    }
    assert (out / "report" / "report.html").is_file() and (out / "results.md").is_file()
    stamp = (out / "data" / "manifest.json").stat().st_mtime_ns
    res = runner.invoke(app, args)
    assert res.exit_code == 0 and "reusing" in res.output
    assert (out / "data" / "manifest.json").stat().st_mtime_ns == stamp
    assert json.loads((out / "results.json").read_text()) == rows


def test_pipeline_rejects_bad_arguments(tmp_path):
    res = runner.invoke(app, ["pipeline", "--out", str(tmp_path / "o"), "--nodes", "7", "-q"])
    assert res.exit_code != 0 and "out of range" in res.output
    res = runner.invoke(app, ["pipeline", "--out", str(tmp_path / "o"), "--variant", "nope", "-q"])
    assert res.exit_code != 0 and "unknown variant" in res.output


def test_pipeline_scores_the_official_test_file(tmp_path, official_test_path):
    res = runner.invoke(
        app,
        [
            "pipeline",
            "--out",
            str(tmp_path / "o"),
            "--nodes",
            "2-3",
            "--variant",
            "original",
            "--backends",
            "oracle",
            "--official",
            str(official_test_path),
            "-q",
        ],
    )
    assert res.exit_code == 0, res.output
    rows = {r["variant"]: r for r in json.loads((tmp_path / "o" / "results.json").read_text())}
    assert rows["original"]["accuracy"] == 100.0
    official = rows["official-test"]
    assert (official["n"], official["f1"], official["precision"], official["recall"]) == (
        1162,
        95.16,
        92.19,
        98.33,
    )
