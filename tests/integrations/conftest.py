"""Fixtures of the integration tests: one small generated benchmark and its HF export.

Both are built once per session (about 1 s) and must be treated as read-only. Nothing here
touches the network: the Hugging Face libraries are put in offline mode before any test runs.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from corr2cause.dataset.generate import GenerationConfig, generate_dataset
from corr2cause.integrations.hf_export import export_hf

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

VARIANTS = ["original", "paraphrase", "refactor", "relabel"]
"""Variants of the session benchmark (N = 2..4, 822 items each)."""

SHARD_ROWS = 250
"""Shard size of the session export, small enough that ``train`` (576 rows) needs 3 shards."""


@pytest.fixture(scope="session")
def generated_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``corr2cause generate --nodes 2-4`` with every variant, CSV + Parquet."""
    out = tmp_path_factory.mktemp("integrations") / "gen"
    generate_dataset(out, GenerationConfig(nodes=[2, 3, 4], variants=list(VARIANTS)))
    return out


@pytest.fixture(scope="session")
def normalized_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The same benchmark in the generator's normalized layout (items/ + premises/ parts)."""
    from corr2cause.dataset.sharded import ShardedConfig, generate_sharded

    out = tmp_path_factory.mktemp("integrations") / "normalized"
    config = ShardedConfig(nodes=[2, 3, 4], variants=["original", "relabel"], shard_size=7)
    generate_sharded(out, config, workers=1)
    return out


@pytest.fixture(scope="session")
def hf_dir(generated_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The session benchmark exported with ``export_hf`` (``max_shard_rows=250``)."""
    out = tmp_path_factory.mktemp("integrations") / "hf"
    export_hf(generated_dir, out, max_shard_rows=SHARD_ROWS)
    return out


@pytest.fixture(scope="session")
def hf_shard_rows() -> int:
    """``max_shard_rows`` of the session export."""
    return SHARD_ROWS


THEMED_VARIANTS = ["original", "names-medicine"]
"""Variants of the themed session benchmark: letters and medicine names (several words)."""


@pytest.fixture(scope="session")
def themed_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``corr2cause generate --nodes 2-4 --names medicine`` (CSV + Parquet, 822 items each)."""
    out = tmp_path_factory.mktemp("integrations") / "themed"
    generate_dataset(out, GenerationConfig(nodes=[2, 3, 4], variants=list(THEMED_VARIANTS)))
    return out


@pytest.fixture(scope="session")
def themed_hf_dir(themed_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The themed benchmark exported with ``export_hf`` (``max_shard_rows=250``)."""
    out = tmp_path_factory.mktemp("integrations") / "themed-hf"
    export_hf(themed_dir, out, max_shard_rows=SHARD_ROWS)
    return out
