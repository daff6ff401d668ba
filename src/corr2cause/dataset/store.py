"""One dataset store: open any Corr2Cause data this project writes or reads.

Every command that reads items goes through :func:`open_dataset`, so they all accept the same
locations and name splits and variants the same way:

=========================  =====================================================================
location                   what it is
=========================  =====================================================================
generated root             ``corr2cause generate --out DIR``: ``DIR/manifest.json`` plus one
                           folder per variant, of either layout below
flat variant folder        ``DIR/{variant}/items.parquet`` (and/or ``items.jsonl``) with the
                           official ``{train,dev,test}.csv`` beside it (or only the CSVs)
normalized variant folder  ``DIR/{variant}/items/part-*.parquet`` + ``premises/part-*.parquet``
                           (N >= 7, sampled N >= 8), joined on ``mec_id``; the split filter is
                           pushed down to Arrow
item file                  an official-format CSV, a JSONL file or a Parquet table (the
                           generator's ``items.parquet``, or one shard of a Hugging Face
                           export), read by :mod:`corr2cause.dataset.readers`
Hugging Face export        ``corr2cause export-hf SRC --out HF``: ``HF/README.md`` (the card)
                           and ``HF/data/{config}/{split}-*.parquet``
=========================  =====================================================================

Splits have one vocabulary everywhere: ``train``, ``dev`` and ``test``; ``validation`` (the
Hugging Face name) and ``val`` mean ``dev``. Variants may be named by the generator
(``original``, ``paraphrase``, ``refactor``, ``relabel``, ...) or by the official Hub config
(``default``, ``perturbation_by_paraphrasing``, ``perturbation_by_refactorization``).

Without a split every row is read (``split="all"`` says the same); evaluations use
:attr:`Dataset.default_split`, which is ``test`` for folders and every row for item files.
Roots and exports default to the ``original`` variant (``default`` config), or the only one.

Examples
--------
>>> ds = open_dataset("out/data")                          # doctest: +SKIP
>>> ds.kind, ds.variants                                    # doctest: +SKIP
('root', ('original', 'paraphrase', 'refactor'))
>>> items = ds.items(variant="refactor", split="validation")  # doctest: +SKIP
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from corr2cause.dataset.compose import ITEM_COLUMNS
from corr2cause.dataset.generate import GenerationConfig, generate_dataset
from corr2cause.dataset.manifest import load_manifest
from corr2cause.dataset.readers import (
    DatasetFormatError,
    EvalItem,
    iter_rows,
    make_item,
)
from corr2cause.dataset.splits import SPLITS
from corr2cause.errors import Corr2CauseError, quote

__all__ = [
    "OFFICIAL_CONFIGS",
    "SPLIT_ALIASES",
    "Dataset",
    "MissingDataError",
    "StoreError",
    "canonical_split",
    "config_for_variant",
    "generate",
    "hf_split_name",
    "open_dataset",
    "read_items",
    "variant_for_config",
]

Kind = Literal["root", "variant", "file", "hf-export"]

OFFICIAL_CONFIGS: dict[str, str] = {
    "default": "original",
    "perturbation_by_paraphrasing": "paraphrase",
    "perturbation_by_refactorization": "refactor",
}
"""Official Hub config name -> generator variant."""

SPLIT_ALIASES: dict[str, str] = {
    "train": "train",
    "dev": "dev",
    "validation": "dev",
    "val": "dev",
    "test": "test",
}
"""Every accepted split name -> the generator's split name."""

_HF_SPLITS = {"dev": "validation"}
_PART = re.compile(r"^part-n(\d+)-(\d+)\.parquet$")


class StoreError(Corr2CauseError):
    """A location that is not Corr2Cause data, or a variant / split it does not have."""


class MissingDataError(StoreError, FileNotFoundError):
    """A data location that does not exist (also a :class:`FileNotFoundError`)."""


def canonical_split(split: str) -> str:
    """The generator's name of a split (``validation`` -> ``dev``).

    Raises
    ------
    StoreError
        For an unknown split name.

    Examples
    --------
    >>> canonical_split("validation"), canonical_split("test")
    ('dev', 'test')
    """
    try:
        return SPLIT_ALIASES[split.strip().lower()]
    except KeyError:
        raise StoreError(
            f"unknown split {quote(split)}; choose from train, dev (or validation), test, all"
        ) from None


