"""Shared, immutable fixtures for the whole test suite."""

from __future__ import annotations

from pathlib import Path

import pytest

from official_data import OFFICIAL_TEST_ENV, REPO_ROOT, find_official_test, require_official_test

__all__ = ["OFFICIAL_TEST_ENV", "REPO_ROOT", "find_official_test"]


@pytest.fixture(scope="session")
def official_test_path() -> Path:
    """Path of the official 1,162-item test split.

    Skips with the reason when it is absent, except in CI, where that is a failure
    (``tests/official_data.py``).
    """
    return require_official_test()
