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

This is the one row reader of the project: every command reads item files through
:func:`iter_rows`, with one set of rules: a UTF-8 byte-order mark is dropped, CRLF line ends
are accepted, CSV fields have no size limit (a sampled N = 9 premise is longer than Python's
default 131,072 characters), labels are ``0``/``1`` (or ``true``/``false``, in any case),
items come as ``input`` or as ``premise`` + ``hypothesis``, and every problem raises
:class:`DatasetFormatError` naming the file and the line (CSV, JSONL) or row (Parquet).

Folders (generated roots, variant folders, Hugging Face exports) are the business of
:mod:`corr2cause.dataset.store`, whose :func:`~corr2cause.dataset.store.read_items` reads
items from any location. The public interface here is :func:`iter_rows`, :func:`make_item`,
:func:`parse_label`, :func:`split_input` and :class:`EvalItem`.
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from corr2cause.causal.mec_classes import LABEL3_NAMES
from corr2cause.dataset.templates import ORIGINAL_HYPOTHESES, PARAPHRASED_HYPOTHESES
from corr2cause.errors import Corr2CauseError, quote

__all__ = [
    "LABEL3_VALUES",
    "DatasetFormatError",
    "EvalItem",
    "iter_rows",
    "make_item",
    "parse_label",
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
        self.reason = message
        location = f"{self.path}:{where}" if where else self.path
        super().__init__(f"{location}: {message}")

    @property
    def line(self) -> int | None:
        """The 1-based line (or 0-based row) number named by :attr:`where`, if any."""
        digits = re.search(r"(\d+)$", self.where)
        return int(digits.group(1)) if digits else None


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


_LABEL_SPELLINGS = {"0": 0, "1": 1, "false": 0, "true": 1}


def parse_label(value: Any, *, required: bool = True) -> int | None:
    """A binary gold label from a cell: ``0``/``1``, ``true``/``false`` (any case), a bool.

    A blank cell is ``None`` when ``required`` is false and an error otherwise.

    Raises
    ------
    ValueError
        With a short reason, for anything else (``2``, ``"yes"``, ...).

    Examples
    --------
    >>> parse_label("1"), parse_label(" TRUE "), parse_label(0.0), parse_label("", required=False)
    (1, 1, 0, None)
    """
    if _blank(value):
        if required:
            raise ValueError("missing label (expected 0 or 1)")
        return None
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int) and value in (0, 1):
        return value
    if isinstance(value, float) and value in (0.0, 1.0):
        return int(value)
    if isinstance(value, str) and value.strip().lower() in _LABEL_SPELLINGS:
        return _LABEL_SPELLINGS[value.strip().lower()]
    raise ValueError(f"bad label {quote(value)} (expected 0 or 1)")


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and value.strip() == "")


def item_texts(row: Mapping[str, Any]) -> tuple[str | None, str | None, str | None]:
    """The ``(input, premise, hypothesis)`` cells of a row; blanks are ``None``.

    Raises
    ------
    ValueError
        If a text cell is not a string, or the row has neither ``input`` nor both
        ``premise`` and ``hypothesis``.
    """
    cells: list[str | None] = []
    for column in ("input", "premise", "hypothesis"):
        value = row.get(column)
        if value is not None and not isinstance(value, str):
            raise ValueError(f"{column} must be a string, got {type(value).__name__}")
        cells.append(None if _blank(value) else value)
    text, premise, hypothesis = cells
    if text is None and (premise is None or hypothesis is None):
        raise ValueError("missing column 'input' (or 'premise' and 'hypothesis')")
    return text, premise, hypothesis


