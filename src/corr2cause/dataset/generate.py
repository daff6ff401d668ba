"""Generate the benchmark to disk: official CSV splits, rich Parquet/JSONL tables, a manifest.

Layout of an output folder ``DIR``::

    DIR/manifest.json                 version, arguments, seed, counts, sha256 of every file
    DIR/{variant}/train.csv           official columns: input,label,num_variables,template
    DIR/{variant}/dev.csv
    DIR/{variant}/test.csv
    DIR/{variant}/items.parquet       rich table, see corr2cause.dataset.compose.ITEM_COLUMNS
    DIR/{variant}/items.jsonl         same rows, on request

The whole folder is built in a hidden staging sibling and moved into place at the end, so an
interrupted run leaves nothing half-written. Output is byte-for-byte deterministic given the
arguments and the seed.
"""

from __future__ import annotations

import hashlib
import json
import queue
import sys
import threading
from collections.abc import Callable, Mapping, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from corr2cause.atomic import staged_directory
from corr2cause.dataset.columns import ItemColumns, check_item_columns, extra_values
from corr2cause.dataset.compose import (
    PREMISE_STYLES,
    VARIANTS,
    ClassData,
    NamedPairs,
    Variant,
    build_classes,
    class_columns,
    hypothesis_table,
    item_columns,
)
from corr2cause.dataset.manifest import new_manifest
from corr2cause.dataset.splits import SPLITS, assign_splits
from corr2cause.errors import Corr2CauseError, quote

FORMATS: tuple[str, ...] = ("csv", "parquet", "jsonl")
OFFICIAL_COLUMNS: tuple[str, ...] = ("input", "label", "num_variables", "template")
_DICT_COLUMNS = frozenset(
    {"split", "mec_id", "premise", "template", "relation", "node_i", "node_j", "label3", "variant"}
)
ITEMS_SCHEMA = pa.schema(
    [
        pa.field(c, pa.dictionary(pa.int32(), pa.string()) if c in _DICT_COLUMNS else t)
        for c, t in (
            ("id", pa.string()),
            ("split", None),
            ("num_variables", pa.int8()),
            ("mec_id", None),
            ("premise", None),
            ("hypothesis", pa.string()),
            ("template", None),
            ("relation", None),
            ("node_i", None),
            ("node_j", None),
            ("label", pa.int8()),
            ("label3", None),
            ("fraction", pa.float64()),
            ("variant", None),
        )
    ]
)
"""Arrow schema of ``items.parquet``."""

THEMED_ITEMS_SCHEMA = ITEMS_SCHEMA.append(
    pa.field("commonsense", pa.dictionary(pa.int32(), pa.string()))
).append(pa.field("commonsense_conflict", pa.bool_()))
"""Arrow schema of a themed variant's ``items.parquet``: two commonsense columns more."""


def items_schema(variant: Variant) -> pa.Schema:
    """The ``items.parquet`` schema of ``variant``."""
    return THEMED_ITEMS_SCHEMA if variant.theme is not None else ITEMS_SCHEMA


LAYOUTS: tuple[str, ...] = ("auto", "flat", "normalized")
"""Output layouts; ``auto`` is ``normalized`` from N = 7 or with ``samples``, else ``flat``."""


