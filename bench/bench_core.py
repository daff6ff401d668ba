"""Benchmark of the exact causal core: the full N <= 6 computation (and optionally N = 7).

Workload (N = 1 .. 6): enumerate all DAGs up to isomorphism, build the Markov equivalence
classes up to isomorphism, list the d-separation statements of every class representative
(the premises) and compute every label (6 relations x every pair x every class). The counts
are checked against SPEC section 3 and the script exits with status 1 on a mismatch.

Baselines, measured in the same invocation:

- *d-separation*: the same statement lists computed query by query with
  :func:`networkx.is_d_separator`, on all class representatives with N <= 5 and a seeded sample
  of the N = 6 ones, extrapolated per query to the full workload;
- *labels*: the labels of every class with N <= 5 computed naively from SPEC section 2 by path
  enumeration (:func:`networkx.all_simple_paths`), against the core on the same classes.

Peak memory is the process's peak resident set size (``resource.getrusage``), which includes
the interpreter, numpy and networkx; the increase over the level before the workload is shown
too. ``--tracemalloc`` repeats the workload under :mod:`tracemalloc` for the Python-heap peak.

Usage::

    python bench/bench_core.py                 # N <= 6 with baselines
    python bench/bench_core.py --n7            # also the N = 7 census (about a minute)
    python bench/bench_core.py --profile       # cProfile of the N <= 6 workload
    python bench/bench_core.py --strict        # exit 1 if N <= 6 misses 5 s or 1 GiB
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import itertools
import json
import pstats
import random
import resource
import sys
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass, field
from math import comb
from pathlib import Path
from typing import Any

import networkx as nx

from corr2cause.causal.d_separation import d_separation_statements
from corr2cause.causal.mec_classes import MecClass, mec_classes
from corr2cause.causal.relations import RELATIONS
from corr2cause.graphs.dag import Parents, edges
from corr2cause.graphs.enumeration import enumerate_dags

# SPEC section 3: n -> (DAGs up to isomorphism, labeled DAGs, MEC classes, labeled MECs)
EXPECTED = {
    1: (1, 1, 1, 1),
    2: (2, 3, 2, 2),
    3: (6, 25, 5, 11),
    4: (31, 543, 20, 185),
    5: (302, 29281, 142, 8782),
    6: (5984, 3781503, 2201, 1067825),
    7: (243668, 1138779265, 76907, 312510571),
}
TARGET_WALL_S = 5.0
TARGET_PEAK_BYTES = 1 << 30
NX_SAMPLE_N6 = 150


def peak_rss_bytes() -> int:
    """Peak resident set size of this process so far (Linux reports KiB, macOS bytes)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak if sys.platform == "darwin" else peak * 1024


def mib(nbytes: float) -> str:
    return f"{nbytes / 2**20:,.1f} MiB"


@dataclass
class Stage:
    """Wall time per stage and node count."""

    seconds: dict[str, float] = field(default_factory=dict)

    def add(self, name: str, seconds: float) -> None:
        self.seconds[name] = self.seconds.get(name, 0.0) + seconds


@dataclass
class CoreResult:
    """Outcome of one core run over several node counts."""

    counts: dict[int, tuple[int, int, int, int]]
    stages: dict[str, float]
    queries: int
    statements: int
    members: int
    items: int
    wall_s: float
    dsep_s: float
    labels_s_by_n: dict[int, float]
    classes: dict[int, list[MecClass]] = field(repr=False)


