"""Where the tests find the official test CSV, and what happens when it is missing.

The official 1,162-item test split is not part of the repository. Tests that need it take the
``official_test_path`` fixture (``tests/conftest.py``), which calls :func:`require_official_test`:

- on a user's clone the tests **skip**, with the reason and how to fix it;
- in CI (the ``CI`` environment variable is set to anything but ``""``, ``0`` or ``false``, as
  GitHub Actions, GitLab and ``.ci/run`` do) a missing file is a **failure**, so the suite
  cannot silently lose its only comparison with the published labels.

``CORR2CAUSE_OFFICIAL_TEST`` names the file; when it is set, it must exist (a typo is
reported, not papered over by another copy).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
OFFICIAL_TEST_ENV = "CORR2CAUSE_OFFICIAL_TEST"
DEFAULT_LOCATION = REPO_ROOT.parent / "shared" / "reference" / "official_test.csv"


def in_ci(env: Mapping[str, str] = os.environ) -> bool:
    """Whether the ``CI`` variable is set to a true value."""
    return env.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def find_official_test(env: Mapping[str, str] = os.environ) -> tuple[Path | None, str]:
    """``(path, "")`` when the CSV is found, else ``(None, reason)``."""
    named = env.get(OFFICIAL_TEST_ENV)
    if named:
        path = Path(named)
        if path.is_file():
            return path, ""
        return None, f"{OFFICIAL_TEST_ENV}={named} is not a file"
    if DEFAULT_LOCATION.is_file():
        return DEFAULT_LOCATION, ""
    return None, (
        f"official test CSV not found: set {OFFICIAL_TEST_ENV} or place it at {DEFAULT_LOCATION}"
    )


def require_official_test(env: Mapping[str, str] = os.environ) -> Path:
    """The CSV's path; otherwise skip (a user's clone) or fail (CI)."""
    path, reason = find_official_test(env)
    if path is not None:
        return path
    if in_ci(env):
        pytest.fail(f"{reason} (CI is set: a missing official CSV fails the run)", pytrace=False)
    pytest.skip(reason)