@dataclass
class GenerationConfig:
    """Everything a generation run needs; the one configuration of both writers.

    :func:`corr2cause.dataset.store.generate` reads it and picks the writer: the flat layout
    (:func:`generate_dataset`, exhaustive N <= 6) or the normalized, sharded one
    (:func:`corr2cause.dataset.sharded.generate_sharded`, N = 7 and sampled N). The fields
    after ``premise_style`` only concern the normalized layout.

    Attributes
    ----------
    nodes : list of int
        Node counts.
    variants : list of str
        Variants (:data:`corr2cause.dataset.compose.VARIANTS`).
    seed : int
        Seed of swap forms, splits and sampling.
    formats : list of str, optional
        ``csv``, ``parquet``, ``jsonl``. Default: ``csv,parquet`` for the flat layout,
        ``parquet`` for the normalized one (its CSV repeats every premise: ~100 GB at N = 7).
    premise_style : str
        ``full`` (official: every independence) or ``minimal``.
    layout : {"auto", "flat", "normalized"}
        Output layout.
    samples, edge_density, max_members, shard_size
        Sampled classes per N (``None``: enumerate every class), edge probability of sampled
        DAGs, member bound of exact fractions, classes per shard.
    sampler, per_stratum
        Sampled classes: ``edge-density`` or ``uniform`` (over labeled DAGs); stratify by
        class size with this many classes per size bin.
    tier : str, optional
        A versioned preset (:data:`corr2cause.dataset.sharded.TIERS`, e.g. ``hard``) that
        fixes the nodes, the sampling, the premise style and the member bound.
    engine : {"local", "ray"}
        Where shards run; ``workers`` processes (default: all cores).
    extra_columns : ItemColumns, optional
        A column provider (:mod:`corr2cause.dataset.columns`), e.g. the gold rationale of
        :class:`corr2cause.solver.rationale_column.RationaleColumn`: its columns are written
        after the item columns of ``items.parquet`` / ``items.jsonl`` in the same pass and
        recorded in the manifest under ``extra_columns``. Both layouts; the normalized one
        only for exhaustive classes (N <= 7).
    """

    nodes: list[int]
    variants: list[str] = field(default_factory=lambda: ["original"])
    seed: int = 0
    formats: list[str] | None = None
    premise_style: str = "full"
    layout: str = "auto"
    samples: int | None = None
    edge_density: float = 0.3
    max_members: int = 10_000
    shard_size: int = 1000
    engine: str = "local"
    workers: int | None = None
    sampler: str = "edge-density"
    per_stratum: int | None = None
    tier: str | None = None
    extra_columns: ItemColumns | None = None

    @property
    def resolved_layout(self) -> str:
        """``flat`` or ``normalized`` (see :data:`LAYOUTS`)."""
        if self.layout != "auto":
            return self.layout
        big = (
            self.samples is not None
            or self.tier is not None
            or (bool(self.nodes) and max(self.nodes) > 6)
        )
        return "normalized" if big else "flat"

    @property
    def output_formats(self) -> list[str]:
        """The formats to write, with the layout's default when none were given."""
        if self.formats is not None:
            return list(self.formats)
        return ["parquet"] if self.resolved_layout == "normalized" else ["csv", "parquet"]

    def validate(self) -> None:
        """Raise :class:`GenerationError` with a clear message on bad arguments."""
        if self.layout not in LAYOUTS:
            raise GenerationError(
                f"unknown layout {quote(self.layout)}; choose from {', '.join(LAYOUTS)}"
            )
        if self.engine not in ("local", "ray"):
            raise GenerationError(f"unknown engine {quote(self.engine)}; choose from local, ray")
        if not self.nodes:
            raise GenerationError("no node counts given")
        low = [n for n in self.nodes if n < 2]
        if low:
            raise GenerationError(f"node counts {low} out of range (N >= 2)")
        if self.resolved_layout == "normalized":
            # the normalized writer checks the rest
            # (:meth:`corr2cause.dataset.sharded.ShardedConfig.from_generation`)
            return
        if self.samples is not None:
            raise GenerationError("sampled classes need the normalized layout (--layout auto)")
        bad = [n for n in self.nodes if not 2 <= n <= 6]
        if bad:
            raise GenerationError(
                f"the flat layout is limited to exhaustive N <= 6 (got {bad}); "
                "use --layout normalized"
            )
        unknown = [v for v in self.variants if v not in VARIANTS]
        if unknown:
            raise GenerationError(
                f"unknown variant(s) {unknown}; choose from {', '.join(VARIANTS)}"
            )
        if not self.variants:
            raise GenerationError("no variant given")
        formats = self.output_formats
        badf = [f for f in formats if f not in FORMATS]
        if badf:
            raise GenerationError(f"unknown format(s) {badf}; choose from {list(FORMATS)}")
        if not formats:
            raise GenerationError("no output format given")
        if self.premise_style not in PREMISE_STYLES:
            raise GenerationError(
                f"unknown premise style {quote(self.premise_style)}; "
                f"choose from {list(PREMISE_STYLES)}"
            )

    def flat_arguments(self) -> dict[str, Any]:
        """The arguments a flat manifest records."""
        return {
            "nodes": self.nodes,
            "variants": self.variants,
            "seed": self.seed,
            "formats": self.output_formats,
            "premise_style": self.premise_style,
        }


