"""Sampled Markov equivalence classes for large ``N`` (8 and beyond).

Exhaustive enumeration stops at ``N = 7`` (243,668 DAGs; ``N = 8`` has 20 million). Beyond it
classes are *sampled*:

Sampling distributions (``sampler=``; every draw is seeded)
    ``"edge-density"`` (default)
        An Erdős–Rényi DAG: a uniformly random order of the ``N`` nodes, then each of the
        ``C(N, 2)`` forward edges independently with probability ``edge_density``. Not uniform
        over labeled DAGs or classes; a configurable density that keeps premises readable.
    ``"uniform"``
        **Uniform over all labeled DAGs on N nodes** (OEIS A003024), by the exact recursive
        method of Kuipers & Moffa [1]_: count the DAGs by their number of *outpoints* (nodes
        without parents), draw the layer sizes from those exact counts, connect each node to a
        non-empty subset of the previous layer and any subset of the earlier ones, and label
        the nodes by a uniform permutation. Uniform DAGs are dense (about ``N**2 / 4`` edges)
        and their classes small.
    Stratified (:func:`stratified_classes`)
        Draws from one of the samplers above until every stratum of a difficulty key (by
        default the class-size bucket ``1, 2-9, 10-99, 100-999, >= 1000`` members) holds the
        requested number of distinct classes, or a draw budget runs out. Within a stratum the
        distribution is the base sampler's, conditioned on the stratum (and deduplicated).

Deduplication up to isomorphism
    Each draw is mapped to its CPDAG, which identifies its labeled MEC. Two draws give the same
    class up to isomorphism iff their CPDAGs are isomorphic, decided with a canonical labeling
    of the CPDAG (undirected edges as two arcs) computed by BLISS through ``igraph``.

Representative labeling
    The class is written in the canonical labeling of its CPDAG (node ``k`` of the canonical
    form is named ``chr(65 + k)``). This differs from the exhaustive rule of SPEC section 3
    (smallest representative mask over all members), which is infeasible to compute at large
    ``N``; it is deterministic for a given igraph version.

Labels
    Always exact, for classes of any size, from the CPDAG
    (:func:`~corr2cause.causal.exact_labels.exact_label3`); member fractions are exact up to a
    member bound and unbiased estimates beyond it (:mod:`corr2cause.dataset.class_labels`). No
    class is skipped.

References
----------
.. [1] J. Kuipers, G. Moffa, "Uniform random generation of large acyclic digraphs",
   Statistics and Computing 25, 2015.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from math import comb

import numpy as np

from corr2cause.causal.markov_equivalence import Pdag, cpdag
from corr2cause.graphs.dag import Parents, edges, from_edges


@dataclass(frozen=True)
class SampledClass:
    """A sampled class in its canonical labeling."""

    n: int
    mec_id: str
    parents: Parents
    key: tuple[tuple[int, int], ...]


def random_dag(n: int, edge_density: float, rng: np.random.Generator) -> Parents:
    """Draw an Erdős–Rényi DAG: random node order, each forward edge with ``edge_density``."""
    order = rng.permutation(n)
    present = rng.random(n * (n - 1) // 2) < edge_density
    out = []
    k = 0
    for a in range(n):
        for b in range(a + 1, n):
            if present[k]:
                out.append((int(order[a]), int(order[b])))
            k += 1
    return from_edges(n, out)


SAMPLERS: tuple[str, ...] = ("edge-density", "uniform")
"""Names of the DAG samplers (see the module docstring)."""


@cache
def outpoint_counts(n: int, k: int) -> int:
    """Labeled DAGs on ``n`` nodes with exactly ``k`` outpoints (nodes without parents).

    ``a(n, n) = 1`` and ``a(n, k) = C(n, k) sum_s (2^k - 1)^s 2^(k (n-k-s)) a(n-k, s)``
    (Robinson 1973; Kuipers & Moffa 2015); summed over ``k`` this is OEIS A003024.

    Examples
    --------
    >>> [sum(outpoint_counts(n, k) for k in range(1, n + 1)) for n in range(1, 6)]
    [1, 3, 25, 543, 29281]
    """
    if k == n:
        return 1
    if not 1 <= k < n:
        return 0
    m = n - k
    total: int = sum(
        ((1 << k) - 1) ** s * (1 << (k * (m - s))) * outpoint_counts(m, s) for s in range(1, m + 1)
    )
    return comb(n, k) * total


def _draw_index(weights: list[int], rng: np.random.Generator) -> int:
    """Index ``i`` with probability ``weights[i] / sum(weights)``, exactly (big integers)."""
    total = sum(weights)
    # exact uniform integer in [0, total) from 63-bit chunks, by rejection
    bits = total.bit_length()
    while True:
        r = 0
        got = 0
        while got < bits:
            r = r << 63 | int(rng.integers(0, 1 << 63))
            got += 63
        r >>= got - bits
        if r < total:
            break
    for i, w in enumerate(weights):
        if r < w:
            return i
        r -= w
    raise AssertionError("unreachable")  # pragma: no cover


def uniform_dag(n: int, rng: np.random.Generator) -> Parents:
    """Draw a DAG uniformly from all labeled DAGs on ``n`` nodes (Kuipers & Moffa 2015)."""
    layers = []
    left = n
    k = 1 + _draw_index([outpoint_counts(n, j) for j in range(1, n + 1)], rng)
    while True:
        layers.append(k)
        left -= k
        if not left:
            break
        weights = [
            ((1 << k) - 1) ** s * (1 << (k * (left - s))) * outpoint_counts(left, s)
            for s in range(1, left + 1)
        ]
        k = 1 + _draw_index(weights, rng)
    order = [int(v) for v in rng.permutation(n)]
    parents = [0] * n
    start = 0
    earlier = 0  # nodes of layers before the previous one
    prev = 0  # nodes of the previous layer
    for size in layers:
        layer = order[start : start + size]
        prev_nodes = [v for v in order[:start] if prev >> v & 1]
        for v in layer:
            if prev_nodes:
                while True:  # a uniform non-empty subset of the previous layer
                    pick = rng.random(len(prev_nodes)) < 0.5
                    if pick.any():
                        break
                parents[v] |= sum(1 << u for u, b in zip(prev_nodes, pick, strict=True) if b)
            for u in order[:start]:
                if earlier >> u & 1 and rng.random() < 0.5:
                    parents[v] |= 1 << u
        earlier |= prev
        prev = sum(1 << v for v in layer)
        start += size
    return tuple(parents)


def _cpdag_arcs(p: Pdag) -> list[tuple[int, int]]:
    arcs = p.directed_edges()
    for u, v in p.undirected_edges():
        arcs += [(u, v), (v, u)]
    return arcs


def canonical_class(parents: Parents) -> tuple[tuple[tuple[int, int], ...], Parents]:
    """Canonical key of a DAG's MEC up to isomorphism, and the DAG in the canonical labeling.

    Returns
    -------
    key : tuple of (int, int)
        Sorted arcs of the canonically labeled CPDAG (undirected edges as two arcs).
    relabeled : tuple of int
        The input DAG relabeled by the same canonical permutation.
    """
    import igraph as ig

    n = len(parents)
    arcs = _cpdag_arcs(cpdag(parents))
    g = ig.Graph(n=n, edges=arcs, directed=True)
    perm = g.canonical_permutation()
    key = tuple(sorted(g.permute_vertices(perm).get_edgelist()))
    dag = ig.Graph(n=n, edges=edges(parents), directed=True).permute_vertices(perm)
    return key, from_edges(n, dag.get_edgelist())


def sample_classes(
    n: int,
    samples: int,
    *,
    seed: int,
    edge_density: float = 0.3,
    sampler: str = "edge-density",
) -> tuple[list[SampledClass], int]:
    """Draw ``samples`` DAGs on ``n`` nodes and keep one representative per class.

    Parameters
    ----------
    n : int
        Number of nodes (any ``n >= 2``; exhaustive generation is preferable for ``n <= 7``).
    samples : int
        Number of DAG draws.
    seed : int
        Seed of the draws.
    edge_density : float
        Probability of each forward edge, in ``(0, 1]`` (``sampler="edge-density"``).
    sampler : {"edge-density", "uniform"}
        The DAG distribution (module docstring).

    Returns
    -------
    classes : list of SampledClass
        Distinct classes, in order of first draw.
    draws : int
        Number of draws made (``samples``).
    """
    if not 0.0 < edge_density <= 1.0:
        raise ValueError(f"edge density must be in (0, 1], got {edge_density}")
    if samples < 1:
        raise ValueError("need at least one sample")
    draw = _dag_sampler(n, sampler, edge_density, seed)
    seen: dict[tuple[tuple[int, int], ...], SampledClass] = {}
    for _ in range(samples):
        cls = _sampled_class(n, draw())
        seen.setdefault(cls.key, cls)
    return list(seen.values()), samples


def _dag_sampler(n: int, sampler: str, edge_density: float, seed: int) -> Callable[[], Parents]:
    if sampler == "edge-density":
        rng = np.random.default_rng([seed, n, 0x5A3B1E])  # the stream of earlier releases
        return lambda: random_dag(n, edge_density, rng)
    if sampler == "uniform":
        rng = np.random.default_rng([seed, n, 0x0A3024])
        return lambda: uniform_dag(n, rng)
    raise ValueError(f"unknown sampler {sampler!r}; choose from {', '.join(SAMPLERS)}")


def _sampled_class(n: int, dag: Parents) -> SampledClass:
    key, rep = canonical_class(dag)
    digest = hashlib.sha1(repr((n, key)).encode()).hexdigest()[:12]
    return SampledClass(n=n, mec_id=f"n{n}-s{digest}", parents=rep, key=key)


SIZE_BINS: tuple[int, ...] = (1, 2, 10, 100, 1000)
"""Lower edges of the default class-size strata: 1, 2-9, 10-99, 100-999, >= 1000 members."""


def size_stratum(cls: SampledClass, bins: tuple[int, ...] = SIZE_BINS) -> int:
    """Index of the class-size bin of a class (exact size by Clique-Picking)."""
    from corr2cause.causal.mec_size import mec_size

    size = mec_size(cpdag(cls.parents))
    return max(i for i, lo in enumerate(bins) if size >= lo)


def stratified_classes(
    n: int,
    per_stratum: int,
    *,
    seed: int,
    strata: int = len(SIZE_BINS),
    key: Callable[[SampledClass], int] = size_stratum,
    sampler: str = "edge-density",
    edge_density: float = 0.3,
    max_draws: int = 100_000,
) -> tuple[dict[int, list[SampledClass]], int]:
    """Distinct classes stratified by a difficulty key, ``per_stratum`` per stratum.

    Parameters
    ----------
    n : int
        Number of nodes.
    per_stratum : int
        Classes wanted in each stratum ``0 .. strata-1``.
    seed : int
        Seed of the draws.
    strata : int
        Number of strata (values of ``key``).
    key : callable
        ``key(cls) -> stratum``; default :func:`size_stratum`.
    sampler, edge_density
        The base DAG sampler (module docstring).
    max_draws : int
        Stop after this many draws even if some stratum is short (strata that the base
        sampler rarely reaches stay short; the manifest records the counts).

    Returns
    -------
    classes : dict of int to list of SampledClass
        Per stratum, its classes in order of first draw.
    draws : int
        Draws made.

    Examples
    --------
    >>> got, draws = stratified_classes(6, 2, seed=0, strata=3, edge_density=0.4)
    >>> [len(got[s]) for s in range(3)]
    [2, 2, 2]
    """
    if per_stratum < 1 or max_draws < 1:
        raise ValueError("per_stratum and max_draws must be positive")
    draw = _dag_sampler(n, sampler, edge_density, seed)
    out: dict[int, list[SampledClass]] = {s: [] for s in range(strata)}
    seen: set[tuple[tuple[int, int], ...]] = set()
    draws = 0
    while draws < max_draws and any(len(v) < per_stratum for v in out.values()):
        draws += 1
        cls = _sampled_class(n, draw())
        if cls.key in seen:
            continue
        seen.add(cls.key)
        s = key(cls)
        if s in out and len(out[s]) < per_stratum:
            out[s].append(cls)
    return out, draws


def draw_classes(
    n: int,
    samples: int,
    *,
    seed: int,
    edge_density: float = 0.3,
    sampler: str = "edge-density",
    per_stratum: int | None = None,
) -> tuple[list[SampledClass], dict[str, object]]:
    """The classes of one ``N`` for a sampled run, and what the manifest records about them.

    Without ``per_stratum`` this is :func:`sample_classes` (``samples`` draws). With it,
    :func:`stratified_classes` by class size, ``per_stratum`` classes per size bin and at most
    ``samples`` draws; the classes are listed stratum by stratum.
    """
    info: dict[str, object] = {"mode": "sampled", "edge_density": edge_density}
    if sampler != "edge-density":
        info["sampler"] = sampler
    if per_stratum is None:
        classes, draws = sample_classes(
            n, samples, seed=seed, edge_density=edge_density, sampler=sampler
        )
    else:
        strata, draws = stratified_classes(
            n,
            per_stratum,
            seed=seed,
            sampler=sampler,
            edge_density=edge_density,
            max_draws=samples,
        )
        classes = [c for s in sorted(strata) for c in strata[s]]
        info["strata"] = {
            "key": "mec_size",
            "bins": list(SIZE_BINS),
            "per_stratum": per_stratum,
            "classes": [len(strata[s]) for s in sorted(strata)],
        }
    return classes, {"classes": len(classes), "draws": draws, **info}
