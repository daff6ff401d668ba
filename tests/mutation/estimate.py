"""Projected cost of a ``mutmut run`` per module, from the stats of its first traced run.

``mutmut run`` first runs the selected tests once with tracing and stores, in
``mutants/mutmut-stats.json``, which tests executed each function and how long each test took.
A mutant then costs about the time of its function's tests (all of them when it survives,
fewer when ``-x`` stops at the first failure) plus a fixed start-up per mutant. This script
adds those times up per module, so the configured set can be sized before it runs.

Usage::

    python tests/mutation/estimate.py [--overhead SECONDS] [--jobs N] [MUTANTS_DIR]
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("mutants", nargs="?", default="mutants", type=Path)
    parser.add_argument("--overhead", type=float, default=0.5, help="seconds per mutant")
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args(argv)
    stats = json.loads((args.mutants / "mutmut-stats.json").read_text())
    tests_by_function = stats["tests_by_mangled_function_name"]
    duration = stats["duration_by_test"]
    count: Counter[str] = Counter()
    seconds: Counter[str] = Counter()
    no_tests: Counter[str] = Counter()
    for meta in sorted((args.mutants / "src").rglob("*.py.meta")):
        for name in json.loads(meta.read_text())["exit_code_by_key"]:
            module = name.split(".x_")[0].split(".xǁ")[0]
            function = name.partition("__mutmut_")[0]
            tests = tests_by_function.get(function, [])
            count[module] += 1
            if not tests:
                no_tests[module] += 1
            seconds[module] += args.overhead + sum(duration.get(t, 0.0) for t in tests)
    print(f"{'module':48}{'mutants':>9}{'no tests':>9}{'worst min':>10}")
    for module in sorted(count):
        minutes = seconds[module] / 60 / args.jobs
        print(f"{module:48}{count[module]:>9}{no_tests[module]:>9}{minutes:>10.1f}")
    total = sum(seconds.values()) / 60 / args.jobs
    print(f"{'total':48}{sum(count.values()):>9}{sum(no_tests.values()):>9}{total:>10.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
