"""Reading evaluation items from official CSVs and rich tables (.jsonl, .parquet)."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from corr2cause.dataset.readers import DatasetFormatError, EvalItem, read_items, split_input

PREMISE = (
    "Suppose there is a closed system of 3 variables, A, B and C. All the statistical relations "
    "among these 3 variables are as follows: A correlates with C. B correlates with C. However, "
    "A is independent of B."
)
HEADER = "input,label,num_variables,template\n"


def _row(hypothesis: str, label: object = 0, n: object = 3, template: str = "parent") -> str:
    return f'"Premise: {PREMISE}\nHypothesis: {hypothesis}",{label},{n},{template}\n'


def _csv(tmp_path: Path, body: str, name: str = "d.csv") -> Path:
    path = tmp_path / name
    path.write_text(body, encoding="utf-8")
    return path


def test_official_csv(tmp_path: Path) -> None:
    path = _csv(tmp_path, HEADER + _row("A directly causes C.", 1) + _row("C directly causes A."))
    first, second = read_items(path)
    assert first.premise == PREMISE and first.hypothesis == "A directly causes C."
    assert first.input == f"Premise: {PREMISE}\nHypothesis: A directly causes C."
    assert (first.label, first.num_variables, first.relation, first.template) == (
        1,
        3,
        "parent",
        "parent",
    )
    assert first.id.startswith("row-0-") and second.id.startswith("row-1-")
    assert read_items(path) == [first, second]  # stable ids


def test_ids_follow_content(tmp_path: Path) -> None:
    a = read_items(_csv(tmp_path, HEADER + _row("A directly causes C."), "a.csv"))[0]
    b = read_items(_csv(tmp_path, HEADER + _row("B directly causes C."), "b.csv"))[0]
    assert a.id != b.id and a.id[:6] == b.id[:6] == "row-0-"


def test_official_test_split(official_test_path: Path) -> None:
    items = read_items(official_test_path)
    assert len(items) == 1162 and len({i.id for i in items}) == 1162
    assert sum(i.label for i in items) == 180
    assert {i.num_variables for i in items} == {2, 3, 4, 5, 6}
    assert all(i.input.startswith("Premise: ") and i.relation == i.template for i in items)


def test_rich_jsonl_and_parquet(tmp_path: Path) -> None:
    rows = [
        {
            "id": f"n3-m1/A-C/{rel}",
            "split": split,
            "num_variables": 3,
            "mec_id": "n3-m1",
            "premise": PREMISE,
            "hypothesis": hyp,
            "template": "non-child descendant" if rel == "non-parent ancestor" else rel,
            "relation": rel,
            "node_i": "A",
            "node_j": "C",
            "label": label,
            "label3": label3,
            "fraction": float(label),
            "variant": "original",
        }
        for rel, hyp, label, label3, split in [
            ("parent", "A directly causes C.", 1, "entailment", "test"),
            ("non-parent ancestor", "A is a cause for C, but not a direct one.", 0,
             "contradiction", "train"),
        ]
    ]  # fmt: skip
    jsonl = tmp_path / "items.jsonl"
    jsonl.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    parquet = tmp_path / "items.parquet"
    pq.write_table(pa.Table.from_pylist(rows), parquet)
    for path in (jsonl, parquet):
        items = read_items(path)
        assert [i.id for i in items] == [r["id"] for r in rows]
        assert items[1].relation == "non-parent ancestor"  # relation wins over template
        assert items[1].template == "non-child descendant"
        assert items[0].label3 == "entailment" and items[0].variant == "original"
        assert items[0].input == f"Premise: {PREMISE}\nHypothesis: A directly causes C."
        (test_item,) = read_items(path, split="test")
        assert isinstance(test_item, EvalItem) and test_item.label == 1


def test_relation_inferred_from_wording_when_no_column(tmp_path: Path) -> None:
    refactored = PREMISE.replace("A, B and C", "Z, Y and X")
    body = "input,label\n" + "".join(
        f'"Premise: {premise}\nHypothesis: {hyp}",0\n'
        for premise, hyp in [
            (PREMISE, "C directly causes A."),
            (PREMISE, "A is a cause for C, but not a direct one."),
            (PREMISE, "C causes something else which causes A."),
            (PREMISE, "Some variable(s) cause(s) both A and B."),
            (refactored, "Z directly affects X."),
            (refactored, "X directly affects Z."),
            (PREMISE, "Something else entirely."),
        ]
    )
    items = read_items(_csv(tmp_path, body))
    assert [i.relation for i in items] == [
        "child", "non-parent ancestor", "non-child descendant", "has_confounder", "parent",
        "child", "unknown",
    ]  # fmt: skip
    assert {i.num_variables for i in items} == {3}


@pytest.mark.parametrize(
    ("body", "where", "message"),
    [
        ("input,num_variables\nx,3\n", "line 1", "missing column(s) 'label'"),
        ("label,template\n1,parent\n", "line 1", "'input'"),
        (HEADER + _row("A directly causes C.") + _row("B.", label=2), "line 4", "bad label '2'"),
        (HEADER + _row("A directly causes C.", label="yes"), "line 2", "bad label 'yes'"),
        (HEADER + '"Premise: no hypothesis here",1,3,parent\n', "line 2", "Hypothesis:"),
        (HEADER + _row("A directly causes C.", n="three"), "line 2", "bad num_variables"),
        (HEADER + '"Premise: x\nHypothesis: y",1,3,parent,extra\n', "line 2", "more fields"),
    ],
    ids=["no-label", "no-input", "label-2", "label-yes", "no-hypothesis", "bad-n", "extra"],
)
def test_malformed_csv_names_file_and_line(
    tmp_path: Path, body: str, where: str, message: str
) -> None:
    path = _csv(tmp_path, body)
    with pytest.raises(DatasetFormatError) as info:
        read_items(path)
    assert str(info.value).startswith(f"{path}:{where}: "), str(info.value)
    assert message in str(info.value)


def test_malformed_jsonl_and_other_errors(tmp_path: Path) -> None:
    good = json.dumps({"premise": PREMISE, "hypothesis": "A directly causes C.", "label": 1})
    path = tmp_path / "x.jsonl"
    path.write_text(good + "\n\n" + "{not json\n", encoding="utf-8")
    with pytest.raises(DatasetFormatError, match=r"x\.jsonl:line 3: invalid JSON"):
        read_items(path)
    path.write_text(good + "\n" + json.dumps({"premise": PREMISE, "label": 1}) + "\n")
    with pytest.raises(DatasetFormatError, match=r"line 2: missing column 'input'"):
        read_items(path)
    path.write_text(good + "\n" + good.replace('"label": 1', '"label3": "maybe", "label": 0'))
    with pytest.raises(DatasetFormatError, match="bad label3"):
        read_items(path)
    rows = [
        {"id": "a", "input": f"Premise: {p}\nHypothesis: h", "label": 0, "num_variables": 2}
        for p in ("p", "q")
    ]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    with pytest.raises(DatasetFormatError, match="line 2: duplicate id 'a'"):
        read_items(path)
    with pytest.raises(DatasetFormatError, match="no 'split' column"):
        read_items(_csv(tmp_path, HEADER + _row("A directly causes C.")), split="test")
    with pytest.raises(DatasetFormatError, match=r"unknown file type '\.txt'"):
        read_items(_csv(tmp_path, "x", "d.txt"))
    with pytest.raises(FileNotFoundError):
        read_items(tmp_path / "absent.csv")
    bad_parquet = tmp_path / "bad.parquet"
    bad_parquet.write_bytes(b"not parquet")
    with pytest.raises(DatasetFormatError, match="cannot read Parquet"):
        read_items(bad_parquet)


def test_split_input() -> None:
    assert split_input("Premise: P.\nHypothesis: H.") == ("P.", "H.")
    assert split_input("P. Hypothesis: H.") == ("P.", "H.")
    with pytest.raises(ValueError, match="Hypothesis"):
        split_input("Premise: P.")


def test_reads_what_the_generator_writes(tmp_path: Path) -> None:
    from corr2cause.dataset.generate import GenerationConfig, generate_dataset

    config = GenerationConfig(
        nodes=[2, 3], variants=["original"], formats=["csv", "parquet", "jsonl"]
    )
    generate_dataset(tmp_path / "data", config)
    folder = tmp_path / "data" / "original"
    from_parquet = read_items(folder / "items.parquet")
    assert from_parquet == read_items(folder / "items.jsonl")
    assert len(from_parquet) == 6 * 1 * 2 + 6 * 3 * 5  # SPEC section 5: 12 + 90 items
    test_csv = read_items(folder / "test.csv")
    test_rich = read_items(folder / "items.parquet", split="test")
    assert [(i.input, i.label, i.num_variables) for i in test_csv] == [
        (i.input, i.label, i.num_variables) for i in test_rich
    ]
    assert all(i.label3 in ("entailment", "neutral", "contradiction") for i in from_parquet)


def test_normalized_layout_reads_like_the_flat_table(tmp_path):
    from corr2cause.dataset.generate import GenerationConfig, generate_dataset
    from corr2cause.dataset.sharded import ShardedConfig, generate_sharded

    generate_dataset(tmp_path / "flat", GenerationConfig(nodes=[3, 4], formats=["parquet"]))
    generate_sharded(tmp_path / "norm", ShardedConfig(nodes=[3, 4], shard_size=6), workers=1)
    for split in ("test", None):
        flat = read_items(tmp_path / "flat" / "original" / "items.parquet", split=split)
        norm = read_items(tmp_path / "norm" / "original", split=split)
        assert flat == norm and len(flat) > 0
    # The generated root reads like its only variant folder (issue 11: every layout opens).
    assert read_items(tmp_path / "norm") == read_items(tmp_path / "norm" / "original")
    with pytest.raises(FileNotFoundError, match="no such file"):
        read_items(tmp_path / "absent")


def test_fields_longer_than_the_csv_default_limit(tmp_path: Path) -> None:
    # issue 11: a sampled N = 9 "full" premise exceeds csv's 131,072-character default limit
    long_premise = PREMISE + " " + " ".join(["A correlates with C."] * 8000)
    assert len(long_premise) > 131_072
    path = _csv(
        tmp_path,
        HEADER + f'"Premise: {long_premise}\nHypothesis: A directly causes C.",1,3,parent\n',
    )
    (item,) = read_items(path)
    assert item.premise == long_premise and item.label == 1


def test_one_set_of_label_spellings(tmp_path: Path) -> None:
    from corr2cause.dataset.readers import parse_label

    assert [parse_label(v) for v in ("0", "1", "true", "FALSE", " 1 ", 1, 0.0, True)] == [
        0, 1, 1, 0, 1, 1, 0, 1,
    ]  # fmt: skip
    for bad in ("2", "yes", "valid", 2, 0.5):
        with pytest.raises(ValueError, match="bad label"):
            parse_label(bad)
    assert parse_label("", required=False) is None
    with pytest.raises(ValueError, match="missing label"):
        parse_label("")


def test_binary_garbage_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "garbage.csv"
    path.write_bytes(bytes(range(256)) * 4)
    with pytest.raises(DatasetFormatError, match=r"garbage\.csv: not UTF-8 text"):
        read_items(path)
    jsonl = tmp_path / "garbage.jsonl"
    jsonl.write_bytes(b"\xff\xfe\x00{" * 100)
    with pytest.raises(DatasetFormatError, match=r"garbage\.jsonl: not UTF-8 text"):
        read_items(jsonl)
