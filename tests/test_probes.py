"""Probe suite: every command against a corpus of bad inputs.

Each probe runs one command on one bad input and asserts what a user is owed:

- exit status 2 (an expected failure, reported once by the CLI);
- a message that names the offending file (or option);
- no traceback, and a message of bounded length (huge inputs are quoted, not dumped);
- nothing left behind: the output path does not exist afterwards and no debris appears
  next to the input.

Adding a case is one line: a bad input is a ``Bad(name, builder)`` in ``INPUTS`` (the builder
writes it under a folder and returns its path), a command is a line in ``COMMANDS`` (argv with
``{data}`` and ``{out}`` placeholders). Every command meets every input; ``SKIP`` lists the
pairs that do not apply. A few probes also run through a real subprocess, and a hypothesis
part feeds random bytes and text to the file-reading commands.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from corr2cause.cli.app import app

PREMISE = (
    "Suppose there is a closed system of 2 variables, A and B. All the statistical relations "
    "among these 2 variables are as follows: A correlates with B."
)
INPUT = f"Premise: {PREMISE}\nHypothesis: A directly causes B."
MESSAGE_LIMIT = 3000
"""Longest acceptable error output, in characters (a 2 MB field must not be echoed)."""


def _write(name: str, data: bytes | str) -> Callable[[Path], Path]:
    def build(root: Path) -> Path:
        path = root / name
        path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
        return path

    return build


def _csv(name: str, text: str, *, bom: bool = False, crlf: bool = False) -> Callable[[Path], Path]:
    body = text.replace("\n", "\r\n") if crlf else text
    return _write(name, (b"\xef\xbb\xbf" if bom else b"") + body.encode("utf-8"))


def _parquet(name: str, table: pa.Table) -> Callable[[Path], Path]:
    def build(root: Path) -> Path:
        pq.write_table(table, root / name)
        return root / name

    return build


def _folder(name: str, files: dict[str, bytes | str]) -> Callable[[Path], Path]:
    def build(root: Path) -> Path:
        folder = root / name
        folder.mkdir()
        for rel, data in files.items():
            (folder / rel).parent.mkdir(parents=True, exist_ok=True)
            raw = data.encode("utf-8") if isinstance(data, str) else data
            (folder / rel).write_bytes(raw)
        return folder

    return build


@dataclass(frozen=True)
class Bad:
    """A named bad input: ``build(root)`` writes it and returns its path."""

    name: str
    build: Callable[[Path], Path]


def _ok_row(label: object = 1) -> str:
    return f'"{INPUT}",{label},2,parent\n'


HEADER = "input,label,num_variables,template\n"
BINARY = bytes(range(256)) * 8

INPUTS: list[Bad] = [
    Bad("empty", _write("empty.csv", b"")),
    Bad("binary-csv", _write("binary.csv", BINARY)),
    Bad("binary-jsonl", _write("binary.jsonl", BINARY)),
    Bad("binary-parquet", _write("binary.parquet", BINARY)),
    Bad("not-utf8", _write("latin1.csv", HEADER.encode() + b'"Premise: caf\xe9",1,2,parent\n')),
    Bad("bom-only", _write("bom.csv", b"\xef\xbb\xbf")),
    Bad("bom-crlf-no-label", _csv("bomcrlf.csv", f'input\n"{INPUT}"\n', bom=True, crlf=True)),
    Bad("crlf-header-only", _csv("crlf.csv", HEADER, crlf=True)),
    Bad("wrong-delimiter", _csv("semicolon.csv", HEADER.replace(",", ";") + "x;1;2;parent\n")),
    Bad("missing-columns", _csv("columns.csv", "foo,bar\n1,2\n")),
    Bad("bad-label", _csv("label.csv", HEADER + _ok_row("maybe"))),
    Bad("label-2", _csv("label2.csv", HEADER + _ok_row(2))),
    Bad("not-a-premise", _csv("premise.csv", HEADER + '"hello world",1,2,parent\n')),
    Bad("huge-field", _csv("huge.csv", HEADER + f'"{"x" * 2_000_000}",1,2,parent\n')),
    Bad("duplicate-ids", _write("dups.jsonl", "".join(
        json.dumps({"id": "a", "input": INPUT, "label": 1}) + "\n" for _ in range(2)))),
    Bad("corrupt-jsonl-line", _write("corrupt.jsonl",
        json.dumps({"input": INPUT, "label": 1}) + "\n{not json\n")),
    Bad("jsonl-not-objects", _write("array.jsonl", "[1, 2]\n")),
    Bad("zero-row-parquet", _parquet("zero.parquet", pa.table(
        {"input": pa.array([], pa.string()), "label": pa.array([], pa.int64())}))),
    Bad("parquet-no-label", _parquet("nolabel.parquet", pa.table({"input": [INPUT]}))),
    Bad("directory-for-file", _folder("folder.csv", {})),
    Bad("missing-path", lambda root: root / "missing.csv"),
    Bad("manifest-list", _folder("listmanifest", {"manifest.json": "[]"})),
    Bad("manifest-garbage", _folder("badmanifest", {"manifest.json": BINARY})),
    Bad("run-bad-metrics", _folder("badrun", {"metrics.json": BINARY, "run.json": "{}"})),
]  # fmt: skip

# argv templates; {data} is the bad input, {out} an output path that must stay absent
COMMANDS: dict[str, list[str]] = {
    "generate": ["generate", "--out", "{data}", "--nodes", "2", "-q"],
    "stats": ["stats", "{data}"],
    "solve": ["solve", "{data}", "--output", "{out}", "-q"],
    "solve-strict": ["solve", "{data}", "--strict", "--output", "{out}", "-q"],
    "audit": ["audit", "{data}", "--errata", "{out}", "-q"],
    "evaluate": ["evaluate", "-m", "oracle", "--data", "{data}", "--out", "{out}", "-q"],
    "report": ["report", "{data}", "--out", "{out}"],
    "export-prompts": ["export-prompts", "--data", "{data}", "--out", "{out}"],
    "export-hf": ["export-hf", "{data}", "--out", "{out}", "-q"],
    "finetune": ["finetune", "--data", "{data}", "--out", "{out}", "--max-steps", "1"],
    "robustness": ["robustness", "--model", "oracle", "--data", "{data}", "--out", "{out}",
                   "-q"],
}  # fmt: skip

# (command, input) pairs that are not a bad input for that command
SKIP: set[tuple[str, str]] = {
    # generate writes into --out; only paths that exist as files (or bad folders) are bad
    *(("generate", b.name) for b in INPUTS if b.name in ("missing-path", "directory-for-file")),
    # solve and audit report an item they cannot parse per item (exit 0; --strict exits 2)
    *((c, n) for c in ("solve", "audit") for n in ("not-a-premise", "huge-field")),
    # solve needs no gold label
    *((c, n) for c in ("solve", "solve-strict") for n in ("bom-crlf-no-label", "parquet-no-label")),
}

runner = CliRunner()


def _probe_ids() -> list[tuple[str, Bad]]:
    return [(c, b) for c in COMMANDS for b in INPUTS if (c, b.name) not in SKIP]


def _argv(command: str, data: Path, out: Path) -> list[str]:
    return [a.format(data=data, out=out) for a in COMMANDS[command]]


def _snapshot(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*")}


def _check(code: int, text: str, data: Path, out: Path, before: set[str], root: Path) -> None:
    assert "Traceback" not in text, text[-MESSAGE_LIMIT:]
    assert code == 2, f"exit {code}: {text[-MESSAGE_LIMIT:]}"
    assert data.name in text, f"message does not name {data.name}: {text[-MESSAGE_LIMIT:]}"
    assert len(text) < MESSAGE_LIMIT, f"message of {len(text):,} characters"
    assert not out.exists(), f"{out} left behind"
    assert _snapshot(root) == before, f"debris: {_snapshot(root) ^ before}"


@pytest.mark.parametrize(
    ("command", "bad"), _probe_ids(), ids=[f"{c}-{b.name}" for c, b in _probe_ids()]
)
def test_probe(command: str, bad: Bad, tmp_path: Path) -> None:
    data = bad.build(tmp_path)
    out = tmp_path / "out"
    before = _snapshot(tmp_path)
    result = runner.invoke(app, _argv(command, data, out))
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    _check(result.exit_code, result.output, data, out, before, tmp_path)


SUBPROCESS_PROBES = [
    ("evaluate", "binary-csv"),
    ("report", "run-bad-metrics"),
    ("export-hf", "manifest-list"),
]


@pytest.mark.parametrize(("command", "bad_name"), SUBPROCESS_PROBES)
def test_probe_through_a_real_process(command: str, bad_name: str, tmp_path: Path) -> None:
    bad = next(b for b in INPUTS if b.name == bad_name)
    data = bad.build(tmp_path)
    out = tmp_path / "out"
    before = _snapshot(tmp_path)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    done = subprocess.run(
        [sys.executable, "-m", "corr2cause.cli.app", *_argv(command, data, out)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    _check(done.returncode, done.stdout + done.stderr, data, out, before, tmp_path)


# --- random input ------------------------------------------------------------------------------

FILE_COMMANDS = ("evaluate", "audit", "export-prompts", "solve")
SUFFIXES = (".csv", ".jsonl", ".parquet")
CSV_ALPHABET = st.sampled_from(list('input,label,"\r\n;Premise: Hypothesis: 0 1 2 x\x00é'))


def _random_probe(tmp: Path, command: str, suffix: str, payload: bytes) -> None:
    for p in tmp.iterdir():
        if p.is_file():
            p.unlink()
    data = tmp / f"random{suffix}"
    data.write_bytes(payload)
    out = tmp / "out"
    before = _snapshot(tmp)
    result = runner.invoke(app, _argv(command, data, out))
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    if result.exit_code == 0:  # random text can be a valid file; then it must have worked
        if out.exists() and out.is_file():
            out.unlink()
        return
    _check(result.exit_code, result.output, data, out, before, tmp)


_payloads = st.one_of(
    st.binary(max_size=2000),
    st.text(CSV_ALPHABET, max_size=400).map(lambda s: s.encode("utf-8")),
    st.text(max_size=300).map(lambda s: s.encode("utf-8", "surrogatepass")),
)


def _random_settings(examples: int) -> settings:
    return settings(
        max_examples=examples,
        deadline=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )


@pytest.mark.parametrize("command", FILE_COMMANDS)
@_random_settings(12)
@given(suffix=st.sampled_from(SUFFIXES), payload=_payloads)
def test_random_bytes_and_text(command: str, suffix: str, payload: bytes, tmp_path: Path) -> None:
    _random_probe(tmp_path, command, suffix, payload)


@pytest.mark.slow
@pytest.mark.parametrize("command", FILE_COMMANDS)
@_random_settings(300)
@given(suffix=st.sampled_from(SUFFIXES), payload=_payloads)
def test_random_bytes_and_text_long(
    command: str, suffix: str, payload: bytes, tmp_path: Path
) -> None:
    _random_probe(tmp_path, command, suffix, payload)


# --- bounded messages from the library ----------------------------------------------------------


@pytest.mark.parametrize(
    "call",
    [
        lambda big: __import__("corr2cause.solver.parse", fromlist=["x"]).parse_premise(
            PREMISE + f" A correlates with {big}."
        ),
        lambda big: __import__("corr2cause.solver.parse", fromlist=["x"]).parse_premise(big),
        lambda big: __import__("corr2cause.solver.parse", fromlist=["x"]).parse_hypothesis(
            big, ["A", "B"]
        ),
    ],
    ids=["huge-variable-name", "huge-frame", "huge-hypothesis"],
)
def test_error_messages_quote_a_bounded_part_of_huge_input(call) -> None:
    from corr2cause.errors import Corr2CauseError

    with pytest.raises(Corr2CauseError) as info:
        call("Z" * 1_000_000)
    assert len(str(info.value)) < 1500
