"""The whole mutation run, sized for an hour on 2 cores: what ``make mutation`` runs.

``mutmut run`` forks one process per mutant, re-runs its traced test selection as a "clean"
check each time it starts, and maps type errors only for the mutants it is asked to run. This
script keeps mutmut for what it does well (generating the mutants, mapping ``mypy`` errors to
them) and judges the mutants with ``tests/mutation/inprocess.py`` workers, one pytest process
per core:

1. **generate** the mutants into ``mutants/`` (mutmut's own generator; files whose source did
   not change are kept, with mutmut's hash of every function in ``*.py.meta``);
2. **forget** the verdicts of functions whose hash changed since they were recorded
   (``mutants/verdict-hashes.json``), so a verdict always belongs to the code it was made on;
3. **queue** every mutant matching ``--match`` without a final verdict (killed, typed, timed
   out) in units of at most ``--chunk`` mutants of one module (``mutants/queue.json``);
4. **type-check** the mutated copy once with ``mypy --strict`` in a child process (skipped when
   nothing changed since the last one), recording 37 (*typed*) for every mutant it rejects,
   while
5. ``--jobs`` **workers** (``inprocess.py --worker I``) trace each layer's tests and judge the
   queued mutants (see that module's docstring: a quick pass, then a deep pass for
   survivors without a recorded reason);
6. print the score (``score.py --survivors``).

Verdicts go to ``mutants/rechecked.json`` as they come, so an interrupted run loses at most
a few and the next one resumes where it stopped. Workers and the type check are killed when
this script ends or is killed (``PR_SET_PDEATHSIG`` on Linux). A second run while one is going
is refused (``mutants/run.lock``).

Usage::

    python tests/mutation/full.py [--match GLOB] [--jobs N] [--chunk N] [--budget S]
                                  [--deep-budget S] [--no-type-check]
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import fcntl
import fnmatch
import hashlib
import io
import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
MUTANTS = ROOT / "mutants"
sys.path.insert(0, str(HERE))
from inprocess import (  # the store the workers write, and its codes  # noqa: E402
    BASELINE_FAILED,
    CRASHED,
    DEAD,
    QUEUE,
    RECHECKED,
    TYPED,
    TYPED_DONE,
    WorkQueue,
    layer_of,
    locked,
    write_json,
)

HASHES = "verdict-hashes.json"
WEIGHT = {"corr2cause.evaluation.backends.hf": 4.0}
"""Relative cost of a mutant, for ordering the units (torch forward passes are slower)."""
PROGRESS_EVERY_S = 60.0
MAX_RESTARTS = 10
"""Workers restarted after a crash, in all, before the run gives up."""


def module_of(name: str) -> str:
    return name.split(".x_")[0].split(".xǁ")[0]


def function_of(name: str) -> str:
    return name.partition("__mutmut_")[0]


def generate(jobs: int) -> None:
    """mutmut's generation step (``mutmut run`` before it runs anything), from the root."""
    from mutmut.__main__ import create_mutants, store_lines_covered_by_tests
    from mutmut.mutation.trampoline import set_mutant_under_test
    from mutmut.utils.file_utils import copy_also_copy_files, copy_src_dir, setup_source_paths

    os.chdir(ROOT)
    set_mutant_under_test("mutant_generation")
    MUTANTS.mkdir(exist_ok=True)
    copy_src_dir()
    copy_also_copy_files()
    setup_source_paths()
    store_lines_covered_by_tests()
    with contextlib.redirect_stdout(io.StringIO()):  # mutmut prints every file it visits
        stats = create_mutants(jobs)
    set_mutant_under_test("")
    print(f"generated: {stats.mutated} files mutated, {stats.unmodified} unchanged", flush=True)


def mutants_and_hashes(mutants: Path) -> tuple[list[str], dict[str, str]]:
    """Every mutant name, and mutmut's hash of every mutated function, from ``*.py.meta``."""
    names: list[str] = []
    hashes: dict[str, str] = {}
    for meta in sorted((mutants / "src").rglob("*.py.meta")):
        data = json.loads(meta.read_text())
        keys = list(data.get("exit_code_by_key", {}))
        names += keys
        module = module_of(keys[0]) if keys else None
        for function, digest in data.get("hash_by_function_name", {}).items():
            if module is not None:
                hashes[f"{module}.{function}"] = digest
    return names, hashes


