"""Exact 3-class labels of every hypothesis from the CPDAG, for classes of any size.

A hypothesis is *entailed* if its relation holds in every member of the Markov equivalence
class, *contradicted* if in none, *neutral* otherwise (SPEC section 1). Listing the members is
hopeless for large classes (a complete undirected component on 20 nodes has ``20!`` of them);
this module decides the label by a **branch-and-bound search over orientations** that never
lists the class.

The ideas
---------
*Completions.* A *maximally oriented PDAG* (MPDAG) ``P`` -- a CPDAG with some undirected edges
oriented and then closed under Meek's rules R1-R4 -- stands for its set of *completions*: the
member DAGs that agree with its directed edges. Meek [1]_ proved that every undirected edge of
such a ``P`` can be oriented either way by some completion, so orienting one undirected edge
``a - b`` as ``a -> b`` or as ``b -> a`` and closing again splits the completions of ``P`` into
two non-empty halves. Branching on edges therefore never reaches a dead end, and a branch with
no undirected edge left is a single member DAG.

*Bounds.* For each relation two cheap tests on ``P`` bracket the truth:

``lower(P)``
    the relation holds using the *directed* edges of ``P`` only; then it holds in every
    completion (they contain those edges).
``upper(P)``
    the relation holds when every undirected edge may be used in either direction
    (*possibly directed* steps, not re-entering ``x``); if not, no completion has it.

On a DAG both tests are the relation itself (:mod:`corr2cause.causal.relations`). The
characterisations are the bitmask ones of that module: ``non-parent ancestor(x, y)`` is a
child ``c != y`` of ``x`` with ``y`` reachable from ``c``; ``has_collider(x, y)`` is
``De_{G-y}(x) & De_{G-x}(y) != 0``; ``has_confounder`` the same with ancestors.

*Search.* ``exists(P, want)`` asks whether some completion has the relation (``want`` true) or
lacks it (``want`` false): it answers from the bounds when they decide, and otherwise branches
on an undirected edge. The label is ``entailment`` iff no completion lacks the relation,
``contradiction`` iff none has it. Only edges that can change a bound are branched on: for
ancestry, edges inside ``PossDe(x) & PossAn(y)``; for a collider, edges among ``x`` and its
possible descendants avoiding ``y`` (or the same for ``y``); for a confounder, the same with
ancestors. When every such edge is directed the two bounds coincide, because every possibly
directed walk they look at stays inside that region. So the search is exact, and on real
classes it touches only the chain components that matter for the pair -- the product
structure of the class (Andersson, Madigan & Perlman [2]_) is what makes the rest irrelevant.
The worst case is exponential in the number of relevant undirected edges, but each step
decides a whole half of the class; ``tests/causal/test_exact_labels.py`` proves the labels
equal to full member enumeration on every item of every class with N <= 6 (N = 7 in a slow
test) and on random classes with N = 8-12.

*Witnesses.* The search proves a label by exhausting orientations, but a *neutral* label only
needs two members, one with the relation and one without. Before searching, two members are
built directly from the CPDAG: each chain component is oriented along a maximum cardinality
search (MCS) order, which is always an acyclic orientation without v-structures [4]_, so with
the CPDAG's directed edges it is a member [2]_; ties in MCS are broken to put ``x`` and ``y``
early or late (for ancestry ``x`` first and ``y`` last, or the reverse; for a collider both
first, or both last; for a confounder the opposite). If the two members disagree the label is
neutral, with no search; otherwise the search runs only for the side not witnessed. On a
complete component -- where every relation of every pair is neutral and the search needed
dozens of closures per item -- this decides every item at once: the CPDAG of the complete DAG
on 20 nodes (``20!`` members) is labeled in about 0.2 s instead of 40 s. Witnesses are used only
when the input is a CPDAG (checked once per class); for an MPDAG the search runs alone.

``parent`` and ``child`` never need the search: ``x -> y`` directed is entailed, ``x - y``
neutral (Meek: both orientations occur), anything else contradicted.

References
----------
.. [1] C. Meek, "Causal inference and causal explanation with background knowledge", UAI 1995.
.. [2] S. A. Andersson, D. Madigan, M. D. Perlman, "A characterization of Markov equivalence
   classes for acyclic digraphs", Annals of Statistics 25(2), 1997.
.. [3] E. Perković, M. Kalisch, M. H. Maathuis, "Interpreting and using CPDAGs with background
   knowledge", UAI 2017.
.. [4] R. E. Tarjan, M. Yannakakis, "Simple linear-time algorithms to test chordality of graphs,
   test acyclicity of hypergraphs, and selectively reduce acyclic hypergraphs", SIAM J.
   Computing 13(3), 1984.

Examples
--------
>>> from corr2cause.causal.markov_equivalence import cpdag
>>> chain = (0, 0b001, 0b010)  # A -> B -> C; its class is A - B - C (3 members)
>>> exact_label3(cpdag(chain))[1].tolist()  # pair (A, C): parent .. confounder
[2, 1, 2, 1, 2, 1]
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from corr2cause.causal.markov_equivalence import Pdag, cpdag
from corr2cause.graphs.dag import children_masks, pairs, reachable

ENTAILMENT, NEUTRAL, CONTRADICTION = 0, 1, 2
"""Codes of the 3-class labels (as in :data:`~corr2cause.causal.LABEL3_NAMES`)."""

_State = tuple[tuple[int, ...], tuple[int, ...]]
"""An MPDAG as ``(parents of directed edges, undirected neighbours)``."""


def close_pdag(directed: list[int], undirected: list[int], *, start: int | None = None) -> _State:
    """Meek closure (R1-R4) of a partially directed graph, with a work list.

    Same result as :func:`~corr2cause.causal.markov_equivalence.meek_closure` (the closure
    of a consistent PDAG is unique), but after orienting an edge only the undirected edges
    around its endpoints are checked again, which makes closing after one new orientation
    cheap on large graphs. The inputs are modified in place.

    ``start`` (a node mask) seeds the work list; by default every node. A graph that was
    closed before one edge ``a -> b`` was oriented needs only ``a``, ``b`` and their
    neighbours: every rule that the new edge can enable orients an edge at one of them.
    """
    n = len(directed)
    d = directed
    u = undirected
    ch = [0] * n
    for v in range(n):
        pm = d[v]
        while pm:
            low = pm & -pm
            ch[low.bit_length() - 1] |= 1 << v
            pm ^= low
    adj = [d[v] | ch[v] | u[v] for v in range(n)]
    queued = (1 << n) - 1 if start is None else start
    todo = [v for v in range(n) if queued >> v & 1]
    while todo:
        a = todo.pop()
        queued &= ~(1 << a)
        cand = u[a]
        while cand:
            low = cand & -cand
            cand ^= low
            b = low.bit_length() - 1
            if not u[a] >> b & 1:
                continue
            if not _fires(a, b, d, ch, u, adj):
                continue
            # orient a -> b
            u[a] &= ~(1 << b)
            u[b] &= ~(1 << a)
            d[b] |= 1 << a
            ch[a] |= 1 << b
            touched = adj[a] | adj[b] | (1 << a) | (1 << b)
            t = touched & ~queued
            while t:
                lo = t & -t
                todo.append(lo.bit_length() - 1)
                t ^= lo
            queued |= touched
            # a's remaining edges are looked at again when a is popped anew
    return tuple(d), tuple(u)


def _fires(a: int, b: int, d: list[int], ch: list[int], u: list[int], adj: list[int]) -> bool:
    """Does one of Meek's rules orient the undirected edge ``a - b`` as ``a -> b``?"""
    # R1: c -> a, c not adjacent to b
    if d[a] & ~adj[b] & ~(1 << b):
        return True
    # R2: a -> c -> b
    if ch[a] & d[b]:
        return True
    # R3: a - c -> b and a - e -> b with c, e non-adjacent
    cand = u[a] & d[b]
    while cand:
        low = cand & -cand
        cand ^= low
        if cand & ~adj[low.bit_length() - 1]:
            return True
    # R4: a - c, c -> e -> b, e adjacent to a, c not adjacent to b
    cs = u[a] & ~adj[b] & ~(1 << b)
    while cs:
        low = cs & -cs
        cs ^= low
        if ch[low.bit_length() - 1] & d[b] & adj[a]:
            return True
    return False


