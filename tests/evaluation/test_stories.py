"""Stories: a model names the variables, the templates write the items, the solver checks them.

Every test runs offline against the OpenAI-compatible stub server on 127.0.0.1.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
import zlib
from pathlib import Path

import pytest

from corr2cause.dataset.generate import GenerationConfig, generate_dataset
from corr2cause.dataset.readers import read_items
from corr2cause.dataset.themes import load_theme
from corr2cause.evaluation.runner import evaluate
from corr2cause.evaluation.stories import (
    REJECTION_REASONS,
    StoryError,
    load_story_prompt,
    read_story_reply,
    write_stories,
)
from corr2cause.solver import Solver, parse_premise
from corr2cause.testing.stub_server import StubOpenAIServer, StubReply

SECRET = "sk-story-test-SECRET-42"
NAMES = load_theme("medicine").names
_N = re.compile(r"exercise about (\d+) variables")


@pytest.fixture(scope="module")
def items_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The generated N = 2..3 items (102 items, 7 premises) as a rich JSONL table."""
    out = tmp_path_factory.mktemp("stories-data") / "data"
    generate_dataset(out, GenerationConfig(nodes=[2, 3], formats=["jsonl"]))
    return out / "original" / "items.jsonl"


@pytest.fixture(autouse=True)
def _api_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", SECRET)


def _letters(prompt: str) -> list[str]:
    n = int(_N.search(prompt).group(1))  # type: ignore[union-attr]
    return [chr(65 + i) for i in range(n)]


def good_answer(prompt: str) -> str:
    """Distinct medicine names, chosen by a hash of the prompt, and a context."""
    letters = _letters(prompt)
    start = zlib.crc32(prompt.encode()) % len(NAMES)
    names = {v: NAMES[(start + 7 * k) % len(NAMES)] for k, v in enumerate(letters)}
    return "Sure! ```json\n" + json.dumps({"names": names, "context": "A clinic."}) + "\n```"


# what a faulty server does with a premise, by a hash of the prompt
FAULTS = ("ok", "no_json", "missing_names", "unparseable_name", "duplicate_names", "request_failed")


def _fault(prompt: str) -> str:
    return FAULTS[zlib.crc32(prompt.encode()) % len(FAULTS)]


def faulty_answer(prompt: str) -> str:
    letters, fault = _letters(prompt), _fault(prompt)
    if fault == "no_json":
        return "I would rather write a poem."
    names = json.loads(good_answer(prompt).split("```json\n")[1].split("\n```")[0])["names"]
    if fault == "missing_names":
        del names[letters[-1]]
    elif fault == "unparseable_name":
        names[letters[0]] = "supply and demand"
    elif fault == "duplicate_names":
        names[letters[1]] = names[letters[0]].upper()
    return json.dumps({"names": names, "context": "x"})


def faulty_responder(request):  # type: ignore[no-untyped-def]
    if _fault(request.prompt) == "request_failed":
        return StubReply(status=503, body={"error": {"message": "overloaded"}})
    return None


def _run(server: StubOpenAIServer, data, out: Path, **kw):  # type: ignore[no-untyped-def]
    return write_stories(
        "openai:stub",
        data,
        out_dir=out,
        backend_options={"base_url": server.base_url, "max_retries": 0},
        concurrency=4,
        **kw,
    )


def test_verified_stories_keep_every_label_and_the_solver_agrees(items_file, tmp_path):
    with StubOpenAIServer(answer=good_answer, max_lifetime_s=120) as server:
        report = _run(server, items_file, tmp_path / "s")
        asked = len(server.requests)
    source = read_items(items_file)
    premises = {i.premise for i in source}
    assert asked == report["stories"] == report["accepted"] == len(premises) == 7
    assert report["rejected"] == dict.fromkeys(REJECTION_REASONS, 0)
    stories = read_items(tmp_path / "s" / "stories.jsonl")
    assert len(stories) == report["story_items"] == len(source)
    by_id = {i.id: i for i in source}
    rows = [json.loads(x) for x in (tmp_path / "s" / "stories.jsonl").read_text().splitlines()]
    source_rows = {r["id"]: r for r in map(json.loads, items_file.read_text().splitlines())}
    solver = Solver()
    for story, row in zip(stories, rows, strict=True):
        src = by_id[row["source_id"]]
        assert story.label == src.label and story.relation == src.relation
        assert row["verified"] is True and row["context"] == "A clinic."
        # independent re-check: solve the story text from scratch
        assert solver.solve(story.premise, story.hypothesis).label == src.label
        names = parse_premise(story.premise).names
        assert list(names) == list(row["names"].values()) and set(names) <= set(NAMES)
        assert parse_premise(story.premise).key[1:] == parse_premise(src.premise).key[1:]
        # the generator's columns, carried over: the pair renamed, the class and the exact
        # share of member DAGs, which a renaming cannot change
        gen = source_rows[row["source_id"]]
        assert (row["node_i"], row["node_j"]) == (
            row["names"][gen["node_i"]],
            row["names"][gen["node_j"]],
        )
        assert (row["fraction"], row["mec_id"], row["split"]) == (
            gen["fraction"],
            gen["mec_id"],
            gen["split"],
        )
    # the story set loads in evaluate like any other items file
    metrics = evaluate(
        "oracle", tmp_path / "s" / "stories.jsonl", out_dir=tmp_path / "ev", n_boot=0
    )
    assert metrics["n"] == len(source) and metrics["accuracy"] == 100.0
    for path in (tmp_path / "s").iterdir():
        assert SECRET.encode() not in path.read_bytes(), path.name


