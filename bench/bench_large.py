"""Benchmark: exact labels and minimal premises for large sampled classes (issue 14).

Prints, for each workload, what it is, the wall time, the peak memory and -- where today's
(pre-issue-14) path can run at all -- the ratio against it in the same run.

Workloads
---------
A  ``--classes`` distinct classes at ``N = --n`` (default 1,000 at N = 20): edge-density DAGs
   (p = 0.06) whose class has at least ``--min-size`` members (mean class size > 100), each labeled
   exactly (3-class, from the CPDAG), fractions exact up to ``--max-members`` members else
   estimated, minimal premise listed and verbalized; ``--workers`` processes.
B  Today's path on the first few classes of A and on N = 15 classes: full member enumeration
   (``mec_members``), relation counting, and minimal premises by the subset search
   (``d_separation_statements`` + ``minimal_separating_statements``), each under a time cap.
C  Per-class time against N (10, 15, 20, 30, 50) and against class size.
D  One N = 50 class.
E  Dense classes: the CPDAG of the complete DAG on 20 nodes (one undirected K20 component,
   20! members), labeled by the search with witnesses against the search alone (the path
   before witnesses); and ``--dense-classes`` classes at N = 12 with edge density 0.85 (the
   issue's ``generate --nodes 12 --samples 100 --edge-density 0.85``), labels plus fractions
   with ``--max-members 10000`` (the CLI default), against the earlier path (search alone,
   item-by-item counting), with per-class time against class size.

Run::

    PYTHONPATH=src python bench/bench_large.py            # the full targets (minutes)
    PYTHONPATH=src python bench/bench_large.py --quick    # a smoke run (seconds)
    PYTHONPATH=src python bench/bench_large.py --only-dense   # workload E alone
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import resource
import statistics
import sys
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from typing import Any

import numpy as np

from corr2cause.causal.d_separation import (
    d_separation_statements,
    minimal_separating_statements,
)
from corr2cause.causal.exact_labels import exact_label3
from corr2cause.causal.markov_equivalence import cpdag, mec_members
from corr2cause.causal.mec_classes import relation_counts
from corr2cause.causal.mec_size import list_members, mec_size, sample_members
from corr2cause.causal.relations import count_items
from corr2cause.dataset.class_labels import label_class, sampled_class_data
from corr2cause.dataset.sampling import _sampled_class, random_dag
from corr2cause.graphs.dag import Parents, node_names


def peak_mb() -> float:
    """Peak resident memory of this process and of its finished children, in MB.

    Cumulative: from workload B on it includes today's path, whose subset search at N = 20
    alone needs about 2 GB; the new path's peak is the value printed up to A1.
    """
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, kids) / 1024


def label_new(job: tuple[str, Parents, int]) -> tuple[float, int, int]:
    """New path for one class: exact labels, fractions, minimal premise text."""
    mec_id, parents, max_members = job
    t = time.perf_counter()
    data, labels = sampled_class_data(
        mec_id, parents, premise_style="minimal", max_members=max_members, seed=0
    )
    text = data.premise(node_names(len(parents)), style="minimal")
    return time.perf_counter() - t, labels.size, len(text)


def label_old(job: tuple[Parents, int]) -> float:
    """Today's path for one class (member enumeration + subset search for the premise)."""
    parents, limit = job
    t = time.perf_counter()
    members = mec_members(parents, limit=limit)
    relation_counts(members)
    minimal_separating_statements(d_separation_statements(parents))
    return time.perf_counter() - t


def timed_old(parents: Parents, cap: float, limit: int = 10_000) -> float | None:
    """Today's path in a child process, or ``None`` if it runs past ``cap`` seconds."""
    return timed_child(label_old, (parents, limit), cap)


def k20_search_alone(_: int) -> float:
    """The complete 20-node component labeled by the search alone (no witnesses)."""
    t = time.perf_counter()
    exact_label3(cpdag(tuple((1 << v) - 1 for v in range(20))), witnesses=False)
    return time.perf_counter() - t


def dense_new(job: tuple[Parents, int, str]) -> tuple[float, int]:
    """Labels and fractions of one class, today's path (``label_class``)."""
    parents, max_members, mec_id = job
    t = time.perf_counter()
    lab = label_class(parents, max_members=max_members, seed=0, mec_id=mec_id)
    return time.perf_counter() - t, lab.size


