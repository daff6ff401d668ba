"""Sharded, resumable generation for large ``N``: a premises table and an items table.

At ``N = 7`` the benchmark has 76,907 classes and 9.7 million items per variant, and every
premise lists hundreds of independencies; repeating the premise in every item row (the
official CSV format) would take about 100 GB. This module writes a *normalized* layout::

    DIR/manifest.json
    DIR/{variant}/premises/part-n7-00000.parquet   one row per class: mec_id, premise, ...
    DIR/{variant}/items/part-n7-00000.parquet      one row per item, referencing mec_id
    DIR/{variant}/{train,dev,test}.csv             official CSV, only with format "csv"

Work is cut into shards of classes (per ``N``). Each shard is computed independently —
members, labels, d-separation statements, premises, item columns — by a worker of the chosen
engine (:mod:`corr2cause.dataset.engines`) and written atomically with a completion marker.
An interrupted run is resumed by running the same command again: finished shards are
skipped. The folder is built under ``.{DIR}.partial`` and moved into place at the end.
Output bytes depend only on the arguments, never on the engine or the order of completion.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from functools import partial
from math import comb
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from corr2cause.atomic import (
    atomic_write_bytes,
    atomic_write_text,
    atomic_writer,
    replace_directory,
)
from corr2cause.causal.d_separation import (
    d_separation_statements,
    minimal_separating_statements,
)
from corr2cause.causal.markov_equivalence import cpdag, mec_members
from corr2cause.causal.mec_classes import LABEL3_NAMES, mec_classes, relation_counts
from corr2cause.causal.relations import RELATIONS
from corr2cause.dataset.class_labels import check_premise_style, sampled_class_data
from corr2cause.dataset.columns import ItemColumns, check_item_columns, extra_values
from corr2cause.dataset.compose import (
    COMMONSENSE_COLUMNS,
    PREMISE_STYLES,
    THEME_VARIANT_PREFIX,
    VARIANTS,
    ClassData,
    NamedPairs,
    Variant,
    commonsense_items,
    hypothesis_table,
    relabel_class,
    relabel_permutation,
    swap_forms,
    theme_variant,
)
from corr2cause.dataset.engines import make_engine
from corr2cause.dataset.generate import (
    OFFICIAL_COLUMNS,
    THEMED_ITEMS_SCHEMA,
    GenerationConfig,
    GenerationError,
    official_csv_rows,
    themes_entry,
)
from corr2cause.dataset.manifest import new_manifest
from corr2cause.dataset.sampling import SAMPLERS
from corr2cause.dataset.splits import SPLITS, assign_splits
from corr2cause.dataset.themes import Theme
from corr2cause.errors import Corr2CauseError, quote
from corr2cause.graphs.dag import Parents, mask_to_parents, pairs

TIERS: dict[str, dict[str, Any]] = {
    "hard": {
        "version": "hard-v2",
        "nodes": [7, 10, 15, 20, 25, 30],
        "samples": 20_000,
        "per_stratum": 100,
        "edge_density": 0.1,
        "premise_style": "minimal",
        "max_members": 10_000,
        "sampler": "edge-density",
        "balance": True,
        "split": "test",
    }
}
"""The presets: ``ShardedConfig`` fields plus the ``version`` recorded in the manifest."""


class UnknownTierError(Corr2CauseError):
    """A ``--tier`` name that is not defined."""


def tier_version(config: ShardedConfig) -> str:
    """The tier version a run records: ``hard-v2``, or ``hard-v2+modified`` when a preset
    field was changed (a trial run, not the citable tier)."""
    assert config.tier is not None
    preset = TIERS[config.tier]
    modified = any(getattr(config, k) != v for k, v in preset.items() if k != "version")
    return str(preset["version"]) + ("+modified" if modified else "")


_DICT = pa.dictionary(pa.int32(), pa.string())
PREMISES_SCHEMA = pa.schema(
    [
        ("mec_id", pa.string()),
        ("split", _DICT),
        ("num_variables", pa.int8()),
        ("num_members", pa.int32()),
        ("premise", pa.string()),
        ("variant", _DICT),
    ]
)
"""Schema of ``premises/part-*.parquet``."""

NORMALIZED_ITEMS_SCHEMA = pa.schema(
    [
        ("id", pa.string()),
        ("split", _DICT),
        ("num_variables", pa.int8()),
        ("mec_id", _DICT),
        ("hypothesis", _DICT),
        ("template", _DICT),
        ("relation", _DICT),
        ("node_i", _DICT),
        ("node_j", _DICT),
        ("label", pa.int8()),
        ("label3", _DICT),
        ("fraction", pa.float64()),
        ("variant", _DICT),
    ]
)
"""Schema of ``items/part-*.parquet`` (join with premises on ``mec_id``)."""

SAMPLED_ITEMS_SCHEMA = (
    NORMALIZED_ITEMS_SCHEMA.append(pa.field("fraction_exact", pa.bool_()))
    .append(pa.field("fraction_low", pa.float64()))
    .append(pa.field("fraction_high", pa.float64()))
)
"""Items of sampled classes: ``fraction`` is exact (``fraction_exact``) or an unbiased estimate
from uniform member draws with a 95 % Wilson interval (:mod:`corr2cause.dataset.class_labels`)."""

SAMPLED_PREMISES_SCHEMA = (
    PREMISES_SCHEMA.append(pa.field("mec_size", pa.string()))
    .append(pa.field("edges", pa.int16()))
    .append(pa.field("undirected_edges", pa.int16()))
)
"""Premises of sampled classes: ``mec_size`` is the exact class size as a decimal string
(``num_members`` is null when the size does not fit in 32 bits); ``edges`` and
``undirected_edges`` count the edges of the skeleton and the undirected edges of the CPDAG
(difficulty columns, :mod:`corr2cause.dataset.stats`)."""


@dataclass(frozen=True)
class ShardSpec:
    """One unit of work: some classes of one ``N``, and everything needed to write them."""

    n: int
    index: int
    mec_ids: tuple[str, ...]
    parents: tuple[Parents, ...]
    splits: tuple[str, ...]
    variants: tuple[str, ...]
    seed: int
    premise_style: str
    formats: tuple[str, ...]
    work_dir: str
    max_members: int | None = None
    extra_columns: ItemColumns | None = None
    balance: bool = False
    themes: tuple[Theme, ...] = ()
    """Themes of the themed variants (carried along: a theme file is registered only in the
    process that read it)."""

    @property
    def name(self) -> str:
        """File stem of this shard's parts, e.g. ``part-n7-00012``."""
        return f"part-n{self.n}-{self.index:05d}"


