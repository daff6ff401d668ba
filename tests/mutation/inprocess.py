"""Re-check mutants in one pytest process: collect the tests once, run them once per mutant.

``tests/mutation/recheck.py`` starts a fresh pytest per mutant, which costs the imports and the
collection (seconds) every time. This tool is a pytest plugin plus a small CLI that collects the
tests once and then, for each mutant, sets ``os.environ["MUTANT_UNDER_TEST"]`` to its name
(mutmut's trampolines read it on every call), runs the mutant's tests in the order given until
the first failure, and records the verdict in ``mutants/rechecked.json`` with the codes
``tests/mutation/score.py`` reads: 1 (killed), 0 (survived), 36 (timeout: the per-mutant
wall-clock limit, a ``SIGALRM`` from ``signal.setitimer`` that raises inside the test).

Run it from ``mutants/`` with ``PYTHONPATH=src``::

    python ../tests/mutation/inprocess.py [--tests PATH]... [--match GLOB] [--timeout S]
                                          [--again] [NAME ...]

Names, tests and verdicts follow ``recheck.py``: without names, every survivor and every
mutant with no tests in mutmut's ``.py.meta`` files; without ``--tests``, each mutant's traced
tests of its own layer; when run in the project's ``mutants/``, the current ``tests/`` is
copied in first. Mutants already in ``rechecked.json`` are skipped unless ``--again``; the file
is rewritten atomically every few mutants, so an interrupted run keeps what it found.

Before the first mutant, every collected test runs once unmutated (``MUTANT_UNDER_TEST=""``):
if one fails, nothing is recorded. Between mutants, ``MUTANT_UNDER_TEST`` is reset to ``""``,
every fixture below session scope is torn down, and the ``functools.lru_cache``/``cache``
caches of ``corr2cause`` modules are cleared, so that nothing computed under one mutant is seen
by the next (a plain loop over ``pytest_runtest_protocol`` keeps module fixtures, and one set
up under a mutant can then kill the next one; ``test_inprocess.py`` checks both). A mutant
whose tests select nothing (all deselected) records 5, "no tests". Without ``--timeout``, a
mutant's limit is 5 times the unmutated duration of its tests plus 5 s (mutmut's
``timeout_multiplier``).

**Worker mode** (``--worker I``, what ``make mutation`` runs through ``tests/mutation/full.py``):
the mutants come from a queue shared by the workers of one run (``mutants/queue.json``, units
of one module's mutants claimed under a lock), and each worker learns which tests execute which
function itself: the first time it claims a unit of a layer, it runs that layer's tests once
unmutated with ``MUTANT_UNDER_TEST=stats`` (mutmut's trampolines then report every call of a
mutated function; caches are cleared before each test so that each test reports what it
computes), which is also that layer's unmutated check. A mutant then runs its layer's tests
that execute its function, the fastest first: tests of at most ``--max-test`` seconds up to
``--budget`` seconds in all (:func:`narrowed`), and, if it survives that and has no
recorded reason in ``equivalent.toml``, again with every such test up to ``--deep-budget``
seconds. Mutants already killed (1), typed (37) or timed out (36) in ``rechecked.json`` are
skipped; survivors run again, so a new test shows in the next run. Before its first mutant a
worker waits for the type check (``mutants/typed.done``), whose verdicts it skips.

Caveat: session-scoped fixtures, computed in the unmutated pass, are shared by all mutants. A
mutant whose effect only shows in a session fixture (``mec_classes(6)``, ``build_classes``...)
is not seen by the tests that use that fixture, so the in-process verdict can only under-report
kills, never invent one: a *killed* here is final, but a survivor must be confirmed with
``recheck.py NAME`` (a fresh process) before it is recorded as equivalent. The one way left
to invent a kill is state this tool does not reset: a mutant that writes to a module global or
a class attribute outside a ``functools`` cache; if a kill looks doubtful, re-check it too.
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import fnmatch
import functools
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import tomllib
from collections import defaultdict
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
RECHECKED = "rechecked.json"
KILLED, SURVIVED, NO_TESTS, TIMEOUT, TYPED = 1, 0, 5, 36, 37
CRASHED = -11
"""A mutant whose worker died while running it (recorded by full.py; retried next run)."""
DEAD = frozenset({KILLED, TIMEOUT, TYPED})
"""Verdicts a later run does not revisit (a survivor runs again: a new test may kill it)."""
QUEUE, TYPED_DONE, TRACED = "queue.json", "typed.done", "traced-tests.json"
"""Under ``mutants/``: the work queue, the type check's end, function -> tests that ran it."""
TRAMPOLINE = "mutmut.mutation.trampoline"
"""The module whose ``record_trampoline_hit`` a trampoline calls in ``stats`` mode."""
SAVE_EVERY = 10
BASELINE_FAILED = 2
"""A worker's exit code when a test fails unmutated: the whole run stops."""
TIME_FACTOR, TIME_FLOOR_S = 3.0, 3.0
"""Worker mode: a pass may take 3 times its tests' traced time plus 3 s (traced in the same
process, under the same load, with cold caches: a generous bound; 5x + 5 s, mutmut's forked
setting, made the ~90 endless-loop mutants cost a quarter of a run)."""
FRESH_START_S = 30.0
"""Time allowed for a fresh pytest process to start (imports, collection) on top of its tests."""
REFIRE_S = 5.0
"""After a mutant's time limit, raise MutantTimeout again every this many seconds."""
"""Rewrite ``rechecked.json`` after this many new verdicts (and at the end)."""


