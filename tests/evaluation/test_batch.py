"""Offline batch inference: exported prompts + replayed responses score like a live run."""

from __future__ import annotations

import json

import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from corr2cause.cli.app import app
from corr2cause.evaluation.batch import export_prompts, read_responses
from corr2cause.evaluation.prompts import load_prompt

from .conftest import make_items

runner = CliRunner()


def test_exported_prompts_are_the_live_prompts(tmp_path):
    items = make_items(8)
    n = export_prompts(items, tmp_path / "p.parquet")
    rows = pq.read_table(tmp_path / "p.parquet").to_pylist()
    template = load_prompt("direct")
    assert n == len(rows) == 8
    for item, row in zip(items, rows, strict=True):
        assert row["id"] == item.id
        assert json.loads(row["messages"]) == template.messages(item)
        assert row["user"].startswith("Question: ") and row["user"].endswith("Answer:")
    with pytest.raises(ValueError, match="single-step"):
        export_prompts(items, tmp_path / "q.jsonl", prompt="cot")


def test_replayed_responses_give_the_oracle_metrics(tmp_path):
    items = make_items(8)
    data = tmp_path / "items.jsonl"
    data.write_text(
        "".join(
            json.dumps(
                {
                    "id": i.id,
                    "premise": i.premise,
                    "hypothesis": i.hypothesis,
                    "label": i.label,
                    "num_variables": i.num_variables,
                    "relation": i.relation,
                }
            )
            + "\n"
            for i in items
        )
    )
    res = runner.invoke(
        app, ["export-prompts", "--data", str(data), "--out", str(tmp_path / "p.jsonl")]
    )
    assert res.exit_code == 0, res.output
    prompts = [json.loads(x) for x in (tmp_path / "p.jsonl").read_text().splitlines()]
    gold = {i.id: i.label for i in items}
    # an "engine" answering like the exact solver, in the paper's free-text style
    responses = tmp_path / "r.jsonl"
    responses.write_text(
        "".join(
            json.dumps({"id": p["id"], "response": "Yes." if gold[p["id"]] else "No"}) + "\n"
            for p in prompts
        )
    )
    assert len(read_responses(responses)) == 8
    res = runner.invoke(
        app,
        [
            "evaluate",
            "--model",
            f"responses:{responses}",
            "--data",
            str(data),
            "--out",
            str(tmp_path / "run"),
        ],
    )
    assert res.exit_code == 0, res.output
    metrics = json.loads((tmp_path / "run" / "metrics.json").read_text())
    assert metrics["n"] == 8 and metrics["accuracy"] == 100.0 and metrics["parse_failures"] == 0


def test_bad_response_files_are_named(tmp_path):
    bad = tmp_path / "r.jsonl"
    bad.write_text('{"id": "a", "response": "Yes"}\n{"id": "a", "response": "No"}\n')
    with pytest.raises(ValueError, match="appears twice"):
        read_responses(bad)
    bad.write_text('{"id": "a"}\n')
    with pytest.raises(ValueError, match="line 1"):
        read_responses(bad)
    res = runner.invoke(
        app,
        [
            "evaluate",
            "--model",
            f"responses:{tmp_path / 'nope.jsonl'}",
            "--data",
            str(bad),
            "--out",
            str(tmp_path / "run"),
        ],
    )
    assert res.exit_code != 0


def test_fewshot_prompts_export_with_their_exemplars(tmp_path) -> None:
    import dataclasses

    from corr2cause.evaluation.fewshot import FewShotError

    pool = [dataclasses.replace(i, id=f"train-{k}") for k, i in enumerate(make_items(24))]
    out = tmp_path / "p.jsonl"
    assert export_prompts(make_items(3), out, prompt="fewshot-2", fewshot_pool=pool) == 3
    first = json.loads(out.read_text().splitlines()[0])
    roles = [m["role"] for m in json.loads(first["messages"])]
    assert roles == ["system", "user", "assistant", "user", "assistant", "user"]
    with pytest.raises(FewShotError, match="needs a pool"):
        export_prompts(make_items(3), out, prompt="fewshot-2")
