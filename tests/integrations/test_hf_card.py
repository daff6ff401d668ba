"""The dataset card: how the data was made, its metadata, an example row and its biases."""

from __future__ import annotations

import json
import re
from collections import defaultdict
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from corr2cause.dataset.readers import read_items
from corr2cause.evaluation.robustness import cause_and_effect
from corr2cause.integrations.hf_card import render_card
from corr2cause.integrations.hf_export import ConfigSummary, ExportResult, SplitSummary
from corr2cause.integrations.hf_schema import EXPORT_FEATURES


def _result(manifest: dict, variants: tuple[str, ...] = ("original",)) -> ExportResult:
    configs = [
        ConfigSummary(
            name="default" if v == "original" else v,
            variant=v,
            description="",
            splits=[SplitSummary("test", rows=10, valid=1, by_num_variables={8: [10, 1]})],
        )
        for v in variants
    ]
    return ExportResult(out_dir=Path("hf"), configs=configs, manifest=manifest)


def test_sampled_minimal_normalized_run_is_described():
    manifest = {
        "version": "0.1.0",
        "layout": "normalized",
        "arguments": {
            "nodes": [8],
            "variants": ["original"],
            "seed": 3,
            "premise_style": "minimal",
            "samples": 50,
            "edge_density": 0.3,
            "max_members": 10000,
        },
        "nodes": {"8": {"classes": 47, "mode": "sampled"}},
    }
    card = render_card(_result(manifest))
    assert (
        "corr2cause generate --nodes 8 --variant original --seed 3 --premise-style minimal "
        "--layout normalized --samples 50 --edge-density 0.3 --max-members 10000 --out DIR"
    ) in card
    assert "Sampled classes for N = 8" in card and "sampled DAGs for some N" in card
    assert "Premise style `minimal`" in card
    assert "| 8 | 47 | 10 | 10.00 |" in card
    assert "Paraphrasing config" not in card and "exact enumeration" not in card
    assert "- (no checksums recorded)" in card


def test_default_run_has_no_caveats():
    manifest = {
        "arguments": {"nodes": [2, 3, 5], "variants": ["original", "paraphrase"], "seed": 0},
        "classes": {"8": 9},
        "sha256": {"original/items.parquet": "ab" * 32, "original/test.csv": "cd" * 32},
    }
    card = render_card(_result(manifest, ("original", "paraphrase")))
    assert "--nodes 2,3,5 --variant original,paraphrase --seed 0 --out DIR" in card
    assert "exact enumeration of the DAGs" in card and "Paraphrasing config" in card
    assert "Sampled" not in card and "Premise style" not in card
    assert f"`original/items.parquet`: sha256 `{'ab' * 32}`" in card and "test.csv" not in card
    assert "size_categories:\n- n<1K" in card


# --- the card of a real export (session fixtures: N = 2..4, every variant) ---------------

REQUIRED_SECTIONS = (
    "Loading",
    "Configs and splits",
    "Fields",
    "Example instance",
    "How it was generated",
    "Known differences from the official release",
    "Limitations and known biases",
    "License",
    "Citation",
)
REQUIRED_YAML = {
    "license": "mit",
    "language": ["en"],
    "annotations_creators": ["machine-generated"],
    "language_creators": ["machine-generated"],
    "multilinguality": ["monolingual"],
    "source_datasets": ["original"],
    "task_categories": ["text-classification"],
    "task_ids": ["natural-language-inference"],
    "size_categories": ["n<1K"],  # the largest config has 822 rows
}
CONFIG_OF = {
    "original": "default",
    "paraphrase": "perturbation_by_paraphrasing",
    "refactor": "perturbation_by_refactorization",
    "relabel": "relabel",
}


def _card(hf_dir: Path) -> tuple[dict, str]:
    yaml = pytest.importorskip("yaml")
    text = (hf_dir / "README.md").read_text(encoding="utf-8")
    _, header, body = text.split("---\n", 2)
    return yaml.safe_load(header), body


