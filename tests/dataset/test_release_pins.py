"""Default generation is byte-identical to an earlier release (docs/dataset.md).

Seeds make a run reproducible; these pins make it reproducible *across releases*: a changed
seed-stream constant (the key of the split shuffle, of a relabeling permutation, of the swap
forms), a reordered column or a new default changes a published dataset silently, and only a
recorded digest notices. The digests were recorded before the code they now check was last
changed (see tests/release_pins.py).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pyarrow as pa
import pytest

from corr2cause.dataset.generate import GenerationConfig, generate_dataset
from release_pins import (
    BASELINE_MANIFEST,
    BASELINE_PARQUET,
    BASELINE_PYARROW,
    BASELINE_TEXT,
    BASELINE_VARIANTS,
    FORMATS,
    manifest_digest,
    versionless_manifest_digest,
)


@pytest.fixture(scope="module")
def released(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("released") / "data"
    config = GenerationConfig(nodes=[2, 3, 4], variants=BASELINE_VARIANTS, formats=FORMATS)
    generate_dataset(out, config)
    return out


def test_files_match_their_manifest(released: Path) -> None:
    manifest = json.loads((released / "manifest.json").read_text())
    for rel, sha in manifest["sha256"].items():
        assert hashlib.sha256((released / rel).read_bytes()).hexdigest() == sha, rel


def test_text_files_are_those_of_the_recorded_release(released: Path) -> None:
    manifest = json.loads((released / "manifest.json").read_text())
    assert manifest_digest(manifest, lambda k: not k.endswith(".parquet")) == BASELINE_TEXT
    assert versionless_manifest_digest(manifest) == BASELINE_MANIFEST


def test_parquet_files_are_those_of_the_recorded_release(released: Path) -> None:
    if pa.__version__ != BASELINE_PYARROW:
        pytest.skip(
            f"Parquet digests recorded with pyarrow {BASELINE_PYARROW}, not {pa.__version__}"
        )
    manifest = json.loads((released / "manifest.json").read_text())
    assert manifest_digest(manifest, lambda k: k.endswith(".parquet")) == BASELINE_PARQUET