class MutantTimeout(BaseException):
    """Raised by SIGALRM inside a test when a mutant runs past its limit."""


def clear_caches(prefix: str = "corr2cause") -> int:
    """``cache_clear()`` every cached function (and method) of the loaded ``prefix`` modules."""
    cleared = 0
    for modname, module in list(sys.modules.items()):
        if module is None or not modname.startswith(prefix):
            continue
        for value in list(vars(module).values()):
            members = vars(value).values() if isinstance(value, type) else (value,)
            for obj in list(members):
                obj = getattr(obj, "__func__", obj)  # staticmethod / classmethod
                clear = getattr(obj, "cache_clear", None)
                if callable(clear) and not isinstance(obj, type):
                    clear()
                    cleared += 1
    return cleared


@functools.cache
def _resolve(path: str) -> Path:
    return Path(path).resolve()


def _spec_matches(spec: str, item: pytest.Item) -> bool:
    """Whether ``item`` is selected by ``spec``: ``DIR``, ``FILE`` or ``FILE::name``."""
    path, _, rest = spec.partition("::")
    target = _resolve(path)
    if item.path != target and target not in item.path.parents:
        return False
    if not rest:
        return True
    inner = item.nodeid.partition("::")[2]
    return inner == rest or inner.startswith((rest + "::", rest + "["))


class _SessionOnly:
    """Stands for a next item that needs only the session: tears down all narrower fixtures."""

    def __init__(self, session: pytest.Session) -> None:
        self.session = session

    def listchain(self) -> list[Any]:
        return [self.session]


