"""Bit-parallel fraction counting equals item-by-item counting; the sampler's stream is stable.

Oracles: :func:`~corr2cause.causal.relations.count_items` (one member and one item at a time,
itself checked against ``relation_counts``) and an unmemoised copy of the rooted sampler.
"""

from __future__ import annotations

import random

import numpy as np

from corr2cause.causal.markov_equivalence import Pdag, cpdag
from corr2cause.causal.mec_size import _root, chain_components, mec_size, sample_members
from corr2cause.causal.relations import count_items
from corr2cause.dataset.class_labels import count_items_packed
from corr2cause.dataset.sampling import random_dag


def test_packed_counts_equal_item_by_item_counts():
    rng = np.random.default_rng(7)
    for trial in range(40):
        n = int(rng.integers(2, 23))
        p = cpdag(random_dag(n, float(rng.choice([0.15, 0.4, 0.85])), rng))
        # 1..300 members: word boundaries of the packed bitsets (64, 128, ...) are crossed
        members = sample_members(p, int(rng.integers(1, 300)), seed=trial)
        items = [(x, y, r) for x in range(n) for y in range(n) if x != y for r in range(6)]
        picked = rng.choice(len(items), size=min(150, len(items)), replace=False)
        items = [items[i] for i in picked]
        assert count_items_packed(members, items) == count_items(members, items), trial


def test_packed_counts_on_a_64_node_class():
    # node 63 uses the top bit of the uint64 parent masks
    p = cpdag(random_dag(64, 0.05, np.random.default_rng(64)))
    members = sample_members(p, 70, seed=0)
    items = [(x, 63, r) for x in range(0, 63, 7) for r in range(6)]
    items += [(63, y, r) for y in range(0, 63, 9) for r in range(6)]
    assert count_items_packed(members, items) == count_items(members, items)


def _reference_sample(pdag: Pdag, k: int, seed: int) -> list[tuple[int, ...]]:
    """The rooted sampler without its per-component plans (the stream of earlier releases)."""
    rng = random.Random(seed)

    def size_of(und: tuple[int, ...]) -> int:
        return mec_size(Pdag((0,) * len(und), und))

    def draw(und: tuple[int, ...], comp: int, parents: list[int]) -> None:
        nodes = [v for v in range(len(und)) if comp >> v & 1]
        rooted = [_root(und, comp, v) for v in nodes]
        weights = [size_of(rest) for _, rest in rooted]
        r = rng.randrange(sum(weights))
        i = 0
        while r >= weights[i]:
            r -= weights[i]
            i += 1
        directed, rest = rooted[i]
        for w in nodes:
            parents[w] |= directed[w]
        for sub in chain_components(rest):
            draw(tuple(x & sub for x in rest), sub, parents)

    out = []
    for _ in range(k):
        parents = list(pdag.directed)
        for comp in chain_components(pdag.undirected):
            draw(tuple(x & comp for x in pdag.undirected), comp, parents)
        out.append(tuple(parents))
    return out


def test_sampler_stream_is_unchanged_by_its_plans():
    rng = np.random.default_rng(9)
    for trial in range(12):
        p = cpdag(random_dag(int(rng.integers(6, 15)), float(rng.choice([0.3, 0.85])), rng))
        assert sample_members(p, 200, seed=trial) == _reference_sample(p, 200, trial)
