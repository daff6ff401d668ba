"""Sampled Markov equivalence classes for large ``N`` (8 and beyond).

Exhaustive enumeration stops at ``N = 7`` (243,668 DAGs; ``N = 8`` has 20 million). Beyond it
classes are *sampled*:

Sampling distribution
    A DAG is drawn as an Erdős–Rényi DAG: a uniformly random order of the ``N`` nodes, then
    each of the ``C(N, 2)`` forward edges independently with probability ``edge_density``.
    This is *not* uniform over labeled DAGs or over classes; it is a configurable density that
    keeps large premises readable. Draws are seeded.

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
    Exact: the members of the class are enumerated from the CPDAG (Meek closure per orientation)
    and every relation is counted over them. Enumeration is bounded by ``max_members``; a class
    over the bound is labeled from its CPDAG when
    :func:`~corr2cause.causal.cpdag_decisions.decide_from_cpdag` decides every item (fractions
    of neutral items are then unknown), and is otherwise skipped and counted; nothing is ever
    labeled approximately.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

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
    n: int, samples: int, *, seed: int, edge_density: float = 0.3
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
        Probability of each forward edge, in ``(0, 1]``.

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
    rng = np.random.default_rng([seed, n, 0x5A3B1E])
    seen: dict[tuple[tuple[int, int], ...], SampledClass] = {}
    for _ in range(samples):
        key, rep = canonical_class(random_dag(n, edge_density, rng))
        if key not in seen:
            digest = hashlib.sha1(repr((n, key)).encode()).hexdigest()[:12]
            seen[key] = SampledClass(n=n, mec_id=f"n{n}-s{digest}", parents=rep, key=key)
    return list(seen.values()), samples
