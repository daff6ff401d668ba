"""Selecting a split from an item file: the Parquet fast path keeps exactly the rows (and the
row numbers in messages) that reading every row and filtering in Python keeps."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from corr2cause.dataset.readers import DatasetFormatError, iter_rows
from corr2cause.dataset.store import open_dataset

SPLIT_VALUES = ["train", "test", "dev", "validation", " Test ", None, "val", "test", "TRAIN"]
"""Raw split values; their meaning is written out by hand below (SPEC section 6 names)."""

MEANING = ["train", "test", "dev", "dev", "test", None, "dev", "test", "train"]


def _rows() -> list[dict[str, object]]:
    return [
        {
            "id": f"i{k}",
            "input": f"Premise: Suppose there is a closed system of 2 variables, A and B. "
            f"All the statistical relations among these 2 variables are as follows: A "
            f"correlates with B.\nHypothesis: A directly causes B. ({k})",
            "label": k % 2,
            "split": value,
        }
        for k, value in enumerate(SPLIT_VALUES)
    ]


@pytest.fixture(params=["plain", "dictionary", "jsonl"])
def item_file(request: pytest.FixtureRequest, tmp_path: Path) -> Path:
    rows = _rows()
    if request.param == "jsonl":
        path = tmp_path / "items.jsonl"
        path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
        return path
    table = pa.Table.from_pylist(rows)
    if request.param == "dictionary":
        index = table.schema.get_field_index("split")
        table = table.set_column(index, "split", table.column("split").dictionary_encode())
    path = tmp_path / "items.parquet"
    # small row groups, so the selection crosses batch boundaries
    pq.write_table(table, path, row_group_size=2)
    return path


@pytest.mark.parametrize("split", ["train", "dev", "test"])
def test_selected_rows_are_the_rows_of_that_split(item_file: Path, split: str) -> None:
    want = [f"i{k}" for k, meaning in enumerate(MEANING) if meaning == split]
    got = [it.id for it in open_dataset(item_file).items(split=split)]
    assert got == want


def test_row_numbers_are_those_of_the_whole_file(tmp_path: Path) -> None:
    path = tmp_path / "items.parquet"
    pq.write_table(pa.Table.from_pylist(_rows()), path, row_group_size=2)
    kept = list(iter_rows(path, keep_split=lambda v: v == "test"))
    assert [where for where, _ in kept] == ["row 1", "row 7"]


def test_a_file_without_split_column_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "items.parquet"
    rows = _rows()
    for row in rows:
        del row["split"]
    pq.write_table(pa.Table.from_pylist(rows), path)
    with pytest.raises(DatasetFormatError, match="no 'split' column"):
        open_dataset(path).items(split="test")
