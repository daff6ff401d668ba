"""A story set (``corr2cause stories`` output) through the integrations.

Story items keep the split of their source item, so the test split of ``stories.jsonl`` is
the stories of the source's test items; the inspect task scores it like any other item file.
Gold labels come from the independent oracle (``tests/oracle.py``, which reads the text).
"""

from __future__ import annotations

import json
import re
import zlib
from pathlib import Path

import pytest

import oracle
from corr2cause.dataset.generate import GenerationConfig, generate_dataset
from corr2cause.dataset.store import read_items
from corr2cause.dataset.themes import load_theme
from corr2cause.evaluation.stories import write_stories
from corr2cause.integrations.paper_prompt import paper_prompt
from corr2cause.integrations.sources import load_items
from corr2cause.testing.stub_server import StubOpenAIServer

NAMES = load_theme("medicine").names
_N = re.compile(r"exercise about (\d+) variables")


def _answer(prompt: str) -> str:
    n = int(_N.search(prompt).group(1))  # type: ignore[union-attr]
    start = zlib.crc32(prompt.encode()) % len(NAMES)
    names = {chr(65 + k): NAMES[(start + 7 * k) % len(NAMES)] for k in range(n)}
    return json.dumps({"names": names, "context": "A clinic."})


@pytest.fixture(scope="module")
def story_file(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """Stories of every N = 2..4 item (all splits) and the source items file."""
    root = tmp_path_factory.mktemp("story-sets")
    generate_dataset(root / "data", GenerationConfig(nodes=[2, 3, 4], formats=["jsonl"]))
    source = root / "data" / "original" / "items.jsonl"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("OPENAI_API_KEY", "sk-story-sets")
        with StubOpenAIServer(answer=_answer, max_lifetime_s=120) as server:
            write_stories(
                "openai:stub",
                source,
                out_dir=root / "s",
                backend_options={"base_url": server.base_url, "max_retries": 0},
            )
    return root / "s" / "stories.jsonl", source


def test_story_items_keep_their_source_split(story_file):
    stories, source = story_file
    rows = [json.loads(line) for line in stories.read_text(encoding="utf-8").splitlines()]
    split_of = {
        json.loads(line)["id"]: json.loads(line)["split"]
        for line in source.read_text(encoding="utf-8").splitlines()
    }
    assert rows and all(row["split"] == split_of[row["source_id"]] for row in rows)
    for split in ("train", "dev", "test"):
        want = sorted(r["id"] for r in rows if split_of[r["source_id"]] == split)
        assert want, split  # N = 4 has items in every split
        assert sorted(i.id for i in load_items(stories, split=split)) == want
        assert sorted(i.id for i in read_items(stories, split=split)) == want


def test_inspect_task_scores_a_story_set(story_file, tmp_path):
    pytest.importorskip("inspect_ai")
    from inspect_ai import eval as inspect_eval
    from inspect_ai.model import ModelOutput, ModelUsage, get_model

    from corr2cause.integrations.inspect_task import corr2cause

    stories, _ = story_file
    items = load_items(stories, split="test")
    gold = {paper_prompt(i.premise, i.hypothesis): oracle.verdict(i.premise, i.hypothesis).label
            for i in items}  # fmt: skip
    assert any(gold.values()) and not all(gold.values())

    def reply(messages, tools, tool_choice, config):  # the oracle as the model: F1 = 100
        text = "Yes." if gold[messages[-1].text] else "No."
        out = ModelOutput.from_content(model="mockllm", content=text)
        out.usage = ModelUsage(input_tokens=1, output_tokens=1, total_tokens=2)
        return out

    (log,) = inspect_eval(
        corr2cause(data=str(stories), split="test"),
        model=get_model("mockllm/model", custom_outputs=reply),
        log_dir=str(tmp_path),
        display="none",
    )
    assert log.status == "success", log.error
    (score,) = log.results.scores
    assert score.metrics["valid_f1"].value == pytest.approx(1.0)
    assert score.metrics["accuracy"].value == pytest.approx(1.0)
    assert {s.input for s in log.samples} == set(gold)