def test_bad_stories_are_rejected_and_counted(items_file, tmp_path):
    source = read_items(items_file)
    flipped = source[0]  # a wrong gold label makes the story disagree with the solver
    items = [dataclasses.replace(flipped, label=1 - flipped.label), *source[1:]]
    with StubOpenAIServer(
        answer=faulty_answer, responder=faulty_responder, max_lifetime_s=120
    ) as server:
        report = _run(server, items, tmp_path / "s")
        faults = {r.prompt: _fault(r.prompt) for r in server.requests}
    expected = dict.fromkeys(REJECTION_REASONS, 0)
    for fault in faults.values():
        if fault != "ok":
            expected[fault] += 1
    flipped_prompt = next(p for p in faults if flipped.premise in p)
    if faults[flipped_prompt] == "ok":
        expected["class_changed"] += 1
    assert report["rejected"] == expected
    assert report["accepted"] == 7 - sum(expected.values())
    rejected = [json.loads(x) for x in (tmp_path / "s/rejected.jsonl").read_text().splitlines()]
    assert sorted(r["reason"] for r in rejected) == sorted(
        reason for reason, k in expected.items() for _ in range(k)
    )
    kept = {i.premise for i in items} - {
        i.premise for r in rejected for i in items if i.id in r["source_ids"]
    }
    stories = read_items(tmp_path / "s/stories.jsonl")
    assert len(stories) == sum(1 for i in items if i.premise in kept)
    assert len(set(faults.values())) >= 4  # the hash spreads the faults over the 7 premises


def test_rerun_asks_only_what_failed(items_file, tmp_path):
    failing = [True]

    def every_other(request):  # type: ignore[no-untyped-def]
        return StubReply(status=500) if failing[0] and request.number % 2 == 0 else None

    # one server for both runs: its URL is part of the backend's cache key
    with StubOpenAIServer(answer=good_answer, responder=every_other, max_lifetime_s=120) as server:
        first = _run(server, items_file, tmp_path / "s")
        failed = first["rejected"]["request_failed"]
        assert failed == 4  # requests 0, 2, 4 and 6 of 7
        failing[0] = False
        server.reset_stats()
        second = _run(server, items_file, tmp_path / "s")
        assert len(server.requests) == failed
    assert second["from_cache"] == 7 - failed and second["accepted"] == 7


def _committed(cache: Path) -> int:
    if not cache.exists():
        return 0
    with sqlite3.connect(f"file:{cache}?mode=ro", uri=True, timeout=5) as db:
        try:
            return int(db.execute("SELECT COUNT(*) FROM responses").fetchone()[0])
        except sqlite3.OperationalError:
            return 0


