"""``Dataset.fingerprint``: the data an evaluation reads, hashed; nothing else, and stably.

``evaluate`` records the fingerprint as ``data_sha256`` and ``compare`` refuses runs on
different data. It hashes only :meth:`Dataset.source_files` (the files the items are read
from): in a generated N = 2..6 folder that is the 1 MB ``items.parquet``, not the 365 MB
``train.csv`` beside it (1.3 s -> 0.01 s on the shared VM). The expected values are
recomputed here independently, file by file, with ``hashlib``.
"""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest

from corr2cause.dataset.generate import GenerationConfig
from corr2cause.dataset.store import generate, open_dataset


def _expected(folder: Path, names: list[str]) -> str:
    """The definition: SHA-256 over sorted ``relative path \\0 file sha256 \\n`` lines."""
    digest = hashlib.sha256()
    for rel in sorted(names):
        sha = hashlib.sha256((folder / rel).read_bytes()).hexdigest()
        digest.update(f"{rel}\0{sha}\n".encode())
    return digest.hexdigest()


@pytest.fixture(scope="module")
def flat(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("fp") / "flat"
    generate(GenerationConfig(nodes=[2, 3], formats=["csv", "parquet", "jsonl"]), out)
    return out


def test_a_flat_folder_hashes_only_items_parquet(flat: Path, tmp_path: Path) -> None:
    copy = tmp_path / "flat"
    shutil.copytree(flat, copy)
    ds = open_dataset(copy)
    folder = copy / "original"
    assert ds.source_files() == [folder / "items.parquet"]
    before = ds.fingerprint()
    assert before == _expected(folder, ["items.parquet"])
    # files the evaluation does not read change nothing
    (folder / "train.csv").write_text("input,label,num_variables,template\n")
    (folder / "notes.txt").write_text("mine")
    (folder / "runs").mkdir()
    (folder / "runs" / "run.json").write_text("{}")
    assert open_dataset(copy).fingerprint() == before
    # the file it reads does
    (folder / "items.parquet").unlink()
    after = open_dataset(copy).fingerprint()  # now items.jsonl is read
    assert after == _expected(folder, ["items.jsonl"]) and after != before


def test_a_csv_only_folder_keeps_its_previous_fingerprint(flat: Path, tmp_path: Path) -> None:
    folder = tmp_path / "official"
    folder.mkdir()
    for s in ("train", "dev", "test"):
        shutil.copy(flat / "original" / f"{s}.csv", folder / f"{s}.csv")
    ds = open_dataset(folder)
    assert [p.name for p in ds.source_files()] == ["dev.csv", "test.csv", "train.csv"]
    # every file of the folder is read: the value of the whole-folder definition
    before = ds.fingerprint()
    assert before == _expected(folder, ["dev.csv", "test.csv", "train.csv"])
    with (folder / "test.csv").open("a") as fh:
        fh.write('"Premise: x\nHypothesis: y",0,2,parent\n')
    after = open_dataset(folder).fingerprint()
    assert after != before and after == _expected(folder, ["dev.csv", "test.csv", "train.csv"])


def test_an_item_file_is_hashed_by_its_bytes(flat: Path) -> None:
    path = flat / "original" / "items.jsonl"
    assert open_dataset(path).fingerprint() == hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_normalized_folder_hashes_its_item_and_premise_parts(tmp_path: Path) -> None:
    out = tmp_path / "norm"
    generate(GenerationConfig(nodes=[3, 4], layout="normalized", formats=["parquet", "csv"]), out)
    folder = out / "original"
    ds = open_dataset(out)
    names = [p.relative_to(folder).as_posix() for p in ds.source_files()]
    assert names == sorted(
        [f"items/part-n{n}-00000.parquet" for n in (3, 4)]
        + [f"premises/part-n{n}-00000.parquet" for n in (3, 4)]
    )
    assert ds.fingerprint() == _expected(folder, names)
    (folder / "test.csv").unlink()  # the official CSV is not what evaluate reads
    assert open_dataset(out).fingerprint() == ds.fingerprint()
