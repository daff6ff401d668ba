"""Scores on commonsense-aligned vs conflicting items of a themed variant.

A themed variant (``names-medicine``, ...; :mod:`corr2cause.dataset.themes`) marks each item
whose pair of names carries a known real-world causal link: ``commonsense`` says whether the
hypothesis *agrees* with the link, *contradicts* it, or is *unrelated* (collider, confounder),
and ``commonsense_conflict`` whether answering from world knowledge alone gets the item wrong
(the premise says the opposite of what the world says, as in CLadder's anti-commonsense
stories). A model that reasons from the stated correlations scores the same on ``aligned``
and ``conflicting`` items; one that recalls what it knows about smoking and lung cancer
scores high on the first and low on the second.

:func:`commonsense_split` scores aligned predictions per group (the robustness report,
:mod:`corr2cause.evaluation.robustness`, adds it to every themed variant's row);
:func:`commonsense_metrics` joins a finished run's ``predictions.jsonl`` with the items table
by id. The metrics are :func:`corr2cause.evaluation.metrics.scores`, the one definition every
harness uses.

Examples
--------
>>> groups = commonsense_groups([None, "agrees", "contradicts"], [None, False, True])
>>> groups["aligned"], groups["conflicting"], groups["no_link"]
([1], [2], [0])
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from corr2cause.dataset.readers import DatasetFormatError
from corr2cause.dataset.store import open_dataset
from corr2cause.errors import Corr2CauseError
from corr2cause.evaluation.metrics import METRIC_NAMES, confusion_counts, scores

__all__ = [
    "GROUPS",
    "CommonsenseError",
    "commonsense_groups",
    "commonsense_metrics",
    "commonsense_split",
    "group_scores",
    "read_commonsense",
]

GROUPS = ("aligned", "conflicting", "agrees", "contradicts", "unrelated", "no_link")
"""Report groups: by ``commonsense_conflict`` (first two), by ``commonsense``, and no link."""


class CommonsenseError(Corr2CauseError):
    """Items without commonsense columns, or predictions that do not match the items."""


def _blank(value: Any) -> bool:
    return value is None or value == "" or (isinstance(value, float) and value != value)


def commonsense_groups(
    values: Sequence[str | None], conflicts: Sequence[bool | None]
) -> dict[str, list[int]]:
    """Item positions per group of :data:`GROUPS`."""
    out: dict[str, list[int]] = {g: [] for g in GROUPS}
    for k, (value, conflict) in enumerate(zip(values, conflicts, strict=True)):
        if _blank(value):
            out["no_link"].append(k)
            continue
        out[str(value)].append(k)
        if not _blank(conflict):
            out["conflicting" if conflict else "aligned"].append(k)
    return out


def group_scores(gold: Sequence[int], pred: Sequence[int]) -> dict[str, Any]:
    """``n``, the valid-class metrics (:func:`~corr2cause.evaluation.metrics.scores`) and counts.

    Examples
    --------
    >>> group_scores([1, 0, 1], [1, 1, 0])
    {'n': 3, 'f1': 50.0, 'precision': 50.0, 'recall': 50.0, 'accuracy': 33.33, \
'gold_valid': 2, 'predicted_valid': 2}
    >>> group_scores([], [])["f1"] is None
    True
    """
    tp, fp, fn, _ = counts = confusion_counts(list(gold), list(pred))
    return {"n": len(gold), **scores(counts), "gold_valid": tp + fn, "predicted_valid": tp + fp}


def commonsense_split(
    values: Sequence[str | None],
    conflicts: Sequence[bool | None],
    gold: Sequence[int],
    pred: Sequence[int],
) -> dict[str, Any]:
    """Metrics per commonsense group of aligned items, with their change from ``aligned``.

    Parameters
    ----------
    values, conflicts : sequence
        The items' ``commonsense`` and ``commonsense_conflict`` values (``None`` or empty
        where the pair has no known link).
    gold, pred : sequence of int
        Gold and predicted labels (1 = valid), aligned with ``values``.

    Returns
    -------
    dict
        For every group of :data:`GROUPS`: ``n``, ``f1``, ``precision``, ``recall``,
        ``accuracy`` (×100, two decimals; ``None`` when undefined or the group is empty),
        ``gold_valid``, ``predicted_valid`` and ``delta`` (each metric minus the ``aligned``
        group's, in points; ``None`` where either is undefined). Plus ``"f1_gap"``: aligned F1
        minus conflicting F1 (a model that reasons from the premise has a gap near 0).

    Examples
    --------
    >>> split = commonsense_split(
    ...     ["agrees", "agrees", "contradicts", None], [False, True, True, None],
    ...     [1, 0, 1, 1], [1, 1, 0, 1],
    ... )
    >>> split["aligned"]["f1"], split["conflicting"]["f1"], split["f1_gap"]
    (100.0, 0.0, 100.0)
    >>> split["conflicting"]["delta"]["accuracy"]
    -100.0
    """
    n = len(values)
    if not len(conflicts) == len(gold) == len(pred) == n:
        raise ValueError("values, conflicts, gold and pred differ in length")
    report: dict[str, Any] = {}
    for group, positions in commonsense_groups(values, conflicts).items():
        report[group] = group_scores([gold[k] for k in positions], [pred[k] for k in positions])
    base = report["aligned"]
    for group in GROUPS:
        block = report[group]
        block["delta"] = {
            m: None if block[m] is None or base[m] is None else round(block[m] - base[m], 2)
            for m in METRIC_NAMES
        }
    a, c = report["aligned"]["f1"], report["conflicting"]["f1"]
    report["f1_gap"] = round(a - c, 2) if a is not None and c is not None else None
    return report


def read_commonsense(
    data: str | Path, *, split: str | None = None
) -> dict[str, tuple[str | None, bool | None]] | None:
    """The ``commonsense`` columns of a themed variant, by item id; ``None`` without them.

    Parameters
    ----------
    data : str or Path
        Any location :func:`corr2cause.dataset.store.open_dataset` accepts that holds one
        variant: a variant folder, an item table, or one config of a Hugging Face export.
    split : str, optional
        Only this split (default: every row).

    Returns
    -------
    dict or None
        ``{id: (commonsense, commonsense_conflict)}``, or ``None`` when the rows have no
        ``commonsense`` column (a letter variant).
    """
    table: dict[str, tuple[str | None, bool | None]] = {}
    for _, _, row in open_dataset(Path(data)).rows(split=split, required_columns=()):
        if "commonsense" not in row:
            return None
        value, conflict = row["commonsense"], row.get("commonsense_conflict")
        table[str(row["id"])] = (
            None if _blank(value) else str(value),
            None if _blank(conflict) else bool(conflict),
        )
    return table


def commonsense_metrics(items: str | Path, predictions: str | Path) -> dict[str, Any]:
    """F1, precision, recall and accuracy per commonsense group of a finished run.

    Parameters
    ----------
    items : str or Path
        The themed variant's ``items.parquet`` or ``items.jsonl`` (with the ``commonsense``
        and ``commonsense_conflict`` columns), its folder, or a Hugging Face export config.
    predictions : str or Path
        ``predictions.jsonl`` of an evaluation run on (a subset of) those items.

    Returns
    -------
    dict
        :func:`commonsense_split` of the predictions.

    Raises
    ------
    CommonsenseError
        If the items have no commonsense columns, or a prediction's id is not an item.
    """
    table = read_commonsense(items)
    if table is None:
        raise CommonsenseError(
            f"{items}: the items have no 'commonsense' column; generate a themed variant "
            "(corr2cause generate --names THEME)"
        )
    gold: list[int] = []
    pred: list[int] = []
    values: list[str | None] = []
    conflicts: list[bool | None] = []
    path = Path(predictions)
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise CommonsenseError(f"cannot read {path}: {exc.strerror}") from None
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            item_id, g, p = str(row["id"]), int(row["gold"]), int(row["pred"])
        except (ValueError, KeyError, TypeError) as exc:
            raise DatasetFormatError(path, f"line {number}", f"bad prediction row: {exc}") from None
        if item_id not in table:
            raise CommonsenseError(f"{path}: line {number}: id {item_id!r} is not in {items}")
        value, conflict = table[item_id]
        gold.append(g)
        pred.append(p)
        values.append(value)
        conflicts.append(conflict)
    return commonsense_split(values, conflicts, gold, pred)