def dense_old(job: tuple[Parents, int, str]) -> float:
    """The same before the dense work: search alone, item-by-item member counting."""
    parents, max_members, _ = job
    t = time.perf_counter()
    pdag = cpdag(parents)
    size = mec_size(pdag)
    label3 = exact_label3(pdag, witnesses=False)
    if size <= max_members:
        members = list_members(pdag)
    else:
        members = sample_members(pdag, max_members, seed=[0, 1])
    neutral = np.argwhere(label3 == 1)
    prs = [(x, y) for x in range(len(parents)) for y in range(x + 1, len(parents))]
    count_items(members, [(prs[k][0], prs[k][1], int(r)) for k, r in neutral])
    return time.perf_counter() - t


def timed_child(fn: Callable[[Any], float], arg: Any, cap: float) -> float | None:
    """``fn(arg)`` in a child process, or ``None`` if it runs past ``cap`` seconds."""
    ctx = mp.get_context("spawn")
    with ProcessPoolExecutor(1, mp_context=ctx) as pool:
        fut = pool.submit(fn, arg)
        try:
            return float(fut.result(timeout=cap))
        except TimeoutError:
            for p in list(pool._processes.values()):  # stop the runaway child we started
                p.terminate()
            return None
        except OverflowError:  # more members than the enumeration limit
            return None


