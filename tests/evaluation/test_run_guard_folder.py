"""``evaluate --out DIR``: a non-empty folder that holds no run is refused, not written into.

A run folder is empty, or holds a ``run.json`` (then its identity decides: resume or refuse),
or holds only what a run writes before its ``run.json`` (the lock and the response cache of a
run killed at its start). Anything else is someone else's folder: refused with a message
naming it (exit 2 through the CLI), before a single file is written, unless ``--overwrite``,
which writes the run there and deletes nothing it did not write.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from corr2cause.cli.app import app
from corr2cause.evaluation import evaluate
from corr2cause.evaluation.run_guard import (
    LOCK_NAME,
    RunFolderError,
    foreign_entries,
    guard_run,
)

from .conftest import make_items

runner = CliRunner()


def _files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def test_a_folder_with_other_files_is_refused_and_left_untouched(tmp_path: Path) -> None:
    out = tmp_path / "mine"
    out.mkdir()
    (out / "notes.txt").write_text("my notes")
    (out / "sub").mkdir()
    before = _files(out / "sub") | {"notes.txt": b"my notes"}
    with pytest.raises(RunFolderError, match=r"--out .*mine is not empty .*notes\.txt, sub"):
        evaluate("majority", make_items(4), out_dir=out, n_boot=0)
    assert sorted(p.name for p in out.iterdir()) == ["notes.txt", "sub"]  # no lock, no cache
    assert (out / "notes.txt").read_bytes() == before["notes.txt"]


def test_overwrite_writes_into_it_and_deletes_nothing_foreign(tmp_path: Path) -> None:
    out = tmp_path / "mine"
    out.mkdir()
    (out / "notes.txt").write_text("my notes")
    metrics = evaluate("majority", make_items(4), out_dir=out, n_boot=0, overwrite=True)
    assert metrics["n"] == 4
    assert (out / "notes.txt").read_text() == "my notes"
    assert json.loads((out / "run.json").read_text())["status"] == "complete"
    # now it is a run: the same experiment resumes without --overwrite
    again = evaluate("majority", make_items(4), out_dir=out, n_boot=0)
    assert again["run"]["queried"] == 0


@pytest.mark.parametrize(
    "leftovers", [[], [LOCK_NAME], [LOCK_NAME, "cache.sqlite"], ["cache.sqlite-wal"]]
)
def test_what_a_run_leaves_before_run_json_is_not_foreign(
    tmp_path: Path, leftovers: list[str]
) -> None:
    out = tmp_path / "run"
    out.mkdir()
    for name in leftovers:
        (out / name).write_bytes(b"")
    assert foreign_entries(out) == []
    with guard_run(out, {"x": 1}) as held:
        assert held == out


def test_a_run_json_makes_it_a_run_whatever_else_is_there(tmp_path: Path) -> None:
    out = tmp_path / "run"
    evaluate("majority", make_items(4), out_dir=out, n_boot=0)
    (out / "report.md").write_text("written by me after the run")
    assert foreign_entries(out) == []
    assert evaluate("majority", make_items(4), out_dir=out, n_boot=0)["run"]["queried"] == 0


def test_the_cli_refuses_with_exit_2_naming_the_folder(tmp_path: Path) -> None:
    data = tmp_path / "items.jsonl"
    data.write_text(
        "".join(
            json.dumps({"id": i.id, "input": i.input, "label": i.label, "num_variables": 3}) + "\n"
            for i in make_items(4)
        )
    )
    out = tmp_path / "dataset-folder"
    out.mkdir()
    (out / "train.csv").write_text("input,label\n")
    args = ["evaluate", "--model", "majority", "--data", str(data), "--out", str(out)]
    res = runner.invoke(app, [*args, "--bootstrap", "0"])
    assert res.exit_code == 2, res.output
    assert "dataset-folder is not empty and holds no evaluation run" in res.output
    assert "--overwrite" in res.output
    assert sorted(p.name for p in out.iterdir()) == ["train.csv"]
    res = runner.invoke(app, [*args, "--bootstrap", "0", "--overwrite"])
    assert res.exit_code == 0, res.output
    assert (out / "train.csv").read_text() == "input,label\n"
    assert {"run.json", "metrics.json", "predictions.jsonl"} <= {p.name for p in out.iterdir()}
