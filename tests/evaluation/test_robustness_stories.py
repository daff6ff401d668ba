"""Story sets in the robustness report: one row each, compared item by item with their sources.

The story set is written by ``write_stories`` against the stub server (offline), from the real
generator's N = 2..4 items. The scripted model answers by a coin on the hypothesis text, so
the same item gets different answers in its letter and its story wording; every expected
number is counted by hand from the two items files, independently of the report's code.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from corr2cause.cli.app import app
from corr2cause.dataset.generate import GenerationConfig, generate_dataset
from corr2cause.dataset.themes import load_theme
from corr2cause.evaluation.backends.base import Backend, Request, Response
from corr2cause.evaluation.robustness import run_robustness
from corr2cause.evaluation.run_guard import RunIdentityError
from corr2cause.evaluation.stories import StoryError, discover_story_sets, write_stories
from corr2cause.testing.stub_server import StubOpenAIServer
from fixtures.stories import naming_answer

from .conftest import hand_scores

_story_answer = naming_answer(load_theme("medicine").names)


@pytest.fixture(scope="module")
def story_data(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """``(generated root, story folder)``: N = 2..4, a story for every premise."""
    root = tmp_path_factory.mktemp("robust-stories")
    data = root / "data"
    generate_dataset(data, GenerationConfig(nodes=[2, 3, 4], formats=["jsonl"]))
    stories = root / "stories"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("OPENAI_API_KEY", "sk-test")
        with StubOpenAIServer(answer=_story_answer) as server:
            report = write_stories(
                "openai:stub",
                data / "original" / "items.jsonl",
                out_dir=stories,
                backend_options={"base_url": server.base_url, "max_retries": 0},
            )
    assert not any(report["rejected"].values()) and report["story_items"] == 822, report
    return data, stories


def _rows(path: Path, split: str = "test") -> list[dict[str, Any]]:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    return [r for r in rows if r.get("split") == split]


def _coin(text: str) -> int:
    return hashlib.sha256(text.encode()).digest()[0] & 1


class ByWording(Backend):
    """Answers a coin on the hypothesis text: the wording, not the causal structure, decides."""

    name = "fake-by-wording"

    def __init__(self) -> None:
        super().__init__("")

    def stream(
        self, requests: Sequence[Request], *, concurrency: int = 1
    ) -> Iterator[tuple[int, Response]]:
        for index, request in enumerate(requests):
            label = _coin(request.item.hypothesis)
            yield index, Response(text=str(label), label=label)


def test_a_story_set_is_compared_with_its_source_items(story_data, tmp_path):
    data, stories = story_data
    report = run_robustness(ByWording(), data, tmp_path / "out", stories=[stories])
    assert list(report["variants"]) == ["original", "stories"]
    row = report["variants"]["stories"]
    assert row["kind"] == "stories" and report["variants"]["original"]["kind"] == "variant"

    story_rows = _rows(stories / "stories.jsonl")
    source_rows = {r["id"]: r for r in _rows(data / "original" / "items.jsonl")}
    assert story_rows and all(r["source_id"] in source_rows for r in story_rows)
    story = [(r["label"], _coin(r["hypothesis"])) for r in story_rows]
    letters = [
        (source_rows[r["source_id"]]["label"], _coin(source_rows[r["source_id"]]["hypothesis"]))
        for r in story_rows
    ]
    assert [g for g, _ in story] == [g for g, _ in letters]  # the labels are the sources'
    assert story != letters, "the coin should tell the two wordings apart"
    by_hand_story, by_hand_letters = hand_scores(story), hand_scores(letters)
    assert row["n"] == len(story_rows)
    assert {m: row[m] for m in ("f1", "precision", "recall", "accuracy")} == {
        m: by_hand_story[m] for m in ("f1", "precision", "recall", "accuracy")
    }
    assert row["sources"] == {**by_hand_letters, "unmatched": 0, "stories": by_hand_story}
    assert row["delta"] == {
        m: None
        if by_hand_story[m] is None or by_hand_letters[m] is None
        else round(by_hand_story[m] - by_hand_letters[m], 2)
        for m in ("f1", "precision", "recall", "accuracy")
    }
    assert by_hand_story["gold_valid"] > 0 and by_hand_story["f1"] is not None
    same = sum(1 for (_, a), (_, b) in zip(story, letters, strict=True) if a == b)
    assert row["agreement_with_original"] == {
        "n": len(story_rows),
        "agreement_pct": round(100 * same / len(story_rows), 2),
        "aligned_by": "source_id",
    }
    assert row["commonsense"] is None
    text = (tmp_path / "out" / "robustness.md").read_text(encoding="utf-8")
    assert "## Story sets" in text
    section = text.split("## Story sets", 1)[1].splitlines()
    story_line = next(line for line in section if line.startswith("| stories | "))
    assert f"| {by_hand_letters['f1']:.2f} | {by_hand_story['f1']:.2f} |" in story_line


def test_without_the_original_run_a_story_set_is_not_compared(story_data, tmp_path):
    data, stories = story_data
    report = run_robustness(
        ByWording(), data, tmp_path / "out", variants=["original"], stories=[stories], limit=5
    )
    assert report["variants"]["stories"]["sources"]["n"] <= 5  # the first 5 sources only
    other = tmp_path / "no-original"
    generate_dataset(
        other, GenerationConfig(nodes=[2, 3], variants=["refactor"], formats=["jsonl"])
    )
    alone = run_robustness(ByWording(), other, tmp_path / "out2", stories=[stories])
    row = alone["variants"]["stories"]
    assert (row["sources"], row["delta"], row["agreement_with_original"]) == (None, None, None)
    text = (tmp_path / "out2" / "robustness.md").read_text(encoding="utf-8")
    assert "story sets are not compared" in text


def test_reruns_resume_and_another_story_set_is_refused(story_data, tmp_path):
    data, stories = story_data
    out = tmp_path / "out"
    first = run_robustness(ByWording(), data, out, stories=[stories])
    again = run_robustness(ByWording(), data, out, stories=[stories])
    assert again["variants"] == first["variants"]
    with pytest.raises(RunIdentityError, match="different stories"):
        run_robustness(ByWording(), data, out)
    assert run_robustness(ByWording(), data, out, overwrite=True)["identity"].get("stories") is None


def test_story_sets_are_named_after_their_folders(tmp_path):
    for folder in ("stories", "stories-med", "med"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "stories.jsonl").write_text("")
    found = discover_story_sets([tmp_path / "stories", tmp_path / "stories-med" / "stories.jsonl"])
    assert found == {
        "stories": tmp_path / "stories" / "stories.jsonl",
        "stories-med": tmp_path / "stories-med" / "stories.jsonl",
    }
    assert list(discover_story_sets([tmp_path / "med"])) == ["stories-med"]
    with pytest.raises(StoryError, match="a second story set named 'stories-med'"):
        discover_story_sets([tmp_path / "stories-med", tmp_path / "med"])


def test_bad_story_sets_fail_clearly(story_data, tmp_path):
    data, _ = story_data
    with pytest.raises(StoryError, match="no story set here"):
        run_robustness(ByWording(), data, tmp_path / "out", stories=[tmp_path / "nothing"])
    free = tmp_path / "free"
    free.mkdir()
    row = {"id": "x/freeform", "source_id": "x", "label": 1, "num_variables": 2,
           "relation": "parent", "variant": "story-freeform", "verified": False,
           "premise": "p", "hypothesis": "h", "split": "test"}  # fmt: skip
    (free / "stories.jsonl").write_text(json.dumps(row) + "\n")
    with pytest.raises(StoryError, match=r"line 1: not a verified story"):
        run_robustness(ByWording(), data, tmp_path / "out", stories=[free])
    assert not (tmp_path / "out" / "robustness.json").exists()


def test_the_command_takes_story_sets(story_data, tmp_path):
    data, stories = story_data
    out = tmp_path / "out"
    command = ["robustness", "--model", "oracle", "--data", str(data), "-q"]
    result = CliRunner().invoke(app, [*command, "--out", str(out), "--stories", str(stories)])
    assert result.exit_code == 0, result.output
    report = json.loads((out / "robustness.json").read_text(encoding="utf-8"))
    row = report["variants"]["stories"]
    # the exact solver reads the story names and is right on both wordings
    assert row["f1"] == row["sources"]["f1"] == row["accuracy"] == 100.0
    assert row["delta"]["f1"] == 0.0 and row["agreement_with_original"]["agreement_pct"] == 100.0
    bad = CliRunner().invoke(
        app, [*command, "--out", str(tmp_path / "o2"), "--stories", str(tmp_path / "missing")]
    )
    assert bad.exit_code == 2 and "no story set here" in bad.output
