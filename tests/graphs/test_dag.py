"""Bitmask DAG helpers: pair numbering, masks, relabelings and networkx conversion.

Expectations are either written by hand from SPEC section 3 (pair numbering, masks of small
graphs) or come from networkx (topological sorts, acyclicity, relabeling).
"""

from __future__ import annotations

import itertools

import networkx as nx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from corr2cause.graphs.dag import (
    children_masks,
    edges,
    from_edges,
    from_networkx,
    is_acyclic,
    mask_to_parents,
    node_name,
    node_names,
    num_pairs,
    pair_bit,
    pairs,
    parents_to_mask,
    relabel,
    to_networkx,
    topological_order,
    upper_triangular_relabeling,
)

DIAMOND = (0, 0b0001, 0b0001, 0b0110)  # A->B, A->C, B->D, C->D


@st.composite
def dags(draw: st.DrawFn, max_n: int = 8) -> tuple[int, ...]:
    """Random labeled DAGs: a random order and a random set of forward edges."""
    n = draw(st.integers(1, max_n))
    order = draw(st.permutations(range(n)))
    parents = [0] * n
    for a, b in itertools.combinations(range(n), 2):
        if draw(st.booleans()):
            parents[order[b]] |= 1 << order[a]
    return tuple(parents)


@st.composite
def digraphs(draw: st.DrawFn, max_n: int = 6) -> tuple[int, ...]:
    """Random directed graphs without self-loops (cycles allowed)."""
    n = draw(st.integers(1, max_n))
    return tuple(draw(st.integers(0, (1 << n) - 1)) & ~(1 << v) for v in range(n))


def _nx(parents: tuple[int, ...]) -> nx.DiGraph:
    g = nx.DiGraph()
    g.add_nodes_from(range(len(parents)))
    n = len(parents)
    g.add_edges_from((u, v) for v, pm in enumerate(parents) for u in range(n) if pm >> u & 1)
    return g


def test_node_names() -> None:
    assert node_name(0) == "A"
    assert node_name(25) == "Z"
    assert node_name(26) == "V26"
    assert node_names(4) == ["A", "B", "C", "D"]
    with pytest.raises(ValueError):
        node_name(-1)


def test_pair_numbering_follows_the_spec() -> None:
    assert [num_pairs(n) for n in range(1, 8)] == [0, 1, 3, 6, 10, 15, 21]
    assert pairs(4) == ((0, 1), (0, 2), (0, 3), (1, 2), (1, 3), (2, 3))
    assert pairs(1) == ()
    expected_bits = {(0, 1): 0, (0, 2): 1, (0, 3): 2, (1, 2): 3, (1, 3): 4, (2, 3): 5}
    for (i, j), b in expected_bits.items():
        assert pair_bit(i, j, 4) == b
        assert pair_bit(j, i, 4) == b
    for n in range(2, 9):
        assert [pair_bit(i, j, n) for i, j in pairs(n)] == list(range(num_pairs(n)))


@pytest.mark.parametrize(("i", "j", "n"), [(0, 0, 3), (0, 3, 3), (-1, 1, 3), (3, 1, 3)])
def test_pair_bit_rejects_invalid_pairs(i: int, j: int, n: int) -> None:
    with pytest.raises(ValueError):
        pair_bit(i, j, n)


def test_masks_by_hand() -> None:
    assert mask_to_parents(0b101, 3) == (0, 1, 2)  # A->B, B->C
    assert mask_to_parents(0b110, 3) == (0, 0, 3)  # A->C<-B
    assert mask_to_parents(1 + 2 + 16 + 32, 4) == DIAMOND
    assert parents_to_mask(DIAMOND) == 51
    assert mask_to_parents(0, 5) == (0,) * 5
    assert mask_to_parents(2**10 - 1, 5) == (0, 1, 3, 7, 15)


@pytest.mark.parametrize("n", range(1, 6))
def test_mask_round_trip(n: int) -> None:
    for mask in range(1 << num_pairs(n)):
        parents = mask_to_parents(mask, n)
        assert parents_to_mask(parents) == mask
        assert all(pm >> v == 0 for v, pm in enumerate(parents))  # upper-triangular
        assert sum(bin(pm).count("1") for pm in parents) == bin(mask).count("1")


