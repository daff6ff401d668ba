"""Class sizes: Clique-Picking, an independent rooted counter and enumeration agree; the
member sampler is seeded and uniform."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest
from scipy.stats import chisquare

from corr2cause.causal.markov_equivalence import cpdag, mec_members
from corr2cause.causal.mec_size import (
    chain_components,
    count_amos,
    list_members,
    mec_size,
    sample_members,
)
from corr2cause.dataset.sampling import random_dag


@pytest.mark.parametrize("n", [2, 3, 4, 5, 6])
def test_sizes_of_every_class(n, classes):
    for cls in classes(n):
        p = cpdag(cls.parents)
        assert mec_size(p) == len(cls.members) == count_amos(p.undirected), cls.mec_id
        assert sorted(list_members(p)) == list(cls.members)


def test_sizes_of_random_classes_n8_to_12():
    rng = np.random.default_rng(8)
    for _ in range(60):
        n = int(rng.integers(8, 13))
        p = cpdag(random_dag(n, float(rng.choice([0.2, 0.4, 0.7])), rng))
        size = mec_size(p)
        assert size == count_amos(p.undirected)
        if size <= 3000:
            assert sorted(list_members(p)) == mec_members(p)


def test_complete_graph_size_is_factorial():
    complete = tuple((1 << v) - 1 for v in range(9))
    assert mec_size(cpdag(complete)) == count_amos(cpdag(complete).undirected) == 362_880


def test_chain_components():
    chain = (0, 0b001, 0b010)
    assert chain_components(cpdag(chain).undirected) == [0b111]
    assert chain_components((0, 0, 0)) == []


def test_sampler_is_seeded_and_draws_members():
    rng = np.random.default_rng(2)
    p = cpdag(random_dag(9, 0.5, rng))
    members = set(mec_members(p))
    a = sample_members(p, 50, seed=3)
    assert a == sample_members(p, 50, seed=3)
    assert a != sample_members(p, 50, seed=4) or len(members) == 1
    assert set(a) <= members


def test_sampler_is_uniform():
    # A - B - C - D path plus a triangle B - C - E: a chordal component with several sizes
    # of rooted subclasses, so a non-uniform sampler would show
    edges = [(0, 1), (1, 2), (2, 3), (1, 4), (2, 4)]
    und = [0] * 5
    for a, b in edges:
        und[a] |= 1 << b
        und[b] |= 1 << a
    from corr2cause.causal.markov_equivalence import Pdag

    p = Pdag((0,) * 5, tuple(und))
    members = mec_members(p)
    assert len(members) == mec_size(p) > 5
    draws = Counter(sample_members(p, 40 * len(members), seed=0))
    assert set(draws) == set(members)
    observed = [draws[m] for m in members]
    assert chisquare(observed).pvalue > 1e-3