def run_core(ns: list[int]) -> CoreResult:
    """Enumeration, MEC classes, statements of every representative and all labels."""
    stage = Stage()
    counts: dict[int, tuple[int, int, int, int]] = {}
    classes_by_n: dict[int, list[MecClass]] = {}
    labels_s_by_n: dict[int, float] = {}
    queries = statements = members = items = 0
    t_start = time.perf_counter()
    for n in ns:
        t0 = time.perf_counter()
        catalog = enumerate_dags(n)
        t1 = time.perf_counter()
        classes = mec_classes(n, catalog=catalog)
        t2 = time.perf_counter()
        for c in classes:
            statements += len(d_separation_statements(c.parents))
        t3 = time.perf_counter()
        if n >= 2:
            for c in classes:
                c.label3()
        t4 = time.perf_counter()
        stage.add("enumerate DAGs", t1 - t0)
        stage.add("MEC classes", t2 - t1)
        stage.add("d-separation statements", t3 - t2)
        stage.add("labels", t4 - t3)
        labels_s_by_n[n] = t4 - t3
        counts[n] = (
            len(catalog),
            catalog.num_labeled,
            len(classes),
            sum(c.labeled_count for c in classes),
        )
        classes_by_n[n] = classes
        queries += len(classes) * comb(n, 2) * (1 << max(n - 2, 0))
        members += sum(len(c.members) for c in classes)
        items += len(RELATIONS) * comb(n, 2) * len(classes)
    wall = time.perf_counter() - t_start
    return CoreResult(
        counts=counts,
        stages=dict(stage.seconds),
        queries=queries,
        statements=statements,
        members=members,
        items=items,
        wall_s=wall,
        dsep_s=stage.seconds["d-separation statements"],
        labels_s_by_n=labels_s_by_n,
        classes=classes_by_n,
    )


# ---- naive baselines ------------------------------------------------------------------------


def _nx_graph(dag: Parents) -> nx.DiGraph:
    g = nx.DiGraph()
    g.add_nodes_from(range(len(dag)))
    g.add_edges_from(edges(dag))
    return g


def nx_statements(dag: Parents) -> list[tuple[int, int, int]]:
    """All d-separation statements, one :func:`networkx.is_d_separator` call per query."""
    n = len(dag)
    g = _nx_graph(dag)
    out = []
    for i, j in itertools.combinations(range(n), 2):
        rest = [v for v in range(n) if v not in (i, j)]
        for r in range(len(rest) + 1):
            for z in itertools.combinations(rest, r):
                if nx.is_d_separator(g, {i}, {j}, set(z)):
                    out.append((i, j, sum(1 << v for v in z)))
    out.sort()
    return out


def _disjoint_into(g: nx.DiGraph, x: int, y: int, k: int) -> bool:
    if not (nx.has_path(g, x, k) and nx.has_path(g, y, k)):
        return False
    px = [set(p) for p in nx.all_simple_paths(g, x, k)]
    return any(set(q) & p == {k} for q in nx.all_simple_paths(g, y, k) for p in px)


def naive_relations(g: nx.DiGraph, x: int, y: int) -> tuple[bool, ...]:
    """The six relations of SPEC section 2 by path enumeration, in :data:`RELATIONS` order."""
    rev = g.reverse(copy=False)
    others = [k for k in g if k not in (x, y)]
    values = {
        "parent": g.has_edge(x, y),
        "child": g.has_edge(y, x),
        "non-parent ancestor": any(len(p) > 2 for p in nx.all_simple_paths(g, x, y)),
        "non-child descendant": any(len(p) > 2 for p in nx.all_simple_paths(g, y, x)),
        "has_collider": any(_disjoint_into(g, x, y, k) for k in others),
        "has_confounder": any(_disjoint_into(rev, x, y, k) for k in others),
    }
    return tuple(values[r] for r in RELATIONS)


def naive_label_counts(cls: MecClass) -> list[list[int]]:
    """Per pair and relation, in how many members the relation holds (path enumeration)."""
    n = cls.n
    prs = list(itertools.combinations(range(n), 2))
    counts = [[0] * len(RELATIONS) for _ in prs]
    for dag in cls.members:
        g = _nx_graph(dag)
        for p, (i, j) in enumerate(prs):
            for r, holds in enumerate(naive_relations(g, i, j)):
                counts[p][r] += holds
    return counts


def timed(fn: Callable[[], Any]) -> tuple[Any, float]:
    t0 = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t0


