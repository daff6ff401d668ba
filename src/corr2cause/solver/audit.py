"""Audit a labeled file: compare its gold labels with the exact labels, item by item.

The official Corr2Cause release was labeled by a generator with two bugs (SPEC sections 2 and
9), so some gold labels disagree with the definitions. The audit decides every item exactly
and reports:

- the number of items and of **disagreements**, split into *exact valid / gold invalid* and
  *exact invalid / gold valid* (on the official test split: 18 = 15 + 3);
- a breakdown of items and disagreements **by template** (the file's ``template`` column, or
  the wording's official template id) and **by N**;
- the 0-based data-row **indices** of the disagreements;
- how the exact labels score against the gold labels on the valid class (precision, recall,
  F1, accuracy, in percent), which is the ceiling any system can reach on that gold;
- items that cannot be decided (malformed text, inconsistent premise), listed separately.

:func:`write_errata` writes the disagreements as a CSV with both labels and the witness graph
that proves the exact label: for an item that is exactly *invalid*, a member DAG of the class in
which the hypothesis fails; for one that is exactly *valid*, the CPDAG, whose every member
satisfies it.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

from corr2cause.atomic import atomic_writer
from corr2cause.scoring import scores
from corr2cause.solver.errors import SolverError
from corr2cause.solver.explain import format_dag, format_pdag
from corr2cause.solver.records import Record, RecordError, read_records
from corr2cause.solver.solution import Solution, Solver

ERRATA_COLUMNS = (
    "index",
    "line",
    "num_variables",
    "template",
    "relation",
    "x",
    "y",
    "hypothesis",
    "gold",
    "exact",
    "exact3",
    "fraction",
    "holds",
    "members",
    "cpdag",
    "witness_kind",
    "witness",
)
"""Columns of the errata CSV."""


@dataclass(frozen=True)
class Disagreement:
    """One item whose gold label differs from the exact label (one errata row)."""

    index: int
    line: int
    num_variables: int
    template: str
    relation: str
    x: str
    y: str
    hypothesis: str
    gold: int
    exact: int
    exact3: str
    fraction: float
    holds: int
    members: int
    cpdag: str
    witness_kind: str
    witness: str

    @classmethod
    def of(cls, record: Record, sol: Solution, template: str, n: int) -> Disagreement:
        """Build the row for ``record`` decided as ``sol``."""
        rec = sol.reconstruction
        if sol.label:
            kind = f"CPDAG: the relation holds in all {sol.members} member DAG(s)"
            witness = format_pdag(rec.cpdag, rec.names)
        else:
            kind = "member DAG in which the relation fails"
            witness = format_dag(sol.witness_fails or (), rec.names)
        return cls(
            index=record.index,
            line=record.line,
            num_variables=n,
            template=template,
            relation=sol.relation,
            x=sol.x,
            y=sol.y,
            hypothesis=sol.hypothesis,
            gold=int(record.label or 0),
            exact=sol.label,
            exact3=sol.label3,
            fraction=sol.fraction,
            holds=sol.holds,
            members=sol.members,
            cpdag=format_pdag(rec.cpdag, rec.names),
            witness_kind=kind,
            witness=witness,
        )


@dataclass(frozen=True)
class Unsolvable:
    """An item without an exact label, and why."""

    index: int
    line: int
    error: str


@dataclass(frozen=True)
class Tally:
    """Items and disagreements in one group."""

    items: int = 0
    disagreements: int = 0


@dataclass(frozen=True)
class AuditReport:
    """The result of auditing one file (see the module docstring).

    Attributes
    ----------
    source : str
        The file (or a description of the records).
    items : int
        All items, decided or not.
    disagreements : tuple of Disagreement
        In file order.
    unsolvable : tuple of Unsolvable
        Items the solver could not decide.
    by_template, by_n : mapping to Tally
        Decided items and disagreements per template id / per number of variables.
    confusion : mapping
        ``tp``, ``fp``, ``fn``, ``tn`` of the exact labels taken as predictions of the gold.
    """

    source: str
    items: int
    disagreements: tuple[Disagreement, ...]
    unsolvable: tuple[Unsolvable, ...]
    by_template: Mapping[str, Tally]
    by_n: Mapping[int, Tally]
    confusion: Mapping[str, int]

    @property
    def indices(self) -> list[int]:
        """0-based data-row indices of the disagreements."""
        return [d.index for d in self.disagreements]

    @property
    def exact_valid_gold_invalid(self) -> int:
        """Disagreements where the hypothesis is entailed but the gold label is 0."""
        return sum(1 for d in self.disagreements if d.exact == 1)

    @property
    def exact_invalid_gold_valid(self) -> int:
        """Disagreements where the hypothesis is not entailed but the gold label is 1."""
        return sum(1 for d in self.disagreements if d.exact == 0)

    def metrics(self) -> dict[str, float | None]:
        """Exact labels scored against the gold on the valid class, ×100, two decimals.

        The project's one definition (:func:`corr2cause.scoring.scores`), so an audit and an
        evaluation of the exact labels report the same numbers.

        Returns
        -------
        dict
            ``f1``, ``precision``, ``recall``, ``accuracy``; ``None`` where 0/0 (precision
            when no label is exactly valid, recall when no gold label is valid).
        """
        c = self.confusion
        return scores((c["tp"], c["fp"], c["fn"], c["tn"]))

    def to_dict(self) -> dict[str, Any]:
        """One JSON-ready object: counts, indices, breakdowns, metrics and the rows."""
        return {
            "source": self.source,
            "items": self.items,
            "disagreements": len(self.disagreements),
            "exact_valid_gold_invalid": self.exact_valid_gold_invalid,
            "exact_invalid_gold_valid": self.exact_invalid_gold_valid,
            "indices": self.indices,
            "unsolvable": [asdict(u) for u in self.unsolvable],
            "by_template": {k: asdict(v) for k, v in self.by_template.items()},
            "by_n": {str(k): asdict(v) for k, v in self.by_n.items()},
            "metrics": self.metrics(),
            "confusion": dict(self.confusion),
            "rows": [asdict(d) for d in self.disagreements],
        }

    def to_text(self) -> str:
        """A readable report (several lines, no trailing newline)."""
        m = self.metrics()
        lines = [
            f"file: {self.source}",
            f"items: {self.items}",
            f"disagreements: {len(self.disagreements)} (exact valid / gold invalid: "
            f"{self.exact_valid_gold_invalid}; exact invalid / gold valid: "
            f"{self.exact_invalid_gold_valid})",
            f"unsolvable: {len(self.unsolvable)}",
            "exact vs gold, valid class: "
            + "  ".join(
                f"{label} {'n/a' if m[key] is None else format(m[key], '.2f')}"
                for key, label in _METRIC_LABELS.items()
            ),
            "",
            f"{'template':<24}{'items':>8}{'disagree':>10}",
        ]
        lines += [f"{k:<24}{v.items:>8}{v.disagreements:>10}" for k, v in self.by_template.items()]
        lines += ["", f"{'N':<24}{'items':>8}{'disagree':>10}"]
        lines += [f"{k:<24}{v.items:>8}{v.disagreements:>10}" for k, v in self.by_n.items()]
        lines += ["", "indices: " + (", ".join(map(str, self.indices)) or "none")]
        for u in self.unsolvable:
            lines.append(f"unsolvable item {u.index} (line {u.line}): {u.error}")
        return "\n".join(lines)


_METRIC_LABELS = {"f1": "F1", "precision": "P", "recall": "R", "accuracy": "accuracy"}
"""How :meth:`AuditReport.to_text` names the metrics; undefined ones print as ``n/a``."""


def audit_records(
    records: Iterable[Record],
    *,
    source: str = "<records>",
    solver: Solver | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> AuditReport:
    """Audit labeled records.

    Parameters
    ----------
    records : iterable of Record
        Items with gold labels.
    source : str
        Name of the file, for the report.
    solver : Solver, optional
        A solver to reuse (its cache is shared); a fresh one by default.
    progress : callable, optional
        Called as ``progress(done, total)``.

    Returns
    -------
    AuditReport

    Raises
    ------
    RecordError
        If a record has no gold label.
    """
    items = list(records)
    solver = solver if solver is not None else Solver()
    disagreements: list[Disagreement] = []
    unsolvable: list[Unsolvable] = []
    by_template: dict[str, list[int]] = {}
    by_n: dict[int, list[int]] = {}
    confusion = {"tp": 0, "fp": 0, "fn": 0, "tn": 0}
    for k, record in enumerate(items):
        if record.label is None:
            raise RecordError(source, record.line, "the audit needs a gold 'label' on every item")
        try:
            sol = record.solve(solver)
        except SolverError as err:
            unsolvable.append(Unsolvable(record.index, record.line, str(err)))
            continue
        template = record.template or sol.template
        n = record.num_variables if record.num_variables is not None else sol.reconstruction.n
        wrong = sol.label != record.label
        for tally in (by_template.setdefault(template, [0, 0]), by_n.setdefault(n, [0, 0])):
            tally[0] += 1
            tally[1] += wrong
        confusion[("t" if not wrong else "f") + ("p" if sol.label else "n")] += 1
        if wrong:
            disagreements.append(Disagreement.of(record, sol, template, n))
        if progress is not None and k % 256 == 0:
            progress(k, len(items))
    if progress is not None:
        progress(len(items), len(items))
    return AuditReport(
        source=source,
        items=len(items),
        disagreements=tuple(disagreements),
        unsolvable=tuple(unsolvable),
        by_template=MappingProxyType({k: Tally(*v) for k, v in sorted(by_template.items())}),
        by_n=MappingProxyType({k: Tally(*v) for k, v in sorted(by_n.items())}),
        confusion=MappingProxyType(confusion),
    )


def audit_file(
    path: str | os.PathLike[str],
    *,
    solver: Solver | None = None,
    progress: Callable[[int, int], None] | None = None,
    split: str | None = None,
    variant: str | None = None,
) -> AuditReport:
    """Read labeled items from any location and audit them (see :func:`audit_records`).

    ``path`` is anything :func:`corr2cause.dataset.store.open_dataset` accepts; ``split`` and
    ``variant`` select part of a folder (default: every row of the default variant).
    """
    records = read_records(path, split=split, variant=variant)
    return audit_records(records, source=str(path), solver=solver, progress=progress)


def write_errata(report: AuditReport, path: str | os.PathLike[str]) -> None:
    """Write the disagreements as a CSV (:data:`ERRATA_COLUMNS`), atomically.

    Parameters
    ----------
    report : AuditReport
        The audit.
    path : path-like
        Destination file; replaced only once completely written.
    """
    with atomic_writer(Path(path)) as fh:
        writer = csv.DictWriter(fh, fieldnames=ERRATA_COLUMNS, lineterminator="\n")
        writer.writeheader()
        for row in report.disagreements:
            writer.writerow(asdict(row))
