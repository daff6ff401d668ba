"""Resampling primitives and McNemar's test, checked against brute force and statsmodels."""

from __future__ import annotations

import numpy as np
import pytest

from corr2cause.evaluation.statistics import (
    bootstrap_totals,
    cluster_counts,
    mcnemar,
    percentile_interval,
)


def test_cluster_counts_sum_rows_in_order_of_first_appearance() -> None:
    rows = np.eye(4, dtype=int)[[0, 1, 0, 3, 2]]
    got = cluster_counts(rows, ["b", "a", "b", "c", "a"])
    assert got.tolist() == [[2, 0, 0, 0], [0, 1, 1, 0], [0, 0, 0, 1]]
    assert cluster_counts(rows).tolist() == rows.tolist()
    with pytest.raises(ValueError, match="cluster keys"):
        cluster_counts(rows, ["a"])


def test_bootstrap_totals_have_the_moments_of_uniform_cluster_draws() -> None:
    """Mean and variance of resampled totals equal the exact values of K uniform draws."""
    counts = np.array([[3, 0], [0, 2], [3, 0], [1, 1], [0, 5]])
    totals = bootstrap_totals(counts, n_boot=200_000, seed=0)
    k = counts.shape[0]
    mean = counts.mean(axis=0)
    assert np.allclose(totals.mean(axis=0), k * mean, rtol=0.01)
    var = k * counts.var(axis=0)  # sum of K i.i.d. draws
    assert np.allclose(totals.var(axis=0), var, rtol=0.03)
    assert (totals == bootstrap_totals(counts, n_boot=200_000, seed=0)).all()


def test_percentile_interval_skips_undefined() -> None:
    assert percentile_interval([np.nan, np.nan]) == (None, 2)
    interval, undefined = percentile_interval([*range(101), np.nan], level=0.9)
    assert interval == pytest.approx([5.0, 95.0]) and undefined == 1


@pytest.mark.parametrize("seed", range(8))
def test_mcnemar_equals_statsmodels(seed: int) -> None:
    tables = pytest.importorskip("statsmodels.stats.contingency_tables")
    rng = np.random.default_rng(seed)
    n = int(rng.integers(5, 400))
    a = rng.random(n) < rng.uniform(0.3, 0.9)
    b = np.where(rng.random(n) < rng.uniform(0.5, 0.95), a, ~a)
    got = mcnemar(a.tolist(), b.tolist())
    table = [[got["both"], got["only_a"]], [got["only_b"], got["neither"]]]
    exact = tables.mcnemar(table, exact=True)
    assert got["p_exact"] == pytest.approx(exact.pvalue, rel=1e-9)
    if got["only_a"] + got["only_b"]:
        asym = tables.mcnemar(table, exact=False, correction=True)
        assert got["chi2"] == pytest.approx(asym.statistic)
        assert got["p_chi2"] == pytest.approx(asym.pvalue)
    assert got["n"] == n == sum(map(sum, table))


def test_mcnemar_without_discordant_items() -> None:
    got = mcnemar([True, False], [True, False])
    assert got["p_exact"] == 1.0 and got["chi2"] is None


def test_many_distinct_clusters_are_drawn_directly_with_the_same_moments() -> None:
    rng = np.random.default_rng(3)
    counts = rng.integers(0, 40, size=(400, 2))  # > 256 distinct rows: the direct path
    assert np.unique(counts, axis=0).shape[0] > 256
    totals = bootstrap_totals(counts, n_boot=20_000, seed=1)
    k = counts.shape[0]
    assert np.allclose(totals.mean(axis=0), k * counts.mean(axis=0), rtol=0.005)
    assert np.allclose(totals.var(axis=0), k * counts.var(axis=0), rtol=0.05)
