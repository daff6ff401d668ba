"""Reading item files (official CSV, JSONL) with line numbers, and atomic writing."""

from __future__ import annotations

import json

import pytest

from corr2cause.solver import RecordError, Solver, read_records

HEADER = "input,label,num_variables,template\n"


def official_row(premise: str, hypothesis: str, label: int, template: str) -> str:
    """One official CSV row: the input field spans two lines."""
    return f'"Premise: {premise}\nHypothesis: {hypothesis}",{label},3,{template}\n'


def test_official_csv_rows_and_line_numbers(tmp_path, collider_premise):
    path = tmp_path / "items.csv"
    path.write_text(
        HEADER
        + official_row(collider_premise, "A directly causes C.", 1, "parent")
        + "\n"
        + official_row(collider_premise, "C directly causes A.", 0, "child")
    )
    records = read_records(path)
    assert [(r.index, r.line, r.label, r.template, r.num_variables) for r in records] == [
        (0, 2, 1, "parent", 3),
        (1, 5, 0, "child", 3),
    ]
    assert [r.solve(Solver()).label for r in records] == [1, 0]


def test_official_file_line_numbers(official_test_path):
    records = read_records(official_test_path)
    assert len(records) == 1162
    assert [r.line for r in records[:3]] == [2, 4, 6]  # every input spans two lines
    assert records[-1].index == 1161


def test_jsonl_with_premise_and_hypothesis(tmp_path, collider_premise):
    path = tmp_path / "items.jsonl"
    rows = [
        {"id": "x1", "premise": collider_premise, "hypothesis": "B directly causes C."},
        {"input": f"Premise: {collider_premise}\nHypothesis: A directly causes B.", "label": 0},
    ]
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n\n")
    first, second = read_records(path)
    assert (first.id, first.label, first.input) == ("x1", None, None)
    assert (second.line, second.label) == (2, 0)
    assert first.solve(Solver()).label == 1


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("a.csv", "", "a.csv:line 1: empty file"),
        ("b.csv", "text,label\nfoo,1\n", "b.csv:line 1: missing column(s) 'input'"),
        ("c.csv", 'input,label\n"x",2\n', "c.csv:line 2: bad label '2'"),
        ("d.csv", 'input,label\n"x",1,extra\n', "d.csv:line 2: expected 2 fields, found 3"),
        ("e.jsonl", '{"input": "x"}\n{"input": \n', "e.jsonl:line 2: invalid JSON"),
        ("f.jsonl", '["input"]\n', "f.jsonl:line 1: each line must be a JSON object"),
        ("g.jsonl", '{"premise": "x"}\n', "g.jsonl:line 1: missing column 'input'"),
        ("h.jsonl", '{"input": 3}\n', "h.jsonl:line 1: input must be a string"),
    ],
)
def test_file_errors_name_file_and_line(tmp_path, name, content, message):
    path = tmp_path / name
    path.write_text(content)
    with pytest.raises(RecordError) as info:
        read_records(path)
    assert str(info.value).startswith(f"{tmp_path / message}")


def test_missing_and_binary_files(tmp_path):
    with pytest.raises(RecordError, match="no such file"):
        read_records(tmp_path / "absent.csv")
    blob = tmp_path / "blob.csv"
    blob.write_bytes(b"input,label\n\xff\xfe,1\n")
    with pytest.raises(RecordError, match="not UTF-8"):
        read_records(blob)