class GenerationError(Corr2CauseError):
    """Generation arguments that cannot work; the message names the option."""


_BLOCK = 1 << 23
"""Bytes a writer collects before handing a block to the helper thread."""

_DEPTH = 8
"""Blocks (as lists of pieces) that may wait for the helper thread."""

_SWITCH_INTERVAL = 1e-4
"""``sys.setswitchinterval`` while a pipe runs (CPython's default is 5 ms)."""


class _PromptHandoff:
    """Lower the interpreter's switch interval while at least one pipe runs.

    A thread that wants the GIL back after a call that released it (``sha256.update``,
    ``write``, ``bytes.join``) waits up to the switch interval for a thread running Python
    code to be asked to let go. With the default 5 ms the writer thread, which needs the GIL
    three times per block, spent more time waiting than hashing and writing, and a run used
    one core (wall time = CPU time). The interval only decides how soon a waiting thread is
    served, never what any thread computes, so lowering it for the length of a run is safe
    for other threads of the process; the caller's value is restored when the last pipe
    closes (pipes may run in several threads at once), and a lower value is kept.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._users = 0
        self._saved = 0.0

    def acquire(self) -> None:
        with self._lock:
            if self._users == 0:
                self._saved = sys.getswitchinterval()
                sys.setswitchinterval(min(self._saved, _SWITCH_INTERVAL))
            self._users += 1

    def release(self) -> None:
        with self._lock:
            self._users -= 1
            if self._users == 0:
                sys.setswitchinterval(self._saved)


_HANDOFF = _PromptHandoff()


class _BlockPipe:
    """One helper thread that joins, hashes and writes the blocks of all writers, in order.

    The calling thread only collects pieces. The helper joins a block (``bytes.join``
    copies large results without the GIL), hashes it and writes it (both release the GIL on
    large buffers), so this work overlaps with building the next blocks. Each time the
    helper wants the GIL back it may wait up to ``sys.getswitchinterval()`` for the busy
    calling thread, so the pipe lowers that interval while it runs (:class:`_PromptHandoff`)
    and the queue is deep enough that the helper never also waits for the next block.
    Memory stays bounded: at most ``depth`` lists of pieces (whose long premises are shared
    objects) wait, and one joined block exists at a time.

    The first error of the helper (a full disk, say) is raised in the calling thread by the
    next :meth:`put` or by :meth:`close`; after it the helper only drains the queue.
    :meth:`close` always stops the thread and closes every writer's file. The thread starts
    with the first block, so a run that writes only Parquet changes nothing.
    """

    def __init__(self, depth: int | None = None) -> None:
        self._queue: queue.Queue[tuple[_HashingWriter, list[bytes]] | None] = queue.Queue(
            _DEPTH if depth is None else depth
        )
        self._error: BaseException | None = None
        self._abort = False
        self._writers: list[_HashingWriter] = []
        self._thread = threading.Thread(target=self._run, name="corr2cause-writer", daemon=True)
        self._running = False  # the thread starts with the first block

    def __enter__(self) -> _BlockPipe:
        return self

    def __exit__(self, exc_type: object, *_: object) -> None:
        if exc_type is not None:
            self._abort = True  # the caller's error wins; queued blocks are dropped
            self.close(raise_error=False)
        else:
            self.close()

    def _run(self) -> None:
        while (job := self._queue.get()) is not None:
            if self._error is None and not self._abort:
                sink, pieces = job
                try:
                    sink._consume(pieces)
                except BaseException as err:  # handed to the calling thread
                    self._error = err

    def _raise(self) -> None:
        if self._error is not None:
            raise self._error

    def open(self, path: Path) -> _HashingWriter:
        """A new writer of ``path`` whose blocks this pipe handles."""
        writer = _HashingWriter(path, self)
        self._writers.append(writer)
        return writer

    def put(self, sink: _HashingWriter, pieces: list[bytes]) -> None:
        """Queue a block of ``sink`` (waits while the queue is full)."""
        self._raise()
        if not self._running:
            self._thread.start()
            _HANDOFF.acquire()
            self._running = True
        self._queue.put((sink, pieces))

    def close(self, *, raise_error: bool = True) -> None:
        """Finish the queued blocks, stop the thread, close the files; raise a helper error."""
        if self._running:
            self._running = False
            self._queue.put(None)
            self._thread.join()
            _HANDOFF.release()
        for writer in self._writers:
            writer._fh.close()
        if raise_error:
            self._raise()


class _HashingWriter:
    """A byte sink that a :class:`_BlockPipe` hashes and writes in large blocks."""

    def __init__(self, path: Path, pipe: _BlockPipe) -> None:
        self.path = path
        self._pipe = pipe
        self._fh = open(path, "wb")  # noqa: SIM115 - closed by the pipe
        self._sha = hashlib.sha256()
        self._buf: list[bytes] = []
        self._size = 0

    def write(self, text: str) -> None:
        self.write_bytes(text.encode("utf-8"))

    def write_bytes(self, data: bytes) -> None:
        self.write_pieces([data], len(data))

    def write_pieces(self, pieces: list[bytes], size: int) -> None:
        """Append ``pieces`` (``size`` bytes together) to the output."""
        self._buf += pieces
        self._size += size
        if self._size > _BLOCK:
            self.flush()

    def flush(self) -> None:
        """Hand the collected pieces to the pipe."""
        if self._buf:
            self._pipe.put(self, self._buf)
        self._buf, self._size = [], 0

    def _consume(self, pieces: list[bytes]) -> None:  # on the pipe's thread
        data = b"".join(pieces)
        self._sha.update(data)
        self._fh.write(data)

    def hexdigest(self) -> str:
        """sha256 of everything written; valid once the pipe is closed."""
        return self._sha.hexdigest()


def _sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _dictionary_array(values: list[str | None]) -> pa.DictionaryArray:
    """``pa.array(values).dictionary_encode()`` without copying every repeated string.

    The premise of a class is one string object repeated in each of its rows; hashing it
    once (Python caches a string's hash) avoids copying hundreds of MB into Arrow first.
    Same dictionary order (first occurrence) and nulls as ``dictionary_encode``.
    """
    index: dict[str, int] = {}
    codes = [None if v is None else index.setdefault(v, len(index)) for v in values]
    return pa.DictionaryArray.from_arrays(
        pa.array(codes, type=pa.int32()), pa.array(list(index), type=pa.string())
    )


_LONG_REPEATED = frozenset({"premise"})
"""Dictionary columns whose values are long and repeated (one premise per class): encoded
by :func:`_dictionary_array`. Arrow's own ``dictionary_encode`` is faster for the short
values of the others and gives the same arrays (dictionary in first-occurrence order)."""


def _arrow_table(cols: dict[str, list[Any]], schema: pa.Schema = ITEMS_SCHEMA) -> pa.Table:
    arrays = []
    for f in schema:
        if pa.types.is_dictionary(f.type) and f.name in _LONG_REPEATED:
            arrays.append(_dictionary_array(cols[f.name]))
        elif pa.types.is_dictionary(f.type):
            arrays.append(pa.array(cols[f.name], type=f.type.value_type).dictionary_encode())
        else:
            arrays.append(pa.array(cols[f.name], type=f.type))
    return pa.Table.from_arrays(arrays, schema=schema)


def _csv_field(value: str) -> str:
    """Quote a CSV field exactly as ``csv.writer`` (QUOTE_MINIMAL) would."""
    if any(ch in value for ch in ',"\n\r'):
        return '"' + value.replace('"', '""') + '"'
    return value


def official_csv_pieces(
    premise: str,
    hypotheses: Sequence[str],
    labels: Sequence[int],
    num_variables: int,
    templates: Sequence[str],
) -> tuple[list[bytes], int]:
    """Official-format CSV rows (``input,label,num_variables,template``) of one class, UTF-8.

    Equivalent to ``csv.writer(lineterminator="\\n")`` but several times faster: the long
    premise shared by all rows is escaped and encoded once, the short row tails are encoded
    together. The rows come as pieces ``[head, tail_0, head, tail_1, ...]`` (``head`` is one
    object: the opening quote, ``Premise: ``, the premise and ``Hypothesis: ``), so a writer
    joins them once into its output block instead of copying every repeated premise twice.

    Returns
    -------
    (list of bytes, int)
        The pieces and their total length.
    """
    if not hypotheses:
        return [], 0
    head = ('"Premise: ' + premise.replace('"', '""') + "\nHypothesis: ").encode("utf-8")
    fields = {t: _csv_field(t) for t in set(templates)}
    tails = "\x00".join(
        f'{h.replace(chr(34), chr(34) * 2)}",{lab},{num_variables},{fields[t]}\n'
        for h, lab, t in zip(hypotheses, labels, templates, strict=True)
    ).encode("utf-8")
    k = len(hypotheses)
    parts = tails.split(b"\x00")
    if len(parts) != k:  # a NUL inside a field: encode row by row
        parts = [
            f'{h.replace(chr(34), chr(34) * 2)}",{lab},{num_variables},{fields[t]}\n'.encode()
            for h, lab, t in zip(hypotheses, labels, templates, strict=True)
        ]
        size = sum(map(len, parts))
    else:
        size = len(tails) - (k - 1)
    pieces = [head] * (2 * k)
    pieces[1::2] = parts
    return pieces, size + k * len(head)


def official_csv_rows(
    premise: str,
    hypotheses: Sequence[str],
    labels: Sequence[int],
    num_variables: int,
    templates: Sequence[str],
) -> str:
    """:func:`official_csv_pieces` joined, as text."""
    pieces, _ = official_csv_pieces(premise, hypotheses, labels, num_variables, templates)
    return b"".join(pieces).decode("utf-8")


_encode_json = json.JSONEncoder(ensure_ascii=False).encode
"""``json.dumps(value, ensure_ascii=False)``, without its per-call argument handling."""

_MEMO_TYPES = (
    frozenset({str, type(None)}),
    frozenset({int, type(None)}),
    frozenset({float, type(None)}),
    frozenset({bool, type(None)}),
)
"""Value types a column may mix and still be encoded once per distinct value: ``True == 1``
and ``1 == 1.0`` as dict keys, so bools, ints and floats are never memoized together."""


def _json_column(values: Sequence[Any]) -> list[bytes]:
    """Each value as UTF-8 JSON, each distinct value encoded once where that is safe."""
    if any(set(map(type, values)) <= types for types in _MEMO_TYPES):
        memo = {v: _encode_json(v).encode("utf-8") for v in dict.fromkeys(values)}
        return list(map(memo.__getitem__, values))
    return [_encode_json(v).encode("utf-8") for v in values]


def _json_lines_part(
    columns: Mapping[str, Sequence[Any]],
    keys: Sequence[str],
    rows: int,
    prefix: bytes,
    suffix: bytes,
) -> list[bytes]:
    """Per row: ``prefix``, the JSON members ``"key": value`` of ``keys``, ``suffix``."""
    if not keys:
        return [prefix + suffix] * rows
    fmt = (
        prefix.replace(b"%", b"%%")
        + b", ".join(_encode_json(k).encode("utf-8").replace(b"%", b"%%") + b": %s" for k in keys)
        + suffix.replace(b"%", b"%%")
    )
    return list(map(fmt.__mod__, zip(*(_json_column(columns[k]) for k in keys), strict=True)))


def jsonl_pieces(
    columns: Mapping[str, Sequence[Any]], keys: Sequence[str], *, shared: str = "premise"
) -> tuple[list[bytes], int]:
    """JSON Lines of the rows of ``columns`` (in the order ``keys``), UTF-8, as pieces.

    Equal, byte for byte, to ``json.dumps(dict(zip(keys, row)), ensure_ascii=False) + "\\n"``
    per row, but several times faster: every distinct value of a column is encoded once (the
    premise of a class is one value for all its rows), and the rows come as pieces
    ``[head, shared value, tail, ...]`` around the long ``shared`` column, so the premise is
    not copied on the calling thread; a writer joins the pieces into its output block, as
    with :func:`official_csv_pieces`.

    Returns
    -------
    (list of bytes, int)
        The pieces and their total length.
    """
    rows = len(columns[keys[0]]) if keys else 0
    if rows == 0:
        return [], 0
    if shared not in keys:
        lines = _json_lines_part(columns, keys, rows, b"{", b"}\n")
        return lines, sum(map(len, lines))
    cut = list(keys).index(shared)
    before, after = keys[:cut], keys[cut + 1 :]
    name = _encode_json(shared).encode("utf-8") + b": "
    heads = _json_lines_part(columns, before, rows, b"{", b", " + name if before else name)
    tails = _json_lines_part(columns, after, rows, b", " if after else b"", b"}\n")
    middle = _json_column(columns[shared])
    pieces = [b""] * (3 * rows)
    pieces[0::3], pieces[1::3], pieces[2::3] = heads, middle, tails
    return pieces, sum(map(len, heads)) + sum(map(len, middle)) + sum(map(len, tails))


def generate_dataset(
    out_dir: str | Path,
    config: GenerationConfig,
    *,
    overwrite: bool = False,
    progress: Callable[[int, int], None] | None = None,
    classes_by_n: dict[int, list[ClassData]] | None = None,
) -> dict[str, Any]:
    """Generate the benchmark into ``out_dir`` and return the manifest.

    Parameters
    ----------
    out_dir : path-like
        Output folder; must be absent or empty unless ``overwrite``.
    config : GenerationConfig
        Node counts, variants, seed and formats.
    overwrite : bool, keyword-only
        Replace an existing non-empty folder (atomically, at the end).
    progress : callable, optional
        ``progress(done_classes, total_classes)`` over all variants.
    classes_by_n : dict, optional
        Precomputed :func:`~corr2cause.dataset.compose.build_classes` results (reused across
        calls by benchmarks and tests).

    Returns
    -------
    dict
        The manifest also written to ``out_dir/manifest.json``.
    """
    config.validate()
    if config.resolved_layout != "flat":
        raise GenerationError("generate_dataset writes the flat layout; use dataset.store.generate")
    formats = config.output_formats
    out_dir = Path(out_dir)
    if classes_by_n is None:
        classes_by_n = {}
    for n in config.nodes:
        if n not in classes_by_n:
            classes_by_n[n] = build_classes(n)
    splits_by_n = {
        n: assign_splits([c.num_items for c in classes_by_n[n]], seed=config.seed, n=n)
        for n in config.nodes
    }
    total_classes = sum(len(classes_by_n[n]) for n in config.nodes) * len(config.variants)
    done = 0
    counts: dict[str, Any] = {}
    files: dict[str, str] = {}
    chunk_items = 20_000
    hashed: dict[str, _HashingWriter] = {}
    with (
        staged_directory(out_dir, overwrite=overwrite) as stage,
        _BlockPipe() as pipe,
        ExitStack() as parquet_files,  # closed on any error (the pipe closes the others)
    ):
        for vname in config.variants:
            variant = VARIANTS[vname]
            columns, schema = item_columns(variant), items_schema(variant)
            if config.extra_columns is not None:
                check_item_columns(config.extra_columns, existing=columns)
                columns += tuple(f.name for f in config.extra_columns.fields)
                for f in config.extra_columns.fields:
                    schema = schema.append(f)
            vdir = stage / vname
            vdir.mkdir()
            csv_writers: dict[str, _HashingWriter] = {}
            if "csv" in formats:
                for s in SPLITS:
                    csv_writers[s] = pipe.open(vdir / f"{s}.csv")
                    csv_writers[s].write(",".join(OFFICIAL_COLUMNS) + "\n")
            jsonl = pipe.open(vdir / "items.jsonl") if "jsonl" in formats else None
            pq_writer = (
                pq.ParquetWriter(vdir / "items.parquet", schema, compression="zstd")
                if "parquet" in formats
                else None
            )
            if pq_writer is not None:
                parquet_files.callback(pq_writer.close)  # closing twice is a no-op
            vcounts: dict[str, dict[str, dict[str, int]]] = {}
            named = (  # one memo of sentences per pair of names for all N
                None
                if variant.theme is None
                else NamedPairs(variant.theme, paraphrase=variant.paraphrase)
            )
            for n in config.nodes:
                table = hypothesis_table(n, variant, named=named)
                names_by_class = variant.class_names_many(
                    [c.mec_id for c in classes_by_n[n]], n, seed=config.seed
                )
                pending: dict[str, list[Any]] = {c: [] for c in columns}
                for cdata, split, names in zip(
                    classes_by_n[n], splits_by_n[n], names_by_class, strict=True
                ):
                    cols = class_columns(
                        cdata,
                        variant,
                        table,
                        split=split,
                        seed=config.seed,
                        premise_style=config.premise_style,
                        names=names,
                    )
                    if config.extra_columns is not None:
                        cols |= extra_values(config.extra_columns, cols)
                    stats = vcounts.setdefault(str(n), {}).setdefault(
                        split, {"items": 0, "valid": 0, "classes": 0}
                    )
                    stats["items"] += len(cols["id"])
                    stats["valid"] += sum(cols["label"])
                    stats["classes"] += 1
                    if csv_writers:
                        csv_writers[split].write_pieces(
                            *official_csv_pieces(
                                cols["premise"][0],
                                cols["hypothesis"],
                                cols["label"],
                                cdata.n,
                                cols["template"],
                            )
                        )
                    for c in columns:
                        pending[c].extend(cols[c])
                    if len(pending["id"]) >= chunk_items:
                        _flush(pending, pq_writer, jsonl, schema)
                        pending = {c: [] for c in columns}
                    done += 1
                    if progress is not None:
                        progress(done, total_classes)
                _flush(pending, pq_writer, jsonl, schema)
            for s, w in csv_writers.items():
                w.flush()
                hashed[f"{vname}/{s}.csv"] = w
            if jsonl is not None:
                jsonl.flush()
                hashed[f"{vname}/items.jsonl"] = jsonl
            if pq_writer is not None:
                pq_writer.close()
                files[f"{vname}/items.parquet"] = _sha256_file(vdir / "items.parquet")
            counts[vname] = vcounts
        pipe.close()  # the last blocks are written: the digests are final
        files |= {key: w.hexdigest() for key, w in hashed.items()}
        manifest = new_manifest(
            "flat",
            config.flat_arguments(),
            variants={v: VARIANTS[v].description for v in config.variants},
            **themes_entry(config.variants),
            **(
                {"extra_columns": config.extra_columns.describe()}
                if config.extra_columns is not None
                else {}
            ),
        )
        manifest |= {
            "classes": {str(n): len(classes_by_n[n]) for n in config.nodes},
            "items": {
                v: sum(s["items"] for per_n in c.values() for s in per_n.values())
                for v, c in counts.items()
            },
            "counts": counts,
            "sha256": dict(sorted(files.items())),
        }
        (stage / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    return manifest


def themes_entry(variants: Sequence[str]) -> dict[str, Any]:
    """``{"themes": {variant: {name, version, sha256}}}`` when a themed variant is generated."""
    themes = {
        v: {"name": t.name, "version": t.version, "sha256": t.sha256}
        for v in variants
        if (t := VARIANTS[v].theme) is not None
    }
    return {"themes": themes} if themes else {}


def _flush(
    pending: dict[str, list[Any]],
    pq_writer: pq.ParquetWriter | None,
    jsonl: _HashingWriter | None,
    schema: pa.Schema = ITEMS_SCHEMA,
) -> None:
    if not pending["id"]:
        return
    if pq_writer is not None:
        pq_writer.write_table(_arrow_table(pending, schema), row_group_size=1 << 20)
    if jsonl is not None:
        jsonl.write_pieces(*jsonl_pieces(pending, schema.names))