@dataclass
class ShardedConfig:
    """Arguments of a sharded generation run (recorded in the manifest)."""

    nodes: list[int]
    variants: list[str] = field(default_factory=lambda: ["original"])
    seed: int = 0
    formats: list[str] = field(default_factory=lambda: ["parquet"])
    premise_style: str = "full"
    samples: int | None = None
    edge_density: float = 0.3
    max_members: int = 10_000
    shard_size: int = 1000
    sampler: str = "edge-density"
    per_stratum: int | None = None
    tier: str | None = None
    extra_columns: ItemColumns | None = None
    balance: bool = False
    split: str | None = None

    def arguments(self) -> dict[str, Any]:
        """The arguments as the manifest records them.

        Options added after the first release are left out while at their defaults, so the
        manifests (and their bytes) of earlier commands do not change. A column provider is
        recorded by its description (:mod:`corr2cause.dataset.columns`).
        """
        extra = self.extra_columns
        args = asdict(self)
        for name in ("sampler", "per_stratum", "tier", "extra_columns", "balance", "split"):
            if args[name] == ShardedConfig.__dataclass_fields__[name].default:
                del args[name]
        if extra is not None:
            args["extra_columns"] = extra.describe()
        themes = {v: t.sha256 for v, t in self.themes().items()}
        if themes:  # a changed theme file must not resume a run made with the old one
            args["themes"] = themes
        return args

    def themes(self) -> dict[str, Theme]:
        """The themes of the themed variants, by variant name."""
        return {v: t for v in self.variants if (t := VARIANTS[v].theme) is not None}

    @classmethod
    def from_generation(cls, config: GenerationConfig) -> ShardedConfig:
        """The normalized writer's arguments of a :class:`GenerationConfig` (validated).

        With ``config.tier`` the tier's preset (:data:`TIERS`) fixes everything but the
        variants, the seed, the formats and the shard size.
        """
        free: dict[str, Any] = {
            "variants": list(config.variants),
            "seed": config.seed,
            "formats": [f for f in config.output_formats if f != "jsonl"],
            "shard_size": config.shard_size,
            "extra_columns": config.extra_columns,
        }
        if config.tier is not None:
            if config.tier not in TIERS:
                raise UnknownTierError(
                    f"unknown tier {config.tier!r}; choose from {', '.join(TIERS)}"
                )
            preset: dict[str, Any] = {k: v for k, v in TIERS[config.tier].items() if k != "version"}
            out = cls(**preset, tier=config.tier, **free)
        else:
            out = cls(
                nodes=list(config.nodes),
                premise_style=config.premise_style,
                samples=config.samples,
                edge_density=config.edge_density,
                max_members=config.max_members,
                sampler=config.sampler,
                per_stratum=config.per_stratum,
                **free,
            )
        out.validate()
        return out

    def validate(self) -> None:
        """Raise :class:`GenerationError` with a clear message on bad arguments."""
        if not self.nodes:
            raise GenerationError("no node counts given")
        if self.samples is None and any(not 2 <= n <= 7 for n in self.nodes):
            raise GenerationError(
                "exhaustive generation supports 2..7 nodes; use --samples for more"
            )
        if self.tier is not None and self.tier not in TIERS:
            raise GenerationError(f"unknown tier {self.tier!r}; choose from {list(TIERS)}")
        if self.sampler not in SAMPLERS:
            raise GenerationError(f"unknown sampler {self.sampler!r}; choose from {list(SAMPLERS)}")
        if self.per_stratum is not None and (self.samples is None or self.per_stratum < 1):
            raise GenerationError(
                "--per-stratum needs --samples (the draw budget) and must be >= 1"
            )
        if self.samples is not None and any(not 2 <= n <= 64 for n in self.nodes):
            raise GenerationError("sampled generation supports 2..64 nodes")
        if self.samples is not None:
            for n in self.nodes:
                check_premise_style(n, self.premise_style)
        unknown = [v for v in self.variants if v not in VARIANTS]
        if unknown or not self.variants:
            raise GenerationError(f"unknown variant(s) {unknown}; choose from {sorted(VARIANTS)}")
        for v in self.variants:
            theme = VARIANTS[v].theme
            if theme is not None and max(self.nodes) > len(theme.names):
                raise GenerationError(
                    f"the variant {v!r} names at most {len(theme.names)} variables (its theme "
                    f"has {len(theme.names)} names); --nodes asks for {max(self.nodes)}"
                )
        bad = [f for f in self.formats if f not in ("parquet", "csv")]
        if bad or not self.formats:
            raise GenerationError(
                f"unknown format(s) {bad}; the sharded layout writes parquet, csv"
            )
        if self.premise_style not in PREMISE_STYLES:
            raise GenerationError(f"unknown premise style {quote(self.premise_style)}")
        if self.split is not None and self.split not in SPLITS:
            raise GenerationError(f"unknown split {quote(self.split)}; choose from {SPLITS}")
        if self.shard_size < 1 or self.max_members < 1:
            raise GenerationError("shard size and max members must be positive")
        if self.extra_columns is not None:
            if self.samples is not None or self.tier is not None:
                raise GenerationError(
                    "extra item columns (--rationale) need exhaustive classes (N <= 7); a "
                    "sampled class can have too many member DAGs to derive"
                )
            check_item_columns(self.extra_columns, existing=NORMALIZED_ITEMS_SCHEMA.names)