def hf_split_name(split: str) -> str:
    """The Hugging Face name of a split: ``dev`` becomes ``validation``, others are kept.

    Examples
    --------
    >>> hf_split_name("dev"), hf_split_name("train")
    ('validation', 'train')
    """
    split = SPLIT_ALIASES.get(split.strip().lower(), split)
    return _HF_SPLITS.get(split, split)


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


def _is_normalized(folder: Path) -> bool:
    return (folder / "items").is_dir() and (folder / "premises").is_dir()


def _is_variant_folder(folder: Path) -> bool:
    return (
        (folder / "items.parquet").is_file()
        or (folder / "items.jsonl").is_file()
        or _is_normalized(folder)
        or any((folder / f"{s}.csv").is_file() for s in SPLITS)
    )


def _is_hf_export(folder: Path) -> bool:
    return (folder / "data").is_dir() and (folder / "README.md").is_file()


def _read_manifest(path: Path) -> dict[str, Any] | None:
    return load_manifest(path) if path.is_file() else None


@dataclass(frozen=True)
class Dataset:
    """Corr2Cause data at one location; build it with :func:`open_dataset`.

    Attributes
    ----------
    path : Path
        The location opened.
    kind : {"root", "variant", "file", "hf-export"}
        What the location is (see the module docstring).
    variants : tuple of str
        Variant (or, for an export, config) names; empty for an item file.
    manifest : dict or None
        ``manifest.json`` of a generated root (or of the root above a variant folder).
    """

    path: Path
    kind: Kind
    variants: tuple[str, ...]
    manifest: Mapping[str, Any] | None = field(default=None, repr=False)

    @property
    def default_split(self) -> str | None:
        """The split evaluations read when none is named.

        ``"test"`` for folders and exports, ``None`` (every row) for item files. The readers
        themselves (:meth:`rows`, :meth:`items`) read every row when no split is given.
        """
        return None if self.kind == "file" else "test"

    @property
    def layout(self) -> str:
        """``flat``, ``normalized``, ``hf`` or the item file's suffix (``csv``, ...)."""
        if self.kind == "file":
            return self.path.suffix.lower().lstrip(".")
        if self.kind == "hf-export":
            return "hf"
        folder = self.path if self.kind == "variant" else self.path / self.variants[0]
        return "normalized" if _is_normalized(folder) else "flat"

    # -- naming -------------------------------------------------------------------------------

    def resolve_variant(self, variant: str | None = None) -> str | None:
        """The variant (config) name a request refers to, or ``None`` for an item file.

        ``None`` picks ``original`` (``default`` for an export) when present, else the only
        variant. Official config names and generator names are both accepted.
        """
        if self.kind == "file":
            return None
        if self.kind == "variant":
            name = self.variants[0]
            if variant is not None and variant_for_config(variant) != name and variant != name:
                raise StoreError(
                    f"{self.path}: a folder of variant {quote(name)}, not {quote(variant)}"
                )
            return name
        names = self.variants
        if variant is None:
            preferred = "default" if self.kind == "hf-export" else "original"
            if preferred in names:
                return preferred
            if len(names) == 1:
                return names[0]
            raise StoreError(
                f"{self.path}: several variants ({', '.join(names)}); choose one with --variant"
            )
        for candidate in (
            variant,
            variant_for_config(variant),
            config_for_variant(variant),
        ):
            if candidate in names:
                return candidate
        raise StoreError(
            f"{self.path}: no config {quote(variant)} (variant or Hub config name); "
            f"found: {', '.join(names) or 'none'}"
        )

    def variant_path(self, variant: str | None = None) -> Path:
        """Folder of one variant (the file itself for an item file)."""
        name = self.resolve_variant(variant)
        if name is None or self.kind == "variant":
            return self.path
        if self.kind == "hf-export":
            return self.path / "data" / name
        return self.path / name

    def _split(self, split: str | None) -> str | None:
        if split is None or split.strip().lower() == "all":
            return None
        return SPLIT_ALIASES.get(split.strip().lower(), split)

    # -- rows ---------------------------------------------------------------------------------

    def rows(
        self,
        *,
        variant: str | None = None,
        split: str | None = None,
        required_columns: tuple[str, ...] = ("input",),
    ) -> Iterator[tuple[Path, str, dict[str, Any]]]:
        """Rows as ``(file, where, row)`` with premises joined; ``where`` names the line or row.

        Rows of other splits are dropped (pushed down to Arrow where the layout allows).
        Selecting a split of a file without a ``split`` column raises
        :class:`~corr2cause.dataset.readers.DatasetFormatError`. ``required_columns`` is
        checked against CSV headers (see :func:`~corr2cause.dataset.readers.iter_rows`).
        """
        req = required_columns
        wanted = self._split(split)
        folder = self.variant_path(variant)
        if self.kind == "file":
            yield from _filtered(self.path, wanted, required_columns=req)
        elif self.kind == "hf-export":
            yield from _hf_rows(folder, wanted)
        elif _is_normalized(folder):
            yield from _normalized_rows(folder, wanted)
        elif (folder / "items.parquet").is_file():
            yield from _filtered(folder / "items.parquet", wanted, required_columns=req)
        elif (folder / "items.jsonl").is_file():
            yield from _filtered(folder / "items.jsonl", wanted, required_columns=req)
        else:
            yield from _split_csv_rows(folder, wanted, required_columns=req)

    def items(self, *, variant: str | None = None, split: str | None = None) -> list[EvalItem]:
        """The items of one variant and split, in file order.

        Raises
        ------
        DatasetFormatError
            On a malformed row (bad label, missing text, duplicate id, ...), naming the file
            and the line or row.
        StoreError
            For an unknown variant or split.
        """
        name = self.resolve_variant(variant)
        default_variant = name if self.kind in ("root", "variant") else None
        items: list[EvalItem] = []
        seen: dict[str, str] = {}
        rows = self.rows(variant=variant, split=split, required_columns=("input", "label"))
        for index, (path, where, row) in enumerate(rows):
            try:
                item = make_item(row, index, default_variant)
            except ValueError as exc:
                raise DatasetFormatError(path, where, str(exc)) from None
            if item.id in seen:
                raise DatasetFormatError(
                    path, where, f"duplicate id {quote(item.id)} (first at {seen[item.id]})"
                )
            seen[item.id] = where
            items.append(item)
        wanted = self._split(split)
        if not items and wanted is not None and self.kind != "file":
            raise StoreError(
                f"{self.variant_path(variant)}: split {quote(wanted)} is empty or does not exist"
            )
        if not items:
            where = f" in split {quote(wanted)}" if wanted is not None else ""
            raise StoreError(f"{self.variant_path(variant)}: no items{where} (no data rows)")
        return items

    def tables(
        self,
        *,
        variant: str | None = None,
        split: str | None = "all",
        batch_rows: int = 10_000,
        optional_columns: Sequence[str] = (),
    ) -> Iterator[pa.Table]:
        """Rich item rows as Arrow tables (the generator's item columns, premises joined).

        Only for generated data (roots and variant folders) and Parquet/JSONL item tables
        that carry the generator's columns. ``split`` defaults to every split. The
        ``optional_columns`` the item table has (e.g. a themed variant's ``commonsense``) are
        appended, in that order.
        """
        wanted = self._split(split)
        folder = self.variant_path(variant)
        if self.kind == "hf-export":
            raise StoreError(f"{self.path}: a Hugging Face export, not generated item tables")
        flt = pc.field("split") == wanted if wanted is not None else None
        if _is_normalized(folder):
            yield from _normalized_tables(folder, flt, batch_rows, optional_columns)
            return
        candidates = (
            [self.path]
            if self.kind == "file"
            else [
                folder / "items.parquet",
                folder / "items.jsonl",
            ]
        )
        for path in candidates:
            if path.is_file() and path.suffix == ".parquet":
                yield from _parquet_tables(path, flt, batch_rows, optional=optional_columns)
                return
            if path.is_file() and path.suffix in (".jsonl", ".ndjson", ".json"):
                table = _jsonl_table(path, optional_columns)
                if flt is not None:
                    table = table.filter(flt)
                for start in range(0, table.num_rows, batch_rows):
                    yield table.slice(start, batch_rows)
                return
        raise StoreError(
            f"{folder}: no item tables (items.parquet, items.jsonl or items/ + premises/); "
            "generate with --format parquet"
        )

    def source_files(self, *, variant: str | None = None) -> list[Path]:
        """The files :meth:`rows` reads for one variant, every split, sorted.

        A flat folder is read from ``items.parquet`` (else ``items.jsonl``, else the official
        ``{split}.csv`` files), a normalized one from ``items/`` and ``premises/``, an export
        config from its Parquet shards; the other files of the folder are not read.
        """
        folder = self.variant_path(variant)
        if self.kind == "file" or folder.is_file():
            return [folder]
        if self.kind == "hf-export":
            files = list(folder.glob("*.parquet"))
        elif _is_normalized(folder):
            files = [f for part in _parts(folder) for f in (part, folder / "premises" / part.name)]
        elif (folder / "items.parquet").is_file():
            files = [folder / "items.parquet"]
        elif (folder / "items.jsonl").is_file():
            files = [folder / "items.jsonl"]
        else:
            files = [folder / f"{s}.csv" for s in SPLITS]
        return sorted(f for f in files if f.is_file())

    def fingerprint(self, *, variant: str | None = None) -> str:
        """SHA-256 identifying the data of one variant (or of the item file).

        For a file, the hash of its bytes; for a folder, the hash of the sorted
        ``(relative path, file hash)`` pairs of the files the items are read from
        (:meth:`source_files`), so that files beside them (the 365 MB ``train.csv`` next to
        a 1 MB ``items.parquet``, a run folder, notes) neither change it nor cost time.
        """
        target = self.variant_path(variant)
        if target.is_file():
            return _sha256_file(target)
        digest = hashlib.sha256()
        for path in self.source_files(variant=variant):
            rel = path.relative_to(target).as_posix()
            digest.update(f"{rel}\0{_sha256_file(path)}\n".encode())
        return digest.hexdigest()

    def count(self, *, variant: str | None = None) -> int:
        """Number of items of one variant, every split (from Parquet metadata where possible)."""
        folder = self.variant_path(variant)
        try:
            if _is_normalized(folder):
                return sum(pq.ParquetFile(p).metadata.num_rows for p in _parts(folder))
            if (folder / "items.parquet").is_file():
                return int(pq.ParquetFile(folder / "items.parquet").metadata.num_rows)
        except (pa.ArrowException, OSError) as exc:
            raise StoreError(f"{folder}: cannot read item tables: {exc}") from None
        return sum(1 for _ in self.rows(variant=variant, split="all"))


