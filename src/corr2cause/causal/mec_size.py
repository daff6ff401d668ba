"""Size of a Markov equivalence class, and seeded uniform sampling of its members.

The members of a CPDAG's class are the independent choices, one per *chain component*
(connected component of the undirected edges, always chordal), of an acyclic orientation of
that component without v-structures (an *AMO*) [1]_. So the class size is the product of the
AMO counts of the components.

Counting
    :func:`mec_size` uses Clique-Picking (Wienöbst, Bannach & Liśkiewicz [2]_), which counts
    in polynomial time, through the ``cliquepicking`` package (Rust core). :func:`count_amos`
    is an independent counter for cross-checks: an AMO of a connected chordal graph has a
    unique source ``v``; fixing it and closing under Meek's rules leaves chordal undirected
    components again, whose AMOs combine freely (He, Jia & Yu [3]_), so
    ``#AMO(G) = sum_v prod_C #AMO(C)``, memoised on the induced subgraphs.

Sampling
    :func:`sample_members` draws members uniformly at random and reproducibly: per component,
    the source ``v`` is drawn with probability ``#AMO(v-rooted) / #AMO(G)`` (exact integer
    arithmetic), then each remaining component recursively. The ``cliquepicking`` sampler is
    not used because it takes no seed.

References
----------
.. [1] S. A. Andersson, D. Madigan, M. D. Perlman, "A characterization of Markov equivalence
   classes for acyclic digraphs", Annals of Statistics 25(2), 1997.
.. [2] M. Wienöbst, M. Bannach, M. Liśkiewicz, "Polynomial-time algorithms for counting and
   sampling Markov equivalent DAGs with applications", JMLR 24, 2023 (AAAI 2021).
.. [3] Y. He, J. Jia, B. Yu, "Counting and exploring sizes of Markov equivalence classes of
   directed acyclic graphs", JMLR 16, 2015.

Examples
--------
>>> from corr2cause.causal.markov_equivalence import cpdag
>>> chain = (0, 0b001, 0b010)  # A -> B -> C: class A - B - C
>>> mec_size(cpdag(chain)), count_amos(cpdag(chain).undirected)
(3, 3)
"""

from __future__ import annotations

import random
from functools import cache, lru_cache

from corr2cause.causal.exact_labels import close_pdag
from corr2cause.causal.markov_equivalence import Pdag
from corr2cause.graphs.dag import Parents, reachable


def chain_components(undirected: tuple[int, ...]) -> list[int]:
    """Node masks of the connected components (with at least one edge) of an undirected graph."""
    n = len(undirected)
    seen = 0
    out = []
    for v in range(n):
        if seen >> v & 1 or not undirected[v]:
            continue
        comp = reachable(undirected, 1 << v) | 1 << v
        seen |= comp
        out.append(comp)
    return out


def _nodes(mask: int) -> list[int]:
    out = []
    while mask:
        low = mask & -mask
        out.append(low.bit_length() - 1)
        mask ^= low
    return out


def _component_arcs(undirected: tuple[int, ...], comp: int) -> list[tuple[int, int]]:
    """The component relabeled ``0..k-1``, undirected edges as two arcs (cliquepicking format)."""
    nodes = _nodes(comp)
    index = {v: i for i, v in enumerate(nodes)}
    return [(index[a], index[b]) for a in nodes for b in _nodes(undirected[a] & comp)]


def _amo_count_cp(undirected: tuple[int, ...], comp: int) -> int:
    import cliquepicking

    return int(cliquepicking.mec_size(_component_arcs(undirected, comp)))


def mec_size(pdag: Pdag) -> int:
    """Number of member DAGs of a CPDAG's class (Clique-Picking, polynomial time).

    Parameters
    ----------
    pdag : Pdag
        A CPDAG (not an arbitrary MPDAG: Clique-Picking counts chain components of CPDAGs).

    Returns
    -------
    int
        The exact count (a Python integer, possibly huge).
    """
    size = 1
    for comp in chain_components(pdag.undirected):
        size *= _amo_count_cp(pdag.undirected, comp)
    return size


@lru_cache(maxsize=65536)
def _root(
    undirected: tuple[int, ...], comp: int, v: int
) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """Make ``v`` the source of component ``comp`` and close under Meek's rules.

    Returns the directed edges (parent masks) and the undirected edges left in ``comp``.
    """
    n = len(undirected)
    d = [0] * n
    u = [undirected[w] & comp if comp >> w & 1 else 0 for w in range(n)]
    for w in _nodes(u[v]):
        d[w] |= 1 << v
        u[w] &= ~(1 << v)
    u[v] = 0
    return close_pdag(d, u)