def _dict_array(indices: np.ndarray, values: list[str]) -> pa.DictionaryArray:
    """Dictionary array of ``values[indices]`` with a duplicate-free dictionary.

    Duplicate dictionary entries would make the Parquet encoder's output depend on hashing
    order, breaking byte-for-byte determinism.
    """
    unique: dict[str, int] = {}
    remap = np.array([unique.setdefault(v, len(unique)) for v in values], dtype=np.int32)
    idx = remap[indices] if len(values) else np.zeros(0, dtype=np.int32)
    return pa.DictionaryArray.from_arrays(pa.array(idx), pa.array(list(unique), type=pa.string()))


def _write_parquet(path: Path, table: pa.Table) -> str:
    sink = pa.BufferOutputStream()
    pq.write_table(table, sink, compression="zstd", row_group_size=1 << 20)
    data = sink.getvalue().to_pybytes()
    atomic_write_bytes(path, data)
    return hashlib.sha256(data).hexdigest()


def run_shard(spec: ShardSpec) -> dict[str, Any]:
    """Compute and write one shard; return its marker (counts and checksums).

    Safe to call in any process: it reads nothing but ``spec`` and writes only its own files.
    """
    work = Path(spec.work_dir)
    marker_path = work / "done" / f"{spec.name}.json"
    if marker_path.is_file():
        done_marker: dict[str, Any] = json.loads(marker_path.read_text())
        return done_marker
    n = spec.n
    base: list[ClassData] = []
    skipped: list[str] = []
    from_cpdag: list[str] = []
    kept_splits: list[str] = []
    sampled = spec.max_members is not None
    sizes: list[int] = []
    exacts: list[bool] = []
    shape: list[tuple[int, int]] = []  # (edges, undirected CPDAG edges) of sampled classes
    for mec_id, parents, split in zip(spec.mec_ids, spec.parents, spec.splits, strict=True):
        if sampled:
            # any size: exact labels from the CPDAG, fractions exact or estimated
            data, labels = sampled_class_data(
                mec_id,
                parents,
                premise_style=spec.premise_style,
                max_members=spec.max_members or 1,
                seed=spec.seed,
            )
            base.append(data)
            sizes.append(labels.size)
            shape.append(
                (sum(p.bit_count() for p in parents), len(cpdag(parents).undirected_edges()))
            )
            exacts.append(labels.fraction_exact)
        else:
            members = mec_members(parents)
            statements = d_separation_statements(parents)
            if spec.premise_style == "minimal":
                statements = minimal_separating_statements(statements)
            base.append(
                ClassData(
                    n=n,
                    mec_id=mec_id,
                    parents=parents,
                    statements=statements,
                    counts=relation_counts(members),
                    num_members=len(members),
                )
            )
        kept_splits.append(split)
    marker: dict[str, Any] = {
        "shard": spec.name,
        "classes": len(base),
        "skipped": skipped,
        "labeled_from_cpdag": from_cpdag,
    }
    files: dict[str, str] = {}
    counts: dict[str, dict[str, int]] = {}
    n_pairs, n_rel = comb(n, 2), len(RELATIONS)
    per_class = n_pairs * n_rel
    split_index = np.array([SPLITS.index(s) for s in kept_splits], dtype=np.int32)
    for vname in spec.variants:
        variant = _shard_variant(spec, vname)
        table = hypothesis_table(n, variant)
        classes = (
            [relabel_class(c, relabel_permutation(c.mec_id, n, seed=spec.seed)) for c in base]
            if variant.relabel
            else base
        )
        # the names of every class, drawn together as in the flat layout (the same for every
        # class unless themed)
        class_names = variant.class_names_many([c.mec_id for c in classes], n, seed=spec.seed)
        premises = [
            c.premise(names, style=spec.premise_style)
            for c, names in zip(classes, class_names, strict=True)
        ]
        k = len(classes)
        codes3 = np.zeros((k, n_pairs, n_rel), dtype=np.int64)
        frac3 = np.zeros((k, n_pairs, n_rel), dtype=np.float64)
        bounds3 = np.zeros((k, n_pairs, n_rel, 2), dtype=np.float64)
        for ci, c in enumerate(classes):
            if c.fraction_table is not None:  # sampled: exact labels, fraction exact or estimated
                assert c.label3_codes is not None  # set together with fraction_table
                codes3[ci] = c.label3_codes
                frac3[ci] = c.fraction_table[..., 0]
                bounds3[ci] = c.fraction_table[..., 1:]
            else:
                m = c.num_members
                codes3[ci] = np.where(c.counts == m, 0, np.where(c.counts == 0, 2, 1))
                frac3[ci] = c.counts / m
        forms = (
            np.stack([swap_forms(c.mec_id, n, seed=spec.seed) for c in classes])
            if k
            else np.zeros((0, n_pairs, n_rel), dtype=np.int8)
        )
        label3 = codes3.reshape(-1)
        label = (label3 == 0).astype(np.int8)
        fraction = frac3.reshape(-1)
        p_idx = np.repeat(np.arange(n_pairs), n_rel)[None, :].repeat(k, 0)
        r_idx = np.tile(np.arange(n_rel), n_pairs)[None, :].repeat(k, 0)
        f_idx = forms.reshape(k, -1).astype(np.int64)
        hyp_dict = [
            table.text[p][r][f] for p in range(n_pairs) for r in range(n_rel) for f in (0, 1)
        ]
        tmpl_dict = [table.template[r][f] for r in range(n_rel) for f in (0, 1)]
        hyp_idx = ((p_idx * n_rel + r_idx) * 2 + f_idx).reshape(-1)
        tmpl_idx = (r_idx * 2 + f_idx).reshape(-1)
        suffixes = [table.id_suffix[p][r] for p in range(n_pairs) for r in range(n_rel)]
        ids = [m + s for m in (c.mec_id for c in classes) for s in suffixes]
        class_idx = np.repeat(np.arange(k), per_class)
        item_split = np.repeat(split_index, per_class)
        if variant.theme is None:
            hypotheses = _dict_array(hyp_idx, hyp_dict)
            node_i = _dict_array(p_idx.reshape(-1), list(table.node_i))
            node_j = _dict_array(p_idx.reshape(-1), list(table.node_j))
        else:
            named = table.named or NamedPairs(variant.theme, paraphrase=variant.paraphrase)
            themed = _themed_columns(named, class_names, f_idx, label)
            hyp_texts = themed["hypothesis"]
            every = np.arange(k * per_class)
            hypotheses = _dict_array(every, hyp_texts)
            node_i = _dict_array(every, themed["node_i"])
            node_j = _dict_array(every, themed["node_j"])
        columns = [
            pa.array(ids, type=pa.string()),
            _dict_array(item_split, list(SPLITS)),
            pa.array(np.full(k * per_class, n, dtype=np.int8)),
            _dict_array(class_idx, [c.mec_id for c in classes]),
            hypotheses,
            _dict_array(tmpl_idx, tmpl_dict),
            _dict_array(r_idx.reshape(-1), list(RELATIONS)),
            node_i,
            node_j,
            pa.array(label),
            _dict_array(label3, list(LABEL3_NAMES)),
            pa.array(fraction),
            _dict_array(np.zeros(k * per_class, dtype=np.int32), [vname]),
        ]
        prem_columns = [
            pa.array([c.mec_id for c in classes], type=pa.string()),
            _dict_array(split_index, list(SPLITS)),
            pa.array(np.full(k, n, dtype=np.int8)),
            pa.array([c.num_members or None for c in classes], type=pa.int32()),
            pa.array(premises, type=pa.string()),
            _dict_array(np.zeros(k, dtype=np.int32), [vname]),
        ]
        if sampled:
            columns += [
                pa.array(np.repeat(np.array(exacts, dtype=bool), per_class), type=pa.bool_()),
                pa.array(bounds3[..., 0].reshape(-1)),
                pa.array(bounds3[..., 1].reshape(-1)),
            ]
            prem_columns += [
                pa.array([str(z) for z in sizes], pa.string()),
                pa.array([e for e, _ in shape], pa.int16()),
                pa.array([u for _, u in shape], pa.int16()),
            ]
        schema = SAMPLED_ITEMS_SCHEMA if sampled else NORMALIZED_ITEMS_SCHEMA
        if variant.theme is not None:
            columns += [
                pa.array(themed["commonsense"], pa.string()).dictionary_encode(),
                pa.array(themed["commonsense_conflict"], pa.bool_()),
            ]
            schema = _with_commonsense(schema)
        items = pa.Table.from_arrays(columns, schema=schema)
        if spec.extra_columns is not None:
            items = _with_extra_columns(items, premises, per_class, spec.extra_columns)
        prem_table = pa.Table.from_arrays(
            prem_columns, schema=SAMPLED_PREMISES_SCHEMA if sampled else PREMISES_SCHEMA
        )
        # a balanced run selects its items after all shards (_select_balanced)
        vrel = f"{UNBALANCED}/{vname}" if spec.balance else vname
        vdir = work / vrel
        files[f"{vrel}/premises/{spec.name}.parquet"] = _write_parquet(
            vdir / "premises" / f"{spec.name}.parquet", prem_table
        )
        files[f"{vrel}/items/{spec.name}.parquet"] = _write_parquet(
            vdir / "items" / f"{spec.name}.parquet", items
        )
        if "csv" in spec.formats and not spec.balance:
            for s_i, s in enumerate(SPLITS):
                # streamed class by class: every row repeats its (long) premise
                with atomic_writer(vdir / "csv-parts" / s / f"{spec.name}.csv") as fh:
                    for ci in np.flatnonzero(split_index == s_i).tolist():
                        rows = range(ci * per_class, (ci + 1) * per_class)
                        fh.write(
                            official_csv_rows(
                                premises[ci],
                                (
                                    [hyp_dict[hyp_idx[t]] for t in rows]
                                    if variant.theme is None
                                    else hyp_texts[rows.start : rows.stop]
                                ),
                                [int(label[t]) for t in rows],
                                n,
                                [tmpl_dict[tmpl_idx[t]] for t in rows],
                            )
                        )
        counts[vname] = {s: int((item_split == s_i).sum()) for s_i, s in enumerate(SPLITS)} | {
            "valid": int(label.sum())
        }
    marker["files"] = files
    marker["items"] = counts
    atomic_write_text(marker_path, json.dumps(marker, sort_keys=True) + "\n")
    return marker