class _Oracle:
    """Bounds and branching for one relation of one pair (see the module docstring)."""

    def __init__(self, relation: int, x: int, y: int) -> None:
        if relation == 3:  # non-child descendant (x, y) = non-parent ancestor (y, x)
            relation, x, y = 1, y, x
        self.relation = relation
        self.x = x
        self.y = y

    def bounds(self, d: tuple[int, ...], u: tuple[int, ...]) -> tuple[bool, bool]:
        """``(lower, upper)``: holds in every completion / may hold in some completion."""
        x, y = self.x, self.y
        n = len(d)
        if self.relation == 1:
            ch = children_masks(d)
            if _ancestor_via_child(ch, x, y):
                return True, True
            pch = tuple(ch[v] | u[v] for v in range(n))
            return False, _ancestor_via_child(pch, x, y)
        step = children_masks(d) if self.relation == 4 else d
        bx, by = 1 << x, 1 << y
        if reachable(step, bx, removed=by) & reachable(step, by, removed=bx):
            return True, True
        pstep = tuple(step[v] | u[v] for v in range(n))
        return False, bool(reachable(pstep, bx, removed=by) & reachable(pstep, by, removed=bx))

    def branch(self, d: tuple[int, ...], u: tuple[int, ...]) -> tuple[int, int] | None:
        """An undirected edge that can change a bound, as the orientation that helps the
        relation hold: the first one met by a breadth-first search from ``x`` (then ``y``)
        inside the region of the module docstring. ``None`` if the region has none.
        """
        x, y = self.x, self.y
        n = len(d)
        if self.relation == 1:
            ch = children_masks(d)
            pch = tuple(ch[v] | u[v] for v in range(n))
            ppar = tuple(d[v] | u[v] for v in range(n))
            region = (reachable(pch, 1 << x) | 1 << x) & (reachable(ppar, 1 << y) | 1 << y)
            return _bfs_edge(pch, u, x, region, forward=True)
        step = children_masks(d) if self.relation == 4 else d
        pstep = tuple(step[v] | u[v] for v in range(n))
        forward = self.relation == 4
        for s, t in ((x, y), (y, x)):
            region = reachable(pstep, 1 << s, removed=1 << t) | 1 << s
            edge = _bfs_edge(pstep, u, s, region, forward=forward)
            if edge is not None:
                return edge
        return None