def forget_changed(mutants: Path, names: list[str], hashes: dict[str, str]) -> int:
    """Drop verdicts of mutants whose function changed (or is gone); return how many.

    A verdict is kept only if its function's hash is the one recorded with the verdicts
    (``verdict-hashes.json``); the first run with this script keeps none. A *crashed* verdict
    (the worker died on the mutant) is dropped too: each run tries such a mutant again.
    """
    store = mutants / RECHECKED
    old_path = mutants / HASHES
    old: dict[str, str] = json.loads(old_path.read_text()) if old_path.exists() else {}
    known = set(names)
    with locked(store.with_name(store.name + ".lock")):
        verdicts: dict[str, int] = json.loads(store.read_text()) if store.exists() else {}
        keep = {
            n: c
            for n, c in verdicts.items()
            if n in known and c != CRASHED and old.get(function_of(n)) == hashes.get(function_of(n))
        }
        if len(keep) != len(verdicts) or not store.exists():
            write_json(store, keep)
    write_json(old_path, hashes)
    return len(verdicts) - len(keep)


def plan(mutants: Path, names: list[str], match: str, chunk: int) -> list[dict[str, Any]]:
    """The units of the queue: mutants without a final verdict, costliest units first."""
    store = mutants / RECHECKED
    verdicts: dict[str, int] = json.loads(store.read_text()) if store.exists() else {}
    by_module: dict[str, list[str]] = {}
    for name in names:
        if fnmatch.fnmatchcase(name, match) and verdicts.get(name) not in DEAD:
            by_module.setdefault(module_of(name), []).append(name)
    units = []
    for module, todo in sorted(by_module.items()):
        for k in range(0, len(todo), chunk):
            part = todo[k : k + chunk]
            cost = len(part) * WEIGHT.get(module, 1.0)
            units.append({"layer": layer_of(part[0]), "mutants": part, "cost": cost})
    return sorted(units, key=lambda u: -float(u["cost"]))


def fingerprint(hashes: dict[str, str]) -> str:
    return hashlib.sha256(json.dumps(hashes, sort_keys=True).encode()).hexdigest()


def typecheck() -> int:
    """Child process: ``mypy`` over ``mutants/``, 37 for every mutant it rejects."""
    from mutmut.mutation.file_mutation import filter_mutants_with_type_checker

    os.chdir(ROOT)
    t0 = time.perf_counter()
    try:
        rejected = filter_mutants_with_type_checker()
    except Exception as error:  # mutmut's mapping found an error outside every mutant
        print(f"type check failed: {error}", flush=True)
        return 2
    store = MUTANTS / RECHECKED
    with locked(store.with_name(store.name + ".lock")):
        verdicts: dict[str, int] = json.loads(store.read_text()) if store.exists() else {}
        for name in rejected:
            if verdicts.get(name) not in DEAD:
                verdicts[name] = TYPED
        write_json(store, verdicts)
    _, hashes = mutants_and_hashes(MUTANTS)
    (MUTANTS / TYPED_DONE).write_text(fingerprint(hashes) + "\n")
    print(f"type check: {len(rejected)} mutants rejected in {time.perf_counter() - t0:.0f}s")
    return 0


def _die_with_parent() -> None:  # preexec_fn: no threads here (the child execs right after)
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None).prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG


