"""The flat writer's block pipe: order, digests, and errors of its helper thread (issue 15)."""

from __future__ import annotations

import csv
import errno
import hashlib
import io
import json
import sys
import threading
from pathlib import Path
from typing import Any, ClassVar

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import corr2cause.dataset.generate as gen
from corr2cause.dataset.generate import GenerationConfig, generate_dataset


def _writer_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "corr2cause-writer"]


def test_interleaved_writers_keep_their_order_and_digests(tmp_path, monkeypatch):
    monkeypatch.setattr(gen, "_BLOCK", 10)  # a block every few pieces
    expected: dict[str, list[bytes]] = {"a": [], "b": [], "c": []}
    with gen._BlockPipe(depth=2) as pipe:
        writers = {k: pipe.open(tmp_path / k) for k in expected}
        for i in range(500):
            k = "abc"[i * i % 3]
            piece = f"{k}{i};".encode() * (i % 4)
            writers[k].write_pieces([piece, b"|"], len(piece) + 1)
            expected[k] += [piece, b"|"]
        writers["c"].write("tail\u00e9")
        expected["c"].append("tail\u00e9".encode())
        for w in writers.values():
            w.flush()
    assert not _writer_threads()
    for k, w in writers.items():
        data = b"".join(expected[k])
        assert (tmp_path / k).read_bytes() == data
        assert w.hexdigest() == hashlib.sha256(data).hexdigest()


def test_small_blocks_give_the_same_files_as_the_default(tmp_path, monkeypatch, classes_2_to_4):
    config = GenerationConfig(
        nodes=[2, 3, 4], variants=["original", "names-medicine"], formats=["csv", "jsonl"]
    )
    big = generate_dataset(tmp_path / "big", config, classes_by_n=classes_2_to_4)
    monkeypatch.setattr(gen, "_BLOCK", 3000)
    monkeypatch.setattr(gen, "_DEPTH", 1)
    small = generate_dataset(tmp_path / "small", config, classes_by_n=classes_2_to_4)
    assert small == big
    for rel in big["sha256"]:
        assert (tmp_path / "small" / rel).read_bytes() == (tmp_path / "big" / rel).read_bytes()
    # and the CSV is what the csv module reads back, row for row, as the JSONL says
    rows = [
        r
        for line in (tmp_path / "small" / "names-medicine" / "items.jsonl").open()
        for r in [json.loads(line)]
        if r["split"] == "test"
    ]
    with open(tmp_path / "small" / "names-medicine" / "test.csv", newline="") as fh:
        got = list(csv.DictReader(fh))
    assert [g["input"] for g in got] == [
        f"Premise: {r['premise']}\nHypothesis: {r['hypothesis']}" for r in rows
    ]


class _FullDisk(io.RawIOBase):
    """A file that accepts ``room`` bytes and then fails like a full disk."""

    opened: ClassVar[list[_FullDisk]] = []

    def __init__(self, room: int) -> None:
        self.room = room
        _FullDisk.opened.append(self)

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        size = len(memoryview(data))
        if size > self.room:
            raise OSError(errno.ENOSPC, "No space left on device")
        self.room -= size
        return size


