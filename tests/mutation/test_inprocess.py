"""tests/mutation/inprocess.py on a tiny synthetic ``mutants/`` tree, one subprocess a run."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

SCRIPT = Path(__file__).with_name("inprocess.py")

MODULE = """\
import functools
import os


def f(x):
    m = os.environ.get("MUTANT_UNDER_TEST", "")
    if m.endswith("__mutmut_3"):
        while True:
            pass
    return x + 2 if m.endswith("__mutmut_1") else (x * 2 if m.endswith("__mutmut_2") else x + 1)


@functools.cache
def g():
    return f(1)
"""

TEST = """\
from fake import f


def test_f():
    assert f(1) == 2
"""

# sees a mutant only if the caches are cleared between mutants
CACHED_TEST = """\
from corr2cause_fake import g


def test_g():
    assert g() == 2
"""

# sees a mutant only if module-scoped fixtures are set up again for each mutant
MODULE_FIXTURE_TEST = """\
import pytest

from fake import f


@pytest.fixture(scope="module")
def value():
    return f(1)


def test_value(value):
    assert value == 2
"""

SURVIVOR = "fake.x_f__mutmut_2"


def make_tree(root: Path) -> Path:
    mutants = root / "mutants"
    (mutants / "src").mkdir(parents=True)
    (mutants / "tests").mkdir()
    (mutants / "src" / "fake.py").write_text(MODULE)
    (mutants / "src" / "corr2cause_fake.py").write_text("from fake import f, g\n")
    (mutants / "tests" / "test_f.py").write_text(TEST)
    (mutants / "tests" / "test_g.py").write_text(CACHED_TEST)
    (mutants / "tests" / "test_h.py").write_text(MODULE_FIXTURE_TEST)
    return mutants


def run(mutants: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": "src", "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}
    env.pop("MUTANT_UNDER_TEST", None)
    return subprocess.run(
        [sys.executable, str(SCRIPT), *args],
        cwd=mutants,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def verdicts(mutants: Path) -> dict[str, int]:
    return json.loads((mutants / "rechecked.json").read_text())


def test_killed_survived_timeout_and_rerun_skips(tmp_path: Path) -> None:
    mutants = make_tree(tmp_path)
    names = ["fake.x_f__mutmut_1", "fake.x_f__mutmut_2", "fake.x_f__mutmut_3"]
    done = run(mutants, "--tests", "tests/test_f.py", "--timeout", "0.5", *names)
    assert done.returncode == 0, done.stdout + done.stderr
    # f(1): mutant 1 gives 3, mutant 2 gives 1 * 2 (equivalent here), mutant 3 loops forever
    assert verdicts(mutants) == {names[0]: 1, names[1]: 0, names[2]: 36}
    assert not (mutants / "rechecked.json.tmp").exists()

    (mutants / "rechecked.json").write_text(json.dumps({names[0]: 1, names[1]: 99}))
    again = run(mutants, "--tests", "tests/test_f.py", "--timeout", "0.5", *names)
    assert again.returncode == 0, again.stdout + again.stderr
    # 1 and 2 were recorded and skipped (99 kept), only 3 ran again
    assert verdicts(mutants) == {names[0]: 1, names[1]: 99, names[2]: 36}
    assert names[1] not in again.stdout and f"{names[2]}: timeout" in again.stdout

    forced = run(mutants, "--tests", "tests/test_f.py", "--again", "--match", "*_2", *names)
    assert forced.returncode == 0, forced.stdout + forced.stderr
    assert verdicts(mutants) == {names[0]: 1, names[1]: 0, names[2]: 36}


def test_default_names_and_caches(tmp_path: Path) -> None:
    mutants = make_tree(tmp_path)
    # mutmut's verdicts: 1 survived (0), 2 had no tests (33), 3 was killed (1, not re-checked)
    meta = {"exit_code_by_key": {"fake.x_f__mutmut_1": 0, SURVIVOR: 33, "fake.x_f__mutmut_3": 1}}
    (mutants / "src" / "fake.py.meta").write_text(json.dumps(meta))
    # g() is cached by the unmutated pass (2), then under mutant 1 (3): without clearing the
    # caches between mutants, mutant 1 would survive and mutant 2 would be killed.
    done = run(mutants, "--tests", "tests/test_g.py")
    assert done.returncode == 0, done.stdout + done.stderr
    assert verdicts(mutants) == {"fake.x_f__mutmut_1": 1, SURVIVOR: 0}


def test_module_fixtures_are_set_up_per_mutant(tmp_path: Path) -> None:
    mutants = make_tree(tmp_path)
    names = ["fake.x_f__mutmut_1", SURVIVOR]
    done = run(mutants, "--tests", "tests/test_h.py", *names)
    assert done.returncode == 0, done.stdout + done.stderr
    assert verdicts(mutants) == {names[0]: 1, names[1]: 0}


def test_unmutated_failure_records_nothing(tmp_path: Path) -> None:
    mutants = make_tree(tmp_path)
    (mutants / "tests" / "test_f.py").write_text(TEST.replace("== 2", "== 5"))
    done = run(mutants, "--tests", "tests/test_f.py", "fake.x_f__mutmut_1")
    assert done.returncode != 0
    assert "FAILED without a mutant" in done.stdout
    assert not (mutants / "rechecked.json").exists()


# -- worker mode (tests/mutation/full.py runs it) ------------------------------------------------

# trampolines in ``stats`` mode report each call of a mutated function to mutmut; this stand-in
# lets the tests run without mutmut installed (src/ comes first on the path)
TRAMPOLINE = """\
def record_trampoline_hit(name, caller=None):
    pass