def _ancestor_via_child(step: tuple[int, ...], x: int, y: int) -> bool:
    """A move ``x -> c`` (``c != y``) followed by moves from ``c`` to ``y``, never re-entering x."""
    c = step[x] & ~(1 << y)
    if not c:
        return False
    return bool(reachable(step, c, removed=1 << x) >> y & 1)


def _bfs_edge(
    step: tuple[int, ...], u: tuple[int, ...], start: int, region: int, *, forward: bool
) -> tuple[int, int] | None:
    """First undirected edge ``v - w`` inside ``region`` met by BFS from ``start`` along ``step``.

    Returned as ``(v, w)`` (``v`` the nearer end) if ``forward`` else ``(w, v)``.
    """
    seen = 1 << start
    frontier = seen
    while frontier:
        f = frontier
        while f:
            low = f & -f
            f ^= low
            v = low.bit_length() - 1
            nb = u[v] & region
            if nb:
                w = (nb & -nb).bit_length() - 1
                return (v, w) if forward else (w, v)
        nxt = 0
        f = frontier
        while f:
            low = f & -f
            f ^= low
            nxt |= step[low.bit_length() - 1]
        frontier = nxt & region & ~seen
        seen |= frontier
    return None


def _component_nodes(undirected: tuple[int, ...]) -> list[list[int]]:
    """Node lists of the connected components (with an edge) of the undirected part."""
    seen = 0
    out = []
    for v in range(len(undirected)):
        if seen >> v & 1 or not undirected[v]:
            continue
        comp = reachable(undirected, 1 << v) | 1 << v
        seen |= comp
        out.append([w for w in range(len(undirected)) if comp >> w & 1])
    return out


