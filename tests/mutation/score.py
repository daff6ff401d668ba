"""Mutation score per package from a ``mutmut run`` (``make mutation``; docs/testing.md).

Reads the verdicts mutmut stores next to each mutated module (``mutants/src/**/*.py.meta``)
and prints, per package and per module, how many mutants the tests killed. Survivors listed in
``tests/mutation/equivalent.toml`` (mutant name -> one-line reason) are counted as
*equivalent*: no test can tell them from the original. Mutants that fail ``mypy --strict``
(mutmut's ``type_check_command``; CI type-checks, so they cannot land) are *typed*. The score
is ``(killed + typed + timeout) / (checked - equivalent)``; mutants not yet checked are left
out, crashed ones count as alive until explained. ``--survivors`` also lists recorded reasons
that have gone stale (the mutant is killed now, or its number moved after an edit). The
last column, *test s*, adds up the seconds the checked mutants' tests ran (mutmut's own
``durations_by_key``): with the counts it gives the rate per package.

Usage::

    python tests/mutation/score.py [--survivors | --pending] [--markdown] [--match GLOB]
                                     [MUTANTS_DIR]
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import sys
import tomllib
from collections import Counter, defaultdict
from pathlib import Path

KILLED = {1, 3}
TYPED = {37}
"""Caught by ``type_check_command`` (``mypy --strict``, which CI runs): killed without a test."""
CRASHED = {-11, -9}
TIMEOUT = {36, -24, 24, 152, 255}
SURVIVED = {0}
NO_TESTS = {5, 33}
NOT_CHECKED = {None, 2, 34}

HERE = Path(__file__).resolve().parent


def verdict(code: int | None) -> str:
    if code in KILLED:
        return "killed"
    if code in TYPED:
        return "typed"
    if code in CRASHED:
        return "crashed"
    if code in TIMEOUT:
        return "timeout"
    if code in SURVIVED:
        return "survived"
    if code in NO_TESTS:
        return "no tests"
    if code in NOT_CHECKED:
        return "not checked"
    return "suspicious"


def load(mutants: Path) -> tuple[dict[str, str], dict[str, float]]:
    """Mutant name -> verdict, and mutant name -> seconds its tests ran, under ``mutants/src``."""
    out: dict[str, str] = {}
    seconds: dict[str, float] = {}
    for meta in sorted((mutants / "src").rglob("*.py.meta")):
        data = json.loads(meta.read_text())
        for name, code in data.get("exit_code_by_key", {}).items():
            out[name] = verdict(code)
        seconds.update(data.get("durations_by_key", {}))
    rechecked = mutants / "rechecked.json"  # tests/mutation/recheck.py
    if rechecked.exists():
        for name, code in json.loads(rechecked.read_text()).items():
            if name in out:
                out[name] = verdict(code)
    return out, seconds


def _score(c: Counter[str]) -> str:
    """``(killed + typed + timeout) / (checked - equivalent)``, as ``"97.5 %"``.

    Crashed and suspicious mutants have no verdict and count as alive until explained.
    """
    dead = c["killed"] + c["typed"] + c["timeout"]
    alive = c["survived"] + c["no tests"] + c["crashed"] + c["suspicious"]
    return f"{100 * dead / (dead + alive):.1f} %" if dead + alive else "-"


def package_of(module: str) -> str:
    """The row of the per-package table: ``corr2cause.<layer>``, backends on a row of their own."""
    parts = module.split(".")
    if parts[1:3] == ["evaluation", "backends"]:
        return "corr2cause.evaluation.backends"
    return ".".join(parts[:2])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("mutants", nargs="?", default="mutants", type=Path)
    parser.add_argument("--survivors", action="store_true", help="list unexplained survivors")
    parser.add_argument(
        "--pending",
        action="store_true",
        help="only print the names of the mutants to run: unchecked, or timed out",
    )
    parser.add_argument("--markdown", action="store_true", help="also a per-package table")
    parser.add_argument("--match", default="*", help="a glob on mutant names (default: all)")
    args = parser.parse_args(argv)
    verdicts, seconds = load(args.mutants)
    if not verdicts:
        print(f"no mutmut results under {args.mutants}/src", file=sys.stderr)
        return 1
    if args.pending:
        print(
            "\n".join(
                sorted(
                    n
                    for n, v in verdicts.items()
                    if v in ("not checked", "timeout") and fnmatch.fnmatchcase(n, args.match)
                )
            )
        )
        return 0
    equivalent = tomllib.loads((HERE / "equivalent.toml").read_text())["equivalent"]
    by_module: dict[str, Counter[str]] = defaultdict(Counter)
    time_by_module: Counter[str] = Counter()
    unexplained = []
    for name, v in verdicts.items():
        if not fnmatch.fnmatchcase(name, args.match):
            continue
        module = name.split(".x_")[0].split(".xǁ")[0]
        time_by_module[module] += seconds.get(name, 0.0)
        if v == "survived" and name in equivalent:
            v = "equivalent"
        elif v in ("survived", "no tests", "suspicious", "crashed"):
            unexplained.append(name)
        by_module[module][v] += 1
    # a recorded reason for a mutant that no longer survives (killed now, or renumbered after an
    # edit of its function) is stale: it must be removed or re-checked
    stale = sorted(
        n
        for n in equivalent
        if fnmatch.fnmatchcase(n, args.match) and verdicts.get(n) not in ("survived", None)
    )
    unknown = sorted(n for n in equivalent if n not in verdicts)
    by_package: dict[str, Counter[str]] = defaultdict(Counter)
    time_by_package: Counter[str] = Counter()
    for module, counts in by_module.items():
        by_package[package_of(module)].update(counts)
        time_by_package[package_of(module)] += time_by_module[module]
    cols = (
        "killed",
        "typed",
        "timeout",
        "survived",
        "no tests",
        "crashed",
        "suspicious",
        "equivalent",
        "not checked",
    )
    print(f"{'':44}" + "".join(f"{c:>12}" for c in cols) + f"{'score':>9}{'test s':>9}")
    total: Counter[str] = Counter()
    for key in sorted(by_package):
        total.update(by_package[key])
    for title, table, times in (
        (
            "package",
            {**by_package, "total": total},
            {**time_by_package, "total": sum(time_by_package.values())},
        ),
        ("module", by_module, time_by_module),
    ):
        print(f"-- by {title}")
        for key in sorted(table, key=lambda k: (k == "total", k)):
            c = table[key]
            print(
                f"{key:44}"
                + "".join(f"{c[k]:>12}" for k in cols)
                + f"{_score(c):>9}{times[key]:>9.0f}"
            )
    if args.markdown:
        print(
            "\n| package | mutants | killed by a test | killed by mypy | timeout | survived "
            "| crashed | equivalent | not checked | score |"
        )
        print("|---|---|---|---|---|---|---|---|---|---|")
        for key, c in [*sorted(by_package.items()), ("total", total)]:
            print(
                f"| {key.removeprefix('corr2cause.')} | {sum(c.values()):,} | {c['killed']:,} "
                f"| {c['typed']:,} | {c['timeout']:,} | {c['survived'] + c['no tests']:,} "
                f"| {c['crashed'] + c['suspicious']:,} | {c['equivalent']:,} "
                f"| {c['not checked']:,} | {_score(c).strip()} |"
            )
    if args.survivors:
        print("-- survivors without a recorded reason")
        print("\n".join(sorted(unexplained)))
        if stale:
            print("-- recorded reasons for mutants that do not survive (remove or re-check)")
            print("\n".join(stale))
        if unknown and args.match == "*":
            print("-- recorded reasons for mutant names mutmut does not know (renumbered?)")
            print("\n".join(unknown))
    return 0


if __name__ == "__main__":
    sys.exit(main())
