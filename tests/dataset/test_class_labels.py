"""Sampled-class labels: exact 3-class labels, exact or unbiased fractions, premise limits."""

from __future__ import annotations

import numpy as np
import pytest

from corr2cause.causal.d_separation import d_separation_statements
from corr2cause.causal.markov_equivalence import cpdag, mec_members
from corr2cause.causal.mec_classes import relation_counts
from corr2cause.causal.separators import minimal_separation_statements
from corr2cause.dataset.class_labels import (
    FULL_PREMISE_MAX_NODES,
    PremiseTooLargeError,
    check_premise_style,
    label_class,
    premise_statements,
    wilson_interval,
)
from corr2cause.dataset.sampling import random_dag
from corr2cause.errors import Corr2CauseError


def _class_with_size(lo: int, hi: int, seed: int):
    rng = np.random.default_rng(seed)
    while True:
        g = random_dag(9, 0.4, rng)
        try:
            m = len(mec_members(g, limit=hi))
        except OverflowError:
            continue
        if lo <= m <= hi:
            return g


def test_exact_fractions_equal_enumeration():
    g = _class_with_size(8, 200, seed=1)
    members = mec_members(g)
    lab = label_class(g, max_members=len(members), seed=0, mec_id="x")
    assert lab.fraction_exact and lab.size == len(members)
    np.testing.assert_array_equal(lab.fraction, relation_counts(members) / len(members))
    np.testing.assert_array_equal(lab.fraction_low, lab.fraction_high)


def test_estimated_fractions_are_unbiased_and_covered():
    g = _class_with_size(30, 400, seed=2)
    members = mec_members(g)
    truth = relation_counts(members) / len(members)
    k = 8
    runs = [label_class(g, max_members=k, seed=s, mec_id="x") for s in range(60)]
    assert all(not r.fraction_exact and r.size == len(members) for r in runs)
    # labels never depend on the draws
    for r in runs:
        np.testing.assert_array_equal(r.label3, runs[0].label3)
    mean = np.mean([r.fraction for r in runs], axis=0)
    # 480 draws in all: the mean is within 5 standard errors of the truth on every item
    se = np.sqrt(truth * (1 - truth) / (k * len(runs)))
    assert (np.abs(mean - truth) <= 5 * se + 1e-12).all()
    covered = np.mean([(r.fraction_low <= truth) & (truth <= r.fraction_high) for r in runs])
    assert covered > 0.85  # nominal 95 % (Wilson at k = 8 is close to nominal)


def test_estimates_are_reproducible():
    g = _class_with_size(30, 400, seed=3)
    a = label_class(g, max_members=5, seed=7, mec_id="c1")
    b = label_class(g, max_members=5, seed=7, mec_id="c1")
    np.testing.assert_array_equal(a.fraction, b.fraction)


def test_wilson_interval_matches_statsmodels():
    proportion = pytest.importorskip("statsmodels.stats.proportion")
    hits = np.arange(0, 11, dtype=float)
    low, high = wilson_interval(hits, 10)
    for h in range(11):
        lo, hi = proportion.proportion_confint(h, 10, method="wilson")
        assert abs(low[h] - lo) < 1e-9 and abs(high[h] - hi) < 1e-9


def test_full_premise_refused_above_the_limit():
    check_premise_style(FULL_PREMISE_MAX_NODES, "full")
    with pytest.raises(PremiseTooLargeError, match="up to 49,807,360"):
        check_premise_style(20, "full")
    assert issubclass(PremiseTooLargeError, Corr2CauseError)
    check_premise_style(40, "minimal")


def test_premise_statements_by_style():
    g = random_dag(8, 0.3, np.random.default_rng(4))
    assert premise_statements(g, "full") == d_separation_statements(g)
    assert premise_statements(g, "minimal") == minimal_separation_statements(g)


def test_large_class_is_labeled_without_listing():
    rng = np.random.default_rng(5)
    g = random_dag(30, 0.08, rng)
    lab = label_class(g, max_members=16, seed=0, mec_id="big")
    assert lab.size == _size(g)
    assert lab.label3.shape == (435, 6)
    assert lab.fraction_exact == (lab.size <= 16)


def _size(g):
    from corr2cause.causal.mec_size import count_amos

    return count_amos(cpdag(g).undirected)
