"""The balanced selection of the hard tier (issue 14): exact balance, determinism, resumption,
and labels of the kept items checked against an independent member enumeration."""

from __future__ import annotations

import hashlib
import itertools
import json
import random
import shutil
from collections import Counter
from pathlib import Path

import networkx as nx
import numpy as np
import pyarrow.dataset as ds
import pytest

from corr2cause.causal.relations import RELATIONS
from corr2cause.dataset.balance import balanced_selection, water_fill
from corr2cause.dataset.sharded import (
    ShardedConfig,
    generate_sharded,
    plan_shards,
    run_shard,
    tier_version,
)
from corr2cause.dataset.tiers import TIERS, tier_config
from oracle import RELATION_PREDICATE, holds

RELATION_NAMES = RELATIONS


# ------------------------------------------------------------------------------------------
# water filling and the selection rule on synthetic items
# ------------------------------------------------------------------------------------------


def test_water_fill_is_the_leximin_allocation():
    rng = random.Random(5)
    for _ in range(60):
        caps = [rng.randrange(5) for _ in range(rng.randrange(1, 5))]
        for total in range(sum(caps) + 1):
            got = water_fill(caps, total)
            assert sum(got) == total and all(0 <= g <= c for g, c in zip(got, caps, strict=True))
            feasible = [
                t for t in itertools.product(*(range(c + 1) for c in caps)) if sum(t) == total
            ]
            # leximin: the smallest share as large as possible, then the next, ...
            assert sorted(got) == max(sorted(t) for t in feasible)
    with pytest.raises(ValueError, match="cannot place 5"):
        water_fill([1, 2], 5)


def _synthetic(seed: int, classes: int = 12) -> dict[str, np.ndarray | list[str]]:
    rng = np.random.default_rng(seed)
    ids, cls, rel, lab, st = [], [], [], [], []
    for c in range(classes):
        stratum = int(rng.integers(3))
        for r in range(6):
            p_valid = (0.05, 0.1, 0.3, 0.2, 0.5, 0.4)[r] / (1 + stratum)
            for k in range(int(rng.integers(4, 15))):
                ids.append(f"k{c}-r{r}-{k}")
                cls.append(c)
                rel.append(r)
                lab.append(int(rng.random() < p_valid))
                st.append(stratum)
    return {
        "ids": ids,
        "classes": np.array(cls),
        "relations": np.array(rel),
        "labels": np.array(lab),
        "strata": np.array(st),
    }


def _select(data, seed=0):
    return balanced_selection(
        data["ids"],
        data["classes"],
        data["relations"],
        data["labels"],
        data["strata"],
        relations=6,
        seed=seed,
    )


@pytest.mark.parametrize("instance", range(4))
def test_selection_is_balanced_cell_by_cell(instance):
    data = _synthetic(instance)
    keep, report = _select(data)
    cells = Counter(zip(data["strata"], data["relations"], data["labels"], strict=True))
    strata = sorted(set(data["strata"].tolist()))
    # K computed independently: the scarcest relation's balanced pairs over all strata
    k = min(sum(min(cells[(s, r, 0)], cells[(s, r, 1)]) for s in strata) for r in range(6))
    assert report["per_relation_and_label"] == k
    kept = Counter(
        zip(data["strata"][keep], data["relations"][keep], data["labels"][keep], strict=True)
    )
    for r in range(6):
        assert sum(kept[(s, r, 1)] for s in strata) == k
        assert sum(kept[(s, r, 0)] for s in strata) == k
        for s in strata:
            assert kept[(s, r, 1)] == kept[(s, r, 0)]  # balanced inside each stratum too
        # spread over strata: an unsaturated stratum has at least as many as any other - 1
        got = [kept[(s, r, 1)] for s in strata]
        room = [min(cells[(s, r, 0)], cells[(s, r, 1)]) for s in strata]
        for a in range(len(strata)):
            if got[a] < room[a]:
                assert max(got) <= got[a] + 1
    # spread over classes inside each cell: no class gives two more than a class with room
    for cell in cells:
        in_cell = [
            i
            for i in range(len(keep))
            if (data["strata"][i], data["relations"][i], data["labels"][i]) == cell
        ]
        per_class = Counter(data["classes"][i] for i in in_cell if keep[i])
        avail = Counter(data["classes"][i] for i in in_cell)
        for c in avail:
            if per_class[c] < avail[c]:
                assert max(per_class.values(), default=0) <= per_class[c] + 1


