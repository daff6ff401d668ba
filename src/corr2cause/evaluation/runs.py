"""Finished evaluation runs on disk: ``metrics.json``, ``run.json`` and ``predictions.jsonl``.

:func:`~corr2cause.evaluation.evaluate` writes a run directory; this module reads one back
for reports (:mod:`corr2cause.evaluation.report`) and paired comparisons
(:mod:`corr2cause.evaluation.compare`). The public interface is :class:`Run`,
:func:`load_run`, :func:`unique_labels`, :func:`premise_key` and :class:`RunError`.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from corr2cause.errors import Corr2CauseError

__all__ = ["Run", "RunError", "load_run", "premise_key", "unique_labels"]


def premise_key(premise: str) -> str:
    """Short stable cluster key of a premise: 12 hex digits of its SHA-256.

    Predictions carry it as ``premise_id`` so that paired comparisons can resample whole
    premises without the item file.

    Examples
    --------
    >>> premise_key("Suppose there is a closed system of 2 variables, A and B.")
    '0d068cbe1116'
    """
    return hashlib.sha256(premise.encode("utf-8")).hexdigest()[:12]


class RunError(Corr2CauseError):
    """A run directory that cannot be read (the message names it)."""


@dataclass(frozen=True)
class Run:
    """One run directory's results.

    Attributes
    ----------
    label : str
        Short unique name in a report (the directory name, made unique).
    path : Path
        The run directory.
    metrics : dict
        Content of ``metrics.json``.
    manifest : dict
        Content of ``run.json`` (empty when absent).
    """

    label: str
    path: Path
    metrics: dict[str, Any]
    manifest: dict[str, Any]
    _records: list[list[dict[str, Any]]] = field(default_factory=list, repr=False, compare=False)

    @property
    def backend(self) -> str:
        """The backend spec (``oracle``, ``openai:MODEL`` ...)."""
        return str(self.metrics.get("run", {}).get("backend", "?"))

    @property
    def prompt(self) -> str:
        """The prompt id, or ``-`` for backends that read no prompt."""
        return str(self.metrics.get("run", {}).get("prompt") or "-")

    @property
    def data_key(self) -> tuple[Any, Any]:
        """``(data_sha256, split)`` of the evaluated data (``None`` where unrecorded)."""
        info = self.metrics.get("run", {})
        return info.get("data_sha256") or self.manifest.get("data_sha256"), info.get("split")

    def records(self) -> list[dict[str, Any]]:
        """The rows of ``predictions.jsonl`` (read once, then kept).

        Raises
        ------
        RunError
            If the file is missing or a line is not a JSON object with ``id``, ``gold`` and
            ``pred``.
        """
        if not self._records:
            self._records.append(_read_predictions(self.path / "predictions.jsonl"))
        return self._records[0]


def _read_predictions(path: Path) -> list[dict[str, Any]]:
    if not path.is_file():
        raise RunError(f"{path}: missing (the run directory has no predictions)")
    rows: list[dict[str, Any]] = []
    with path.open(encoding="utf-8") as fh:
        for number, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                raise RunError(f"{path}, line {number}: not JSON: {exc}") from None
            if not isinstance(row, dict) or not {"id", "gold", "pred"} <= row.keys():
                raise RunError(f"{path}, line {number}: a prediction needs id, gold and pred")
            rows.append(row)
    return rows


def load_run(path: str | Path, label: str | None = None) -> Run:
    """Read a run directory written by :func:`~corr2cause.evaluation.evaluate`.

    Raises
    ------
    RunError
        If ``metrics.json`` is missing or unreadable.
    """
    path = Path(path)
    metrics_path = path / "metrics.json"
    if not metrics_path.is_file():
        raise RunError(f"{path}: no metrics.json (not a finished evaluation run)")
    try:
        metrics = json.loads(metrics_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:  # unreadable, not UTF-8, not JSON
        raise RunError(f"{metrics_path}: cannot read: {exc}"[:500]) from None
    if not isinstance(metrics, dict) or "f1" not in metrics:
        raise RunError(f"{metrics_path}: not a metrics file (no 'f1')")
    manifest: dict[str, Any] = {}
    manifest_path = path / "run.json"
    if manifest_path.is_file():
        try:
            manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            manifest = {}
    return Run(label or path.resolve().name, path, metrics, manifest)


def unique_labels(paths: Sequence[Path]) -> list[str]:
    """Short distinct labels for run directories (the name, with its parent when needed)."""
    labels = [p.resolve().name for p in paths]
    for k, path in enumerate(paths):
        if labels.count(labels[k]) > 1:
            parts = path.resolve().parts
            labels[k] = "/".join(parts[-2:]) if len(parts) > 1 else labels[k]
    seen: dict[str, int] = {}
    out = []
    for label in labels:
        seen[label] = seen.get(label, 0) + 1
        out.append(label if seen[label] == 1 else f"{label} ({seen[label]})")
    return out