def _is_cpdag_of(pdag: Pdag, dag: tuple[int, ...]) -> bool:
    """Is ``pdag`` the CPDAG of ``dag``'s class?"""
    return cpdag(dag) == pdag


class _Searcher:
    """Branch-and-bound over the completions of one class, with a cache of closed branches."""

    def __init__(self, pdag: Pdag, *, witnesses: bool = True, max_cache: int = 200_000) -> None:
        self.root: _State = (tuple(pdag.directed), tuple(pdag.undirected))
        self.n = pdag.n
        self._cache: dict[tuple[_State, int, int], _State] = {}
        self._max_cache = max_cache
        self.nodes = 0
        self.witnessed = 0
        self._components = _component_nodes(pdag.undirected)
        self._members: dict[tuple[int, ...], tuple[int, ...]] = {}
        # witnesses are members only if the input is a CPDAG (not an MPDAG with more arrows)
        self._use_witnesses = (
            witnesses
            and bool(self._components)
            and _is_cpdag_of(pdag, self.member(tuple(range(self.n))))
        )

    def orient(self, state: _State, a: int, b: int) -> _State:
        """Close ``state`` with ``a - b`` oriented ``a -> b``."""
        key = (state, a, b)
        hit = self._cache.get(key)
        if hit is not None:
            return hit
        d, u = list(state[0]), list(state[1])
        u[a] &= ~(1 << b)
        u[b] &= ~(1 << a)
        d[b] |= 1 << a
        around = d[a] | d[b] | u[a] | u[b] | (1 << a) | (1 << b)
        for v in range(self.n):  # children of a and b
            if d[v] >> a & 1 or d[v] >> b & 1:
                around |= 1 << v
        out = close_pdag(d, u, start=around)
        if len(self._cache) < self._max_cache:
            self._cache[key] = out
        return out

    def exists(self, oracle: _Oracle, state: _State, want: bool) -> bool:
        """Does some completion of ``state`` have (``want``) or lack the relation?"""
        self.nodes += 1
        lower, upper = oracle.bounds(*state)
        if want and lower:
            return True
        if not want and not upper:
            return True
        if lower == upper:  # decided the other way
            return False
        edge = oracle.branch(*state)
        if edge is None:  # pragma: no cover - the bounds coincide once the region is directed
            raise AssertionError("bounds disagree although no relevant edge is undirected")
        a, b = edge
        first, second = ((a, b), (b, a)) if want else ((b, a), (a, b))
        return self.exists(oracle, self.orient(state, *first), want) or self.exists(
            oracle, self.orient(state, *second), want
        )

    def label(self, relation: int, x: int, y: int) -> int:
        """3-class code of ``relation`` for the ordered pair ``(x, y)``."""
        d, u = self.root
        if relation in (0, 2):
            s, t = (x, y) if relation == 0 else (y, x)
            if d[t] >> s & 1:
                return ENTAILMENT
            return NEUTRAL if u[t] >> s & 1 else CONTRADICTION
        oracle = _Oracle(relation, x, y)
        lower, upper = oracle.bounds(d, u)
        if lower:
            return ENTAILMENT
        if not upper:
            return CONTRADICTION
        has = lacks = False
        if self._use_witnesses:
            has = self.witness(oracle, True)
            lacks = self.witness(oracle, False)
            if has and lacks:
                self.witnessed += 1
                return NEUTRAL
        if not lacks and not self.exists(oracle, self.root, False):
            return ENTAILMENT
        if not has and not self.exists(oracle, self.root, True):
            return CONTRADICTION
        return NEUTRAL

    def member(self, rank: tuple[int, ...]) -> tuple[int, ...]:
        """The member DAG whose chain components follow maximum cardinality search.

        MCS picks next an unnumbered node with the most numbered neighbours, ties broken by
        the smallest ``rank``. Orienting every undirected edge from the earlier to the later
        node gives each node a clique of earlier neighbours (the reverse of an MCS order is a
        perfect elimination ordering, Tarjan & Yannakakis [4]_), so no v-structure and no
        cycle: an AMO of each component, and with the directed edges of the CPDAG a member
        of the class (Andersson, Madigan & Perlman [2]_).
        """
        hit = self._members.get(rank)
        if hit is not None:
            return hit
        d = list(self.root[0])
        u = self.root[1]
        for nodes in self._components:
            weight = dict.fromkeys(nodes, 0)
            numbered = 0
            for _ in range(len(nodes)):
                best = max(weight, key=lambda v: (weight[v], -rank[v]))
                del weight[best]
                d[best] |= u[best] & numbered
                numbered |= 1 << best
                nb = u[best] & ~numbered
                while nb:
                    low = nb & -nb
                    nb ^= low
                    weight[low.bit_length() - 1] += 1
        out = tuple(d)
        if len(self._members) < 4096:
            self._members[rank] = out
        return out

    def witness(self, oracle: _Oracle, want: bool) -> bool:
        """Does one member built for the purpose have (``want``) or lack the relation?

        A cheap try before the search: nodes that should come early in their chain
        component (to be sources of paths) get small ranks, nodes that should come late
        large ones. ``False`` only means this member is no witness.
        """
        n, x, y = self.n, oracle.x, oracle.y
        early: tuple[int, ...]
        late: tuple[int, ...]
        if oracle.relation == 1:  # x a non-parent ancestor of y
            early, late = ((x,), (y,)) if want else ((y,), (x,))
        elif oracle.relation == 4:  # collider: x and y sources (want) or sinks
            early, late = ((x, y), ()) if want else ((), (x, y))
        else:  # confounder: x and y sinks (want) or sources
            early, late = ((), (x, y)) if want else ((x, y), ())
        rank = list(range(n, 2 * n))
        for i, v in enumerate(early):
            rank[v] = i
        for i, v in enumerate(late):
            rank[v] = 2 * n + i
        dag = self.member(tuple(rank))
        return oracle.bounds(dag, (0,) * n)[0] == want