"""

TRACED_MODULE = """\
import os

from mutmut.mutation import trampoline


def f(x):
    m = os.environ.get("MUTANT_UNDER_TEST", "")
    if m == "stats":
        trampoline.record_trampoline_hit("fake.x_f")
    if m.endswith("x_f__mutmut_3"):
        while True:
            pass
    if m.endswith("x_f__mutmut_1"):
        return x + 2
    return x * 2 if m.endswith("x_f__mutmut_2") else x + 1


def h(x):
    m = os.environ.get("MUTANT_UNDER_TEST", "")
    if m == "stats":
        trampoline.record_trampoline_hit("fake.x_h")
    return -x if m.endswith("x_h__mutmut_1") else x
"""

# test_f cannot tell f's mutant 2 (x * 2) from x + 1 at 1; only the slow test can, so the
# quick pass (tests of at most --max-test seconds) misses it and the deep pass kills it
TRACED_TESTS = {
    "test_f.py": "from fake import f\n\n\ndef test_f():\n    assert f(1) == 2\n",
    "test_slow.py": (
        "import time\n\nfrom fake import f\n\n\n"
        "def test_f_at_3():\n    time.sleep(0.6)\n    assert f(3) == 4\n"
    ),
    "test_h.py": "from fake import h\n\n\ndef test_h():\n    assert h(2) == 2\n",
    "test_none.py": "def test_nothing():\n    assert True\n",
}

F = [f"fake.x_f__mutmut_{k}" for k in (1, 2, 3)]
H = ["fake.x_h__mutmut_1", "fake.x_h__mutmut_2"]  # h's mutant 2 does nothing: a survivor


def make_traced_tree(root: Path, units: list[list[str]]) -> Path:
    mutants = root / "mutants"
    (mutants / "src" / "mutmut" / "mutation").mkdir(parents=True)
    (mutants / "tests").mkdir()
    for package in ("mutmut", "mutmut/mutation"):
        (mutants / "src" / package / "__init__.py").write_text("")
    (mutants / "src" / "mutmut" / "mutation" / "trampoline.py").write_text(TRAMPOLINE)
    (mutants / "src" / "fake.py").write_text(TRACED_MODULE)
    for name, text in TRACED_TESTS.items():
        (mutants / "tests" / name).write_text(text)
    queue = {
        "units": [{"layer": "tests/", "mutants": u, "cost": len(u)} for u in units],
        "claimed": {},
        "layers": {},
    }
    (mutants / "queue.json").write_text(json.dumps(queue))
    return mutants


def worker(mutants: Path, k: int, *args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": "src", "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}
    env.pop("MUTANT_UNDER_TEST", None)
    cmd = [sys.executable, str(SCRIPT), "--worker", str(k), "--tests", "tests", "--timeout", "3"]
    return subprocess.Popen(
        [*cmd, "--max-test", "0.3", *args],
        cwd=mutants,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def test_worker_traces_then_runs_only_the_tests_that_execute_the_function(tmp_path: Path) -> None:
    mutants = make_traced_tree(tmp_path, [F, H])
    # f's mutant 3 (an endless loop) was rejected by the type check: it must not run at all
    (mutants / "rechecked.json").write_text(json.dumps({F[2]: 37}))
    (mutants / "typed.done").write_text("x\n")
    proc = worker(mutants, 0)
    out, _ = proc.communicate(timeout=120)
    assert proc.returncode == 0, out
    assert verdicts(mutants) == {F[0]: 1, F[1]: 1, F[2]: 37, H[0]: 1, H[1]: 0}
    # the trace linked f to test_f and test_slow only, h to test_h only; test_none is never
    # run under a mutant; mutant 2 of f survives the quick pass (test_f alone) and dies in the
    # deep pass (test_f, then test_slow)
    assert f"{F[0]}: killed" in out and "(1 tests)" in out
    assert f"{F[1]}: survived" in out and f"{F[1]}: killed" in out and "(2 tests)" in out
    assert F[2] + ":" not in out
    assert f"{H[1]}: survived" in out
    queue = json.loads((mutants / "queue.json").read_text())
    assert queue["claimed"] == {"0": 0, "1": 0} and queue["layers"] == {"0": ["tests/"]}


def test_two_workers_share_the_queue_and_resume_skips_final_verdicts(tmp_path: Path) -> None:
    mutants = make_traced_tree(tmp_path, [[F[0]], [F[1]], [H[0]], [H[1]]])
    procs = [worker(mutants, k, "--no-type-check") for k in (0, 1)]
    outs = [p.communicate(timeout=120)[0] for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outs
    assert verdicts(mutants) == {F[0]: 1, F[1]: 1, H[0]: 1, H[1]: 0}
    claimed = json.loads((mutants / "queue.json").read_text())["claimed"]
    assert sorted(claimed) == ["0", "1", "2", "3"]  # every unit claimed exactly once
    assert sum(out.count(": killed") for out in outs) >= 3
    # a second run: killed mutants are final and skipped, the survivor runs again
    (mutants / "queue.json").write_text(
        json.dumps(
            {
                "units": [{"layer": "tests/", "mutants": F[:2] + H, "cost": 4}],
                "claimed": {},
                "layers": {},
            }
        )
    )
    again = worker(mutants, 0, "--no-type-check")
    out, _ = again.communicate(timeout=120)
    assert again.returncode == 0, out
    assert f"{H[1]}: survived" in out and F[0] + ":" not in out
    assert "3 skipped" in out


def test_worker_stops_when_a_layer_fails_unmutated(tmp_path: Path) -> None:
    mutants = make_traced_tree(tmp_path, [F])
    (mutants / "tests" / "test_h.py").write_text(TRACED_TESTS["test_h.py"].replace("== 2", "== 3"))
    proc = worker(mutants, 0, "--no-type-check")
    out, _ = proc.communicate(timeout=120)
    assert proc.returncode != 0
    assert "do not pass unmutated" in out
    assert not (mutants / "rechecked.json").exists()


FLAKY_TEST = """\
from pathlib import Path
from typing import Any