def _with_extra_columns(
    items: pa.Table, premises: list[str], per_class: int, provider: ItemColumns
) -> pa.Table:
    """``items`` with the provider's columns appended, computed class by class."""
    values: dict[str, list[Any]] = {f.name: [] for f in provider.fields}
    for ci, premise in enumerate(premises):
        rows = items.slice(ci * per_class, per_class).to_pydict()
        rows["premise"] = [premise] * per_class
        for name, got in extra_values(provider, rows).items():
            values[name].extend(got)
    for f in provider.fields:
        items = items.append_column(f, pa.array(values[f.name], type=f.type))
    return items


UNBALANCED = "unbalanced"
"""Folder (inside the work folder) of a balanced run's shards before the selection."""


def _class_sizes(premises: pa.Table) -> np.ndarray:
    """Class sizes of a premises table as floats (``mec_size`` if present, else members)."""
    if "mec_size" in premises.column_names:
        return np.array([float(z) for z in premises.column("mec_size").to_pylist()])
    return np.array(premises.column("num_members").to_pylist(), dtype=np.float64)


def _csv_parts(vdir: Path, name: str, n: int, items: pa.Table, premises: pa.Table) -> None:
    """Official CSV rows of one shard's (selected) items, one part per split."""
    mec_ids, texts = premises.column("mec_id").to_pylist(), premises.column("premise").to_pylist()
    text = dict(zip(mec_ids, texts, strict=True))
    rows = items.select(["split", "mec_id", "hypothesis", "label", "template"]).to_pylist()
    for s in SPLITS:
        with atomic_writer(vdir / "csv-parts" / s / f"{name}.csv") as fh:
            group: list[dict[str, Any]] = []
            for row in [r for r in rows if r["split"] == s] + [None]:
                if group and (row is None or row["mec_id"] != group[0]["mec_id"]):
                    fh.write(
                        official_csv_rows(
                            text[group[0]["mec_id"]],
                            [g["hypothesis"] for g in group],
                            [g["label"] for g in group],
                            n,
                            [g["template"] for g in group],
                        )
                    )
                    group = []
                if row is not None:
                    group.append(row)


