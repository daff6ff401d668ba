"""Sharded generation (normalized layout), engines, resumption and sampling (issue 7)."""

from __future__ import annotations

import json
from itertools import permutations
from pathlib import Path

import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest

from corr2cause.causal.markov_equivalence import mec_members
from corr2cause.causal.mec_classes import mec_classes, relation_counts
from corr2cause.dataset.compose import build_classes, relabel_class, relabel_permutation
from corr2cause.dataset.generate import GenerationConfig, generate_dataset
from corr2cause.dataset.sampling import canonical_class, sample_classes
from corr2cause.dataset.sharded import ShardedConfig, generate_sharded, run_shard
from corr2cause.graphs.dag import relabel


def _rows(folder: Path, variant: str) -> list[dict]:
    items = ds.dataset(folder / variant / "items").to_table().to_pylist()
    prem = {
        r["mec_id"]: r["premise"]
        for r in ds.dataset(folder / variant / "premises").to_table().to_pylist()
    }
    for r in items:
        r["premise"] = prem[r["mec_id"]]
    return items


def test_normalized_layout_equals_flat_layout(tmp_path, classes_2_to_4):
    variants = ["original", "refactor", "relabel"]
    flat = tmp_path / "flat"
    generate_dataset(
        flat,
        GenerationConfig(nodes=[2, 3, 4], variants=variants, formats=["csv", "parquet"]),
        classes_by_n=classes_2_to_4,
    )
    norm = tmp_path / "norm"
    manifest = generate_sharded(
        norm,
        ShardedConfig(nodes=[2, 3, 4], variants=variants, formats=["parquet", "csv"], shard_size=7),
        workers=1,
    )
    assert manifest["shards"] == 1 + 1 + 3
    for v in variants:
        a = pq.read_table(flat / v / "items.parquet").to_pylist()
        b = _rows(norm, v)
        assert len(a) == len(b) == 822
        for x, y in zip(a, b, strict=True):
            assert x == {k: y[k] for k in x}
        for split in ("train", "dev", "test"):
            assert (flat / v / f"{split}.csv").read_bytes() == (
                norm / v / f"{split}.csv"
            ).read_bytes()
    assert not any(p.name.startswith(".") for p in tmp_path.iterdir())


def test_worker_count_does_not_change_bytes_and_resume_skips_done_shards(tmp_path):
    config = ShardedConfig(nodes=[4, 5], variants=["original"], shard_size=10)
    m1 = generate_sharded(tmp_path / "one", config, workers=1)
    m2 = generate_sharded(tmp_path / "two", config, workers=2)
    assert m1["sha256"] == m2["sha256"]
    # simulate a killed run: one shard finished before the interruption
    from corr2cause.dataset.sharded import plan_shards

    work = tmp_path / ".three.partial"
    (work / "done").mkdir(parents=True)
    (work / "arguments.json").write_text(json.dumps(config.arguments(), sort_keys=True) + "\n")
    specs, _ = plan_shards(config, work)
    first = run_shard(specs[0])
    marker = work / "done" / f"{specs[0].name}.json"
    stamp = marker.stat().st_mtime_ns
    part = work / "original" / "items" / f"{specs[0].name}.parquet"
    part_stamp = part.stat().st_mtime_ns
    m3 = generate_sharded(tmp_path / "three", config, workers=1)
    assert m3["sha256"] == m1["sha256"]
    # issue 12: a resumed run writes the same manifest bytes as a clean one
    manifest = "manifest.json"
    assert (tmp_path / "three" / manifest).read_bytes() == (
        tmp_path / "one" / manifest
    ).read_bytes()
    assert first["files"] == {k: v for k, v in m1["sha256"].items() if specs[0].name in k}
    assert (tmp_path / "three" / "original" / "items" / part.name).stat().st_mtime_ns == part_stamp
    assert stamp > 0


def test_ray_engine_gives_byte_identical_output(tmp_path):
    pytest.importorskip("ray")
    config = ShardedConfig(nodes=[3, 4], variants=["original", "relabel"], shard_size=4)
    local = generate_sharded(tmp_path / "local", config, engine="local", workers=2)
    ray_m = generate_sharded(tmp_path / "ray", config, engine="ray", workers=2)
    assert local["sha256"] == ray_m["sha256"]