def test_selection_is_seeded_and_ignores_input_order():
    data = _synthetic(11, classes=20)
    keep, _ = _select(data)
    chosen = {i for i, k in zip(data["ids"], keep, strict=True) if k}
    assert chosen, "the instance must keep something for this test to mean anything"
    order = np.random.default_rng(3).permutation(len(data["ids"]))
    shuffled = {
        "ids": [data["ids"][i] for i in order],
        **{key: data[key][order] for key in ("classes", "relations", "labels", "strata")},
    }
    keep2, _ = _select(shuffled)
    assert {i for i, k in zip(shuffled["ids"], keep2, strict=True) if k} == chosen
    again, _ = _select(data, seed=0)
    assert (again == keep).all()
    other, _ = _select(data, seed=1)
    assert int(other.sum()) == int(keep.sum()) and (other != keep).any()


def test_selection_rejects_bad_input():
    with pytest.raises(ValueError, match="one length"):
        balanced_selection(["a"], [0, 1], [0], [0], [0], relations=6, seed=0)
    with pytest.raises(ValueError, match="0 or 1"):
        balanced_selection(["a"], [0], [0], [2], [0], relations=6, seed=0)


# ------------------------------------------------------------------------------------------
# a small balanced tier run
# ------------------------------------------------------------------------------------------

SMALL = {
    "nodes": [7, 8],
    "samples": 300,
    "per_stratum": 6,
    "edge_density": 0.4,
    "max_members": 30,
    "shard_size": 3,
    "formats": ["parquet", "csv"],
}


def _config(**changes) -> ShardedConfig:
    return tier_config("hard", **(SMALL | changes))


@pytest.fixture(scope="module")
def small_tier(tmp_path_factory) -> tuple[Path, dict]:
    pytest.importorskip("igraph")
    out = tmp_path_factory.mktemp("tier") / "hard"
    return out, generate_sharded(out, _config(), workers=1)


def _items(folder: Path) -> list[dict]:
    return ds.dataset(folder / "original" / "items").to_table().to_pylist()


def test_hard_tier_is_v2_balanced_and_test_only():
    assert TIERS["hard"]["version"] == "hard-v2"
    cfg = tier_config("hard")
    assert cfg.balance and cfg.split == "test" and cfg.per_stratum == 100
    assert cfg.arguments()["balance"] is True
    assert tier_version(cfg) == "hard-v2"
    assert tier_version(tier_config("hard", seed=4, shard_size=10)) == "hard-v2"  # free fields
    assert tier_version(tier_config("hard", nodes=[7])) == "hard-v2+modified"


