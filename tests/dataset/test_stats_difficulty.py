"""Difficulty statistics (issue 14): class size, undirected CPDAG edges, premise tokens."""

from __future__ import annotations

import json
import sys
import unicodedata
from pathlib import Path

import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from corr2cause.cli.app import app
from corr2cause.dataset.sharded import ShardedConfig, generate_sharded, plan_shards
from corr2cause.dataset.stats import bin_labels, dataset_stats, premise_tokens

sys.path.insert(0, str(Path(__file__).parent))
from test_tiers_balance import _members


def _tokens_by_hand(text: str) -> int:
    """Maximal runs of one character kind (letter, digit, other), spaces separating."""

    def kind(ch: str) -> str:
        cat = unicodedata.category(ch)
        return "space" if ch.isspace() else cat[0] if cat[0] in "LN" else "other"

    count, last = 0, "space"
    for ch in text:
        k = kind(ch)
        if k != "space" and k != last:
            count += 1
        last = k
    return count


def test_premise_tokens_match_a_character_class_count():
    texts = [
        "A correlates with B. However, A is independent of B.",
        "UV exposure and type 2 diabetes are independent given hypertension, BMI.",
        "X12 correlates with Zoë's (sic) variable... 3.14",
        "",
        "naïve café — 42",
    ]
    got = premise_tokens(pa.array(texts)).to_pylist()
    assert got == [_tokens_by_hand(t) for t in texts]
    assert got[0] == 13 and got[3] == 0


def _flat(tmp_path: Path) -> Path:
    """Five items, three distinct premises (two at N = 2, one at N = 3)."""
    p1 = "A correlates with B."  # 4 words, 5 tokens
    p2 = "A is independent of B."  # 5 words, 6 tokens
    p3 = "A correlates with C. However, A and B are independent given C."  # 12 words, 15
    rows = [(2, p1), (2, p1), (2, p2), (3, p3), (3, p3)]
    table = pa.table(
        {
            "num_variables": pa.array([n for n, _ in rows], pa.int8()),
            "premise": [p for _, p in rows],
            "hypothesis": ["A directly causes B."] * 5,
            "relation": ["parent"] * 5,
            "label": pa.array([1, 0, 0, 1, 0], pa.int8()),
            "label3": ["entailment", "neutral", "contradiction", "entailment", "neutral"],
        }
    )
    path = tmp_path / "items.parquet"
    pq.write_table(table, path)
    return path


def test_difficulty_of_a_flat_file_by_hand(tmp_path):
    diff = next(iter(dataset_stats(_flat(tmp_path)).values()))["difficulty"]
    assert diff["unit"] == "class"
    overall = diff["overall"]
    assert overall["classes"] == 3
    assert overall["mec_size"] is None and overall["undirected_edges"] is None
    # tokens 5, 6, 15: linear quantiles q25 = 5.5, median 6, q75 = 10.5; mean 26/3
    assert overall["premise_tokens"] == {
        "min": 5.0,
        "q25": 5.5,
        "median": 6.0,
        "q75": 10.5,
        "max": 15.0,
        "mean": 8.67,
        "histogram": {
            "bins": [0, 128, 256, 512, 1024, 2048, 4096],
            "counts": [3, 0, 0, 0, 0, 0, 0],
        },
    }
    assert overall["premise_words"]["median"] == 5.0
    two = diff["by_num_variables"]["2"]
    assert two["classes"] == 2 and two["premise_tokens"]["median"] == 5.5
    assert diff["by_num_variables"]["3"]["premise_words"]["min"] == 12.0


def test_bin_labels():
    assert bin_labels([0, 1, 5, 10]) == ["0", "1-4", "5-9", ">=10"]


@pytest.fixture(scope="module")
def sampled(tmp_path_factory) -> tuple[Path, ShardedConfig]:
    pytest.importorskip("igraph")
    config = ShardedConfig(
        nodes=[8], samples=12, premise_style="minimal", max_members=4, edge_density=0.35
    )
    out = tmp_path_factory.mktemp("stats") / "s8"
    generate_sharded(out, config, workers=1)
    return out, config


def _quantile(values: list[float], q: float) -> float:
    """Hyndman & Fan type 7, written out."""
    v = sorted(values)
    h = (len(v) - 1) * q
    lo = int(h)
    return v[lo] + (h - lo) * (v[min(lo + 1, len(v) - 1)] - v[lo])


def test_sampled_difficulty_columns_and_quantiles(sampled, tmp_path):
    out, config = sampled
    specs, _ = plan_shards(config, tmp_path)
    parents = {m: p for s in specs for m, p in zip(s.mec_ids, s.parents, strict=True)}
    premises = ds.dataset(out / "original" / "premises").to_table().to_pylist()
    sizes, undirected = [], []
    for row in premises:
        members = _members(8, parents[row["mec_id"]])
        first = members[0]
        assert int(row["mec_size"]) == len(members)
        assert row["edges"] == first.number_of_edges()
        # undirected in the CPDAG = oriented both ways among the members
        assert row["undirected_edges"] == sum(
            any(g.has_edge(v, u) for g in members) for u, v in first.edges
        )
        sizes.append(float(len(members)))
        undirected.append(float(row["undirected_edges"]))
    diff = dataset_stats(out)["original"]["difficulty"]["by_num_variables"]["8"]
    assert diff["classes"] == len(premises) > 3
    for name, values in (("mec_size", sizes), ("undirected_edges", undirected)):
        got = diff[name]
        for key, q in (("min", 0), ("q25", 0.25), ("median", 0.5), ("q75", 0.75), ("max", 1)):
            assert got[key] == pytest.approx(_quantile(values, q))
        assert sum(got["histogram"]["counts"]) == len(values)
    bins = diff["mec_size"]["histogram"]
    assert bins["counts"] == [
        sum(lo <= s < hi for s in sizes)
        for lo, hi in zip([1, 2, 10, 100, 1000], [2, 10, 100, 1000, 1e300], strict=True)
    ]
    tokens = [float(_tokens_by_hand(r["premise"])) for r in premises]
    assert diff["premise_tokens"]["median"] == pytest.approx(_quantile(tokens, 0.5))
    share = ds.dataset(out / "original" / "items").to_table(columns=["fraction_exact"])
    estimated = 100 * share.column("fraction_exact").to_pylist().count(False) / share.num_rows
    assert diff["fraction_estimated_pct"] == round(estimated, 2)


def test_stats_cli_prints_the_difficulty_tables(sampled):
    out, _ = sampled
    runner = CliRunner()
    res = runner.invoke(app, ["stats", str(out)], env={"COLUMNS": "160"})
    assert res.exit_code == 0, res.output
    assert (
        "difficulty per class" in res.output and "undirected edges, classes per bin" in res.output
    )
    assert "10-99" in res.output and "N=8" in res.output
    res = runner.invoke(app, ["stats", str(out), "--json"])
    diff = json.loads(res.stdout)["original"]["difficulty"]
    assert set(diff["by_num_variables"]) == {"8"} and diff["overall"]["mec_size"] is not None


def test_official_split_has_tokens_but_no_class_sizes(official_test_path):
    diff = next(iter(dataset_stats(official_test_path).values()))["difficulty"]
    assert diff["overall"]["classes"] == 21  # SPEC section 6: 21 distinct premises
    assert diff["overall"]["mec_size"] is None
    assert diff["by_num_variables"]["6"]["premise_tokens"]["max"] > 100