class InProcess:
    """The pytest plugin: replaces the run loop with one round of the tests per mutant.

    ``plan`` is a list of (mutant name, test specs); the collected items are the union, each
    mutant runs those its specs select, in the order of its specs. ``record(name, code)`` is
    called with each verdict.
    """

    def __init__(
        self,
        plan: list[tuple[str, list[str]]],
        record: Any,
        timeout: float | None = None,
        log: Any = print,
    ) -> None:
        self.plan, self.record, self.timeout, self.log = plan, record, timeout, log
        self.failed = self.timed_out = self.armed = self.in_phase = False
        self.baseline_ok: bool | None = None

    # -- hooks ---------------------------------------------------------------------------------

    @pytest.hookimpl(trylast=True)
    def pytest_configure(self, config: pytest.Config) -> None:
        # silence pytest's own report (a dot per test per mutant, every kill's traceback at the
        # end); this plugin prints one line per mutant. After configure: ``-ra`` is parsed.
        # pytest-timeout is off (``-p no:timeout``: its SIGALRM would replace ours); its marker
        # must still be known under ``--strict-markers``
        config.addinivalue_line("markers", "timeout(seconds): pytest-timeout's (not loaded here)")
        reporter = config.pluginmanager.get_plugin("terminalreporter")
        if reporter is not None:
            config.pluginmanager.unregister(reporter)

    @pytest.hookimpl(hookwrapper=True)
    def pytest_fixture_setup(self, fixturedef: Any, request: Any) -> Any:
        # a session fixture is shared by every mutant after it: compute it unmutated, wherever
        # it is first needed, and leave no cache filled under the mutant behind
        if fixturedef.scope != "session":
            yield
            return
        mutant = os.environ.get("MUTANT_UNDER_TEST", "")
        if mutant in ("", "stats"):
            yield
            return
        os.environ["MUTANT_UNDER_TEST"] = ""
        try:
            yield
        finally:
            os.environ["MUTANT_UNDER_TEST"] = mutant
            clear_caches()

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        if report.failed:
            self.log(f"collection error in {report.nodeid}:\n{report.longreprtext}")

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if report.failed:
            self.failed = True
            if self.baseline_ok is None:  # the unmutated pass: show why
                self.log(f"FAILED without a mutant: {report.nodeid}\n{report.longreprtext}")

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtestloop(self, session: pytest.Session) -> bool:
        if session.testsfailed:
            raise session.Interrupted(f"{session.testsfailed} errors during collection")
        items = list(session.items)
        os.environ["MUTANT_UNDER_TEST"] = ""
        clear_caches()
        durations: dict[str, float] = {}
        self.failed = False
        keep = _SessionOnly(session)
        for k, item in enumerate(items):  # unmutated: session fixtures are computed here
            t0 = time.perf_counter()
            self._run(item, items[k + 1] if k + 1 < len(items) else keep)  # type: ignore[arg-type]
            durations[item.nodeid] = time.perf_counter() - t0
        self.baseline_ok = not self.failed and bool(items)
        if not self.baseline_ok:
            self.log("the tests do not pass unmutated (or none were collected): nothing recorded")
            session.testsfailed = max(session.testsfailed, 1)
            return True
        self.log(f"{len(items)} tests pass unmutated in {sum(durations.values()):.1f}s")

        @functools.cache
        def select(specs: tuple[str, ...]) -> list[pytest.Item]:
            # in the order of the specs; an item two specs select runs at the first
            return list(dict.fromkeys(i for spec in specs for i in items if _spec_matches(spec, i)))

        with self._alarms():
            for name, specs in self.plan:
                selected = select(tuple(specs))
                limit = self.timeout or 5 * sum(durations[i.nodeid] for i in selected) + 5
                t0 = time.perf_counter()
                code = self._mutant(session, name, selected, limit) if selected else NO_TESTS
                self.log(f"{name}: {_word(code)} {time.perf_counter() - t0:.1f}s")
                self.record(name, code)
        return True

    # -- the rounds ----------------------------------------------------------------------------

    @contextlib.contextmanager
    def _alarms(self) -> Iterator[None]:
        """Our SIGALRM handler for the rounds; after them no timer, no mutant, no caches."""
        previous = signal.signal(signal.SIGALRM, self._alarm)
        try:
            yield
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)
            os.environ["MUTANT_UNDER_TEST"] = ""
            clear_caches()

    def _alarm(self, signum: int, frame: object) -> None:
        # The first alarm always raises. A later one (the test swallowed the first) raises only
        # inside a test phase: pytest reports the first one by parsing source files, and a
        # MutantTimeout in the middle of that leaves CPython's AST state broken ("AST
        # constructor recursion depth mismatch" in every later compile).
        if self.armed and (not self.timed_out or self.in_phase):
            self.timed_out = True
            raise MutantTimeout()

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
        # pytest formats a failure from its traceback; one interrupted by MutantTimeout can
        # have an entry without a line number, and formatting it raises (TypeError), which
        # would end the whole session: report such a failure plainly instead
        outcome = yield
        try:
            outcome.get_result()
        except Exception as error:
            reason = call.excinfo.typename if call.excinfo is not None else "?"
            outcome.force_result(
                pytest.TestReport(
                    nodeid=item.nodeid,
                    location=item.location,
                    keywords={},
                    outcome="failed",
                    longrepr=f"{reason} (its traceback could not be formatted: {error!r})",
                    when=call.when,  # type: ignore[arg-type]  # never "collect" here
                )
            )

    @contextlib.contextmanager
    def _phase(self) -> Iterator[None]:
        """Mark a test's setup, call or teardown (where a second alarm may fire)."""
        self.in_phase = True
        try:
            yield
        finally:
            self.in_phase = False

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_setup(self, item: pytest.Item) -> Any:
        with self._phase():
            yield

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_call(self, item: pytest.Item) -> Any:
        with self._phase():
            yield

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_teardown(self, item: pytest.Item) -> Any:
        with self._phase():
            yield

    def _run(self, item: pytest.Item, nextitem: pytest.Item | None) -> None:
        item.ihook.pytest_runtest_protocol(item=item, nextitem=nextitem)

    def _tear_down(self, session: pytest.Session, before: str) -> None:
        """Tear down what the previous round left set up (a round stops at its first failure,
        with the failed test's module still set up), down to the session."""
        os.environ["MUTANT_UNDER_TEST"] = ""
        try:
            session._setupstate.teardown_exact(_SessionOnly(session))  # type: ignore[arg-type]
        except Exception as error:  # a fixture's finalizer failed: go on
            self.log(f"teardown error before {before}: {error!r}")

    def _mutant(
        self, session: pytest.Session, name: str, items: list[pytest.Item], limit: float
    ) -> int:
        """Run ``items`` under mutant ``name`` until the first failure; return its code."""
        keep = _SessionOnly(session)
        self._tear_down(session, name)
        clear_caches()
        self.failed = self.timed_out = False
        os.environ["MUTANT_UNDER_TEST"] = name
        # re-fire every few seconds: a test that swallows the first MutantTimeout still stops,
        # and pytest has the time to report the first one (a second MutantTimeout inside its
        # report, in the middle of building an AST, left the interpreter unusable)
        self.armed = True
        signal.setitimer(signal.ITIMER_REAL, limit, REFIRE_S)
        try:
            for k, item in enumerate(items):
                nextitem = items[k + 1] if k + 1 < len(items) else keep
                self._run(item, nextitem)  # type: ignore[arg-type]
                if self.failed or self.timed_out:
                    break
        except MutantTimeout:  # fired outside a test phase (in pytest's own reporting)
            self.timed_out = True
        finally:
            self.armed = False
            signal.setitimer(signal.ITIMER_REAL, 0)
            os.environ["MUTANT_UNDER_TEST"] = ""
        if self.timed_out:
            return TIMEOUT
        return KILLED if self.failed else SURVIVED


