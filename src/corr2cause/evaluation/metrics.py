"""Metrics of the paper's protocol: F1, precision, recall and accuracy on the valid class.

The metrics are defined once, as functions of the confusion counts, in
:mod:`corr2cause.scoring` (re-exported here): ``corr2cause evaluate``, the inspect task
(:mod:`corr2cause.integrations.inspect_task`), the lm-eval task
(:mod:`corr2cause.integrations.lm_eval.hooks`) and the solver's audit all compute them with
:func:`valid_class_metrics`, so they give identical numbers on identical predictions. This
module adds what a run needs around them: counting, groups and bootstrap intervals.

All four are reported ×100 and rounded to two decimals (SPEC section 7). A metric whose
denominator is zero is **undefined** and reported as ``None`` (``null`` in JSON), never as 0:
precision when nothing is predicted valid, recall when no item is valid, F1 when neither
(2 tp + fp + fn = 0). scikit-learn reports these as 0 (``zero_division=0``) or warns, which
makes "the model never says valid on a group without valid items" look like a model that is
always wrong.

Bootstrap intervals
    Every metric here is a function of the confusion counts ``(tp, fp, fn, tn)`` alone, so the
    bootstrap resamples count vectors (:mod:`corr2cause.evaluation.statistics`): items, or
    whole clusters of items (premises) when ``clusters`` is given to :func:`compute_metrics`.
    Resamples in which a metric is 0/0 are left out of its interval and counted.

The public interface is :func:`confusion_counts`, :func:`valid_class_metrics`,
:func:`scores`, :func:`bootstrap_intervals`, :func:`bootstrap_details` and
:func:`compute_metrics`.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from corr2cause.evaluation.statistics import bootstrap_totals, cluster_counts, percentile_interval
from corr2cause.scoring import METRIC_NAMES, metric_arrays, scores, valid_class_metrics

__all__ = [
    "METRIC_NAMES",
    "bootstrap_details",
    "bootstrap_intervals",
    "compute_metrics",
    "confusion_counts",
    "scores",
    "valid_class_metrics",
]

IntArray = npt.NDArray[np.int64]


def _labels(values: Sequence[int] | npt.ArrayLike) -> npt.NDArray[np.int64]:
    """``values`` as int64 labels; a float that is not a whole number is refused, not truncated.

    The range check ({0, 1}) is the caller's, on the converted array.
    """
    raw = np.asarray(values)
    labels = np.asarray(raw, dtype=np.int64)
    if raw.dtype.kind == "f" and not np.array_equal(raw, labels):
        raise ValueError("labels must be 0 or 1")
    return labels


def confusion_counts(
    gold: Sequence[int] | npt.ArrayLike, pred: Sequence[int] | npt.ArrayLike
) -> tuple[int, int, int, int]:
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
    g = _labels(gold)
    p = _labels(pred)
    if g.shape != p.shape or g.ndim != 1:
        raise ValueError(f"gold and pred differ in shape: {g.shape} vs {p.shape}")
    if g.size and (g.min() < 0 or g.max() > 1 or p.min() < 0 or p.max() > 1):
        raise ValueError("labels must be 0 or 1")
    tp = int(np.sum((g == 1) & (p == 1)))
    fp = int(np.sum((g == 0) & (p == 1)))
    fn = int(np.sum((g == 1) & (p == 0)))
    tn = int(g.size - tp - fp - fn)
    return tp, fp, fn, tn


def _one_hot(gold: IntArray, pred: IntArray) -> IntArray:
    """Per-item ``(tp, fp, fn, tn)`` indicator rows."""
    rows = np.zeros((gold.size, 4), dtype=np.int64)
    rows[
        np.arange(gold.size),
        np.where(gold == 1, np.where(pred == 1, 0, 2), np.where(pred == 1, 1, 3)),
    ] = 1
    return rows


def bootstrap_intervals(
    counts: Sequence[int] | npt.ArrayLike,
    *,
    n_boot: int = 1000,
    level: float = 0.95,
    seed: int = 0,
) -> dict[str, list[float] | None]:
    """Percentile bootstrap intervals of every metric (×100, two decimals).

    Parameters
    ----------
    counts : sequence of int, or array of shape (K, 4)
        ``(tp, fp, fn, tn)`` of the whole run (items resampled independently), or one such
        row per cluster (clusters resampled: :func:`~corr2cause.evaluation.statistics.\
bootstrap_totals`).
    n_boot : int
        Number of bootstrap resamples; 0 disables the intervals (empty dict).
    level : float
        Coverage of the interval.
    seed : int
        Seed of the resampling.

    Returns
    -------
    dict
        Metric name -> ``[low, high]``, or ``None`` when the metric is undefined on the run
        itself; empty when ``n_boot`` is 0 or there are no items. Resamples where a metric is
        undefined are left out (:func:`bootstrap_details` counts them).
    """
    return {
        k: v["ci"]
        for k, v in bootstrap_details(counts, n_boot=n_boot, level=level, seed=seed).items()
    }


def bootstrap_details(
    counts: Sequence[int] | npt.ArrayLike,
    *,
    n_boot: int = 1000,
    level: float = 0.95,
    seed: int = 0,
) -> dict[str, dict[str, Any]]:
    """Like :func:`bootstrap_intervals`, with the number of undefined resamples per metric.

    Returns
    -------
    dict
        Metric name -> ``{"ci": [low, high] or None, "undefined_resamples": int}``.
    """
    rows = np.asarray(counts, dtype=np.int64)
    multiplicity = None
    if rows.ndim == 1:  # run totals: every item is a cluster of one, of one of four types
        if rows.shape != (4,):
            raise ValueError("counts must be (tp, fp, fn, tn)")
        rows, multiplicity = np.eye(4, dtype=np.int64), np.maximum(rows, 0)
    if rows.ndim != 2 or rows.shape[1] != 4:
        raise ValueError("cluster counts must have shape (K, 4)")
    weights = np.ones(rows.shape[0], np.int64) if multiplicity is None else multiplicity
    if n_boot <= 0 or rows.shape[0] == 0 or int(weights @ rows.sum(axis=1)) == 0:
        return {}
    point = metric_arrays(weights @ rows)
    totals = bootstrap_totals(rows, n_boot=n_boot, seed=seed, multiplicity=multiplicity)
    values = metric_arrays(totals)
    out: dict[str, dict[str, Any]] = {}
    for name in METRIC_NAMES:
        interval, undefined = percentile_interval(values[name], level=level)
        if np.isnan(point[name]) or interval is None:
            out[name] = {"ci": None, "undefined_resamples": undefined}
        else:
            out[name] = {
                "ci": [round(interval[0] * 100, 2), round(interval[1] * 100, 2)],
                "undefined_resamples": undefined,
            }
    return out


def _block(
    gold: IntArray,
    pred: IntArray,
    parse_failed: npt.NDArray[np.bool_],
    request_failed: npt.NDArray[np.bool_],
    clusters: npt.NDArray[np.int64] | None,
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
    rows = cluster_counts(_one_hot(gold, pred), clusters) if clusters is not None else None
    source: Any = counts if rows is None else rows
    details = bootstrap_details(source, n_boot=n_boot, seed=seed) if gold.size else {}
    block["ci95"] = {name: d["ci"] for name, d in details.items()}
    block["ci95_undefined_resamples"] = {
        name: d["undefined_resamples"] for name, d in details.items() if d["undefined_resamples"]
    }
    block["clusters"] = int(gold.size if rows is None else rows.shape[0])
    block["confusion_matrix"] = [[tn, fp], [fn, tp]]
    return block


def _group_order(key: str) -> tuple[int, Any]:
    """Integer group names first, in numeric order (``"2"`` before ``"10"``), then the rest."""
    return (0, int(key)) if key.removeprefix("-").isdigit() else (1, key)


def compute_metrics(
    gold: Sequence[int] | npt.ArrayLike,
    pred: Sequence[int] | npt.ArrayLike,
    *,
    num_variables: Sequence[int] | npt.ArrayLike | None = None,
    relations: Sequence[str] | npt.ArrayLike | None = None,
    parse_failed: Sequence[bool] | None = None,
    request_failed: Sequence[bool] | None = None,
    clusters: Sequence[Hashable] | None = None,
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
        Per-item group keys for ``by_num_variables`` and ``by_relation``. A group is named
        by its key's text (``10`` and ``"10"`` are one group); whole numbers come first,
        in numeric order, then the other names alphabetically.
    parse_failed, request_failed : sequence of bool, optional
        Per-item flags, counted in ``parse_failures`` and ``request_failures``.
    clusters : sequence of hashable, optional
        Per-item cluster key for the bootstrap, normally the premise: whole premises are
        resampled (:mod:`corr2cause.evaluation.statistics`). ``None`` resamples items.
    n_boot : int
        Bootstrap resamples for the 95 % intervals (0 disables them).
    seed : int
        Bootstrap seed.

    Returns
    -------
    dict
        ``n``, ``f1``, ``precision``, ``recall``, ``accuracy`` (×100, two decimals, ``None``
        when 0/0), ``parse_failures``, ``request_failures``, ``gold_valid``,
        ``predicted_valid``, ``ci95`` (metric -> [low, high], ``None`` for an undefined
        metric), ``ci95_undefined_resamples`` (metric -> resamples left out because the
        metric was 0/0 in them; only metrics with some), ``clusters`` (resampling units),
        ``bootstrap_unit`` (``"cluster"`` or ``"item"``), ``confusion_matrix``
        (``[[tn, fp], [fn, tp]]``: rows gold invalid/valid, columns predicted invalid/valid,
        as scikit-learn's ``confusion_matrix(gold, pred)``), and ``by_num_variables`` /
        ``by_relation`` mapping each group (as a string) to a block with the same keys.
    """
    g = _labels(gold).reshape(-1)
    p = _labels(pred).reshape(-1)
    n = g.size
    pf = np.zeros(n, bool) if parse_failed is None else np.asarray(parse_failed, dtype=bool)
    rf = np.zeros(n, bool) if request_failed is None else np.asarray(request_failed, dtype=bool)
    if clusters is not None and len(clusters) != n:
        raise ValueError(f"clusters: {len(clusters)} keys for {n} items")
    keys: npt.NDArray[np.int64] | None = None
    if clusters is not None:  # factorize once; groups then slice integer codes
        code_of: dict[Hashable, int] = {}
        keys = np.fromiter((code_of.setdefault(c, len(code_of)) for c in clusters), np.int64, n)
    result = _block(g, p, pf, rf, keys, n_boot=n_boot, seed=seed)
    result["bootstrap_unit"] = "item" if keys is None else "cluster"
    for name, group_keys in (("by_num_variables", num_variables), ("by_relation", relations)):
        if group_keys is None:
            continue
        group_list = list(np.asarray(group_keys).tolist())
        if len(group_list) != n:
            raise ValueError(f"{name}: {len(group_list)} keys for {n} items")
        groups: dict[str, list[int]] = {}
        for index, key in enumerate(group_list):
            # grouped by the key's text, the name it is reported under: 10 and "10" (one
            # file read as text, another as numbers) are one group, not two blocks of which
            # the second silently replaced the first
            groups.setdefault(str(key), []).append(index)
        result[name] = {
            key: _block(
                g[idx],
                p[idx],
                pf[idx],
                rf[idx],
                None if keys is None else keys[idx],
                n_boot=n_boot,
                seed=seed,
            )
            for key, idx in sorted(
                ((k, np.asarray(v)) for k, v in groups.items()),
                key=lambda kv: _group_order(kv[0]),
            )
        }
    return result
