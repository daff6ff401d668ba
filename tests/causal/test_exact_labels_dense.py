"""Dense classes: the witness shortcut of exact_label3 equals full member enumeration.

Oracle: every member is listed (:func:`~corr2cause.causal.mec_size.list_members`, itself
proved against ``mec_members``) and the six relations are evaluated on each
(:func:`~corr2cause.causal.mec_classes.relation_counts`). On classes too large to list, the
reference is the branch-and-bound search alone (``witnesses=False``), which
``test_exact_labels.py`` proves against enumeration.
"""

from __future__ import annotations

import numpy as np
import pytest

from corr2cause.causal.exact_labels import _Searcher, exact_label3
from corr2cause.causal.markov_equivalence import Pdag, cpdag
from corr2cause.causal.mec_classes import relation_counts
from corr2cause.causal.mec_size import chain_components, list_members, mec_size
from corr2cause.dataset.sampling import random_dag
from corr2cause.graphs.dag import pairs, topological_order


def enumerated_label3(pdag: Pdag) -> np.ndarray:
    members = list_members(pdag)
    counts = relation_counts(members)
    m = len(members)
    return np.where(counts == m, 0, np.where(counts == 0, 2, 1)).astype(np.int8)


def largest_complete_component(pdag: Pdag) -> int:
    """Size of the largest chain component that is a complete undirected graph (0 if none)."""
    best = 0
    for comp in chain_components(pdag.undirected):
        nodes = [v for v in range(pdag.n) if comp >> v & 1]
        if all(pdag.undirected[v] | 1 << v == pdag.undirected[v] | comp for v in nodes):
            best = max(best, len(nodes))
    return best


def with_clique(n: int, k: int, density: float, rng: np.random.Generator) -> tuple[int, ...]:
    """A random DAG with all edges among ``k`` random nodes added (along its order)."""
    g = list(random_dag(n, density, rng))
    order = topological_order(tuple(g))
    assert order is not None
    chosen = sorted(rng.choice(n, size=k, replace=False).tolist(), key=order.index)
    for i, b in enumerate(chosen):
        for a in chosen[:i]:
            g[b] |= 1 << a
    return tuple(g)


def complete_component_classes(count: int, seed: int) -> list[Pdag]:
    """Random CPDAGs on 5-8 nodes with a complete chain component of 3-7 nodes."""
    rng = np.random.default_rng(seed)
    out: list[Pdag] = []
    sizes: set[int] = set()
    while len(out) < count:
        n = int(rng.integers(5, 9))
        k = int(rng.integers(3, min(7, n) + 1))
        p = cpdag(with_clique(n, k, float(rng.choice([0.1, 0.25, 0.4])), rng))
        c = largest_complete_component(p)
        if c >= 3 and mec_size(p) <= 6000:
            out.append(p)
            sizes.add(c)
    assert sizes >= {3, 4, 5, 6, 7}, sizes  # every clique size K3..K7 is represented
    return out


def check_against_enumeration(classes: list[Pdag]) -> int:
    """Assert every label equals enumeration; return how many items the witnesses decided."""
    witnessed = 0
    for p in classes:
        searcher = _Searcher(p)
        got = np.array(
            [[searcher.label(r, x, y) for r in range(6)] for x, y in pairs(p.n)], dtype=np.int8
        )
        np.testing.assert_array_equal(got, enumerated_label3(p), err_msg=str(p))
        witnessed += searcher.witnessed
    return witnessed


def test_complete_components_embedded_in_random_classes():
    # the shortcut decided many items, so this test exercises it
    assert check_against_enumeration(complete_component_classes(30, seed=3)) > 300


@pytest.mark.slow
def test_hundreds_of_complete_components_embedded_in_random_classes():
    assert check_against_enumeration(complete_component_classes(400, seed=4)) > 4000


def test_complete_graphs_k3_to_k7():
    for n in range(3, 8):
        p = cpdag(tuple((1 << v) - 1 for v in range(n)))
        np.testing.assert_array_equal(exact_label3(p), enumerated_label3(p))


def test_witness_members_belong_to_the_class():
    rng = np.random.default_rng(5)
    checked = 0
    for _ in range(80):
        n = int(rng.integers(4, 10))
        p = cpdag(random_dag(n, float(rng.choice([0.3, 0.6, 0.9])), rng))
        if not any(p.undirected):
            continue
        searcher = _Searcher(p)
        for _ in range(5):
            rank = tuple(rng.permutation(n).tolist())
            assert cpdag(searcher.member(rank)) == p
            checked += 1
    assert checked > 200


@pytest.mark.parametrize("seed", [0, 1])
def test_dense_classes_equal_the_search_alone(seed):
    # density 0.85 at N = 9-13: classes up to ~10^5 members, too many to list here
    rng = np.random.default_rng(seed)
    for _ in range(12):
        p = cpdag(random_dag(int(rng.integers(9, 14)), 0.85, rng))
        np.testing.assert_array_equal(exact_label3(p), exact_label3(p, witnesses=False))


def test_mpdag_input_does_not_use_witnesses():
    # an MPDAG (one edge of the complete 4-clique oriented, then closed) is not a CPDAG:
    # MCS members need not be completions, so the search runs alone and stays exact
    from corr2cause.causal.exact_labels import close_pdag

    p = cpdag(tuple((1 << v) - 1 for v in range(4)))
    d, u = list(p.directed), list(p.undirected)
    d[1] |= 1
    u[0] &= ~0b10
    u[1] &= ~0b01
    state = close_pdag(d, u)
    m = Pdag(*state)
    searcher = _Searcher(m)
    assert not searcher._use_witnesses
    completions = [g for g in list_members(p) if all(g[v] & d[v] == d[v] for v in range(4))]
    counts = relation_counts(completions)
    want = np.where(counts == len(completions), 0, np.where(counts == 0, 2, 1))
    np.testing.assert_array_equal(exact_label3(m), want)


def test_complete_20_component_needs_no_search():
    n = 20
    p = cpdag(tuple((1 << v) - 1 for v in range(n)))
    assert mec_size(p) == 2432902008176640000  # 20!
    searcher = _Searcher(p)
    got = np.array(
        [[searcher.label(r, x, y) for r in range(6)] for x, y in pairs(n)], dtype=np.int8
    )
    assert searcher.nodes == 0  # every item decided by two witnesses
    # the search alone agrees on a spread of pairs (all of them takes ~40 s)
    reference = _Searcher(p, witnesses=False)
    for k in range(0, len(got), 47):
        x, y = pairs(n)[k]
        assert [reference.label(r, x, y) for r in range(6)] == got[k].tolist()
    # and, as on K3..K7 by enumeration, every relation of every pair is neutral
    assert (got == 1).all()
