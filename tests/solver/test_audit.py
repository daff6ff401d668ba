"""Auditing gold labels: the official test split and small synthetic files."""

from __future__ import annotations

import csv
import json

import pytest
from sklearn.metrics import f1_score, precision_score, recall_score

from corr2cause.solver import (
    RecordError,
    Solver,
    SolverError,
    audit_file,
    read_records,
    write_errata,
)
from corr2cause.solver.audit import ERRATA_COLUMNS


@pytest.fixture(scope="module")
def official_report(official_test_path):
    return audit_file(official_test_path)


def test_official_audit_counts(official_report):
    report = official_report
    assert report.items == 1162
    assert len(report.disagreements) == 18
    assert (report.exact_valid_gold_invalid, report.exact_invalid_gold_valid) == (15, 3)
    assert report.unsolvable == ()
    assert sum(t.items for t in report.by_template.values()) == 1162
    assert sum(t.disagreements for t in report.by_n.values()) == 18
    assert {n: t.items for n, t in report.by_n.items()} == {2: 6, 3: 48, 4: 72, 5: 514, 6: 522}


def test_official_metrics_recomputed_from_solver_output(official_test_path, official_report):
    records = read_records(official_test_path)
    solver = Solver()
    gold = [r.label for r in records]
    exact = [r.solve(solver).label for r in records]
    scores = {
        "f1": 100 * f1_score(gold, exact),
        "precision": 100 * precision_score(gold, exact),
        "recall": 100 * recall_score(gold, exact),
    }
    assert {k: round(v, 2) for k, v in scores.items()} == {
        "f1": 95.16,
        "precision": 92.19,
        "recall": 98.33,
    }
    metrics = official_report.metrics()
    assert {k: metrics[k] for k in scores} == {k: round(v, 2) for k, v in scores.items()}
    wrong = [k for k, (g, e) in enumerate(zip(gold, exact, strict=True)) if g != e]
    assert official_report.indices == wrong


def test_official_template_column_matches_the_wording(official_test_path):
    solver = Solver()
    mismatched = [
        r.index for r in read_records(official_test_path) if r.solve(solver).template != r.template
    ]
    assert mismatched == []


def test_official_errata(tmp_path, official_report):
    path = tmp_path / "errata.csv"
    write_errata(official_report, path)
    with path.open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert tuple(rows[0]) == ERRATA_COLUMNS
    assert [int(r["index"]) for r in rows] == official_report.indices
    for row in rows:
        assert row["gold"] != row["exact"]
        assert row["witness"]
        expected = "CPDAG" if row["exact"] == "1" else "member DAG"
        assert row["witness_kind"].startswith(expected)


def labeled_csv(tmp_path, premise: str, rows: list[tuple[str, int]]):
    path = tmp_path / "items.csv"
    with path.open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["input", "label"])
        for hypothesis, label in rows:
            writer.writerow([f"Premise: {premise}\nHypothesis: {hypothesis}", label])
    return path


def test_small_file_disagreement_witness_and_unsolvable(tmp_path, chain_premise):
    path = labeled_csv(
        tmp_path,
        chain_premise,
        [
            ("A directly causes B.", 1),  # neutral in the chain class: gold is wrong
            ("There exists at least one collider (i.e., common effect) of A and C.", 0),
            ("A directly influences B.", 0),  # not a benchmark wording
        ],
    )
    report = audit_file(path)
    assert (report.items, report.indices) == (3, [0])
    (row,) = report.disagreements
    assert (row.gold, row.exact, row.exact3, row.relation) == (1, 0, "neutral", "parent")
    assert row.witness == "B -> A, B -> C"  # a member DAG without A -> B
    assert [u.index for u in report.unsolvable] == [2]
    assert "A directly influences B." in report.unsolvable[0].error
    data = json.loads(json.dumps(report.to_dict()))
    assert (data["items"], data["disagreements"], data["indices"]) == (3, 1, [0])
    assert data["by_template"] == {
        "has_collider": {"items": 1, "disagreements": 0},
        "parent": {"items": 1, "disagreements": 1},
    }
    assert "indices: 0" in report.to_text()
    # solved rows: gold (1, 0), exact (0, 0); nothing is exactly valid, so precision is 0/0:
    # undefined (None, "n/a"), as in every evaluation, not 0
    assert data["confusion"] == {"tp": 0, "fp": 0, "fn": 1, "tn": 1}
    assert data["metrics"] == {"f1": 0.0, "precision": None, "recall": 0.0, "accuracy": 50.0}
    assert "F1 0.00  P n/a  R 0.00  accuracy 50.00" in report.to_text()


def test_audit_needs_gold_labels(tmp_path, collider_premise):
    path = tmp_path / "items.jsonl"
    path.write_text(json.dumps({"premise": collider_premise, "hypothesis": "A directly causes C."}))
    with pytest.raises(RecordError, match="needs a gold 'label'"):
        audit_file(path)
    assert issubclass(RecordError, ValueError) and not issubclass(RecordError, SolverError)