def open_dataset(path: str | os.PathLike[str]) -> Dataset:
    """Open Corr2Cause data at ``path``, whatever its layout (see the module docstring).

    Raises
    ------
    StoreError
        If ``path`` does not exist or holds no Corr2Cause data; the message says what was
        expected.
    """
    path = Path(path).expanduser()
    if path.is_file():  # the row reader names an unknown file type
        return Dataset(path=path, kind="file", variants=())
    if not path.exists():
        raise MissingDataError(f"{path}: no such file or folder")
    if not path.is_dir():
        raise StoreError(f"{path}: not a file or folder")
    if _is_hf_export(path):
        configs = tuple(sorted(p.name for p in (path / "data").iterdir() if p.is_dir()))
        if not configs:
            raise StoreError(f"{path}: a Hugging Face export without data/<config>/ folders")
        return Dataset(path=path, kind="hf-export", variants=configs)
    if path.parent.name == "data" and _is_hf_export(path.parent.parent):
        # one config folder of an export: data/{config}/{split}-*.parquet
        return Dataset(path=path.parent.parent, kind="hf-export", variants=(path.name,))
    if _is_variant_folder(path):
        return Dataset(
            path=path,
            kind="variant",
            variants=(path.name,),
            manifest=_read_manifest(path.parent / "manifest.json"),
        )
    variants = tuple(sorted(p.name for p in path.iterdir() if p.is_dir() and _is_variant_folder(p)))
    if not variants:
        raise StoreError(
            f"{path}: no Corr2Cause data here (expected a generated folder with variant "
            "subfolders, a variant folder with items.parquet / items/ / {split}.csv, a "
            "Hugging Face export, or an item file)"
        )
    return Dataset(
        path=path, kind="root", variants=variants, manifest=_read_manifest(path / "manifest.json")
    )


