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
from corr2cause.causal.markov_equivalence import mec_members
from corr2cause.causal.mec_classes import LABEL3_NAMES, mec_classes, relation_counts
from corr2cause.causal.relations import RELATIONS
from corr2cause.dataset.class_labels import check_premise_style, sampled_class_data
from corr2cause.dataset.compose import (
    COMMONSENSE_COLUMNS,
    PREMISE_STYLES,
    THEME_VARIANT_PREFIX,
    VARIANTS,
    ClassData,
    Variant,
    class_commonsense,
    fill_names,
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
        "version": "hard-v1",
        "nodes": [7, 10, 15, 20, 25, 30],
        "samples": 20_000,
        "per_stratum": 20,
        "edge_density": 0.1,
        "premise_style": "minimal",
        "max_members": 1000,
        "sampler": "edge-density",
    }
}
"""The presets: ``ShardedConfig`` fields plus the ``version`` recorded in the manifest."""


class UnknownTierError(Corr2CauseError):
    """A ``--tier`` name that is not defined."""


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

SAMPLED_PREMISES_SCHEMA = PREMISES_SCHEMA.append(pa.field("mec_size", pa.string()))
"""Premises of sampled classes: ``mec_size`` is the exact class size as a decimal string
(``num_members`` is null when the size does not fit in 32 bits)."""


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

    def arguments(self) -> dict[str, Any]:
        """The arguments as the manifest records them.

        Options added after the first release are left out while at their defaults, so the
        manifests (and their bytes) of earlier commands do not change.
        """
        args = asdict(self)
        for name in ("sampler", "per_stratum", "tier"):
            if args[name] == ShardedConfig.__dataclass_fields__[name].default:
                del args[name]
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
        }
        if config.tier is not None:
            if config.tier not in TIERS:
                raise UnknownTierError(
                    f"unknown tier {config.tier!r}; choose from {', '.join(TIERS)}"
                )
            preset: dict[str, Any] = {
                k: v for k, v in TIERS[config.tier].items() if k != "version"
            }
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
        if self.shard_size < 1 or self.max_members < 1:
            raise GenerationError("shard size and max members must be positive")


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
        # the names of every class, drawn as in the flat layout (the same for every class
        # unless themed)
        class_names = [variant.class_names(c.mec_id, n, seed=spec.seed) for c in classes]
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
            themed = _themed_columns(variant.theme, class_names, hyp_dict, hyp_idx, label)
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
            prem_columns.append(pa.array([str(z) for z in sizes], pa.string()))
        schema = SAMPLED_ITEMS_SCHEMA if sampled else NORMALIZED_ITEMS_SCHEMA
        if variant.theme is not None:
            columns += [
                pa.array(themed["commonsense"], pa.string()).dictionary_encode(),
                pa.array(themed["commonsense_conflict"], pa.bool_()),
            ]
            schema = _with_commonsense(schema)
        items = pa.Table.from_arrays(columns, schema=schema)
        prem_table = pa.Table.from_arrays(
            prem_columns, schema=SAMPLED_PREMISES_SCHEMA if sampled else PREMISES_SCHEMA
        )
        vdir = work / vname
        files[f"{vname}/premises/{spec.name}.parquet"] = _write_parquet(
            vdir / "premises" / f"{spec.name}.parquet", prem_table
        )
        files[f"{vname}/items/{spec.name}.parquet"] = _write_parquet(
            vdir / "items" / f"{spec.name}.parquet", items
        )
        if "csv" in spec.formats:
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
    theme: Theme,
    class_names: list[list[str]],
    hyp_dict: list[str],
    hyp_idx: np.ndarray,
    label: np.ndarray,
) -> dict[str, list[Any]]:
    """Per-item hypothesis, node names and commonsense columns of a themed shard.

    ``hyp_dict[hyp_idx]`` are the table's sentences with placeholders; each class fills in
    its own names (:func:`~corr2cause.dataset.compose.fill_names`), as the flat writer does.
    """
    n = len(class_names[0]) if class_names else 0
    prs = pairs(n)
    per_class = len(prs) * len(RELATIONS)
    out: dict[str, list[Any]] = {c: [] for c in ("hypothesis", "node_i", "node_j")}
    out |= {c: [] for c in COMMONSENSE_COLUMNS}
    codes = hyp_idx.tolist()
    labels = label.tolist()
    for ci, names in enumerate(class_names):
        rows = slice(ci * per_class, (ci + 1) * per_class)
        out["hypothesis"] += fill_names([hyp_dict[t] for t in codes[rows]], names)
        out["node_i"] += [names[i] for i, _ in prs for _ in RELATIONS]
        out["node_j"] += [names[j] for _, j in prs for _ in RELATIONS]
        values, conflicts = class_commonsense(theme, names, labels[rows])
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
        splits = assign_splits([6 * comb(n, 2)] * len(mec_ids), seed=config.seed, n=n)
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
        **({"tier": TIERS[config.tier]["version"]} if config.tier else {}),
        variants={v: VARIANTS[v].description for v in config.variants},
        **themes_entry(config.variants),
    )
    manifest |= {
        "nodes": info,
        "shards": len(specs),
        "skipped_over_member_bound": len(skipped),
        "labeled_from_cpdag": from_cpdag,
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
    args_path.unlink()
    replace_directory(work, out)
    return manifest
