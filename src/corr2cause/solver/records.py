"""Item files the solver reads (official CSV, JSONL) and the files it writes (atomically).

Input formats, recognised by suffix (``.csv``; ``.jsonl``, ``.ndjson`` or ``.json``), or by the
first character when the suffix is unknown (``{`` means JSONL):

Official CSV
    Columns ``input,label,num_variables,template`` with
    ``input = "Premise: {premise}\\nHypothesis: {hypothesis}"`` (SPEC section 6). Files with
    ``premise`` and ``hypothesis`` columns instead of ``input`` are read too.
JSONL
    One JSON object per line with ``input``, or ``premise`` and ``hypothesis``; optional
    ``label``, ``template``, ``num_variables`` and ``id``.

Records keep their 0-based data-row ``index`` (what the audit reports) and the 1-based ``line``
where they start (what error messages name). Problems with the file itself raise
:class:`RecordError`; problems with an item's text are left to the solver, so one bad item does
not stop a run.

Output files are written through :func:`corr2cause.atomic.atomic_writer`: a temporary file in
the destination folder, moved into place only when writing succeeded.
"""

from __future__ import annotations

import csv
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from corr2cause.errors import Corr2CauseError
from corr2cause.solver.solution import Solution, Solver

JSONL_SUFFIXES = (".jsonl", ".ndjson", ".json")


class RecordError(Corr2CauseError):
    """An item file that cannot be read; the message starts with ``path:line:``."""

    def __init__(self, path: str | Path, line: int | None, message: str) -> None:
        self.path = str(path)
        self.line = line
        where = f"{self.path}:{line}" if line is not None else self.path
        super().__init__(f"{where}: {message}")


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


def _label(value: Any, path: Path, line: int) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int) and value in (0, 1):
        return value
    if isinstance(value, str) and value.strip().lower() in ("0", "1", "true", "false"):
        return int(value.strip().lower() in ("1", "true"))
    raise RecordError(path, line, f"label must be 0 or 1, got {value!r}")


def _num_variables(value: Any, path: Path, line: int) -> int | None:
    if value is None or value == "":
        return None
    try:
        n = int(value)
    except (TypeError, ValueError):
        raise RecordError(path, line, f"num_variables must be an integer, got {value!r}") from None
    return n


def _text(value: Any, column: str, path: Path, line: int) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise RecordError(path, line, f"{column} must be a string, got {type(value).__name__}")
    return value


def _record(fields: Mapping[str, Any], index: int, path: Path, line: int) -> Record:
    text = _text(fields.get("input"), "input", path, line)
    premise = _text(fields.get("premise"), "premise", path, line)
    hypothesis = _text(fields.get("hypothesis"), "hypothesis", path, line)
    if text is None and (premise is None or hypothesis is None):
        raise RecordError(path, line, "an item needs 'input', or 'premise' and 'hypothesis'")
    template = fields.get("template")
    ident = fields.get("id")
    return Record(
        index=index,
        line=line,
        input=text,
        premise=premise if text is None else None,
        hypothesis=hypothesis if text is None else None,
        label=_label(fields.get("label"), path, line),
        template=str(template) if template not in (None, "") else None,
        num_variables=_num_variables(fields.get("num_variables"), path, line),
        id=str(ident) if ident not in (None, "") else None,
    )


def _is_jsonl(path: Path) -> bool:
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return False
    if suffix in JSONL_SUFFIXES:
        return True
    with path.open(encoding="utf-8", errors="replace") as fh:
        head = fh.read(4096).lstrip()
    return head.startswith("{")


def read_records(path: str | os.PathLike[str]) -> list[Record]:
    """Read the items of an official-format CSV or a JSONL file.

    Parameters
    ----------
    path : path-like
        The file.

    Returns
    -------
    list of Record

    Raises
    ------
    RecordError
        If the file is missing, not UTF-8, lacks the needed columns, or has a malformed row;
        the message names the file and line.
    """
    p = Path(path)
    if not p.is_file():
        raise RecordError(p, None, "no such file")
    try:
        return _read_jsonl(p) if _is_jsonl(p) else _read_csv(p)
    except UnicodeDecodeError as err:
        raise RecordError(p, None, f"not UTF-8 text ({err.reason})") from None


def _read_csv(path: Path) -> list[Record]:
    out: list[Record] = []
    with path.open(newline="", encoding="utf-8") as fh:
        reader = csv.reader(fh)
        try:
            header = next(reader, None)
            if header is None:
                raise RecordError(path, 1, "empty file (expected a header row)")
            header = [h.strip() for h in header]
            if "input" not in header and not {"premise", "hypothesis"} <= set(header):
                raise RecordError(
                    path, 1, "the header needs an 'input' column, or 'premise' and 'hypothesis'"
                )
            start = reader.line_num + 1
            for row in reader:
                if not row or all(not cell.strip() for cell in row):
                    start = reader.line_num + 1
                    continue
                if len(row) != len(header):
                    raise RecordError(
                        path, start, f"expected {len(header)} fields, found {len(row)}"
                    )
                out.append(_record(dict(zip(header, row, strict=True)), len(out), path, start))
                start = reader.line_num + 1
        except csv.Error as err:
            raise RecordError(path, reader.line_num, f"malformed CSV ({err})") from None
    return out


def _read_jsonl(path: Path) -> list[Record]:
    out: list[Record] = []
    with path.open(encoding="utf-8") as fh:
        for number, raw in enumerate(fh, start=1):
            if not raw.strip():
                continue
            try:
                obj = json.loads(raw)
            except json.JSONDecodeError as err:
                raise RecordError(path, number, f"invalid JSON ({err.msg})") from None
            if not isinstance(obj, dict):
                raise RecordError(path, number, "each line must be a JSON object")
            out.append(_record(obj, len(out), path, number))
    return out
