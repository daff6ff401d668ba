"""Themed variants in the sharded (normalized) layout: exhaustive N <= 7 and sampled N >= 8.

The flat layout is the reference for N <= 6: the sharded writer must give every class the same
names (seeded per class) and write the same rows, commonsense columns included, and the same
CSV bytes. Beyond that, themed labels must equal the letter variant's item by item, the solver
must re-derive them from the written text, and the independent oracle (``tests/oracle.py``)
must agree on a sample.
"""

from __future__ import annotations

import json
import multiprocessing
import pickle
import random
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pyarrow.dataset as pads
import pyarrow.parquet as pq
import pytest
from test_sharded import _rows  # item rows of a normalized folder, premises joined

import oracle
from corr2cause.dataset.compose import names_variants
from corr2cause.dataset.generate import GenerationConfig, GenerationError, generate_dataset
from corr2cause.dataset.sharded import ShardedConfig, generate_sharded, plan_shards, run_shard
from corr2cause.dataset.store import generate as store_generate
from corr2cause.dataset.themes import assign_names, load_theme
from corr2cause.solver import Solver

THEMED = ["names-medicine", "names-nonsense"]


@pytest.fixture(scope="module")
def sharded_2_to_4(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("sharded") / "data"
    config = ShardedConfig(
        nodes=[2, 3, 4], variants=["original", *THEMED], formats=["parquet", "csv"], shard_size=7
    )
    generate_sharded(out, config, workers=1)
    return out


def test_sharded_themed_output_equals_the_flat_layout(tmp_path, sharded_2_to_4, classes_2_to_4):
    flat = tmp_path / "flat"
    generate_dataset(
        flat,
        GenerationConfig(nodes=[2, 3, 4], variants=["original", *THEMED]),
        classes_by_n=classes_2_to_4,
    )
    manifest = json.loads((sharded_2_to_4 / "manifest.json").read_text())
    assert manifest["themes"] == json.loads((flat / "manifest.json").read_text())["themes"]
    for v in THEMED:
        a = pq.read_table(flat / v / "items.parquet").to_pylist()
        b = _rows(sharded_2_to_4, v)
        assert len(a) == len(b) == 822
        assert "commonsense" in b[0] and "commonsense_conflict" in b[0]
        for x, y in zip(a, b, strict=True):
            assert x == {k: y[k] for k in x}
        if v == "names-medicine":  # its links reach the columns
            assert any(r["commonsense"] is not None for r in b)
        for split in ("train", "dev", "test"):
            assert (flat / v / f"{split}.csv").read_bytes() == (
                sharded_2_to_4 / v / f"{split}.csv"
            ).read_bytes()


def _check_against_letters(folder: Path, variant: str, theme: str, *, seed: int, solve_every=1):
    """Themed rows equal the letter rows but for the names; the solver re-derives the labels."""
    letters = {r["id"]: r for r in _rows(folder, "original")}
    named = _rows(folder, variant)
    assert len(named) == len(letters)
    solver = Solver()
    by_class: dict[str, list[dict]] = {}
    for r in named:
        by_class.setdefault(r["mec_id"], []).append(r)
    for mec_id, rows in by_class.items():
        n = rows[0]["num_variables"]
        names = assign_names(load_theme(theme), mec_id, n, seed=seed)
        head = f"Suppose there is a closed system of {n} variables, "
        assert rows[0]["premise"].startswith(head + ", ".join(names[:-1]) + " and " + names[-1])
        for k, r in enumerate(rows):
            ref = letters[r["id"]]
            for column in ("split", "relation", "template", "label", "label3", "fraction"):
                assert r[column] == ref[column], (r["id"], column)
            if k % solve_every == 0:
                sol = solver.solve(r["premise"], r["hypothesis"])
                assert (sol.label, sol.label3) == (r["label"], r["label3"]), r["id"]
    return by_class


def test_sharded_themed_labels_match_letters_and_the_solver(sharded_2_to_4):
    for v in THEMED:
        _check_against_letters(sharded_2_to_4, v, v.removeprefix("names-"), seed=0)


def test_sharded_themed_items_agree_with_the_oracle(tmp_path):
    out = tmp_path / "n5"
    generate_sharded(
        out, ShardedConfig(nodes=[5], variants=["names-ecology"], shard_size=50), workers=1
    )
    rows = _rows(out, "names-ecology")
    classes = sorted({r["mec_id"] for r in rows})
    sample = set(random.Random(15).sample(classes, 3))
    checked = 0
    for r in rows:
        if r["mec_id"] not in sample:
            continue
        got = oracle.verdict(r["premise"], r["hypothesis"])
        assert (r["label"], r["label3"], r["fraction"]) == (got.label, got.label3, got.fraction)
        oracle.check_relation_columns(r["hypothesis"], r["relation"], r["node_i"], r["node_j"])
        checked += 1
    assert checked == 3 * 60


def test_sampled_themed_run_matches_letters_and_is_deterministic(tmp_path):
    pytest.importorskip("igraph")
    config = {"nodes": [8], "variants": ["original", "names-everyday"], "samples": 8, "seed": 4}
    m1 = store_generate(GenerationConfig(**config, shard_size=3, workers=1), tmp_path / "a")
    m2 = store_generate(GenerationConfig(**config, shard_size=3, workers=2), tmp_path / "b")
    assert m1["sha256"] == m2["sha256"] and m1["layout"] == "normalized"
    assert m1["themes"]["names-everyday"]["sha256"] == load_theme("everyday").sha256
    by_class = _check_against_letters(
        tmp_path / "a", "names-everyday", "everyday", seed=4, solve_every=7
    )
    assert len(by_class) >= 2


def test_a_killed_themed_run_resumes_to_the_same_bytes(tmp_path):
    config = ShardedConfig(nodes=[4, 5], variants=["names-medicine"], shard_size=40)
    clean = generate_sharded(tmp_path / "clean", config, workers=1)
    work = tmp_path / ".resumed.partial"
    (work / "done").mkdir(parents=True)
    (work / "arguments.json").write_text(json.dumps(config.arguments(), sort_keys=True) + "\n")
    specs, _ = plan_shards(config, work)
    run_shard(specs[1])  # one shard finished before the "kill"
    part = work / "names-medicine" / "items" / f"{specs[1].name}.parquet"
    stamp = part.stat().st_mtime_ns
    resumed = generate_sharded(tmp_path / "resumed", config, workers=1)
    assert resumed == clean
    assert (tmp_path / "resumed" / "manifest.json").read_bytes() == (
        tmp_path / "clean" / "manifest.json"
    ).read_bytes()
    assert (tmp_path / "resumed" / "names-medicine" / "items" / part.name).stat().st_mtime_ns == (
        stamp
    )
    # the theme's digest is part of the arguments: a changed theme file starts afresh
    assert config.arguments()["themes"] == {"names-medicine": load_theme("medicine").sha256}
    assert "themes" not in ShardedConfig(nodes=[4]).arguments()


THEME_FILE = """name = "kitchen"
version = 1
names = ["oven heat", "bread rise", "dough", "yeast", "sugar level", "crust colour"]
[[links]]
cause = "yeast"
effect = "bread rise"
source = "a test link"
"""


def test_a_theme_file_reaches_workers_that_never_read_it(tmp_path):
    path = tmp_path / "kitchen.toml"
    path.write_text(THEME_FILE)
    (variant,) = names_variants([str(path)])
    config = ShardedConfig(nodes=[4], variants=[variant], shard_size=100)
    work = tmp_path / "work"
    (work / "done").mkdir(parents=True)
    (spec,) = plan_shards(config, work)[0]
    assert pickle.loads(pickle.dumps(spec.themes[0])) == spec.themes[0]
    # a fresh interpreter knows only the built-in themes: the spec must carry this one
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
        marker = pool.submit(run_shard, spec).result()
    rows = pads.dataset(work / variant / "items").to_table().to_pylist()
    assert marker["items"][variant]["valid"] == sum(r["label"] for r in rows)
    assert {r["node_i"] for r in rows} <= set(load_theme(path).names)
    assert any(r["commonsense"] == "agrees" for r in rows)


def test_a_theme_too_small_for_the_nodes_is_refused(tmp_path):
    path = tmp_path / "tiny.toml"
    path.write_text('name = "tiny"\nversion = 1\nnames = ["rain", "mud", "puddles"]\n')
    (variant,) = names_variants([str(path)])
    with pytest.raises(GenerationError, match=r"names at most 3 variables .* asks for 5"):
        ShardedConfig(nodes=[5], variants=[variant]).validate()
