"""Run folders: one process at a time (lock), one identity per folder, no ``running`` leftovers."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

from corr2cause.evaluation import evaluate
from corr2cause.evaluation.backends.base import Backend, Request, Response
from corr2cause.evaluation.cache import CacheError, ResponseCache
from corr2cause.evaluation.run_guard import (
    LOCK_NAME,
    RunIdentityError,
    RunLockedError,
    guard_run,
)

HOLDER = """
import json, pathlib, sys, time
from corr2cause.evaluation.run_guard import guard_run
manifest = pathlib.Path(sys.argv[1]) / "run.json"
identity = json.loads(manifest.read_text())["identity"] if manifest.exists() else {"x": 1}
with guard_run(sys.argv[1], identity, cache_path=sys.argv[2] if len(sys.argv) > 2 else None):
    print("held", flush=True)
    time.sleep(60)
"""


@pytest.fixture()
def holder(tmp_path: Path) -> Iterator[callable]:
    procs: list[subprocess.Popen[str]] = []

    def start(*args: str) -> subprocess.Popen[str]:
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
        proc = subprocess.Popen(
            [sys.executable, "-c", HOLDER, *args], stdout=subprocess.PIPE, text=True, env=env
        )
        procs.append(proc)
        assert proc.stdout is not None and proc.stdout.readline().strip() == "held"
        return proc

    yield start
    for proc in procs:
        proc.kill()
        proc.wait()


def test_a_second_process_refuses_at_once_naming_the_holder(tmp_path: Path, holder, items) -> None:
    out = tmp_path / "run"
    proc = holder(str(out))
    started = time.monotonic()
    with pytest.raises(RunLockedError, match=rf"PID {proc.pid}\b"):
        evaluate("oracle", items, out_dir=out, n_boot=0)
    assert time.monotonic() - started < 5
    assert not (out / "predictions.jsonl").exists()
    # kill -9 releases the lock with the process: the next run simply takes it
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    metrics = evaluate("oracle", items, out_dir=out, n_boot=0)
    assert metrics["n"] == len(items)
    assert (out / LOCK_NAME).exists()


def test_a_shared_cache_outside_the_run_folder_is_locked_too(tmp_path: Path, holder, items) -> None:
    cache = tmp_path / "shared" / "cache.sqlite"
    proc = holder(str(tmp_path / "other-run"), str(cache))
    with pytest.raises(RunLockedError, match=rf"response cache .*PID {proc.pid}"):
        evaluate("oracle", items, out_dir=tmp_path / "run", cache=cache, n_boot=0)


def test_sequential_runs_in_one_process_release_the_lock(tmp_path: Path, items) -> None:
    for _ in range(2):
        evaluate("oracle", items, out_dir=tmp_path / "run", n_boot=0)
    with guard_run(tmp_path / "run", {"a": 1}, overwrite=True):
        pass


def test_a_run_folder_belongs_to_one_identity(tmp_path: Path, items) -> None:
    out = tmp_path / "run"
    first = evaluate("oracle", items, out_dir=out, n_boot=0)
    again = evaluate("oracle", items, out_dir=out, n_boot=0)  # resuming: same identity
    assert again["run"]["from_cache"] == len(items) and again["f1"] == first["f1"]
    before = (out / "predictions.jsonl").read_bytes()
    for kwargs, what in (
        ({"backend": "majority"}, "model oracle -> majority"),
        ({"items": items[:3]}, "data"),
        ({"n_boot": 5}, "bootstrap"),
    ):
        call = {"backend": "oracle", "items": items, "n_boot": 0, **kwargs}
        with pytest.raises(RunIdentityError, match=what):
            evaluate(call.pop("backend"), call.pop("items"), out_dir=out, **call)
        assert (out / "predictions.jsonl").read_bytes() == before
    metrics = evaluate("majority", items, out_dir=out, n_boot=0, overwrite=True)
    manifest = json.loads((out / "run.json").read_text())
    assert manifest["identity"]["backend"]["spec"] == "majority"
    assert metrics["run"]["backend"] == "majority"


def test_out_that_is_a_file_is_a_clear_error(tmp_path: Path, items) -> None:
    out = tmp_path / "file.txt"
    out.write_text("keep me")
    with pytest.raises(RunIdentityError, match="not a folder"):
        evaluate("oracle", items, out_dir=out, n_boot=0)
    assert out.read_text() == "keep me"


class _Broken(Backend):
    name = "broken"
    uses_prompt = False

    def stream(
        self, requests: Sequence[Request], *, concurrency: int = 1
    ) -> Iterator[tuple[int, Response]]:
        yield 0, Response(text="Yes")
        raise RuntimeError("the model server fell over")


def test_run_json_never_stays_running_after_a_failure(tmp_path: Path, items) -> None:
    with pytest.raises(RuntimeError):
        evaluate(_Broken(), items, out_dir=tmp_path / "run", n_boot=0)
    manifest = json.loads((tmp_path / "run" / "run.json").read_text())
    assert manifest["status"] == "failed"
    assert "fell over" in manifest["error"]


def test_a_failure_after_the_requests_is_recorded_too(tmp_path: Path, items, monkeypatch) -> None:
    import corr2cause.evaluation.runner as runner

    def full(*args: object, **kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(runner, "write_jsonl", full)
    with pytest.raises(OSError, match="No space"):
        evaluate("oracle", items, out_dir=tmp_path / "run", n_boot=0)
    manifest = json.loads((tmp_path / "run" / "run.json").read_text())
    assert manifest["status"] == "failed" and "No space" in manifest["error"]


def test_cache_database_errors_are_clear(tmp_path: Path) -> None:
    garbage = tmp_path / "cache.sqlite"
    garbage.write_bytes(b"\x00not a database" * 100)
    with pytest.raises(CacheError, match=r"cache\.sqlite"):
        ResponseCache(garbage)
    with pytest.raises(CacheError, match="response cache"):
        ResponseCache(tmp_path)  # a folder


def test_database_or_disk_is_full_is_a_cache_error(tmp_path: Path, monkeypatch) -> None:
    cache = ResponseCache(tmp_path / "c.sqlite")

    class Full:
        def execute(self, *args: object) -> None:
            raise sqlite3.OperationalError("database or disk is full")

        def close(self) -> None:
            pass

    monkeypatch.setattr(cache, "_db", Full())
    with pytest.raises(CacheError, match="database or disk is full"):
        cache.put("k", Response(text="Yes"), backend="b", item_id="1")


def test_the_cli_refuses_another_identity_and_overwrite_replaces_it(tmp_path: Path, holder) -> None:
    from typer.testing import CliRunner

    from corr2cause.cli.app import app

    premise = (
        "Suppose there is a closed system of 2 variables, A and B. All the statistical "
        "relations among these 2 variables are as follows: A correlates with B."
    )
    data = tmp_path / "test.csv"
    data.write_text(
        f'input,label\n"Premise: {premise}\nHypothesis: A directly causes B.",0\n',
        encoding="utf-8",
    )
    out = tmp_path / "run"
    cli = CliRunner()

    def run(*extra: str) -> tuple[int, str]:
        argv = ["evaluate", "--data", str(data), "--out", str(out), "-q", *extra]
        result = cli.invoke(app, argv)
        return result.exit_code, result.output

    assert run("-m", "oracle")[0] == 0
    code, text = run("-m", "majority")
    assert code == 2 and "holds another run" in text and "--overwrite" in text
    assert run("-m", "majority", "--overwrite")[0] == 0
    assert json.loads((out / "run.json").read_text())["backend"]["spec"] == "majority"
    proc = holder(str(out))
    code, text = run("-m", "majority")
    assert code == 2 and f"PID {proc.pid}" in text
