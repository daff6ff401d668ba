"""Re-check mutants in one pytest process: collect the tests once, run them once per mutant.

``tests/mutation/recheck.py`` starts a fresh pytest per mutant, which costs the imports and the
collection (seconds) every time. This tool is a pytest plugin plus a small CLI that collects the
tests once and then, for each mutant, sets ``os.environ["MUTANT_UNDER_TEST"]`` to its name
(mutmut's trampolines read it on every call), runs the mutant's tests in the order given until
the first failure, and records the verdict in ``mutants/rechecked.json`` with the codes
``tests/mutation/score.py`` reads: 1 (killed), 0 (survived), 36 (timeout: the per-mutant
wall-clock limit, a ``SIGALRM`` from ``signal.setitimer`` that raises inside the test).

Run it from ``mutants/`` with ``PYTHONPATH=src`` (``make mutation-inprocess``)::

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
import fnmatch
import functools
import json
import os
import shutil
import signal
import sys
import time
import tomllib
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
RECHECKED = "rechecked.json"
KILLED, SURVIVED, NO_TESTS, TIMEOUT = 1, 0, 5, 36
SAVE_EVERY = 10
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
        self.failed = self.timed_out = self.armed = False
        self.baseline_ok: bool | None = None

    # -- hooks ---------------------------------------------------------------------------------

    @pytest.hookimpl(trylast=True)
    def pytest_configure(self, config: pytest.Config) -> None:
        # silence pytest's own report (a dot per test per mutant, every kill's traceback at the
        # end); this plugin prints one line per mutant. After configure: ``-ra`` is parsed.
        reporter = config.pluginmanager.get_plugin("terminalreporter")
        if reporter is not None:
            config.pluginmanager.unregister(reporter)

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

        previous = signal.signal(signal.SIGALRM, self._alarm)
        try:
            for name, specs in self.plan:
                selected = select(tuple(specs))
                limit = self.timeout or 5 * sum(durations[i.nodeid] for i in selected) + 5
                t0 = time.perf_counter()
                code = self._mutant(session, name, selected, limit) if selected else NO_TESTS
                self.log(f"{name}: {_word(code)} {time.perf_counter() - t0:.1f}s")
                self.record(name, code)
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)
            os.environ["MUTANT_UNDER_TEST"] = ""
            clear_caches()
        return True

    # -- the rounds ----------------------------------------------------------------------------

    def _alarm(self, signum: int, frame: object) -> None:
        if self.armed:
            self.timed_out = True
            raise MutantTimeout()

    def _run(self, item: pytest.Item, nextitem: pytest.Item | None) -> None:
        item.ihook.pytest_runtest_protocol(item=item, nextitem=nextitem)

    def _mutant(
        self, session: pytest.Session, name: str, items: list[pytest.Item], limit: float
    ) -> int:
        """Run ``items`` under mutant ``name`` until the first failure; return its code."""
        keep = _SessionOnly(session)
        os.environ["MUTANT_UNDER_TEST"] = ""
        try:  # what the previous round left set up (normally torn down already)
            session._setupstate.teardown_exact(keep)  # type: ignore[arg-type]
        except Exception as error:  # a fixture's finalizer failed: go on
            self.log(f"teardown error before {name}: {error!r}")
        clear_caches()
        self.failed = self.timed_out = False
        os.environ["MUTANT_UNDER_TEST"] = name
        # re-fire every second: a test that swallows the first MutantTimeout still stops
        self.armed = True
        signal.setitimer(signal.ITIMER_REAL, limit, 1.0)
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


def _word(code: int) -> str:
    words = {KILLED: "killed", SURVIVED: "survived", NO_TESTS: "no tests", TIMEOUT: "timeout"}
    return words.get(code, str(code))


class Verdicts:
    """``rechecked.json`` under ``mutants``: merged with what is on disk, replaced atomically."""

    def __init__(self, path: Path, every: int = SAVE_EVERY) -> None:
        self.path, self.every = path, every
        self.known: dict[str, int] = json.loads(path.read_text()) if path.exists() else {}
        self.new: dict[str, int] = {}

    def record(self, name: str, code: int) -> None:
        self.new[name] = code
        if len(self.new) % self.every == 0:
            self.save()

    def save(self) -> None:
        if not self.new:
            return
        # re-read: another re-check (recheck.py, a second run) may have written meanwhile
        on_disk = json.loads(self.path.read_text()) if self.path.exists() else {}
        merged = {**on_disk, **self.new}
        tmp = self.path.with_name(self.path.name + ".tmp")
        tmp.write_text(json.dumps(merged, indent=1, sort_keys=True))
        os.replace(tmp, self.path)


def default_names(mutants: Path) -> list[str]:
    """Survivors and mutants with no tests, from mutmut's ``.py.meta`` files (recheck.py)."""
    names = []
    for meta in sorted((mutants / "src").rglob("*.py.meta")):
        for name, code in json.loads(meta.read_text())["exit_code_by_key"].items():
            if code in (0, 5, 33):
                names.append(name)
    return names


def tests_for(mutants: Path, tests: list[str] | None) -> Any:
    """name -> test specs: ``tests`` if given, else recheck.py's traced tests of the layer."""
    if tests:
        return lambda name: list(tests)
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["mutmut"]
    selection = config["pytest_add_cli_args_test_selection"]
    unnarrowed_path = mutants / "unnarrowed-tests.json"
    unnarrowed = json.loads(unnarrowed_path.read_text()) if unnarrowed_path.exists() else {}

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
    args = parser.parse_args(argv)

    mutants = Path.cwd()
    if not (mutants / "src").is_dir():
        parser.error("run from mutants/ (with PYTHONPATH=src), as recheck.py runs its tests")
    if mutants.resolve() == (ROOT / "mutants").resolve():
        shutil.copytree(ROOT / "tests", mutants / "tests", dirs_exist_ok=True)
    src = str(mutants / "src")
    if src not in sys.path and "src" not in sys.path:
        sys.path.insert(0, src)
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
    pytest_args = ["-p", "no:cacheprovider", "-p", "no:timeout"]  # our SIGALRM, not its
    pytest_args += ["-W", "ignore::pytest.PytestConfigWarning"]  # ``timeout`` without its plugin
    try:
        rc = pytest.main([*pytest_args, *_unique(s for _, ss in plan for s in ss)], [plugin])
    finally:
        verdicts.save()
    print(f"{len(verdicts.new)} verdicts in {verdicts.path}", flush=True)
    return 0 if plugin.baseline_ok else int(rc) or 2


if __name__ == "__main__":
    sys.exit(main())
