"""Benchmark of the evaluation harness (issue 5): overhead per item and requests in flight.

Part 1, harness overhead. Workload: ``--items`` distinct prompts of Corr2Cause items (the
official test items cycled, each hypothesis made unique), answered by an instant in-process
prompt backend, so that all time measured is harness time. Three measurements:

- *baseline*: the bare loop, render each prompt and call the backend, nothing else;
- *cold run*: :func:`corr2cause.evaluation.evaluate`, i.e. rendering, cache keys (SHA-256 of
  the canonical request), one SQLite commit per response, answer parsing, metrics with 1,000
  bootstrap resamples overall and per group, ``predictions.jsonl``, ``metrics.json``;
- *resumed run*: the same command again, every response served from the cache.

Overhead per item = (cold run - baseline) / items. Target: under 1 ms.

Part 2, concurrency. ``--requests`` requests through the real ``openai`` backend and the full
harness against the stub OpenAI-compatible server on 127.0.0.1, which holds every reply
``--delay`` seconds (simulated model time) and counts requests in flight. Baseline in the same
invocation: ``--concurrency 1`` on a small subset. Target: at least 64 requests in flight.

Peak memory is the process's peak resident set size (``resource.getrusage``).

Usage::

    python bench/bench_evaluation.py
    python bench/bench_evaluation.py --items 50000 --requests 2048 --concurrency 256
    python bench/bench_evaluation.py --strict   # exit 1 when a target is missed
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator, Sequence
from dataclasses import replace
from pathlib import Path

from corr2cause.dataset.readers import EvalItem
from corr2cause.dataset.store import read_items
from corr2cause.evaluation import evaluate, load_backend, load_prompt
from corr2cause.evaluation.backends.base import Backend, Request, Response

OFFICIAL = Path(__file__).resolve().parents[2] / "shared" / "reference" / "official_test.csv"


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


_THOUGHT = (
    "<think>\nThe premise lists the correlations and independencies. First the skeleton: "
    "remove every edge between independent variables. Then the v-structures, then Meek's "
    "rules. The answer might be {decoy}; checking the separating sets again.\n</think>\n\n"
    "The answer is: \\boxed{{{verdict}}}"
)


class Instant(Backend):
    """A prompt backend with no model time: answers from the prompt length.

    Answers look like a reasoning model's (a think block with a decoy verdict, then a boxed
    answer), so the harness's overhead includes splitting off the reasoning and extraction.
    """

    name = "instant"
    uses_prompt = True

    def stream(
        self, requests: Sequence[Request], *, concurrency: int = 1
    ) -> Iterator[tuple[int, Response]]:
        for index, request in enumerate(requests):
            yes = len(request.messages[-1]["content"]) % 7 == 0
            text = _THOUGHT.format(decoy="no" if yes else "yes", verdict="Yes" if yes else "No")
            yield index, Response(text=text, latency_s=0.0)


def _base_items() -> list[EvalItem]:
    """The official test split, or (on a clone without it) items generated for N = 2..4."""
    path = Path(os.environ.get("CORR2CAUSE_OFFICIAL_TEST", OFFICIAL))
    if path.is_file():
        return read_items(path)
    from corr2cause.dataset.generate import GenerationConfig
    from corr2cause.dataset.store import generate

    print(
        f"note: official test CSV not found at {path} (set CORR2CAUSE_OFFICIAL_TEST); "
        "using items generated for N = 2..4 instead",
        file=sys.stderr,
    )
    with tempfile.TemporaryDirectory() as tmp:
        generate(GenerationConfig(nodes=[2, 3, 4], formats=["parquet"]), Path(tmp) / "data")
        return read_items(Path(tmp) / "data", split="all")


def workload(count: int) -> list[EvalItem]:
    """``count`` items with distinct prompts, cycled from the official test split."""
    base = _base_items()
    out = []
    for k in range(count):
        item = base[k % len(base)]
        hypothesis = item.hypothesis[:-1] + f" (case {k})."
        out.append(
            replace(
                item,
                id=f"{item.id}-{k}",
                hypothesis=hypothesis,
                input=f"Premise: {item.premise}\nHypothesis: {hypothesis}",
            )
        )
    return out


def baseline_loop(backend: Backend, items: Sequence[EvalItem]) -> float:
    """Render and answer every item with nothing else; returns seconds."""
    prompt = load_prompt("direct")
    start = time.perf_counter()
    requests = [Request(item=i, messages=tuple(prompt.messages(i))) for i in items]
    for _ in backend.stream(requests):
        pass
    return time.perf_counter() - start


def part_overhead(n_items: int, tmp: Path) -> dict[str, float]:
    items = workload(n_items)
    chars = sum(len(i.premise) + len(i.hypothesis) for i in items) / len(items)
    print(f"[overhead] workload: {n_items:,} distinct prompts, {chars:,.0f} characters per item")
    backend = Instant()
    baseline = baseline_loop(backend, items)
    start = time.perf_counter()
    metrics = evaluate(backend, items, out_dir=tmp / "cold")
    cold = time.perf_counter() - start
    start = time.perf_counter()
    again = evaluate(backend, items, out_dir=tmp / "cold")
    warm = time.perf_counter() - start
    assert metrics["run"]["queried"] == n_items and again["run"]["queried"] == 0
    overhead_ms = (cold - baseline) / n_items * 1000
    for label, seconds in (
        ("baseline (render + backend only)", baseline),
        ("harness, cold run", cold),
        ("harness, resumed (all cached)", warm),
    ):
        print(f"  {label:34s}{seconds:8.3f} s {seconds / n_items * 1e6:8.1f} us/item")
    print(f"  overhead per item beyond the model: {overhead_ms:.3f} ms (target < 1 ms)")
    print(f"  ratio cold run / baseline: {cold / baseline:.1f}x")
    return {"overhead_ms": overhead_ms, "cold_s": cold, "baseline_s": baseline, "warm_s": warm}


@contextlib.contextmanager
def stub_process(delay: float) -> Iterator[str]:
    """The stub server in its own process (so it does not share the harness's GIL)."""
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "corr2cause.testing.stub_server",
            "--delay",
            str(delay),
            "--stop-on-eof",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        yield proc.stdout.readline().strip()
    finally:
        assert proc.stdin is not None
        proc.stdin.close()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _stats(base_url: str, action: str = "stats") -> dict[str, int]:
    with urllib.request.urlopen(f"{base_url}/stub/{action}", timeout=10) as reply:
        return json.loads(reply.read())


def part_concurrency(
    n_requests: int, concurrency: int, delay: float, tmp: Path
) -> dict[str, float]:
    items = workload(n_requests)
    os.environ.setdefault("OPENAI_API_KEY", "sk-bench-not-a-key")
    print(
        f"[concurrency] workload: {n_requests:,} requests through the openai backend; the stub "
        f"server (own process) holds each reply {delay} s; --concurrency {concurrency}"
    )
    with stub_process(delay) as base_url:
        backend = load_backend("openai:stub", base_url=base_url, timeout=60.0, max_retries=2)
        subset = items[: max(8, min(25, n_requests // 20))]
        evaluate(backend, items[-2:], out_dir=tmp / "warmup", n_boot=0)  # imports, connection
        start = time.perf_counter()
        evaluate(backend, subset, out_dir=tmp / "seq", concurrency=1, n_boot=0)
        sequential = time.perf_counter() - start
        _stats(base_url, "reset")
        start = time.perf_counter()
        metrics = evaluate(backend, items, out_dir=tmp / "par", concurrency=concurrency)
        parallel = time.perf_counter() - start
        stats = _stats(base_url)
    assert metrics["request_failures"] == 0, metrics["request_failures"]
    assert stats["requests"] == n_requests, stats
    seq_rate = len(subset) / sequential
    par_rate = n_requests / parallel
    ideal = n_requests * delay / concurrency
    print(
        f"  baseline --concurrency 1: {len(subset)} requests in {sequential:.2f} s "
        f"= {seq_rate:.1f} req/s ({sequential / len(subset) * 1000 - delay * 1000:.1f} ms "
        "per request beyond the server's delay)"
    )
    print(
        f"  --concurrency {concurrency}: {n_requests} requests in {parallel:.2f} s "
        f"= {par_rate:.1f} req/s"
    )
    print(f"  max requests in flight at the server: {stats['max_in_flight']} (target >= 64)")
    print(
        f"  speed-up vs baseline: {par_rate / seq_rate:.1f}x; ideal wall {ideal:.2f} s, "
        f"efficiency {ideal / parallel:.0%}"
    )
    return {"in_flight": stats["max_in_flight"], "speedup": par_rate / seq_rate, "rate": par_rate}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=20_000)
    parser.add_argument("--requests", type=int, default=1_024)
    parser.add_argument("--concurrency", type=int, default=128)
    parser.add_argument("--delay", type=float, default=0.25)
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    args = parser.parse_args()
    start_mb = _peak_mb()
    with tempfile.TemporaryDirectory(prefix="bench-eval-") as tmp:
        overhead = part_overhead(args.items, Path(tmp))
        mb_after_1 = _peak_mb()
        flight = part_concurrency(args.requests, args.concurrency, args.delay, Path(tmp))
    print(f"peak memory (RSS): {_peak_mb():.0f} MB (after part 1: {mb_after_1:.0f} MB, "
          f"at start {start_mb:.0f} MB)")  # fmt: skip
    ok = overhead["overhead_ms"] < 1.0 and flight["in_flight"] >= 64
    print("targets:", "met" if ok else "MISSED")
    return 0 if ok or not args.strict else 1


if __name__ == "__main__":
    sys.exit(main())