def exact_label3(
    pdag: Pdag,
    *,
    witnesses: bool = True,
    progress: Callable[[int, int], None] | None = None,
) -> np.ndarray:
    """Exact 3-class labels of every (pair, relation) of a class, from its CPDAG.

    Parameters
    ----------
    pdag : Pdag
        The CPDAG of the class (any MPDAG closed under Meek's rules works: the labels are
        then over its completions).
    witnesses : bool, keyword-only
        Try two purpose-built members before searching (the default; see "Witnesses" in the
        module docstring). ``False`` runs the search alone: the same labels, slower on dense
        classes; for cross-checks and benchmarks.
    progress : callable, optional
        Called as ``progress(done_pairs, total_pairs)``.

    Returns
    -------
    numpy.ndarray of int8, shape ``(C(n, 2), 6)``
        0 entailment, 1 neutral, 2 contradiction; rows follow
        :func:`~corr2cause.graphs.dag.pairs`, columns
        :data:`~corr2cause.causal.relations.RELATIONS`.
    """
    searcher = _Searcher(pdag, witnesses=witnesses)
    prs = pairs(pdag.n)
    out = np.empty((len(prs), 6), dtype=np.int8)
    for k, (x, y) in enumerate(prs):
        for r in range(6):
            out[k, r] = searcher.label(r, x, y)
        if progress is not None:
            progress(k + 1, len(prs))
    return out
