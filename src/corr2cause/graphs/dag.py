"""Bitmask DAGs: conversions, topological orders and relabelings.

Representation
--------------
A DAG on ``n`` nodes is a tuple ``parents`` of length ``n``; bit ``u`` of ``parents[v]`` is set
iff the edge ``u -> v`` exists. This makes set operations on parents, children, ancestors and
descendants single integer operations, which is what the hot loops of enumeration, d-separation
and labeling need.

Pair numbering (SPEC section 3)
-------------------------------
Unordered pairs ``(i, j)``, ``i < j``, are numbered ``(0, 1), (0, 2), ..., (0, n-1), (1, 2), ...``
and pair number ``b`` is bit ``b`` of an *upper-triangular mask*: the mask of an
upper-triangular DAG (edges only from lower to higher index) is the sum of ``2**b`` over its
edges. Every DAG is isomorphic to an upper-triangular one (label it along a topological order).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import networkx as nx

Parents = tuple[int, ...]
"""A DAG as a tuple of parent bitmasks, one per node."""


def node_name(i: int) -> str:
    """Return the default name of node ``i`` (0-based): ``A, B, ..., Z``, then ``V26, V27 ...``.

    Examples
    --------
    >>> node_name(0), node_name(5)
    ('A', 'F')
    """
    if i < 0:
        raise ValueError(f"node index must be >= 0, got {i}")
    return chr(65 + i) if i < 26 else f"V{i}"


def node_names(n: int) -> list[str]:
    """Return the default names of nodes ``0 .. n-1``."""
    return [node_name(i) for i in range(n)]


def num_pairs(n: int) -> int:
    """Number of unordered pairs of ``n`` nodes, ``n * (n - 1) / 2``."""
    return n * (n - 1) // 2


@lru_cache(maxsize=64)
def pairs(n: int) -> tuple[tuple[int, int], ...]:
    """All pairs ``(i, j)``, ``i < j``, in the SPEC order (pair number = position)."""
    return tuple((i, j) for i in range(n) for j in range(i + 1, n))


@lru_cache(maxsize=64)
def _pair_bit_table(n: int) -> tuple[tuple[int, ...], ...]:
    table = [[-1] * n for _ in range(n)]
    for b, (i, j) in enumerate(pairs(n)):
        table[i][j] = b
        table[j][i] = b
    return tuple(tuple(row) for row in table)


def pair_bit(i: int, j: int, n: int) -> int:
    """Return the pair number (bit index) of the unordered pair ``{i, j}`` among ``n`` nodes."""
    if i == j or not (0 <= i < n and 0 <= j < n):
        raise ValueError(f"invalid pair ({i}, {j}) for n={n}")
    return _pair_bit_table(n)[i][j]


def mask_to_parents(mask: int, n: int) -> Parents:
    """Decode an upper-triangular mask into parent bitmasks.

    Examples
    --------
    >>> mask_to_parents(0b101, 3)  # edges A->B (bit 0) and B->C (bit 2)
    (0, 1, 2)
    """
    if mask < 0 or mask >> num_pairs(n):
        raise ValueError(f"mask {mask} out of range for n={n}")
    parents = [0] * n
    for b, (i, j) in enumerate(pairs(n)):
        if mask >> b & 1:
            parents[j] |= 1 << i
    return tuple(parents)


def parents_to_mask(parents: Parents) -> int:
    """Encode an upper-triangular DAG as its mask; raise ``ValueError`` if it is not one."""
    n = len(parents)
    table = _pair_bit_table(n)
    mask = 0
    for v, pm in enumerate(parents):
        if pm >> v:
            raise ValueError("DAG is not upper-triangular (an edge goes from a higher index)")
        while pm:
            low = pm & -pm
            u = low.bit_length() - 1
            mask |= 1 << table[u][v]
            pm ^= low
    return mask


def children_masks(parents: Parents) -> Parents:
    """Return the children bitmask of every node."""
    n = len(parents)
    children = [0] * n
    for v, pm in enumerate(parents):
        while pm:
            low = pm & -pm
            children[low.bit_length() - 1] |= 1 << v
            pm ^= low
    return tuple(children)


def reachable(step: Sequence[int], start: int, *, removed: int = 0) -> int:
    """Nodes reachable from the node set ``start`` in one or more moves along ``step``.

    Parameters
    ----------
    step : sequence of int
        ``step[v]`` is the bitmask of nodes one move away from ``v``: parent masks give
        ancestors, :func:`children_masks` give descendants.
    start : int
        Bitmask of start nodes (included in the result only if reachable again).
    removed : int, keyword-only
        Bitmask of nodes that may not be entered.

    Examples
    --------
    >>> chain = (0, 0b001, 0b010)  # A -> B -> C
    >>> reachable(children_masks(chain), 0b001), reachable(chain, 0b100)
    (6, 3)
    """
    reach = 0
    frontier = start
    while frontier:
        nxt = 0
        f = frontier
        while f:
            low = f & -f
            nxt |= step[low.bit_length() - 1]
            f ^= low
        nxt &= ~reach & ~removed
        reach |= nxt
        frontier = nxt
    return reach


def edges(parents: Parents) -> list[tuple[int, int]]:
    """Return the edge list ``[(u, v), ...]`` sorted by ``(u, v)``."""
    return sorted(
        (u, v) for v, pm in enumerate(parents) for u in range(len(parents)) if pm >> u & 1
    )


def from_edges(n: int, edge_list: Iterable[tuple[int, int]]) -> Parents:
    """Build parent masks from an edge list on nodes ``0 .. n-1`` (acyclicity is not checked)."""
    parents = [0] * n
    for u, v in edge_list:
        if not (0 <= u < n and 0 <= v < n) or u == v:
            raise ValueError(f"invalid edge ({u}, {v}) for n={n}")
        parents[v] |= 1 << u
    return tuple(parents)


def topological_order(parents: Parents) -> list[int] | None:
    """Return one topological order (smallest available node first), or ``None`` if cyclic."""
    n = len(parents)
    placed = 0
    order: list[int] = []
    for _ in range(n):
        for v in range(n):
            if not placed >> v & 1 and parents[v] & ~placed == 0:
                order.append(v)
                placed |= 1 << v
                break
        else:
            return None
    return order


def is_acyclic(parents: Parents) -> bool:
    """Return whether the directed graph given by ``parents`` has no directed cycle."""
    return topological_order(parents) is not None


def relabel(parents: Parents, new_label: Sequence[int]) -> Parents:
    """Relabel nodes: node ``v`` becomes ``new_label[v]`` (a permutation of ``0 .. n-1``)."""
    n = len(parents)
    if sorted(new_label) != list(range(n)):
        raise ValueError("new_label must be a permutation of 0 .. n-1")
    out = [0] * n
    for v, pm in enumerate(parents):
        m = 0
        while pm:
            low = pm & -pm
            m |= 1 << new_label[low.bit_length() - 1]
            pm ^= low
        out[new_label[v]] = m
    return tuple(out)


def upper_triangular_relabeling(parents: Parents) -> tuple[int, list[int]]:
    """Relabel a DAG along its (smallest-first) topological order.

    Returns
    -------
    mask : int
        The upper-triangular mask of the relabeled DAG.
    new_label : list of int
        ``new_label[v]`` is the new index of node ``v``.
    """
    order = topological_order(parents)
    if order is None:
        raise ValueError("graph has a directed cycle")
    new_label = [0] * len(parents)
    for k, v in enumerate(order):
        new_label[v] = k
    return parents_to_mask(relabel(parents, new_label)), new_label


def to_networkx(parents: Parents, names: Sequence[str] | None = None) -> nx.DiGraph:
    """Convert to a :class:`networkx.DiGraph` (nodes are indices, or ``names`` if given)."""
    import networkx as nx

    n = len(parents)
    label = list(range(n)) if names is None else list(names)
    g = nx.DiGraph()
    g.add_nodes_from(label)
    g.add_edges_from((label[u], label[v]) for u, v in edges(parents))
    return g


def from_networkx(graph: nx.DiGraph, nodes: Sequence[object] | None = None) -> Parents:
    """Convert a :class:`networkx.DiGraph`; ``nodes`` fixes the node order (default: sorted)."""
    order = list(nodes) if nodes is not None else sorted(graph.nodes)
    index = {v: k for k, v in enumerate(order)}
    return from_edges(len(order), ((index[u], index[v]) for u, v in graph.edges))
