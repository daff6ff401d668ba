"""Counts of DAGs, Markov equivalence classes and labels per number of nodes."""

from __future__ import annotations

from collections.abc import Callable
from math import comb
from typing import Any

import numpy as np

from corr2cause.causal.mec_classes import MecClass, mec_classes
from corr2cause.causal.relations import RELATIONS
from corr2cause.graphs.enumeration import enumerate_dags


def census(
    n: int,
    *,
    with_labels: bool = True,
    progress: Callable[[str, int, int], None] | None = None,
) -> dict[str, Any]:
    """Census of the Corr2Cause universe on ``n`` nodes.

    Parameters
    ----------
    n : int
        Number of nodes, ``1 <= n <= 7``.
    with_labels : bool, keyword-only
        Also count entailment / neutral / contradiction labels per relation.
    progress : callable, optional
        Called as ``progress(stage, done, total)`` with stage ``"dags"``, ``"mecs"`` or
        ``"labels"``.

    Returns
    -------
    dict
        ``dags``, ``labeled_dags``, ``mecs``, ``labeled_mecs``, ``items`` and, if requested,
        ``labels``: relation id -> ``[entailment, neutral, contradiction]``.
    """

    def stage(name: str) -> Callable[[int, int], None] | None:
        if progress is None:
            return None
        return lambda done, total: progress(name, done, total)

    catalog = enumerate_dags(n, progress=stage("dags"))
    classes = mec_classes(n, catalog=catalog, progress=stage("mecs"))
    out: dict[str, Any] = {
        "dags": len(catalog),
        "labeled_dags": catalog.num_labeled,
        "mecs": len(classes),
        "labeled_mecs": sum(c.labeled_count for c in classes),
        "items": len(RELATIONS) * comb(n, 2) * len(classes),
    }
    if with_labels:
        out["labels"] = label_census(classes, progress=stage("labels"))
    return out


def label_census(
    classes: list[MecClass], *, progress: Callable[[int, int], None] | None = None
) -> dict[str, list[int]]:
    """Per relation, the number of ``[entailment, neutral, contradiction]`` items."""
    totals = np.zeros((len(RELATIONS), 3), dtype=np.int64)
    for k, cls in enumerate(classes):
        if cls.n < 2:
            continue
        lab3 = cls.label3()
        for r in range(len(RELATIONS)):
            totals[r] += np.bincount(lab3[:, r], minlength=3)
        if progress is not None and k % 256 == 0:
            progress(k, len(classes))
    if progress is not None:
        progress(len(classes), len(classes))
    return {rel: [int(v) for v in totals[r]] for r, rel in enumerate(RELATIONS)}
