"""Tier presets and the manifest fields of the new sampling options."""

from __future__ import annotations

import pytest

from corr2cause.dataset.sharded import ShardedConfig, generate_sharded
from corr2cause.dataset.tiers import TIERS, UnknownTierError, tier_config


def test_hard_tier_preset():
    cfg = tier_config("hard", seed=3)
    cfg.validate()
    assert cfg.tier == "hard" and cfg.seed == 3
    assert cfg.nodes == [7, 10, 15, 20, 25, 30]
    assert cfg.premise_style == "minimal" and cfg.per_stratum == 100
    assert TIERS["hard"]["version"] == "hard-v2"
    with pytest.raises(UnknownTierError, match="unknown tier 'easy'"):
        tier_config("easy")


def test_new_options_stay_out_of_old_manifests():
    plain = ShardedConfig(nodes=[5]).arguments()
    assert "sampler" not in plain and "per_stratum" not in plain and "tier" not in plain
    args = ShardedConfig(nodes=[9], samples=5, sampler="uniform", per_stratum=2).arguments()
    assert args["sampler"] == "uniform" and args["per_stratum"] == 2


def test_bad_sampling_options_are_refused():
    with pytest.raises(ValueError, match="unknown sampler"):
        ShardedConfig(nodes=[9], samples=5, sampler="x").validate()
    with pytest.raises(ValueError, match="needs --samples"):
        ShardedConfig(nodes=[5], per_stratum=2).validate()


def test_tier_is_versioned_in_the_manifest(tmp_path):
    pytest.importorskip("igraph")
    cfg = ShardedConfig(
        nodes=[8], samples=30, per_stratum=2, premise_style="minimal", max_members=20, tier="hard"
    )
    manifest = generate_sharded(tmp_path / "out", cfg, workers=1)
    assert manifest["tier"] == "hard-v2+modified"  # not the preset: a trial run
    strata = manifest["nodes"]["8"]["strata"]
    assert sum(strata["classes"]) == manifest["nodes"]["8"]["classes"]