def run_baselines(core: CoreResult, seed: int = 0) -> dict[str, Any]:
    """networkx d-separation on a subset (extrapolated) and naive labels on N <= 5."""
    # d-separation: all representatives with N <= 5 plus a sample of N = 6
    subset: list[MecClass] = [c for n in range(2, 6) for c in core.classes.get(n, [])]
    six = core.classes.get(6, [])
    rng = random.Random(seed)
    subset += rng.sample(six, min(NX_SAMPLE_N6, len(six)))
    sub_queries = sum(comb(c.n, 2) << (c.n - 2) for c in subset)

    nx_lists, nx_s = timed(lambda: [nx_statements(c.parents) for c in subset])
    core_lists, core_sub_s = timed(lambda: [d_separation_statements(c.parents) for c in subset])
    if nx_lists != core_lists:
        raise AssertionError("d-separation statements differ from networkx")
    per_query_nx = nx_s / sub_queries
    nx_extrapolated = per_query_nx * core.queries

    # labels: naive path enumeration on every class with N <= 5
    small = [c for n in range(2, 6) for c in core.classes.get(n, [])]

    def naive_all() -> None:
        for c in small:
            if naive_label_counts(c) != c.holds_counts().tolist():
                raise AssertionError(f"label mismatch on class {c.mec_id}")

    _, naive_s = timed(naive_all)
    core_labels_small = sum(core.labels_s_by_n.get(n, 0.0) for n in range(2, 6))
    return {
        "dsep_subset_classes": len(subset),
        "dsep_subset_queries": sub_queries,
        "dsep_nx_subset_s": nx_s,
        "dsep_core_subset_s": core_sub_s,
        "dsep_nx_us_per_query": per_query_nx * 1e6,
        "dsep_core_us_per_query": core_sub_s / sub_queries * 1e6,
        "dsep_nx_extrapolated_s": nx_extrapolated,
        "dsep_speedup": nx_extrapolated / core.dsep_s if core.dsep_s else float("inf"),
        "labels_classes": len(small),
        "labels_naive_s": naive_s,
        "labels_core_s": core_labels_small,
        "labels_speedup": naive_s / core_labels_small if core_labels_small else float("inf"),
    }


# ---- reporting ------------------------------------------------------------------------------


def check_counts(counts: dict[int, tuple[int, int, int, int]]) -> list[str]:
    return [
        f"N={n}: got {got}, expected {EXPECTED[n]}"
        for n, got in counts.items()
        if got != EXPECTED[n]
    ]


def report_core(core: CoreResult, rss_before: int, rss_peak: int) -> None:
    print("== N <= 6: enumeration, MEC classes, premises (d-separation) and labels ==")
    print(f"{'N':>2} {'DAGs':>7} {'labeled DAGs':>13} {'MECs':>6} {'labeled MECs':>13}")
    for n, (d, ld, m, lm) in core.counts.items():
        print(f"{n:>2} {d:>7,} {ld:>13,} {m:>6,} {lm:>13,}")
    print(
        f"workload: {sum(c[2] for c in core.counts.values()):,} classes, "
        f"{core.members:,} member DAGs, {core.queries:,} d-separation queries "
        f"({core.statements:,} statements), {core.items:,} labeled items"
    )
    for name, s in core.stages.items():
        print(f"  {name:<26} {s:7.3f} s")
    print(f"wall time (compute): {core.wall_s:.3f} s   [target < {TARGET_WALL_S:.0f} s]")
    print(
        f"peak RSS: {mib(rss_peak)} (before workload {mib(rss_before)}, "
        f"increase {mib(rss_peak - rss_before)})   [target < {mib(TARGET_PEAK_BYTES)}]"
    )


def report_baselines(b: dict[str, Any], core: CoreResult) -> None:
    print("== baselines (same invocation) ==")
    print(
        f"d-separation, networkx is_d_separator on {b['dsep_subset_classes']:,} representatives "
        f"(N <= 5 all, N = 6 sample of {NX_SAMPLE_N6}): {b['dsep_subset_queries']:,} queries in "
        f"{b['dsep_nx_subset_s']:.2f} s = {b['dsep_nx_us_per_query']:.1f} us/query "
        f"(core: {b['dsep_core_us_per_query']:.1f} us/query on the same subset; it skips "
        "adjacent pairs, which are never d-separated)"
    )
    print(
        f"  extrapolated to all {core.queries:,} queries: networkx "
        f"{b['dsep_nx_extrapolated_s']:.2f} s vs core {core.dsep_s:.3f} s "
        f"-> ratio {b['dsep_speedup']:.1f}x"
    )
    print(
        f"labels, naive path enumeration on the {b['labels_classes']} classes with N <= 5: "
        f"{b['labels_naive_s']:.2f} s vs core {b['labels_core_s']:.3f} s "
        f"-> ratio {b['labels_speedup']:.1f}x (results identical)"
    )


