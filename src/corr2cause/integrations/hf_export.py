"""Export a generated benchmark as a Hugging Face dataset folder (Parquet shards + card).

``corr2cause generate --out DIR`` writes one folder per variant; this module turns ``DIR`` into
the layout the Hugging Face Hub (and ``datasets.load_dataset``) understands::

    HF_DIR/README.md                                  dataset card with YAML ``configs``
    HF_DIR/generation_manifest.json                   the generator's manifest, verbatim
    HF_DIR/data/{config}/{split}-00000-of-00001.parquet

Both generator layouts are read: the flat one (``{variant}/items.parquet`` or
``items.jsonl``) and the normalized one of large runs (``{variant}/items/`` and
``premises/``, joined back on ``mec_id`` so that every row carries its premise, as on the Hub).

Configs use the official names of ``causalnlp/corr2cause`` (``default``,
``perturbation_by_paraphrasing``, ``perturbation_by_refactorization``); other variants keep
their own name (``relabel``). Splits are ``train``, ``validation`` (the generator's ``dev``)
and ``test``; empty splits are left out.

Every shard carries the Hugging Face feature types in its Parquet schema metadata (key
``huggingface``), so ``label`` loads as ``ClassLabel(names=["invalid", "valid"])`` and
``label3`` as ``ClassLabel(names=["entailment", "neutral", "contradiction"])`` without any
loading script. Columns are the generator's rich columns plus the official ``input`` text;
``split`` is dropped (it is the split). Themed variants (``names-{theme}``) keep their
``commonsense`` and ``commonsense_conflict`` columns (a ``string`` and a ``bool``, null where
the pair has no known link); their variable names are in the texts and in ``node_i`` /
``node_j``, and the card records each theme's name, version and file hash.

Nothing here imports ``datasets``: the shards are written with pyarrow alone, so exporting
works in the core install. Output is deterministic (same input, same bytes) and atomic (the
folder is built in a hidden staging sibling and moved into place at the end).

The public interface is :func:`export_hf` and :data:`EXPORT_FEATURES`.

Examples
--------
>>> result = export_hf("gen", "hf")  # doctest: +SKIP
>>> from datasets import load_dataset  # doctest: +SKIP
>>> load_dataset("hf", "default")["test"].features["label"]  # doctest: +SKIP
ClassLabel(names=['invalid', 'valid'])
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from corr2cause.atomic import staged_directory
from corr2cause.dataset.manifest import load_manifest
from corr2cause.dataset.readers import LABEL3_VALUES, DatasetFormatError
from corr2cause.dataset.store import open_dataset
from corr2cause.errors import Corr2CauseError
from corr2cause.evaluation.robustness import BACKWARD_RELATIONS, DIRECTIONAL_RELATIONS
from corr2cause.evaluation.stories import STORY_COLUMNS, discover_story_sets, verified_story_rows
from corr2cause.integrations.hf_card import render_card
from corr2cause.integrations.hf_schema import (
    EXPORT_FEATURES,
    ConfigSummary,
    ExportResult,
    SplitSummary,
    export_schema,
)
from corr2cause.integrations.sources import (
    config_for_variant,
    count_item_rows,
    has_item_tables,
    hf_split_name,
    iter_item_tables,
    optional_item_columns,
)

__all__ = [
    "DEFAULT_MAX_SHARD_ROWS",
    "EXPORT_FEATURES",
    "ConfigSummary",
    "ExportResult",
    "SplitSummary",
    "export_hf",
]

DEFAULT_MAX_SHARD_ROWS = 100_000
"""Rows per Parquet shard (about 20-40 MB compressed for N = 6)."""

ROW_GROUP_ROWS = 10_000
"""Rows per Parquet row group (small enough for the Hub's dataset viewer)."""

_SPLIT_ORDER = ("train", "dev", "test")
COMMONSENSE_VALUES = ("agrees", "contradicts", "unrelated")
"""Values of the ``commonsense`` column (:func:`corr2cause.dataset.themes.commonsense`)."""
_VARIANT_ORDER = ("original", "paraphrase", "refactor")


class ExportError(Corr2CauseError):
    """A source that cannot be exported, or an export that would overwrite its own input."""


def _refuse_self_overwrite(source: Path, out_dir: Path) -> None:
    """No export may replace (or live inside) its own source, even with ``overwrite``."""
    src, dst = source.resolve(), out_dir.resolve()
    if src == dst or src in dst.parents or dst in src.parents:
        raise ExportError(
            f"{out_dir}: the export would overwrite its own source {source}; "
            "choose an --out outside the source folder"
        )


def _source_variants(source: Path, manifest: dict[str, Any]) -> list[str]:
    """Variant folders to export, official ones first, then in manifest order."""
    listed = list(manifest.get("arguments", {}).get("variants", []))
    on_disk = sorted(
        p.name
        for p in source.iterdir()
        if p.is_dir() and not p.name.startswith(".") and p.name not in listed
    )
    names: list[str] = []
    for v in [*listed, *on_disk]:
        if v not in names and has_item_tables(source / v):
            names.append(v)
    rank = {v: k for k, v in enumerate(_VARIANT_ORDER)}
    return sorted(names, key=lambda v: (rank.get(v, len(rank)), names.index(v)))


def _text(table: pa.Table, name: str) -> pa.ChunkedArray:
    return table.column(name).cast(pa.string())


def _to_export(table: pa.Table, path: Path, schema: pa.Schema) -> pa.Table:
    """Rich generator rows -> exported columns (decoded strings, ``input``, class indices).

    Optional columns named by ``schema`` beyond the common ones are cast to their type.
    """
    premise, hypothesis = _text(table, "premise"), _text(table, "hypothesis")
    label = table.column("label").cast(pa.int64())
    if table.num_rows and (pc.min(label).as_py() < 0 or pc.max(label).as_py() > 1):
        raise ExportError(f"{path}: label values outside 0/1")
    label3 = pc.index_in(_text(table, "label3"), value_set=pa.array(LABEL3_VALUES))
    if label3.null_count:
        raise ExportError(f"{path}: label3 values outside {', '.join(LABEL3_VALUES)}")
    columns = {
        "id": _text(table, "id"),
        "input": pc.binary_join_element_wise(
            "Premise: ", premise, "\nHypothesis: ", hypothesis, ""
        ),
        "label": label,
        "num_variables": table.column("num_variables").cast(pa.int8()),
        "template": _text(table, "template"),
        "premise": premise,
        "hypothesis": hypothesis,
        "relation": _text(table, "relation"),
        "node_i": _text(table, "node_i"),
        "node_j": _text(table, "node_j"),
        "label3": label3.cast(pa.int64()),
        "fraction": table.column("fraction").cast(pa.float64()),
        "mec_id": _text(table, "mec_id"),
        "variant": _text(table, "variant"),
    }
    for name in schema.names[len(columns) :]:
        column = table.column(name)
        if pa.types.is_struct(column.type):  # a story's names, {letter: name}: JSON text
            column = pa.chunked_array(
                [pa.array([_json_object(v) for v in column.to_pylist()], pa.string())]
            )
        columns[name] = column.cast(schema.field(name).type)
    if "commonsense" in columns:
        seen = set(pc.unique(columns["commonsense"]).to_pylist()) - {None, *COMMONSENSE_VALUES}
        if seen:
            raise ExportError(
                f"{path}: commonsense values {sorted(seen)} outside "
                f"{', '.join(COMMONSENSE_VALUES)} (or empty)"
            )
    return pa.Table.from_arrays(list(columns.values()), schema=schema)


def _json_object(value: dict[str, Any] | None) -> str | None:
    """A struct read from JSON lines back as its JSON text (keys sorted; absent keys dropped)."""
    if value is None:
        return None
    return json.dumps(
        {k: v for k, v in value.items() if v is not None}, ensure_ascii=False, sort_keys=True
    )


class _ShardWriter:
    """Append rows of one split; write fixed-size row groups and roll over to new shards."""

    def __init__(self, folder: Path, split: str, max_shard_rows: int, schema: pa.Schema) -> None:
        self.folder = folder
        self.schema = schema
        self.split = split
        self.max_shard_rows = max_shard_rows
        self._pending: list[pa.Table] = []
        self._pending_rows = 0
        self._writer: pq.ParquetWriter | None = None
        self._shard_rows = 0
        self._shards: list[Path] = []

    def write(self, table: pa.Table) -> None:
        if table.num_rows == 0:
            return
        self._pending.append(table)
        self._pending_rows += table.num_rows
        while self._pending_rows >= self._next_group_rows():
            self._flush(self._next_group_rows())

    def _next_group_rows(self) -> int:
        return min(ROW_GROUP_ROWS, self.max_shard_rows - self._shard_rows)

    def _flush(self, rows: int) -> None:
        data = pa.concat_tables(self._pending).combine_chunks()
        group, rest = data.slice(0, rows), data.slice(rows)
        self._pending = [rest] if rest.num_rows else []
        self._pending_rows = rest.num_rows
        if self._writer is None:
            path = self.folder / f".{self.split}-{len(self._shards):05d}.partial"
            self._shards.append(path)
            self._writer = pq.ParquetWriter(path, self.schema, compression="zstd")
        self._writer.write_table(group, row_group_size=rows)
        self._shard_rows += rows
        if self._shard_rows >= self.max_shard_rows:
            self._writer.close()
            self._writer = None
            self._shard_rows = 0

    def discard(self) -> None:
        """Close the open shard file, if any, without finishing it (an error stops the run)."""
        if self._writer is not None:
            self._writer.close()
            self._writer = None

    def close(self) -> list[Path]:
        """Write what is left and give the shards their final names."""
        while self._pending_rows:
            self._flush(min(self._pending_rows, self._next_group_rows()))
        if self._writer is not None:
            self._writer.close()
            self._writer = None
        total = len(self._shards)
        final = []
        for k, path in enumerate(self._shards):
            target = self.folder / f"{self.split}-{k:05d}-of-{total:05d}.parquet"
            os.replace(path, target)
            final.append(target)
        return final


def export_hf(
    source: str | os.PathLike[str],
    out_dir: str | os.PathLike[str],
    *,
    overwrite: bool = False,
    max_shard_rows: int = DEFAULT_MAX_SHARD_ROWS,
    progress: Callable[[int, int], None] | None = None,
    stories: Sequence[str | os.PathLike[str]] = (),
) -> ExportResult:
    """Export a generated folder as a Hugging Face dataset folder.

    Parameters
    ----------
    source : path-like
        A folder written by ``corr2cause generate``: ``manifest.json`` and, per variant,
        ``items.parquet`` or ``items.jsonl`` (flat layout) or ``items/`` + ``premises/``
        (normalized layout).
    out_dir : path-like
        The export folder; must be absent or empty unless ``overwrite``.
    overwrite : bool, keyword-only
        Replace an existing non-empty ``out_dir`` (atomically, at the end).
    max_shard_rows : int, keyword-only
        Most rows per Parquet shard.
    progress : callable, optional
        ``progress(rows_done, rows_total)`` over all variants.
    stories : sequence of path-like, keyword-only
        Verified story sets (``corr2cause stories`` output folders or their
        ``stories.jsonl``) to export too, one config each, named after their folders
        (:func:`~corr2cause.evaluation.stories.discover_story_sets`), after the variants.
        Their rows carry the story columns (``source_id``, ``story_id``, ``context``,
        ``names`` as JSON text, ``verified``); free-form sets are refused.

    Returns
    -------
    ExportResult
        What was written; its :meth:`~ExportResult.to_dict` is JSON-friendly.

    Raises
    ------
    FileNotFoundError
        If ``source`` or its ``manifest.json`` is missing.
    ValueError
        If ``source`` holds no exportable variant or a malformed table (the message names
        the file), or ``max_shard_rows < 1``.
    FileExistsError
        If ``out_dir`` is not empty and ``overwrite`` is false.
    """
    if max_shard_rows < 1:
        raise ExportError("max_shard_rows must be at least 1")
    source = Path(source)
    manifest_path = source / "manifest.json"
    if not source.is_dir():
        raise FileNotFoundError(f"{source}: no such folder")
    if not manifest_path.is_file():
        raise FileNotFoundError(
            f"{manifest_path}: not found; is {source} a folder written by `corr2cause generate`?"
        )
    manifest = load_manifest(manifest_path)
    _refuse_self_overwrite(source, Path(out_dir))
    variants = _source_variants(source, manifest)
    if not variants:
        raise ExportError(
            f"{source}: no variant folder with item tables (items.parquet, items.jsonl or "
            "items/); regenerate with --format csv,parquet"
        )
    total = sum(count_item_rows(source / v) for v in variants)
    story_sets: dict[str, tuple[Path, dict[str, Any]]] = {}
    taken = {config_for_variant(v) for v in variants}
    for name, file in discover_story_sets(stories).items():
        if name in taken:
            raise ExportError(f"{file}: story set {name!r} has the name of a config of {source}")
        _refuse_self_overwrite(file.parent, Path(out_dir))
        rows = len(verified_story_rows(file))
        if rows == 0:
            raise ExportError(f"{file}: no story items (see the report.json next to it)")
        total += rows
        story_sets[name] = (file, _story_report(file))
    descriptions = manifest.get("variants", {})
    out_dir = Path(out_dir)
    done = 0
    configs: list[ConfigSummary] = []
    with staged_directory(out_dir, overwrite=overwrite) as stage, ExitStack() as open_shards:

        def export_config(
            label: Path, name: str, tables: Iterable[pa.Table], extra: tuple[str, ...]
        ) -> list[SplitSummary]:
            nonlocal done
            cdir = stage / "data" / name
            cdir.mkdir(parents=True)
            writers: dict[str, _ShardWriter] = {}
            schema = export_schema(extra)
            summaries = {s: SplitSummary(hf_split_name(s)) for s in _SPLIT_ORDER}
            for chunk in tables:
                splits = _text(chunk, "split")
                unknown = set(pc.unique(splits).to_pylist()) - set(_SPLIT_ORDER)
                if unknown:
                    raise ExportError(f"{label}: unknown split(s) {sorted(unknown, key=str)}")
                exported = _to_export(chunk, label, schema)
                for split in _SPLIT_ORDER:
                    part = exported.filter(pc.equal(splits, split))
                    if part.num_rows == 0:
                        continue
                    if split not in writers:
                        writers[split] = _ShardWriter(
                            cdir, hf_split_name(split), max_shard_rows, schema
                        )
                        open_shards.callback(writers[split].discard)  # a no-op once closed
                    writers[split].write(part)
                    _count(summaries[split], part)
                done += chunk.num_rows
                if progress is not None:
                    progress(done, total)
            splits_out = []
            for split in _SPLIT_ORDER:
                if split in writers:
                    shards = writers[split].close()
                    summaries[split].files = [p.relative_to(stage).as_posix() for p in shards]
                    summaries[split].download_size = sum(p.stat().st_size for p in shards)
                    splits_out.append(summaries[split])
            return splits_out

        for variant in variants:
            name = config_for_variant(variant)
            extra = optional_item_columns(source / variant)
            tables = iter_item_tables(source / variant, batch_rows=ROW_GROUP_ROWS)
            splits_out = export_config(source / variant, name, tables, extra)
            configs.append(
                ConfigSummary(name, variant, str(descriptions.get(variant, "")), splits_out, extra)
            )
        for name, (file, report) in story_sets.items():
            splits_out = export_config(file, name, _story_tables(file), STORY_COLUMNS)
            configs.append(
                ConfigSummary(
                    name,
                    "story",
                    _story_description(file, report),
                    splits_out,
                    STORY_COLUMNS,
                    kind="stories",
                )
            )
        example_file = _example_file(configs)
        result = ExportResult(
            out_dir=out_dir,
            configs=configs,
            manifest=manifest,
            example=_first_row(stage / example_file) if example_file else None,
            example_file=example_file,
        )
        (stage / "generation_manifest.json").write_text(
            json.dumps(manifest, indent=2) + "\n", encoding="utf-8"
        )
        (stage / "README.md").write_text(render_card(result), encoding="utf-8")
    return result


def _count(summary: SplitSummary, table: pa.Table) -> None:
    summary.rows += table.num_rows
    summary.num_bytes += table.nbytes
    summary.valid += int(pc.sum(table.column("label")).as_py() or 0)
    grouped = table.group_by("num_variables").aggregate([("label", "sum"), ("label", "count")])
    for n, valid, rows in zip(
        grouped.column("num_variables").to_pylist(),
        grouped.column("label_sum").to_pylist(),
        grouped.column("label_count").to_pylist(),
        strict=True,
    ):
        counts = summary.by_num_variables.setdefault(int(n), [0, 0])
        counts[0] += int(rows)
        counts[1] += int(valid)
    relation = _text(table, "relation")
    directional = pc.is_in(relation, value_set=pa.array(DIRECTIONAL_RELATIONS))
    backward = pc.is_in(relation, value_set=pa.array(BACKWARD_RELATIONS))
    node_i, node_j = _text(table, "node_i"), _text(table, "node_j")
    cause = pc.if_else(backward, node_j, node_i)
    effect = pc.if_else(backward, node_i, node_j)
    later = pc.greater(cause, effect)
    label = table.column("label")
    for side, mask in (
        (summary.later_cause, pc.and_(directional, later)),
        (summary.earlier_cause, pc.and_(directional, pc.invert(later))),
    ):
        side[0] += int(pc.sum(pc.cast(mask, pa.int64())).as_py() or 0)
        side[1] += int(pc.sum(pc.if_else(mask, label, 0)).as_py() or 0)


def _story_report(file: Path) -> dict[str, Any]:
    """The ``report.json`` written next to a story set, or ``{}`` without a readable one."""
    try:
        report = json.loads((file.parent / "report.json").read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return {}
    return report if isinstance(report, dict) else {}


def _story_description(file: Path, report: Mapping[str, Any]) -> str:
    """One line for the card: what a story config is, and its counts from ``report.json``."""
    text = (
        "verified stories (`corr2cause stories`): the variables named by a model, the texts "
        "written by the benchmark's templates, every label re-derived by the exact solver"
    )
    if report.get("stories"):
        text += (
            f"; prompt `{report.get('prompt', '?')}`, {report.get('accepted', '?')} of "
            f"{report['stories']} premises accepted"
        )
    return text


def _story_tables(file: Path) -> Iterator[pa.Table]:
    """The rows of a story set as item tables with the story columns, or one clear error."""
    try:
        for table in open_dataset(file).tables(
            split="all", batch_rows=ROW_GROUP_ROWS, optional_columns=STORY_COLUMNS
        ):
            missing = [c for c in STORY_COLUMNS if c not in table.column_names]
            if missing:
                raise ExportError(f"{file}: story column(s) {', '.join(missing)} missing")
            yield table
    except DatasetFormatError as exc:
        raise ExportError(
            f"{exc}. A story set needs the generator's item columns and a split: write it "
            "from a generated table (`corr2cause stories DATA/original/items.jsonl ...`) with "
            "this version (rerunning the same `corr2cause stories` command rewrites it; replies "
            "already in its cache are not asked again)"
        ) from None


def _example_file(configs: list[ConfigSummary]) -> str | None:
    """The first shard of the first config's test split (else its first split)."""
    if not configs or not configs[0].splits:
        return None
    splits = {s.name: s for s in configs[0].splits}
    chosen = splits.get("test", configs[0].splits[0])
    return chosen.files[0] if chosen.files else None


def _first_row(path: Path) -> dict[str, Any]:
    return dict(pq.ParquetFile(path).read_row_group(0).slice(0, 1).to_pylist()[0])
