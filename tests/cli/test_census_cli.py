"""The ``corr2cause census`` command: JSON output, the human table and argument errors."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from corr2cause.cli.app import app

EXPECTED = {
    # n: (dags, labeled_dags, mecs, labeled_mecs) -- SPEC section 3 / OEIS
    "2": (2, 3, 2, 2),
    "3": (6, 25, 5, 11),
    "4": (31, 543, 20, 185),
    "5": (302, 29281, 142, 8782),
    "6": (5984, 3781503, 2201, 1067825),
}
KEYS = {"dags", "labeled_dags", "mecs", "labeled_mecs", "items", "labels"}
RELATION_IDS = {
    "parent",
    "child",
    "non-parent ancestor",
    "non-child descendant",
    "has_collider",
    "has_confounder",
}


def _flat(text: str) -> str:
    """Error text without rich's box drawing and line wrapping."""
    for ch in "│╭╮╰╯─":
        text = text.replace(ch, " ")
    return " ".join(text.split())


@pytest.fixture(scope="module")
def runner() -> CliRunner:
    return CliRunner()


def test_json_census_two_to_six(runner: CliRunner) -> None:
    result = runner.invoke(app, ["census", "--nodes", "2-6", "--json", "--quiet"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert list(data) == ["2", "3", "4", "5", "6"]
    for n, row in data.items():
        assert set(row) == KEYS
        assert (row["dags"], row["labeled_dags"], row["mecs"], row["labeled_mecs"]) == EXPECTED[n]
        k = int(n)
        assert row["items"] == 6 * (k * (k - 1) // 2) * row["mecs"]
        assert set(row["labels"]) == RELATION_IDS
        for counts in row["labels"].values():
            assert len(counts) == 3
            assert sum(counts) == row["items"] // 6
    assert data["3"]["labels"]["parent"] == [2, 6, 7]  # hand-derived, see test_census.py


def test_json_without_labels_and_list_syntax(runner: CliRunner) -> None:
    result = runner.invoke(app, ["census", "--nodes", "2,4", "--json", "--no-labels", "-q"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert list(data) == ["2", "4"]
    assert "labels" not in data["4"]
    assert data["4"]["mecs"] == 20


def test_table_output(runner: CliRunner) -> None:
    result = runner.invoke(app, ["census", "--nodes", "5", "-q"])
    assert result.exit_code == 0, result.output
    assert "29,281" in result.stdout
    assert "8,782" in result.stdout
    assert "Labels per relation" in result.stdout


@pytest.mark.parametrize(
    ("nodes", "message"),
    [
        ("9", "node counts [9] out of range; supported: 1..7"),
        ("0-3", "node counts [0] out of range"),
        ("x", "cannot read node range 'x'"),
        ("2-", "cannot read node range"),
        ("", "cannot read node range"),
        ("5-3", "empty node range '5-3'"),
    ],
)
def test_bad_nodes_exit_nonzero_with_clear_message(
    runner: CliRunner, nodes: str, message: str
) -> None:
    result = runner.invoke(app, ["census", "--nodes", nodes, "--json"])
    assert result.exit_code != 0
    assert message in _flat(result.output)
    assert "Traceback" not in result.output
    assert not result.stdout.lstrip().startswith("{")
