"""Contracts of :mod:`corr2cause.causal.markov_equivalence` not pinned by the oracle tests.

- ``Pdag``'s edge lists are sorted and the adjacency is the skeleton;
- ``mec_members`` accepts a DAG, its pattern or its CPDAG and lists the brute-force members
  (orientations of the skeleton with the same v-structures), and its ``limit`` raises exactly
  when the class has more members than the limit;
- ``meek_closure`` equals the edge-set closure of ``test_meek_r4`` (rules R1-R4 written from
  Meek 1995) on patterns with one or two extra orientations on five nodes, and is idempotent.
"""

from __future__ import annotations

import itertools
import random

import pytest
from causal_reference import (
    NAMED_DAGS,
    all_labeled_dags,
    dag_from_edges,
    ref_edges,
    ref_mask_to_dag,
    ref_members,
    ref_relabel,
    ref_v_structures,
)
from test_meek_r4 import closure, from_pdag, pattern_edges, to_pdag

from corr2cause.causal.markov_equivalence import (
    Pdag,
    cpdag,
    markov_equivalent,
    mec_members,
    meek_closure,
    pattern,
    skeleton,
    v_structures,
)


def test_pdag_accessors_by_hand():
    # 0 -> 2, 3 -> 2, 1 -> 0 directed; 1 - 3, 0 - 4 undirected
    directed = (0b0010, 0, 0b1001, 0, 0)
    und = [0] * 5
    for a, b in [(1, 3), (0, 4)]:
        und[a] |= 1 << b
        und[b] |= 1 << a
    p = Pdag(directed, tuple(und))
    assert p.n == 5
    assert p.directed_edges() == [(0, 2), (1, 0), (3, 2)]
    assert p.undirected_edges() == [(0, 4), (1, 3)]
    assert p.adjacency() == (0b10110, 0b01001, 0b01001, 0b00110, 0b00001)


@pytest.mark.parametrize("dag", NAMED_DAGS, ids=lambda d: d.name)
def test_skeleton_and_v_structures_by_reference(dag):
    g = dag.parents
    want_skel = [0] * dag.n
    for u, v in ref_edges(g):
        want_skel[u] |= 1 << v
        want_skel[v] |= 1 << u
    assert skeleton(g) == tuple(want_skel)
    assert v_structures(g) == frozenset(ref_v_structures(g))


@pytest.mark.parametrize("n", [1, 2, 3, 4])
def test_members_from_dag_pattern_or_cpdag(n):
    seen = set()
    for dag in all_labeled_dags(n):
        key = frozenset(ref_v_structures(dag)), skeleton(dag)
        if key in seen:
            continue
        seen.add(key)
        want = ref_members(dag)
        assert mec_members(dag) == want
        assert mec_members(pattern(dag)) == want
        assert mec_members(cpdag(dag)) == want
        assert all(markov_equivalent(dag, h) for h in want)
    assert len(seen) == [1, 2, 11, 185][n - 1]  # labeled MECs (OEIS A007984)


def test_markov_equivalent_by_hand():
    chain = dag_from_edges(3, [(0, 1), (1, 2)])
    fork = dag_from_edges(3, [(1, 0), (1, 2)])
    collider = dag_from_edges(3, [(0, 1), (2, 1)])
    other_skeleton = dag_from_edges(3, [(0, 2), (2, 1)])
    assert markov_equivalent(chain, fork)
    assert not markov_equivalent(chain, collider)  # same skeleton, new v-structure
    assert not markov_equivalent(chain, other_skeleton)  # no v-structures, other skeleton


@pytest.mark.parametrize(
    ("dag", "size"),
    [
        (dag_from_edges(3, [(0, 1), (1, 2)]), 3),
        (dag_from_edges(3, [(0, 1), (0, 2), (1, 2)]), 6),
        (dag_from_edges(3, [(0, 2), (1, 2)]), 1),
        (dag_from_edges(5, [(0, 1), (0, 2), (3, 2), (3, 4)]), 4),
    ],
)
def test_limit_raises_exactly_above_the_class_size(dag, size):
    assert len(mec_members(dag, limit=size)) == size
    assert len(mec_members(dag, limit=size + 1)) == size
    with pytest.raises(OverflowError, match=f"^MEC has more than {size - 1} members$"):
        mec_members(dag, limit=size - 1)


def test_limit_zero_raises_for_any_class():
    with pytest.raises(OverflowError, match=r"^MEC has more than 0 members$"):
        mec_members(dag_from_edges(2, []), limit=0)


def _random_dags(n, count, seed):
    rng = random.Random(seed)
    bits = n * (n - 1) // 2
    for _ in range(count):
        perm = list(range(n))
        rng.shuffle(perm)
        yield ref_relabel(ref_mask_to_dag(rng.getrandbits(bits), n), perm)


def test_closure_with_background_knowledge_on_five_nodes():
    """Orient one or two undirected edges of a pattern (consistently with a member), close:
    the result is the reference R1-R4 closure, and closing again changes nothing."""
    checked = 0
    for dag in _random_dags(5, 40, seed=17):
        d, u = pattern_edges(dag)
        member_edges = set(ref_edges(dag))
        for extra in itertools.islice(itertools.combinations(sorted(u), 2), 6):
            oriented = {e if e in member_edges else (e[1], e[0]) for e in extra}
            d2, u2 = d | oriented, u - set(extra)
            got = meek_closure(to_pdag(5, d2, u2))
            assert from_pdag(got) == closure(d2, u2, "1234")
            assert meek_closure(got) == got
            checked += 1
    assert checked > 50


def test_cpdag_is_the_closure_of_the_pattern_on_random_five_node_dags():
    for dag in _random_dags(5, 60, seed=5):
        d, u = pattern_edges(dag)
        assert from_pdag(pattern(dag)) == (d, u)
        assert from_pdag(cpdag(dag)) == closure(d, u, "123")
