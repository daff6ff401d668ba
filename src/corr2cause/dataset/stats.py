"""Dataset statistics in the style of the paper's statistics table.

For any location the dataset store opens (a generated folder of either layout, a variant
folder, a Hugging Face export, an ``items.parquet``, an official CSV or JSONL): number of items,
share of valid items, 3-class shares and average premise / hypothesis length in words, overall,
by number of variables and by relation. Everything is computed with Arrow kernels, so the 9.7
million items of ``N = 7`` take seconds.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds

from corr2cause.causal.mec_classes import LABEL3_NAMES
from corr2cause.dataset.readers import EvalItem
from corr2cause.dataset.store import StoreError, open_dataset


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
    return _stats_of(_numeric_table(items, premise_words))


def normalized_stats(variant_dir: str | Path) -> dict[str, Any]:
    """Statistics of one variant of the normalized layout (``items/`` + ``premises/``)."""
    variant_dir = Path(variant_dir)
    premises = ds.dataset(variant_dir / "premises").to_table(columns=["mec_id", "premise"])
    items = ds.dataset(variant_dir / "items").to_table(
        columns=["num_variables", "mec_id", "hypothesis", "relation", "label", "label3"]
    )
    items = _checked(items, variant_dir)
    words = _words(premises.column("premise"))
    where = pc.index_in(pc.cast(items.column("mec_id"), pa.string()), premises.column("mec_id"))
    return _stats_of(_numeric_table(items, pc.take(words, where)))


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
    return _stats_of(_numeric_table(table, _words(table.column("premise"))))


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
