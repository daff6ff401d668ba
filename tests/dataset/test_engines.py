"""Local engine workers never outlive their parent, even after ``kill -9``."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from corr2cause.dataset.engines import LocalEngine

POOL = """
import time
from corr2cause.dataset.engines import LocalEngine

def nap(k):
    print("worker", flush=True)
    time.sleep(120)
    return k

if __name__ == "__main__":
    for _ in LocalEngine(2).map_unordered(nap, [1, 2]):
        pass
"""


def _children(pid: int) -> set[int]:
    found = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            status = (entry / "status").read_text()
        except OSError:
            continue
        fields = dict(line.split(":\t", 1) for line in status.splitlines() if ":\t" in line)
        if fields.get("PPid", "").strip() == str(pid):
            found.add(int(entry.name))
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state not in ("Z", "X")  # a zombie has ended; only its exit status is left


def _wait(predicate, limit_s: float) -> bool:
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return predicate()


def _kill_parent_and_check_workers(proc: subprocess.Popen[bytes], wait_for_s: float) -> None:
    try:
        assert _wait(lambda: len(_children(proc.pid)) >= 2, wait_for_s), "no workers started"
        workers = _children(proc.pid)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        assert _wait(lambda: not any(_alive(w) for w in workers), 10.0), "workers outlived parent"
    finally:
        proc.kill()
        for w in _children(proc.pid):
            os.kill(w, signal.SIGKILL)


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="needs /proc to find the workers")
def test_pool_workers_die_with_a_killed_parent(tmp_path: Path) -> None:
    script = tmp_path / "pool.py"
    script.write_text(POOL)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    proc = subprocess.Popen([sys.executable, str(script)], env=env, stdout=subprocess.DEVNULL)
    _kill_parent_and_check_workers(proc, 30.0)


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc").is_dir(), reason="needs /proc to find the workers")
def test_generate_workers_die_with_a_killed_parent(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    command = [sys.executable, "-m", "corr2cause.cli.app", "generate", "--out",
               str(tmp_path / "data"), "--nodes", "2-6", "--layout", "normalized",
               "--workers", "2", "--shard-size", "20", "-q"]  # fmt: skip
    proc = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _kill_parent_and_check_workers(proc, 120.0)


def test_results_are_unchanged_by_the_worker_initializer() -> None:
    assert sorted(LocalEngine(2).map_unordered(abs, [-1, -2, -3])) == [(0, 1), (1, 2), (2, 3)]
