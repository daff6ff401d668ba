"""Metrics of the paper's protocol: F1, precision, recall and accuracy on the valid class.

All four are reported ×100 and rounded to two decimals (SPEC section 7). Edge cases follow
scikit-learn's defaults (``zero_division`` treated as 0): precision is 0 when nothing is
predicted valid, recall is 0 when no item is valid, F1 is 0 when precision + recall is 0.

Bootstrap intervals
    Every metric here is a function of the confusion counts ``(tp, fp, fn, tn)`` alone.
    Resampling ``n`` items with replacement therefore amounts to drawing the counts from
    ``Multinomial(n, counts / n)``, which this module does directly: ``n_boot`` draws cost
    O(n_boot) whatever ``n`` is, and the result has the same distribution as the item-level
    percentile bootstrap.

The public interface is :func:`confusion_counts`, :func:`scores`, :func:`bootstrap_intervals`
and :func:`compute_metrics`.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import Any

import numpy as np

__all__ = [
    "METRIC_NAMES",
    "bootstrap_intervals",
    "compute_metrics",
    "confusion_counts",
    "scores",
]

METRIC_NAMES = ("f1", "precision", "recall", "accuracy")
"""The reported metrics, in report order."""


def confusion_counts(gold: Sequence[int], pred: Sequence[int]) -> tuple[int, int, int, int]:
    """Count ``(tp, fp, fn, tn)`` for the valid class (label 1).

    Parameters
    ----------
    gold, pred : sequence of int
        Labels in {0, 1}, same length.

    Returns
    -------
    tuple of int

    Raises
    ------
    ValueError
        On different lengths or labels outside {0, 1}.
    """
    g = np.asarray(gold, dtype=np.int64)
    p = np.asarray(pred, dtype=np.int64)
    if g.shape != p.shape or g.ndim != 1:
        raise ValueError(f"gold and pred differ in shape: {g.shape} vs {p.shape}")
    if g.size and (g.min() < 0 or g.max() > 1 or p.min() < 0 or p.max() > 1):
        raise ValueError("labels must be 0 or 1")
    tp = int(np.sum((g == 1) & (p == 1)))
    fp = int(np.sum((g == 0) & (p == 1)))
    fn = int(np.sum((g == 1) & (p == 0)))
    tn = int(g.size - tp - fp - fn)
    return tp, fp, fn, tn


def _scores_array(counts: np.ndarray) -> dict[str, np.ndarray]:
    """Metrics (fractions, not ×100) for an array of count rows ``[..., 4]``."""
    tp, fp, fn, tn = (counts[..., k].astype(np.float64) for k in range(4))
    n = tp + fp + fn + tn
    with np.errstate(divide="ignore", invalid="ignore"):
        precision = np.where(tp + fp > 0, tp / (tp + fp), 0.0)
        recall = np.where(tp + fn > 0, tp / (tp + fn), 0.0)
        f1 = np.where(2 * tp + fp + fn > 0, 2 * tp / (2 * tp + fp + fn), 0.0)
        accuracy = np.where(n > 0, (tp + tn) / n, 0.0)
    return {"f1": f1, "precision": precision, "recall": recall, "accuracy": accuracy}


def scores(counts: tuple[int, int, int, int]) -> dict[str, float]:
    """F1, precision, recall and accuracy ×100, rounded to two decimals.

    Parameters
    ----------
    counts : tuple of int
        ``(tp, fp, fn, tn)``.

    Returns
    -------
    dict
        Keys :data:`METRIC_NAMES`.

    Examples
    --------
    >>> scores((8, 2, 4, 86))
    {'f1': 72.73, 'precision': 80.0, 'recall': 66.67, 'accuracy': 94.0}
    """
    values = _scores_array(np.asarray(counts, dtype=np.int64))
    return {name: round(float(values[name]) * 100, 2) for name in METRIC_NAMES}


def bootstrap_intervals(
    counts: tuple[int, int, int, int],
    *,
    n_boot: int = 1000,
    level: float = 0.95,
    seed: int = 0,
) -> dict[str, list[float]]:
    """Percentile bootstrap intervals of every metric (×100, two decimals).

    Parameters
    ----------
    counts : tuple of int
        ``(tp, fp, fn, tn)``.
    n_boot : int
        Number of bootstrap resamples; 0 disables the intervals (empty dict).
    level : float
        Coverage of the interval.
    seed : int
        Seed of the resampling.

    Returns
    -------
    dict
        Metric name -> ``[low, high]``; empty when ``n_boot`` is 0 or there are no items.
    """
    total = int(sum(counts))
    if n_boot <= 0 or total == 0:
        return {}
    rng = np.random.default_rng(seed)
    probs = np.asarray(counts, dtype=np.float64) / total
    draws = rng.multinomial(total, probs, size=n_boot)
    values = _scores_array(draws)
    alpha = (1.0 - level) / 2.0
    out: dict[str, list[float]] = {}
    for name in METRIC_NAMES:
        lo, hi = np.quantile(values[name], [alpha, 1.0 - alpha])
        out[name] = [round(float(lo) * 100, 2), round(float(hi) * 100, 2)]
    return out


def _block(
    gold: np.ndarray,
    pred: np.ndarray,
    parse_failed: np.ndarray,
    request_failed: np.ndarray,
    *,
    n_boot: int,
    seed: int,
) -> dict[str, Any]:
    counts = confusion_counts(gold, pred)
    tp, fp, fn, tn = counts
    block: dict[str, Any] = {"n": int(gold.size), **scores(counts)}
    block["parse_failures"] = int(parse_failed.sum())
    block["request_failures"] = int(request_failed.sum())
    block["gold_valid"] = tp + fn
    block["predicted_valid"] = tp + fp
    block["ci95"] = bootstrap_intervals(counts, n_boot=n_boot, seed=seed)
    block["confusion_matrix"] = [[tn, fp], [fn, tp]]
    return block


def _group_order(key: Hashable) -> tuple[int, Any]:
    return (0, key) if isinstance(key, int) else (1, str(key))


def compute_metrics(
    gold: Sequence[int],
    pred: Sequence[int],
    *,
    num_variables: Sequence[int] | None = None,
    relations: Sequence[str] | None = None,
    parse_failed: Sequence[bool] | None = None,
    request_failed: Sequence[bool] | None = None,
    n_boot: int = 1000,
    seed: int = 0,
) -> dict[str, Any]:
    """All metrics of a run, overall and broken down by N and by relation.

    Parameters
    ----------
    gold, pred : sequence of int
        Gold and predicted labels (1 = valid). Unparseable answers and failed requests must
        already be mapped to 0.
    num_variables, relations : sequence, optional
        Per-item group keys for ``by_num_variables`` and ``by_relation``.
    parse_failed, request_failed : sequence of bool, optional
        Per-item flags, counted in ``parse_failures`` and ``request_failures``.
    n_boot : int
        Bootstrap resamples for the 95 % intervals (0 disables them).
    seed : int
        Bootstrap seed.

    Returns
    -------
    dict
        ``n``, ``f1``, ``precision``, ``recall``, ``accuracy`` (×100, two decimals),
        ``parse_failures``, ``request_failures``, ``gold_valid``, ``predicted_valid``,
        ``ci95`` (metric -> [low, high]), ``confusion_matrix`` (``[[tn, fp], [fn, tp]]``: rows
        gold invalid/valid, columns predicted invalid/valid, as scikit-learn's
        ``confusion_matrix(gold, pred)``), and ``by_num_variables`` / ``by_relation`` mapping
        each group (as a string) to a block with the same keys.
    """
    g = np.asarray(gold, dtype=np.int64)
    p = np.asarray(pred, dtype=np.int64)
    n = g.size
    pf = np.zeros(n, bool) if parse_failed is None else np.asarray(parse_failed, dtype=bool)
    rf = np.zeros(n, bool) if request_failed is None else np.asarray(request_failed, dtype=bool)
    result = _block(g, p, pf, rf, n_boot=n_boot, seed=seed)
    for name, keys in (("by_num_variables", num_variables), ("by_relation", relations)):
        if keys is None:
            continue
        if len(keys) != n:
            raise ValueError(f"{name}: {len(keys)} keys for {n} items")
        groups: dict[Hashable, list[int]] = {}
        for index, key in enumerate(keys):
            groups.setdefault(key, []).append(index)
        result[name] = {
            str(key): _block(g[idx], p[idx], pf[idx], rf[idx], n_boot=n_boot, seed=seed)
            for key, idx in sorted(
                ((k, np.asarray(v)) for k, v in groups.items()),
                key=lambda kv: _group_order(kv[0]),
            )
        }
    return result
