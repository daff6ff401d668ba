"""Dataset statistics in the style of the paper's statistics table.

For a generated folder (or one ``items.parquet``): number of items, share of valid items,
3-class shares and average premise / hypothesis length in words, overall, by number of
variables and by relation.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pyarrow.parquet as pq

from corr2cause.causal.mec_classes import LABEL3_NAMES


def _word_count(text: str) -> int:
    return len(text.split())


def table_stats(path: str | Path) -> dict[str, Any]:
    """Statistics of one ``items.parquet``.

    Returns
    -------
    dict
        ``overall``, ``by_num_variables`` (keys ``"2"``, ...) and ``by_relation``; each entry
        holds ``items``, ``valid_pct``, ``entailment_pct``, ``neutral_pct``,
        ``contradiction_pct``, ``premise_words`` and ``hypothesis_words`` (averages).
    """
    table = pq.read_table(
        path, columns=["num_variables", "premise", "hypothesis", "relation", "label", "label3"]
    )
    # Premise/hypothesis columns are dictionary-encoded: count words once per distinct text.
    prem = table.column("premise").combine_chunks()
    hyp = table.column("hypothesis").combine_chunks()
    if hasattr(prem, "indices"):
        pw = np.array([_word_count(s) for s in prem.dictionary.to_pylist()])[
            prem.indices.to_numpy()
        ]
    else:
        pw = np.array([_word_count(s) for s in prem.to_pylist()])
    hyp_list = hyp.to_pylist() if not hasattr(hyp, "indices") else hyp.cast("string").to_pylist()
    cache: dict[str, int] = {}
    hw = np.array([cache.setdefault(h, _word_count(h)) for h in hyp_list])
    n = table.column("num_variables").to_numpy()
    rel = np.array(table.column("relation").cast("string").to_pylist(), dtype=object)
    label = table.column("label").to_numpy()
    l3 = np.array(table.column("label3").cast("string").to_pylist(), dtype=object)

    def summarize(mask: np.ndarray) -> dict[str, Any]:
        k = int(mask.sum())
        if k == 0:
            return {"items": 0}
        out: dict[str, Any] = {"items": k, "valid_pct": round(100 * float(label[mask].mean()), 2)}
        for name in LABEL3_NAMES:
            out[f"{name}_pct"] = round(100 * float((l3[mask] == name).mean()), 2)
        out["premise_words"] = round(float(pw[mask].mean()), 1)
        out["hypothesis_words"] = round(float(hw[mask].mean()), 1)
        return out

    groups_n = {str(v): n == v for v in sorted(set(n.tolist()))}
    groups_r = {r: rel == r for r in dict.fromkeys(rel.tolist())}
    return {
        "overall": summarize(np.ones(len(n), dtype=bool)),
        "by_num_variables": {k: summarize(m) for k, m in groups_n.items()},
        "by_relation": {k: summarize(m) for k, m in groups_r.items()},
    }


def dataset_stats(path: str | Path) -> dict[str, Any]:
    """Statistics of a generated folder (every variant) or of a single ``items.parquet``."""
    path = Path(path)
    if path.is_file():
        return {path.parent.name or "items": table_stats(path)}
    if not path.is_dir():
        raise FileNotFoundError(f"{path}: no such file or folder")
    out = {}
    for sub in sorted(p for p in path.iterdir() if (p / "items.parquet").is_file()):
        out[sub.name] = table_stats(sub / "items.parquet")
    if not out:
        raise FileNotFoundError(
            f"{path}: no */items.parquet found (generate with --format parquet)"
        )
    return out