def generate(
    config: GenerationConfig,
    out: str | Path,
    *,
    overwrite: bool = False,
    progress: Callable[[str, int, int], None] | None = None,
) -> dict[str, Any]:
    """Generate a dataset into ``out`` with the writer ``config.layout`` calls for.

    ``layout="auto"`` (the default) writes the flat layout for exhaustive N <= 6 and the
    normalized, sharded, resumable layout from N = 7 or for sampled classes. Both write the
    manifest schema of :mod:`corr2cause.dataset.manifest`.

    Parameters
    ----------
    config : GenerationConfig
        What to generate (validated here).
    out : path-like
        Output folder; must be absent or empty unless ``overwrite``.
    overwrite : bool, keyword-only
        Replace a non-empty folder (atomically, at the end).
    progress : callable, optional
        ``progress(stage, done, total)``.

    Returns
    -------
    dict
        The manifest written to ``out/manifest.json``.

    Raises
    ------
    GenerationError
        On bad arguments.
    FileExistsError, OSError
        When ``out`` is not empty or cannot be written.
    """
    config.validate()
    if config.resolved_layout == "flat":
        flat_progress = None
        if progress is not None:
            report = progress

            def flat_progress(done: int, total: int) -> None:
                report("classes", done, total)

        return generate_dataset(out, config, overwrite=overwrite, progress=flat_progress)
    from corr2cause.dataset.sharded import ShardedConfig, generate_sharded

    return generate_sharded(
        out,
        ShardedConfig.from_generation(config),
        engine=config.engine,
        workers=config.workers,
        overwrite=overwrite,
        progress=progress,
    )


