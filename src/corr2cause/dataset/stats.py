"""Dataset statistics in the style of the paper's statistics table.

For a generated folder (flat or normalized layout) or one ``items.parquet``: number of items,
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
        for name in LABEL3_NAMES:
            entry[f"{name}_pct"] = round(100 * row[f"{name}_mean"], 2)
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


def table_stats(path: str | Path) -> dict[str, Any]:
    """Statistics of one flat ``items.parquet`` (premise column included).

    Returns
    -------
    dict
        ``overall``, ``by_num_variables`` (keys ``"2"``, ...) and ``by_relation``; each entry
        holds ``items``, ``valid_pct``, ``entailment_pct``, ``neutral_pct``,
        ``contradiction_pct``, ``premise_words`` and ``hypothesis_words`` (averages).
    """
    items = ds.dataset(path).to_table(
        columns=["num_variables", "premise", "hypothesis", "relation", "label", "label3"]
    )
    premise_words = _words(pc.cast(items.column("premise"), pa.string()))
    return _stats_of(_numeric_table(items, premise_words))


def normalized_stats(variant_dir: str | Path) -> dict[str, Any]:
    """Statistics of one variant of the normalized layout (``items/`` + ``premises/``)."""
    variant_dir = Path(variant_dir)
    premises = ds.dataset(variant_dir / "premises").to_table(columns=["mec_id", "premise"])
    items = ds.dataset(variant_dir / "items").to_table(
        columns=["num_variables", "mec_id", "hypothesis", "relation", "label", "label3"]
    )
    words = _words(premises.column("premise"))
    where = pc.index_in(pc.cast(items.column("mec_id"), pa.string()), premises.column("mec_id"))
    return _stats_of(_numeric_table(items, pc.take(words, where)))


def dataset_stats(path: str | Path) -> dict[str, Any]:
    """Statistics of a generated folder (every variant) or of a single ``items.parquet``."""
    path = Path(path)
    if path.is_file():
        return {path.parent.name or "items": table_stats(path)}
    if not path.is_dir():
        raise FileNotFoundError(f"{path}: no such file or folder")
    out = {}
    for sub in sorted(p for p in path.iterdir() if p.is_dir()):
        if (sub / "items.parquet").is_file():
            out[sub.name] = table_stats(sub / "items.parquet")
        elif (sub / "items").is_dir() and (sub / "premises").is_dir():
            out[sub.name] = normalized_stats(sub)
    if not out:
        raise FileNotFoundError(
            f"{path}: no */items.parquet or */items/ found (generate with --format parquet)"
        )
    return out
