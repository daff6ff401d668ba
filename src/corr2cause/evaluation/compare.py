"""Paired comparison of two runs on the same items: is model A really better than model B?

Two runs evaluated on the *same* items are compared item by item, which is far more
powerful than comparing two independent intervals: the items both get right or both get
wrong cancel out. :func:`compare_runs` reports

* the difference of F1 and of accuracy (A - B, points ×100), with a 95 % **paired cluster
  bootstrap** interval: the same premises are drawn for both runs in each resample
  (:mod:`corr2cause.evaluation.statistics`), so the correlation between the runs and between
  items of one premise are both kept; resamples where either F1 is undefined are left out
  and counted; overall and by number of variables;
* **McNemar's test** on the items exactly one run answers correctly (exact and
  continuity-corrected versions). It treats items as independent, so read its p-value as
  optimistic when errors cluster by premise, and trust the bootstrap interval first.

Runs on different data are refused: different ``data_sha256`` or split, different item ids,
or different gold labels for an id. With ``allow_different_data=True`` the comparison runs
on the items the two share with the same gold label, and says so in ``warnings``.

Examples
--------
>>> from corr2cause.evaluation.compare import paired_difference
>>> d = paired_difference([1, 1, 0, 0], [1, 1, 0, 0], [1, 0, 0, 0], n_boot=200, seed=0)
>>> d["f1"]["a"], d["f1"]["b"], d["f1"]["diff"]
(100.0, 66.67, 33.33)
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from corr2cause.errors import Corr2CauseError
from corr2cause.evaluation.metrics import _one_hot
from corr2cause.evaluation.runs import Run, load_run
from corr2cause.evaluation.statistics import (
    bootstrap_totals,
    cluster_counts,
    mcnemar,
    percentile_interval,
)
from corr2cause.scoring import metric_arrays

__all__ = ["ComparisonError", "compare_runs", "paired_difference"]


class ComparisonError(Corr2CauseError):
    """Two runs that cannot be compared item by item (the message says why)."""


def _pct(value: float) -> float | None:
    return None if np.isnan(value) else round(float(value) * 100, 2)


def paired_difference(
    gold: Sequence[int] | npt.ArrayLike,
    pred_a: Sequence[int] | npt.ArrayLike,
    pred_b: Sequence[int] | npt.ArrayLike,
    *,
    clusters: Sequence[Hashable] | None = None,
    n_boot: int = 2000,
    level: float = 0.95,
    seed: int = 0,
) -> dict[str, Any]:
    """F1 and accuracy of two prediction vectors on the same items, and their difference.

    Parameters
    ----------
    gold : sequence of int
        Gold labels (1 = valid).
    pred_a, pred_b : sequence of int
        Predictions of run A and run B, aligned with ``gold``.
    clusters : sequence of hashable, optional
        Cluster (premise) of each item; ``None`` resamples items.
    n_boot : int
        Bootstrap resamples (0: no intervals).
    level : float
        Interval coverage.
    seed : int
        Seed of the resampling.

    Returns
    -------
    dict
        ``n``, ``clusters``, ``f1`` and ``accuracy`` (each ``{"a", "b", "diff", "ci95",
        "undefined_resamples", "share_a_better"}``; values ×100, ``None`` when undefined),
        and ``mcnemar`` (:func:`~corr2cause.evaluation.statistics.mcnemar`).
    """
    g = np.asarray(gold, dtype=np.int64).reshape(-1)
    a = np.asarray(pred_a, dtype=np.int64).reshape(-1)
    b = np.asarray(pred_b, dtype=np.int64).reshape(-1)
    if not g.shape == a.shape == b.shape:
        raise ComparisonError(
            f"gold and predictions differ in length: {g.size}, {a.size}, {b.size}"
        )
    rows = cluster_counts(np.hstack([_one_hot(g, a), _one_hot(g, b)]), clusters)
    total = rows.sum(axis=0)
    point_a, point_b = metric_arrays(total[:4]), metric_arrays(total[4:])
    out: dict[str, Any] = {"n": int(g.size), "clusters": int(rows.shape[0])}
    draws = bootstrap_totals(rows, n_boot=n_boot, seed=seed) if n_boot > 0 and g.size else None
    for name in ("f1", "accuracy"):
        va, vb = float(point_a[name]), float(point_b[name])
        block: dict[str, Any] = {
            "a": _pct(va),
            "b": _pct(vb),
            "diff": _pct(va - vb),
            "ci95": None,
            "undefined_resamples": 0,
            "share_a_better": None,
        }
        if draws is not None and block["diff"] is not None:
            diff = metric_arrays(draws[:, :4])[name] - metric_arrays(draws[:, 4:])[name]
            interval, undefined = percentile_interval(diff, level=level)
            defined = diff[~np.isnan(diff)]
            block["ci95"] = None if interval is None else [_pct(v) for v in interval]
            block["undefined_resamples"] = undefined
            block["share_a_better"] = (
                round(float(np.mean(defined > 0)), 4) if defined.size else None
            )
        out[name] = block
    out["mcnemar"] = mcnemar((a == g).tolist(), (b == g).tolist())
    return out


def _aligned(
    run_a: Run, run_b: Run, *, allow_different_data: bool
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[str]]:
    warnings: list[str] = []
    key_a, key_b = run_a.data_key, run_b.data_key
    if None not in key_a[:1] and None not in key_b[:1] and key_a != key_b:
        message = (
            f"{run_a.label} and {run_b.label} were evaluated on different data "
            f"(sha256/split {key_a[0][:12]}/{key_a[1]} vs {key_b[0][:12]}/{key_b[1]})"
        )
        if not allow_different_data:
            raise ComparisonError(message + "; pass allow_different_data to compare anyway")
        warnings.append(message)
    rows_a = {r["id"]: r for r in run_a.records()}
    rows_b = {r["id"]: r for r in run_b.records()}
    if rows_a.keys() != rows_b.keys():
        only_a, only_b = len(rows_a.keys() - rows_b.keys()), len(rows_b.keys() - rows_a.keys())
        message = (
            f"{run_a.label} and {run_b.label} hold different items ({only_a} only in "
            f"{run_a.label}, {only_b} only in {run_b.label})"
        )
        if not allow_different_data:
            raise ComparisonError(
                message + "; pass allow_different_data to compare the shared ones"
            )
        warnings.append(message)
    ids = [i for i in rows_a if i in rows_b]
    differing = [i for i in ids if int(rows_a[i]["gold"]) != int(rows_b[i]["gold"])]
    if differing:
        message = (
            f"{len(differing)} shared item(s) have different gold labels, e.g. {differing[0]!r}"
        )
        if not allow_different_data:
            raise ComparisonError(message + "; pass allow_different_data to leave them out")
        warnings.append(message + " (left out)")
        bad = set(differing)
        ids = [i for i in ids if i not in bad]
    if not ids:
        raise ComparisonError(f"{run_a.label} and {run_b.label} share no item to compare")
    return [rows_a[i] for i in ids], [rows_b[i] for i in ids], warnings


def compare_runs(
    run_a: Run | str | Path,
    run_b: Run | str | Path,
    *,
    allow_different_data: bool = False,
    n_boot: int = 2000,
    level: float = 0.95,
    seed: int = 0,
) -> dict[str, Any]:
    """Compare two finished runs item by item (paired bootstrap and McNemar).

    Parameters
    ----------
    run_a, run_b : Run or path
        Run directories (or loaded runs) of :func:`~corr2cause.evaluation.evaluate`.
    allow_different_data : bool
        Compare runs on different data anyway, on the items they share with the same gold
        label (a warning records it). Without it such runs raise :class:`ComparisonError`.
    n_boot, level, seed
        Bootstrap resamples, interval coverage and seed.

    Returns
    -------
    dict
        ``a``, ``b`` (labels), ``warnings``, ``bootstrap_unit`` (``premise`` when the
        predictions carry a ``premise_id``, else ``item``), the
        :func:`paired_difference` fields overall, and ``by_num_variables``.

    Raises
    ------
    ComparisonError
        On runs over different data (unless allowed), or with no shared item.
    """
    a = run_a if isinstance(run_a, Run) else load_run(run_a)
    b = run_b if isinstance(run_b, Run) else load_run(run_b)
    rows_a, rows_b, warnings = _aligned(a, b, allow_different_data=allow_different_data)
    clustered = all("premise_id" in r for r in rows_a)
    clusters = [r["premise_id"] for r in rows_a] if clustered else None
    gold = [int(r["gold"]) for r in rows_a]
    pa = [int(r["pred"]) for r in rows_a]
    pb = [int(r["pred"]) for r in rows_b]
    kw: dict[str, Any] = {"n_boot": n_boot, "level": level, "seed": seed}
    out: dict[str, Any] = {
        "a": a.label,
        "b": b.label,
        "warnings": warnings,
        "bootstrap_unit": "premise" if clustered else "item",
        **paired_difference(gold, pa, pb, clusters=clusters, **kw),
    }
    sizes = [r.get("num_variables") for r in rows_a]
    groups: dict[str, list[int]] = {}
    for k, size in enumerate(sizes):
        if size is not None:
            groups.setdefault(str(size), []).append(k)
    out["by_num_variables"] = {
        key: paired_difference(
            [gold[k] for k in idx],
            [pa[k] for k in idx],
            [pb[k] for k in idx],
            clusters=None if clusters is None else [clusters[k] for k in idx],
            **kw,
        )
        for key, idx in sorted(groups.items(), key=lambda kv: (len(kv[0]), kv[0]))
    }
    return out
