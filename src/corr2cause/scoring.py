"""The valid-class metrics, defined once: F1, precision, recall and accuracy from counts.

Every number the project reports about labels against labels comes from these functions of
the confusion counts ``(tp, fp, fn, tn)`` of the valid class (label 1): a model's answers
against the gold (:mod:`corr2cause.evaluation.metrics`, the inspect and lm-eval tasks, the
trainer) and the exact labels against a file's gold (:mod:`corr2cause.solver.audit`). They
sit below every layer because the solver, which is below evaluation, scores with them too.

A metric whose denominator is zero is **undefined** and returned as ``None`` (``null`` in
JSON), never as 0: precision when nothing is predicted valid, recall when no item is valid,
F1 when neither (``2 tp + fp + fn = 0``), accuracy when there is no item. The reported values
are ×100 and rounded to two decimals (SPEC section 7; :func:`scores`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

__all__ = ["METRIC_NAMES", "metric_arrays", "scores", "valid_class_metrics"]

FloatArray = npt.NDArray[np.float64]

METRIC_NAMES = ("f1", "precision", "recall", "accuracy")
"""The reported metrics, in report order."""


def metric_arrays(counts: npt.ArrayLike) -> dict[str, FloatArray]:
    """Metrics (fractions) of count rows ``[..., 4]``; NaN where a metric is 0/0."""
    c = np.asarray(counts, dtype=np.float64)
    tp, fp, fn, tn = (c[..., k] for k in range(4))
    n = tp + fp + fn + tn
    with np.errstate(divide="ignore", invalid="ignore"):
        return {
            "f1": np.where(2 * tp + fp + fn > 0, 2 * tp / (2 * tp + fp + fn), np.nan),
            "precision": np.where(tp + fp > 0, tp / (tp + fp), np.nan),
            "recall": np.where(tp + fn > 0, tp / (tp + fn), np.nan),
            "accuracy": np.where(n > 0, (tp + tn) / n, np.nan),
        }


def valid_class_metrics(counts: Sequence[int]) -> dict[str, float | None]:
    """F1, precision, recall and accuracy of the valid class, as fractions in [0, 1].

    This is the one definition every harness uses (``evaluate``, the inspect task and the
    lm-eval task). A metric whose denominator is zero is ``None`` (undefined), not 0.

    Parameters
    ----------
    counts : sequence of int
        ``(tp, fp, fn, tn)`` (:func:`confusion_counts`).

    Returns
    -------
    dict
        Keys :data:`METRIC_NAMES`; values ``float`` or ``None``.

    Examples
    --------
    >>> valid_class_metrics((1, 1, 1, 1))
    {'f1': 0.5, 'precision': 0.5, 'recall': 0.5, 'accuracy': 0.5}
    >>> valid_class_metrics((0, 0, 0, 3))["f1"] is None
    True
    """
    if len(counts) != 4:
        raise ValueError("counts must be (tp, fp, fn, tn)")
    values = metric_arrays(np.asarray(counts, dtype=np.int64))
    return {name: _defined(float(values[name])) for name in METRIC_NAMES}


def _defined(value: float) -> float | None:
    return None if math.isnan(value) else value


def _percent(value: float | None) -> float | None:
    return None if value is None else round(value * 100, 2)


def scores(counts: Sequence[int]) -> dict[str, float | None]:
    """F1, precision, recall and accuracy ×100, rounded to two decimals (``None``: undefined).

    Parameters
    ----------
    counts : sequence of int
        ``(tp, fp, fn, tn)``.

    Returns
    -------
    dict
        Keys :data:`METRIC_NAMES`.

    Examples
    --------
    >>> scores((8, 2, 4, 86))
    {'f1': 72.73, 'precision': 80.0, 'recall': 66.67, 'accuracy': 94.0}
    >>> scores((0, 0, 5, 5))
    {'f1': 0.0, 'precision': None, 'recall': 0.0, 'accuracy': 50.0}
    """
    return {name: _percent(value) for name, value in valid_class_metrics(counts).items()}
