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

Run::

    PYTHONPATH=src python bench/bench_large.py            # the full targets (minutes)
    PYTHONPATH=src python bench/bench_large.py --quick    # a smoke run (seconds)
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import resource
import statistics
import sys
import time
from concurrent.futures import ProcessPoolExecutor

import numpy as np

from corr2cause.causal.d_separation import (
    d_separation_statements,
    minimal_separating_statements,
)
from corr2cause.causal.markov_equivalence import cpdag, mec_members
from corr2cause.causal.mec_classes import relation_counts
from corr2cause.causal.mec_size import mec_size
from corr2cause.dataset.class_labels import sampled_class_data
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
    ctx = mp.get_context("spawn")
    with ProcessPoolExecutor(1, mp_context=ctx) as pool:
        fut = pool.submit(label_old, (parents, limit))
        try:
            return float(fut.result(timeout=cap))
        except TimeoutError:
            for p in list(pool._processes.values()):  # stop the runaway child we started
                p.terminate()
            return None
        except OverflowError:
            return None


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
    ap.add_argument("--quick", action="store_true", help="small sizes for a smoke run")
    args = ap.parse_args(argv)
    if args.quick:
        args.classes, args.old_cap = 40, 10.0
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
    return 0


if __name__ == "__main__":
    sys.exit(main())