def _select_balanced(
    work: Path, specs: list[ShardSpec], config: ShardedConfig
) -> tuple[dict[str, str], dict[str, dict[str, int]], dict[str, Any]]:
    """Second pass of a balanced run: keep a balanced subset of every ``N``'s items.

    Reads the shards' full parts under ``UNBALANCED``, selects the items of each ``N``
    together (:func:`corr2cause.dataset.balance.balanced_selection`, strata = class-size bins
    of :data:`corr2cause.dataset.sampling.SIZE_BINS`) and writes each shard's kept items, and
    the premises of the classes that keep any, under the usual names. It reads only finished
    shards and overwrites its own outputs, so a run killed here is resumed by running again.

    Returns the files written (with their checksums), the item counts per variant and the
    selection record of the manifest.
    """
    from corr2cause.dataset.balance import SELECTION_RULE, balanced_selection
    from corr2cause.dataset.sampling import SIZE_BINS

    files: dict[str, str] = {}
    totals: dict[str, dict[str, int]] = {}
    record: dict[str, Any] = {
        "rule": SELECTION_RULE,
        "seed": config.seed,
        "groups": "N",
        "strata": "class-size bin",
        "relations": list(RELATIONS),
        "size_bins": list(SIZE_BINS),
        "variants": {},
    }
    bins = np.array(SIZE_BINS, dtype=np.float64)
    for vname in config.variants:
        src = work / UNBALANCED / vname
        counts = {s: 0 for s in SPLITS} | {"valid": 0}
        by_n: dict[str, Any] = {}
        for n in dict.fromkeys(spec.n for spec in specs):
            group = [spec for spec in specs if spec.n == n]
            ids: list[str] = []
            cls_parts, rel_parts, lab_parts, st_parts = [], [], [], []
            offset = 0
            for g in group:  # one shard in memory at a time, codes instead of strings
                part = (
                    pq.read_table(
                        src / "items" / f"{g.name}.parquet",
                        columns=["id", "mec_id", "relation", "label"],
                    )
                    .unify_dictionaries()
                    .combine_chunks()
                )
                if not part.num_rows:
                    continue
                prem = pq.read_table(src / "premises" / f"{g.name}.parquet")
                mec = part.column("mec_id").chunk(0)
                size_bin = np.searchsorted(bins, _class_sizes(prem), side="right") - 1
                row = pc.index_in(mec.dictionary, prem.column("mec_id")).to_numpy()
                cls_parts.append(offset + mec.indices.to_numpy().astype(np.int64))
                st_parts.append(size_bin[row][mec.indices.to_numpy()])
                offset += len(mec.dictionary)
                rel = part.column("relation").chunk(0)
                codes = np.array([RELATIONS.index(r) for r in rel.dictionary.to_pylist()])
                rel_parts.append(codes[rel.indices.to_numpy()])
                lab_parts.append(part.column("label").to_numpy())
                ids += part.column("id").to_pylist()
                del part
            empty = np.zeros(0, dtype=np.int64)
            keep, report = balanced_selection(
                ids,
                np.concatenate(cls_parts) if cls_parts else empty,
                np.concatenate(rel_parts) if rel_parts else empty,
                np.concatenate(lab_parts) if lab_parts else empty,
                np.concatenate(st_parts) if st_parts else empty,
                relations=len(RELATIONS),
                seed=config.seed,
            )
            del ids
            lo = 0
            for g in group:
                table = pq.read_table(src / "items" / f"{g.name}.parquet")
                prem_table = pq.read_table(src / "premises" / f"{g.name}.parquet")
                kept = table.filter(pa.array(keep[lo : lo + table.num_rows]))
                lo += table.num_rows
                used = pc.unique(pc.cast(kept.column("mec_id"), pa.string()))
                kept_prem = prem_table.filter(pc.is_in(prem_table.column("mec_id"), value_set=used))
                vdir = work / vname
                files[f"{vname}/premises/{g.name}.parquet"] = _write_parquet(
                    vdir / "premises" / f"{g.name}.parquet", kept_prem
                )
                files[f"{vname}/items/{g.name}.parquet"] = _write_parquet(
                    vdir / "items" / f"{g.name}.parquet", kept
                )
                if "csv" in config.formats:
                    _csv_parts(vdir, g.name, n, kept, kept_prem)
                split = pc.cast(kept.column("split"), pa.string())
                for s in SPLITS:
                    counts[s] += int(pc.sum(pc.equal(split, s)).as_py() or 0)
                counts["valid"] += int(pc.sum(kept.column("label")).as_py() or 0)
            by_n[str(n)] = {
                "items": len(keep),
                "kept": int(keep.sum()),
                "per_relation_and_label": report["per_relation_and_label"],
                "strata": [
                    {"bin": SIZE_BINS[s], **report["strata"][s]} for s in sorted(report["strata"])
                ],
            }
        totals[vname] = counts
        record["variants"][vname] = by_n
    return files, totals, record