@contextlib.contextmanager
def locked(path: Path) -> Iterator[None]:
    """An exclusive ``flock`` on ``path`` (created if missing) for the ``with`` block."""
    with open(path, "a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def write_json(path: Path, data: Any) -> None:
    """Replace ``path`` atomically with ``data`` as JSON."""
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(data, indent=1, sort_keys=True))
    os.replace(tmp, path)


def layer_of(name: str) -> str:
    """``corr2cause.causal.x_f__mutmut_3`` -> ``tests/causal/`` (the tests that judge it)."""
    parts = name.split(".")
    return f"tests/{parts[1]}/" if len(parts) > 2 else "tests/"


def narrowed(
    tests: list[str], duration: dict[str, float], *, max_test: float, budget: float
) -> list[str]:
    """The tests a pass runs against a mutant: the fastest first, within a budget.

    Of ``tests`` (those that executed the mutant's function), the ones of at most ``max_test``
    seconds, fastest first, while their durations add up to at most ``budget`` (the fastest
    test is always kept). Most mutants die in their first test; the budget bounds what a
    survivor costs. The exhaustive N = 6 tests of 10-50 s each execute the functions at the
    bottom of the stack (``meek_closure``, ``parse_premise``): without a budget, the survivors
    of those functions alone would take hours.
    """
    ranked = sorted(tests, key=lambda t: (duration.get(t, 0.0), t))
    fast = [t for t in ranked if duration.get(t, 0.0) <= max_test] or ranked[:1]
    kept: list[str] = []
    spent = 0.0
    for test in fast:
        if kept and spent + duration.get(test, 0.0) > budget:
            break
        kept.append(test)
        spent += duration.get(test, 0.0)
    return kept


class WorkQueue:
    """The units of one run, shared by its workers: ``mutants/queue.json``, claimed under a lock.

    A unit is ``{"layer": "tests/causal/", "mutants": [...], "cost": float}``. A worker first
    takes back a unit it claimed and did not finish (a worker restarted after a crash has the
    same number); then the costliest unclaimed unit of a layer it has claimed before; failing
    that, of a layer no other worker has; failing that, the costliest left.
    """

    def __init__(self, path: Path, worker: int) -> None:
        self.path, self.worker = path, str(worker)
        self.current: int | None = None

    @staticmethod
    def create(path: Path, units: list[dict[str, Any]], run: str = "") -> None:
        data = {"units": units, "claimed": {}, "layers": {}, "done": [], "run": run}
        write_json(path, data)

    def claim(self) -> dict[str, Any] | None:
        with locked(self.path.with_name(self.path.name + ".lock")):
            data = json.loads(self.path.read_text())
            done = set(data.setdefault("done", []))
            # a unit this worker's predecessor claimed and did not finish (it was restarted)
            unfinished = [
                int(k)
                for k, w in data["claimed"].items()
                if str(w) == self.worker and int(k) not in done and int(k) != self.current
            ]
            if unfinished:
                self.current = min(unfinished)
                unit: dict[str, Any] = data["units"][self.current]
                return unit
            free = [k for k in range(len(data["units"])) if str(k) not in data["claimed"]]
            if not free:
                return None
            layers = data["layers"]
            mine = set(layers.get(self.worker, []))
            others = {lay for w, ls in layers.items() if w != self.worker for lay in ls}

            def layer(k: int) -> str:
                return str(data["units"][k]["layer"])

            pool = [k for k in free if layer(k) in mine] or [
                k for k in free if layer(k) not in others
            ]
            k = max(pool or free, key=lambda k: (data["units"][k]["cost"], -k))
            data["claimed"][str(k)] = int(self.worker)
            layers[self.worker] = sorted(mine | {layer(k)})
            write_json(self.path, data)
            self.current = k
            unit = data["units"][k]
            return unit

    def finish(self) -> None:
        """Mark the unit last claimed as done (a restarted worker does not take it again)."""
        if self.current is None:
            return
        with locked(self.path.with_name(self.path.name + ".lock")):
            data = json.loads(self.path.read_text())
            data["done"] = sorted({*data.get("done", []), self.current})
            write_json(self.path, data)


