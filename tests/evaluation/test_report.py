"""Reports: self-contained HTML with figures, Markdown, PNG/PDF figures, CSV/LaTeX tables."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import pytest

from corr2cause.dataset.readers import read_items
from corr2cause.evaluation import evaluate, write_report
from corr2cause.evaluation import report as report_mod
from corr2cause.evaluation.report import SECTIONS, ReportError

from .conftest import make_items

pytest.importorskip("matplotlib")


def _items_file(tmp_path: Path, count: int = 8) -> Path:
    path = tmp_path / "items.jsonl"
    with path.open("w", encoding="utf-8") as fh:
        for i in make_items(count):
            row = {"id": i.id, "premise": i.premise, "hypothesis": i.hypothesis}
            row.update(label=i.label, num_variables=i.num_variables, relation=i.relation)
            fh.write(json.dumps(row) + "\n")
    return path


@pytest.fixture(scope="module")
def three_runs(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    tmp_path = tmp_path_factory.mktemp("runs")
    data = _items_file(tmp_path)
    items = read_items(data)
    runs = []
    for spec, name in (
        ("random-uniform", "uniform"),
        ("majority", "majority"),
        ("oracle", "oracle"),
    ):
        runs.append(tmp_path / name)
        evaluate(spec, items, out_dir=runs[-1], n_boot=100, run_info={"data": str(data)})
    return runs


@pytest.fixture(scope="module")
def full_report(three_runs, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One report with every export (figures are the slow part: written once)."""
    out = tmp_path_factory.mktemp("report")
    write_report(three_runs, out, n_boot=100, gallery=2)
    return out


def test_html_has_every_section_and_is_self_contained(full_report: Path) -> None:
    md_path, html_path = full_report / "report.md", full_report / "report.html"
    page = html_path.read_text(encoding="utf-8")
    for sid, title in SECTIONS:
        assert f'<section id="{sid}"><h2>{title}</h2>' in page, sid
    assert "<script" not in page and "<link" not in page and "<img" not in page
    assert not re.search(r"\bsrc\s*=", page) and "url(http" not in page
    # in-page anchors, and the confusion heat maps inlined by matplotlib as data URIs
    for target in re.findall(r'href="([^"]{0,22})', page):
        assert target.startswith(("#", "data:image/png;base64")), target
    ids = re.findall(r'\bid="([^"]+)"', page)
    assert len(ids) == len(set(ids))  # several inline SVGs without id clashes
    for fig in ("f1_by_n", "valid_rate_by_n", "f1_by_relation", "confusion", "paired"):
        assert f'<figure id="fig-{fig}">' in page, fig
    # axis titles
    for text in ("number of variables N", "F1 (valid class, ×100)", "predicted", "gold"):
        assert text in page, text
    md = md_path.read_text(encoding="utf-8")
    assert "| run | backend | prompt | n | F1 [95% CI]" in md
    # majority never predicts valid: precision is undefined, not 0
    assert re.search(r"\| majority \| majority \| - \| 8 \| 0\.00 \[[^]]*\] \| undefined \|", md)


def test_undefined_and_zero_are_told_apart(full_report: Path) -> None:
    page = (full_report / "report.html").read_text(encoding="utf-8")
    relation_fig = page.split('<figure id="fig-f1_by_relation">')[1].split("</figure>")[0]
    assert "undef." in relation_fig and "undefined (0/0)" in relation_fig
    assert re.search(r">0<", relation_fig)  # a real zero is labelled 0
    n_fig = page.split('<figure id="fig-f1_by_n">')[1].split("</figure>")[0]
    assert "undefined" in n_fig  # the N = 2 group (no valid item) sits on the undefined lane
    assert '<td class="undef">undefined</td>' in page


def test_exports_figures_and_tables(full_report: Path) -> None:
    out = full_report
    for fig in ("f1_by_n", "f1_by_relation", "confusion", "paired", "failure-0"):
        png = (out / "figures" / f"{fig}.png").read_bytes()
        pdf = (out / "figures" / f"{fig}.pdf").read_bytes()
        assert png.startswith(b"\x89PNG") and pdf.startswith(b"%PDF"), fig
    rows = list(csv.reader((out / "tables" / "overall.csv").open(encoding="utf-8")))
    assert rows[0][:5] == ["run", "backend", "prompt", "n", "F1 [95% CI]"]
    assert [r[0] for r in rows[1:]] == ["uniform", "majority", "oracle"]
    assert rows[3][4].startswith("100.00")
    tex = (out / "tables" / "f1_by_relation.tex").read_text(encoding="utf-8")
    assert "\\toprule" in tex and "has\\_collider" in tex and "\\end{tabular}" in tex
    paired = list(csv.reader((out / "tables" / "paired.csv").open(encoding="utf-8")))
    assert paired[1][:3] == ["uniform − majority", "all", "8"]


