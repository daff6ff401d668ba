"""A themed set (``names-medicine``: names of several words) through every integration.

``export-hf`` keeps the commonsense columns and ``datasets`` reloads them; the inspect task and
the lm-eval tasks load the themed config and score scripted models exactly. Expected metrics
are counted by hand from ``(gold, pred)`` pairs whose gold comes from the independent oracle
(``tests/oracle.py``, which reads the text alone), not from the files.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import oracle
from corr2cause.evaluation.commonsense import read_commonsense
from corr2cause.integrations import lm_eval_tasks_path
from corr2cause.integrations.hf_export import export_hf
from corr2cause.integrations.hf_schema import EXPORT_FEATURES
from corr2cause.integrations.paper_prompt import paper_prompt
from corr2cause.integrations.sources import iter_item_tables, load_items, optional_item_columns

from .test_lm_eval_tasks import _expected  # hand-counted fractions of (gold, pred) pairs

THEMED = "names-medicine"
COMMONSENSE = ("commonsense", "commonsense_conflict")


def _coin(text: str) -> int:
    return hashlib.sha256(text.encode()).digest()[0] & 1


def _source_rows(themed_dir: Path) -> dict[str, dict[str, Any]]:
    rows = pq.read_table(themed_dir / THEMED / "items.parquet").to_pylist()
    return {row["id"]: row for row in rows}


def _front_matter(readme: Path) -> dict[str, Any]:
    yaml = pytest.importorskip("yaml")
    match = re.match(r"^---\n(.*?)\n---\n", readme.read_text(encoding="utf-8"), flags=re.S)
    assert match, "README.md has no YAML header"
    loaded: dict[str, Any] = yaml.safe_load(match.group(1))
    return loaded


@pytest.fixture(scope="module")
def test_items(themed_dir: Path) -> list[Any]:
    """The themed test split, every gold label re-derived by the oracle."""
    items = load_items(themed_dir, config=THEMED, split="test")
    for item in items:
        assert oracle.verdict(item.premise, item.hypothesis).label == item.label, item.id
    assert sum(" " in name for item in items for name in oracle.parse_premise(item.premise).names)
    return items


# -- export-hf ---------------------------------------------------------------------------------


def test_item_tables_carry_the_commonsense_columns(themed_dir: Path, tmp_path: Path):
    assert optional_item_columns(themed_dir / "original") == ()
    assert optional_item_columns(themed_dir / THEMED) == COMMONSENSE
    source = _source_rows(themed_dir)
    seen = 0
    for table in iter_item_tables(themed_dir / THEMED, batch_rows=97):  # many small chunks
        assert table.column_names[-2:] == list(COMMONSENSE)
        for row in table.select(["id", *COMMONSENSE]).to_pylist():
            assert (row["commonsense"], row["commonsense_conflict"]) == (
                source[row["id"]]["commonsense"],
                source[row["id"]]["commonsense_conflict"],
            )
            seen += 1
    assert seen == len(source) == 822
    # the JSON-lines table gives the same columns
    jsonl = tmp_path / "gen"
    from corr2cause.dataset.generate import GenerationConfig, generate_dataset

    generate_dataset(jsonl, GenerationConfig(nodes=[2, 3], variants=[THEMED], formats=["jsonl"]))
    (table,) = iter_item_tables(jsonl / THEMED)
    lines = (jsonl / THEMED / "items.jsonl").read_text(encoding="utf-8").splitlines()
    rows = [json.loads(line) for line in lines]
    assert table.column("commonsense").to_pylist() == [r["commonsense"] for r in rows]


def test_export_keeps_the_commonsense_columns(themed_dir: Path, themed_hf_dir: Path):
    source = _source_rows(themed_dir)
    shards = sorted((themed_hf_dir / "data" / THEMED).glob("*.parquet"))
    assert shards
    exported = pa.concat_tables(pq.read_table(p) for p in shards)
    assert exported.column_names == [*EXPORT_FEATURES, *COMMONSENSE]
    assert exported.schema.field("commonsense").type == pa.string()
    assert exported.schema.field("commonsense_conflict").type == pa.bool_()
    rows = exported.to_pylist()
    assert len(rows) == len(source)
    for row in rows:
        mine = source[row["id"]]
        for column in (*COMMONSENSE, "node_i", "node_j", "premise", "hypothesis"):
            assert row[column] == mine[column], (row["id"], column)
    assert {r["commonsense"] for r in rows} == {None, "agrees", "contradicts", "unrelated"}
    default = pq.read_table(sorted((themed_hf_dir / "data" / "default").glob("*.parquet"))[0])
    assert default.column_names == list(EXPORT_FEATURES)
    # the store (and so robustness and commonsense_metrics) read them back from the export
    back = read_commonsense(themed_hf_dir / "data" / THEMED, split="test")
    assert back == {
        i: (r["commonsense"], r["commonsense_conflict"])
        for i, r in source.items()
        if r["split"] == "test"
    }


def test_card_declares_the_themed_features(themed_hf_dir: Path):
    meta = _front_matter(themed_hf_dir / "README.md")
    features = {
        info["config_name"]: {f["name"]: f["dtype"] for f in info["features"]}
        for info in meta["dataset_info"]
    }
    assert list(features["default"]) == list(EXPORT_FEATURES)
    assert list(features[THEMED]) == [*EXPORT_FEATURES, *COMMONSENSE]
    assert features[THEMED]["commonsense_conflict"] == "bool"
    body = (themed_hf_dir / "README.md").read_text(encoding="utf-8")
    manifest = json.loads((themed_hf_dir / "generation_manifest.json").read_text())
    theme = manifest["themes"][THEMED]
    assert f"`{THEMED}`: theme `medicine` version {theme['version']}" in body
    assert theme["sha256"][:12] in body
    for name in COMMONSENSE:
        assert f"| `{name}` |" in body


def test_datasets_reloads_the_themed_config(themed_dir: Path, themed_hf_dir: Path, tmp_path: Path):
    datasets = pytest.importorskip("datasets")
    assert datasets.get_dataset_config_names(str(themed_hf_dir)) == ["default", THEMED]
    ds = datasets.load_dataset(str(themed_hf_dir), THEMED, cache_dir=str(tmp_path / "cache"))
    features = ds["test"].features
    assert features["commonsense"] == datasets.Value("string")
    assert features["commonsense_conflict"] == datasets.Value("bool")
    assert features["label"] == datasets.ClassLabel(names=["invalid", "valid"])
    source = _source_rows(themed_dir)
    splits = {"train": "train", "validation": "dev", "test": "test"}
    for split, rows in ds.items():
        assert rows.num_rows == sum(r["split"] == splits[split] for r in source.values())
        for row in rows:
            mine = source[row["id"]]
            assert (row["commonsense"], row["commonsense_conflict"]) == (
                mine["commonsense"],
                mine["commonsense_conflict"],
            )
            assert (row["node_i"], row["node_j"], row["label"]) == (
                mine["node_i"],
                mine["node_j"],
                mine["label"],
            )


def test_unknown_commonsense_values_are_refused(themed_dir: Path, tmp_path: Path):
    import shutil

    from corr2cause.errors import Corr2CauseError

    source = tmp_path / "gen"
    shutil.copytree(themed_dir, source)
    path = source / THEMED / "items.parquet"
    table = pq.read_table(path)
    k = table.column_names.index("commonsense")
    bad = pa.array(["maybe"] * table.num_rows).dictionary_encode()
    pq.write_table(table.set_column(k, "commonsense", bad), path)
    with pytest.raises(Corr2CauseError, match=r"commonsense values \['maybe'\]"):
        export_hf(source, tmp_path / "hf")


# -- inspect -----------------------------------------------------------------------------------


def test_inspect_task_scores_a_themed_set(themed_dir: Path, test_items, tmp_path: Path):
    pytest.importorskip("inspect_ai")
    from inspect_ai import eval as inspect_eval
    from inspect_ai.model import ModelOutput, ModelUsage, get_model

    from corr2cause.integrations.inspect_task import corr2cause

    prompts = {paper_prompt(i.premise, i.hypothesis): i for i in test_items}
    gold = {p: oracle.verdict(i.premise, i.hypothesis).label for p, i in prompts.items()}

    def reply(messages, tools, tool_choice, config):
        text = "Yes." if _coin(messages[-1].text) else "No, not necessarily."
        out = ModelOutput.from_content(model="mockllm", content=text)
        out.usage = ModelUsage(input_tokens=1, output_tokens=1, total_tokens=2)
        return out

    (log,) = inspect_eval(
        corr2cause(data=str(themed_dir), config=THEMED),
        model=get_model("mockllm/model", custom_outputs=reply),
        log_dir=str(tmp_path),
        display="none",
    )
    assert log.status == "success", log.error
    (score,) = log.results.scores
    got = {name: m.value for name, m in score.metrics.items()}
    pairs = [(gold[p], _coin(p)) for p in prompts]
    assert 0 < sum(p for _, p in pairs) < len(pairs) and any(g for g, _ in pairs)
    want = _expected(pairs)
    names = {"f1": "valid_f1", "precision": "valid_precision", "recall": "valid_recall"}
    for key, value in want.items():
        expected = math.nan if value is None else value
        assert got[names.get(key, "accuracy")] == pytest.approx(expected, nan_ok=True), key
    assert len(log.samples) == len(test_items) == 114
    assert {s.input for s in log.samples} == set(prompts)


# -- lm-eval -----------------------------------------------------------------------------------


def _lm_eval(model: Any, tasks: list[str], metadata: dict[str, Any], **kwargs: Any) -> Any:
    from lm_eval import simple_evaluate
    from lm_eval.tasks import TaskManager

    manager = TaskManager(
        include_path=lm_eval_tasks_path(), include_defaults=False, metadata=metadata
    )
    return simple_evaluate(
        model=model, tasks=tasks, task_manager=manager, bootstrap_iters=0, **kwargs
    )


def test_lm_eval_tasks_score_a_themed_set(themed_dir: Path, themed_hf_dir: Path, test_items):
    pytest.importorskip("lm_eval")
    from lm_eval.api.model import LM

    prompts = {paper_prompt(i.premise, i.hypothesis): i for i in test_items}
    gold = {p: oracle.verdict(i.premise, i.hypothesis).label for p, i in prompts.items()}
    assert any(gold.values()) and 0 < sum(map(_coin, prompts)) < len(prompts)
    budgets: dict[str, Any] = {}

    class Scripted(LM):
        def loglikelihood(self, requests):
            return [
                (0.0 if (r.args[1] == " Yes") == bool(_coin(r.args[0])) else -1.0, False)
                for r in requests
            ]

        def loglikelihood_rolling(self, requests):
            raise NotImplementedError

        def generate_until(self, requests):
            out = []
            for r in requests:
                budgets[r.task_name] = r.args[1]
                verdict = "Yes" if _coin(r.args[0]) else "No"
                out.append(f"{verdict}." if r.task_name == "corr2cause_gen" else
                           f"<think>The premise lists {len(r.args[0])} characters.\n\n"
                           f"So the answer is ...</think>\n\n{verdict}")  # fmt: skip
            return out

    tasks = ["corr2cause", "corr2cause_gen", "corr2cause_gen_reasoning"]
    expected = _expected([(gold[p], _coin(p)) for p in prompts])
    # every task on the generated folder, the log-likelihood task on its export
    for data, run in ((themed_dir, tasks), (themed_hf_dir, tasks[:1])):
        metadata = {"data": str(data), "config": THEMED}
        results = _lm_eval(Scripted(), run, metadata)["results"]
        for task in run:
            assert results[task]["sample_len"] == len(test_items)
            for name, value in expected.items():
                got = results[task][f"{name},none"]
                assert (got is None) if value is None else got == pytest.approx(value), (task, name)
        if "corr2cause_gen_reasoning" in run:
            assert results["corr2cause_gen_reasoning"]["truncated,none"] == 0.0
            assert results["corr2cause_gen_reasoning"]["unparseable,none"] == 0.0
    # the paper protocol keeps its budget; the reasoning task has room to think
    assert budgets["corr2cause_gen"]["until"] == ["\n\n", "Question:"]
    assert budgets["corr2cause_gen"]["max_gen_toks"] == 32
    assert budgets["corr2cause_gen_reasoning"]["until"] == ["\nQuestion:"]
    assert budgets["corr2cause_gen_reasoning"]["max_gen_toks"] == 8192


def test_normalized_themed_tables_carry_the_same_commonsense_columns(themed_dir, tmp_path):
    from corr2cause.dataset.generate import GenerationConfig
    from corr2cause.dataset.store import generate

    generate(GenerationConfig(nodes=[2, 3, 4], variants=[THEMED], layout="normalized"), tmp_path)
    assert optional_item_columns(tmp_path / THEMED) == COMMONSENSE
    source = _source_rows(themed_dir)  # the flat layout's rows: the same items, same names
    rows = [
        row
        for table in iter_item_tables(tmp_path / THEMED)
        for row in table.select(["id", *COMMONSENSE]).to_pylist()
    ]
    assert len(rows) == len(source) == 822
    for row in rows:
        mine = source[row["id"]]
        assert (row["commonsense"], row["commonsense_conflict"]) == (
            mine["commonsense"],
            mine["commonsense_conflict"],
        )


def test_read_commonsense_reads_a_normalized_themed_variant(themed_dir, tmp_path):
    from corr2cause.dataset.generate import GenerationConfig
    from corr2cause.dataset.store import generate

    generate(GenerationConfig(nodes=[2, 3, 4], variants=[THEMED], layout="normalized"), tmp_path)
    flat = read_commonsense(themed_dir / THEMED, split="test")
    assert flat and read_commonsense(tmp_path / THEMED, split="test") == flat
