"""Atomic outputs: files and folders appear whole or not at all."""

from __future__ import annotations

import json

import pytest

from corr2cause.atomic import (
    atomic_write_bytes,
    atomic_writer,
    staged_directory,
    write_json,
    write_jsonl,
)


def test_atomic_writer_keeps_old_content_on_failure(tmp_path):
    path = tmp_path / "out.jsonl"
    path.write_text("old\n")
    with pytest.raises(RuntimeError), atomic_writer(path) as fh:
        fh.write("partial")
        raise RuntimeError("boom")
    assert path.read_text() == "old\n"
    with atomic_writer(path) as fh:
        fh.write("new\n")
    assert path.read_text() == "new\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.jsonl"]


def test_atomic_files_get_the_usual_mode_and_content(tmp_path):
    import os

    umask = os.umask(0o022)
    try:
        atomic_write_bytes(tmp_path / "a.bin", b"\x00\x01")
        write_json(tmp_path / "b.json", {"x": 1})
        write_jsonl(tmp_path / "c.jsonl", [{"a": 1}, {"b": "é"}])
    finally:
        os.umask(umask)
    assert (tmp_path / "a.bin").read_bytes() == b"\x00\x01"
    assert (tmp_path / "a.bin").stat().st_mode & 0o777 == 0o644
    assert json.loads((tmp_path / "b.json").read_text()) == {"x": 1}
    rows = [json.loads(line) for line in (tmp_path / "c.jsonl").read_text().splitlines()]
    assert rows == [{"a": 1}, {"b": "é"}]


def test_staged_directory_replaces_only_on_success(tmp_path):
    out = tmp_path / "out"
    with staged_directory(out) as stage:
        (stage / "f").write_text("one")
    assert (out / "f").read_text() == "one"
    with pytest.raises(FileExistsError), staged_directory(out):
        pass
    with pytest.raises(ValueError), staged_directory(out, overwrite=True) as stage:
        (stage / "f").write_text("two")
        raise ValueError("boom")
    assert (out / "f").read_text() == "one"
    with staged_directory(out, overwrite=True) as stage:
        (stage / "g").write_text("two")
    assert sorted(p.name for p in out.iterdir()) == ["g"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]
