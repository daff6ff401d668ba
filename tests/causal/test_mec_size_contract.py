"""Contracts of :mod:`corr2cause.causal.mec_size` against brute force and published counts.

The module tests compare Clique-Picking, the rooted counter and enumeration with each other.
Here the expected values are independent: member sets by brute force over the orientations of
the skeleton (acyclic, same v-structures: Verma & Pearl), and closed-form AMO counts of
undirected chordal graphs (a tree on ``k`` nodes has ``k`` AMOs, one per source; the complete
graph ``K_k`` has ``k!``; disjoint components multiply). The sampler is checked for its
documented contract: seeded (an int or a list of ints), uniform over the members, members only.
"""

from __future__ import annotations

import itertools
import math
from collections import Counter

import pytest
from causal_reference import (
    NAMED_DAGS,
    all_labeled_dags,
    dag_from_edges,
    ref_members,
)
from scipy.stats import chisquare

from corr2cause.causal.markov_equivalence import Pdag, cpdag
from corr2cause.causal.mec_size import (
    chain_components,
    count_amos,
    list_members,
    mec_size,
    sample_members,
)


def undirected(n, edges):
    und = [0] * n
    for a, b in edges:
        und[a] |= 1 << b
        und[b] |= 1 << a
    return tuple(und)


@pytest.mark.parametrize("dag", NAMED_DAGS, ids=lambda d: d.name)
def test_named_graphs_sizes_and_members(dag):
    p = cpdag(dag.parents)
    want = ref_members(dag.parents)
    assert mec_size(p) == count_amos(p.undirected) == len(want)
    assert sorted(list_members(p)) == want


def test_every_labeled_dag_on_four_nodes():
    seen = set()
    for dag in all_labeled_dags(4):
        p = cpdag(dag)
        if p in seen:
            continue
        seen.add(p)
        want = ref_members(dag)
        assert mec_size(p) == count_amos(p.undirected) == len(want)
        assert sorted(list_members(p)) == want


# undirected chordal graphs with known AMO counts
TREES = {
    "path5": (5, [(0, 1), (1, 2), (2, 3), (3, 4)]),
    "star5": (5, [(2, 0), (2, 1), (2, 3), (2, 4)]),
    "spider6": (6, [(0, 1), (1, 2), (0, 3), (3, 4), (0, 5)]),
}


@pytest.mark.parametrize("name", sorted(TREES))
def test_a_tree_has_one_amo_per_source(name):
    n, edges = TREES[name]
    und = undirected(n, edges)
    p = Pdag((0,) * n, und)
    assert mec_size(p) == count_amos(und) == len(list_members(p)) == n


@pytest.mark.parametrize("k", [2, 3, 4, 5])
def test_complete_graph_has_k_factorial_amos(k):
    und = undirected(k, itertools.combinations(range(k), 2))
    p = Pdag((0,) * k, und)
    assert mec_size(p) == count_amos(und) == len(set(list_members(p))) == math.factorial(k)


def test_components_multiply_and_isolated_nodes_do_not_count():
    # a path on {0, 2, 4}, a triangle on {1, 5, 6}, node 3 isolated
    und = undirected(7, [(0, 2), (2, 4), (1, 5), (5, 6), (1, 6)])
    assert chain_components(und) == [0b0010101, 0b1100010]
    p = Pdag((0,) * 7, und)
    assert mec_size(p) == count_amos(und) == 3 * 6
    members = list_members(p)
    assert len(set(members)) == 18
    assert chain_components((0,) * 4) == []


def test_directed_part_is_kept_in_every_member():
    # 0 -> 2 <- 1 (a v-structure) and the undirected path 3 - 4 - 5
    p = cpdag(dag_from_edges(6, [(0, 2), (1, 2), (3, 4), (4, 5)]))
    assert p.directed == (0, 0, 0b11, 0, 0, 0)
    assert mec_size(p) == 3
    members = list_members(p)
    assert sorted(members) == ref_members(dag_from_edges(6, [(0, 2), (1, 2), (3, 4), (4, 5)]))
    assert all(m[2] == 0b11 for m in members)
    draws = sample_members(p, 30, seed=5)
    assert set(draws) == set(members)


def test_sampler_seeds():
    p = Pdag((0,) * 5, undirected(5, [(0, 1), (1, 2), (2, 3), (3, 4), (1, 3)]))
    a = sample_members(p, 40, seed=[1, 2])
    assert a == sample_members(p, 40, seed=[1, 2])
    assert a != sample_members(p, 40, seed=[2, 1])
    assert a != sample_members(p, 40, seed=[1, 2, 0])
    b = sample_members(p, 40, seed=7)
    assert b == sample_members(p, 40, seed=7) and b != sample_members(p, 40, seed=8)
    assert set(a) | set(b) <= set(list_members(p))
    assert sample_members(p, 0, seed=1) == []


def test_sampler_is_uniform_over_two_components_with_a_directed_part():
    """Members of (K3 on {0, 1, 2}) x (path 3 - 4) plus 5 -> 6: 6 * 2 = 12, equally likely."""
    und = list(undirected(7, [(0, 1), (1, 2), (0, 2), (3, 4)]))
    directed = [0] * 7
    directed[6] = 1 << 5
    p = Pdag(tuple(directed), tuple(und))
    members = sorted(set(list_members(p)))
    assert len(members) == 12
    draws = Counter(sample_members(p, 2400, seed=11))
    assert set(draws) == set(members)
    assert chisquare([draws[m] for m in members]).pvalue > 1e-3


def test_sampler_is_uniform_on_an_unbalanced_component():
    """K4 minus the edge 0 - 3: rooted at 0 or 3 it leaves 2 AMOs, rooted at 1 or 2 it leaves
    the path 0 - 2 - 3 (or 0 - 1 - 3) with 3, so 10 members; a sampler drawing the source
    uniformly would give the members of sources 0 and 3 more often."""
    edges = [(0, 1), (0, 2), (1, 2), (1, 3), (2, 3)]
    p = Pdag((0,) * 4, undirected(4, edges))
    members = sorted(set(list_members(p)))
    assert members == ref_members(dag_from_edges(4, edges))
    assert mec_size(p) == count_amos(p.undirected) == len(members) == 10
    draws = Counter(sample_members(p, 100 * len(members), seed=3))
    assert set(draws) == set(members)
    assert chisquare([draws[m] for m in members]).pvalue > 1e-3
