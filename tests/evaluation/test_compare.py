"""Paired comparison of two runs: bootstrap of the difference, McNemar, refusing other data."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from corr2cause.evaluation import evaluate
from corr2cause.evaluation.compare import ComparisonError, compare_runs, paired_difference

from .conftest import make_items


def _f1(g: np.ndarray, p: np.ndarray) -> float:
    tp = int(((g == 1) & (p == 1)).sum())
    wrong = int((g != p).sum())
    return 100 * 2 * tp / (2 * tp + wrong) if 2 * tp + wrong else np.nan


def test_paired_bootstrap_matches_explicit_paired_premise_resampling() -> None:
    rng = np.random.default_rng(5)
    sizes = rng.integers(1, 20, 50)
    clusters = np.repeat(np.arange(50), sizes)
    gold = (rng.random(clusters.size) < 0.25).astype(int)
    a = np.where(rng.random(clusters.size) < 0.1, 1 - gold, gold)
    hard = rng.random(50) < 0.3
    b = np.where(rng.random(clusters.size) < np.where(hard[clusters], 0.6, 0.1), 1 - gold, gold)
    got = paired_difference(gold, a, b, clusters=clusters.tolist(), n_boot=4000, seed=1)
    assert got["f1"]["diff"] == round(_f1(gold, a) - _f1(gold, b), 2)
    members = [np.flatnonzero(clusters == c) for c in range(50)]
    diffs = []
    for _ in range(4000):
        idx = np.concatenate([members[c] for c in rng.integers(0, 50, 50)])
        diffs.append(_f1(gold[idx], a[idx]) - _f1(gold[idx], b[idx]))
    diffs_arr = np.asarray(diffs)
    slow = np.nanquantile(diffs_arr, [0.025, 0.975])
    low, high = got["f1"]["ci95"]
    assert abs(low - slow[0]) < 2.0 and abs(high - slow[1]) < 2.0
    assert got["f1"]["share_a_better"] == pytest.approx(np.mean(diffs_arr > 0), abs=0.03)


def _write(run_dir: Path, rows: list[dict]) -> None:
    run_dir.mkdir(parents=True)
    (run_dir / "metrics.json").write_text(json.dumps({"f1": 0.0, "run": {}}))
    (run_dir / "predictions.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))


def test_compare_two_runs_on_the_same_items(tmp_path: Path) -> None:
    items = make_items(8)
    evaluate("oracle", items, out_dir=tmp_path / "oracle", n_boot=0)
    evaluate("majority", items, out_dir=tmp_path / "majority", n_boot=0)
    got = compare_runs(tmp_path / "oracle", tmp_path / "majority", n_boot=500)
    valid = sum(i.label for i in items)  # the oracle is right everywhere, majority on invalid
    assert got["mcnemar"]["only_a"] == valid and got["mcnemar"]["only_b"] == 0
    assert got["f1"] == {**got["f1"], "a": 100.0, "b": 0.0, "diff": 100.0}
    assert got["accuracy"]["diff"] == round(100 * valid / len(items), 2)
    assert got["bootstrap_unit"] == "premise" and got["clusters"] == 3
    assert set(got["by_num_variables"]) == {"2", "3"} and got["warnings"] == []


def test_runs_on_different_data_are_refused_unless_allowed(tmp_path: Path) -> None:
    row = {"gold": 1, "pred": 1, "num_variables": 3}
    _write(tmp_path / "a", [{"id": "x", **row}, {"id": "y", **row}])
    _write(tmp_path / "b", [{"id": "x", **row}, {"id": "z", **row}])
    with pytest.raises(ComparisonError, match="different items"):
        compare_runs(tmp_path / "a", tmp_path / "b")
    got = compare_runs(tmp_path / "a", tmp_path / "b", allow_different_data=True, n_boot=10)
    assert got["n"] == 1 and "different items" in got["warnings"][0]
    _write(tmp_path / "c", [{"id": "x", **row, "gold": 0}, {"id": "y", **row}])
    with pytest.raises(ComparisonError, match="different gold"):
        compare_runs(tmp_path / "a", tmp_path / "c")
    for name, sha in (("d", "aaa"), ("e", "bbb")):
        _write(tmp_path / name, [{"id": "x", **row}])
        (tmp_path / name / "metrics.json").write_text(
            json.dumps({"f1": 1.0, "run": {"data_sha256": sha, "split": "test"}})
        )
    with pytest.raises(ComparisonError, match="different data"):
        compare_runs(tmp_path / "d", tmp_path / "e")
