"""``corr2cause report``, ``compare`` and ``grade-graph`` through the real CLI entry point."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from corr2cause.cli.app import app
from corr2cause.solver import Solver

runner = CliRunner()

PREMISE = (
    "Suppose there is a closed system of 3 variables, A, B and C. All the statistical relations "
    "among these 3 variables are as follows: A correlates with C. B correlates with C. However, "
    "A is independent of B."
)
HYPOTHESES = [("A directly causes C.", 1), ("C directly causes A.", 0)]


def _data(tmp_path: Path) -> Path:
    path = tmp_path / "test.csv"
    lines = ["input,label"]
    for hypothesis, label in HYPOTHESES:
        lines.append(f'"Premise: {PREMISE}\nHypothesis: {hypothesis}",{label}')
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _run(*args: str) -> dict:
    res = runner.invoke(app, list(args))
    assert res.exit_code == 0, res.output
    return json.loads(res.output)


def test_report_compare_and_grade_graph(tmp_path: Path) -> None:
    data = _data(tmp_path)
    for model in ("oracle", "majority"):
        _run("evaluate", "-m", model, "-d", str(data), "-o", str(tmp_path / model), "--quiet")
    got = _run(
        "report", str(tmp_path / "oracle"), str(tmp_path / "majority"), "-o",
        str(tmp_path / "r"), "--formats", "", "--gallery", "1", "--bootstrap", "50",
    )  # fmt: skip
    page = Path(got["html"]).read_text(encoding="utf-8")
    assert 'id="paired"' in page and "oracle − majority" in page
    assert not list((tmp_path / "r" / "figures").iterdir())
    comp = _run(
        "compare", str(tmp_path / "oracle"), str(tmp_path / "majority"), "--bootstrap", "50"
    )
    assert comp["mcnemar"]["only_a"] == 1 and comp["f1"]["diff"] == 100.0

    truth = Solver().solve(PREMISE, HYPOTHESES[0][0]).reconstruction
    names = truth.names
    graph = {
        "directed": [[names[u], names[v]] for u, v in truth.cpdag.directed_edges()],
        "undirected": [],
        "answer": "Yes",
    }
    ids = [json.loads(line)["id"] for line in (tmp_path / "oracle" / "predictions.jsonl").open()]
    responses = tmp_path / "responses.jsonl"
    responses.write_text(
        "".join(json.dumps({"id": i, "response": json.dumps(graph)}) + "\n" for i in ids)
    )
    _run("evaluate", "-m", f"responses:{responses}", "-d", str(data), "--prompt", "graph",
         "-o", str(tmp_path / "graph"), "--quiet")  # fmt: skip
    graded = _run("grade-graph", str(tmp_path / "graph"), "--bootstrap", "0")
    assert graded["exact_cpdag"] == 100.0 and graded["graphs_parsed"] == 2
    # "Yes" follows from the true CPDAG for "A directly causes C" but not for "C causes A"
    assert graded["consistent"] == 50.0


def test_compare_refuses_other_data_with_one_message(tmp_path: Path) -> None:
    data = _data(tmp_path)
    _run("evaluate", "-m", "oracle", "-d", str(data), "-o", str(tmp_path / "a"), "--quiet")
    other = tmp_path / "other.csv"
    other.write_text(data.read_text(encoding="utf-8").replace(",0\n", ",1\n"), encoding="utf-8")
    _run("evaluate", "-m", "oracle", "-d", str(other), "-o", str(tmp_path / "b"), "--quiet")
    res = runner.invoke(app, ["compare", str(tmp_path / "a"), str(tmp_path / "b")])
    assert res.exit_code == 2 and "different data" in res.output
