"""Read Corr2Cause items for evaluation from the official CSV format or the project's rich tables.

Two formats are accepted, recognised by the file suffix:

Official CSV (``.csv``)
    Columns ``input,label`` and, in the released files, ``num_variables,template``, where
    ``input = "Premise: {premise}\\nHypothesis: {hypothesis}"`` and ``label`` is 1 for valid.
    Rows get the stable id ``row-{index}-{hash}``: the 0-based data row index plus the first
    8 hex digits of the SHA-256 of the ``input`` text, so an id changes when the row moves *or*
    its text changes.
Rich tables (``.jsonl``, ``.parquet``)
    The columns written by the project's generator (``id``, ``split``, ``num_variables``,
    ``premise``, ``hypothesis``, ``input``, ``template``, ``relation``, ``label``, ``label3``,
    ``variant``, ...). CSV files may carry these columns too.

Missing optional columns are derived: ``premise``/``hypothesis`` from ``input`` (and vice versa),
``num_variables`` from the premise ("closed system of N variables"), ``relation`` from
``template``, and, when neither exists, from the wording of the hypothesis (original and
paraphrased templates) or ``"unknown"``.

Malformed rows raise :class:`DatasetFormatError`, whose message names the file and the line
(CSV, JSONL) or row (Parquet).

The public interface is :func:`read_items` and :class:`EvalItem`.
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from corr2cause.causal.mec_classes import LABEL3_NAMES
from corr2cause.dataset.templates import ORIGINAL_HYPOTHESES, PARAPHRASED_HYPOTHESES
from corr2cause.errors import Corr2CauseError

__all__ = [
    "LABEL3_VALUES",
    "DatasetFormatError",
    "EvalItem",
    "iter_rows",
    "read_items",
    "split_input",
]

LABEL3_VALUES = LABEL3_NAMES
"""Allowed values of the optional 3-class label."""

_PREMISE_PREFIX = "Premise:"
_HYPOTHESIS_MARK = "Hypothesis:"
_N_VARIABLES = re.compile(r"closed system of (\d+) variables")


class DatasetFormatError(Corr2CauseError):
    """A data file that cannot be read as Corr2Cause items.

    Attributes
    ----------
    path : str
        The file.
    where : str
        ``"line 12"`` (CSV, JSONL), ``"row 5"`` (Parquet) or ``""`` for file-level problems.
    """

    def __init__(self, path: str | Path, where: str, message: str) -> None:
        self.path = str(path)
        self.where = where
        location = f"{self.path}:{where}" if where else self.path
        super().__init__(f"{location}: {message}")


@dataclass(frozen=True, slots=True)
class EvalItem:
    """One benchmark item as the evaluation harness sees it.

    Attributes
    ----------
    id : str
        Stable, readable item id.
    premise, hypothesis : str
        The two texts (hypothesis with its final period).
    input : str
        The official model input ``"Premise: ...\\nHypothesis: ..."``.
    label : int
        Gold label, 1 = valid.
    num_variables : int
        Number of variables N of the premise.
    relation : str
        Relation id used for the ``by_relation`` breakdown: the ``relation`` column when
        present, else the official ``template`` column.
    label3 : str or None
        Optional 3-class gold label (entailment / neutral / contradiction).
    variant : str or None
        Optional dataset variant (original, paraphrase, refactor, ...).
    template : str or None
        The official ``template`` column, when present.
    """

    id: str
    premise: str
    hypothesis: str
    input: str
    label: int
    num_variables: int
    relation: str
    label3: str | None = None
    variant: str | None = None
    template: str | None = None


def split_input(text: str) -> tuple[str, str]:
    """Split an official ``input`` string into ``(premise, hypothesis)``.

    Parameters
    ----------
    text : str
        ``"Premise: {premise}\\nHypothesis: {hypothesis}"``; the ``Premise:`` prefix is optional.

    Returns
    -------
    tuple of str

    Raises
    ------
    ValueError
        If the text has no ``Hypothesis:`` part.

    Examples
    --------
    >>> split_input("Premise: A correlates with B.\\nHypothesis: A directly causes B.")
    ('A correlates with B.', 'A directly causes B.')
    """
    cut = text.rfind("\n" + _HYPOTHESIS_MARK)
    if cut < 0:
        cut = text.rfind(_HYPOTHESIS_MARK)
        if cut < 0:
            raise ValueError('input has no "Hypothesis:" part')
        head, tail = text[:cut], text[cut + len(_HYPOTHESIS_MARK) :]
    else:
        head, tail = text[:cut], text[cut + 1 + len(_HYPOTHESIS_MARK) :]
    head = head.strip()
    if head.startswith(_PREMISE_PREFIX):
        head = head[len(_PREMISE_PREFIX) :].strip()
    return head, tail.strip()


def _join_input(premise: str, hypothesis: str) -> str:
    return f"Premise: {premise}\n{_HYPOTHESIS_MARK} {hypothesis}"


_NAMES = re.compile(r"closed system of \d+ variables, (.+?)\. All the statistical")
_NAME = r"[A-Za-z]\w*"


@lru_cache(maxsize=1)
def _hypothesis_patterns() -> tuple[tuple[re.Pattern[str], str], ...]:
    """Regexes recognising every original and paraphrased hypothesis sentence."""
    patterns: list[tuple[re.Pattern[str], str]] = []
    for table in (ORIGINAL_HYPOTHESES, PARAPHRASED_HYPOTHESES):
        for relation, forms in table.items():
            for form in forms:
                pieces = re.split(r"(\{[ij]\})", form)
                rx = "".join(
                    f"(?P<{p[1]}>{_NAME})" if p in ("{i}", "{j}") else re.escape(p) for p in pieces
                )
                patterns.append((re.compile(f"^{rx}$"), relation))
    return tuple(patterns)


def _infer_relation(premise: str, hypothesis: str) -> str:
    """The relation a hypothesis sentence states, or ``"unknown"``.

    Templates are written for the pair ``i < j`` in variable-index order, which is the order
    the premise lists the names in (``A, B and C``; ``Z, Y and X`` after refactorization).
    """
    match = _NAMES.search(premise)
    order: dict[str, int] = {}
    if match is not None:
        names = re.split(r", | and ", match.group(1))
        order = {name: k for k, name in enumerate(names)}
    for pattern, relation in _hypothesis_patterns():
        found = pattern.match(hypothesis)
        if found is None:
            continue
        i, j = found.group("i"), found.group("j")
        if i not in order or j not in order or order[i] < order[j]:
            return relation
    return "unknown"


def _parse_label(value: Any) -> int:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int) and value in (0, 1):
        return value
    if isinstance(value, float) and value in (0.0, 1.0):
        return int(value)
    if isinstance(value, str) and value.strip() in ("0", "1"):
        return int(value.strip())
    raise ValueError(f"bad label {value!r} (expected 0 or 1)")


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and value.strip() == "")


def _make_item(row: Mapping[str, Any], index: int, default_variant: str | None) -> EvalItem:
    """Build one item from a row mapping; raises ValueError with a short reason."""
    if "label" not in row:
        raise ValueError("missing column 'label'")
    label = _parse_label(row["label"])
    text = row.get("input")
    premise, hypothesis = row.get("premise"), row.get("hypothesis")
    if _blank(text):
        if _blank(premise) or _blank(hypothesis):
            raise ValueError("missing column 'input' (or 'premise' and 'hypothesis')")
        text = _join_input(str(premise), str(hypothesis))
    text = str(text)
    if _blank(premise) or _blank(hypothesis):
        premise, hypothesis = split_input(text)
    elif _HYPOTHESIS_MARK not in text:
        raise ValueError('input has no "Hypothesis:" part')
    premise, hypothesis = str(premise), str(hypothesis)

    n_raw = row.get("num_variables")
    if _blank(n_raw):
        match = _N_VARIABLES.search(premise)
        if match is None:
            raise ValueError("missing column 'num_variables' and the premise does not state N")
        num_variables = int(match.group(1))
    else:
        try:
            num_variables = int(str(n_raw).strip()) if not isinstance(n_raw, int) else n_raw
        except ValueError:
            raise ValueError(f"bad num_variables {n_raw!r}") from None

    template = None if _blank(row.get("template")) else str(row["template"])
    relation_raw = row.get("relation")
    if not _blank(relation_raw):
        relation = str(relation_raw)
    elif template is not None:
        relation = template
    else:
        relation = _infer_relation(premise, hypothesis)

    label3_raw = row.get("label3")
    label3 = None if _blank(label3_raw) else str(label3_raw)
    if label3 is not None and label3 not in LABEL3_VALUES:
        raise ValueError(f"bad label3 {label3!r} (expected one of {', '.join(LABEL3_VALUES)})")
    variant = default_variant if _blank(row.get("variant")) else str(row["variant"])

    item_id = row.get("id")
    if _blank(item_id):
        digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:8]
        item_id = f"row-{index}-{digest}"
    return EvalItem(
        id=str(item_id),
        premise=premise,
        hypothesis=hypothesis,
        input=text,
        label=label,
        num_variables=num_variables,
        relation=relation,
        label3=label3,
        variant=variant,
        template=template,
    )


def _csv_rows(path: Path) -> Iterator[tuple[str, dict[str, Any]]]:
    with path.open(newline="", encoding="utf-8-sig") as fh:
        reader = csv.DictReader(fh)
        if reader.fieldnames is None:
            raise DatasetFormatError(path, "", "empty file (no header)")
        missing = [c for c in ("label",) if c not in reader.fieldnames]
        if "input" not in reader.fieldnames and not {"premise", "hypothesis"} <= set(
            reader.fieldnames
        ):
            missing.insert(0, "input")
        if missing:
            raise DatasetFormatError(
                path, "line 1", f"missing column(s) {', '.join(map(repr, missing))}"
            )
        start = reader.line_num + 1
        try:
            for row in reader:
                if None in row:
                    raise DatasetFormatError(path, f"line {start}", "more fields than the header")
                yield f"line {start}", row
                start = reader.line_num + 1
        except csv.Error as exc:
            raise DatasetFormatError(path, f"line {start}", f"malformed CSV: {exc}") from None


def _jsonl_rows(path: Path) -> Iterator[tuple[str, dict[str, Any]]]:
    with path.open(encoding="utf-8") as fh:
        for number, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                raise DatasetFormatError(path, f"line {number}", f"invalid JSON: {exc}") from None
            if not isinstance(row, dict):
                raise DatasetFormatError(path, f"line {number}", "expected a JSON object")
            yield f"line {number}", row


def _parquet_rows(path: Path) -> Iterator[tuple[str, dict[str, Any]]]:
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(path)
    except Exception as exc:  # pyarrow raises several types for unreadable files
        raise DatasetFormatError(path, "", f"cannot read Parquet: {exc}") from None
    for number, row in enumerate(table.to_pylist()):
        yield f"row {number}", row


def _normalized_rows(path: Path, split: str | None) -> Iterator[tuple[str, dict[str, Any]]]:
    """Rows of a normalized variant folder (``items/`` + ``premises/`` part files).

    The split filter is pushed down to Arrow, so reading the test split of N = 7 (9.7 million
    items) touches only the matching rows.
    """
    import pyarrow.compute as pc
    import pyarrow.dataset as ds

    try:
        flt = pc.field("split") == split if split is not None else None
        items = ds.dataset(path / "items", format="parquet").to_table(filter=flt)
        premises = ds.dataset(path / "premises", format="parquet").to_table(
            columns=["mec_id", "premise"], filter=flt
        )
    except Exception as exc:  # pyarrow raises several types for unreadable files
        raise DatasetFormatError(path, "", f"cannot read the normalized layout: {exc}") from None
    premise_of = dict(
        zip(
            premises.column("mec_id").to_pylist(),
            premises.column("premise").to_pylist(),
            strict=True,
        )
    )
    for number, row in enumerate(items.to_pylist()):
        premise = premise_of.get(row["mec_id"])
        if premise is None:
            raise DatasetFormatError(path, f"item row {number}", f"no premise for {row['mec_id']}")
        row["premise"] = premise
        yield f"item row {number}", row


_READERS = {
    ".csv": _csv_rows,
    ".jsonl": _jsonl_rows,
    ".ndjson": _jsonl_rows,
    ".parquet": _parquet_rows,
}


def iter_rows(path: Path) -> Iterable[tuple[str, dict[str, Any]]]:
    """Rows of a CSV, JSONL or Parquet file as ``(where, row)``, ``where`` naming the line/row.

    Malformed files raise :class:`DatasetFormatError` naming the file and the line or row.
    """
    suffix = path.suffix.lower()
    reader = _READERS.get(suffix)
    if reader is None:
        raise DatasetFormatError(
            path, "", f"unknown file type {suffix!r}; expected one of {', '.join(_READERS)}"
        )
    return reader(path)


def read_items(path: str | Path, *, split: str | None = None) -> list[EvalItem]:
    """Read evaluation items from an official CSV or a rich table.

    Parameters
    ----------
    path : str or Path
        A ``.csv``, ``.jsonl`` or ``.parquet`` file, or a variant folder of the normalized
        layout (``items/`` and ``premises/`` part files, as generated for N >= 7).
    split : str, optional
        Keep only rows whose ``split`` column equals this value (``train``, ``dev``, ``test``).
        Requires a ``split`` column.

    Returns
    -------
    list of EvalItem
        In file order.

    Raises
    ------
    FileNotFoundError
        If the file does not exist.
    DatasetFormatError
        On a malformed file or row (missing column, bad label, ``input`` without
        ``Hypothesis:``, duplicate id, ...); the message names the file and line or row.

    Examples
    --------
    >>> items = read_items("official_test.csv")  # doctest: +SKIP
    >>> items[0].id, items[0].relation, items[0].label  # doctest: +SKIP
    ('row-0-5d0f1c2a', 'has_collider', 0)
    """
    path = Path(path)
    normalized = path.is_dir() and (path / "items").is_dir() and (path / "premises").is_dir()
    if not path.is_file() and not normalized:
        raise FileNotFoundError(f"{path}: no such file (nor a normalized variant folder)")
    rows = _normalized_rows(path, split) if normalized else iter_rows(path)
    items: list[EvalItem] = []
    seen: dict[str, str] = {}
    saw_split_column = False
    default_variant = None
    index = 0
    for where, row in rows:
        if "split" in row:
            saw_split_column = True
        if split is not None and "split" in row and row["split"] != split:
            index += 1
            continue
        try:
            item = _make_item(row, index, default_variant)
        except ValueError as exc:
            raise DatasetFormatError(path, where, str(exc)) from None
        index += 1
        if item.id in seen:
            raise DatasetFormatError(
                path, where, f"duplicate id {item.id!r} (first at {seen[item.id]})"
            )
        seen[item.id] = where
        items.append(item)
    if split is not None and not saw_split_column and index > 0:
        raise DatasetFormatError(
            path, "", f"cannot select split {split!r}: the file has no 'split' column"
        )
    return items
