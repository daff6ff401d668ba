"""Markov equivalence: skeletons, v-structures, CPDAGs (Meek rules) and MEC members.

Two DAGs are *Markov equivalent* when they imply the same d-separation statements. Verma and
Pearl [1]_ showed that this happens iff they have the same skeleton and the same v-structures
(``a -> c <- b`` with ``a`` and ``b`` non-adjacent). A Markov equivalence class (MEC) is
summarised by its CPDAG (completed partially directed acyclic graph, or essential graph): the
skeleton, with the edges directed that point the same way in every member. Starting from the
*pattern* (skeleton plus v-structure edges), Meek's orientation rules R1-R3 [2]_ produce the
CPDAG; R4 is only needed when extra orientations (background knowledge) are added, as in
:func:`mec_members`.

The public interface:

- :func:`skeleton`, :func:`v_structures`, :func:`pattern`, :func:`cpdag`;
- :func:`meek_closure` applies R1-R4 to a partially directed graph;
- :func:`mec_members` lists every DAG of a CPDAG's class, in the same labeling;
- :func:`markov_equivalent` decides equivalence of two DAGs.

References
----------
.. [1] T. Verma, J. Pearl, "Equivalence and synthesis of causal models", UAI 1990.
.. [2] C. Meek, "Causal inference and causal explanation with background knowledge", UAI 1995.
.. [3] D. M. Chickering, "Learning equivalence classes of Bayesian-network structures",
   JMLR 2, 2002.
"""

from __future__ import annotations

from dataclasses import dataclass

from corr2cause.graphs.dag import Parents, children_masks, is_acyclic


@dataclass(frozen=True)
class Pdag:
    """A partially directed graph on bitmasks.

    Attributes
    ----------
    directed : tuple of int
        ``directed[v]`` = bitmask of ``u`` with ``u -> v``.
    undirected : tuple of int
        ``undirected[v]`` = bitmask of ``u`` with ``u - v`` (symmetric).
    """

    directed: Parents
    undirected: tuple[int, ...]

    @property
    def n(self) -> int:
        """Number of nodes."""
        return len(self.directed)

    def directed_edges(self) -> list[tuple[int, int]]:
        """Directed edges ``(u, v)`` sorted."""
        n = self.n
        return sorted((u, v) for v in range(n) for u in range(n) if self.directed[v] >> u & 1)

    def undirected_edges(self) -> list[tuple[int, int]]:
        """Undirected edges ``(u, v)`` with ``u < v``, sorted."""
        n = self.n
        return [(u, v) for u in range(n) for v in range(u + 1, n) if self.undirected[v] >> u & 1]

    def adjacency(self) -> tuple[int, ...]:
        """Skeleton neighbour masks."""
        ch = children_masks(self.directed)
        return tuple(self.directed[v] | ch[v] | self.undirected[v] for v in range(self.n))


def skeleton(parents: Parents) -> tuple[int, ...]:
    """Neighbour bitmask of every node in the undirected skeleton."""
    ch = children_masks(parents)
    return tuple(p | c for p, c in zip(parents, ch, strict=True))


def v_structures(parents: Parents) -> frozenset[tuple[int, int, int]]:
    """All v-structures ``(a, c, b)``: ``a < b``, ``a -> c <- b``, ``a`` and ``b`` non-adjacent."""
    adj = skeleton(parents)
    out = set()
    for c, pm in enumerate(parents):
        ps = [u for u in range(len(parents)) if pm >> u & 1]
        for k, a in enumerate(ps):
            for b in ps[k + 1 :]:
                if not adj[a] >> b & 1:
                    out.add((a, c, b))
    return frozenset(out)


def pattern(parents: Parents) -> Pdag:
    """The pattern of a DAG: skeleton with exactly the v-structure edges directed."""
    n = len(parents)
    directed = [0] * n
    for a, c, b in v_structures(parents):
        directed[c] |= (1 << a) | (1 << b)
    adj = skeleton(parents)
    ch_dir = children_masks(tuple(directed))
    undirected = tuple(adj[v] & ~directed[v] & ~ch_dir[v] for v in range(n))
    return Pdag(tuple(directed), undirected)