class Worker(InProcess):
    """One worker of a full run (see the module docstring): claims units until none is left."""

    def __init__(
        self,
        queue: WorkQueue,
        verdicts: Verdicts,
        equivalent: set[str],
        *,
        typed_done: Path | None,
        max_test: float,
        budget: float,
        deep_budget: float,
        timeout: float | None = None,
        log: Any = print,
    ) -> None:
        super().__init__([], verdicts.record, timeout, log)
        self.queue, self.verdicts, self.equivalent = queue, verdicts, equivalent
        self.typed_done = typed_done
        self.max_test, self.budget, self.deep_budget = max_test, budget, deep_budget
        self.tests_of: dict[str, list[str]] = defaultdict(list)
        """Mangled function name -> the traced tests that executed it."""
        self.duration: dict[str, float] = {}
        self.traced: set[str] = set()
        self.order: dict[pytest.Item, int] = {}
        self.flaky: list[str] = []
        progress = queue.path.with_name(f"progress-{queue.worker}.json")
        self.judged_before = json.loads(progress.read_text())["judged"] if progress.exists() else 0
        self.run_id = json.loads(queue.path.read_text()).get("run", "")
        """The queue's run: a trace saved by another worker of it can be reused."""
        self.baseline_ok = True  # until a trace starts: mutants' failures are not shown
        self.counts: dict[str, int] = defaultdict(int)

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtestloop(self, session: pytest.Session) -> bool:
        if session.testsfailed:
            raise session.Interrupted(f"{session.testsfailed} errors during collection")
        items = {test_id(i): i for i in session.items}
        self.order = {item: k for k, item in enumerate(session.items)}
        with self._alarms():
            while (unit := self.queue.claim()) is not None:
                layer = unit["layer"]
                if layer not in self.traced and self._load_trace(layer):
                    self.log(f"{layer}: using the trace another worker made")
                if layer not in self.traced:
                    layer_items = [i for n, i in items.items() if n.startswith(layer)]
                    if not layer_items:
                        self.log(f"no collected test is under {layer}")
                    if not self._trace(session, layer, layer_items):
                        session.testsfailed = max(session.testsfailed, 1)
                        return True
                self._wait_typed()
                for name in unit["mutants"]:
                    if self.verdicts.code(name) in DEAD or self.verdicts.code(name) == CRASHED:
                        self.counts["skipped"] += 1  # final, or this run's worker died on it
                        continue
                    running = self.queue.path.with_name(f"running-{self.queue.worker}")
                    running.write_text(name)  # if this process dies now, full.py knows who
                    code = self._judge(session, name, items)
                    self.counts[_word(code)] += 1
                    self.record(name, code)
                    self._progress()
                self.verdicts.save()
                self.queue.finish()
        self.baseline_ok = True
        return True

    def _progress(self) -> None:
        """``mutants/progress-I.json``: how many mutants this worker has judged (full.py sums)."""
        judged = sum(n for k, n in self.counts.items() if k != "skipped")
        if judged % 10 == 0:
            path = self.queue.path.with_name(f"progress-{self.queue.worker}.json")
            total = self.judged_before + judged  # a restarted worker goes on counting
            write_json(path, {"judged": total, "skipped": self.counts["skipped"]})

    def _judge(self, session: pytest.Session, name: str, items: dict[str, pytest.Item]) -> int:
        """The verdict of one mutant: the quick pass, then the deep one for a survivor."""
        function = name.partition("__mutmut_")[0]
        traced = [t for t in self.tests_of.get(function, []) if t.startswith(layer_of(name))]
        if not traced:
            self.log(f"{name}: no tests")
            return NO_TESTS
        passes = [narrowed(traced, self.duration, max_test=self.max_test, budget=self.budget)]
        if name not in self.equivalent:
            deep = narrowed(traced, self.duration, max_test=1e9, budget=self.deep_budget)
            if deep != passes[0]:
                passes.append(deep)
        code = SURVIVED
        for tests in passes:
            selected = by_module([items[t] for t in tests], self.order)
            limit = (
                self.timeout or TIME_FACTOR * sum(self.duration[t] for t in tests) + TIME_FLOOR_S
            )
            t0 = time.perf_counter()
            code = self._mutant(session, name, selected, limit)
            self.log(f"{name}: {_word(code)} {time.perf_counter() - t0:.1f}s ({len(tests)} tests)")
            if code != SURVIVED:
                break
        if code == SURVIVED and name not in self.equivalent:
            code = self._fresh(name, passes[-1])
        elif code == KILLED and name in self.equivalent:
            # a kill of a mutant recorded as equivalent contradicts its reason; in process a
            # kill can come from state an earlier mutant left behind, so a fresh process decides
            code = self._fresh(name, passes[-1])
        return code

    def _fresh(self, name: str, tests: list[str]) -> int:
        """The deep pass again in a fresh pytest process, with the mutant active from import.

        In process, code that runs at import time (module-level tables such as the parser's
        compiled patterns) and session fixtures were computed unmutated; a new process under
        ``MUTANT_UNDER_TEST=name`` sees the mutant there too. Only survivors with no recorded
        reason get here, so the start-up cost (seconds) is paid a few dozen times a run.
        """
        limit = TIME_FACTOR * sum(self.duration[t] for t in tests) + FRESH_START_S
        cmd = [sys.executable, "-m", "pytest", "-q", "-x", *PYTEST_ARGS[:2], *tests]
        env = {**os.environ, "MUTANT_UNDER_TEST": name}
        t0 = time.perf_counter()
        try:
            rc = subprocess.run(cmd, env=env, capture_output=True, timeout=limit).returncode
        except subprocess.TimeoutExpired:
            rc = TIMEOUT
        # 1: a test failed; 2: collection failed (the mutant breaks an import); < 0: a crash.
        # Anything else (no tests, an internal or usage error) does not count as a kill.
        code = SURVIVED if rc in (0, 3, 4, 5) else TIMEOUT if rc == TIMEOUT else KILLED
        took = time.perf_counter() - t0
        self.log(f"{name}: {_word(code)} {took:.1f}s (fresh process, {len(tests)} tests)")
        return code

    def _trace(self, session: pytest.Session, layer: str, items: list[pytest.Item]) -> bool:
        """Run ``items`` unmutated in ``stats`` mode; learn which functions each one executes."""
        self.traced.add(layer)
        if not items:
            return True
        hits: set[str] = set()

        def record_hit(name: str, caller: str | None = None) -> None:
            hits.add(name)

        module = _trampoline()
        original = getattr(module, "record_trampoline_hit", None)
        module.record_trampoline_hit = record_hit
        keep = _SessionOnly(session)
        self._tear_down(session, "the trace of " + layer)
        self.failed = False
        self.baseline_ok = None  # a failure now is shown: the tests fail unmutated
        t_start = time.perf_counter()
        os.environ["MUTANT_UNDER_TEST"] = "stats"
        try:
            for k, item in enumerate(items):
                nextitem = items[k + 1] if k + 1 < len(items) else keep
                clear_caches()
                hits.clear()
                t0 = time.perf_counter()
                self._run(item, nextitem)  # type: ignore[arg-type]
                self.duration[test_id(item)] = time.perf_counter() - t0
                if self.failed:  # once more: a test that fails only sometimes judges nothing
                    self.failed = False
                    self._run(item, nextitem)  # type: ignore[arg-type]
                    if self.failed:
                        break
                    self.log(f"flaky unmutated, left out: {test_id(item)}")
                    self.flaky.append(test_id(item))
                    continue
                for function in hits:
                    self.tests_of[function].append(test_id(item))
        finally:
            os.environ["MUTANT_UNDER_TEST"] = ""
            if original is not None:
                module.record_trampoline_hit = original
        self.baseline_ok = not self.failed
        if self.failed:
            self.log(f"{layer}: the tests do not pass unmutated: this worker stops")
            return False
        self.log(f"{layer}: {len(items)} tests traced in {time.perf_counter() - t_start:.1f}s")
        self._save_traced()
        return True

    def _load_trace(self, layer: str) -> bool:
        """Take ``layer``'s association from ``traced-tests.json`` if a worker of this run
        traced it (its unmutated check passed; session fixtures are computed unmutated
        wherever they are first needed, see ``pytest_fixture_setup``)."""
        path = self.queue.path.with_name(TRACED)
        with locked(path.with_name(path.name + ".lock")):
            known: dict[str, Any] = json.loads(path.read_text()) if path.exists() else {}
        if known.get("run") != self.run_id or layer not in known.get("layers", []):
            return False
        for function, tests in known.get("tests_by_function", {}).items():
            mine = set(self.tests_of.get(function, []))
            self.tests_of[function] += [t for t in tests if t.startswith(layer) and t not in mine]
        self.duration.update(known.get("duration_by_test", {}))
        self.traced.add(layer)
        return True

    def _save_traced(self) -> None:
        """Merge the association into ``traced-tests.json`` (for recheck.py and later runs)."""
        path = self.queue.path.with_name(TRACED)
        with locked(path.with_name(path.name + ".lock")):
            known: dict[str, Any] = json.loads(path.read_text()) if path.exists() else {}
            tests = known.setdefault("tests_by_function", {})
            for function, traced in self.tests_of.items():
                tests[function] = sorted(set(tests.get(function, [])) | set(traced))
            known.setdefault("duration_by_test", {}).update(self.duration)
            if known.get("run") != self.run_id:  # layers traced by an earlier run are stale
                known["run"], known["layers"] = self.run_id, []
            known["layers"] = sorted({*known["layers"], *self.traced})
            write_json(path, known)

    def _wait_typed(self) -> None:
        if self.typed_done is None or self.typed_done.exists():
            return
        self.log("waiting for the type check ...")
        while not self.typed_done.exists():
            time.sleep(1.0)
        self.verdicts.refresh()


