"""tests/mutation/full.py: which verdicts survive a source change, and what gets queued."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType

import pytest

HERE = Path(__file__).resolve().parent


@pytest.fixture(scope="module")
def full() -> ModuleType:
    spec = importlib.util.spec_from_file_location("mutation_full", HERE / "full.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["mutation_full"] = module
    spec.loader.exec_module(module)
    return module


def write_meta(mutants: Path, module: str, codes: dict[str, None], hashes: dict[str, str]) -> None:
    path = mutants / "src" / (module.replace(".", "/") + ".py.meta")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"exit_code_by_key": codes, "hash_by_function_name": hashes}))


M = "corr2cause.dataset.splits"
A = [f"{M}.x_split_targets__mutmut_{k}" for k in (1, 2)]
B = [f"{M}.x_assign_splits__mutmut_{k}" for k in (1, 2, 3)]


def test_verdicts_of_changed_functions_are_forgotten(tmp_path: Path, full: ModuleType) -> None:
    write_meta(
        tmp_path, M, dict.fromkeys(A + B), {"x_split_targets": "a1", "x_assign_splits": "b1"}
    )
    names, hashes = full.mutants_and_hashes(tmp_path)
    assert names == A + B
    assert hashes == {f"{M}.x_split_targets": "a1", f"{M}.x_assign_splits": "b1"}
    store = tmp_path / "rechecked.json"
    store.write_text(json.dumps({A[0]: 1, B[0]: 0, "gone.x_f__mutmut_1": 1}))
    # no hashes recorded with these verdicts yet: none can be trusted
    assert full.forget_changed(tmp_path, names, hashes) == 3
    assert json.loads(store.read_text()) == {}
    store.write_text(json.dumps({A[0]: 1, A[1]: 37, B[0]: 0}))
    assert full.forget_changed(tmp_path, names, hashes) == 0  # same hashes: all kept
    # assign_splits changed: its verdict goes, split_targets' stay
    write_meta(
        tmp_path, M, dict.fromkeys(A + B), {"x_split_targets": "a1", "x_assign_splits": "b2"}
    )
    names, hashes = full.mutants_and_hashes(tmp_path)
    assert full.forget_changed(tmp_path, names, hashes) == 1
    assert json.loads(store.read_text()) == {A[0]: 1, A[1]: 37}


def test_plan_queues_all_but_final_verdicts_in_chunks(tmp_path: Path, full: ModuleType) -> None:
    hf = "corr2cause.evaluation.backends.hf"
    H = [f"{hf}.x_generate__mutmut_{k}" for k in (1, 2)]
    (tmp_path / "rechecked.json").write_text(json.dumps({A[0]: 1, A[1]: 36, B[0]: 0, B[1]: 5}))
    units = full.plan(tmp_path, A + B + H, "*", 2)
    # killed and timed-out mutants are final; a survivor or "no tests" is judged again
    assert [u["mutants"] for u in units] == [H, B[:2], B[2:]]
    assert [u["layer"] for u in units] == ["tests/evaluation/", "tests/dataset/", "tests/dataset/"]
    assert [u["cost"] for u in units] == [8.0, 2.0, 1.0]  # hf mutants weigh 4
    assert [u["mutants"] for u in full.plan(tmp_path, A + B + H, "*.x_assign_*", 5)] == [B]


def test_the_mutant_a_dead_worker_was_running_is_recorded_as_crashed(
    tmp_path: Path, full: ModuleType
) -> None:
    store = tmp_path / "rechecked.json"
    store.write_text(json.dumps({A[0]: 1}))
    (tmp_path / "running-1").write_text(A[1])
    assert full.crashed(tmp_path, 1) == A[1]
    assert json.loads(store.read_text()) == {A[0]: 1, A[1]: -11}
    assert not (tmp_path / "running-1").exists()
    (tmp_path / "running-0").write_text(A[0])  # died after its verdict: nothing to blame
    assert full.crashed(tmp_path, 0) is None
    assert full.crashed(tmp_path, 0) is None  # no running file at all
    # the next run tries a crashed mutant again
    write_meta(tmp_path, M, dict.fromkeys(A), {"x_split_targets": "a1"})
    names, hashes = full.mutants_and_hashes(tmp_path)
    full.forget_changed(tmp_path, names, hashes)  # records the hashes
    store.write_text(json.dumps({A[0]: 1, A[1]: -11}))
    assert full.forget_changed(tmp_path, names, hashes) == 1
    assert json.loads(store.read_text()) == {A[0]: 1}