def _invariant(members) -> list[tuple[float, ...]]:
    """Relabeling-invariant summary: sorted per ordered pair relation fractions."""
    counts = relation_counts(members)
    n = len(members[0])
    m = len(members)
    out = []
    for k in range(n * (n - 1) // 2):
        row = counts[k] / m
        out.append((row[0], row[1], row[4], row[5]))  # (i, j) direction
        out.append((row[2], row[3], row[4], row[5]))  # (j, i) direction
    return sorted(out)


def test_sampled_classes_match_exhaustive_classes():
    pytest.importorskip("igraph")
    n = 5
    exhaustive = {}
    for cls in mec_classes(n):
        key, _ = canonical_class(cls.parents)
        exhaustive[key] = cls
    assert len(exhaustive) == 142, "canonical CPDAG keys separate all classes"
    sampled, draws = sample_classes(n, 400, seed=3, edge_density=0.4)
    assert draws == 400 and 20 < len(sampled) <= 142
    for s in sampled:
        cls = exhaustive[s.key]
        members = mec_members(s.parents)
        assert len(members) == len(cls.members)
        assert _invariant(members) == _invariant(list(cls.members))


def test_sampled_generation_is_deterministic_and_labels_are_exact(tmp_path):
    pytest.importorskip("igraph")
    config = ShardedConfig(
        nodes=[8], samples=30, premise_style="minimal", max_members=500, shard_size=8
    )
    m1 = generate_sharded(tmp_path / "a", config, workers=1)
    m2 = generate_sharded(tmp_path / "b", config, workers=2)
    assert m1["sha256"] == m2["sha256"]
    kept = m1["nodes"]["8"]["classes"] - m1["skipped_over_member_bound"]
    assert sum(m1["items"]["original"][s] for s in ("train", "dev", "test")) == kept * 6 * 28
    rows = _rows(tmp_path / "a", "original")
    assert rows[0]["premise"].startswith("Suppose there is a closed system of 8 variables")


def test_relabel_class_remaps_labels_exactly(classes_2_to_6):
    for cdata in classes_2_to_6[4]:
        perm = relabel_permutation(cdata.mec_id, 4, seed=5)
        moved = relabel_class(cdata, perm)
        members = mec_members(relabel(cdata.parents, perm))
        assert (relation_counts(members) == moved.counts).all()


@pytest.mark.parametrize("n", [3, 4, 5])
def test_minimal_premise_pins_down_the_same_class(n):
    from corr2cause.causal.d_separation import (
        d_separation_statements,
        minimal_separating_statements,
    )

    classes = build_classes(n)
    seen = {}
    for c in classes:
        key = tuple(minimal_separating_statements(c.statements))
        assert key not in seen, "two classes share a minimal premise"
        seen[key] = c
        # a DAG with the same minimal statements has the same full statements
        for perm in list(permutations(range(n)))[:3]:
            g = relabel(c.parents, perm)
            same = minimal_separating_statements(d_separation_statements(g)) == list(key)
            assert same == (d_separation_statements(g) == c.statements)


@pytest.mark.parametrize("bound", [1, 10_000])
def test_no_class_is_skipped_and_labels_are_exact_at_any_member_bound(tmp_path, bound):
    from corr2cause.dataset.sharded import ShardSpec

    classes = [c for c in mec_classes(5) if len(c.members) > 1]
    spec = ShardSpec(
        n=5,
        index=0,
        mec_ids=tuple(c.mec_id for c in classes),
        parents=tuple(c.parents for c in classes),
        splits=("test",) * len(classes),
        variants=("original",),
        seed=0,
        premise_style="full",
        formats=("parquet",),
        work_dir=str(tmp_path),
        max_members=bound,  # 1: every class is over the bound and its fractions estimated
    )
    (tmp_path / "done").mkdir()
    marker = run_shard(spec)
    assert marker["skipped"] == [] and marker["classes"] == len(classes)
    rows = ds.dataset(tmp_path / "original" / "items").to_table().to_pylist()
    premises = ds.dataset(tmp_path / "original" / "premises").to_table().to_pylist()
    truth = {c.mec_id: c for c in classes}
    assert [r["mec_id"] for r in premises] == [c.mec_id for c in classes]
    assert all(int(r["mec_size"]) == len(truth[r["mec_id"]].members) for r in premises)
    names = ("entailment", "neutral", "contradiction")
    per_class = 6 * 10
    assert len(rows) == per_class * len(classes)
    for k, r in enumerate(rows):
        cls = truth[r["mec_id"]]
        p, rel = divmod(k % per_class, 6)
        assert r["label3"] == names[cls.label3()[p, rel]]
        exact = cls.holds_counts()[p, rel] / len(cls.members)
        assert r["fraction_exact"] == (bound > 1)
        if bound > 1 or r["label3"] != "neutral":
            assert r["fraction"] == r["fraction_low"] == r["fraction_high"] == exact
        else:  # one uniform draw: the relation held in it or not
            assert r["fraction"] in (0.0, 1.0)
            assert r["fraction_low"] < r["fraction"] or r["fraction"] < r["fraction_high"]


def test_sampled_relabel_variant_keeps_exact_labels(tmp_path):
    """Sampled classes carry no member counts; relabeling them remaps the CPDAG labels."""
    pytest.importorskip("igraph")
    from corr2cause.solver import Solver

    config = ShardedConfig(nodes=[8], variants=["original", "relabel"], samples=4, shard_size=4)
    generate_sharded(tmp_path / "out", config, workers=1)
    rows = _rows(tmp_path / "out", "relabel")
    solver = Solver()
    for r in rows[::11]:
        sol = solver.solve(r["premise"], r["hypothesis"])
        assert (sol.label, sol.label3) == (r["label"], r["label3"]), r["id"]
    assert len(rows) == len(_rows(tmp_path / "out", "original"))