from fake import h


def test_h(tmp_path_factory):
    marker = Path(__file__).with_name("ran-once")
    first = not marker.exists()
    marker.touch()
    assert not first  # fails the first time only
    assert h(2) == 2
"""


def test_a_test_that_fails_once_unmutated_is_left_out(tmp_path: Path) -> None:
    mutants = make_traced_tree(tmp_path, [F[:2], H])
    (mutants / "tests" / "test_h.py").write_text(FLAKY_TEST)
    proc = worker(mutants, 0, "--no-type-check")
    out, _ = proc.communicate(timeout=120)
    assert proc.returncode == 0, out
    assert "flaky unmutated, left out: tests/test_h.py::test_h" in out
    # h's only test judges nothing: its mutants have no tests; f's are judged as before
    assert verdicts(mutants) == {F[0]: 1, F[1]: 1, H[0]: 5, H[1]: 5}


SESSION_FIXTURE_TEST = MODULE_FIXTURE_TEST.replace('scope="module"', 'scope="session"')


def test_a_trace_is_reused_and_session_fixtures_are_computed_unmutated(tmp_path: Path) -> None:
    mutants = make_traced_tree(tmp_path, [[H[0]]])
    for name in ("test_f.py", "test_slow.py"):
        (mutants / "tests" / name).unlink()
    (mutants / "tests" / "test_s.py").write_text(SESSION_FIXTURE_TEST)
    first = worker(mutants, 0, "--no-type-check")
    out, _ = first.communicate(timeout=120)
    assert first.returncode == 0, out
    queue = json.loads((mutants / "queue.json").read_text())
    queue["units"].append({"layer": "tests/", "mutants": [F[0]], "cost": 1})
    (mutants / "queue.json").write_text(json.dumps(queue))
    second = worker(mutants, 1, "--no-type-check")
    out, _ = second.communicate(timeout=120)
    assert second.returncode == 0, out
    # the second worker did not trace again, and its first use of the session fixture was
    # under f's mutant 1: computed unmutated (2), so test_s cannot see that mutant
    assert "using the trace another worker made" in out and "traced in" not in out
    assert f"{F[0]}: survived" in out.split("fresh process")[0]
    # ...and the fresh process, where the fixture is built under the mutant, kills it
    assert verdicts(mutants) == {H[0]: 1, F[0]: 1}


def _load_inprocess() -> Any:
    import importlib.util

    spec = importlib.util.spec_from_file_location("mutation_inprocess", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_a_restarted_worker_takes_back_its_unfinished_unit(tmp_path: Path) -> None:
    inprocess = _load_inprocess()
    path = tmp_path / "queue.json"
    units = [
        {"layer": f"tests/{x}/", "mutants": [x], "cost": c}
        for x, c in [("a", 3), ("c", 2), ("e", 1)]
    ]
    inprocess.WorkQueue.create(path, units)
    a, b = inprocess.WorkQueue(path, 0), inprocess.WorkQueue(path, 1)
    assert a.claim()["mutants"] == ["a"]  # the costliest
    assert b.claim()["mutants"] == ["c"]  # the costliest of a layer nobody has
    again = inprocess.WorkQueue(path, 0)  # worker 0 died and was restarted
    assert again.claim()["mutants"] == ["a"]
    again.finish()
    assert again.claim()["mutants"] == ["e"]
    b.finish()
    assert b.claim() is None
    data = json.loads(path.read_text())
    assert data["claimed"] == {"0": 0, "1": 1, "2": 0} and data["done"] == [0, 1]


def test_a_layer_traced_after_a_kill_starts_from_a_clean_setup(tmp_path: Path) -> None:
    # a round stops at its first failure with that test's module still set up; the trace of
    # the next layer must tear it down first, or its first test fails ("previous item was not
    # torn down properly") and is wrongly left out as flaky
    mutants = tmp_path / "mutants"
    src = mutants / "src"
    (src / "mutmut" / "mutation").mkdir(parents=True)
    for package in ("mutmut", "mutmut/mutation", "pkg"):
        (src / package).mkdir(exist_ok=True)
        (src / package / "__init__.py").write_text("")
    (src / "mutmut" / "mutation" / "trampoline.py").write_text(TRAMPOLINE)
    for mod, fn in (("a", "f"), ("b", "h")):
        (src / "pkg" / f"{mod}.py").write_text(
            "import os\n\nfrom mutmut.mutation import trampoline\n\n\n"
            f"def {fn}(x):\n"
            '    m = os.environ.get("MUTANT_UNDER_TEST", "")\n'
            '    if m == "stats":\n'
            f'        trampoline.record_trampoline_hit("pkg.{mod}.x_{fn}")\n'
            f'    return x + 1 if m.endswith("x_{fn}__mutmut_1") else x\n'
        )
        (mutants / "tests" / mod).mkdir(parents=True)
        (mutants / "tests" / mod / f"test_{fn}.py").write_text(
            f"from pkg.{mod} import {fn}\n\n\n"
            f"def test_{fn}_1():\n    assert {fn}(1) == 1\n\n\n"
            f"def test_{fn}_2():\n    assert {fn}(2) == 2\n"
        )
    names = ["pkg.a.x_f__mutmut_1", "pkg.b.x_h__mutmut_1"]
    units = [
        {"layer": f"tests/{m}/", "mutants": [n], "cost": 1}
        for m, n in zip("ab", names, strict=True)
    ]
    (mutants / "queue.json").write_text(
        json.dumps({"units": units, "claimed": {}, "layers": {}, "done": []})
    )
    proc = worker(mutants, 0, "--no-type-check")
    out, _ = proc.communicate(timeout=120)
    assert proc.returncode == 0, out
    assert "flaky" not in out and "FAILED without a mutant" not in out, out
    assert verdicts(mutants) == {names[0]: 1, names[1]: 1}


IMPORT_TIME_MODULE = """\
import os