def make_item(row: Mapping[str, Any], index: int, default_variant: str | None = None) -> EvalItem:
    """Build one evaluation item from a row; raises ``ValueError`` with a short reason.

    ``index`` is the row's 0-based position, used in the derived id ``row-{index}-{hash}``
    when the row has no ``id``.
    """
    if "label" not in row:
        raise ValueError("missing column 'label'")
    label = parse_label(row["label"])
    assert label is not None
    text, premise, hypothesis = item_texts(row)
    if text is None:
        assert premise is not None and hypothesis is not None
        text = _join_input(premise, hypothesis)
    if premise is None or hypothesis is None:
        premise, hypothesis = split_input(text)
    elif _HYPOTHESIS_MARK not in text:
        raise ValueError('input has no "Hypothesis:" part')

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
            raise ValueError(f"bad num_variables {quote(n_raw)}") from None

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
        raise ValueError(f"bad label3 {quote(label3)} (expected one of {', '.join(LABEL3_VALUES)})")
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


_NOT_UTF8 = "not UTF-8 text"


def _csv_rows(path: Path, required: tuple[str, ...]) -> Iterator[tuple[str, dict[str, Any]]]:
    if csv.field_size_limit() < sys.maxsize:
        csv.field_size_limit(sys.maxsize)  # premises of sampled large N exceed 131,072 chars
    with path.open(newline="", encoding="utf-8-sig") as fh:
        reader = csv.reader(fh)
        try:
            header = next(reader, None)
        except csv.Error as exc:
            raise DatasetFormatError(path, "line 1", f"malformed CSV: {exc}") from None
        if header is None:
            raise DatasetFormatError(path, "line 1", "empty file (no header)")
        header = [h.strip() for h in header]
        missing = [c for c in required if c not in header and c != "input"]
        if (
            "input" in required
            and "input" not in header
            and not {"premise", "hypothesis"} <= set(header)
        ):
            missing.insert(0, "input")
        if missing:
            raise DatasetFormatError(
                path, "line 1", f"missing column(s) {', '.join(map(repr, missing))}"
            )
        start = reader.line_num + 1
        try:
            for cells in reader:
                if not cells or all(not cell.strip() for cell in cells):
                    start = reader.line_num + 1
                    continue
                if len(cells) != len(header):
                    extra = "more" if len(cells) > len(header) else "fewer"
                    raise DatasetFormatError(
                        path,
                        f"line {start}",
                        f"expected {len(header)} fields, found {len(cells)} "
                        f"({extra} fields than the header)",
                    )
                # a file saved with CRLF line ends has them inside quoted fields too
                cells = [c.replace("\r\n", "\n") if "\r" in c else c for c in cells]
                yield f"line {start}", dict(zip(header, cells, strict=True))
                start = reader.line_num + 1
        except csv.Error as exc:
            raise DatasetFormatError(path, f"line {start}", f"malformed CSV: {exc}") from None


def _jsonl_rows(path: Path, required: tuple[str, ...]) -> Iterator[tuple[str, dict[str, Any]]]:
    with path.open(encoding="utf-8-sig") as fh:
        for number, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                raise DatasetFormatError(path, f"line {number}", f"invalid JSON: {exc}") from None
            if not isinstance(row, dict):
                raise DatasetFormatError(path, f"line {number}", "each line must be a JSON object")
            yield f"line {number}", row


def _parquet_rows(
    path: Path, required: tuple[str, ...], keep_split: Callable[[Any], bool] | None = None
) -> Iterator[tuple[str, dict[str, Any]]]:
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    try:
        parquet = pq.ParquetFile(path)
        label3_names = _class_names(parquet.schema_arrow, "label3")
        number = 0
        for batch in parquet.iter_batches(batch_size=50_000):
            if keep_split is None:
                rows: Iterable[tuple[int, dict[str, Any]]] = enumerate(batch.to_pylist(), number)
            else:
                # select the split before converting rows to Python: most rows are dropped
                split = batch.column("split")
                if pa.types.is_dictionary(split.type):
                    split = split.dictionary_decode()
                values = pc.unique(split).to_pylist()
                kept = pa.array([v for v in values if keep_split(v)], split.type)
                at = pc.indices_nonzero(pc.fill_null(pc.is_in(split, value_set=kept), False))
                rows = zip(
                    (number + i for i in at.to_pylist()),
                    batch.take(at).to_pylist(),
                    strict=True,
                )
            for at_row, row in rows:
                if label3_names is not None and isinstance(row.get("label3"), int):
                    row["label3"] = label3_names[row["label3"]]
                yield f"row {at_row}", row
            number += batch.num_rows
    except DatasetFormatError:
        raise
    except Exception as exc:  # pyarrow raises several types for unreadable files
        raise DatasetFormatError(path, "", f"cannot read Parquet: {exc}") from None