def meek_closure(pdag: Pdag) -> Pdag:
    """Apply Meek's rules R1-R4 until no rule fires.

    R1: ``a -> b - c``, ``a``, ``c`` non-adjacent  =>  ``b -> c``.
    R2: ``a -> c -> b`` and ``a - b``  =>  ``a -> b``.
    R3: ``a - b``, ``a - c -> b``, ``a - d -> b``, ``c``, ``d`` non-adjacent  =>  ``a -> b``.
    R4: ``a - b``, ``a - c``, ``c -> d -> b``, ``a`` adjacent to ``d``, ``c``, ``b``
    non-adjacent  =>  ``a -> b``.
    """
    n = pdag.n
    d = list(pdag.directed)
    u = list(pdag.undirected)
    changed = True
    while changed:
        changed = False
        ch = children_masks(tuple(d))
        adj = [d[v] | ch[v] | u[v] for v in range(n)]
        for a in range(n):
            for b in range(n):
                if not u[a] >> b & 1:
                    continue
                orient = False
                # R1: some c -> a with c not adjacent to b; R2: a -> c -> b
                if d[a] & ~adj[b] & ~(1 << b) or ch[a] & d[b]:
                    orient = True
                else:
                    # R3: two non-adjacent c, d with a - c -> b and a - d -> b
                    cand = u[a] & d[b]
                    cs = [c for c in range(n) if cand >> c & 1]
                    for k, c in enumerate(cs):
                        if any(not adj[c] >> e & 1 for e in cs[k + 1 :]):
                            orient = True
                            break
                    if not orient:
                        # R4: a - c, c -> e -> b, a adj e, c not adj b
                        for c in range(n):
                            if not u[a] >> c & 1 or adj[c] >> b & 1:
                                continue
                            if ch[c] & d[b] & adj[a]:
                                orient = True
                                break
                if orient:
                    u[a] &= ~(1 << b)
                    u[b] &= ~(1 << a)
                    d[b] |= 1 << a
                    changed = True
                    ch = children_masks(tuple(d))
                    adj = [d[v] | ch[v] | u[v] for v in range(n)]
    return Pdag(tuple(d), tuple(u))


def cpdag(parents: Parents) -> Pdag:
    """The CPDAG (essential graph) of a DAG's Markov equivalence class."""
    return meek_closure(pattern(parents))


def markov_equivalent(g: Parents, h: Parents) -> bool:
    """Whether two DAGs on the same nodes are Markov equivalent (same skeleton and v-structures)."""
    return skeleton(g) == skeleton(h) and v_structures(g) == v_structures(h)


def mec_members(graph: Parents | Pdag, *, limit: int | None = None) -> list[Parents]:
    """Every DAG of a Markov equivalence class, in the labeling given.

    Parameters
    ----------
    graph : tuple of int or Pdag
        A member DAG, or the class's CPDAG (a pattern is accepted too).
    limit : int, optional
        Stop after this many members and raise ``OverflowError`` (for large classes).

    Returns
    -------
    list of tuple of int
        The member DAGs as parent bitmasks, sorted.

    Notes
    -----
    Undirected edges are oriented one at a time, each time in both directions, and the Meek
    closure (R1-R4) propagates the consequences. By Meek's theorem every undirected edge of the
    closure can still be oriented either way, so the search has no dead ends; each leaf is
    nevertheless checked for acyclicity and unchanged v-structures.
    """
    start = graph if isinstance(graph, Pdag) else pattern(graph)
    start = meek_closure(start)
    target_v = None
    out: list[Parents] = []

    def walk(p: Pdag) -> None:
        nonlocal target_v
        und = p.undirected
        edge = next(((a, b) for b in range(p.n) for a in range(b) if und[b] >> a & 1), None)
        if edge is None:
            dag = p.directed
            if is_acyclic(dag):
                vs = v_structures(dag)
                if target_v is None:
                    target_v = _pattern_v_structures(start)
                if vs == target_v:
                    out.append(dag)
                    if limit is not None and len(out) > limit:
                        raise OverflowError(f"MEC has more than {limit} members")
            return
        a, b = edge
        for x, y in ((a, b), (b, a)):
            d = list(p.directed)
            u = list(p.undirected)
            u[x] &= ~(1 << y)
            u[y] &= ~(1 << x)
            d[y] |= 1 << x
            walk(meek_closure(Pdag(tuple(d), tuple(u))))

    walk(start)
    out.sort()
    return out


def _pattern_v_structures(p: Pdag) -> frozenset[tuple[int, int, int]]:
    """v-structures among the directed edges of a PDAG (colliders with non-adjacent parents)."""
    adj = p.adjacency()
    out = set()
    for c in range(p.n):
        ps = [u for u in range(p.n) if p.directed[c] >> u & 1]
        for k, a in enumerate(ps):
            for b in ps[k + 1 :]:
                if not adj[a] >> b & 1:
                    out.add((a, c, b))
    return frozenset(out)
