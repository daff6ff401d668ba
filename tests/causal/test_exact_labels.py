"""Exact CPDAG labels equal full member enumeration, item by item.

Oracle: :func:`~corr2cause.causal.markov_equivalence.mec_members` lists every member and
:func:`~corr2cause.causal.mec_classes.relation_counts` evaluates the six relations on each;
the label under test never lists members.
"""

from __future__ import annotations

import numpy as np
import pytest

from corr2cause.causal.exact_labels import close_pdag, exact_label3
from corr2cause.causal.markov_equivalence import Pdag, cpdag, mec_members, meek_closure
from corr2cause.causal.mec_classes import mec_classes, relation_counts
from corr2cause.causal.mec_size import mec_size
from corr2cause.dataset.sampling import random_dag


def enumerated_label3(pdag: Pdag) -> np.ndarray:
    members = mec_members(pdag)
    counts = relation_counts(members)
    m = len(members)
    return np.where(counts == m, 0, np.where(counts == 0, 2, 1)).astype(np.int8)


@pytest.mark.parametrize("n", [2, 3, 4, 5, 6])
def test_every_item_of_every_class_up_to_6(n, classes):
    for cls in classes(n):
        got = exact_label3(cpdag(cls.parents))
        np.testing.assert_array_equal(got, cls.label3(), err_msg=cls.mec_id)


@pytest.mark.slow
def test_every_item_of_every_class_n7():
    count = 0
    for cls in mec_classes(7):
        got = exact_label3(cpdag(cls.parents))
        np.testing.assert_array_equal(got, cls.label3(), err_msg=cls.mec_id)
        count += 1
    assert count == 76_907


def _random_classes(count: int, seed: int, max_size: int) -> list[Pdag]:
    rng = np.random.default_rng(seed)
    out: list[Pdag] = []
    while len(out) < count:
        n = int(rng.integers(8, 13))
        density = float(rng.choice([0.15, 0.3, 0.5, 0.85]))
        p = cpdag(random_dag(n, density, rng))
        if mec_size(p) <= max_size:
            out.append(p)
    return out


def test_random_classes_n8_to_12():
    classes = _random_classes(120, seed=11, max_size=600)
    assert max(mec_size(p) for p in classes) > 100  # the sample has large classes too
    for p in classes:
        np.testing.assert_array_equal(exact_label3(p), enumerated_label3(p))


@pytest.mark.slow
def test_thousands_of_random_classes_n8_to_12():
    for p in _random_classes(3000, seed=12, max_size=20_000):
        np.testing.assert_array_equal(exact_label3(p), enumerated_label3(p))


def test_close_pdag_equals_meek_closure_on_partial_orientations():
    rng = np.random.default_rng(4)
    checked = 0
    for _ in range(300):
        n = int(rng.integers(4, 11))
        p = cpdag(random_dag(n, float(rng.choice([0.3, 0.6, 0.9])), rng))
        if not any(p.undirected):
            continue
        member = mec_members(p, limit=5000)[0] if mec_size(p) <= 5000 else None
        if member is None:
            continue
        # orient a random subset of the undirected edges as in one member
        d = list(p.directed)
        u = list(p.undirected)
        for a, b in p.undirected_edges():
            if rng.random() < 0.4:
                s, t = (a, b) if member[b] >> a & 1 else (b, a)
                d[t] |= 1 << s
                u[a] &= ~(1 << b)
                u[b] &= ~(1 << a)
        want = meek_closure(Pdag(tuple(d), tuple(u)))
        assert close_pdag(d, u) == (want.directed, want.undirected)
        checked += 1
    assert checked > 100


def test_complete_component_labels():
    # complete DAG on 5 nodes: one undirected 5-clique, 120 members
    n = 5
    complete = tuple((1 << v) - 1 for v in range(n))
    p = cpdag(complete)
    assert mec_size(p) == 120
    got = exact_label3(p)
    # every relation of every pair occurs in some member and fails in another
    assert (got == 1).all()
    np.testing.assert_array_equal(got, enumerated_label3(p))


def test_large_sparse_class_is_decided_quickly():
    rng = np.random.default_rng(50)
    p = cpdag(random_dag(50, 0.06, rng))
    assert mec_size(p) > 10  # too large to enumerate comfortably, easy to label
    labels = exact_label3(p)
    assert labels.shape == (50 * 49 // 2, 6)
    # parent column: entailed exactly on directed edges
    assert int((labels[:, 0] == 0).sum() + (labels[:, 2] == 0).sum()) == sum(
        bin(m).count("1") for m in p.directed
    )
