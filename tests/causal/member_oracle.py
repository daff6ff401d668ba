"""A member oracle for the causal tests: classes, completions and relations by brute force.

Nothing here imports ``corr2cause``. The members of a DAG's Markov equivalence class are the
acyclic orientations of its skeleton with the same v-structures (Verma & Pearl, UAI 1990),
found by trying every orientation; the completions of a class with background knowledge are
the members containing the chosen directed edges; the edges that every DAG of a set orients
alike form :func:`common_graph` (for the members, the CPDAG; for completions, the closure under
Meek's rules, which is sound and complete: Meek, UAI 1995). Relations follow SPEC section 2 by
plain graph search.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Iterable, Sequence
from functools import cache
from math import comb

import numpy as np
from causal_reference import (
    DagT,
    all_labeled_dags,
    dag_from_edges,
    ref_edges,
    ref_is_acyclic,
    ref_mask_to_dag,
    ref_pairs,
    ref_upper_mask,
)

Edge = tuple[int, int]


def skeleton(dag: DagT) -> frozenset[frozenset[int]]:
    """Adjacent pairs, as sets."""
    return frozenset(frozenset(e) for e in ref_edges(dag))


def v_structures(dag: DagT) -> frozenset[tuple[int, int, int]]:
    """``(a, c, b)`` with ``a -> c <- b``, ``a < b`` non-adjacent."""
    n = len(dag)
    out = set()
    for c in range(n):
        ps = [u for u in range(n) if dag[c] >> u & 1]
        for a, b in itertools.combinations(ps, 2):
            if not (dag[a] >> b & 1 or dag[b] >> a & 1):
                out.add((a, c, b))
    return frozenset(out)


def members(dag: DagT) -> list[DagT]:
    """Every DAG Markov equivalent to ``dag``: same skeleton, same v-structures (brute force)."""
    n = len(dag)
    und = sorted(tuple(sorted(e)) for e in skeleton(dag))
    target = v_structures(dag)
    out = []
    for flips in itertools.product((False, True), repeat=len(und)):
        g = dag_from_edges(
            n, ((j, i) if f else (i, j) for (i, j), f in zip(und, flips, strict=True))
        )
        if ref_is_acyclic(g) and v_structures(g) == target:
            out.append(g)
    return out


def pattern_graph(dag: DagT) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """``(directed, undirected)``: the skeleton with only the v-structure edges directed."""
    n = len(dag)
    directed = [0] * n
    undirected = [0] * n
    compelled = {(a, c) for a, c, _ in v_structures(dag)} | {
        (b, c) for _, c, b in v_structures(dag)
    }
    for u, v in ref_edges(dag):
        if (u, v) in compelled:
            directed[v] |= 1 << u
        else:
            undirected[u] |= 1 << v
            undirected[v] |= 1 << u
    return tuple(directed), tuple(undirected)


def completions(dags: Iterable[DagT], oriented: Iterable[Edge]) -> list[DagT]:
    """The DAGs that contain every edge ``u -> v`` of ``oriented``."""
    return [g for g in dags if all(g[v] >> u & 1 for u, v in oriented)]


def common_graph(dags: Sequence[DagT]) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """``(directed, undirected)`` parent / neighbour masks: the edges every DAG orients alike
    are directed, the other adjacencies undirected."""
    n = len(dags[0])
    directed = [0] * n
    undirected = [0] * n
    for u, v in ref_edges(dags[0]):
        if all(g[v] >> u & 1 for g in dags):
            directed[v] |= 1 << u
        else:
            undirected[u] |= 1 << v
            undirected[v] |= 1 << u
    return tuple(directed), tuple(undirected)


def reach(dag: DagT, start: int, *, avoid: int = -1, up: bool = False) -> set[int]:
    """Nodes reached from ``start`` by directed steps (backwards if ``up``), never via ``avoid``."""
    n = len(dag)
    seen: set[int] = set()
    todo = [start]
    while todo:
        v = todo.pop()
        nxt = (
            (u for u in range(n) if dag[v] >> u & 1)
            if up
            else (w for w in range(n) if dag[w] >> v & 1)
        )
        for w in nxt:
            if w != avoid and w not in seen:
                seen.add(w)
                todo.append(w)
    return seen


def oracle_relations(dag: DagT, x: int, y: int) -> tuple[bool, ...]:
    """The six relations of SPEC section 2 for ``(x, y)``, in the order of ``RELATIONS``.

    Straight from the definitions with plain graph search. ``has_collider``: directed paths
    ``x ~> k`` and ``y ~> k`` meeting only at ``k`` exist iff some ``k`` is reached from ``x``
    avoiding ``y`` and from ``y`` avoiding ``x`` (cut both paths at their first common node);
    ``has_confounder`` the same backwards. ``test_oracle_agrees_with_networkx`` (in
    ``test_exact_labels_contract.py``) checks this against the networkx path enumeration.
    """
    n = len(dag)
    kids = [w for w in range(n) if dag[w] >> x & 1]
    kids_y = [w for w in range(n) if dag[w] >> y & 1]
    others = set(range(n)) - {x, y}
    return (
        bool(dag[y] >> x & 1),
        any(c != y and y in reach(dag, c) for c in kids),
        bool(dag[x] >> y & 1),
        any(c != x and x in reach(dag, c) for c in kids_y),
        bool(reach(dag, x, avoid=y) & reach(dag, y, avoid=x) & others),
        bool(reach(dag, x, avoid=y, up=True) & reach(dag, y, avoid=x, up=True) & others),
    )


def oracle_label3(dags: Sequence[DagT]) -> np.ndarray:
    """All / none / some over ``dags``, rows ``ref_pairs``, columns ``RELATIONS``."""
    n = len(dags[0])
    counts = np.zeros((comb(n, 2), 6), dtype=np.int64)
    for dag in dags:
        counts += np.array([oracle_relations(dag, i, j) for i, j in ref_pairs(n)], dtype=bool)
    return np.where(counts == len(dags), 0, np.where(counts == 0, 2, 1)).astype(np.int8)


# ---- classes up to isomorphism ----

Pattern = tuple[frozenset[frozenset[int]], frozenset[tuple[int, int, int]]]


def pattern(dag: DagT) -> Pattern:
    """Skeleton and v-structures: equal iff Markov equivalent (Verma & Pearl)."""
    return skeleton(dag), v_structures(dag)


def relabel_pattern(pat: Pattern, perm: tuple[int, ...]) -> tuple[tuple, tuple]:
    """The pattern with node ``v`` renamed ``perm[v]``, as sorted tuples (comparable)."""
    skel, vs = pat
    return (
        tuple(sorted(tuple(sorted(perm[v] for v in e)) for e in skel)),
        tuple(sorted((*sorted((perm[a], perm[b])), perm[c]) for a, c, b in vs)),
    )


def _relabel(dag: DagT, perm: tuple[int, ...]) -> DagT:
    """Node ``v`` becomes ``perm[v]``."""
    out = [0] * len(dag)
    for v, pm in enumerate(dag):
        for u in range(len(dag)):
            if pm >> u & 1:
                out[perm[v]] |= 1 << perm[u]
    return tuple(out)


def _iso_mask(dag: DagT) -> int:
    """Smallest upper-triangular mask of any relabeling of ``dag`` (its DAG class)."""
    masks = (ref_upper_mask(_relabel(dag, p)) for p in itertools.permutations(range(len(dag))))
    return min(m for m in masks if m is not None)


@cache
def brute_classes(n: int) -> tuple[dict, ...]:
    """Every MEC class up to isomorphism on ``n`` nodes (``n <= 4``), from labeled DAGs only.

    Sorted by representative mask (SPEC section 3: the smallest upper-triangular mask of a DAG
    in the class); ``members`` is the labeled MEC of the representative, ``labeled_mecs`` the
    number of labeled MECs in the class, ``dag_class_masks`` the smallest masks of its DAG
    isomorphism classes.
    """
    by_pattern: dict[Pattern, list[DagT]] = defaultdict(list)
    for dag in all_labeled_dags(n):
        by_pattern[pattern(dag)].append(dag)
    perms = list(itertools.permutations(range(n)))
    by_class: dict[tuple, list[Pattern]] = defaultdict(list)
    for pat in by_pattern:
        by_class[min(relabel_pattern(pat, p) for p in perms)].append(pat)
    out = []
    for pats in by_class.values():
        dags = [d for pat in pats for d in by_pattern[pat]]
        mask = min(m for m in map(ref_upper_mask, dags) if m is not None)
        rep = ref_mask_to_dag(mask, n)
        out.append(
            {
                "mask": mask,
                "members": tuple(sorted(by_pattern[pattern(rep)])),
                "labeled_mecs": len(pats),
                "labeled_dags": len(dags),
                "dag_class_masks": sorted({_iso_mask(d) for d in dags}),
            }
        )
    return tuple(sorted(out, key=lambda c: c["mask"]))


def oracle_counts(members: Sequence[DagT], n: int) -> list[list[int]]:
    """Per pair ``ref_pairs(n)`` and relation, the number of ``members`` where it holds."""
    return [
        [sum(oracle_relations(m, i, j)[r] for m in members) for r in range(6)]
        for i, j in ref_pairs(n)
    ]
