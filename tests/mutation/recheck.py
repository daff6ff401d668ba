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
import json
import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(Path(__file__).resolve().parent))
from inprocess import locked, write_json  # noqa: E402  (the verdict store's lock)

RECHECKED = "rechecked.json"
"""Under ``mutants/``: mutant name -> pytest exit code of its re-check."""


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
    selection = config["pytest_add_cli_args_test_selection"]

    traced_path = mutants / "traced-tests.json"  # written by the workers of full.py
    traced_all = json.loads(traced_path.read_text()) if traced_path.exists() else {}
    unnarrowed = traced_all.get("tests_by_function", {})

    def tests_for(name: str) -> list[str]:
        # default: every traced test of the mutant's own layer that ran its function, else
        # that layer's selection
        if args.tests:
            return list(args.tests)
        layer = f"tests/{name.split('.')[1]}/"
        traced = [
            t for t in unnarrowed.get(name.partition("__mutmut_")[0], []) if t.startswith(layer)
        ]
        return traced or [t for t in selection if t.startswith(layer)] or selection

    shutil.copytree(ROOT / "tests", mutants / "tests", dirs_exist_ok=True)
    # Verdicts go to a file of their own: a running ``mutmut run`` rewrites its .meta files
    # from memory and would undo them there. tests/mutation/score.py reads both.
    out_path = mutants / RECHECKED
    rechecked: dict[str, int] = json.loads(out_path.read_text()) if out_path.exists() else {}
    names = [name for name in args.names if "__mutmut_" in name]
    if not names:  # every current survivor (or mutant with no tests), in a fresh process each
        for meta in sorted((mutants / "src").rglob("*.py.meta")):
            for name, code in json.loads(meta.read_text())["exit_code_by_key"].items():
                if rechecked.get(name, code) in (0, 5, 33):
                    names.append(name)
    env = dict(os.environ, PYTHONPATH=str(mutants / "src"))
    for name in names:
        cmd = [sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider"]
        try:
            rc = subprocess.run(
                [*cmd, *tests_for(name)],
                cwd=mutants,
                env={**env, "MUTANT_UNDER_TEST": name},
                capture_output=True,
                timeout=args.timeout,
            ).returncode
        except subprocess.TimeoutExpired:
            rc = 36
        rechecked[name] = rc
        with locked(out_path.with_name(out_path.name + ".lock")):  # full.py's workers write too
            on_disk = json.loads(out_path.read_text()) if out_path.exists() else {}
            write_json(out_path, {**on_disk, name: rc})
        print(f"{name}: {'killed' if rc == 1 else 'survived' if rc == 0 else rc}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