def read_items(
    path: str | os.PathLike[str], *, split: str | None = None, variant: str | None = None
) -> list[EvalItem]:
    """Items of one variant and split from any location: ``open_dataset(path).items(...)``.

    Parameters
    ----------
    path : path-like
        Any location :func:`open_dataset` accepts.
    split : str, optional
        ``train``, ``dev`` / ``validation``, ``test`` or ``all`` (the default: every row).
    variant : str, optional
        Variant or config name, for roots and exports.

    Examples
    --------
    >>> items = read_items("official_test.csv")  # doctest: +SKIP
    >>> items[0].id, items[0].relation, items[0].label  # doctest: +SKIP
    ('row-0-5d0f1c2a', 'has_collider', 0)
    """
    return open_dataset(path).items(variant=variant, split=split)


# -- layout readers ---------------------------------------------------------------------------


def _filtered(
    path: Path, split: str | None, *, required_columns: tuple[str, ...] = ()
) -> Iterator[tuple[Path, str, dict[str, Any]]]:
    """Rows of one item file, keeping one split (which needs a ``split`` column)."""
    if split is None:
        for where, row in iter_rows(path, required_columns=required_columns):
            yield path, where, row
        return

    def keep(value: Any) -> bool:
        return isinstance(value, str) and SPLIT_ALIASES.get(value.strip().lower()) == split

    no_split = f"cannot select split {quote(split)}: the file has no 'split' column"
    if path.suffix.lower() == ".parquet":  # select in Arrow, before building Python rows
        try:
            names = pq.ParquetFile(path).schema_arrow.names
        except (pa.ArrowException, OSError) as exc:
            raise DatasetFormatError(path, "", f"cannot read Parquet: {exc}") from None
        if "split" not in names:
            raise DatasetFormatError(path, "", no_split)
        for where, row in iter_rows(path, required_columns=required_columns, keep_split=keep):
            yield path, where, row
        return
    for where, row in iter_rows(path, required_columns=required_columns):
        if "split" not in row:
            raise DatasetFormatError(path, "", no_split)
        if keep(row["split"]):
            yield path, where, row


def _split_csv_rows(
    folder: Path, split: str | None, *, required_columns: tuple[str, ...] = ()
) -> Iterator[tuple[Path, str, dict[str, Any]]]:
    """Rows of a variant folder that has only the official ``{split}.csv`` files."""
    for s in (split,) if split is not None else SPLITS:
        csv_path = folder / f"{s}.csv"
        if not csv_path.is_file():
            if split is not None:
                raise StoreError(f"{folder}: no {s}.csv (nor items.parquet / items.jsonl)")
            continue
        for where, row in iter_rows(csv_path, required_columns=required_columns):
            row.setdefault("split", s)
            yield csv_path, where, row


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _parts(folder: Path) -> list[Path]:
    """Item parts of the normalized layout, by N then shard index."""
    parts = []
    for path in (folder / "items").glob("part-*.parquet"):
        match = _PART.match(path.name)
        if match is None:
            raise StoreError(f"{path}: unexpected part name (expected part-n<N>-<index>.parquet)")
        parts.append((int(match.group(1)), int(match.group(2)), path))
    return [path for _, _, path in sorted(parts)]


