"""The rule for the official CSV: skip on a clone, fail in CI, never fall back silently."""

from __future__ import annotations

from pathlib import Path

import pytest

from official_data import OFFICIAL_TEST_ENV, find_official_test, in_ci, require_official_test


@pytest.mark.parametrize(
    ("value", "expected"),
    [("", False), ("0", False), ("false", False), ("1", True), ("true", True), ("yes", True)],
)
def test_ci_flag(value, expected):
    assert in_ci({"CI": value}) is expected
    assert in_ci({}) is False


def test_named_file_is_used(tmp_path: Path):
    csv = tmp_path / "official.csv"
    csv.write_text("input,label,num_variables,template\n")
    env = {OFFICIAL_TEST_ENV: str(csv), "CI": "1"}
    assert find_official_test(env) == (csv, "")
    assert require_official_test(env) == csv


def test_missing_file_skips_on_a_clone_and_fails_in_ci(tmp_path: Path):
    missing = str(tmp_path / "nope.csv")
    with pytest.raises(pytest.skip.Exception, match=r"nope\.csv is not a file"):
        require_official_test({OFFICIAL_TEST_ENV: missing})
    with pytest.raises(pytest.fail.Exception, match="CI is set"):
        require_official_test({OFFICIAL_TEST_ENV: missing, "CI": "true"})
    with pytest.raises(pytest.skip.Exception):
        require_official_test({OFFICIAL_TEST_ENV: missing, "CI": "0"})
