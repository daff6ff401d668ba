"""Re-run surviving mutants against the current tests and record the new verdicts.

``mutmut run`` keeps a verdict per mutant in ``mutants/src/**/*.py.meta``. After a test is added
for a survivor, this script copies the current ``tests/`` into ``mutants/``, runs the tests
against each named mutant the way mutmut does (``MUTANT_UNDER_TEST=name``, from ``mutants/``),
and stores the exit code in ``mutants/rechecked.json``, which ``tests/mutation/score.py`` reads
over mutmut's own verdicts.

Usage::

    python tests/mutation/recheck.py [--tests PATH]... [NAME ...]   # default: all survivors
                                                                    # and mutants with no tests

Without ``--tests``, each mutant runs against every test of its own layer that executed its
function when ``tests/mutation/full.py``'s workers traced the layer (``traced-tests.json``;
for a function no test executed, the layer's configured test files), with no time budget.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(Path(__file__).resolve().parent))
from inprocess import (  # noqa: E402  (the verdict store and the traced association)
    RECHECKED,
    TIMEOUT,
    Verdicts,
    default_names,
    tests_for,
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*")
    parser.add_argument(
        "--tests", action="append", help="a test path, repeatable (default: the mutmut selection)"
    )
    parser.add_argument("--timeout", type=float, default=600.0)
    args = parser.parse_args(argv)
    mutants = ROOT / "mutants"
    # default: every traced test of the mutant's own layer that ran its function, else that
    # layer's selection (the same association the in-process re-check uses)
    tests_of = tests_for(mutants, args.tests)
    shutil.copytree(ROOT / "tests", mutants / "tests", dirs_exist_ok=True)
    # merged into the store under its lock after every mutant (full.py's workers write too)
    verdicts = Verdicts(mutants / RECHECKED, every=1)
    # default: every current survivor (or mutant with no tests), in a fresh process each
    names = [name for name in args.names if "__mutmut_" in name] or default_names(mutants)
    env = dict(os.environ, PYTHONPATH=str(mutants / "src"))
    for name in names:
        cmd = [sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider"]
        try:
            rc = subprocess.run(
                [*cmd, *tests_of(name)],
                cwd=mutants,
                env={**env, "MUTANT_UNDER_TEST": name},
                capture_output=True,
                timeout=args.timeout,
            ).returncode
        except subprocess.TimeoutExpired:
            rc = TIMEOUT
        verdicts.record(name, rc)
        print(f"{name}: {'killed' if rc == 1 else 'survived' if rc == 0 else rc}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
