"""Enumerate DAGs up to isomorphism, with the representative rule of the Corr2Cause benchmark.

Every DAG on ``n`` nodes is isomorphic to an upper-triangular DAG: number the nodes along a
topological order. Conversely, the upper-triangular masks isomorphic to a given DAG ``G`` are
exactly the masks obtained by relabeling ``G`` along each of its *linear extensions*
(topological orders). The **representative** of an isomorphism class is its smallest mask
(SPEC section 3), so the minimum over linear extensions is a canonical form.

The enumeration walks all ``2**C(n, 2)`` masks in increasing order. The first mask not yet
claimed by a class is the smallest mask of a new class; relabeling it along all of its linear
extensions claims every other mask of that class. Each class is therefore found exactly once,
with its smallest mask, and no external canonical-labeling library is needed.

The automorphism group size falls out of the same walk: the map from linear extensions to
masks is ``|Aut(G)|``-to-one, so ``|Aut(G)| = (#linear extensions) / (#distinct masks)``, and
the number of labeled DAGs in the class is ``n! / |Aut(G)|``.

References
----------
.. [1] R. W. Robinson, "Counting unlabeled acyclic digraphs", Combinatorial Mathematics V,
   LNM 622, 1977 (OEIS A003087).
.. [2] Jin et al., "Can Large Language Models Infer Causation from Correlation?", ICLR 2024.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from math import factorial

import numpy as np

from corr2cause.graphs.dag import Parents, _pair_bit_table, mask_to_parents, num_pairs

MAX_ENUMERATION_NODES = 7
"""Largest ``n`` whose full mask table (``2**C(n,2)`` entries) is enumerated exhaustively."""


def linear_extension_masks(parents: Parents) -> tuple[int, set[int]]:
    """Relabel a DAG along every linear extension.

    Parameters
    ----------
    parents : tuple of int
        The DAG as parent bitmasks.

    Returns
    -------
    count : int
        The number of linear extensions (topological orders).
    masks : set of int
        The distinct upper-triangular masks obtained, i.e. all upper-triangular DAGs
        isomorphic to ``parents``. ``min(masks)`` is the canonical representative.
    """
    n = len(parents)
    bit = _pair_bit_table(n)
    full = (1 << n) - 1
    pos = [0] * n
    masks: set[int] = set()
    count = 0
    # Per node: list of its parents, to add the relabeled parent bits incrementally.
    parent_lists = [[u for u in range(n) if pm >> u & 1] for pm in parents]

    def extend(k: int, placed: int, mask: int) -> None:
        nonlocal count
        if placed == full:
            masks.add(mask)
            count += 1
            return
        row = bit  # local alias
        for v in range(n):
            if not placed >> v & 1 and parents[v] & ~placed == 0:
                m = mask
                for u in parent_lists[v]:
                    m |= 1 << row[pos[u]][k]
                pos[v] = k
                extend(k + 1, placed | 1 << v, m)

    extend(0, 0, 0)
    return count, masks


def canonical_mask(parents: Parents) -> int:
    """Return the representative mask of the isomorphism class of ``parents``.

    This is the smallest upper-triangular mask over all relabelings; two DAGs are isomorphic
    iff their canonical masks are equal. Cost grows with the number of linear extensions, so
    use it for ``n <= 8`` or dense graphs.
    """
    _, masks = linear_extension_masks(parents)
    if not masks:
        raise ValueError("graph has a directed cycle")
    return min(masks)


@dataclass(frozen=True)
class DagCatalog:
    """All DAGs on ``n`` nodes up to isomorphism.

    Attributes
    ----------
    n : int
        Number of nodes.
    masks : numpy.ndarray of int64
        Representative (smallest) mask of every class, in increasing order. Class ``k`` is
        the DAG ``masks[k]``.
    automorphisms : numpy.ndarray of int64
        ``|Aut|`` of every class.
    class_of_mask : numpy.ndarray of int32
        For every upper-triangular mask ``m`` (``0 <= m < 2**C(n, 2)``), the class index of the
        DAG ``m``.
    """

    n: int
    masks: np.ndarray
    automorphisms: np.ndarray
    class_of_mask: np.ndarray

    def __len__(self) -> int:
        return len(self.masks)

    def parents(self, k: int) -> Parents:
        """Parent bitmasks of class ``k``'s representative."""
        return mask_to_parents(int(self.masks[k]), self.n)

    def labeled_counts(self) -> np.ndarray:
        """Number of labeled DAGs in every class, ``n! / |Aut|``."""
        return factorial(self.n) // self.automorphisms

    @property
    def num_labeled(self) -> int:
        """Total number of labeled DAGs on ``n`` nodes (OEIS A003024)."""
        return int(self.labeled_counts().sum())

    def class_of(self, parents: Parents) -> int:
        """Class index of any labeled DAG (not necessarily upper-triangular)."""
        from corr2cause.graphs.dag import upper_triangular_relabeling

        mask, _ = upper_triangular_relabeling(parents)
        return int(self.class_of_mask[mask])


def enumerate_dags(n: int, *, progress: Callable[[int, int], None] | None = None) -> DagCatalog:
    """Enumerate all DAGs on ``n`` nodes up to isomorphism (SPEC section 3).

    Parameters
    ----------
    n : int
        Number of nodes, ``1 <= n <= 7``.
    progress : callable, optional
        Called as ``progress(done_masks, total_masks)`` from time to time.

    Returns
    -------
    DagCatalog

    Examples
    --------
    >>> [len(enumerate_dags(n)) for n in range(1, 6)]
    [1, 2, 6, 31, 302]
    """
    if not 1 <= n <= MAX_ENUMERATION_NODES:
        raise ValueError(
            f"exhaustive enumeration supports 1 <= n <= {MAX_ENUMERATION_NODES}, got {n}"
        )
    total = 1 << num_pairs(n)
    class_of = np.full(total, -1, dtype=np.int32)
    reps: list[int] = []
    auts: list[int] = []
    step = max(total // 200, 1)
    next_report = step
    for mask in range(total):
        if class_of[mask] >= 0:
            continue
        count, masks = linear_extension_masks(mask_to_parents(mask, n))
        k = len(reps)
        class_of[np.fromiter(masks, dtype=np.int64, count=len(masks))] = k
        reps.append(mask)
        auts.append(count // len(masks))
        if progress is not None and mask >= next_report:
            progress(mask, total)
            next_report = mask + step
    if progress is not None:
        progress(total, total)
    return DagCatalog(
        n=n,
        masks=np.asarray(reps, dtype=np.int64),
        automorphisms=np.asarray(auts, dtype=np.int64),
        class_of_mask=class_of,
    )