def _shard_variant(spec: ShardSpec, vname: str) -> Variant:
    """The variant ``vname`` of a shard, themed variants from the themes the spec carries."""
    for theme in spec.themes:
        if THEME_VARIANT_PREFIX + theme.name == vname:
            return theme_variant(theme)
    return VARIANTS[vname]


def _with_commonsense(schema: pa.Schema) -> pa.Schema:
    """``schema`` with the commonsense columns of themed items appended."""
    for name in COMMONSENSE_COLUMNS:
        schema = schema.append(THEMED_ITEMS_SCHEMA.field(name))
    return schema


def _themed_columns(
    named: NamedPairs,
    class_names: list[list[str]],
    forms: np.ndarray,
    label: np.ndarray,
) -> dict[str, list[Any]]:
    """Per-item hypothesis, node names and commonsense columns of a themed shard.

    The sentences and commonsense values of each pair of names come from ``named``, the
    :class:`~corr2cause.dataset.compose.NamedPairs` the flat writer uses too, so both layouts
    write the same strings; ``forms`` are the items' swap forms (``classes x items``, order:
    pair, then relation), ``label`` the binary labels in item order.
    """
    n = len(class_names[0]) if class_names else 0
    prs = pairs(n)
    width = len(RELATIONS)
    out: dict[str, list[Any]] = {c: [] for c in ("hypothesis", "node_i", "node_j")}
    out |= {c: [] for c in COMMONSENSE_COLUMNS}
    labels = label.tolist()
    per_class = len(prs) * width
    for ci, (names, row_forms) in enumerate(zip(class_names, forms.tolist(), strict=True)):
        entries = named.of_class(names, prs)
        for p, ((i, j), (text, _)) in enumerate(zip(prs, entries, strict=True)):
            out["hypothesis"] += [text[r][row_forms[p * width + r]] for r in range(width)]
            out["node_i"] += [names[i]] * width
            out["node_j"] += [names[j]] * width
        values, conflicts = commonsense_items(
            [v for _, v in entries], labels[ci * per_class : (ci + 1) * per_class]
        )
        out["commonsense"] += values
        out["commonsense_conflict"] += conflicts
    return out