def dense_workloads(classes: int, cap: float, quick: bool) -> None:
    """Workload E (see the module docstring)."""
    k20 = cpdag(tuple((1 << v) - 1 for v in range(20)))
    t = time.perf_counter()
    exact_label3(k20)
    new = time.perf_counter() - t
    old = timed_child(k20_search_alone, 0, cap)
    ratio = (
        f"search alone {old:.1f} s, ratio {old / new:.0f}x"
        if old
        else (f"search alone > {cap:.0f} s, ratio > {cap / new:.0f}x")
    )
    row("E", "complete K20 component (20! members): exact labels, 1 proc", new, ratio)

    rng = np.random.default_rng(0)
    graphs = [random_dag(12, 0.85, rng) for _ in range(classes)]
    jobs = [(g, 10_000, f"e{k}") for k, g in enumerate(graphs)]
    t = time.perf_counter()
    results = [dense_new(j) for j in jobs]
    wall = time.perf_counter() - t
    old_jobs = jobs[: max(3, classes // 10)] if quick else jobs
    t = time.perf_counter()
    old_t = [dense_old(j) for j in old_jobs]
    old_wall = time.perf_counter() - t
    new_same = sum(r[0] for r in results[: len(old_jobs)])
    row(
        "E",
        f"{classes} classes N=12 p=0.85: labels + fractions (max 10,000 members), 1 proc",
        wall,
        f"per class mean {wall / classes * 1e3:.0f} ms, max {max(r[0] for r in results) * 1e3:.0f}"
        f" ms; earlier path {old_wall:.1f} s on {len(old_jobs)} classes, ratio "
        f"{old_wall / new_same:.1f}x",
    )
    for lo, hi in ((1, 10), (10, 100), (100, 1000), (1000, 10_001), (10_001, 10**30)):
        ts = [r[0] for r in results if lo <= r[1] < hi]
        olds = [o for o, r in zip(old_t, results, strict=False) if lo <= r[1] < hi]
        if ts:
            span = f"{lo}-{hi - 1}" if hi < 10**30 else f"> {lo - 1} (estimated)"
            extra = f", earlier {statistics.mean(olds) * 1e3:.0f} ms" if olds else ""
            print(
                f"E   N=12 p=0.85 classes with {span} members: {len(ts)}, per class mean "
                f"{statistics.mean(ts) * 1e3:.0f} ms{extra}"
            )


def row(name: str, workload: str, wall: float, extra: str = "") -> None:
    print(f"{name:<3} {workload:<62} {wall:9.2f} s  peak {peak_mb():7.0f} MB  {extra}", flush=True)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=20)
    ap.add_argument("--classes", type=int, default=1000)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--max-members", type=int, default=64)
    ap.add_argument("--min-size", type=int, default=60, help="smallest class kept in A")
    ap.add_argument("--old-cap", type=float, default=60.0, help="seconds per class, today's path")
    ap.add_argument("--dense-classes", type=int, default=100, help="N=12 p=0.85 classes in E")
    ap.add_argument("--only-dense", action="store_true", help="run workload E only")
    ap.add_argument("--quick", action="store_true", help="small sizes for a smoke run")
    args = ap.parse_args(argv)
    if args.quick:
        args.classes, args.old_cap, args.dense_classes = 40, 10.0, 20
    if args.only_dense:
        dense_workloads(args.dense_classes, args.old_cap, args.quick)
        return 0
    n = args.n

    # --- A: draw the classes -------------------------------------------------------------
    # edge-density DAGs (p = 0.06), keeping distinct classes with at least --min-size members
    # (a size-conditioned sample: cheap to draw, mean class size above 100)
    t = time.perf_counter()
    rng = np.random.default_rng(0)
    chosen, seen, draws = [], set(), 0
    while len(chosen) < args.classes:
        draws += 1
        g = random_dag(n, 0.06, rng)
        if mec_size(cpdag(g)) < args.min_size:
            continue
        cls = _sampled_class(n, g)
        if cls.key not in seen:
            seen.add(cls.key)
            chosen.append(cls)
    sizes = [mec_size(cpdag(c.parents)) for c in chosen]
    row(
        "A0",
        f"draw {len(chosen)} distinct N={n} classes with >= {args.min_size} members "
        f"({draws:,} draws)",
        time.perf_counter() - t,
        f"mean class size {statistics.mean(sizes):.0f}, median {statistics.median(sizes):.0f}",
    )

    jobs = [(c.mec_id, c.parents, args.max_members) for c in chosen]
    t = time.perf_counter()
    with ProcessPoolExecutor(args.workers) as pool:
        results = list(pool.map(label_new, jobs, chunksize=8))
    wall_new = time.perf_counter() - t
    per_class = [r[0] for r in results]
    row(
        "A",
        f"label {len(jobs)} classes N={n}: exact labels + minimal premise, {args.workers} proc",
        wall_new,
        f"per class mean {statistics.mean(per_class) * 1e3:.0f} ms, "
        f"max {max(per_class) * 1e3:.0f} ms; fractions exact up to {args.max_members} members",
    )
    t = time.perf_counter()
    with ProcessPoolExecutor(args.workers) as pool:
        labels_only = list(pool.map(label_new, [(m, p, 1) for m, p, _ in jobs], chunksize=8))
    row(
        "A1",
        "same, labels + premise only (fractions from 1 draw)",
        time.perf_counter() - t,
        f"per class mean {statistics.mean(r[0] for r in labels_only) * 1e3:.0f} ms",
    )

    # --- B: today's path, same classes, under a cap --------------------------------------
    for bn, count in ((15, 4), (n, 2)):
        if bn == n:
            sample = [c.parents for c in chosen[:count]]
        else:
            rng = np.random.default_rng(15)
            sample = [random_dag(bn, 0.15, rng) for _ in range(count)]
        new_t = [label_new((f"b{k}", g, args.max_members))[0] for k, g in enumerate(sample)]
        old_t = [timed_old(g, args.old_cap) for g in sample]
        done = [o for o in old_t if o is not None]
        if len(done) == len(old_t):
            old_mean, new_mean = statistics.mean(done), statistics.mean(new_t)
            ratio = f"today {old_mean:.2f} s/class, ratio {old_mean / new_mean:.0f}x"
        else:
            ratio = (
                f"today > {args.old_cap:.0f} s on {len(old_t) - len(done)} of {len(old_t)} "
                f"classes, ratio > {args.old_cap / statistics.mean(new_t):.0f}x"
            )
        row(
            "B",
            f"today's path vs new on {count} classes N={bn} (1 proc)",
            sum(new_t),
            f"new {statistics.mean(new_t) * 1e3:.0f} ms/class; {ratio}",
        )

    # --- C: per-class time against N and against class size -----------------------------
    rng = np.random.default_rng(1)
    for cn, dens in ((10, 0.2), (15, 0.12), (20, 0.1), (30, 0.07), (50, 0.05)):
        k = 3 if args.quick else 10
        times, szs = [], []
        for j in range(k):
            g = random_dag(cn, dens, rng)
            dt, size, _ = label_new((f"c{j}", g, args.max_members))
            times.append(dt)
            szs.append(size)
        row(
            "C",
            f"{k} classes N={cn} (p={dens}), one at a time",
            sum(times),
            f"per class mean {statistics.mean(times) * 1e3:.0f} ms, max {max(times) * 1e3:.0f} ms, "
            f"median size {statistics.median(szs):.0f}",
        )
    bins = ((60, 100), (100, 200), (200, 500), (500, 10**9))
    for lo, hi in bins:
        ts = [r[0] for r in results if lo <= r[1] < hi]
        if ts:
            span = f"{lo}-{hi - 1}" if hi < 10**9 else f">= {lo}"
            print(
                f"C   N={n} classes with {span} members: {len(ts)}, "
                f"per class mean {statistics.mean(ts) * 1e3:.0f} ms, max {max(ts) * 1e3:.0f} ms"
            )
    g50 = random_dag(50, 0.05, np.random.default_rng(50))
    dt, size, _ = label_new(("n50", g50, args.max_members))
    row("D", f"one N=50 class ({size} members), exact labels + minimal premise", dt)
    dense_workloads(args.dense_classes, args.old_cap, args.quick)
    return 0


if __name__ == "__main__":
    sys.exit(main())
