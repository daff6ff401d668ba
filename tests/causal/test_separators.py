"""Minimal d-separators by neighbourhood moves equal the subset search, and networkx agrees."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest

from corr2cause.causal.d_separation import (
    d_separation_statements,
    minimal_separating_statements,
)
from corr2cause.causal.separators import minimal_separation_statements, minimal_separators
from corr2cause.dataset.sampling import random_dag
from corr2cause.graphs.dag import to_networkx


@pytest.mark.parametrize("n", [2, 3, 4, 5])
def test_every_dag_representative(n, catalog):
    cat = catalog(n)
    for k in range(len(cat)):
        g = cat.parents(k)
        assert minimal_separation_statements(g) == minimal_separating_statements(
            d_separation_statements(g)
        )


def test_random_dags_up_to_9():
    rng = np.random.default_rng(9)
    for _ in range(400):
        n = int(rng.integers(6, 10))
        g = random_dag(n, float(rng.choice([0.2, 0.35, 0.5, 0.7])), rng)
        assert minimal_separation_statements(g) == minimal_separating_statements(
            d_separation_statements(g)
        )


def test_networkx_confirms_minimality_at_n15():
    rng = np.random.default_rng(15)
    g = random_dag(15, 0.25, rng)
    graph = to_networkx(g, names=list(range(15)))
    listed = 0
    for i in range(15):
        for j in range(i + 1, 15):
            for z in minimal_separators(g, i, j):
                zs = {v for v in range(15) if z >> v & 1}
                assert nx.is_minimal_d_separator(graph, i, j, zs)
                listed += 1
            if not graph.has_edge(i, j) and not graph.has_edge(j, i):
                one = nx.find_minimal_d_separator(graph, i, j)
                mask = sum(1 << v for v in one)
                assert mask in minimal_separators(g, i, j)
    assert listed > 20


def test_adjacent_pairs_have_none():
    chain = (0, 0b001, 0b010)
    assert minimal_separators(chain, 0, 1) == []
    assert minimal_separators(chain, 0, 2) == [0b010]
    with pytest.raises(ValueError):
        minimal_separators(chain, 1, 1)
