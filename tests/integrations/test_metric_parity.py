"""One definition of the valid-class metrics: the harness, inspect and lm-eval agree exactly.

The same predictions go through ``corr2cause.evaluation.metrics.compute_metrics`` (what
``corr2cause evaluate`` writes), the inspect task's metric functions and the lm-eval
aggregation hooks; the numbers must be identical, including "undefined" (0/0) cases, which
are ``None`` in the harness and lm-eval and NaN (inspect's missing-value marker) in inspect.
scikit-learn with ``zero_division=nan`` is the independent reference.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from sklearn.metrics import accuracy_score, f1_score, precision_score, recall_score

from corr2cause.evaluation.metrics import compute_metrics
from corr2cause.integrations.lm_eval import hooks

inspect_task = pytest.importorskip("corr2cause.integrations.inspect_task")
scorer_mod = pytest.importorskip("inspect_ai.scorer")

CASES = [
    ([1, 0, 1, 0, 1], [1, 1, 0, 0, 1]),
    ([0, 0, 0], [0, 0, 0]),  # F1, precision, recall undefined
    ([1, 1], [0, 0]),  # precision undefined, F1 = recall = 0
    ([0, 0], [1, 1]),  # recall undefined, F1 = precision = 0
    ([1], [1]),
]
rng = np.random.default_rng(7)
for _ in range(20):
    n = int(rng.integers(1, 60))
    CASES.append(
        ((rng.random(n) < 0.3).astype(int).tolist(), (rng.random(n) < 0.4).astype(int).tolist())
    )


def _sample_scores(gold: list[int], pred: list[int]) -> list:
    return [
        scorer_mod.SampleScore(
            score=scorer_mod.Score(value=scorer_mod.CORRECT if g == p else scorer_mod.INCORRECT),
            sample_id=f"s{k}",
            sample_metadata={"label": g},
        )
        for k, (g, p) in enumerate(zip(gold, pred, strict=True))
    ]


def _nan_to_none(value: float) -> float | None:
    return None if math.isnan(value) else value


def _sklearn(gold: list[int], pred: list[int]) -> dict[str, float | None]:
    kw = {"zero_division": np.nan}
    return {
        "f1": _nan_to_none(float(f1_score(gold, pred, **kw))),
        "precision": _nan_to_none(float(precision_score(gold, pred, **kw))),
        "recall": _nan_to_none(float(recall_score(gold, pred, **kw))),
    }


@pytest.mark.parametrize(("gold", "pred"), CASES)
def test_harness_inspect_and_lm_eval_give_identical_numbers(gold, pred) -> None:
    harness = compute_metrics(gold, pred, n_boot=0)
    scores = _sample_scores(gold, pred)
    inspect = {
        "f1": _nan_to_none(inspect_task.valid_f1()(scores)),
        "precision": _nan_to_none(inspect_task.valid_precision()(scores)),
        "recall": _nan_to_none(inspect_task.valid_recall()(scores)),
    }
    pairs = list(zip(gold, pred, strict=True))
    lm_eval = {
        "f1": hooks.f1_valid(pairs),
        "precision": hooks.precision_valid(pairs),
        "recall": hooks.recall_valid(pairs),
    }
    assert inspect == lm_eval  # bit-identical: the same function computed both
    reference = _sklearn(gold, pred)
    for name in ("f1", "precision", "recall"):
        expected = reference[name]
        if expected is None:
            assert harness[name] is None and lm_eval[name] is None, name
        else:
            assert lm_eval[name] == pytest.approx(expected), name
            assert harness[name] == round(100 * lm_eval[name], 2), name
    assert harness["accuracy"] == round(100 * accuracy_score(gold, pred), 2)


def test_lm_eval_table_prints_undefined() -> None:
    """lm-eval's own table renders a None metric instead of crashing."""
    utils = pytest.importorskip("lm_eval.utils")
    table = utils.make_table(
        {
            "results": {"corr2cause": {"alias": "corr2cause", "f1,none": None, "acc,none": 1.0}},
            "versions": {"corr2cause": 1.0},
        }
    )
    assert "corr2cause" in table and "f1" in table
