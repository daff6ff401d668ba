"""Atomic outputs: files and folders appear whole or not at all."""

from __future__ import annotations

import json
import os
from pathlib import Path

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


def _no_debris(folder):
    return [p.name for p in folder.iterdir() if ".partial-" in p.name or ".old-" in p.name]


@pytest.mark.parametrize("overwrite", [False, True])
def test_a_folder_that_cannot_be_renamed_is_filled_in_place(tmp_path, monkeypatch, overwrite):
    import errno
    import os

    out = tmp_path / "volume"
    out.mkdir()
    if overwrite:
        (out / "old.txt").write_text("old")
    real = os.replace

    def busy(src, dst):
        if os.fspath(src) == os.fspath(out) or os.fspath(dst) == os.fspath(out):
            raise OSError(errno.EBUSY, "Device or resource busy", os.fspath(out))
        return real(src, dst)

    monkeypatch.setattr(os, "replace", busy)
    with staged_directory(out, overwrite=overwrite) as stage:
        (stage / "f").write_text("new")
        (stage / "sub").mkdir()
    assert sorted(p.name for p in out.iterdir()) == ["f", "sub"]
    assert _no_debris(out) == [] and _no_debris(tmp_path) == []


def test_out_dot_writes_into_the_current_folder(tmp_path, monkeypatch):
    here = tmp_path / "here"
    here.mkdir()
    monkeypatch.chdir(here)
    with staged_directory(".") as stage:
        (stage / "f").write_text("x")
    assert sorted(p.name for p in here.iterdir()) == ["f"]
    assert _no_debris(tmp_path) == []
    with pytest.raises(RuntimeError), staged_directory(".", overwrite=True) as stage:
        (stage / "g").write_text("y")
        raise RuntimeError("boom")
    assert sorted(p.name for p in here.iterdir()) == ["f"]


def test_a_real_mount_point_is_filled_in_place(small_tmpfs, tmp_path):
    point = small_tmpfs("vol", size="4m")
    with staged_directory(point) as stage:
        (stage / "f").write_text("x")
    assert sorted(p.name for p in point.iterdir()) == ["f"]
    with staged_directory(point, overwrite=True) as stage:
        (stage / "g").write_text("y")
    assert sorted(p.name for p in point.iterdir()) == ["g"]
    assert _no_debris(tmp_path) == []


def test_a_full_disk_leaves_nothing_behind(small_tmpfs):
    from fixtures.disk import fill_disk

    point = small_tmpfs("full", size="1m")
    out = point / "out"
    fill_disk(point)
    with pytest.raises(OSError), staged_directory(out) as stage:
        (stage / "f").write_bytes(b"x" * 100_000)
    assert sorted(p.name for p in point.iterdir()) == [".ballast"]


NOBODY_SCRIPT = """
import os, sys
from pathlib import Path
from corr2cause.atomic import staged_directory
out = Path(sys.argv[1])
with staged_directory(out, overwrite=True) as stage:
    (stage / "f").write_text("x")
print(sorted(p.name for p in out.iterdir()))
"""


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="needs root")
def test_an_empty_folder_in_a_read_only_parent_is_filled_in_place_by_a_normal_user():
    """The 555-parent case as an ordinary user (root ignores the mode bits)."""
    import shutil
    import subprocess
    import sys
    import tempfile

    base = Path(tempfile.mkdtemp(prefix="c2c-555-"))
    try:
        os.chmod(base, 0o755)
        parent = base / "parent"
        out = parent / "out"
        out.mkdir(parents=True)
        os.chown(out, 65534, 65534)  # nobody owns the folder, not its parent
        os.chmod(parent, 0o555)
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(os.path.abspath(p) for p in sys.path)}

        def drop() -> None:
            os.setgid(65534)
            os.setuid(65534)

        try:
            done = subprocess.run(
                [sys.executable, "-c", NOBODY_SCRIPT, str(out)],
                capture_output=True,
                text=True,
                env=env,
                preexec_fn=drop,
                cwd="/",
            )
        except PermissionError:
            pytest.skip(f"{sys.executable} cannot be run by nobody")
        if "Permission denied" in done.stderr and "site-packages" in done.stderr:
            pytest.skip("the interpreter is not readable by nobody")
        assert done.returncode == 0, done.stderr[-2000:]
        assert done.stdout.strip() == "['f']"
        assert sorted(p.name for p in parent.iterdir()) == ["out"]
    finally:
        os.chmod(base / "parent", 0o755)
        shutil.rmtree(base, ignore_errors=True)


def test_an_unwritable_parent_is_never_staged_in(tmp_path, monkeypatch):
    """The 555-parent case as the library sees it (``os.access`` says no), for any user."""
    parent = tmp_path / "parent"
    out = parent / "out"
    out.mkdir(parents=True)
    (out / "old").write_text("old")
    real = os.access
    monkeypatch.setattr(os, "access", lambda p, m: False if Path(p) == parent else real(p, m))
    real_mkdtemp = __import__("tempfile").mkdtemp
    homes = []

    def spy(*args, **kwargs):
        homes.append(Path(kwargs["dir"]))
        return real_mkdtemp(*args, **kwargs)

    monkeypatch.setattr("tempfile.mkdtemp", spy)
    with staged_directory(out, overwrite=True) as stage:
        (stage / "f").write_text("x")
    assert parent not in homes
    assert sorted(p.name for p in out.iterdir()) == ["f"]
    assert sorted(p.name for p in parent.iterdir()) == ["out"]
    with pytest.raises(PermissionError, match="parent"), staged_directory(parent / "new"):
        pass