@pytest.mark.skipif(os.name != "posix", reason="needs SIGKILL")
def test_stories_command_resumes_after_sigkill(items_file, tmp_path):
    out = tmp_path / "s"
    env = {**os.environ, "OPENAI_API_KEY": SECRET}
    with StubOpenAIServer(answer=good_answer, delay_s=0.3, max_lifetime_s=120) as server:
        command = [
            sys.executable, "-m", "corr2cause.cli.app", "stories", str(items_file),
            "--model", "openai:stub", "--base-url", server.base_url, "--out", str(out),
            "--concurrency", "1", "--max-retries", "0", "--quiet",
        ]  # fmt: skip
        proc = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 60
        while _committed(out / "cache.sqlite") < 2:
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline, "no progress"
            time.sleep(0.02)
        os.kill(proc.pid, signal.SIGKILL)
        proc.communicate(timeout=30)
        committed = _committed(out / "cache.sqlite")
        assert 2 <= committed < 7 and not (out / "stories.jsonl").exists()
        server.reset_stats()
        rerun = subprocess.run(command, env=env, capture_output=True, timeout=120)
        assert rerun.returncode == 0, rerun.stderr.decode()
        assert len(server.requests) == 7 - committed
    report = json.loads(rerun.stdout)
    assert report["from_cache"] == committed and report["accepted"] == 7
    # the command reads the location itself, so every story item keeps its source's split
    source_split = {
        row["id"]: row["split"] for row in map(json.loads, items_file.read_text().splitlines())
    }
    rows = [json.loads(x) for x in (out / "stories.jsonl").read_text().splitlines()]
    assert rows and all(row["split"] == source_split[row["source_id"]] for row in rows)


def test_the_split_option_keeps_one_split_and_the_split_column(items_file, tmp_path):
    from typer.testing import CliRunner

    from corr2cause.cli.app import app

    with StubOpenAIServer(answer=good_answer, max_lifetime_s=120) as server:
        result = CliRunner().invoke(
            app,
            ["stories", str(items_file), "--model", "openai:stub", "--base-url",
             server.base_url, "--out", str(tmp_path / "t"), "--split", "test", "--quiet"],
        )  # fmt: skip
    assert result.exit_code == 0, result.output
    rows = [json.loads(x) for x in (tmp_path / "t/stories.jsonl").read_text().splitlines()]
    tests = [
        r for r in map(json.loads, items_file.read_text().splitlines()) if r["split"] == "test"
    ]
    assert sorted(r["source_id"] for r in rows) == sorted(r["id"] for r in tests)
    assert {r["split"] for r in rows} == {"test"}
    with pytest.raises(StoryError, match="split selects from a location"):
        write_stories("openai:stub", read_items(items_file), out_dir=tmp_path / "u", split="test")


def freeform_answer(prompt: str) -> str:
    """Echo the letter item back for N = 2 (readable, confirmed); prose for N = 3."""
    premise = prompt.split("rule:\n", 1)[1].split("\nHypothesis: ", 1)[0]
    hypothesis = prompt.split("\nHypothesis: ", 1)[1].split("\n", 1)[0]
    if "2 variables" in premise:
        return json.dumps({"premise": premise, "hypothesis": hypothesis})
    return "Smoking and cancer are related, as everyone knows."


def test_free_form_stories_are_unverified_and_the_readable_share_is_reported(items_file, tmp_path):
    with StubOpenAIServer(answer=freeform_answer, max_lifetime_s=120) as server:
        report = _run(server, items_file, tmp_path / "f", prompt="story-freeform", limit=40)
    rows = [json.loads(x) for x in (tmp_path / "f/stories.jsonl").read_text().splitlines()]
    source = read_items(items_file)[:40]
    n2 = sum(1 for i in source if i.num_variables == 2)
    assert report["mode"] == "free-form" and len(rows) == 40
    assert all(r["verified"] is False for r in rows)
    assert report["readable"] == report["confirmed"] == n2
    assert report["readable_share"] == round(n2 / 40, 4)


def test_prompt_and_backend_errors():
    with pytest.raises(StoryError, match="reads no prompt"):
        write_stories("oracle", [], out_dir="/nonexistent/never-written")
    with pytest.raises(StoryError, match="unknown story prompt 'nope'"):
        load_story_prompt("nope")
    assert load_story_prompt("story").version >= 1


def test_bad_prompt_file(tmp_path):
    path = tmp_path / "p.toml"
    path.write_text('name = "p"\nversion = 1\nmode = "verified"\nuser = "{premise} {hypothesis}"\n')
    with pytest.raises(StoryError, match=r"unknown placeholder\(s\) \['hypothesis'\]"):
        load_story_prompt(path)


def test_read_story_reply_accepts_lists_and_normalizes_spaces():
    r = read_story_reply('noise {"names": ["blood  pressure", "heart rate"]} more', ["A", "B"])
    assert r.names == ("blood pressure", "heart rate") and r.reason is None
    assert read_story_reply('{"names": {"A": "x, y", "B": "z"}}', ["A", "B"]).reason == (
        "unparseable_name"
    )
    assert read_story_reply("[1, 2]", ["A"]).reason == "no_json"
