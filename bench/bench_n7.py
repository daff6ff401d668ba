"""Benchmark: complete N = 7 generation (76,907 classes) in the normalized layout (issue 7).

Prints the workload, wall time, peak memory of the parent and the workers, and the ratio
against a single-worker run on a slice of the same work in the same invocation. Target: under
15 minutes on 2 cores with the local engine.

Usage: python bench/bench_n7.py [--workers 2] [--variants original,paraphrase,refactor,relabel]
"""

from __future__ import annotations

import argparse
import resource
import shutil
import tempfile
import time
from pathlib import Path

from corr2cause.dataset.sharded import ShardedConfig, generate_sharded, plan_shards, run_shard


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--variants", default="original,paraphrase,refactor,relabel")
    parser.add_argument("--engine", default="local")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="c2c-n7-"))
    try:
        config = ShardedConfig(nodes=[7], variants=args.variants.split(","))
        t0 = time.perf_counter()
        manifest = generate_sharded(tmp / "n7", config, engine=args.engine, workers=args.workers)
        wall = time.perf_counter() - t0
        size = sum(f.stat().st_size for f in (tmp / "n7").rglob("*") if f.is_file())
        items = {
            v: sum(c[s] for s in ("train", "dev", "test")) for v, c in manifest["items"].items()
        }
        print(
            f"workload: N=7, {manifest['nodes']['7']['classes']:,} classes, "
            f"{manifest['shards']} shards, variants {list(items)}, "
            f"{sum(items.values()):,} items, {size / 1e6:.0f} MB Parquet"
        )
        print(f"wall ({args.engine}, {args.workers} workers): {wall:.1f} s (target < 900 s)")
        self_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        child_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        print(f"peak memory: parent {self_mb:.0f} MB, largest worker {child_mb:.0f} MB")
        # baseline: one shard computed in-process, extrapolated to all shards on one core
        specs, _ = plan_shards(config, tmp / "probe")
        t1 = time.perf_counter()
        run_shard(specs[len(specs) // 2])
        one = time.perf_counter() - t1
        print(
            f"single-core estimate (1 shard x {len(specs)}): {one * len(specs):.1f} s "
            f"-> speed-up {one * len(specs) / wall:.2f}x"
        )
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
