"""Shared, immutable fixtures for the whole test suite."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
OFFICIAL_TEST_ENV = "CORR2CAUSE_OFFICIAL_TEST"


def find_official_test() -> Path | None:
    """Locate the official test CSV: $CORR2CAUSE_OFFICIAL_TEST, else ../shared/reference/."""
    env = os.environ.get(OFFICIAL_TEST_ENV)
    candidates = [Path(env)] if env else []
    candidates.append(REPO_ROOT.parent / "shared" / "reference" / "official_test.csv")
    for path in candidates:
        if path.is_file():
            return path
    return None


@pytest.fixture(scope="session")
def official_test_path() -> Path:
    """Path of the official 1,162-item test split; skips (with the reason) when absent."""
    path = find_official_test()
    if path is None:
        pytest.skip(
            f"official test CSV not found: set {OFFICIAL_TEST_ENV} or place it at "
            "../shared/reference/official_test.csv"
        )
    return path
