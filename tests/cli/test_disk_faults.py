"""A full disk and a read-only file system, for real (a small tmpfs; skipped where not permitted).

Every writing command must exit 2 with a message that says what happened and where, and leave
nothing half-written: no partial folder, no report.md without report.html, no run.json that
still says ``running``.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from corr2cause.cli.app import app
from fixtures.disk import fill_disk

runner = CliRunner()

PREMISE = (
    "Suppose there is a closed system of 2 variables, A and B. All the statistical relations "
    "among these 2 variables are as follows: A correlates with B."
)


@pytest.fixture()
def data(tmp_path: Path) -> Path:
    path = tmp_path / "test.csv"
    path.write_text(
        "input,label,num_variables,template\n"
        f'"Premise: {PREMISE}\nHypothesis: A directly causes B.",0,2,parent\n'
        f'"Premise: {PREMISE}\nHypothesis: B directly causes A.",0,2,child\n',
        encoding="utf-8",
    )
    return path


@pytest.fixture()
def full(small_tmpfs) -> Path:
    point = small_tmpfs("full", size="256k")
    fill_disk(point)
    return point


def _invoke(*argv: str | Path) -> tuple[int, str]:
    result = runner.invoke(app, [str(a) for a in argv])
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.output


def _files(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())


def test_generate_on_a_full_disk(full: Path) -> None:
    code, text = _invoke("generate", "--out", full / "data", "--nodes", "2-4", "-q")
    assert code == 2 and "No space left on device" in text and "Traceback" not in text
    assert _files(full) == [".ballast"] and not (full / "data").exists()


def test_evaluate_on_a_full_disk(full: Path, data: Path) -> None:
    code, text = _invoke("evaluate", "-m", "oracle", "--data", data, "--out", full / "run", "-q")
    assert code == 2 and "Traceback" not in text
    assert "No space left on device" in text or "disk is full" in text
    assert not (full / "run" / "predictions.jsonl").exists()
    assert not (full / "run" / "metrics.json").exists()
    run_json = full / "run" / "run.json"
    if run_json.exists():
        assert json.loads(run_json.read_text())["status"] == "failed"


def test_evaluate_and_its_cache_on_a_read_only_file_system(
    small_tmpfs, data: Path, tmp_path: Path
) -> None:
    ro = small_tmpfs("ro", read_only=True)
    code, text = _invoke("evaluate", "-m", "oracle", "--data", data, "--out", ro / "run", "-q")
    assert code == 2 and "Read-only file system" in text and str(ro / "run") in text
    code, text = _invoke(
        "evaluate", "-m", "oracle", "--data", data, "--out", tmp_path / "run",
        "--cache", ro / "cache.sqlite", "-q",
    )  # fmt: skip
    assert code == 2 and "Read-only file system" in text and "Traceback" not in text


def test_report_on_a_full_disk_writes_neither_file(full: Path, data: Path, tmp_path: Path) -> None:
    code, _ = _invoke("evaluate", "-m", "oracle", "--data", data, "--out", tmp_path / "run", "-q")
    assert code == 0
    (full / "rep").mkdir()
    code, text = _invoke("report", tmp_path / "run", "--out", full / "rep")
    assert code == 2 and "No space left on device" in text
    assert _files(full) == [".ballast"]


def test_report_never_leaves_markdown_without_html(tmp_path: Path, data: Path, monkeypatch) -> None:
    import corr2cause.evaluation.report as report

    code, _ = _invoke("evaluate", "-m", "oracle", "--data", data, "--out", tmp_path / "run", "-q")
    assert code == 0
    real = report._page

    def broken(*args: object, **kwargs: object) -> str:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(report, "_page", broken)
    code, _ = _invoke("report", tmp_path / "run", "--out", tmp_path / "rep")
    assert code == 2 and not (tmp_path / "rep" / "report.md").exists()
    monkeypatch.setattr(report, "_page", real)
    code, _ = _invoke("report", tmp_path / "run", "--out", tmp_path / "rep")
    assert code == 0
    assert [f for f in _files(tmp_path / "rep") if f.startswith("report")] == [
        "report.html",
        "report.md",
    ]


def test_export_hf_on_a_full_disk(full: Path, tmp_path: Path) -> None:
    code, _ = _invoke("generate", "--out", tmp_path / "data", "--nodes", "2-3", "-q")
    assert code == 0
    code, text = _invoke("export-hf", tmp_path / "data", "--out", full / "hf", "-q")
    assert code == 2 and "No space left on device" in text and "Traceback" not in text
    assert _files(full) == [".ballast"] and not (full / "hf").exists()


@pytest.mark.parametrize("layout", ["flat", "normalized"])
def test_generate_into_the_current_folder(tmp_path: Path, monkeypatch, layout: str) -> None:
    here = tmp_path / "here"
    here.mkdir()
    monkeypatch.chdir(here)
    code, text = _invoke("generate", "--out", ".", "--nodes", "2", "--layout", layout, "-q")
    assert code == 0, text
    assert (here / "manifest.json").is_file()
    debris = [p.name for p in tmp_path.rglob("*") if ".partial" in p.name or ".old-" in p.name]
    assert debris == []


def test_generate_and_export_into_an_empty_mount_point(small_tmpfs, tmp_path: Path) -> None:
    volume = small_tmpfs("volume", size="8m")
    code, text = _invoke("generate", "--out", volume, "--nodes", "2-3", "-q")
    assert code == 0, text
    assert (volume / "manifest.json").is_file()
    other = small_tmpfs("volume2", size="8m")
    code, text = _invoke("export-hf", volume, "--out", other, "-q")
    assert code == 0, text
    for folder in (tmp_path, volume, other):
        assert [p.name for p in folder.iterdir() if ".partial" in p.name or ".old-" in p.name] == []
