"""Commonsense groups: a model that answers from world knowledge fails exactly the conflicts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from corr2cause.dataset.generate import GenerationConfig, generate_dataset
from corr2cause.evaluation.commonsense import CommonsenseError, commonsense_metrics


@pytest.fixture(scope="module")
def medicine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("cs") / "data"
    generate_dataset(
        out, GenerationConfig(nodes=[2, 3, 4, 5], variants=["original", "names-medicine"],
                              formats=["jsonl"])
    )  # fmt: skip
    return out


def _write_predictions(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def test_world_knowledge_answers_fail_exactly_the_conflicting_items(medicine, tmp_path):
    items = medicine / "names-medicine" / "items.jsonl"
    rows = [json.loads(x) for x in items.read_text().splitlines()]
    world = {"agrees": 1, "contradicts": 0}
    preds = [
        {"id": r["id"], "gold": r["label"], "pred": world.get(r["commonsense"], r["label"])}
        for r in rows
    ]
    report = commonsense_metrics(items, _write_predictions(tmp_path / "p.jsonl", preds))
    conflicting = sum(r["commonsense_conflict"] is True for r in rows)
    aligned = sum(r["commonsense_conflict"] is False for r in rows)
    assert report["conflicting"]["n"] == conflicting > 0 and report["aligned"]["n"] == aligned > 0
    assert report["aligned"]["accuracy"] == 100.0 and report["conflicting"]["accuracy"] == 0.0
    assert report["no_link"]["accuracy"] == 100.0
    assert report["no_link"]["n"] == sum(r["commonsense"] is None for r in rows)
    assert sum(report[g]["n"] for g in ("agrees", "contradicts", "unrelated", "no_link")) == len(
        rows
    )


def test_letters_have_no_commonsense_columns(medicine, tmp_path):
    preds = _write_predictions(tmp_path / "p.jsonl", [])
    with pytest.raises(CommonsenseError, match="no 'commonsense' column"):
        commonsense_metrics(medicine / "original" / "items.jsonl", preds)
    bad = _write_predictions(tmp_path / "q.jsonl", [{"id": "nope", "gold": 1, "pred": 1}])
    with pytest.raises(CommonsenseError, match="'nope' is not in"):
        commonsense_metrics(medicine / "names-medicine" / "items.jsonl", bad)