def spawn(cmd: list[str], cwd: Path, env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(cmd, cwd=cwd, env=env, preexec_fn=_die_with_parent)


def crashed(mutants: Path, worker: int) -> str | None:
    """Record the mutant a dead worker was running, if it has no verdict, as crashed (-11)."""
    running = mutants / f"running-{worker}"
    if not running.exists():
        return None
    name = running.read_text().strip()
    running.unlink()
    store = mutants / RECHECKED
    with locked(store.with_name(store.name + ".lock")):
        verdicts: dict[str, int] = json.loads(store.read_text()) if store.exists() else {}
        if name in verdicts:  # it had its verdict; the worker died after it
            return None
        verdicts[name] = CRASHED
        write_json(store, verdicts)
    return name


def count_done(mutants: Path) -> int:
    """Mutants the workers of this run have judged so far (their ``progress-I.json``)."""
    done = 0
    for path in mutants.glob("progress-*.json"):
        with contextlib.suppress(OSError, ValueError):
            done += int(json.loads(path.read_text())["judged"])
    return done


def run(args: argparse.Namespace) -> int:
    t_start = time.perf_counter()
    generate(args.jobs)
    names, hashes = mutants_and_hashes(MUTANTS)
    if not names:
        print("no mutants: check [tool.mutmut] only_mutate in pyproject.toml", file=sys.stderr)
        return 2
    dropped = forget_changed(MUTANTS, names, hashes)
    if dropped:
        print(f"forgot {dropped} verdicts of functions that changed", flush=True)
    shutil.copytree(ROOT / "tests", MUTANTS / "tests", dirs_exist_ok=True)
    units = plan(MUTANTS, names, args.match, args.chunk)
    queued = {n for u in units for n in u["mutants"]}
    print(f"{len(names)} mutants; {len(queued)} to judge in {len(units)} units", flush=True)
    if not units:
        return score(args.match)
    WorkQueue.create(MUTANTS / QUEUE, units, run=f"{time.time():.0f}-{os.getpid()}")
    for stale in [*MUTANTS.glob("progress-*.json"), *MUTANTS.glob("running-*")]:
        stale.unlink()
    env = {**os.environ, "PYTHONPATH": str(MUTANTS / "src"), "MUTANT_UNDER_TEST": ""}
    children: list[subprocess.Popen[bytes]] = []  # everything to stop at the end
    typed_done = MUTANTS / TYPED_DONE
    type_check = not args.no_type_check
    if type_check and typed_done.exists():
        if typed_done.read_text().strip() == fingerprint(hashes):
            print("type check: nothing changed since the last one", flush=True)
            type_check = False
        else:
            typed_done.unlink()
    checker = None
    if type_check:
        checker = spawn([sys.executable, __file__, "--typecheck"], ROOT, env)
        children.append(checker)
    worker_cmd = [
        sys.executable,
        str(HERE / "inprocess.py"),
        "--max-test",
        str(args.max_test),
        "--budget",
        str(args.budget),
        "--deep-budget",
        str(args.deep_budget),
        *(["--no-type-check"] if args.no_type_check else []),
    ]
    workers = {k: spawn([*worker_cmd, "--worker", str(k)], MUTANTS, env) for k in range(args.jobs)}
    restarts = 0
    failed = False
    try:
        last = time.perf_counter()
        while workers:
            time.sleep(1.0)
            if checker is not None and checker.poll() not in (None, 0):
                print("the type check failed: stopping the workers", file=sys.stderr)
                failed = True
                break
            for k, proc in list(workers.items()):
                rc = proc.poll()
                if rc is None:
                    continue
                del workers[k]
                if rc == 0:
                    continue
                if rc == BASELINE_FAILED or restarts >= MAX_RESTARTS:
                    print(f"worker {k} failed (exit {rc}): stopping the run", file=sys.stderr)
                    failed = True
                    break
                # a crash (a signal, or pytest's internal error): the mutant it was running,
                # if any, is recorded as crashed, and a new worker takes over its unit
                blame = crashed(MUTANTS, k)
                print(f"worker {k} died (exit {rc}) on {blame or 'no mutant'}: restarting")
                restarts += 1
                workers[k] = spawn([*worker_cmd, "--worker", str(k)], MUTANTS, env)
                children.append(workers[k])
            if failed:
                break
            if time.perf_counter() - last >= PROGRESS_EVERY_S:
                last = time.perf_counter()
                done = count_done(MUTANTS)
                print(
                    f"-- {done}/{len(queued)} judged (to the last 10 per worker), "
                    f"{(last - t_start) / 60:.1f} min",
                    flush=True,
                )
        if checker is not None and not failed and checker.wait() != 0:
            failed = True
    finally:
        for p in children:
            if p.poll() is None:
                p.terminate()
        for p in children:
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                p.kill()
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu_min = (usage.ru_utime + usage.ru_stime + time.process_time()) / 60
    print(
        f"mutation run: {(time.perf_counter() - t_start) / 60:.1f} min wall, {cpu_min:.1f} min "
        f"CPU ({cpu_min / args.jobs:.1f} min per worker: the wall time {args.jobs} idle cores "
        "would need)",
        flush=True,
    )
    rc = score(args.match)
    return 2 if failed else rc


def score(match: str) -> int:
    return subprocess.run(
        [sys.executable, str(HERE / "score.py"), "--survivors", "--match", match, str(MUTANTS)]
    ).returncode


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--match", default="*", help="a glob on mutant names (default: all)")
    parser.add_argument("--jobs", type=int, default=2, help="worker processes (default 2)")
    parser.add_argument("--chunk", type=int, default=60, help="mutants per unit (default 60)")
    parser.add_argument("--max-test", type=float, default=1.0, help="quick pass: s per test")
    parser.add_argument("--budget", type=float, default=3.0, help="quick pass: s per mutant")
    parser.add_argument(
        "--deep-budget", type=float, default=60.0, help="a survivor's second pass: s per mutant"
    )
    parser.add_argument("--no-type-check", action="store_true", help="do not run mypy")
    parser.add_argument("--typecheck", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.typecheck:
        return typecheck()
    if args.jobs < 1 or args.chunk < 1:
        parser.error("--jobs and --chunk must be at least 1")
    MUTANTS.mkdir(exist_ok=True)
    with open(MUTANTS / "run.lock", "a") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            print("another mutation run holds mutants/run.lock", file=sys.stderr)
            return 2
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
        return run(args)


if __name__ == "__main__":
    sys.exit(main())
