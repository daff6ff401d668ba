"""Every command that reads items × every layout the store knows (issue 11).

In the spirit of scikit-learn's estimator checks: one table of layouts, one table of commands,
and every pair must give the same items and the same numbers (oracle F1, audit counts, solved
labels, prompt counts) as the official-format CSV of the same data. A new layout or a new
reading command is one more entry in a table.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner

from corr2cause.cli.app import app
from corr2cause.dataset.generate import GenerationConfig
from corr2cause.dataset.store import generate, open_dataset, read_items
from corr2cause.integrations.hf_export import export_hf
from corr2cause.integrations.sources import load_items

runner = CliRunner()
NODES = [3, 4]


@dataclass(frozen=True)
class Layout:
    """A location, and the split option that selects its test items (None: the whole file)."""

    name: str
    make: Callable[[Path], Path]
    split: str | None = "test"


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("layouts")
    flat = GenerationConfig(nodes=NODES, variants=["original", "refactor"],
                            formats=["csv", "parquet", "jsonl"])  # fmt: skip
    generate(flat, root / "flat")
    generate(
        GenerationConfig(nodes=NODES, variants=["original", "refactor"], layout="normalized"),
        root / "normalized",
    )
    export_hf(root / "flat", root / "hf")
    csv_only = root / "csv-only" / "original"
    csv_only.mkdir(parents=True)
    for split in ("train", "dev", "test"):
        shutil.copy(root / "flat" / "original" / f"{split}.csv", csv_only / f"{split}.csv")
    text = (root / "flat" / "original" / "test.csv").read_text(encoding="utf-8")
    bom = root / "bom-crlf.csv"
    bom.write_bytes(b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode("utf-8"))
    return root


def _hf_shard(b: Path) -> Path:
    (shard,) = sorted((b / "hf" / "data" / "default").glob("test-*.parquet"))
    return shard


LAYOUTS = [
    Layout("root-flat", lambda b: b / "flat"),
    Layout("variant-flat", lambda b: b / "flat" / "original"),
    Layout("items-parquet", lambda b: b / "flat" / "original" / "items.parquet"),
    Layout("items-jsonl", lambda b: b / "flat" / "original" / "items.jsonl"),
    Layout("root-normalized", lambda b: b / "normalized"),
    Layout("variant-normalized", lambda b: b / "normalized" / "original"),
    Layout("variant-csv-only", lambda b: b / "csv-only" / "original"),
    Layout("hf-export", lambda b: b / "hf"),
    Layout("hf-shard", _hf_shard, None),
    Layout("csv-bom-crlf", lambda b: b / "bom-crlf.csv", None),
]
REFERENCE = Layout("official-csv", lambda b: b / "flat" / "original" / "test.csv", None)


def _key(items: list) -> list[tuple[str, int, int]]:
    return [(i.input, i.label, i.num_variables) for i in items]


def _split_args(layout: Layout) -> list[str]:
    split = layout.split
    return ["--split", split] if split else []


@pytest.fixture(scope="module")
def reference_items(base: Path) -> list:
    items = read_items(REFERENCE.make(base))
    assert len(items) > 50
    return items


@pytest.mark.parametrize("layout", LAYOUTS, ids=lambda x: x.name)
def test_store_reads_the_same_items(base: Path, reference_items: list, layout: Layout) -> None:
    location = layout.make(base)
    assert _key(read_items(location, split=layout.split)) == _key(reference_items)
    # the integrations' loader (inspect-ai, lm-eval) sees the same items
    assert _key(load_items(location, split=layout.split)) == _key(reference_items)


@pytest.fixture(scope="module")
def reference_numbers(base: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    return _numbers(REFERENCE, base, tmp_path_factory.mktemp("reference"))


def _numbers(layout: Layout, base: Path, tmp: Path) -> dict:
    location = str(layout.make(base))
    split = _split_args(layout)
    res = runner.invoke(
        app,
        [
            "evaluate",
            "--model",
            "oracle",
            "--data",
            location,
            "--out",
            str(tmp / "run"),
            "-q",
            "--bootstrap",
            "0",
            *split,
        ],
    )
    assert res.exit_code == 0, res.output
    metrics = json.loads(res.stdout.strip().splitlines()[-1])
    res = runner.invoke(app, ["audit", location, "--json", "-q", *split])
    assert res.exit_code == 0, res.output
    audit = json.loads(res.stdout)
    res = runner.invoke(app, ["solve", location, "-q", "-o", str(tmp / "solved.jsonl"), *split])
    assert res.exit_code == 0, res.output
    solved = [json.loads(line) for line in (tmp / "solved.jsonl").read_text().splitlines()]
    res = runner.invoke(app, ["export-prompts", "--data", location,
                              "--out", str(tmp / "prompts.jsonl"), *split])  # fmt: skip
    assert res.exit_code == 0, res.output
    prompts = [json.loads(line) for line in (tmp / "prompts.jsonl").read_text().splitlines()]
    return {
        "oracle": {k: metrics[k] for k in ("n", "f1", "precision", "recall", "accuracy")},
        "audit": {k: audit[k] for k in ("items", "disagreements")}
        if "disagreements" in audit
        else audit.get("items"),
        "solved": [(r["label"], r.get("gold")) for r in solved],
        "prompts": sorted(p["prompt"] for p in prompts),
    }


@pytest.mark.parametrize("layout", LAYOUTS, ids=lambda x: x.name)
def test_commands_give_the_same_numbers(
    base: Path, reference_numbers: dict, layout: Layout, tmp_path: Path
) -> None:
    assert _numbers(layout, base, tmp_path) == reference_numbers


@pytest.mark.parametrize("layout", [*LAYOUTS, REFERENCE], ids=lambda x: x.name)
def test_stats_reads_every_layout(base: Path, layout: Layout) -> None:
    location = layout.make(base)
    res = runner.invoke(app, ["stats", str(location), "--json"])
    assert res.exit_code == 0, res.output
    stats = json.loads(res.stdout)
    dataset = open_dataset(location)
    first = next(iter(stats.values()))
    name = dataset.resolve_variant() if dataset.kind in ("root", "hf-export") else None
    if dataset.kind in ("root", "hf-export"):
        first = stats[name]
    assert first["overall"]["items"] == len(dataset.items(variant=name))


@pytest.mark.parametrize("name", ["root-flat", "root-normalized"])
def test_export_hf_from_every_generated_layout(base: Path, tmp_path: Path, name: str) -> None:
    layout = next(x for x in LAYOUTS if x.name == name)
    res = runner.invoke(app, ["export-hf", str(layout.make(base)), "--out", str(tmp_path / "hf"),
                              "-q"])  # fmt: skip
    assert res.exit_code == 0, res.output
    assert _key(read_items(tmp_path / "hf", split="test")) == _key(
        read_items(layout.make(base), split="test")
    )


def test_split_names_are_one_vocabulary(base: Path) -> None:
    dev = read_items(base / "flat", split="dev")
    assert _key(read_items(base / "flat", split="validation")) == _key(dev)
    assert _key(read_items(base / "hf", split="dev")) == _key(dev)
    assert _key(read_items(base / "normalized", split="validation")) == _key(dev)
    res = runner.invoke(
        app,
        [
            "evaluate",
            "--model",
            "majority",
            "--data",
            str(base / "flat"),
            "--split",
            "validation",
            "--out",
            str(base / "dev-run"),
            "-q",
        ],
    )
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout.strip().splitlines()[-1])["n"] == len(dev)


def test_the_refactor_variant_is_chosen_by_either_name(base: Path) -> None:
    by_variant = read_items(base / "flat", variant="refactor", split="test")
    by_config = read_items(base / "hf", variant="perturbation_by_refactorization", split="test")
    assert _key(by_variant) == _key(by_config)
    assert _key(by_variant) != _key(read_items(base / "flat", split="test"))


@pytest.mark.parametrize("name", ["root-flat", "variant-flat", "root-normalized", "hf-export"])
def test_finetune_reads_every_layout(base: Path, name: str) -> None:
    from corr2cause.training.finetune import load_split

    location = next(x for x in LAYOUTS if x.name == name).make(base)
    for split in ("train", "dev"):
        reference = read_items(base / "flat" / "original" / f"{split}.csv")
        assert _key(load_split(location, split)) == _key(reference), (name, split)


def test_robustness_reads_every_generated_layout(base: Path, tmp_path: Path) -> None:
    def f1_by_variant(location: Path, out: Path) -> dict[str, tuple]:
        res = runner.invoke(app, ["robustness", "--model", "oracle", "--data", str(location),
                                  "--out", str(out), "--json", "-q"])  # fmt: skip
        assert res.exit_code == 0, res.output
        report = json.loads(res.stdout)
        return {v: (r["n"], r["f1"], r["accuracy"]) for v, r in report["variants"].items()}

    reference = f1_by_variant(base / "flat", tmp_path / "flat")
    assert set(reference) == {"original", "refactor"}
    assert f1_by_variant(base / "normalized", tmp_path / "normalized") == reference
    assert f1_by_variant(base / "hf", tmp_path / "hf") == reference
