"""Reports: Markdown and self-contained HTML comparing runs."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from corr2cause.evaluation import evaluate, write_report
from corr2cause.evaluation.report import ReportError

from .conftest import make_items


@pytest.fixture()
def two_runs(tmp_path: Path) -> list[Path]:
    items = make_items(40)
    runs = [tmp_path / "uniform", tmp_path / "oracle-ish"]
    evaluate("random-uniform", items, out_dir=runs[0], n_boot=200)
    evaluate("majority", items, out_dir=runs[1], n_boot=200)
    return runs


def test_markdown_and_html(tmp_path: Path, two_runs: list[Path]) -> None:
    md_path, html_path = write_report(two_runs, tmp_path / "report")
    md = md_path.read_text(encoding="utf-8")
    assert "| run | backend | prompt | n | F1 [95% CI]" in md
    assert "| uniform | random-uniform | - | 40 |" in md
    assert "## F1 by relation" in md and "## F1 by number of variables" in md
    assert re.search(r"\| has_collider \| [\d.]+ \(n=\d+\) \| 0\.00 \(n=\d+\) \|", md)
    # majority never predicts valid: F1 of a group without valid items is undefined
    assert re.search(r"\| child \| [\d.]+ \(n=5\) \| n/a \(n=5\) \|", md)
    assert "n/a: the group has no valid item" in md
    page = html_path.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and page.count("<svg") == 2
    assert "F1 by relation" in page and "F1 by number of variables" in page
    # self-contained: nothing to fetch, nothing to run
    assert "<script" not in page and "<link" not in page and "<img" not in page
    assert not re.search(r"(src|href)\s*=", page)
    assert "url(" not in page


def test_labels_are_escaped_and_unique(tmp_path: Path) -> None:
    items = make_items(8)
    a, b = tmp_path / "x" / "<run>", tmp_path / "y" / "<run>"
    evaluate("majority", items, out_dir=a, n_boot=0)
    evaluate("majority", items, out_dir=b, n_boot=0)
    _, html_path = write_report([a, b], tmp_path / "r")
    page = html_path.read_text(encoding="utf-8")
    assert "<run>" not in page and "x/&lt;run&gt;" in page and "y/&lt;run&gt;" in page


def test_missing_run_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ReportError, match=r"no metrics\.json"):
        write_report([tmp_path], tmp_path / "r")
    with pytest.raises(ReportError, match="no run"):
        write_report([], tmp_path / "r")
