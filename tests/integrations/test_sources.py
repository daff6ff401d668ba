"""One loader for every integration: files, generated folders and Hugging Face exports."""

from __future__ import annotations

import pytest

from corr2cause.dataset.readers import read_items
from corr2cause.integrations.sources import (
    DATA_ENV_VAR,
    OFFICIAL_CONFIGS,
    config_for_variant,
    load_items,
    variant_for_config,
)


def test_official_config_names_map_to_variants_and_back():
    assert variant_for_config("default") == "original"
    assert variant_for_config("perturbation_by_paraphrasing") == "paraphrase"
    assert variant_for_config("perturbation_by_refactorization") == "refactor"
    assert variant_for_config("relabel") == "relabel"
    for config, variant in OFFICIAL_CONFIGS.items():
        assert config_for_variant(variant) == config
    assert config_for_variant("relabel") == "relabel"


def test_generated_folder_by_config_and_split(generated_dir):
    test = load_items(generated_dir)
    assert test == read_items(generated_dir / "original" / "items.parquet", split="test")
    dev = read_items(generated_dir / "original" / "items.parquet", split="dev")
    assert load_items(generated_dir, split="validation") == dev
    assert load_items(generated_dir, split="dev") == dev
    refactored = load_items(generated_dir, config="perturbation_by_refactorization")
    assert [i.id for i in refactored] == [i.id for i in test]
    assert refactored[0].premise.count("Z") > 0 and "A" not in refactored[0].hypothesis
    assert load_items(generated_dir / "relabel", split="train") == read_items(
        generated_dir / "relabel" / "items.parquet", split="train"
    )


def test_normalized_layout_joins_premises(generated_dir, normalized_dir):
    for split in ("train", "validation", "test"):
        assert load_items(normalized_dir, config="relabel", split=split) == load_items(
            generated_dir, config="relabel", split=split
        )


def test_single_files(generated_dir, official_test_path):
    official = load_items(official_test_path)
    assert len(official) == 1162 and sum(i.label for i in official) > 0
    csv_test = load_items(generated_dir / "original" / "test.csv")
    parquet_test = load_items(generated_dir, split="test")
    assert [(i.input, i.label) for i in csv_test] == [(i.input, i.label) for i in parquet_test]
    everything = load_items(generated_dir / "original" / "items.parquet")
    assert len(everything) == 822


def test_hf_export_round_trips_every_config_and_split(generated_dir, hf_dir):
    for config in ("default", "perturbation_by_paraphrasing", "relabel"):
        for split in ("train", "validation", "test"):
            assert load_items(hf_dir, config=config, split=split) == load_items(
                generated_dir, config=config, split=split
            ), (config, split)


def test_data_from_the_environment(generated_dir, monkeypatch):
    monkeypatch.setenv(DATA_ENV_VAR, str(generated_dir))
    assert load_items(None) == load_items(generated_dir)
    monkeypatch.delenv(DATA_ENV_VAR)
    with pytest.raises(ValueError, match=DATA_ENV_VAR):
        load_items(None)


def test_errors_name_what_exists(generated_dir, hf_dir, tmp_path):
    with pytest.raises(FileNotFoundError, match="nowhere"):
        load_items(tmp_path / "nowhere")
    with pytest.raises(ValueError, match=r"no config 'shuffled'.*original, paraphrase"):
        load_items(generated_dir, config="shuffled")
    with pytest.raises(ValueError, match=r"no config 'shuffled'.*default"):
        load_items(hf_dir, config="shuffled")
    with pytest.raises(ValueError, match=r"no split 'holdout'; found: test, train, validation"):
        load_items(hf_dir, split="holdout")
    with pytest.raises(ValueError, match="empty or does not exist"):
        load_items(generated_dir, split="holdout")