def test_the_card_has_every_section_and_metadata_field(hf_dir: Path):
    meta, body = _card(hf_dir)
    for key, value in REQUIRED_YAML.items():
        assert meta.get(key) == value, key
    assert [c["config_name"] for c in meta["configs"]] == list(CONFIG_OF.values())
    assert [c["config_name"] for c in meta["dataset_info"]] == list(CONFIG_OF.values())
    headings = re.findall(r"^## (.+)$", body, flags=re.MULTILINE)
    assert headings == list(REQUIRED_SECTIONS)
    for link in (
        "https://arxiv.org/abs/2306.05836",
        "https://github.com/causalNLP/corr2cause",
        "https://huggingface.co/datasets/causalnlp/corr2cause",
    ):
        assert link in body
    license_text = body.split("## License\n", 1)[1].split("\n## ", 1)[0]
    assert "no file or row of the official release is copied" in license_text


def test_the_example_instance_is_a_real_exported_row(hf_dir: Path, generated_dir: Path):
    _, body = _card(hf_dir)
    section = body.split("## Example instance\n", 1)[1].split("\n## ", 1)[0]
    shard = re.search(r"The first row of `([^`]+)`", section).group(1)
    example = json.loads(re.search(r"```json\n(.*?)\n```", section, flags=re.DOTALL).group(1))
    assert shard.startswith("data/default/test-")
    assert example == pq.read_table(hf_dir / shard).slice(0, 1).to_pylist()[0]
    # and it is the generator's row with that id (read through the item reader)
    items = {item.id: item for item in read_items(generated_dir / "original" / "items.parquet")}
    item = items[example["id"]]
    assert (example["premise"], example["hypothesis"], example["label"]) == (
        item.premise, item.hypothesis, item.label
    )  # fmt: skip
    assert example["input"] == item.input
    assert EXPORT_FEATURES["label3"]["names"][example["label3"]] == item.label3


def _share_sentence(items: list) -> str:
    by_n: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for item in items:
        by_n[item.num_variables][0] += 1
        by_n[item.num_variables][1] += item.label
    shares = {n: 100 * v / r for n, (r, v) in by_n.items()}
    low, high = min(shares, key=shares.get), max(shares, key=shares.get)
    valid = sum(item.label for item in items)
    return (
        f"{100 * valid / len(items):.2f} % of the {len(items):,} items of `default` are valid "
        f"(from {shares[low]:.2f} % at N = {low} to {shares[high]:.2f} % at N = {high}"
    )


def test_the_bias_numbers_are_counted_from_the_data(hf_dir: Path, generated_dir: Path):
    """Recount from the item text (cause and effect parsed from the hypothesis sentence),
    not from the ``node_i`` / ``node_j`` columns the exporter counts with."""
    _, body = _card(hf_dir)
    section = body.split("## Limitations and known biases\n", 1)[1]
    for variant, config in CONFIG_OF.items():
        items = read_items(generated_dir / variant / "items.parquet")
        if variant == "original":
            assert _share_sentence(items) in section
        counts = {True: [0, 0], False: [0, 0]}
        for item in items:
            pair = cause_and_effect(item)
            if pair is not None:
                counts[pair[0] > pair[1]][0] += 1
                counts[pair[0] > pair[1]][1] += item.label
        (lr, lv), (er, ev) = counts[True], counts[False]
        row = (
            f"| `{config}` | {lr:,} | {lv:,} ({100 * lv / lr:.2f} %) | "
            f"{er:,} | {ev:,} ({100 * ev / er:.2f} %) |"
        )
        assert row in section
    # the shortcut is exact on the official wording and reversed by refactorization
    assert (
        "In `default` and `perturbation_by_paraphrasing` no hypothesis in which a later letter "
        "causes an earlier one is valid"
    ) in section
    assert "In `perturbation_by_refactorization` the rule is reversed" in section