def by_module(items: list[pytest.Item], order: dict[pytest.Item, int]) -> list[pytest.Item]:
    """``items`` (fastest first) grouped by test module, in collection order within each.

    The module of the fastest test comes first, then the module of the fastest test left, and
    so on. Run in an interleaved order, each change of module would tear down and set up the
    module's fixtures again (a tiny torch model, a generated dataset): seconds per mutant.
    """
    rank: dict[Path, int] = {}
    for item in items:
        rank.setdefault(item.path, len(rank))
    return sorted(items, key=lambda i: (rank[i.path], order.get(i, 0)))


def test_id(item: pytest.Item) -> str:
    """``tests/causal/test_x.py::test_y[3]``: the item's path from the working directory."""
    path = item.path.relative_to(Path.cwd()).as_posix()
    return f"{path}::{item.nodeid.partition('::')[2]}"


def _trampoline() -> Any:
    import importlib

    return importlib.import_module(TRAMPOLINE)


def _word(code: int) -> str:
    words = {
        KILLED: "killed",
        SURVIVED: "survived",
        NO_TESTS: "no tests",
        TIMEOUT: "timeout",
        TYPED: "typed",
    }
    return words.get(code, str(code))


class Verdicts:
    """``rechecked.json`` under ``mutants``: merged with what is on disk, replaced atomically."""

    def __init__(self, path: Path, every: int = SAVE_EVERY) -> None:
        self.path, self.every = path, every
        self.lock = path.with_name(path.name + ".lock")
        self.known: dict[str, int] = json.loads(path.read_text()) if path.exists() else {}
        self.new: dict[str, int] = {}

    def record(self, name: str, code: int) -> None:
        self.new[name] = code
        if len(self.new) % self.every == 0:
            self.save()

    def code(self, name: str) -> int | None:
        return self.new.get(name, self.known.get(name))

    def refresh(self) -> None:
        """Read what other processes (the type check, other workers) recorded meanwhile."""
        with locked(self.lock):
            if self.path.exists():
                self.known = json.loads(self.path.read_text())

    def save(self) -> None:
        if not self.new:
            return
        # re-read under the lock: another worker or re-check may have written meanwhile
        with locked(self.lock):
            on_disk = json.loads(self.path.read_text()) if self.path.exists() else {}
            write_json(self.path, {**on_disk, **self.new})