def _class_names(schema: object, column: str) -> tuple[str, ...] | None:
    """ClassLabel names of ``column`` in a Parquet schema's ``huggingface`` metadata.

    Shards of a Hugging Face export store ``label3`` as a class index; the names are in the
    schema metadata that ``datasets`` writes.
    """
    metadata = getattr(schema, "metadata", None) or {}
    raw = metadata.get(b"huggingface")
    if raw is None:
        return None
    try:
        feature = json.loads(raw).get("info", {}).get("features", {}).get(column, {})
    except (json.JSONDecodeError, AttributeError):
        return None
    names = feature.get("names") if isinstance(feature, dict) else None
    return tuple(names) if names else None


_READERS = {
    ".csv": _csv_rows,
    ".jsonl": _jsonl_rows,
    ".ndjson": _jsonl_rows,
    ".json": _jsonl_rows,
    ".parquet": _parquet_rows,
}


def _sniff(path: Path) -> str:
    """The reader of a file without a known suffix: JSONL when it starts with ``{``."""
    with path.open("rb") as fh:
        head = fh.read(4096).lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"PAR1"):
        return ".parquet"
    return ".jsonl" if head.startswith(b"{") else ".csv"


def iter_rows(
    path: str | Path,
    *,
    required_columns: tuple[str, ...] = ("input",),
    keep_split: Callable[[Any], bool] | None = None,
) -> Iterator[tuple[str, dict[str, Any]]]:
    """Rows of a CSV, JSONL or Parquet file as ``(where, row)``, ``where`` naming the line/row.

    The format comes from the suffix (``.csv``; ``.jsonl``, ``.ndjson``, ``.json``;
    ``.parquet``); a file without a suffix is sniffed. Malformed files raise
    :class:`DatasetFormatError` naming the file and the line or row. A CSV header must name
    every column of ``required_columns``, where ``"input"`` also accepts ``premise`` and
    ``hypothesis`` (pass ``("input", "label")`` when gold labels are needed, ``()`` for files
    that are not items).

    ``keep_split``, when given, keeps only the rows whose ``split`` value it accepts (the
    file must have a ``split`` column); Parquet files select them before building rows.
    """
    path = Path(path)
    if not path.is_file():
        what = "a folder, not a file" if path.is_dir() else "no such file"
        raise DatasetFormatError(path, "", what)
    suffix = path.suffix.lower() or _sniff(path)
    reader = _READERS.get(suffix)
    if reader is None:
        raise DatasetFormatError(
            path, "", f"unknown file type {quote(suffix)}; expected one of {', '.join(_READERS)}"
        )
    try:
        if suffix == ".parquet":
            yield from _parquet_rows(path, required_columns, keep_split)
        elif keep_split is None:
            yield from reader(path, required_columns)
        else:
            for where, row in reader(path, required_columns):
                if keep_split(row.get("split")):
                    yield where, row
    except UnicodeDecodeError as exc:
        raise DatasetFormatError(path, "", f"{_NOT_UTF8} ({exc.reason})") from None


def __getattr__(name: str) -> Any:
    # ``read_items`` moved to the store, which knows every layout; keep the old import path.
    if name == "read_items":
        from corr2cause.dataset.store import read_items

        return read_items
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
