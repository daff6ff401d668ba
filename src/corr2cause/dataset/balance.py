"""Balanced item selection: equal numbers of valid and invalid items for every relation.

Every class yields one item per pair and relation, so the natural label distribution is that
of the graphs: in the official data 15-21 % of the items are valid, and at large ``N`` with
sparse graphs far fewer (most pairs are far apart, so most relations fail). A classifier that
answers "invalid" then looks good, and per-relation scores mix very different base rates. A
*balanced* selection keeps a subset of the items of a group (for a generated tier: one ``N``)
such that

* every relation has exactly ``K`` valid and ``K`` invalid items (binary label), the same
  ``K`` for all relations, and
* within every difficulty *stratum* (for a tier: a class-size bin,
  :data:`corr2cause.dataset.sampling.SIZE_BINS`) every relation is balanced too, and each
  relation's ``K`` pairs are spread over the strata as evenly as the data allows.

The rule (``balanced-v1``). Let ``c(s, r, l)`` be the number of items of relation ``r`` with
label ``l`` in stratum ``s``, and ``m(s, r) = min(c(s, r, 0), c(s, r, 1))`` the most balanced
pairs that stratum can give. Then ``K = min over r of sum over s of m(s, r)``: the scarcest
relation sets the size (at large ``N`` it is ``parent`` or ``child``, whose valid items are the
compelled edges, rare in large classes). Each relation ``r`` gets ``t(s, r)`` valid and
``t(s, r)`` invalid items from stratum ``s`` by *water-filling*: ``t(s, r) = min(m(s, r), λ)``
for the largest integer ``λ`` with ``sum over s of t(s, r) <= K``, and the remaining pairs go
one each to the strata with ``m(s, r) > λ``, hardest (highest ``s``) first. The binding relation
takes all it has; the others take the same number from every stratum unless one runs short,
so easy and hard classes are equally represented wherever they can be.

Which ``t`` items of a (stratum, relation, label) cell are kept: items are spread over the
classes as evenly as possible. The items of each class in the cell are put in a seeded random
order (by a keyed hash of the item id); an item's *rank* is its position in its class. The
cell's items are taken in the order (rank, hash): every class of the cell gives its first
item before any class gives its second. The selection depends only on the item ids, classes,
relations, labels, strata and the seed, never on the order in which the items arrive, so it
is the same whatever the shard size or the engine, and a resumed run selects the same items.

Labels are not touched: the selection only drops items.

Examples
--------
Two relations, two strata; relation 1 has only one valid item, so ``K = 1``:

>>> import numpy as np
>>> ids = [f"c{c}-{r}-{k}" for c in range(2) for r in range(2) for k in range(3)]
>>> classes = np.repeat([0, 1], 6)
>>> relations = np.tile(np.repeat([0, 1], 3), 2)
>>> labels = np.array([1, 0, 0, 1, 1, 0, 0, 0, 0, 1, 0, 0])
>>> keep, report = balanced_selection(
...     ids, classes, relations, labels, classes, relations=2, seed=0
... )
>>> report["per_relation_and_label"], int(keep.sum())
(1, 4)
>>> sorted((int(r), int(lab)) for r, lab in zip(relations[keep], labels[keep]))
[(0, 0), (0, 1), (1, 0), (1, 1)]
>>> [report["strata"][s]["kept"] for s in (0, 1)]   # per relation, valid and invalid each
[[1, 0], [0, 1]]
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

__all__ = ["SELECTION_RULE", "balanced_selection", "item_keys", "water_fill"]

SELECTION_RULE = "balanced-v1"
"""Name of the rule above, recorded in the manifest; a changed rule gets a new name."""


def item_keys(ids: Sequence[str], *, seed: int) -> npt.NDArray[np.uint64]:
    """Seeded 64-bit keys of item ids: the first 8 bytes of BLAKE2b keyed by the seed.

    Examples
    --------
    >>> a = item_keys(["x", "y"], seed=0)
    >>> bool((a == item_keys(["x", "y"], seed=0)).all()), bool(a[0] != item_keys(["x"], seed=1)[0])
    (True, True)
    """
    key = str(seed).encode()
    return np.array(
        [
            int.from_bytes(hashlib.blake2b(i.encode(), digest_size=8, key=key).digest(), "big")
            for i in ids
        ],
        dtype=np.uint64,
    )


def water_fill(capacity: Sequence[int], total: int) -> list[int]:
    """Spread ``total`` over bins of the given capacities as evenly as possible.

    ``out[s] = min(capacity[s], λ)`` for the largest integer ``λ`` with ``sum(out) <= total``;
    what is left goes one each to the bins with room, last bin first. ``total`` must not
    exceed ``sum(capacity)``.

    Examples
    --------
    >>> water_fill([75, 55, 31, 7, 0], 83)
    [25, 25, 26, 7, 0]
    >>> water_fill([3, 1], 4)
    [3, 1]
    """
    if not 0 <= total <= sum(capacity):
        raise ValueError(f"cannot place {total} in bins of capacity {list(capacity)}")
    lo, hi = 0, max(capacity, default=0)
    while lo < hi:  # largest λ with sum(min(c, λ)) <= total
        mid = (lo + hi + 1) // 2
        if sum(min(c, mid) for c in capacity) <= total:
            lo = mid
        else:
            hi = mid - 1
    out = [min(c, lo) for c in capacity]
    left = total - sum(out)
    for s in reversed(range(len(out))):
        if left and capacity[s] > lo:
            out[s] += 1
            left -= 1
    return out


def balanced_selection(
    ids: Sequence[str],
    classes: npt.ArrayLike,
    relation_codes: npt.ArrayLike,
    labels: npt.ArrayLike,
    strata: npt.ArrayLike,
    *,
    relations: int,
    seed: int,
) -> tuple[npt.NDArray[np.bool_], dict[str, Any]]:
    """The balanced subset of one group of items (module docstring).

    Parameters
    ----------
    ids : sequence of str
        Item ids (distinct); they key the seeded order.
    classes : array of int
        Class of each item (any integer code).
    relation_codes : array of int
        Relation of each item, ``0 .. relations-1``.
    labels : array of int
        Binary label of each item (0 or 1).
    strata : array of int
        Difficulty stratum of each item (normally the same for all items of a class); higher
        is harder.
    relations : int
        Number of relations: a group lacking some relation entirely keeps nothing.
    seed : int
        Seed of the order within cells.

    Returns
    -------
    keep : array of bool
        Mask of the kept items, aligned with ``ids``; ``2 * relations * K`` are set.
    report : dict
        ``per_relation_and_label`` (``K``) and ``strata``: for every stratum present its
        ``classes`` and ``items`` before selection, ``capacity`` (``m(s, r)`` per relation)
        and ``kept`` (``t(s, r)`` per relation: that many valid and as many invalid items).
    """
    cls = np.asarray(classes, dtype=np.int64)
    rel = np.asarray(relation_codes, dtype=np.int64)
    lab = np.asarray(labels, dtype=np.int64)
    st = np.asarray(strata, dtype=np.int64)
    total = len(ids)
    if not cls.shape == rel.shape == lab.shape == st.shape == (total,):
        raise ValueError("ids, classes, relations, labels and strata must have one length")
    if total and (lab.min() < 0 or lab.max() > 1):
        raise ValueError("labels must be 0 or 1")
    if total and (rel.min() < 0 or rel.max() >= relations):
        raise ValueError(f"relation codes must be in 0..{relations - 1}")
    keys = item_keys(ids, seed=seed)
    keep = np.zeros(total, dtype=bool)
    levels = np.unique(st).tolist()
    cell = rel * 2 + lab
    counts = np.array(
        [np.bincount(cell[st == s], minlength=2 * relations) for s in levels], dtype=np.int64
    ).reshape(len(levels), relations, 2)
    capacity = counts.min(axis=2)  # m(s, r)
    k = int(capacity.sum(axis=0).min()) if levels else 0
    quota = np.array(
        [water_fill(capacity[:, r].tolist(), k) for r in range(relations)], dtype=np.int64
    ).T.reshape(len(levels), relations)
    for si, s in enumerate(levels):
        for r in range(relations):
            for label in (0, 1):
                t = int(quota[si, r])
                if not t:
                    continue
                members = np.flatnonzero((st == s) & (cell == r * 2 + label))
                # rank of each item within its class (order by key), then (rank, key) overall
                by_class = members[np.lexsort((keys[members], cls[members]))]
                grp = cls[by_class]
                starts = np.flatnonzero(np.r_[True, grp[1:] != grp[:-1]])
                rank = np.arange(len(grp)) - np.repeat(starts, np.diff(np.r_[starts, len(grp)]))
                keep[by_class[np.lexsort((keys[by_class], rank))[:t]]] = True
    report = {
        "per_relation_and_label": k,
        "strata": {
            int(s): {
                "classes": len(np.unique(cls[st == s])),
                "items": int((st == s).sum()),
                "capacity": capacity[si].tolist(),
                "kept": quota[si].tolist(),
            }
            for si, s in enumerate(levels)
        },
    }
    return keep, report
