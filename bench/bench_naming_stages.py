"""Benchmark: per-stage CPU time of the flat writer's naming work, letters against themes.

Builds the columns of every class of N = 2..6 for ``original``, ``names-medicine`` and
``names-nonsense`` and times, best of R interleaved rounds: the class columns (names
included), the Arrow table, the official CSV rows as bytes. Runs against an older tree too
(``PYTHONPATH=OLD/src``: then the names are drawn one class at a time), so a change can be
compared stage by stage on the same machine state (issue 15). Like ``generate_dataset``, a
themed variant's tables share one memo of pair sentences for all N (where the tree has one).

Usage: python bench/bench_naming_stages.py [ROUNDS]
"""

import sys
import time

import corr2cause.dataset.compose as C
from corr2cause.dataset.generate import _arrow_table, items_schema, official_csv_pieces

classes = {n: C.build_classes(n) for n in range(2, 7)}
vs = [C.VARIANTS[v] for v in ["original", "names-medicine", "names-nonsense"]]
new = hasattr(C.Variant, "class_names_many")


def columns(v):
    out = []
    # as generate_dataset does: one memo of pair sentences per variant run, for all N
    shared = hasattr(C, "NamedPairs") and v.theme is not None
    named = C.NamedPairs(v.theme, paraphrase=v.paraphrase) if shared else None
    for n, cl in classes.items():
        t = C.hypothesis_table(n, v, named=named) if shared else C.hypothesis_table(n, v)
        if new:
            names = v.class_names_many([c.mec_id for c in cl], n, seed=0)
            out += [
                C.class_columns(c, v, t, split="train", seed=0, names=nm)
                for c, nm in zip(cl, names, strict=True)
            ]
        else:
            out += [C.class_columns(c, v, t, split="train", seed=0) for c in cl]
    return out


cols = {v.name: columns(v) for v in vs}
merged = {
    v.name: {k: [x for c in cols[v.name] for x in c[k]] for k in items_schema(v).names} for v in vs
}


def csv(v):
    size = 0
    for c in cols[v.name]:
        _, k = official_csv_pieces(
            c["premise"][0], c["hypothesis"], c["label"], c["num_variables"][0], c["template"]
        )
        size += k
    return size


stages = {
    "class columns (incl. names)": columns,
    "Arrow table": lambda v: _arrow_table(merged[v.name], items_schema(v)),
    "CSV rows as bytes": csv,
}
best = {}
for _ in range(int(sys.argv[1]) if len(sys.argv) > 1 else 4):
    for v in vs:
        for s, f in stages.items():
            t = time.process_time()
            f(v)
            d = time.process_time() - t
            best[(s, v.name)] = min(best.get((s, v.name), 9), d)
print(("new" if new else "old"), "| stage | " + " | ".join(v.name for v in vs) + " |")
for s in stages:
    print(f"| {s} | " + " | ".join(f"{best[(s, v.name)]:.3f}" for v in vs) + " |")
print("| sum | " + " | ".join(f"{sum(best[(s, v.name)] for s in stages):.3f}" for v in vs) + " |")
