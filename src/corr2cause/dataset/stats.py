"""Dataset statistics in the style of the paper's statistics table, and difficulty.

For any location the dataset store opens (a generated folder of either layout, a variant
folder, a Hugging Face export, an ``items.parquet``, an official CSV or JSONL): number of items,
share of valid items, 3-class shares and average premise / hypothesis length in words, overall,
by number of variables and by relation. Everything is computed with Arrow kernels, so the 9.7
million items of ``N = 7`` take seconds.

Difficulty (``"difficulty"``: :func:`difficulty_stats`)
    Per class (one premise counts once, whatever its number of items), overall and by ``N``:
    quantiles and a histogram of

    * ``mec_size``: members of the Markov equivalence class (normalized layout: the premises'
      ``mec_size`` of sampled runs, ``num_members`` of exhaustive ones; absent elsewhere);
    * ``edges`` and ``undirected_edges``: edges of the skeleton and undirected edges of the
      CPDAG (premises of sampled runs; absent elsewhere). A class has ``2 ** u`` orientations
      of its ``u`` undirected edges to choose from, so this is the search a solver faces;
    * ``premise_words``: words separated by spaces;
    * ``premise_tokens``: the pieces of a GPT-2-style pre-tokenizer without its contraction
      rule, i.e. maximal runs of letters, of digits, or of other non-space characters
      (regular expression :data:`TOKEN_PATTERN`). Every such piece is at least one token of
      a byte-level BPE (GPT-2, ``cl100k``), and the benchmark's text is common English words,
      one-letter names and periods, so the count is close to, and never above, a BPE count. It
      needs no vocabulary file (``tiktoken`` downloads its vocabularies at run time).

    Quantiles are numpy's default (linear interpolation between order statistics, Hyndman &
    Fan type 7); histogram bins are given by their lower edges, the last bin open
    (:data:`DIFFICULTY_BINS`). Sampled runs also give ``fraction_estimated_pct``: the share of
    items whose fraction is an estimate (``fraction_exact`` false).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds

from corr2cause.causal.mec_classes import LABEL3_NAMES
from corr2cause.dataset.readers import EvalItem
from corr2cause.dataset.sampling import SIZE_BINS
from corr2cause.dataset.store import StoreError, open_dataset

TOKEN_PATTERN = r"\p{L}+|\p{N}+|[^\s\p{L}\p{N}]+"
"""Premise tokens (module docstring): runs of letters, of digits, or of other non-space
characters (RE2 syntax, as Arrow's regex kernels take it)."""

DIFFICULTY_BINS: dict[str, tuple[int, ...]] = {
    "mec_size": SIZE_BINS,
    "edges": (0, 1, 5, 10, 20, 50),
    "undirected_edges": (0, 1, 5, 10, 20, 50),
    "premise_words": (0, 128, 256, 512, 1024, 2048, 4096),
    "premise_tokens": (0, 128, 256, 512, 1024, 2048, 4096),
}
"""Lower edges of the histogram bins of each difficulty measure (the last bin is open)."""

QUANTILES: tuple[tuple[str, float], ...] = (
    ("min", 0.0),
    ("q25", 0.25),
    ("median", 0.5),
    ("q75", 0.75),
    ("max", 1.0),
)
"""The quantiles reported for each difficulty measure."""


def _words(text: pa.ChunkedArray | pa.Array) -> pa.Array:
    """Word count of single-spaced text: number of spaces plus one."""
    return pc.add(pc.count_substring(text, " "), 1)


def _numeric_table(items: pa.Table, premise_words: pa.Array) -> pa.Table:
    label3 = pc.cast(items.column("label3"), pa.string())
    cols: dict[str, Any] = {
        "num_variables": items.column("num_variables"),
        "relation": pc.cast(items.column("relation"), pa.string()),
        "label": pc.cast(items.column("label"), pa.float64()),
        "premise_words": pc.cast(premise_words, pa.float64()),
        "hypothesis_words": pc.cast(
            _words(pc.cast(items.column("hypothesis"), pa.string())), pa.float64()
        ),
    }
    for name in LABEL3_NAMES:
        cols[name] = pc.cast(pc.equal(label3, name), pa.float64())
    return pa.table(cols)


def _summaries(table: pa.Table, key: str | None) -> dict[str, dict[str, Any]]:
    aggs = [("label", "count"), ("label", "mean")]
    aggs += [(name, "mean") for name in LABEL3_NAMES]
    aggs += [("premise_words", "mean"), ("hypothesis_words", "mean")]
    grouped = table.group_by([key] if key else []).aggregate(aggs).to_pylist()
    out = {}
    for row in grouped:
        entry = {
            "items": int(row["label_count"]),
            "valid_pct": round(100 * row["label_mean"], 2),
        }
        for name in LABEL3_NAMES:  # undefined (None) when the data has no 3-class labels
            share = row[f"{name}_mean"]
            entry[f"{name}_pct"] = None if share is None else round(100 * share, 2)
        entry["premise_words"] = round(row["premise_words_mean"], 1)
        entry["hypothesis_words"] = round(row["hypothesis_words_mean"], 1)
        out[str(row[key]) if key else "all"] = entry
    return out


def premise_tokens(text: pa.ChunkedArray | pa.Array) -> pa.Array:
    """Token count of each text (:data:`TOKEN_PATTERN`, module docstring).

    Examples
    --------
    >>> import pyarrow as pa
    >>> text = pa.array(["A correlates with B. However, C is independent of D."])
    >>> premise_tokens(text).to_pylist()
    [13]
    """
    return pc.count_substring_regex(text, TOKEN_PATTERN)


def summarize(values: np.ndarray, bins: tuple[int, ...]) -> dict[str, Any]:
    """Quantiles, mean and histogram of one measure (module docstring).

    Examples
    --------
    >>> import numpy as np
    >>> out = summarize(np.array([1.0, 2.0, 3.0, 40.0]), (0, 10))
    >>> out["median"], out["mean"], out["histogram"]
    (2.5, 11.5, {'bins': [0, 10], 'counts': [3, 1]})
    """
    values = np.asarray(values, dtype=np.float64)
    out: dict[str, Any] = {name: float(np.quantile(values, q)) for name, q in QUANTILES}
    out["mean"] = round(float(values.mean()), 2)
    index = np.searchsorted(np.array(bins, dtype=np.float64), values, side="right") - 1
    out["histogram"] = {
        "bins": list(bins),
        "counts": np.bincount(index.clip(0), minlength=len(bins)).tolist(),
    }
    return out


def bin_labels(bins: tuple[int, ...] | list[int]) -> list[str]:
    """Readable labels of integer histogram bins given by their lower edges.

    Examples
    --------
    >>> bin_labels([1, 2, 10, 100])
    ['1', '2-9', '10-99', '>=100']
    """
    ends = [*bins[1:], None]
    return [
        f">={lo}" if hi is None else f"{lo}" if hi - 1 == lo else f"{lo}-{hi - 1}"
        for lo, hi in zip(bins, ends, strict=True)
    ]


def difficulty_stats(classes: pa.Table, items: pa.Table | None = None) -> dict[str, Any]:
    """Difficulty distribution of a set of classes (module docstring).

    Parameters
    ----------
    classes : pyarrow.Table
        One row per class: ``num_variables`` and ``premise``, and any of ``mec_size``
        (numbers or decimal strings), ``num_members``, ``edges``, ``undirected_edges``.
    items : pyarrow.Table, optional
        The items, with ``num_variables`` and possibly ``fraction_exact``.

    Returns
    -------
    dict
        ``unit`` (``"class"``), ``tokenizer``, ``overall`` and ``by_num_variables``: per group
        ``classes`` and, for every measure present, its :func:`summarize`; a measure that the
        data lacks is ``None``.
    """
    names = classes.column_names
    measures: dict[str, np.ndarray | None] = {
        "mec_size": None,
        "edges": None,
        "undirected_edges": None,
    }
    if "mec_size" in names:
        measures["mec_size"] = np.array(
            [float(z) for z in classes.column("mec_size").to_pylist()], dtype=np.float64
        )
    elif "num_members" in names and classes.column("num_members").null_count == 0:
        measures["mec_size"] = classes.column("num_members").to_numpy().astype(np.float64)
    for name in ("edges", "undirected_edges"):
        if name in names:
            measures[name] = classes.column(name).to_numpy().astype(np.float64)
    text = pc.cast(classes.column("premise"), pa.string())
    measures["premise_words"] = _words(text).to_numpy().astype(np.float64)
    measures["premise_tokens"] = premise_tokens(text).to_numpy().astype(np.float64)
    n_of = classes.column("num_variables").to_numpy().astype(np.int64)
    estimated = None
    if items is not None and "fraction_exact" in items.column_names:
        estimated = (
            items.column("num_variables").to_numpy().astype(np.int64),
            pc.invert(items.column("fraction_exact")).to_numpy(zero_copy_only=False),
        )

    def group(mask: np.ndarray, n: int | None) -> dict[str, Any]:
        entry: dict[str, Any] = {"classes": int(mask.sum())}
        for name, values in measures.items():
            if values is None or not mask.any():
                entry[name] = None
            else:
                entry[name] = summarize(values[mask], DIFFICULTY_BINS[name])
        if estimated is not None:
            sel = estimated[1] if n is None else estimated[1][estimated[0] == n]
            entry["fraction_estimated_pct"] = (
                round(100 * float(sel.mean()), 2) if len(sel) else None
            )
        return entry

    return {
        "unit": "class",
        "tokenizer": "runs of letters, digits or other non-space characters: " + TOKEN_PATTERN,
        "overall": group(np.ones(len(n_of), dtype=bool), None),
        "by_num_variables": {str(n): group(n_of == n, n) for n in sorted(set(n_of.tolist()))},
    }


def _stats_of(table: pa.Table) -> dict[str, Any]:
    by_n = _summaries(table, "num_variables")
    by_rel = _summaries(table, "relation")
    order = list(dict.fromkeys(pc.unique(table.column("relation")).to_pylist()))
    return {
        "overall": _summaries(table, None)["all"],
        "by_num_variables": {k: by_n[k] for k in sorted(by_n, key=int)},
        "by_relation": {k: by_rel[k] for k in order if k in by_rel},
    }


_STAT_COLUMNS = ("num_variables", "premise", "hypothesis", "relation", "label", "label3")


def _checked(table: pa.Table, source: Path) -> pa.Table:
    """``table`` after the checks every source gets: columns present, rows, labels 0/1."""
    missing = [c for c in _STAT_COLUMNS if c not in table.column_names and c != "premise"]
    if missing:
        raise StoreError(f"{source}: missing column(s) {', '.join(missing)}")
    if table.num_rows == 0:
        raise StoreError(f"{source}: no items")
    labels = pc.cast(table.column("label"), pa.int64())
    bad = pc.sum(pc.invert(pc.is_in(labels, value_set=pa.array([0, 1])))).as_py()
    if bad or labels.null_count:
        raise StoreError(f"{source}: {bad + labels.null_count} label(s) are not 0 or 1")
    return table


def table_stats(path: str | Path) -> dict[str, Any]:
    """Statistics of one flat ``items.parquet`` (premise column included).

    Returns
    -------
    dict
        ``overall``, ``by_num_variables`` (keys ``"2"``, ...) and ``by_relation``; each entry
        holds ``items``, ``valid_pct``, ``entailment_pct``, ``neutral_pct``,
        ``contradiction_pct``, ``premise_words`` and ``hypothesis_words`` (averages).
    """
    path = Path(path)
    try:
        items = ds.dataset(path).to_table(
            columns=[c for c in _STAT_COLUMNS if c in ds.dataset(path).schema.names]
        )
    except (pa.ArrowException, OSError) as exc:
        raise StoreError(f"{path}: cannot read Parquet: {exc}") from None
    items = _checked(items, path)
    premise_words = _words(pc.cast(items.column("premise"), pa.string()))
    return _stats_of(_numeric_table(items, premise_words)) | {
        "difficulty": difficulty_stats(_distinct_premises(items))
    }


def normalized_stats(variant_dir: str | Path) -> dict[str, Any]:
    """Statistics of one variant of the normalized layout (``items/`` + ``premises/``)."""
    variant_dir = Path(variant_dir)
    premises = ds.dataset(variant_dir / "premises").to_table()
    wanted = ["num_variables", "mec_id", "hypothesis", "relation", "label", "label3"]
    item_data = ds.dataset(variant_dir / "items")
    if "fraction_exact" in item_data.schema.names:
        wanted.append("fraction_exact")
    items = _checked(item_data.to_table(columns=wanted), variant_dir)
    words = _words(premises.column("premise"))
    where = pc.index_in(pc.cast(items.column("mec_id"), pa.string()), premises.column("mec_id"))
    return _stats_of(_numeric_table(items, pc.take(words, where))) | {
        "difficulty": difficulty_stats(premises, items)
    }


def item_stats(items: list[EvalItem], source: Path) -> dict[str, Any]:
    """Statistics of evaluation items read from any file (official CSV, JSONL, an export)."""
    table = pa.table(
        {
            "num_variables": [i.num_variables for i in items],
            "premise": [i.premise for i in items],
            "hypothesis": [i.hypothesis for i in items],
            "relation": [i.relation for i in items],
            "label": pa.array([i.label for i in items], type=pa.int8()),
            "label3": pa.array([i.label3 for i in items], type=pa.string()),
        }
    )
    table = _checked(table, source)
    return _stats_of(_numeric_table(table, _words(table.column("premise")))) | {
        "difficulty": difficulty_stats(_distinct_premises(table))
    }


def _distinct_premises(items: pa.Table) -> pa.Table:
    """One row (``num_variables``, ``premise``) per distinct premise of an item table."""
    if "premise" not in items.column_names:
        return pa.table(
            {"num_variables": pa.array([], pa.int8()), "premise": pa.array([], pa.string())}
        )
    table = pa.table(
        {
            "num_variables": items.column("num_variables"),
            # dictionary-encoded chunks may have differing dictionaries
            "premise": pc.cast(items.column("premise"), pa.string()),
        }
    )
    return table.group_by(["num_variables", "premise"], use_threads=False).aggregate([])


def dataset_stats(path: str | Path) -> dict[str, Any]:
    """Statistics of every variant at ``path``, whatever its layout.

    ``path`` is anything :func:`corr2cause.dataset.store.open_dataset` accepts: a generated
    folder (every variant), a variant folder, an export (every config), or an item file.
    Items without a 3-class label count in none of the 3-class shares.

    Raises
    ------
    StoreError
        If there are no items, a needed column is missing, or a label is not 0 or 1.
    """
    dataset = open_dataset(path)
    if dataset.kind == "file":
        if dataset.path.suffix.lower() == ".parquet":
            return {dataset.path.parent.name or "items": table_stats(dataset.path)}
        return {dataset.path.stem: item_stats(dataset.items(), dataset.path)}
    out = {}
    for variant in dataset.variants:
        folder = dataset.variant_path(variant)
        if dataset.kind != "hf-export" and (folder / "items").is_dir():
            out[variant] = normalized_stats(folder)
        elif dataset.kind != "hf-export" and (folder / "items.parquet").is_file():
            out[variant] = table_stats(folder / "items.parquet")
        else:
            out[variant] = item_stats(dataset.items(variant=variant), folder)
    return out