def _count_key_order(key: str) -> tuple[int, str]:
    order = (*SPLITS, "valid")
    return (order.index(key), "") if key in order else (len(order), key)


def plan_shards(
    config: ShardedConfig,
    work_dir: Path,
    *,
    progress: Callable[[str, int, int], None] | None = None,
) -> tuple[list[ShardSpec], dict[str, Any]]:
    """Enumerate (or sample) the classes of every ``N`` and cut them into shards."""
    specs: list[ShardSpec] = []
    info: dict[str, Any] = {}
    for n in config.nodes:
        if config.samples is None:
            stage = (lambda d, t, n=n: progress(f"classes N={n}", d, t)) if progress else None
            classes = mec_classes(n, progress=stage)
            mec_ids = [c.mec_id for c in classes]
            parents = [mask_to_parents(c.mask, n) for c in classes]
            info[str(n)] = {"classes": len(classes), "mode": "exhaustive"}
            del classes
        else:
            from corr2cause.dataset.sampling import draw_classes

            sampled, info[str(n)] = draw_classes(
                n,
                config.samples,
                seed=config.seed,
                edge_density=config.edge_density,
                sampler=config.sampler,
                per_stratum=config.per_stratum,
            )
            mec_ids = [c.mec_id for c in sampled]
            parents = [c.parents for c in sampled]
        splits = (
            [config.split] * len(mec_ids)
            if config.split is not None
            else assign_splits([6 * comb(n, 2)] * len(mec_ids), seed=config.seed, n=n)
        )
        for s, lo in enumerate(range(0, len(mec_ids), config.shard_size)):
            hi = lo + config.shard_size
            specs.append(
                ShardSpec(
                    n=n,
                    index=s,
                    mec_ids=tuple(mec_ids[lo:hi]),
                    parents=tuple(parents[lo:hi]),
                    splits=tuple(splits[lo:hi]),
                    variants=tuple(config.variants),
                    seed=config.seed,
                    premise_style=config.premise_style,
                    formats=tuple(config.formats),
                    work_dir=str(work_dir),
                    max_members=config.max_members if config.samples is not None else None,
                    extra_columns=config.extra_columns,
                    balance=config.balance,
                    themes=tuple(config.themes().values()),
                )
            )
    return specs, info


