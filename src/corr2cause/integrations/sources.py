"""Find Corr2Cause items wherever they live: one loader behind every integration.

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
import re
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from corr2cause.dataset.compose import ITEM_COLUMNS
from corr2cause.dataset.readers import LABEL3_VALUES, EvalItem, read_items

__all__ = [
    "DATA_ENV_VAR",
    "ITEM_TABLE_COLUMNS",
    "LABEL_NAMES",
    "OFFICIAL_CONFIGS",
    "config_for_variant",
    "count_item_rows",
    "has_item_tables",
    "hf_split_name",
    "iter_item_tables",
    "load_items",
    "resolve_data",
    "variant_for_config",
]

DATA_ENV_VAR = "CORR2CAUSE_DATA"
"""Environment variable read when no ``data`` argument is given."""

OFFICIAL_CONFIGS: dict[str, str] = {
    "default": "original",
    "perturbation_by_paraphrasing": "paraphrase",
    "perturbation_by_refactorization": "refactor",
}
"""Official Hub config name -> generator variant."""

LABEL_NAMES: tuple[str, str] = ("invalid", "valid")
"""Names of the binary label values 0 and 1 (the ClassLabel of the Hugging Face export)."""

ITEM_TABLE_COLUMNS: tuple[str, ...] = ITEM_COLUMNS
"""Columns of the tables yielded by :func:`iter_item_tables` (the generator's item columns)."""

_PART = re.compile(r"^part-n(\d+)-(\d+)\.parquet$")
_GENERATOR_SPLITS = {"validation": "dev"}
_HF_SPLITS = {"dev": "validation"}


def variant_for_config(config: str) -> str:
    """The generator variant of a config name (official names are translated).

    Examples
    --------
    >>> variant_for_config("perturbation_by_refactorization")
    'refactor'
    >>> variant_for_config("relabel")
    'relabel'
    """
    return OFFICIAL_CONFIGS.get(config, config)


def config_for_variant(variant: str) -> str:
    """The config name a generator variant is published under.

    Examples
    --------
    >>> config_for_variant("original")
    'default'
    >>> config_for_variant("relabel")
    'relabel'
    """
    for config, name in OFFICIAL_CONFIGS.items():
        if name == variant:
            return config
    return variant


def hf_split_name(split: str) -> str:
    """The Hugging Face name of a split: ``dev`` becomes ``validation``, others are kept."""
    return _HF_SPLITS.get(split, split)


def _generator_split(split: str) -> str:
    return _GENERATOR_SPLITS.get(split, split)


def resolve_data(data: str | os.PathLike[str] | None) -> Path:
    """The data location to read: ``data``, else ``$CORR2CAUSE_DATA``.

    Raises
    ------
    ValueError
        If neither is set.
    FileNotFoundError
        If the location does not exist.
    """
    if data is None or str(data) == "":
        data = os.environ.get(DATA_ENV_VAR) or None
    if data is None:
        raise ValueError(
            "no Corr2Cause data given: pass a generated folder, a Hugging Face export or a "
            f"CSV/Parquet/JSONL file (or set {DATA_ENV_VAR})"
        )
    path = Path(data).expanduser()
    if not path.exists():
        raise FileNotFoundError(f"{path}: no such file or folder")
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
        A file, a generated folder, one variant folder of it, or a Hugging Face export
        (see the module docstring). ``None`` reads ``$CORR2CAUSE_DATA``.
    config : str
        Config (or variant) name; ignored for single files.
    split : str, optional
        ``train``, ``dev``/``validation`` or ``test``. Folders default to ``test``; for a
        single file ``None`` keeps every row.

    Returns
    -------
    list of EvalItem
        In file order.

    Raises
    ------
    ValueError
        When no data is given, or the config or split does not exist (the message lists
        what does).
    FileNotFoundError
        When the location does not exist.
    corr2cause.dataset.readers.DatasetFormatError
        On a malformed file.
    """
    path = resolve_data(data)
    if path.is_file():
        return read_items(path, split=None if split is None else _generator_split(split))
    split = split or "test"
    if (path / "data").is_dir() and (path / "README.md").is_file():
        return _read_hf_export(path, config, split)
    if has_item_tables(path):
        return _read_variant_dir(path, split)
    variant = variant_for_config(config)
    vdir = path / variant
    if not vdir.is_dir():
        found = sorted(p.name for p in path.iterdir() if p.is_dir() and not p.name.startswith("."))
        listing = ", ".join(found) or "none"
        raise ValueError(f"{path}: no config {config!r} (folder {variant!r}); found: {listing}")
    return _read_variant_dir(vdir, split)


def _read_variant_dir(vdir: Path, split: str) -> list[EvalItem]:
    """Items of one split of a generated variant folder (flat or normalized layout)."""
    gen_split = _generator_split(split)
    for name in ("items.parquet", "items.jsonl"):
        if (vdir / name).is_file():
            items = read_items(vdir / name, split=gen_split)
            if not items:
                raise ValueError(f"{vdir / name}: split {split!r} is empty or does not exist")
            return items
    if (vdir / "items").is_dir() and (vdir / "premises").is_dir():
        items = read_items(vdir, split=gen_split)  # normalized layout, split pushed down
        if not items:
            raise ValueError(f"{vdir / 'items'}: split {split!r} is empty or does not exist")
        return items
    csv_path = vdir / f"{gen_split}.csv"
    if csv_path.is_file():
        return read_items(csv_path)
    raise ValueError(f"{vdir}: no items.parquet, items.jsonl, items/ or {gen_split}.csv")


def has_item_tables(vdir: str | os.PathLike[str]) -> bool:
    """Whether ``vdir`` is a generated variant folder with rich item tables (any layout)."""
    vdir = Path(vdir)
    return (
        (vdir / "items.parquet").is_file()
        or (vdir / "items.jsonl").is_file()
        or any((vdir / "items").glob("part-*.parquet"))
    )


def _parts(vdir: Path) -> list[Path]:
    """Item parts of the normalized layout, by N then shard index."""
    parts = []
    for path in (vdir / "items").glob("part-*.parquet"):
        match = _PART.match(path.name)
        if match is None:
            raise ValueError(f"{path}: unexpected part name (expected part-n<N>-<index>.parquet)")
        parts.append((int(match.group(1)), int(match.group(2)), path))
    return [path for _, _, path in sorted(parts)]


def count_item_rows(vdir: str | os.PathLike[str]) -> int:
    """Number of items in a generated variant folder (from Parquet metadata where possible)."""
    vdir = Path(vdir)
    try:
        if (vdir / "items.parquet").is_file():
            return pq.ParquetFile(vdir / "items.parquet").metadata.num_rows
        if (vdir / "items.jsonl").is_file():
            with (vdir / "items.jsonl").open("rb") as fh:
                return sum(1 for line in fh if line.strip())
        return sum(pq.ParquetFile(p).metadata.num_rows for p in _parts(vdir))
    except (pa.ArrowException, OSError) as exc:
        raise ValueError(f"{vdir}: cannot read item tables: {exc}") from None


def iter_item_tables(
    vdir: str | os.PathLike[str], *, batch_rows: int = 10_000
) -> Iterator[pa.Table]:
    """The items of a generated variant folder as Arrow tables of at most ``batch_rows`` rows.

    Every table has the columns :data:`ITEM_TABLE_COLUMNS` (some dictionary-encoded), in the
    generator's row order. In the normalized layout each items part is joined with the
    premises part of the same name.

    Raises
    ------
    ValueError
        On an unreadable table, a missing column or an item whose class has no premise; the
        message names the file.
    """
    vdir = Path(vdir)
    if (vdir / "items.parquet").is_file():
        yield from _parquet_batches(vdir / "items.parquet", batch_rows)
    elif (vdir / "items.jsonl").is_file():
        yield from _jsonl_batches(vdir / "items.jsonl", batch_rows)
    else:
        for part in _parts(vdir):
            premises = _read_parquet(vdir / "premises" / part.name, ("mec_id", "premise"))
            mec_ids = premises.column("mec_id").cast(pa.string())
            texts = premises.column("premise").cast(pa.string())
            for table in _parquet_batches(part, batch_rows, joined=True):
                where = pc.index_in(table.column("mec_id").cast(pa.string()), value_set=mec_ids)
                if where.null_count:
                    raise ValueError(f"{part}: items whose mec_id is not in premises/{part.name}")
                table = table.append_column("premise", texts.take(where))
                yield table.select(list(ITEM_TABLE_COLUMNS))


def _read_parquet(path: Path, columns: tuple[str, ...]) -> pa.Table:
    try:
        parquet = pq.ParquetFile(path)
    except (pa.ArrowException, OSError) as exc:
        raise ValueError(f"{path}: cannot read Parquet: {exc}") from None
    missing = [c for c in columns if c not in parquet.schema_arrow.names]
    if missing:
        raise ValueError(f"{path}: missing column(s) {', '.join(missing)}")
    return parquet.read(columns=list(columns))


def _parquet_batches(path: Path, batch_rows: int, *, joined: bool = False) -> Iterator[pa.Table]:
    columns = [c for c in ITEM_TABLE_COLUMNS if not (joined and c == "premise")]
    try:
        parquet = pq.ParquetFile(path)
    except (pa.ArrowException, OSError) as exc:
        raise ValueError(f"{path}: cannot read Parquet: {exc}") from None
    missing = [c for c in columns if c not in parquet.schema_arrow.names]
    if missing:
        raise ValueError(f"{path}: missing column(s) {', '.join(missing)}")
    for batch in parquet.iter_batches(batch_size=batch_rows, columns=columns):
        yield pa.Table.from_batches([batch])


def _jsonl_batches(path: Path, batch_rows: int) -> Iterator[pa.Table]:
    import pyarrow.json as pajson

    try:
        table = pajson.read_json(path)
    except (pa.ArrowException, OSError) as exc:
        raise ValueError(f"{path}: cannot read JSON lines: {exc}") from None
    missing = [c for c in ITEM_TABLE_COLUMNS if c not in table.column_names]
    if missing:
        raise ValueError(f"{path}: missing column(s) {', '.join(missing)}")
    table = table.select(list(ITEM_TABLE_COLUMNS))
    for start in range(0, table.num_rows, batch_rows):
        yield table.slice(start, batch_rows)


def _row_item(row: dict, label3_names: tuple[str, ...]) -> EvalItem:
    """An item from a rich row; ``label3`` may be a name or a class index into ``label3_names``."""
    label3 = row.get("label3")
    if isinstance(label3, int):
        label3 = label3_names[label3]
    premise, hypothesis = row["premise"], row["hypothesis"]
    return EvalItem(
        id=row["id"],
        premise=premise,
        hypothesis=hypothesis,
        input=row.get("input") or f"Premise: {premise}\nHypothesis: {hypothesis}",
        label=int(row["label"]),
        num_variables=int(row["num_variables"]),
        relation=row["relation"],
        label3=label3,
        variant=row.get("variant"),
        template=row.get("template"),
    )


def _read_hf_export(root: Path, config: str, split: str) -> list[EvalItem]:
    """Items of one config and split of a ``corr2cause export-hf`` folder."""
    cdir = root / "data" / config
    if not cdir.is_dir():
        found = sorted(p.name for p in (root / "data").iterdir() if p.is_dir())
        raise ValueError(f"{root}: no config {config!r}; found: {', '.join(found) or 'none'}")
    hf_split = hf_split_name(split)
    shards = sorted(cdir.glob(f"{hf_split}-*.parquet"))
    if not shards:
        found = sorted({p.name.split("-", 1)[0] for p in cdir.glob("*.parquet")})
        raise ValueError(f"{cdir}: no split {hf_split!r}; found: {', '.join(found) or 'none'}")
    items: list[EvalItem] = []
    for shard in shards:
        table = pq.read_table(shard)
        label3_names = _class_names(table.schema, "label3") or LABEL3_VALUES
        items += [_row_item(row, label3_names) for row in table.to_pylist()]
    return items


def _class_names(schema: object, column: str) -> tuple[str, ...] | None:
    """ClassLabel names of ``column`` recorded in a Parquet schema's ``huggingface`` metadata."""
    metadata = getattr(schema, "metadata", None) or {}
    raw = metadata.get(b"huggingface")
    if raw is None:
        return None
    feature = json.loads(raw).get("info", {}).get("features", {}).get(column, {})
    names = feature.get("names")
    return tuple(names) if names else None
