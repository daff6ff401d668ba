"""``export-hf --stories``: a verified story set as one more config of the export.

The story set is written offline against the stub server from the real generator's N = 2..4
items; the exported rows are compared with the story file row by row.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from corr2cause.cli.app import app
from corr2cause.dataset.generate import GenerationConfig, generate_dataset
from corr2cause.dataset.themes import load_theme
from corr2cause.evaluation.stories import StoryError, write_stories
from corr2cause.integrations.hf_export import ExportError, export_hf
from corr2cause.integrations.hf_schema import OPTIONAL_FEATURES
from corr2cause.integrations.sources import load_items
from corr2cause.testing.stub_server import StubOpenAIServer
from fixtures.stories import naming_answer

STORY_FIELDS = ("source_id", "story_id", "context", "names", "verified")
_story_answer = naming_answer(load_theme("ecology").names, step=5, context="A lake in spring.")


@pytest.fixture(scope="module")
def story_source(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """``(generated root, story folder)`` for N = 2..4, every premise with a story."""
    root = tmp_path_factory.mktemp("hf-stories")
    data = root / "data"
    generate_dataset(data, GenerationConfig(nodes=[2, 3, 4], formats=["jsonl", "parquet"]))
    stories = root / "stories-eco"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("OPENAI_API_KEY", "sk-test")
        with StubOpenAIServer(answer=_story_answer) as server:
            write_stories(
                "openai:stub",
                data / "original" / "items.jsonl",
                out_dir=stories,
                backend_options={"base_url": server.base_url, "max_retries": 0},
            )
    return data, stories


def _story_rows(stories: Path) -> list[dict[str, Any]]:
    return [json.loads(x) for x in (stories / "stories.jsonl").read_text().splitlines()]


def _shard_rows(hf: Path, config: str) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for split in ("train", "validation", "test"):
        for shard in sorted((hf / "data" / config).glob(f"{split}-*.parquet")):
            rows += [{**r, "_split": split} for r in pq.read_table(shard).to_pylist()]
    return rows


def test_a_story_set_becomes_a_config_with_its_rows(story_source, tmp_path):
    data, stories = story_source
    result = export_hf(data, tmp_path / "hf", stories=[stories])
    assert [c.name for c in result.configs] == ["default", "stories-eco"]
    config = result.configs[1]
    assert (config.kind, config.variant, config.columns) == ("stories", "story", STORY_FIELDS)
    source = _story_rows(stories)
    exported = {r["id"]: r for r in _shard_rows(tmp_path / "hf", "stories-eco")}
    assert sorted(exported) == sorted(r["id"] for r in source)
    hf_split = {"train": "train", "dev": "validation", "test": "test"}
    label3 = ["entailment", "neutral", "contradiction"]
    for row in source:
        got = exported[row["id"]]
        assert got["_split"] == hf_split[row["split"]]
        assert got["input"] == f"Premise: {row['premise']}\nHypothesis: {row['hypothesis']}"
        same = ("label", "num_variables", "template", "premise", "hypothesis", "relation")
        assert {k: got[k] for k in same} == {k: row[k] for k in same}
        assert label3[got["label3"]] == row["label3"]
        assert (got["node_i"], got["node_j"], got["fraction"], got["mec_id"]) == (
            row["node_i"],
            row["node_j"],
            row["fraction"],
            row["mec_id"],
        )
        assert json.loads(got["names"]) == row["names"]
        assert (got["source_id"], got["story_id"], got["context"], got["verified"]) == (
            row["source_id"],
            row["story_id"],
            row["context"],
            True,
        )
    # the readers of the inspect and lm-eval tasks take the config by name
    items = load_items(tmp_path / "hf", config="stories-eco", split="test")
    assert sorted(i.id for i in items) == sorted(r["id"] for r in source if r["split"] == "test")
    card = (tmp_path / "hf" / "README.md").read_text(encoding="utf-8")
    assert '- config_name: "stories-eco"' in card and "**Story configs**" in card
    assert "corr2cause export-hf DIR --out HF_DIR --stories STORIES" in card
    for name in STORY_FIELDS:
        assert f"| `{name}` | {OPTIONAL_FEATURES[name]['dtype']} |" in card
    # the story config is not a generator variant: the generate command does not name it
    assert "--variant original --seed" in card


def test_the_story_config_loads_with_datasets(story_source, tmp_path):
    datasets = pytest.importorskip("datasets")
    data, stories = story_source
    export_hf(data, tmp_path / "hf", stories=[stories])
    ds = datasets.load_dataset(str(tmp_path / "hf"), "stories-eco")
    assert ds["test"].features["label"].names == ["invalid", "valid"]
    assert ds["test"].features["verified"].dtype == "bool"
    assert ds["test"].num_rows == sum(1 for r in _story_rows(stories) if r["split"] == "test")


def test_the_export_is_deterministic_and_the_command_takes_stories(story_source, tmp_path):
    data, stories = story_source
    export_hf(data, tmp_path / "a", stories=[stories])
    result = CliRunner().invoke(
        app, ["export-hf", str(data), "--out", str(tmp_path / "b"), "--stories", str(stories)]
    )
    assert result.exit_code == 0, result.output

    def digests(root: Path) -> dict[str, str]:
        return {
            p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*"))
            if p.is_file()
        }

    assert digests(tmp_path / "a") == digests(tmp_path / "b")


def test_bad_story_sets_fail_clearly_and_write_nothing(story_source, tmp_path):
    data, stories = story_source
    out = tmp_path / "hf"
    with pytest.raises(StoryError, match="no story set here"):
        export_hf(data, out, stories=[tmp_path / "missing"])
    free = tmp_path / "free"
    free.mkdir()
    row = {"id": "x/freeform", "source_id": "x", "label": 1, "verified": False}
    (free / "stories.jsonl").write_text(json.dumps(row) + "\n")
    with pytest.raises(StoryError, match=r"line 1: not a verified story"):
        export_hf(data, out, stories=[free])
    old = tmp_path / "old"
    old.mkdir()
    legacy = [
        {k: v for k, v in r.items() if k not in ("node_i", "node_j", "fraction", "mec_id")}
        for r in _story_rows(stories)
    ]
    (old / "stories.jsonl").write_text("".join(json.dumps(r) + "\n" for r in legacy))
    with pytest.raises(ExportError, match=r"missing column\(s\) mec_id, node_i, node_j, fraction"):
        export_hf(data, out, stories=[old])
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "stories.jsonl").write_text("")
    with pytest.raises(ExportError, match="no story items"):
        export_hf(data, out, stories=[empty])
    assert not out.exists()
    clash = tmp_path / "default"
    clash.mkdir()
    (clash / "stories.jsonl").write_text((stories / "stories.jsonl").read_text())
    renamed = export_hf(data, out, stories=[clash])  # a folder "default" gives stories-default
    assert [c.name for c in renamed.configs] == ["default", "stories-default"]


def test_robustness_on_the_export_treats_the_story_config_as_a_story_set(story_source, tmp_path):
    from corr2cause.evaluation.robustness import run_robustness

    data, stories = story_source
    export_hf(data, tmp_path / "hf", stories=[stories])
    on_export = run_robustness("random-uniform", tmp_path / "hf", tmp_path / "r1")
    on_folder = run_robustness("random-uniform", data, tmp_path / "r2", stories=[stories])
    assert list(on_export["variants"]) == ["original", "stories-eco"]
    assert on_export["identity"]["variants"] == ["original"]
    exported, direct = on_export["variants"]["stories-eco"], on_folder["variants"]["stories-eco"]
    assert exported["kind"] == "stories" and exported["sources"]["n"] == exported["n"] > 0
    # the same items, ids and source ids either way: the same row, number for number
    assert exported == direct
    only = run_robustness(
        "random-uniform", tmp_path / "hf", tmp_path / "r3", variants=["original", "stories-eco"]
    )
    assert only["variants"]["stories-eco"] == direct
