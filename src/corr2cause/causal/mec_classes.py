"""Markov equivalence classes up to isomorphism, their representatives and their labels.

A Corr2Cause premise describes one Markov equivalence class *up to relabeling of the
variables*. Two DAG isomorphism classes belong to the same MEC class when some relabeling of
one is Markov equivalent to the other. Following SPEC section 3, the **representative** of a
MEC class is its member DAG with the smallest representative mask, *in that DAG's own
(upper-triangular) labeling*; the premise and every hypothesis of the class are written in it.

:func:`mec_classes` walks the DAG representatives of :func:`~corr2cause.graphs.enumerate_dags`
in increasing mask order. The first DAG not yet assigned opens a new class (it has the smallest
mask of its class, since all smaller ones are assigned already). The labeled members of its
MEC are enumerated from its CPDAG; the isomorphism class of each member, found through the
catalog's mask table, is assigned to the new class. A DAG class ``D`` is in the MEC class of
``R`` iff some relabeling of ``D`` is Markov equivalent to ``R``, i.e. iff some member of
``MEC(R)`` is isomorphic to ``D``, so every class is found exactly once.

Counting labeled MECs: every labeling of the class contains ``len(members)`` labeled DAGs and
the class contains ``sum(n! / |Aut(D)|)`` labeled DAGs over its DAG classes ``D``, so it
accounts for ``sum(n! / |Aut(D)|) / len(members)`` labeled MECs (OEIS A007984 in total).

Labels (SPEC section 1): for each pair ``i < j`` and relation, a hypothesis is *entailed* if
the relation holds in every member, *contradicted* if in none, *neutral* otherwise; the binary
label is 1 iff entailed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from math import factorial

import numpy as np
import numpy.typing as npt

from corr2cause.causal.markov_equivalence import mec_members
from corr2cause.causal.relations import RELATIONS, RelationEvaluator
from corr2cause.graphs.dag import Parents, mask_to_parents, pairs, upper_triangular_relabeling
from corr2cause.graphs.enumeration import DagCatalog, enumerate_dags

LABEL3_NAMES: tuple[str, str, str] = ("entailment", "neutral", "contradiction")
"""Names of the 3-class labels."""


def label3_codes(holds: npt.ArrayLike, members: int) -> npt.NDArray[np.int8]:
    """The all / none / some rule: 3-class codes from how many members a relation holds in.

    This is the one definition of the 3-class label (SPEC section 1): a relation that holds
    in **all** ``members`` DAGs of the class is entailed (0), in **none** contradicted (2),
    in **some** neutral (1). Index :data:`LABEL3_NAMES` with the code for the name; the
    binary label is ``code == 0``.

    Parameters
    ----------
    holds : int or array_like of int
        Number of member DAGs in which the relation holds.
    members : int
        Number of member DAGs of the class (at least 1).

    Returns
    -------
    numpy.ndarray of int8, same shape as ``holds``

    Examples
    --------
    >>> label3_codes([3, 1, 0], 3).tolist()
    [0, 1, 2]
    >>> LABEL3_NAMES[int(label3_codes(2, 4))]
    'neutral'
    """
    counts = np.asarray(holds)
    return np.where(counts == members, 0, np.where(counts == 0, 2, 1)).astype(np.int8)


@dataclass(frozen=True)
class MecClass:
    """One Markov equivalence class up to isomorphism, in its representative labeling.

    Attributes
    ----------
    n : int
        Number of nodes.
    index : int
        Position of the class among the classes on ``n`` nodes (by representative mask).
    mask : int
        Upper-triangular mask of the representative DAG.
    members : tuple of tuple of int
        All labeled member DAGs of the MEC in the representative's labeling (sorted).
    dag_classes : tuple of int
        Indices (in the :class:`~corr2cause.graphs.DagCatalog`) of the DAG isomorphism classes
        that belong to this MEC class.
    labeled_count : int
        Number of labeled MECs (over all labelings) in this class.
    """

    n: int
    index: int
    mask: int
    members: tuple[Parents, ...]
    dag_classes: tuple[int, ...]
    labeled_count: int
    _counts: np.ndarray = field(repr=False, compare=False, default_factory=lambda: np.zeros(0))

    @property
    def parents(self) -> Parents:
        """The representative DAG as parent bitmasks."""
        return mask_to_parents(self.mask, self.n)

    @property
    def mec_id(self) -> str:
        """Stable readable id, e.g. ``n6-m000123`` (``n`` and representative mask)."""
        return f"n{self.n}-m{self.mask:07d}"

    def holds_counts(self) -> np.ndarray:
        """Array ``(num_pairs, 6)``: in how many members each (pair, relation) holds."""
        if self._counts.size == 0:
            counts = (
                relation_counts(self.members)
                if self.n >= 2
                else np.zeros((0, len(RELATIONS)), dtype=np.int64)
            )
            object.__setattr__(self, "_counts", counts)
        return self._counts

    def label3(self) -> np.ndarray:
        """Array ``(num_pairs, 6)`` of 3-class labels: 0 entailment, 1 neutral, 2 contradiction."""
        return label3_codes(self.holds_counts(), len(self.members))

    def labels(self) -> np.ndarray:
        """Array ``(num_pairs, 6)`` of binary labels (1 = valid = entailed)."""
        labels: np.ndarray = (self.holds_counts() == len(self.members)).astype(np.int8)
        return labels


def relation_counts(members: tuple[Parents, ...] | list[Parents]) -> np.ndarray:
    """Count, for each pair ``i < j`` and relation, the members in which it holds.

    Returns
    -------
    numpy.ndarray of shape ``(C(n, 2), 6)``; columns follow
    :data:`~corr2cause.causal.relations.RELATIONS`.
    """
    n = len(members[0])
    prs = pairs(n)
    counts = np.zeros((len(prs), len(RELATIONS)), dtype=np.int64)
    for dag in members:
        ev = RelationEvaluator(dag)
        counts += np.array([ev.pair_vector(i, j) for i, j in prs], dtype=np.int64)
    return counts


def mec_classes(
    n: int,
    *,
    catalog: DagCatalog | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> list[MecClass]:
    """All Markov equivalence classes up to isomorphism on ``n`` nodes (SPEC section 3).

    Parameters
    ----------
    n : int
        Number of nodes, ``1 <= n <= 7``.
    catalog : DagCatalog, optional
        A precomputed :func:`~corr2cause.graphs.enumerate_dags` result for ``n``.
    progress : callable, optional
        Called as ``progress(done_dag_classes, total_dag_classes)``.

    Returns
    -------
    list of MecClass
        Sorted by representative mask.

    Examples
    --------
    >>> [len(mec_classes(n)) for n in range(1, 5)]
    [1, 2, 5, 20]
    """
    if catalog is None:
        catalog = enumerate_dags(n)
    elif catalog.n != n:
        raise ValueError(f"catalog is for n={catalog.n}, not n={n}")
    total = len(catalog)
    assigned = np.full(total, -1, dtype=np.int64)
    labeled = catalog.labeled_counts()
    out: list[MecClass] = []
    step = max(total // 100, 1)
    for k in range(total):
        if assigned[k] >= 0:
            continue
        mask = int(catalog.masks[k])
        members = tuple(mec_members(mask_to_parents(mask, n)))
        c = len(out)
        dag_classes: set[int] = set()
        for member in members:
            umask, _ = upper_triangular_relabeling(member)
            dag_classes.add(int(catalog.class_of_mask[umask]))
        idx = np.fromiter(sorted(dag_classes), dtype=np.int64)
        if (assigned[idx] >= 0).any():  # pragma: no cover - would mean a broken invariant
            raise AssertionError("a DAG class was reached from two MEC classes")
        assigned[idx] = c
        lab_dags = int(labeled[idx].sum())
        if lab_dags % len(members):  # pragma: no cover
            raise AssertionError("labeled DAG count is not a multiple of the MEC size")
        out.append(
            MecClass(
                n=n,
                index=c,
                mask=mask,
                members=members,
                dag_classes=tuple(int(i) for i in idx),
                labeled_count=lab_dags // len(members),
            )
        )
        if progress is not None and k % step == 0:
            progress(k, total)
    if progress is not None:
        progress(total, total)
    return out


def num_labeled_dags(n: int) -> int:
    """Labeled DAGs on ``n`` nodes by Robinson's recurrence (OEIS A003024), for cross-checks."""
    from math import comb

    a = [1]
    for m in range(1, n + 1):
        a.append(
            sum(
                (-1) ** (k + 1) * comb(m, k) * 2 ** (k * (m - k)) * a[m - k]
                for k in range(1, m + 1)
            )
        )
    return a[n]


def automorphism_count(cls: MecClass) -> int:
    """Size of the automorphism group of the class's CPDAG: ``n! / labeled_count``."""
    return factorial(cls.n) // cls.labeled_count