def test_mask_errors() -> None:
    with pytest.raises(ValueError):
        mask_to_parents(8, 3)
    with pytest.raises(ValueError):
        mask_to_parents(-1, 3)
    with pytest.raises(ValueError, match="upper-triangular"):
        parents_to_mask((2, 0))  # B -> A


def test_children_edges_and_from_edges() -> None:
    assert children_masks(DIAMOND) == (0b0110, 0b1000, 0b1000, 0)
    assert edges(DIAMOND) == [(0, 1), (0, 2), (1, 3), (2, 3)]
    assert from_edges(4, [(2, 3), (0, 1), (1, 3), (0, 2)]) == DIAMOND
    for bad in ([(0, 0)], [(0, 4)], [(-1, 0)]):
        with pytest.raises(ValueError):
            from_edges(4, bad)


@settings(max_examples=100, deadline=None)
@given(parents=dags())
def test_children_and_edges_agree_with_networkx(parents: tuple[int, ...]) -> None:
    g = _nx(parents)
    n = len(parents)
    assert children_masks(parents) == tuple(sum(1 << w for w in g.successors(v)) for v in range(n))
    assert edges(parents) == sorted(g.edges)
    assert from_edges(n, edges(parents)) == parents


@settings(max_examples=100, deadline=None)
@given(parents=dags())
def test_topological_order_is_the_smallest_first_order(parents: tuple[int, ...]) -> None:
    order = topological_order(parents)
    assert order == list(nx.lexicographical_topological_sort(_nx(parents)))
    assert is_acyclic(parents)


@settings(max_examples=150, deadline=None)
@given(parents=digraphs())
def test_acyclicity_agrees_with_networkx(parents: tuple[int, ...]) -> None:
    acyclic = nx.is_directed_acyclic_graph(_nx(parents))
    assert is_acyclic(parents) is acyclic
    assert (topological_order(parents) is None) is (not acyclic)


def test_topological_order_of_a_cycle_is_none() -> None:
    assert topological_order((4, 1, 2)) is None  # A->B->C->A
    with pytest.raises(ValueError, match="cycle"):
        upper_triangular_relabeling((4, 1, 2))


@settings(max_examples=100, deadline=None)
@given(parents=dags(), data=st.data())
def test_relabel_agrees_with_networkx(parents: tuple[int, ...], data: st.DataObject) -> None:
    n = len(parents)
    perm = data.draw(st.permutations(range(n)))
    expected = nx.relabel_nodes(_nx(parents), dict(enumerate(perm)))
    got = relabel(parents, perm)
    assert sorted(_nx(got).edges) == sorted(expected.edges)
    inverse = [0] * n
    for v, p in enumerate(perm):
        inverse[p] = v
    assert relabel(got, inverse) == parents
    assert relabel(parents, list(range(n))) == parents


def test_relabel_rejects_non_permutations() -> None:
    with pytest.raises(ValueError):
        relabel(DIAMOND, [0, 1, 1, 2])
    with pytest.raises(ValueError):
        relabel(DIAMOND, [0, 1, 2])


@settings(max_examples=100, deadline=None)
@given(parents=dags())
def test_upper_triangular_relabeling(parents: tuple[int, ...]) -> None:
    mask, new_label = upper_triangular_relabeling(parents)
    assert sorted(new_label) == list(range(len(parents)))
    assert mask_to_parents(mask, len(parents)) == relabel(parents, new_label)
    for u, v in edges(parents):
        assert new_label[u] < new_label[v]


def test_networkx_round_trip() -> None:
    g = to_networkx(DIAMOND)
    assert sorted(g.nodes) == [0, 1, 2, 3]
    assert sorted(g.edges) == [(0, 1), (0, 2), (1, 3), (2, 3)]
    assert from_networkx(g) == DIAMOND
    named = to_networkx(DIAMOND, names=node_names(4))
    assert sorted(named.edges) == [("A", "B"), ("A", "C"), ("B", "D"), ("C", "D")]
    assert from_networkx(named) == DIAMOND
    # a custom node order relabels: D, C, B, A -> 0, 1, 2, 3
    assert from_networkx(named, nodes=["D", "C", "B", "A"]) == (0b0110, 0b1000, 0b1000, 0)
    frozen = nx.freeze(to_networkx((0, 1, 2)))
    assert from_networkx(frozen) == (0, 1, 2)
