"""``export_hf``: layout, types, determinism, the dataset card and loading with ``datasets``."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from corr2cause.dataset.generate import GenerationConfig, generate_dataset
from corr2cause.integrations import hf_export
from corr2cause.integrations.hf_export import EXPORT_FEATURES, export_hf

CONFIGS = [
    "default",
    "perturbation_by_paraphrasing",
    "perturbation_by_refactorization",
    "relabel",
]
VARIANTS = ["original", "paraphrase", "refactor", "relabel"]
COPIED = (
    "id",
    "premise",
    "hypothesis",
    "relation",
    "template",
    "mec_id",
    "node_i",
    "node_j",
    "num_variables",
    "fraction",
    "variant",
)
"""Columns exported unchanged."""
SPLIT_NAMES = {"train": "train", "dev": "validation", "test": "test"}


def _digests(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def _front_matter(readme: Path) -> dict:
    yaml = pytest.importorskip("yaml")
    text = readme.read_text(encoding="utf-8")
    match = re.match(r"^---\n(.*?)\n---\n", text, flags=re.S)
    assert match, "README.md has no YAML header"
    return yaml.safe_load(match.group(1))


def test_layout_configs_and_shards(hf_dir, hf_shard_rows):
    assert sorted(p.name for p in hf_dir.iterdir()) == [
        "README.md",
        "data",
        "generation_manifest.json",
    ]
    assert sorted(p.name for p in (hf_dir / "data").iterdir()) == sorted(CONFIGS)
    train = sorted(p.name for p in (hf_dir / "data" / "default").glob("train-*"))
    assert train == [f"train-{k:05d}-of-00003.parquet" for k in range(3)]
    rows = [pq.ParquetFile(hf_dir / "data" / "default" / name).metadata.num_rows for name in train]
    assert rows == [hf_shard_rows, hf_shard_rows, 576 - 2 * hf_shard_rows]
    assert not list(hf_dir.rglob(".*")), "staging or partial files left behind"


def test_rows_match_the_generated_tables(generated_dir, hf_dir):
    for config, variant in zip(CONFIGS, VARIANTS, strict=True):
        source = pq.read_table(generated_dir / variant / "items.parquet").to_pylist()
        for split, hf_split in SPLIT_NAMES.items():
            expected = [r for r in source if r["split"] == split]
            shards = sorted((hf_dir / "data" / config).glob(f"{hf_split}-*.parquet"))
            got = pa.concat_tables([pq.read_table(s) for s in shards]).to_pylist()
            assert len(got) == len(expected) > 0
            for mine, theirs in zip(got, expected, strict=True):
                assert "split" not in mine
                premise, hypothesis = theirs["premise"], theirs["hypothesis"]
                assert mine["input"] == f"Premise: {premise}\nHypothesis: {hypothesis}"
                assert mine["label"] == theirs["label"]
                assert EXPORT_FEATURES["label3"]["names"][mine["label3"]] == theirs["label3"]
                assert {k: mine[k] for k in COPIED} == {k: theirs[k] for k in COPIED}


def test_shards_carry_the_feature_types(hf_dir):
    shard = next((hf_dir / "data" / "relabel").glob("test-*.parquet"))
    schema = pq.read_schema(shard)
    assert schema.names == list(EXPORT_FEATURES)
    features = json.loads(schema.metadata[b"huggingface"])["info"]["features"]
    assert features["label"] == {"names": ["invalid", "valid"], "_type": "ClassLabel"}
    assert features["label3"]["names"] == ["entailment", "neutral", "contradiction"]
    assert schema.field("label").type == pa.int64()
    assert schema.field("premise").type == pa.string()


def test_export_is_deterministic(generated_dir, hf_dir, hf_shard_rows, tmp_path):
    again = tmp_path / "again"
    export_hf(generated_dir, again, max_shard_rows=hf_shard_rows)
    assert _digests(again) == _digests(hf_dir)


def test_dataset_card(hf_dir, generated_dir):
    meta = _front_matter(hf_dir / "README.md")
    assert meta["license"] == "mit"
    assert meta["task_categories"] == ["text-classification"]
    assert [c["config_name"] for c in meta["configs"]] == CONFIGS
    assert meta["configs"][0]["default"] is True
    assert meta["configs"][0]["data_files"] == [
        {"split": s, "path": f"data/default/{s}-*"} for s in ("train", "validation", "test")
    ]
    manifest = json.loads((generated_dir / "manifest.json").read_text())
    for info in meta["dataset_info"]:
        features = {f["name"]: f["dtype"] for f in info["features"]}
        assert list(features) == list(EXPORT_FEATURES)
        assert features["label"] == {"class_label": {"names": {"0": "invalid", "1": "valid"}}}
        splits = {s["name"]: s["num_examples"] for s in info["splits"]}
        assert splits == {"train": 576, "validation": 132, "test": 114}
    per_n = manifest["counts"]["original"]
    assert sum(c["items"] for c in per_n["4"].values()) == 720
    body = (hf_dir / "README.md").read_text(encoding="utf-8")
    for fact in (
        "2,201",
        "2,207",
        "18 of 1,162",
        "corr2cause generate --nodes 2-4",
        "@inproceedings",
        "`relabel` config",
    ):
        assert fact in body, fact
    assert json.loads((hf_dir / "generation_manifest.json").read_text()) == manifest


def test_loads_offline_with_datasets(hf_dir, tmp_path):
    datasets = pytest.importorskip("datasets")
    assert datasets.get_dataset_config_names(str(hf_dir)) == CONFIGS
    for config in CONFIGS:
        ds = datasets.load_dataset(str(hf_dir), config, cache_dir=str(tmp_path / "cache"))
        assert {k: v.num_rows for k, v in ds.items()} == {
            "train": 576,
            "validation": 132,
            "test": 114,
        }
        features = ds["test"].features
        assert features["label"] == datasets.ClassLabel(names=["invalid", "valid"])
        assert features["label3"].names == ["entailment", "neutral", "contradiction"]
        row = ds["validation"][0]
        assert row["input"] == f"Premise: {row['premise']}\nHypothesis: {row['hypothesis']}"
    cache = str(tmp_path / "cache")
    unnamed = datasets.load_dataset(str(hf_dir), cache_dir=cache)["test"]["id"]
    assert unnamed == datasets.load_dataset(str(hf_dir), "default", cache_dir=cache)["test"]["id"]


def test_normalized_layout_gives_the_same_shards(normalized_dir, hf_dir, tmp_path):
    """Premises are joined back in: same bytes as the flat layout, config for config."""
    out = tmp_path / "hf"
    export_hf(normalized_dir, out, max_shard_rows=250)
    assert sorted(p.name for p in (out / "data").iterdir()) == ["default", "relabel"]
    mine, flat = _digests(out / "data"), _digests(hf_dir / "data")
    assert mine == {k: v for k, v in flat.items() if k.startswith(("default/", "relabel/"))}
    assert len(mine) == 2 * 5  # 3 train shards, validation, test
    assert "--layout normalized" in (out / "README.md").read_text(encoding="utf-8")


def test_jsonl_source_gives_the_same_rows(tmp_path):
    rows = {}
    for fmt in ("parquet", "jsonl"):
        gen = tmp_path / f"gen-{fmt}"
        generate_dataset(gen, GenerationConfig(nodes=[2, 3], variants=["original"], formats=[fmt]))
        export_hf(gen, tmp_path / f"hf-{fmt}")
        rows[fmt] = [
            pq.read_table(p).to_pylist()
            for p in sorted((tmp_path / f"hf-{fmt}" / "data" / "default").glob("*.parquet"))
        ]
    assert rows["jsonl"] == rows["parquet"]
    assert len(rows["parquet"]) == 2  # N = 2..3 has no train split: validation + test only


def test_progress_reaches_the_total(generated_dir, tmp_path):
    calls: list[tuple[int, int]] = []
    export_hf(generated_dir, tmp_path / "hf", progress=lambda d, t: calls.append((d, t)))
    assert calls[-1] == (4 * 822, 4 * 822)
    assert [d for d, _ in calls] == sorted(d for d, _ in calls)


def test_refuses_to_overwrite_unless_asked(generated_dir, tmp_path):
    out = tmp_path / "hf"
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    with pytest.raises(FileExistsError, match="overwrite"):
        export_hf(generated_dir, out)
    assert (out / "keep.txt").read_text() == "mine"
    export_hf(generated_dir, out, overwrite=True)
    assert not (out / "keep.txt").exists() and (out / "README.md").is_file()


def test_bad_sources_fail_clearly_and_write_nothing(generated_dir, tmp_path):
    out = tmp_path / "hf"
    with pytest.raises(FileNotFoundError, match=r"manifest\.json"):
        export_hf(tmp_path, out)
    csv_only = tmp_path / "csv-only"
    generate_dataset(csv_only, GenerationConfig(nodes=[2], variants=["original"], formats=["csv"]))
    with pytest.raises(ValueError, match=r"no variant folder with item tables"):
        export_hf(csv_only, out)
    broken = tmp_path / "broken"
    generate_dataset(broken, GenerationConfig(nodes=[2, 3], variants=["original", "refactor"]))
    table = pq.read_table(broken / "refactor" / "items.parquet")
    label3 = pa.array(["maybe"] * table.num_rows).dictionary_encode()
    pq.write_table(
        table.set_column(table.schema.get_field_index("label3"), "label3", label3),
        broken / "refactor" / "items.parquet",
    )
    with pytest.raises(ValueError, match=r"broken/refactor: label3 values outside"):
        export_hf(broken, out)
    assert not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["broken", "csv-only"]
    with pytest.raises(ValueError, match="max_shard_rows"):
        export_hf(generated_dir, out, max_shard_rows=0)


def test_an_error_midway_closes_the_open_shards(generated_dir, tmp_path, monkeypatch):
    opened: list[pq.ParquetWriter] = []

    class Recorded(pq.ParquetWriter):  # type: ignore[misc]
        def __init__(self, *args: object, **kwargs: object) -> None:
            super().__init__(*args, **kwargs)
            opened.append(self)

    monkeypatch.setattr(pq, "ParquetWriter", Recorded)
    monkeypatch.setattr(hf_export, "ROW_GROUP_ROWS", 100)  # shards of several row groups

    def boom(done: int, total: int) -> None:
        if done >= 500:  # a train shard holds some row groups and is still open
            raise RuntimeError("stop here")

    with pytest.raises(RuntimeError, match="stop here"):
        export_hf(generated_dir, tmp_path / "hf", progress=boom, max_shard_rows=1000)
    assert opened, "no shard was opened before the error"
    assert not [w for w in opened if w.is_open], "a shard file was left open"
    assert list(tmp_path.iterdir()) == []