def generate_sharded(
    out_dir: str | Path,
    config: ShardedConfig,
    *,
    engine: str = "local",
    workers: int | None = None,
    overwrite: bool = False,
    progress: Callable[[str, int, int], None] | None = None,
) -> dict[str, Any]:
    """Generate the normalized layout into ``out_dir``; resumable (see module docstring).

    Parameters
    ----------
    out_dir : path-like
        Final folder; must be absent or empty unless ``overwrite``.
    config : ShardedConfig
        What to generate.
    engine : {"local", "ray"}
        Where shards run.
    workers : int, optional
        Processes (local) or CPUs (local Ray instance); default: all cores.
    overwrite : bool
        Replace an existing non-empty ``out_dir`` at the end.
    progress : callable, optional
        ``progress(stage, done, total)``.

    Returns
    -------
    dict
        The manifest, also written to ``out_dir/manifest.json``.
    """
    config.validate()
    out = Path(out_dir).absolute()  # `--out .` has a parent to stage in
    if out.exists() and (not out.is_dir() or (any(out.iterdir()) and not overwrite)):
        raise FileExistsError(f"{out} exists and is not empty (use --overwrite to replace it)")
    out.parent.mkdir(parents=True, exist_ok=True)
    work = out.parent / f".{out.name}.partial"
    args = config.arguments()
    args_path = work / "arguments.json"
    if work.exists():
        previous = json.loads(args_path.read_text()) if args_path.is_file() else None
        if previous != args:
            shutil.rmtree(work)  # different arguments: start afresh
    (work / "done").mkdir(parents=True, exist_ok=True)
    atomic_write_text(args_path, json.dumps(args, sort_keys=True) + "\n")
    specs, info = plan_shards(config, work, progress=progress)
    markers: dict[int, dict[str, Any]] = {}
    runner = make_engine(engine, workers=workers)
    try:
        for done, (k, marker) in enumerate(runner.map_unordered(run_shard, specs), start=1):
            markers[k] = marker
            if progress is not None:
                progress("shards", done, len(specs))
    finally:
        runner.close()
    ordered = [markers[k] for k in range(len(specs))]
    files: dict[str, str] = {}
    totals: dict[str, dict[str, int]] = {}
    skipped: list[str] = []
    from_cpdag = 0
    for m in ordered:
        files.update(m["files"])
        skipped += m["skipped"]
        from_cpdag += len(m["labeled_from_cpdag"])
        for v, c in m["items"].items():
            t = totals.setdefault(v, {})
            for key, val in c.items():
                t[key] = t.get(key, 0) + val
    selection: dict[str, Any] = {}
    if config.balance:
        if progress is not None:
            progress("balanced selection", 0, 1)
        files, totals, selection = _select_balanced(work, specs, config)
    if "csv" in config.formats:
        for v in config.variants:
            for s in SPLITS:
                target = work / v / f"{s}.csv"
                sha = hashlib.sha256()
                with open(target, "wb") as fh:
                    header = (",".join(OFFICIAL_COLUMNS) + "\n").encode()
                    fh.write(header)
                    sha.update(header)
                    for spec in specs:
                        part = work / v / "csv-parts" / s / f"{spec.name}.csv"
                        with open(part, "rb") as src:
                            for block in iter(partial(src.read, 1 << 22), b""):
                                fh.write(block)
                                sha.update(block)
                files[f"{v}/{s}.csv"] = sha.hexdigest()
            shutil.rmtree(work / v / "csv-parts")
    manifest = new_manifest(
        "normalized",
        args,
        **({"tier": tier_version(config)} if config.tier else {}),
        variants={v: VARIANTS[v].description for v in config.variants},
        **(
            {"extra_columns": config.extra_columns.describe()}
            if config.extra_columns is not None
            else {}
        ),
        **themes_entry(config.variants),
    )
    manifest |= {
        "nodes": info,
        "shards": len(specs),
        "skipped_over_member_bound": len(skipped),
        "labeled_from_cpdag": from_cpdag,
        **({"selection": selection} if selection else {}),
        # fixed key order: a resumed run writes the same bytes as a clean one
        "items": {
            v: {k: totals[v][k] for k in sorted(totals[v], key=_count_key_order)}
            for v in config.variants
            if v in totals
        },
        "sha256": dict(sorted(files.items())),
    }
    atomic_write_text(work / "manifest.json", json.dumps(manifest, indent=2) + "\n")
    shutil.rmtree(work / "done")
    if config.balance:
        shutil.rmtree(work / UNBALANCED)
    args_path.unlink()
    replace_directory(work, out)
    return manifest
