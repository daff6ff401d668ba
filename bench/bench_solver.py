"""Throughput of the exact solver (issue 4), single process.

Workloads
---------
official
    Every item of the official test split (1,162 items over 21 premises), given as the
    official ``input`` text, with a fresh solver per repetition (so the 21 reconstructions are
    included). Target: >= 5,000 items/s.
n6
    All 2,201 distinct N = 6 premises, built from the causal core (time not counted), each with
    its 90 hypotheses (15 pairs x 6 relations), fresh solver. Target: >= 200 premises/s.

Baseline (same invocation)
    The same solver with its premise cache disabled (``Solver(cache_size=0)``), which rebuilds
    the class for every item: on all official items, and on the first ``--baseline-premises``
    N = 6 premises (the full set would take minutes). The ratio shows what the cache buys.

Memory
    Peak resident set size of the process (``ru_maxrss``) and the peak of Python allocations
    (``tracemalloc``) during one separate, untimed pass of each workload.

Run ``python bench/bench_solver.py`` (``--json`` for one JSON object, ``--profile`` to print
the hottest functions of the N = 6 workload, ``--check`` to exit 1 if a target is missed).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import resource
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

from corr2cause.causal import RELATIONS, d_separation_statements, mec_classes
from corr2cause.dataset.verbalize import verbalize_hypothesis, verbalize_premise
from corr2cause.graphs import node_names, pairs
from corr2cause.solver import Solver, read_records

REPO = Path(__file__).resolve().parents[1]
TARGET_OFFICIAL_ITEMS_PER_S = 5_000
TARGET_N6_PREMISES_PER_S = 200

N6Workload = list[tuple[str, list[str]]]


def find_official() -> Path | None:
    """$CORR2CAUSE_OFFICIAL_TEST, else ../shared/reference/official_test.csv."""
    env = os.environ.get("CORR2CAUSE_OFFICIAL_TEST")
    for candidate in ([Path(env)] if env else []) + [
        REPO.parent / "shared" / "reference" / "official_test.csv"
    ]:
        if candidate.is_file():
            return candidate
    return None


def n6_workload() -> N6Workload:
    """Every N = 6 premise with its 90 hypotheses (default names, default wording)."""
    names = node_names(6)
    hyps = [verbalize_hypothesis(rel, names[i], names[j]) for i, j in pairs(6) for rel in RELATIONS]
    return [
        (verbalize_premise(d_separation_statements(c.parents), names), hyps) for c in mec_classes(6)
    ]


def run_official(inputs: list[str], cache_size: int) -> None:
    solver = Solver(cache_size=cache_size)
    for text in inputs:
        solver.solve_input(text)


def run_n6(work: N6Workload, cache_size: int) -> None:
    solver = Solver(cache_size=cache_size)
    for premise, hyps in work:
        for hyp in hyps:
            solver.solve(premise, hyp)


def best_time(fn: Callable[[], None], repeats: int) -> float:
    """Best wall time of ``repeats`` runs (seconds)."""
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def traced_peak(fn: Callable[[], None]) -> int:
    """Peak bytes allocated by Python during one run of ``fn``."""
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--official", type=Path, default=None, help="official test CSV")
    parser.add_argument("--repeats", type=int, default=3, help="timed runs (best is kept)")
    parser.add_argument("--baseline-premises", type=int, default=50)
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--profile", action="store_true", help="profile the N=6 workload")
    parser.add_argument("--check", action="store_true", help="exit 1 if a target is missed")
    args = parser.parse_args(argv)
    result: dict[str, object] = {"python": sys.version.split()[0]}
    ok = True

    official = args.official or find_official()
    if official is None or not official.is_file():
        result["official"] = {"skipped": "official test CSV not found"}
    else:
        inputs = [r.input or "" for r in read_records(official)]
        premises = len({text.partition("\nHypothesis:")[0] for text in inputs})
        t = best_time(lambda: run_official(inputs, 4096), args.repeats)
        t_base = best_time(lambda: run_official(inputs, 0), 1)
        rate = len(inputs) / t
        ok &= rate >= TARGET_OFFICIAL_ITEMS_PER_S
        result["official"] = {
            "workload": f"{len(inputs)} items, {premises} distinct premises ({official.name})",
            "wall_s": round(t, 4),
            "items_per_s": round(rate),
            "target_items_per_s": TARGET_OFFICIAL_ITEMS_PER_S,
            "baseline": "premise cache disabled",
            "baseline_wall_s": round(t_base, 4),
            "baseline_items_per_s": round(len(inputs) / t_base),
            "ratio_vs_baseline": round(t_base / t, 1),
            "tracemalloc_peak_mib": round(
                traced_peak(lambda: run_official(inputs, 4096)) / 2**20, 2
            ),
        }

    work = n6_workload()
    items = sum(len(h) for _, h in work)
    t = best_time(lambda: run_n6(work, 4096), args.repeats)
    sub = work[: args.baseline_premises]
    t_base = best_time(lambda: run_n6(sub, 0), 1)
    rate = len(work) / t
    base_rate = len(sub) / t_base
    ok &= rate >= TARGET_N6_PREMISES_PER_S
    result["n6"] = {
        "workload": f"{len(work)} distinct N=6 premises x 90 hypotheses = {items} items",
        "wall_s": round(t, 3),
        "premises_per_s": round(rate),
        "items_per_s": round(items / t),
        "target_premises_per_s": TARGET_N6_PREMISES_PER_S,
        "baseline": f"premise cache disabled, first {len(sub)} premises x 90 hypotheses",
        "baseline_wall_s": round(t_base, 3),
        "baseline_premises_per_s": round(base_rate, 1),
        "ratio_vs_baseline": round(rate / base_rate, 1),
        "tracemalloc_peak_mib": round(traced_peak(lambda: run_n6(work, 4096)) / 2**20, 2),
    }
    result["peak_rss_mib"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    result["targets_met"] = ok

    if args.profile:
        prof = cProfile.Profile()
        prof.runcall(run_n6, work, 4096)
        buf = io.StringIO()
        pstats.Stats(prof, stream=buf).sort_stats("tottime").print_stats(12)
        result["profile_n6"] = buf.getvalue()

    if args.json:
        print(json.dumps(result, indent=2))
    else:
        for key in ("official", "n6"):
            print(f"[{key}]")
            for k, v in result[key].items():  # type: ignore[union-attr]
                print(f"  {k}: {v}")
        print(f"peak RSS: {result['peak_rss_mib']} MiB")
        print(f"targets met: {'yes' if ok else 'NO'}")
        if args.profile:
            print(result["profile_n6"])
    return 0 if ok or not args.check else 1


if __name__ == "__main__":
    sys.exit(main())