def test_small_tier_is_exactly_balanced(small_tier):
    out, manifest = small_tier
    assert manifest["tier"] == "hard-v2+modified"
    sel = manifest["selection"]
    assert sel["rule"] == "balanced-v1" and sel["seed"] == 0
    items = _items(out)
    size = {
        r["mec_id"]: int(r["mec_size"])
        for r in ds.dataset(out / "original" / "premises").to_table().to_pylist()
    }
    assert {r["mec_id"] for r in items} == set(size), "premises of dropped classes are dropped"
    assert {r["split"] for r in items} == {"test"}
    per = Counter((r["num_variables"], r["relation"], r["label"]) for r in items)
    for n in (7, 8):
        k = sel["variants"]["original"][str(n)]["per_relation_and_label"]
        assert k > 0, "the test needs a non-empty selection at every N"
        assert all(per[(n, rel, lab)] == k for rel in RELATION_NAMES for lab in (0, 1))
    assert (
        len(items)
        == sum(per.values())
        == 12 * sum(v["per_relation_and_label"] for v in sel["variants"]["original"].values())
    )
    # inside every class-size bin (1, 2-9, 10-99, ...) each relation is balanced as well
    bins = Counter()
    for r in items:
        s = sum(size[r["mec_id"]] >= lo for lo in (2, 10, 100, 1000))
        bins[(r["num_variables"], s, r["relation"], r["label"])] += 1
    for n, s, rel, _ in bins:
        assert bins[(n, s, rel, 0)] == bins[(n, s, rel, 1)]
    counts = manifest["items"]["original"]
    assert counts == {"train": 0, "dev": 0, "test": len(items), "valid": len(items) // 2}
    csv = (out / "original" / "test.csv").read_text()
    assert csv.count("\nHypothesis: ") == len(items)


def _members(n: int, parents) -> list[nx.DiGraph]:
    """All DAGs with the skeleton and v-structures of ``parents`` (Verma & Pearl 1990).

    Backtracking over edge orientations, pruned as soon as an orientation creates a
    v-structure the DAG lacks; acyclicity is checked by networkx at the end.
    """
    adj = [0] * n
    for v in range(n):
        for u in range(n):
            if parents[v] >> u & 1:
                adj[u] |= 1 << v
                adj[v] |= 1 << u

    def is_v(a: int, c: int, b: int) -> bool:
        return bool(parents[c] >> a & 1 and parents[c] >> b & 1 and not adj[a] >> b & 1)

    target = sum(is_v(a, c, b) for c in range(n) for a in range(n) for b in range(a + 1, n))
    edges = [(u, v) for v in range(n) for u in range(v) if adj[v] >> u & 1]
    found: list[list[tuple[int, int]]] = []
    par = [0] * n

    def extend(k: int, vs: int) -> None:
        if k == len(edges):
            if vs == target:
                found.append([(u, v) for v in range(n) for u in range(n) if par[v] >> u & 1])
            return
        for tail, head in (edges[k], edges[k][::-1]):
            new = [a for a in range(n) if par[head] >> a & 1 and not adj[a] >> tail & 1]
            if all(is_v(min(a, tail), head, max(a, tail)) for a in new):
                par[head] |= 1 << tail
                extend(k + 1, vs + len(new))
                par[head] &= ~(1 << tail)

    extend(0, 0)
    names = [chr(65 + v) for v in range(n)]
    out = []
    for arcs in found:
        g = nx.DiGraph([(names[u], names[v]) for u, v in arcs])
        g.add_nodes_from(names)
        if nx.is_directed_acyclic_graph(g):
            out.append(g)
    return out


def test_kept_labels_equal_an_independent_enumeration(small_tier, tmp_path):
    out, _ = small_tier
    specs, _ = plan_shards(_config(), tmp_path)
    parents = {m: p for spec in specs for m, p in zip(spec.mec_ids, spec.parents, strict=True)}
    members: dict[str, list[nx.DiGraph]] = {}
    for r in _items(out):
        if r["mec_id"] not in members:
            members[r["mec_id"]] = _members(r["num_variables"], parents[r["mec_id"]])
        predicate, swap = RELATION_PREDICATE[r["relation"]]
        x, y = (r["node_j"], r["node_i"]) if swap else (r["node_i"], r["node_j"])
        got = [holds(g, predicate, x, y) for g in members[r["mec_id"]]]
        assert r["label"] == int(all(got)), r["id"]
        assert r["label3"] == (
            "entailment" if all(got) else "neutral" if any(got) else "contradiction"
        )


def _files(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_resumed_run_after_a_kill_in_the_selection_is_byte_identical(small_tier, tmp_path):
    out, _ = small_tier
    config = _config()
    target = tmp_path / "again"
    work = tmp_path / ".again.partial"
    (work / "done").mkdir(parents=True)
    (work / "arguments.json").write_text(json.dumps(config.arguments(), sort_keys=True) + "\n")
    specs, _ = plan_shards(config, work)
    for spec in specs:  # every shard finished ...
        run_shard(spec)
    # ... and the selection was killed after writing a part of one shard
    part = work / "original" / "items" / f"{specs[0].name}.parquet"
    part.parent.mkdir(parents=True)
    part.write_bytes(b"half-written")
    generate_sharded(target, config, workers=1)
    assert _files(target) == _files(out)
    assert not work.exists()


def test_selection_does_not_depend_on_the_shard_size(small_tier, tmp_path):
    out, _ = small_tier
    other = generate_sharded(tmp_path / "big-shards", _config(shard_size=1000), workers=2)
    assert other["shards"] == 2
    ids = {r["id"] for r in _items(out)}
    assert {r["id"] for r in _items(tmp_path / "big-shards")} == ids
    shutil.rmtree(tmp_path / "big-shards")