def _normalized_tables(
    folder: Path, flt: Any, batch_rows: int, optional: Sequence[str] | None = ()
) -> Iterator[pa.Table]:
    """Item tables of a normalized variant folder, each part joined with its premises part.

    The item columns, then the ``optional`` ones a part has (``None``: every other column).
    """
    for part in _parts(folder):
        premises = _read_parquet(folder / "premises" / part.name, ("mec_id", "premise"), flt)
        mec_ids = premises.column("mec_id").cast(pa.string())
        texts = premises.column("premise").cast(pa.string())
        columns = [c for c in ITEM_COLUMNS if c != "premise"]
        for table in _parquet_tables(part, flt, batch_rows, columns=columns, optional=optional):
            where = pc.index_in(table.column("mec_id").cast(pa.string()), value_set=mec_ids)
            if where.null_count:
                raise DatasetFormatError(
                    part, "", f"items whose mec_id is not in premises/{part.name}"
                )
            table = table.append_column("premise", texts.take(where))
            extra = [c for c in table.column_names if c not in ITEM_COLUMNS]
            if optional is not None:
                extra = [c for c in optional if c in extra]
            yield table.select([*ITEM_COLUMNS, *extra])


def _normalized_rows(folder: Path, split: str | None) -> Iterator[tuple[Path, str, dict[str, Any]]]:
    flt = pc.field("split") == split if split is not None else None
    number = 0
    for table in _normalized_tables(folder, flt, 50_000, None):  # whole rows, as flat files
        for row in table.to_pylist():
            yield folder / "items", f"item row {number}", row
            number += 1


def _read_parquet(path: Path, columns: tuple[str, ...], flt: Any) -> pa.Table:
    try:
        parquet = pq.ParquetFile(path)
    except (pa.ArrowException, OSError) as exc:
        raise DatasetFormatError(path, "", f"cannot read Parquet: {exc}") from None
    missing = [c for c in columns if c not in parquet.schema_arrow.names]
    if missing:
        raise DatasetFormatError(path, "", f"missing column(s) {', '.join(missing)}")
    table = parquet.read(columns=list(columns) + (["split"] if flt is not None else []))
    return table.filter(flt) if flt is not None else table


def _parquet_tables(
    path: Path,
    flt: Any,
    batch_rows: int,
    *,
    columns: list[str] | None = None,
    optional: Sequence[str] | None = (),
) -> Iterator[pa.Table]:
    """Batches of ``columns`` (default the item columns), then the ``optional`` ones present
    (``None``: every other column of the file)."""
    columns = list(ITEM_COLUMNS) if columns is None else columns
    try:
        parquet = pq.ParquetFile(path)
    except (pa.ArrowException, OSError) as exc:
        raise DatasetFormatError(path, "", f"cannot read Parquet: {exc}") from None
    names = parquet.schema_arrow.names
    missing = [c for c in columns if c not in names]
    if missing:
        raise DatasetFormatError(path, "", f"missing column(s) {', '.join(missing)}")
    wanted = names if optional is None else optional
    columns = [*columns, *(c for c in wanted if c in names and c not in columns)]
    for batch in parquet.iter_batches(batch_size=batch_rows, columns=columns):
        table = pa.Table.from_batches([batch])
        if flt is not None:
            table = table.filter(flt)
        if table.num_rows:
            yield table


def _jsonl_table(path: Path, optional: Sequence[str] = ()) -> pa.Table:
    import pyarrow.json as pajson

    try:
        table = pajson.read_json(path)
    except (pa.ArrowException, OSError) as exc:
        raise DatasetFormatError(path, "", f"cannot read JSON lines: {exc}") from None
    missing = [c for c in ITEM_COLUMNS if c not in table.column_names]
    if missing:
        raise DatasetFormatError(path, "", f"missing column(s) {', '.join(missing)}")
    present = [c for c in optional if c in table.column_names]
    return table.select([*ITEM_COLUMNS, *present])


def _hf_rows(cdir: Path, split: str | None) -> Iterator[tuple[Path, str, dict[str, Any]]]:
    """Rows of one config of a Hugging Face export, shard by shard."""
    found = False
    for s in (split,) if split is not None else SPLITS:
        for shard in sorted(cdir.glob(f"{_HF_SPLITS.get(s, s)}-*.parquet")):
            found = True
            for where, row in iter_rows(shard):
                row.setdefault("split", s)
                yield shard, where, row
    if not found:
        present = sorted({p.name.split("-", 1)[0] for p in cdir.glob("*.parquet")})
        wanted = hf_split_name(split) if split is not None else "any split"
        raise StoreError(f"{cdir}: no split {quote(wanted)}; found: {', '.join(present) or 'none'}")
