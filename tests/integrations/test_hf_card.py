"""The dataset card says how the data was made, including non-default generator options."""

from __future__ import annotations

from pathlib import Path

from corr2cause.integrations.hf_card import render_card
from corr2cause.integrations.hf_export import ConfigSummary, ExportResult, SplitSummary


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
