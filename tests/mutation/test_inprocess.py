"""tests/mutation/inprocess.py on a tiny synthetic ``mutants/`` tree, one subprocess a run."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).with_name("inprocess.py")

MODULE = """\
import functools
import os


def f(x):
    m = os.environ.get("MUTANT_UNDER_TEST", "")
    if m.endswith("__mutmut_3"):
        while True:
            pass
    return x + 2 if m.endswith("__mutmut_1") else (x * 2 if m.endswith("__mutmut_2") else x + 1)


@functools.cache
def g():
    return f(1)
"""

TEST = """\
from fake import f


def test_f():
    assert f(1) == 2
"""

# sees a mutant only if the caches are cleared between mutants
CACHED_TEST = """\
from corr2cause_fake import g


def test_g():
    assert g() == 2
"""

# sees a mutant only if module-scoped fixtures are set up again for each mutant
MODULE_FIXTURE_TEST = """\
import pytest

from fake import f


@pytest.fixture(scope="module")
def value():
    return f(1)


def test_value(value):
    assert value == 2
"""

SURVIVOR = "fake.x_f__mutmut_2"


def make_tree(root: Path) -> Path:
    mutants = root / "mutants"
    (mutants / "src").mkdir(parents=True)
    (mutants / "tests").mkdir()
    (mutants / "src" / "fake.py").write_text(MODULE)
    (mutants / "src" / "corr2cause_fake.py").write_text("from fake import f, g\n")
    (mutants / "tests" / "test_f.py").write_text(TEST)
    (mutants / "tests" / "test_g.py").write_text(CACHED_TEST)
    (mutants / "tests" / "test_h.py").write_text(MODULE_FIXTURE_TEST)
    return mutants


def run(mutants: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": "src", "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}
    env.pop("MUTANT_UNDER_TEST", None)
    return subprocess.run(
        [sys.executable, str(SCRIPT), *args],
        cwd=mutants,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def verdicts(mutants: Path) -> dict[str, int]:
    return json.loads((mutants / "rechecked.json").read_text())


def test_killed_survived_timeout_and_rerun_skips(tmp_path: Path) -> None:
    mutants = make_tree(tmp_path)
    names = ["fake.x_f__mutmut_1", "fake.x_f__mutmut_2", "fake.x_f__mutmut_3"]
    done = run(mutants, "--tests", "tests/test_f.py", "--timeout", "0.5", *names)
    assert done.returncode == 0, done.stdout + done.stderr
    # f(1): mutant 1 gives 3, mutant 2 gives 1 * 2 (equivalent here), mutant 3 loops forever
    assert verdicts(mutants) == {names[0]: 1, names[1]: 0, names[2]: 36}
    assert not (mutants / "rechecked.json.tmp").exists()

    (mutants / "rechecked.json").write_text(json.dumps({names[0]: 1, names[1]: 99}))
    again = run(mutants, "--tests", "tests/test_f.py", "--timeout", "0.5", *names)
    assert again.returncode == 0, again.stdout + again.stderr
    # 1 and 2 were recorded and skipped (99 kept), only 3 ran again
    assert verdicts(mutants) == {names[0]: 1, names[1]: 99, names[2]: 36}
    assert names[1] not in again.stdout and f"{names[2]}: timeout" in again.stdout

    forced = run(mutants, "--tests", "tests/test_f.py", "--again", "--match", "*_2", *names)
    assert forced.returncode == 0, forced.stdout + forced.stderr
    assert verdicts(mutants) == {names[0]: 1, names[1]: 0, names[2]: 36}


def test_default_names_and_caches(tmp_path: Path) -> None:
    mutants = make_tree(tmp_path)
    # mutmut's verdicts: 1 survived (0), 2 had no tests (33), 3 was killed (1, not re-checked)
    meta = {"exit_code_by_key": {"fake.x_f__mutmut_1": 0, SURVIVOR: 33, "fake.x_f__mutmut_3": 1}}
    (mutants / "src" / "fake.py.meta").write_text(json.dumps(meta))
    # g() is cached by the unmutated pass (2), then under mutant 1 (3): without clearing the
    # caches between mutants, mutant 1 would survive and mutant 2 would be killed.
    done = run(mutants, "--tests", "tests/test_g.py")
    assert done.returncode == 0, done.stdout + done.stderr
    assert verdicts(mutants) == {"fake.x_f__mutmut_1": 1, SURVIVOR: 0}


def test_module_fixtures_are_set_up_per_mutant(tmp_path: Path) -> None:
    mutants = make_tree(tmp_path)
    names = ["fake.x_f__mutmut_1", SURVIVOR]
    done = run(mutants, "--tests", "tests/test_h.py", *names)
    assert done.returncode == 0, done.stdout + done.stderr
    assert verdicts(mutants) == {names[0]: 1, names[1]: 0}


def test_unmutated_failure_records_nothing(tmp_path: Path) -> None:
    mutants = make_tree(tmp_path)
    (mutants / "tests" / "test_f.py").write_text(TEST.replace("== 2", "== 5"))
    done = run(mutants, "--tests", "tests/test_f.py", "fake.x_f__mutmut_1")
    assert done.returncode != 0
    assert "FAILED without a mutant" in done.stdout
    assert not (mutants / "rechecked.json").exists()