def test_gallery_draws_the_class_and_a_witness(full_report: Path) -> None:
    page = (full_report / "report.html").read_text(encoding="utf-8")
    gallery = page.split('<section id="failures">')[1].split("</section>")[0]
    assert gallery.count('<div class="card">') == 4  # uniform and majority fail; oracle never
    assert gallery.count("class (CPDAG)") == 4
    assert "witness DAG: relation fails" in gallery  # an invalid item answered valid (uniform)
    assert "a member DAG (holds in all)" in gallery  # a valid item answered invalid
    assert "oracle:" not in gallery


def test_runs_on_different_data_are_flagged_and_not_paired(tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    evaluate("majority", make_items(8), out_dir=a, n_boot=0, run_info={"data_sha256": "1" * 64})
    evaluate("majority", make_items(16), out_dir=b, n_boot=0, run_info={"data_sha256": "2" * 64})
    _, html_path = write_report([a, b], tmp_path / "r", n_boot=20, figure_formats=())
    page = html_path.read_text(encoding="utf-8")
    assert 'id="data-warning"' in page and "different data" in page
    assert "Not compared: a vs b" in page
    _, html_path = write_report(
        [a, b], tmp_path / "r2", allow_different_data=True, n_boot=20, figure_formats=()
    )
    assert "Not compared" not in html_path.read_text(encoding="utf-8")


def test_without_matplotlib_the_tables_remain(tmp_path: Path, three_runs, monkeypatch) -> None:
    monkeypatch.setattr(report_mod, "_load_figures", lambda: None)  # as if not installed
    _, html_path = write_report(three_runs, tmp_path / "r", n_boot=20)
    page = html_path.read_text(encoding="utf-8")
    assert "<svg" not in page and "matplotlib is not installed" in page
    assert '<table id="table-overall">' in page
    assert not list((tmp_path / "r" / "figures").iterdir())


def test_same_inputs_give_byte_identical_output(tmp_path: Path, three_runs) -> None:
    from corr2cause.evaluation import figures

    pages = [
        write_report(
            three_runs[:2], tmp_path / out, generated="T", n_boot=50, gallery=1, figure_formats=()
        )[1].read_bytes()
        for out in ("r1", "r2")
    ]
    assert pages[0] == pages[1]  # inline SVG figures included
    fig = figures.failure_card("AB", ([(0, 1)], []), [(0, 1)], witness_title="w")
    a, b = (figures.save(fig, tmp_path / name, formats=("pdf", "png"))[0] for name in "ab")
    assert a.read_bytes() == b.read_bytes()


def test_labels_are_escaped_and_unique(tmp_path: Path) -> None:
    items = make_items(8)
    a, b = tmp_path / "x" / "<run>", tmp_path / "y" / "<run>"
    evaluate("majority", items, out_dir=a, n_boot=0)
    evaluate("majority", items, out_dir=b, n_boot=0)
    _, html_path = write_report([a, b], tmp_path / "r", figure_formats=())
    page = html_path.read_text(encoding="utf-8")
    assert "<run>" not in page and "x/&lt;run&gt;" in page and "y/&lt;run&gt;" in page


def test_missing_run_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ReportError, match=r"no metrics\.json"):
        write_report([tmp_path], tmp_path / "r")
    with pytest.raises(ReportError, match="no run"):
        write_report([], tmp_path / "r")


def test_graph_task_and_token_sections(tmp_path: Path) -> None:
    """A graph-task run gets its figure, table and the model's graph in the gallery; token
    counts in the predictions give the tokens-vs-F1 figure."""
    from corr2cause.evaluation.graph_task import grade_run

    data = _items_file(tmp_path)
    items = read_items(data)
    responses = tmp_path / "responses.jsonl"
    graph = {"directed": [["A", "C"], ["B", "C"]], "undirected": [], "answer": "Yes"}
    responses.write_text(
        "".join(json.dumps({"id": i.id, "response": json.dumps(graph)}) + "\n" for i in items)
    )
    run = tmp_path / "graph"
    evaluate(f"responses:{responses}", items, prompt="graph", out_dir=run, n_boot=0,
             run_info={"data": str(data)})  # fmt: skip
    grade_run(run, n_boot=0)
    predictions = run / "predictions.jsonl"
    rows = [json.loads(line) for line in predictions.open(encoding="utf-8")]
    for row in rows:
        row["completion_tokens"] = 100 * row["num_variables"]
    predictions.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    _, html_path = write_report([run], tmp_path / "r", n_boot=0, figure_formats=(), gallery=1)
    page = html_path.read_text(encoding="utf-8")
    section = page.split('<section id="graph-task">')[1].split("</section>")[0]
    assert '<figure id="fig-graph_task_by_n">' in section and 'id="table-graph_task"' in section
    assert "model's graph" in page
    # the harness could not read a verdict from JSON here; the gallery shows the graph answer
    assert "JSON answer yes, its own graph implies" in page
    reasoning = page.split('<section id="reasoning">')[1].split("</section>")[0]
    assert '<figure id="fig-tokens_vs_f1">' in reasoning and "mean completion tokens" in reasoning
