"""``corr2cause solve`` and ``corr2cause audit`` through the real CLI entry point."""

from __future__ import annotations

import csv
import json

import pytest
from typer.testing import CliRunner

from corr2cause.cli.app import app

runner = CliRunner()

COLLIDER = (
    "Suppose there is a closed system of 3 variables, A, B and C. All the statistical relations "
    "among these 3 variables are as follows: A correlates with C. B correlates with C. However, "
    "A is independent of B."
)


def write_items(path, rows: list[tuple[str, str, int]]) -> None:
    """An official-format CSV of (premise, hypothesis, gold label) rows."""
    with path.open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["input", "label", "num_variables", "template"])
        for premise, hypothesis, label in rows:
            writer.writerow([f"Premise: {premise}\nHypothesis: {hypothesis}", label, 3, "parent"])


def test_solve_single_item_json_and_explain():
    args = ["solve", "--premise", COLLIDER, "--hypothesis", "B directly causes C."]
    res = runner.invoke(app, args)
    assert res.exit_code == 0, res.output
    record = json.loads(res.stdout)
    assert (record["label"], record["label3"], record["relation"]) == (1, "entailment", "parent")
    assert record["cpdag"] == {"directed": [["A", "C"], ["B", "C"]], "undirected": []}
    res = runner.invoke(app, [*args, "--explain"])
    assert res.exit_code == 0, res.output
    assert "CPDAG: A -> C, B -> C" in res.stdout
    assert "Label: entailment (3-class), 1 = valid (binary)" in res.stdout


def test_solve_file_writes_jsonl_atomically(tmp_path):
    items = tmp_path / "items.csv"
    write_items(
        items,
        [
            (COLLIDER, "A directly causes C.", 1),
            (COLLIDER + " A correlates with B.", "A directly causes C.", 0),
            (COLLIDER, "C directly causes A.", 1),
        ],
    )
    out = tmp_path / "preds" / "out.jsonl"
    res = runner.invoke(app, ["solve", str(items), "--output", str(out), "-q"])
    assert res.exit_code == 0, res.output
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert [(r["index"], r["line"], r["gold"]) for r in lines] == [(0, 2, 1), (1, 4, 0), (2, 6, 1)]
    assert [r.get("label") for r in lines] == [1, None, 0]
    assert lines[1]["error_type"] == "InconsistentPremiseError"
    assert "states both 'A correlates with B.'" in lines[1]["error"]
    assert lines[2]["witness_fails"] == [["A", "C"], ["B", "C"]]
    assert sorted(p.name for p in out.parent.iterdir()) == ["out.jsonl"]
    # stdout mode gives the same lines
    res = runner.invoke(app, ["solve", str(items), "-q"])
    assert [json.loads(line) for line in res.stdout.splitlines()] == lines


def test_solve_strict_stops_at_first_unsolvable_item(tmp_path):
    items = tmp_path / "items.csv"
    write_items(items, [(COLLIDER, "A directly causes C.", 1), (COLLIDER, "A causes B.", 0)])
    out = tmp_path / "out.jsonl"
    res = runner.invoke(app, ["solve", str(items), "-o", str(out), "--strict", "-q"])
    assert res.exit_code == 2
    assert f"{items}:4:" in res.output and "cannot read the hypothesis 'A causes B.'" in res.output
    assert not out.exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--premise", COLLIDER], "give both --premise and --hypothesis"),
        ([], "nothing to solve"),
        (["x.csv", "--premise", COLLIDER, "--hypothesis", "A directly causes C."], "not both"),
        (["--premise", "Nonsense.", "--hypothesis", "A directly causes C."], "'Nonsense.'"),
        (["--premise", COLLIDER, "--hypothesis", "A directly causes Q."], "unknown variable 'Q'"),
        (["missing.csv"], "missing.csv: no such file"),
    ],
)
def test_solve_errors_exit_2_with_a_clear_message(args, message):
    res = runner.invoke(app, ["solve", *args])
    assert res.exit_code == 2
    assert message in res.output


def test_solve_file_with_explanations(tmp_path):
    items = tmp_path / "items.csv"
    write_items(items, [(COLLIDER, "A directly causes C.", 1)])
    res = runner.invoke(app, ["solve", str(items), "--explain", "-q"])
    assert res.exit_code == 0, res.output
    (record,) = [json.loads(line) for line in res.stdout.splitlines()]
    assert "CPDAG: A -> C, B -> C" in record["explanation"]


def test_audit_official_json_and_errata(official_test_path, tmp_path):
    errata = tmp_path / "errata.csv"
    res = runner.invoke(
        app, ["audit", str(official_test_path), "--json", "--errata", str(errata), "-q"]
    )
    assert res.exit_code == 0, res.output
    report = json.loads(res.stdout)
    assert (report["items"], report["disagreements"], len(report["indices"])) == (1162, 18, 18)
    assert (report["exact_valid_gold_invalid"], report["exact_invalid_gold_valid"]) == (15, 3)
    with errata.open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert [int(r["index"]) for r in rows] == report["indices"]


def test_audit_text_report(tmp_path):
    items = tmp_path / "items.csv"
    write_items(
        items, [(COLLIDER, "A directly causes C.", 1), (COLLIDER, "C directly causes A.", 1)]
    )
    res = runner.invoke(app, ["audit", str(items)])
    assert res.exit_code == 0, res.output
    assert "items: 2" in res.stdout
    assert "disagreements: 1 (exact valid / gold invalid: 0; exact invalid / gold valid: 1)" in (
        res.stdout
    )
    assert "indices: 1" in res.stdout


def test_audit_bad_file_exits_2(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("input\nx\n")
    res = runner.invoke(app, ["audit", str(bad)])
    assert res.exit_code == 2
    assert "needs a gold 'label'" in res.output
