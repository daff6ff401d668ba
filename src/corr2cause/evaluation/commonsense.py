"""Scores on commonsense-aligned vs conflicting items of a themed variant.

A themed variant (``names-medicine``, ...; :mod:`corr2cause.dataset.themes`) marks each item
whose pair of names carries a known real-world causal link: ``commonsense`` says whether the
hypothesis *agrees* with the link, *contradicts* it, or is *unrelated* (collider, confounder),
and ``commonsense_conflict`` whether answering from world knowledge alone gets the item wrong
(the premise says the opposite of what the world says, as in CLadder's anti-commonsense
stories). A model that reasons from the stated correlations scores the same on ``aligned``
and ``conflicting`` items; one that recalls what it knows about smoking and lung cancer
scores high on the first and low on the second.

:func:`commonsense_metrics` joins a run's ``predictions.jsonl`` with the items table by id.

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

from corr2cause.dataset.readers import DatasetFormatError, iter_rows
from corr2cause.errors import Corr2CauseError
from corr2cause.evaluation.metrics import confusion_counts, scores

__all__ = ["CommonsenseError", "commonsense_groups", "commonsense_metrics"]

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


def commonsense_metrics(items: str | Path, predictions: str | Path) -> dict[str, Any]:
    """F1, precision, recall and accuracy per commonsense group.

    Parameters
    ----------
    items : str or Path
        The themed variant's ``items.parquet`` or ``items.jsonl`` (with the ``commonsense``
        and ``commonsense_conflict`` columns).
    predictions : str or Path
        ``predictions.jsonl`` of an evaluation run on (a subset of) those items.

    Returns
    -------
    dict
        ``{group: {"n", "f1", "precision", "recall", "accuracy"}}`` for every group of
        :data:`GROUPS` (scores ``None`` for an empty group), plus ``"f1_gap"``: aligned F1
        minus conflicting F1.

    Raises
    ------
    CommonsenseError
        If the items have no commonsense columns, or a prediction's id is not an item.
    """
    table: dict[str, tuple[str | None, bool | None]] = {}
    for where, row in iter_rows(Path(items)):
        if "commonsense" not in row:
            raise CommonsenseError(
                f"{items}: {where} has no 'commonsense' column; generate a themed variant "
                "(corr2cause generate --names THEME)"
            )
        table[str(row["id"])] = (row["commonsense"], row.get("commonsense_conflict"))
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
    report: dict[str, Any] = {}
    for group, positions in commonsense_groups(values, conflicts).items():
        if positions:
            counts = confusion_counts([gold[k] for k in positions], [pred[k] for k in positions])
            report[group] = {"n": len(positions), **scores(counts)}
        else:
            report[group] = {
                "n": 0,
                "f1": None,
                "precision": None,
                "recall": None,
                "accuracy": None,
            }
    a, c = report["aligned"]["f1"], report["conflicting"]["f1"]
    report["f1_gap"] = round(a - c, 2) if a is not None and c is not None else None
    return report
