"""Find Corr2Cause items wherever they live: the integrations' view of the dataset store.

Everything here is a thin layer over :mod:`corr2cause.dataset.store`, which every command
uses too; this module adds the ``data`` argument conventions of the inspect-ai and lm-eval
tasks (``$CORR2CAUSE_DATA``, ``config`` names).

The inspect-ai task and the lm-eval tasks accept the same ``data`` argument, resolved by
:func:`load_items` into :class:`~corr2cause.dataset.readers.EvalItem` objects:

a single file (``.csv``, ``.parquet``, ``.jsonl``)
    The official CSV (``input,label,num_variables,template``), or a rich table written by
    ``corr2cause generate``. ``split`` filters on the file's ``split`` column; without a
    ``split`` every row is used.
a generated folder (``corr2cause generate --out DIR``)
    The flat layout ``DIR/{variant}/items.parquet`` (or ``items.jsonl``, or the official
    ``{split}.csv``), or the normalized layout of large runs, ``DIR/{variant}/items/part-*``
    joined with ``DIR/{variant}/premises/part-*`` on ``mec_id``. ``config`` picks the
    variant, by its own name or by the official config name.
a Hugging Face export (``corr2cause export-hf DIR --out HF_DIR``)
    The Parquet shards ``HF_DIR/data/{config}/{split}-*.parquet``, read with pyarrow alone
    (the ``datasets`` package is not needed).

For folders the split defaults to ``test``. Splits may be named either way: the generator's
``dev`` is the Hugging Face ``validation``.

Config names follow the official Hub release ``causalnlp/corr2cause``:

=================================== ==================
config                              generator variant
=================================== ==================
``default``                         ``original``
``perturbation_by_paraphrasing``    ``paraphrase``
``perturbation_by_refactorization`` ``refactor``
any other name                      the same name
=================================== ==================
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from corr2cause.dataset.compose import COMMONSENSE_COLUMNS, ITEM_COLUMNS
from corr2cause.dataset.readers import EvalItem
from corr2cause.dataset.store import (
    OFFICIAL_CONFIGS,
    MissingDataError,
    StoreError,
    config_for_variant,
    hf_split_name,
    open_dataset,
    variant_for_config,
)

__all__ = [
    "DATA_ENV_VAR",
    "ITEM_TABLE_COLUMNS",
    "LABEL_NAMES",
    "OFFICIAL_CONFIGS",
    "OPTIONAL_ITEM_COLUMNS",
    "config_for_variant",
    "count_item_rows",
    "has_item_tables",
    "hf_split_name",
    "iter_item_tables",
    "load_items",
    "optional_item_columns",
    "resolve_data",
    "variant_for_config",
]

DATA_ENV_VAR = "CORR2CAUSE_DATA"
"""Environment variable read when no ``data`` argument is given."""

LABEL_NAMES: tuple[str, str] = ("invalid", "valid")
"""Names of the binary label values 0 and 1 (the ClassLabel of the Hugging Face export)."""

ITEM_TABLE_COLUMNS: tuple[str, ...] = ITEM_COLUMNS
"""Columns of every table yielded by :func:`iter_item_tables` (the generator's item columns)."""

OPTIONAL_ITEM_COLUMNS: tuple[str, ...] = COMMONSENSE_COLUMNS
"""Columns only some variants carry (the themed variants' ``commonsense`` columns), in order;
:func:`iter_item_tables` appends those a variant has."""


def resolve_data(data: str | os.PathLike[str] | None) -> Path:
    """The data location to read: ``data``, else ``$CORR2CAUSE_DATA``.

    Raises
    ------
    StoreError
        If neither is set.
    FileNotFoundError
        If the location does not exist.
    """
    if data is None or str(data) == "":
        data = os.environ.get(DATA_ENV_VAR) or None
    if data is None:
        raise StoreError(
            "no Corr2Cause data given: pass a generated folder, a Hugging Face export or a "
            f"CSV/Parquet/JSONL file (or set {DATA_ENV_VAR})"
        )
    path = Path(data).expanduser()
    if not path.exists():
        raise MissingDataError(f"{path}: no such file or folder")
    return path


def load_items(
    data: str | os.PathLike[str] | None,
    *,
    config: str = "default",
    split: str | None = None,
) -> list[EvalItem]:
    """Read the items of one config and split from any supported location.

    Parameters
    ----------
    data : path-like or None
        Any location :func:`corr2cause.dataset.store.open_dataset` accepts. ``None`` reads
        ``$CORR2CAUSE_DATA``.
    config : str
        Config (or variant) name; used for generated roots and exports only.
    split : str, optional
        ``train``, ``dev``/``validation`` or ``test``. Folders default to ``test``; for a
        single file ``None`` keeps every row.

    Returns
    -------
    list of EvalItem
        In file order.

    Raises
    ------
    StoreError
        When no data is given, or the config or split does not exist (the message lists
        what does).
    FileNotFoundError
        When the location does not exist.
    corr2cause.dataset.readers.DatasetFormatError
        On a malformed file.
    """
    dataset = open_dataset(resolve_data(data))
    variant = config if dataset.kind in ("root", "hf-export") else None
    return dataset.items(variant=variant, split=split or dataset.default_split)


def has_item_tables(vdir: str | os.PathLike[str]) -> bool:
    """Whether ``vdir`` is a generated variant folder with rich item tables (any layout)."""
    vdir = Path(vdir)
    return (
        (vdir / "items.parquet").is_file()
        or (vdir / "items.jsonl").is_file()
        or any((vdir / "items").glob("part-*.parquet"))
    )


def count_item_rows(vdir: str | os.PathLike[str]) -> int:
    """Number of items in a generated variant folder (from Parquet metadata where possible)."""
    return open_dataset(Path(vdir)).count()


def _item_file(vdir: Path) -> Path | None:
    """The item table whose columns stand for the variant's (a normalized folder: a part)."""
    for name in ("items.parquet", "items.jsonl"):
        if (vdir / name).is_file():
            return vdir / name
    return next(iter(sorted((vdir / "items").glob("part-*.parquet"))), None)


def optional_item_columns(vdir: str | os.PathLike[str]) -> tuple[str, ...]:
    """The :data:`OPTIONAL_ITEM_COLUMNS` that a generated variant folder's item table has.

    ``items.parquet`` (its schema), ``items.jsonl`` (its first row) or, in the normalized
    layout, the schema of the first ``items/part-*.parquet`` are looked at (all parts of a
    variant share one schema).
    """
    path = _item_file(Path(vdir))
    if path is None:
        return ()
    if path.suffix == ".parquet":
        try:
            names = set(pq.ParquetFile(path).schema_arrow.names)
        except (pa.ArrowException, OSError) as exc:
            raise StoreError(f"{path}: cannot read Parquet: {exc}") from None
    else:
        with path.open(encoding="utf-8") as fh:
            first = fh.readline()
        try:
            row = json.loads(first) if first.strip() else {}
        except json.JSONDecodeError:
            return ()  # the store's reader reports the malformed line
        names = set(row) if isinstance(row, dict) else set()
    return tuple(c for c in OPTIONAL_ITEM_COLUMNS if c in names)


def iter_item_tables(
    vdir: str | os.PathLike[str], *, batch_rows: int = 10_000
) -> Iterator[pa.Table]:
    """The items of a generated variant folder as Arrow tables of at most ``batch_rows`` rows.

    Every table has the columns :data:`ITEM_TABLE_COLUMNS` (some dictionary-encoded), in the
    generator's row order (see :meth:`corr2cause.dataset.store.Dataset.tables`), followed by
    the :data:`OPTIONAL_ITEM_COLUMNS` the variant has (:func:`optional_item_columns`).
    """
    return open_dataset(Path(vdir)).tables(
        split="all", batch_rows=batch_rows, optional_columns=optional_item_columns(vdir)
    )
