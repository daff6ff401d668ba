"""The items the solver reads, from any location the dataset store knows.

:func:`read_records` reads an official-format CSV, a JSONL file, a Parquet table, a generated
folder (flat or normalized), a variant folder or a Hugging Face export, through
:func:`corr2cause.dataset.store.open_dataset` and the project's one row reader
(:mod:`corr2cause.dataset.readers`), so BOM, CRLF, huge fields, label spellings and error
messages follow the same rules as every other command.

Records differ from evaluation items in one way: the gold label is optional (the solver
needs none), and an item's text is not checked here — problems with it are left to the solver,
so one bad item does not stop a run. Records keep their 0-based data-row ``index`` (what the
audit reports) and the 1-based ``line`` where they start (what error messages name).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from corr2cause.dataset.readers import DatasetFormatError, item_texts, parse_label
from corr2cause.dataset.store import StoreError, open_dataset
from corr2cause.errors import quote
from corr2cause.solver.solution import Solution, Solver


class RecordError(DatasetFormatError):
    """An item file the solver cannot read; the message starts with ``path:line N:``."""

    def __init__(self, path: str | Path, where: int | str | None, message: str) -> None:
        if isinstance(where, int):
            where = f"line {where}"
        super().__init__(path, where or "", message)


@dataclass(frozen=True)
class Record:
    """One item of an input file.

    Attributes
    ----------
    index : int
        0-based position among the file's data rows.
    line : int
        1-based line of the file where the item starts.
    input : str or None
        The official ``"Premise: ...\\nHypothesis: ..."`` text, when given in that form.
    premise, hypothesis : str or None
        The two texts, when given separately.
    label : int or None
        Gold binary label, if the file has one.
    template : str or None
        The file's ``template`` column, if any.
    num_variables : int or None
        The file's ``num_variables`` column, if any.
    id : str or None
        The file's ``id`` column, if any.
    """

    index: int
    line: int
    input: str | None = None
    premise: str | None = None
    hypothesis: str | None = None
    label: int | None = None
    template: str | None = None
    num_variables: int | None = None
    id: str | None = None

    def solve(self, solver: Solver) -> Solution:
        """Decide this item with ``solver`` (raises :class:`~corr2cause.solver.SolverError`)."""
        if self.input is not None:
            return solver.solve_input(self.input)
        return solver.solve(self.premise or "", self.hypothesis or "")


def _record(fields: Mapping[str, Any], index: int, where: str) -> Record:
    text, premise, hypothesis = item_texts(fields)
    template = fields.get("template")
    ident = fields.get("id")
    n = fields.get("num_variables")
    if n is not None and n != "":
        try:
            n = int(n)
        except (TypeError, ValueError):
            raise ValueError(f"num_variables must be an integer, got {quote(n)}") from None
    digits = where.rsplit(" ", 1)[-1]
    line = int(digits) if digits.isdigit() else index + 1
    return Record(
        index=index,
        line=line,
        input=text,
        premise=premise if text is None else None,
        hypothesis=hypothesis if text is None else None,
        label=parse_label(fields.get("label"), required=False),
        template=str(template) if template not in (None, "") else None,
        num_variables=n if n not in (None, "") else None,
        id=str(ident) if ident not in (None, "") else None,
    )


def read_records(
    path: str | os.PathLike[str], *, split: str | None = None, variant: str | None = None
) -> list[Record]:
    """Read the items of any Corr2Cause location for the solver.

    Parameters
    ----------
    path : path-like
        An item file (CSV, JSONL, Parquet) or any folder that
        :func:`~corr2cause.dataset.store.open_dataset` accepts.
    split, variant : str, optional
        As in :meth:`corr2cause.dataset.store.Dataset.items` (folders default to ``test``).

    Returns
    -------
    list of Record

    Raises
    ------
    RecordError
        If the file is missing, not UTF-8, lacks the needed columns, or has a malformed row;
        the message names the file and line.
    """
    try:
        dataset = open_dataset(path)
    except StoreError as exc:
        raise RecordError(Path(path), None, str(exc).removeprefix(f"{Path(path)}: ")) from None
    out: list[Record] = []
    try:
        for file, where, row in dataset.rows(variant=variant, split=split):
            try:
                out.append(_record(row, len(out), where))
            except ValueError as exc:
                raise DatasetFormatError(file, where, str(exc)) from None
    except DatasetFormatError as exc:
        raise RecordError(exc.path, exc.where or None, exc.reason) from None
    if not out:
        raise RecordError(Path(path), None, "no items (no data rows)")
    first: dict[str, int | None] = {}
    for rec in out:
        if rec.id is not None and rec.id in first:
            raise RecordError(Path(path), rec.line, f"duplicate id {quote(rec.id)}")
        if rec.id is not None:
            first[rec.id] = rec.line
    return out


def prediction(record: Record, solver: Solver, *, explain: bool = False) -> dict[str, Any]:
    """The prediction record ``corr2cause solve`` writes for one item (one JSON line).

    ``index`` and ``line`` locate the item, ``id`` and ``gold`` are copied when the file has
    them, then come the fields of :meth:`~corr2cause.solver.Solution.to_dict` (label,
    label3, fraction, relation, CPDAG, witness graphs) and, with ``explain``, the readable
    explanation and the gold PC ``rationale`` (:mod:`corr2cause.solver.rationale`). An item
    the solver cannot decide gets ``error`` and ``error_type`` instead.
    """
    from corr2cause.solver.errors import SolverError

    head: dict[str, Any] = {"index": record.index, "line": record.line}
    if record.id is not None:
        head["id"] = record.id
    if record.label is not None:
        head["gold"] = record.label
    try:
        sol = record.solve(solver)
    except SolverError as err:
        return head | {"error": str(err), "error_type": type(err).__name__}
    out = head | sol.to_dict()
    if explain:
        from corr2cause.solver.rationale import solution_rationale

        out["explanation"] = sol.explanation()
        out["rationale"] = solution_rationale(sol).text
    return out