def run_n7() -> dict[str, Any]:
    print("== N = 7 census ==", flush=True)
    t0 = time.perf_counter()
    catalog = enumerate_dags(7)
    t1 = time.perf_counter()
    print(f"  enumerate DAGs   {t1 - t0:7.1f} s  ({len(catalog):,} classes)", flush=True)
    classes = mec_classes(7, catalog=catalog)
    t2 = time.perf_counter()
    print(f"  MEC classes      {t2 - t1:7.1f} s  ({len(classes):,} classes)", flush=True)
    for c in classes:
        c.label3()
    t3 = time.perf_counter()
    print(f"  labels           {t3 - t2:7.1f} s", flush=True)
    counts = (
        len(catalog),
        catalog.num_labeled,
        len(classes),
        sum(c.labeled_count for c in classes),
    )
    print(
        f"N=7: {counts[0]:,} DAGs, {counts[1]:,} labeled DAGs, {counts[2]:,} MEC classes, "
        f"{counts[3]:,} labeled MECs; total {t3 - t0:.1f} s, peak RSS {mib(peak_rss_bytes())}"
    )
    return {"counts": counts, "wall_s": t3 - t0, "peak_rss": peak_rss_bytes()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n7", action="store_true", help="also time the N = 7 census")
    parser.add_argument("--no-baseline", action="store_true", help="skip the naive baselines")
    parser.add_argument("--profile", action="store_true", help="cProfile the N <= 6 workload")
    parser.add_argument(
        "--tracemalloc", action="store_true", help="repeat N <= 6 under tracemalloc"
    )
    parser.add_argument(
        "--strict", action="store_true", help="exit 1 if N <= 6 misses the time/memory target"
    )
    parser.add_argument("--json", type=Path, help="also write the results to this JSON file")
    args = parser.parse_args(argv)

    ns = list(range(1, 7))
    gc.collect()
    rss_before = peak_rss_bytes()
    core = run_core(ns)
    rss_peak = peak_rss_bytes()
    report_core(core, rss_before, rss_peak)
    problems = check_counts(core.counts)
    results: dict[str, Any] = {
        "n6": {
            "counts": core.counts,
            "stages_s": core.stages,
            "wall_s": core.wall_s,
            "peak_rss": rss_peak,
            "queries": core.queries,
            "items": core.items,
        }
    }
    if not args.no_baseline:
        baselines = run_baselines(core)
        report_baselines(baselines, core)
        results["baselines"] = baselines
    if args.tracemalloc:
        del core
        gc.collect()
        tracemalloc.start()
        run_core(ns)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        print(f"tracemalloc peak (Python heap, N <= 6): {mib(peak)}")
        results["tracemalloc_peak"] = peak
    if args.profile:
        prof = cProfile.Profile()
        prof.enable()
        run_core(ns)
        prof.disable()
        print("== cProfile, N <= 6 (top 15 by cumulative time) ==")
        pstats.Stats(prof, stream=sys.stdout).sort_stats("cumulative").print_stats(15)
    if args.n7:
        n7 = run_n7()
        results["n7"] = n7
        problems += check_counts({7: n7["counts"]})
    if args.json:
        args.json.write_text(json.dumps(results, indent=2, default=str))
    if problems:
        print("COUNT MISMATCH: " + "; ".join(problems))
        return 1
    print("counts: all match SPEC section 3")
    if args.strict and (results["n6"]["wall_s"] > TARGET_WALL_S or rss_peak > TARGET_PEAK_BYTES):
        print("TARGET MISSED (N <= 6: 5 s wall, 1 GiB peak)")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