def default_names(mutants: Path) -> list[str]:
    """Survivors and mutants with no tests: mutmut's ``.py.meta`` codes under ``rechecked.json``."""
    store = mutants / RECHECKED
    rechecked: dict[str, int] = json.loads(store.read_text()) if store.exists() else {}
    names = []
    for meta in sorted((mutants / "src").rglob("*.py.meta")):
        for name, code in json.loads(meta.read_text())["exit_code_by_key"].items():
            if rechecked.get(name, code) in (0, 5, 33):
                names.append(name)
    return names


def tests_for(mutants: Path, tests: list[str] | None) -> Any:
    """name -> test specs: ``tests`` if given, else recheck.py's traced tests of the layer."""
    if tests:
        return lambda name: list(tests)
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["mutmut"]
    selection = config["pytest_add_cli_args_test_selection"]
    traced_path = mutants / TRACED
    traced_all = json.loads(traced_path.read_text()) if traced_path.exists() else {}
    unnarrowed = traced_all.get("tests_by_function", {})

    @functools.cache
    def layer_tests(function: str, layer: str) -> tuple[str, ...]:
        traced = [t for t in unnarrowed.get(function, []) if t.startswith(layer)]
        return tuple(traced or [t for t in selection if t.startswith(layer)] or selection)

    def default(name: str) -> list[str]:
        function = name.partition("__mutmut_")[0]
        return list(layer_tests(function, f"tests/{name.split('.')[1]}/"))

    return default


def _unique(specs: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(specs))


PYTEST_ARGS = [
    "-p",
    "no:cacheprovider",
    "-p",
    "no:timeout",  # our SIGALRM, not its
    "-W",
    "ignore::pytest.PytestConfigWarning",  # ``timeout`` settings without its plugin
]


