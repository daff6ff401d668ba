"""Generation to disk: layout, formats, determinism, atomicity, splits (SPEC sections 4-6)."""

from __future__ import annotations

import csv
import hashlib
import json
import re
from math import comb
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from corr2cause.dataset.compose import ITEM_COLUMNS
from corr2cause.dataset.generate import GenerationConfig, generate_dataset, official_csv_rows
from corr2cause.dataset.splits import assign_splits, split_targets


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_totals_for_n_2_to_6(classes_2_to_6):
    classes = sum(len(c) for c in classes_2_to_6.values())
    items = sum(c.num_items for cs in classes_2_to_6.values() for c in cs)
    assert (classes, items) == (2201 + 142 + 20 + 5 + 2, 207_432)
    assert len(classes_2_to_6[6]) == 2201
    for n, cs in classes_2_to_6.items():
        assert all(c.num_items == 6 * comb(n, 2) for c in cs)


def test_split_sizes_follow_the_authors_rule(classes_2_to_6):
    for n, cs in classes_2_to_6.items():
        sizes = [c.num_items for c in cs]
        splits = assign_splits(sizes, seed=0, n=n)
        got = {
            s: sum(k for k, t in zip(sizes, splits, strict=True) if t == s)
            for s in ("train", "dev", "test")
        }
        test_target, dev_target = split_targets(sum(sizes))
        assert abs(got["test"] - test_target) < sizes[0]
        if dev_target < 0:
            assert got["train"] == 0 and got["dev"] == sum(sizes) - got["test"]
        else:
            assert abs(got["dev"] - dev_target) < sizes[0]
            assert got["train"] == sum(sizes) - got["test"] - got["dev"]


def test_split_assignment_is_seeded():
    sizes = [60] * 142
    assert assign_splits(sizes, seed=1, n=5) == assign_splits(sizes, seed=1, n=5)
    assert assign_splits(sizes, seed=1, n=5) != assign_splits(sizes, seed=2, n=5)


def test_generated_folder_layout_and_consistency(tmp_path, classes_2_to_4):
    out = tmp_path / "data"
    config = GenerationConfig(
        nodes=[2, 3, 4],
        variants=["original", "paraphrase", "refactor"],
        formats=["csv", "parquet", "jsonl"],
    )
    manifest = generate_dataset(out, config, classes_by_n=classes_2_to_4)
    assert manifest["items"] == {"original": 822, "paraphrase": 822, "refactor": 822}
    assert json.loads((out / "manifest.json").read_text()) == manifest
    for rel, digest in manifest["sha256"].items():
        assert _sha(out / rel) == digest, rel
    tables = {v: pq.read_table(out / v / "items.parquet").to_pylist() for v in manifest["items"]}
    for v, rows in tables.items():
        assert list(rows[0]) == list(ITEM_COLUMNS)
        jsonl = [json.loads(line) for line in (out / v / "items.jsonl").read_text().splitlines()]
        assert jsonl == rows
        # the CSV splits hold exactly the rows of each split, in the official columns
        for split in ("train", "dev", "test"):
            with open(out / v / f"{split}.csv", newline="") as fh:
                csv_rows = list(csv.DictReader(fh))
            expected = [r for r in rows if r["split"] == split]
            assert len(csv_rows) == len(expected)
            for a, b in zip(csv_rows, expected, strict=True):
                assert a["input"] == f"Premise: {b['premise']}\nHypothesis: {b['hypothesis']}"
                assert (
                    int(a["label"]) == b["label"] and int(a["num_variables"]) == b["num_variables"]
                )
                assert a["template"] == b["template"]
    orig, para, refa = tables["original"], tables["paraphrase"], tables["refactor"]
    # variants share ids, labels and splits; only the wording changes
    for a, b, c in zip(orig, para, refa, strict=True):
        assert a["id"] == b["id"] == c["id"]
        assert a["label"] == b["label"] == c["label"] and a["split"] == b["split"] == c["split"]
        assert a["premise"] == b["premise"] and a["premise"] != c["premise"]

    # refactor renames A, B, C, ... -> Z, Y, X, ... in premise and hypothesis alike
    def rename(text: str) -> str:
        return re.sub(r"\b([A-D])\b", lambda m: chr(90 - (ord(m.group(1)) - 65)), text)

    for a, c in zip(orig, refa, strict=True):
        assert c["premise"] == rename(a["premise"])
        assert c["hypothesis"] == rename(a["hypothesis"])
    # no premise in two splits
    split_of: dict[str, str] = {}
    for r in orig:
        assert split_of.setdefault(r["premise"], r["split"]) == r["split"]


