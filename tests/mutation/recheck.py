"""Re-run surviving mutants against the current tests and record the new verdicts.

``mutmut run`` keeps a verdict per mutant in ``mutants/src/**/*.py.meta``. After a test is added
for a survivor, this script copies the current ``tests/`` into ``mutants/``, runs the tests
against each named mutant the way mutmut does (``MUTANT_UNDER_TEST=name``, from ``mutants/``),
and stores the exit code, so ``tests/mutation/score.py`` and ``mutmut results`` show it.

Usage::

    python tests/mutation/recheck.py [--tests PATH]... [NAME ...]   # default: all survivors
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*")
    parser.add_argument(
        "--tests", action="append", help="a test path, repeatable (default: the mutmut selection)"
    )
    parser.add_argument("--timeout", type=float, default=600.0)
    args = parser.parse_args(argv)
    mutants = ROOT / "mutants"
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["mutmut"]
    tests = args.tests or config["pytest_add_cli_args_test_selection"]
    shutil.copytree(ROOT / "tests", mutants / "tests", dirs_exist_ok=True)
    metas = {}
    for meta in (mutants / "src").rglob("*.py.meta"):
        data = json.loads(meta.read_text())
        for name, code in data["exit_code_by_key"].items():
            if (args.names and name in args.names) or (not args.names and code == 0):
                metas.setdefault(meta, data)
    env = dict(os.environ, PYTHONPATH=str(mutants / "src"))
    for meta, data in metas.items():
        for name, code in data["exit_code_by_key"].items():
            if not ((args.names and name in args.names) or (not args.names and code == 0)):
                continue
            cmd = [sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", *tests]
            try:
                rc = subprocess.run(
                    cmd,
                    cwd=mutants,
                    env={**env, "MUTANT_UNDER_TEST": name},
                    capture_output=True,
                    timeout=args.timeout,
                ).returncode
            except subprocess.TimeoutExpired:
                rc = 36
            data["exit_code_by_key"][name] = rc
            print(f"{name}: {'killed' if rc == 1 else 'survived' if rc == 0 else rc}")
        meta.write_text(json.dumps(data, indent=4))
    return 0


if __name__ == "__main__":
    sys.exit(main())