def count_amos(undirected: tuple[int, ...]) -> int:
    """Number of AMOs of an undirected chordal graph, by rooted recursion (for cross-checks).

    Exponential in the worst case (memoised over induced subgraphs); use :func:`mec_size`
    for large graphs.
    """

    @cache
    def count(und: tuple[int, ...], comp: int) -> int:
        total = 0
        for v in _nodes(comp):
            rest = _root(und, comp, v)[1]
            prod = 1
            for sub in chain_components(rest):
                prod *= count(tuple(r & sub for r in rest), sub)
            total += prod
        return total

    size = 1
    for comp in chain_components(undirected):
        size *= count(tuple(r & comp for r in undirected), comp)
    return size


def list_members(pdag: Pdag) -> list[Parents]:
    """Every member DAG of a CPDAG's class, by the rooted recursion (unsorted).

    Each chain component is listed on its own -- every choice of source ``v``, then every
    combination of the AMOs of the components left after rooting -- and the class is the
    product over the components. Output-linear up to a factor polynomial in ``n``, and much
    faster than :func:`~corr2cause.causal.markov_equivalence.mec_members` on large classes.
    (``cliquepicking.mec_list_dags`` 0.3.2 panics on complete components, so it is not used.)
    """

    def amos(und: tuple[int, ...], comp: int) -> list[tuple[int, ...]]:
        out = []
        for v in _nodes(comp):
            directed, rest = _root(und, comp, v)
            combos = [directed]
            for sub in chain_components(rest):
                subs = amos(tuple(r & sub for r in rest), sub)
                combos = [
                    tuple(a | b for a, b in zip(c, s, strict=True)) for c in combos for s in subs
                ]
            out.extend(combos)
        return out

    members = [pdag.directed]
    for comp in chain_components(pdag.undirected):
        parts = amos(tuple(r & comp for r in pdag.undirected), comp)
        members = [tuple(a | b for a, b in zip(m, p, strict=True)) for m in members for p in parts]
    return members


_Plan = tuple[
    list[int],
    int,
    list[tuple[tuple[int, int], ...]],
    list[tuple[tuple[tuple[int, ...], int], ...]],
]
"""Sampling plan of one component: source weights, their sum, per source the new arrows
``(node, parents)`` and the undirected components left."""


def sample_members(pdag: Pdag, k: int, *, seed: int | list[int]) -> list[Parents]:
    """Draw ``k`` member DAGs uniformly at random (with replacement), reproducibly.

    Parameters
    ----------
    pdag : Pdag
        A CPDAG.
    k : int
        Number of draws.
    seed : int or list of int
        Seed; the same seed gives the same draws.

    Returns
    -------
    list of tuple of int
        The drawn DAGs as parent bitmasks.

    Examples
    --------
    >>> from corr2cause.causal.markov_equivalence import cpdag
    >>> draws = sample_members(cpdag((0, 0b001, 0b010)), 300, seed=1)
    >>> sorted(set(draws)) == sorted({(0, 1, 2), (2, 0, 2), (2, 4, 0)})
    True
    """
    seed_int = seed if isinstance(seed, int) else int.from_bytes(repr(seed).encode(), "big")
    rng = random.Random(seed_int)

    @lru_cache(maxsize=4096)
    def size_of(und: tuple[int, ...]) -> int:
        out = 1
        for comp in chain_components(und):
            out *= _amo_count_cp(und, comp)
        return out

    # per component: the source weights and, per source, its arrows and remaining components
    plans: dict[tuple[tuple[int, ...], int], _Plan] = {}

    def plan(und: tuple[int, ...], comp: int) -> _Plan:
        key = (und, comp)
        hit = plans.get(key)
        if hit is None:
            nodes = _nodes(comp)
            rooted = [_root(und, comp, v) for v in nodes]
            weights = [size_of(rest) for _, rest in rooted]
            arrows = [
                tuple((w, directed[w]) for w in nodes if directed[w]) for directed, _ in rooted
            ]
            subs = [
                tuple((tuple(r_ & sub for r_ in rest), sub) for sub in chain_components(rest))
                for _, rest in rooted
            ]
            hit = plans[key] = (weights, sum(weights), arrows, subs)
        return hit

    def draw_component(und: tuple[int, ...], comp: int, parents: list[int]) -> None:
        weights, total, arrows, subs = plan(und, comp)
        r = rng.randrange(total)
        i = 0
        while r >= weights[i]:
            r -= weights[i]
            i += 1
        for w, pm in arrows[i]:
            parents[w] |= pm
        for sub_und, sub in subs[i]:
            draw_component(sub_und, sub, parents)

    top = [
        (tuple(r & comp for r in pdag.undirected), comp)
        for comp in chain_components(pdag.undirected)
    ]
    out = []
    for _ in range(k):
        parents = list(pdag.directed)
        for und, comp in top:
            draw_component(und, comp, parents)
        out.append(tuple(parents))
    return out