def test_generation_is_byte_identical_and_seed_sensitive(tmp_path, classes_2_to_4):
    config = GenerationConfig(nodes=[2, 3, 4], variants=["original"], seed=7)
    m1 = generate_dataset(tmp_path / "a", config, classes_by_n=classes_2_to_4)
    m2 = generate_dataset(tmp_path / "b", config, classes_by_n=classes_2_to_4)
    assert m1["sha256"] == m2["sha256"]
    for rel in m1["sha256"]:
        assert (tmp_path / "a" / rel).read_bytes() == (tmp_path / "b" / rel).read_bytes()
    other = GenerationConfig(nodes=[2, 3, 4], variants=["original"], seed=8)
    m3 = generate_dataset(tmp_path / "c", other, classes_by_n=classes_2_to_4)
    assert m3["sha256"]["original/items.parquet"] != m1["sha256"]["original/items.parquet"]


def test_swap_forms_are_roughly_balanced(tmp_path, classes_2_to_6):
    config = GenerationConfig(nodes=[5], variants=["original"], formats=["parquet"])
    generate_dataset(tmp_path / "d", config, classes_by_n={5: list(classes_2_to_6[5])})
    rows = pq.read_table(tmp_path / "d" / "original" / "items.parquet").to_pylist()
    col = [r for r in rows if r["relation"] == "non-parent ancestor"]
    swapped = sum(r["template"] == "non-child descendant" for r in col) / len(col)
    assert 0.4 < swapped < 0.6


def test_fast_csv_rows_equal_the_csv_module():
    import io

    cols = {
        "premise": ['P with, comma and "quotes"'] * 2,
        "hypothesis": ["A directly causes B.", 'odd "one", here'],
        "label": [1, 0],
        "num_variables": [3, 3],
        "template": ["parent", "has,comma"],
    }
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(
        (f"Premise: {p}\nHypothesis: {h}", lab, n, t)
        for p, h, lab, n, t in zip(*(cols[k] for k in cols), strict=True)
    )
    got = official_csv_rows(
        cols["premise"][0], cols["hypothesis"], cols["label"], 3, cols["template"]
    )
    assert got == buf.getvalue()


def test_existing_output_is_refused_and_overwrite_is_atomic(tmp_path, classes_2_to_4):
    out = tmp_path / "data"
    out.mkdir()
    (out / "keep.txt").write_text("precious")
    config = GenerationConfig(nodes=[2], variants=["original"])
    with pytest.raises(FileExistsError):
        generate_dataset(out, config, classes_by_n=classes_2_to_4)
    assert (out / "keep.txt").read_text() == "precious"

    def boom(done: int, total: int) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        generate_dataset(
            out,
            GenerationConfig(nodes=[2, 3, 4]),
            overwrite=True,
            progress=boom,
            classes_by_n=classes_2_to_4,
        )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data"], "no staging left behind"
    assert (out / "keep.txt").read_text() == "precious", "interrupted run kept the old output"
    generate_dataset(out, config, overwrite=True, classes_by_n=classes_2_to_4)
    assert not (out / "keep.txt").exists() and (out / "manifest.json").is_file()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"nodes": [1]}, "out of range"),
        ({"nodes": [2], "variants": ["nope"]}, "unknown variant"),
        ({"nodes": [2], "formats": ["xlsx"]}, "unknown format"),
        ({"nodes": []}, "no node counts"),
    ],
)
def test_bad_configuration_is_rejected(tmp_path, kwargs, message):
    with pytest.raises(ValueError, match=message):
        generate_dataset(tmp_path / "x", GenerationConfig(**kwargs))
    assert not (tmp_path / "x").exists()