from mutmut.mutation import trampoline


def make(at_import=True):
    m = os.environ.get("MUTANT_UNDER_TEST", "")
    if m == "stats":
        trampoline.record_trampoline_hit("fake.x_make")
    if m.endswith("x_make__mutmut_1") and at_import:
        return 3
    return 2


TABLE = make()  # computed once, when the module is imported


def runtime():
    return make(at_import=False)
"""

IMPORT_TIME_TEST = """\
import fake


def test_table():
    assert fake.runtime() == 2
    assert fake.TABLE == 2
"""


def test_a_survivor_is_judged_again_in_a_fresh_process(tmp_path: Path) -> None:
    # the mutant only shows in a table built at import: in process it survives (the module
    # was imported unmutated), a fresh process with the mutant set from the start kills it
    name = "fake.x_make__mutmut_1"
    mutants = make_traced_tree(tmp_path, [[name]])
    (mutants / "src" / "fake.py").write_text(IMPORT_TIME_MODULE)
    for test in (mutants / "tests").iterdir():
        test.unlink()
    (mutants / "tests" / "test_table.py").write_text(IMPORT_TIME_TEST)
    proc = worker(mutants, 0, "--no-type-check")
    out, _ = proc.communicate(timeout=120)
    assert proc.returncode == 0, out
    assert f"{name}: survived" in out and "killed" in out and "fresh process" in out
    assert verdicts(mutants) == {name: 1}


LEAKY_TESTS = {
    # under f's mutant 1 (killed first), test_a leaves state behind that makes test_b fail
    # later in the same process, whatever mutant is active then
    "test_a.py": (
        "import os\n\nimport fake\n\n\ndef test_a():\n"
        '    if os.environ["MUTANT_UNDER_TEST"].endswith("x_f__mutmut_1"):\n'
        "        fake.LEAK.append(1)\n"
        "    assert fake.f(1) == 2\n"
    ),
    "test_b.py": (  # slower, so that it runs after test_a (fastest first)
        "import time\n\nimport fake\n\n\ndef test_b():\n    time.sleep(0.05)\n"
        "    assert not fake.LEAK and fake.f(1) == 2\n"
    ),
}


def test_a_kill_of_a_mutant_with_a_reason_is_confirmed_in_a_fresh_process(tmp_path: Path) -> None:
    name = F[1]  # x * 2: equal to x + 1 at 1, so neither test can tell it apart
    mutants = make_traced_tree(tmp_path, [[F[0], name]])
    (mutants / "src" / "fake.py").write_text(TRACED_MODULE + "\nLEAK = []\n")
    for test in (mutants / "tests").iterdir():
        test.unlink()
    for file, text in LEAKY_TESTS.items():
        (mutants / "tests" / file).write_text(text)
    reasons = tmp_path / "equivalent.toml"
    reasons.write_text(f'[equivalent]\n"{name}" = "x * 2 equals x + 1 at 1"\n')
    proc = worker(mutants, 0, "--no-type-check", "--equivalent", str(reasons))
    out, _ = proc.communicate(timeout=120)
    assert proc.returncode == 0, out
    # in process the leak (from the trace and earlier rounds) fails test_b: an invented kill
    assert f"{name}: killed" in out and f"{name}: survived" in out and "fresh process" in out
    assert verdicts(mutants)[name] == 0