def selection(layers: Iterable[str]) -> list[str]:
    """The configured mutmut test selection (pyproject) restricted to ``layers``."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["mutmut"]
    wanted = tuple(layers)
    return [
        t
        for t in config["pytest_add_cli_args_test_selection"]
        if (t.rstrip("/") + "/").startswith(wanted)  # a file of a layer, or the layer itself
    ]


def equivalent_names(path: Path | None = None) -> set[str]:
    """The mutants ``tests/mutation/equivalent.toml`` (or ``path``) gives a reason for."""
    text = (path or ROOT / "tests" / "mutation" / "equivalent.toml").read_text()
    return set(tomllib.loads(text)["equivalent"])


def run_worker(mutants: Path, args: argparse.Namespace) -> int:
    """Worker mode: claim units from ``mutants/queue.json`` until it is empty."""
    queue = WorkQueue(mutants / QUEUE, args.worker)
    layers = sorted({u["layer"] for u in json.loads(queue.path.read_text())["units"]})
    tests = args.tests or selection(layers)
    verdicts = Verdicts(mutants / RECHECKED)
    prefix = f"[{args.worker}] "
    plugin = Worker(
        queue,
        verdicts,
        equivalent_names(args.equivalent),
        typed_done=None if args.no_type_check else mutants / TYPED_DONE,
        max_test=args.max_test,
        budget=args.budget,
        deep_budget=args.deep_budget,
        timeout=args.timeout,
        log=lambda s: print(prefix + s, flush=True),
    )
    os.environ["MUTANT_UNDER_TEST"] = ""
    try:
        rc = pytest.main([*PYTEST_ARGS, *tests], [plugin])
    finally:
        verdicts.save()
    summary = ", ".join(f"{n} {k}" for k, n in sorted(plugin.counts.items()))
    print(f"{prefix}done: {summary or 'nothing to do'}", flush=True)
    if not plugin.baseline_ok or rc == pytest.ExitCode.INTERRUPTED:  # or a collection error
        return BASELINE_FAILED
    # failed tests are the mutants' doing; an internal error (a broken interpreter after a
    # timeout, a crash in a plugin) makes full.py start a new worker
    return int(rc) if rc in (pytest.ExitCode.INTERNAL_ERROR, pytest.ExitCode.USAGE_ERROR) else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help="mutant names (default: recheck.py's)")
    parser.add_argument(
        "--tests", action="append", help="a test path, repeatable (default: the mutmut selection)"
    )
    parser.add_argument("--match", default="*", help="a glob on mutant names (default: all)")
    parser.add_argument(
        "--timeout", type=float, help="seconds per mutant (default: 5 x unmutated + 5)"
    )
    parser.add_argument("--again", action="store_true", help="re-run recorded mutants too")
    worker = parser.add_argument_group("worker mode (tests/mutation/full.py)")
    worker.add_argument("--worker", type=int, help="claim units of mutants/queue.json as worker I")
    worker.add_argument("--max-test", type=float, default=1.0, help="quick pass: s per test")
    worker.add_argument("--budget", type=float, default=3.0, help="quick pass: s per mutant")
    worker.add_argument(
        "--deep-budget", type=float, default=60.0, help="a survivor's second pass: s per mutant"
    )
    worker.add_argument(
        "--no-type-check", action="store_true", help="do not wait for mutants/typed.done"
    )
    worker.add_argument("--equivalent", type=Path, help="reasons file (default: the project's)")
    args = parser.parse_args(argv)

    mutants = Path.cwd()
    if not (mutants / "src").is_dir():
        parser.error("run from mutants/ (with PYTHONPATH=src), as recheck.py runs its tests")
    src = str(mutants / "src")
    if src not in sys.path and "src" not in sys.path:
        sys.path.insert(0, src)
    if args.worker is not None:  # full.py has copied the tests and written the queue
        return run_worker(mutants, args)
    if mutants.resolve() == (ROOT / "mutants").resolve():
        shutil.copytree(ROOT / "tests", mutants / "tests", dirs_exist_ok=True)
    verdicts = Verdicts(mutants / RECHECKED)
    names = [n for n in args.names if "__mutmut_" in n] or default_names(mutants)
    names = [
        n
        for n in _unique(names)
        if fnmatch.fnmatchcase(n, args.match) and (args.again or n not in verdicts.known)
    ]
    if not names:
        print("nothing to re-check")
        return 0
    specs_of = tests_for(mutants, args.tests)
    plan = [(name, specs_of(name)) for name in names]
    plugin = InProcess(plan, verdicts.record, args.timeout, log=lambda s: print(s, flush=True))
    os.environ["MUTANT_UNDER_TEST"] = ""  # trampolines called at import need the variable
    try:
        rc = pytest.main([*PYTEST_ARGS, *_unique(s for _, ss in plan for s in ss)], [plugin])
    finally:
        verdicts.save()
    print(f"{len(verdicts.new)} verdicts in {verdicts.path}", flush=True)
    return 0 if plugin.baseline_ok else int(rc) or 2


if __name__ == "__main__":
    sys.exit(main())