@pytest.mark.parametrize("room", [0, 200_000])
def test_a_failing_write_surfaces_and_stops_the_helper(tmp_path, monkeypatch, classes_2_to_4, room):
    monkeypatch.setattr(gen, "_BLOCK", 20_000)  # several blocks before the end
    _FullDisk.opened = []
    real_open = open

    def fake_open(path: Path, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
        if mode == "wb" and Path(path).suffix == ".csv":
            return _FullDisk(room)
        return real_open(path, mode, *args, **kwargs)

    monkeypatch.setattr(gen, "open", fake_open, raising=False)
    out = tmp_path / "data"
    with pytest.raises(OSError, match="No space left") as info:
        generate_dataset(
            out,
            GenerationConfig(nodes=[2, 3, 4], variants=["names-nonsense"], formats=["csv"]),
            classes_by_n=classes_2_to_4,
        )
    assert info.value.errno == errno.ENOSPC
    assert not _writer_threads(), "the helper thread was left running"
    assert _FullDisk.opened and all(f.closed for f in _FullDisk.opened)
    assert sorted(p.name for p in tmp_path.iterdir()) == [], "no output, no staging left"


@pytest.mark.parametrize("formats", [["csv", "jsonl"], ["csv", "parquet"]])
def test_an_error_of_the_caller_stops_the_helper_and_closes_every_file(
    tmp_path, monkeypatch, classes_2_to_4, formats
):
    opened: list[Any] = []

    class Recorded(gen.pq.ParquetWriter):  # type: ignore[misc]
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            opened.append(self)

    monkeypatch.setattr(gen.pq, "ParquetWriter", Recorded)

    def boom(done: int, total: int) -> None:
        if done == 10:
            raise RuntimeError("stop here")

    with pytest.raises(RuntimeError, match="stop here"):
        generate_dataset(
            tmp_path / "data",
            GenerationConfig(nodes=[2, 3, 4], formats=formats),
            progress=boom,
            classes_by_n=classes_2_to_4,
        )
    assert not _writer_threads()
    assert len(opened) == ("parquet" in formats), opened
    assert not [w for w in opened if w.is_open], "the Parquet file was left open"
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("fail", [False, True])
def test_the_switch_interval_is_lowered_during_a_run_and_restored(
    tmp_path, monkeypatch, classes_2_to_4, fail
):
    monkeypatch.setattr(gen, "_BLOCK", 1)  # the header of train.csv starts the thread
    before = sys.getswitchinterval()
    seen: list[float] = []

    def watch(done: int, total: int) -> None:
        seen.append(sys.getswitchinterval())
        if fail and done == 10:
            raise RuntimeError("stop here")

    config = GenerationConfig(nodes=[2, 3, 4], formats=["csv"])
    try:
        generate_dataset(tmp_path / "d", config, progress=watch, classes_by_n=classes_2_to_4)
    except RuntimeError:
        assert fail
    low = min(before, gen._SWITCH_INTERVAL)  # stored in microseconds
    assert seen and seen == pytest.approx([low] * len(seen), rel=1e-6)
    assert sys.getswitchinterval() == before


def test_nested_pipes_restore_the_interval_when_the_last_closes(tmp_path):
    before = sys.getswitchinterval()
    low = min(before, gen._SWITCH_INTERVAL)
    outer, inner = gen._BlockPipe(), gen._BlockPipe()
    idle = gen._BlockPipe()  # never handed a block: no thread, no change
    idle.close()
    assert sys.getswitchinterval() == before
    for k, pipe in enumerate((outer, inner)):
        pipe.open(tmp_path / f"f{k}").write_bytes(b"x" * (gen._BLOCK + 1))
    assert sys.getswitchinterval() == pytest.approx(low, rel=1e-6)
    outer.close()
    assert sys.getswitchinterval() == pytest.approx(low, rel=1e-6), "the inner pipe still runs"
    inner.close()
    inner.close()  # closing twice releases once
    assert sys.getswitchinterval() == before


# --- JSON Lines: the fast row encoder against json.dumps, row by row -------------------------

_JSON_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(alphabet=st.characters(max_codepoint=0x2FFF), max_size=12),
    st.lists(st.one_of(st.integers(), st.text(max_size=3)), max_size=3),
)
_KEYS = st.text(alphabet='ab%"\\é premis', min_size=1, max_size=8)


def _json_dumps_rows(columns: dict[str, list[Any]], keys: list[str]) -> bytes:
    rows = zip(*(columns[k] for k in keys), strict=True)
    return "".join(
        json.dumps(dict(zip(keys, row, strict=True)), ensure_ascii=False) + "\n" for row in rows
    ).encode("utf-8")


@settings(max_examples=300, deadline=None)
@given(
    keys=st.lists(_KEYS, min_size=1, max_size=5, unique=True),
    rows=st.integers(1, 4),
    data=st.data(),
    with_premise=st.booleans(),
)
def test_jsonl_pieces_equal_json_dumps(keys, rows, data, with_premise):
    if with_premise:
        keys = [*keys, "premise"] if "premise" not in keys else keys
        keys = data.draw(st.permutations(keys))
    # columns of one type (memoized) and mixed columns (True == 1 == 1.0 as dict keys)
    columns = {
        k: data.draw(
            st.one_of(
                st.lists(_JSON_VALUES, min_size=rows, max_size=rows),
                st.sampled_from([True, 1, 1.0, None, "1"]).flatmap(
                    lambda v: st.lists(st.sampled_from([v, None, 1]), min_size=rows, max_size=rows)
                ),
            )
        )
        for k in keys
    }
    pieces, size = gen.jsonl_pieces(columns, keys)
    joined = b"".join(pieces)
    assert joined == _json_dumps_rows(columns, keys)
    assert size == len(joined)


@pytest.mark.parametrize("variant", ["original", "names-medicine", "names-nonsense"])
def test_items_jsonl_is_json_dumps_of_every_row(tmp_path, classes_2_to_4, variant):
    out = tmp_path / "data"
    generate_dataset(
        out,
        GenerationConfig(nodes=[2, 3, 4], variants=[variant], formats=["parquet", "jsonl"]),
        classes_by_n=classes_2_to_4,
    )
    import pyarrow.parquet as pq

    table = pq.read_table(out / variant / "items.parquet")
    columns = {name: table.column(name).to_pylist() for name in table.column_names}
    assert (out / variant / "items.jsonl").read_bytes() == _json_dumps_rows(
        columns, table.column_names
    )
