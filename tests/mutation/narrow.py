"""Narrow the tests mutmut runs against each mutant: the layer's own tests, the fastest first.

``mutmut run`` links each function to every selected test that executed it in a first traced
run, and runs all of them against each of the function's mutants. For functions at the bottom
of the stack (``meek_closure``, ``parse_premise``) that is most of the suite, including the
exhaustive N = 6 checks that take 10-50 s each: the full configured set would need about 55
hours on 2 cores. mutmut 3.8.1 has one test selection for all modules, so this script edits
the association it stored (``mutants/mutmut-stats.json``) in two ways:

1. **Layer**: a mutant of ``corr2cause.<layer>`` is judged only by ``tests/<layer>``. Each
   layer's tests must pin down that layer's contract themselves; a causal bug that only the
   solver tests notice is a missing causal test.
2. **Budget**: of those tests, the ones that take at most ``--max-test`` seconds are kept,
   fastest first, until their durations add up to ``--budget`` seconds (at least one test, the
   fastest, is always kept).

A mutant that survives this fast pass is not yet a survivor: re-run it against its layer's
whole suite with ``tests/mutation/recheck.py --tests tests/<layer> NAME`` (``make
mutation-recheck`` does that for every survivor) before writing a test or recording a reason.

Usage::

    python tests/mutation/narrow.py [--max-test S] [--budget S] [--dry-run] [MUTANTS_DIR]
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

OVERHEAD_S = 0.5
"""Start-up cost of one mutant (fork, pytest collection of its test ids), for the estimate."""


def layer_of(module: str) -> str:
    """``corr2cause.solver.parse`` -> ``tests/solver/`` (``tests/`` outside a layer)."""
    parts = module.split(".")
    return f"tests/{parts[1]}/" if len(parts) > 2 else "tests/"


def narrowed(
    tests: list[str], duration: dict[str, float], *, layer: str, max_test: float, budget: float
) -> list[str]:
    """The tests kept for one function (see the module docstring)."""
    own = sorted((t for t in tests if t.startswith(layer)), key=lambda t: (duration.get(t, 0.0), t))
    fast = [t for t in own if duration.get(t, 0.0) <= max_test] or own[:1]
    kept: list[str] = []
    spent = 0.0
    for test in fast:
        if kept and spent + duration.get(test, 0.0) > budget:
            break
        kept.append(test)
        spent += duration.get(test, 0.0)
    return kept


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("mutants", nargs="?", default="mutants", type=Path)
    parser.add_argument("--max-test", type=float, default=1.0, help="seconds (default 1.0)")
    parser.add_argument("--budget", type=float, default=3.0, help="seconds (default 3.0)")
    parser.add_argument("--jobs", type=int, default=2, help="workers, for the estimate")
    parser.add_argument("--dry-run", action="store_true", help="print the estimate only")
    args = parser.parse_args(argv)
    path = args.mutants / "mutmut-stats.json"
    stats = json.loads(path.read_text())
    # mutmut rewrites its stats file with its own keys, so the full association is kept aside;
    # tests that mutmut traced since (new tests) are merged into it.
    full_path = args.mutants / "unnarrowed-tests.json"
    full: dict[str, list[str]] = json.loads(full_path.read_text()) if full_path.exists() else {}
    for function, tests in stats["tests_by_mangled_function_name"].items():
        full[function] = sorted(set(full.get(function, [])) | set(tests))
    duration = stats["duration_by_test"]
    tests_by_function = {
        function: narrowed(
            tests,
            duration,
            layer=layer_of(function.split(".x_")[0].split(".xǁ")[0]),
            max_test=args.max_test,
            budget=args.budget,
        )
        for function, tests in full.items()
    }
    count: Counter[str] = Counter()
    seconds: Counter[str] = Counter()
    no_tests: Counter[str] = Counter()
    for meta in sorted((args.mutants / "src").rglob("*.py.meta")):
        for name in json.loads(meta.read_text())["exit_code_by_key"]:
            module = name.split(".x_")[0].split(".xǁ")[0]
            tests = tests_by_function.get(name.partition("__mutmut_")[0], [])
            count[module] += 1
            no_tests[module] += not tests
            seconds[module] += OVERHEAD_S + sum(duration.get(t, 0.0) for t in tests)
    print(f"{'module':48}{'mutants':>9}{'no tests':>9}{'worst min':>10}")
    for module in sorted(count):
        minutes = seconds[module] / 60 / args.jobs
        print(f"{module:48}{count[module]:>9}{no_tests[module]:>9}{minutes:>10.1f}")
    total = sum(seconds.values()) / 60 / args.jobs
    print(f"{'total':48}{sum(count.values()):>9}{sum(no_tests.values()):>9}{total:>10.1f}")
    if not args.dry_run:
        full_path.write_text(json.dumps(full, indent=1))
        stats["tests_by_mangled_function_name"] = tests_by_function
        path.write_text(json.dumps(stats, indent=4))
    return 0


if __name__ == "__main__":
    sys.exit(main())
