"""Digests of a small generation recorded from an earlier release (docs/dataset.md promises
that default output stays byte-identical across releases).

Recorded with the code of commit 37b017c for
``GenerationConfig(nodes=[2, 3, 4], variants=BASELINE_VARIANTS, formats=FORMATS)``: SHA-256
over the sorted ``"path sha256"`` lines of the manifest (text files, and Parquet files apart,
because Parquet bytes depend on the pyarrow version that wrote them), and of the manifest
itself with its package version set to ``"X"``. A change here is a new dataset version, never a
test update.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any

BASELINE_VARIANTS = ["original", "paraphrase", "refactor", "relabel", "names-medicine"]
FORMATS = ["csv", "parquet", "jsonl"]
BASELINE_TEXT = "2626ffdf67f94b1a219d3e70413ec8504a975256dc43aa54f107fb8330099434"
BASELINE_PARQUET = "530f86ed1d4f5740fd892959f13415f5d2e396b72c33fc48841b87e6086dc44c"
BASELINE_PYARROW = "26.0.1"
BASELINE_MANIFEST = "9eb6d89e1bab2909004410c418a56515723adfc3e569ff3c9676be2e1f2ef852"


def manifest_digest(manifest: dict[str, Any], keep: Callable[[str], bool]) -> str:
    """SHA-256 over the sorted ``"path sha256"`` lines of the files ``keep`` selects."""
    lines = "".join(f"{k} {manifest['sha256'][k]}\n" for k in sorted(manifest["sha256"]) if keep(k))
    return hashlib.sha256(lines.encode()).hexdigest()


def versionless_manifest_digest(manifest: dict[str, Any]) -> str:
    """SHA-256 of the manifest as written (indent 2) with its package version set to ``"X"``."""
    text = json.dumps({**manifest, "version": "X"}, indent=2).encode()
    return hashlib.sha256(text).hexdigest()
