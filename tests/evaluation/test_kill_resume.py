"""A run killed with SIGKILL loses no completed response, and the rerun re-queries none of them.

The real CLI runs in a subprocess against an OpenAI-compatible server on 127.0.0.1. The test
kills it once some responses are committed, then reruns the same command and checks, on the
server side, that exactly the uncommitted items were asked again.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from corr2cause.evaluation.prompts import load_prompt
from corr2cause.testing.stub_server import StubOpenAIServer

from .conftest import make_items, stub_answer

SECRET = "sk-kill-test-SECRET-777"
N_ITEMS = 40


def _committed_ids(cache: Path) -> set[str]:
    if not cache.exists():
        return set()
    with sqlite3.connect(f"file:{cache}?mode=ro", uri=True, timeout=5) as db:
        try:
            return {row[0] for row in db.execute("SELECT item_id FROM responses")}
        except sqlite3.OperationalError:  # table not created yet
            return set()


def _command(data: Path, out: Path, base_url: str) -> list[str]:
    return [
        sys.executable, "-m", "corr2cause.cli.app", "evaluate",
        "--model", "openai:stub", "--base-url", base_url, "--data", str(data),
        "--out", str(out), "--concurrency", "4", "--max-retries", "0", "--quiet",
    ]  # fmt: skip


@pytest.mark.skipif(os.name != "posix", reason="needs SIGKILL")
def test_sigkill_loses_no_completed_response(tmp_path: Path) -> None:
    items = make_items(N_ITEMS)
    data = tmp_path / "items.jsonl"
    data.write_text(
        "".join(
            json.dumps({"id": i.id, "premise": i.premise, "hypothesis": i.hypothesis,
                        "label": i.label, "num_variables": i.num_variables,
                        "relation": i.relation}) + "\n"
            for i in items
        ),
        encoding="utf-8",
    )  # fmt: skip
    out = tmp_path / "run"
    cache = out / "cache.sqlite"
    env = {**os.environ, "OPENAI_API_KEY": SECRET, "HF_HUB_OFFLINE": "1"}
    prompt = load_prompt("direct")
    prompt_of = {prompt.render_user(0, item): item.id for item in items}

    with StubOpenAIServer(answer=stub_answer, delay_s=0.05, max_lifetime_s=120) as server:
        proc = subprocess.Popen(
            _command(data, out, server.base_url),
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + 60
        while len(_committed_ids(cache)) < 12:
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline, "no progress"
            time.sleep(0.02)
        os.kill(proc.pid, signal.SIGKILL)
        first_out, first_err = proc.communicate(timeout=30)
        assert proc.returncode == -signal.SIGKILL
        committed = _committed_ids(cache)
        assert 12 <= len(committed) < N_ITEMS
        asked_first = len(server.requests)

        server.reset_stats()
        rerun = subprocess.run(
            _command(data, out, server.base_url), env=env, capture_output=True, timeout=120
        )
        assert rerun.returncode == 0, rerun.stderr.decode()
        asked_again = [prompt_of[r.prompt] for r in server.requests]

    # nothing committed was asked again, everything else was asked exactly once
    assert set(asked_again).isdisjoint(committed)
    assert sorted(asked_again) == sorted({i.id for i in items} - committed)
    assert asked_first >= len(committed)
    summary = json.loads(rerun.stdout)
    assert summary["n"] == N_ITEMS and summary["from_cache"] == len(committed)
    assert summary["queried"] == N_ITEMS - len(committed)
    # the key never reached outputs, logs or the cache
    for blob in (first_out, first_err, rerun.stdout, rerun.stderr):
        assert SECRET.encode() not in blob
    for path in out.iterdir():
        assert SECRET.encode() not in path.read_bytes(), path.name
