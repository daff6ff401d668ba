"""Labels, member fractions and premise statements of one sampled class, at any ``N``.

For every (pair, relation) item of a class this computes

``label3``
    entailment / neutral / contradiction, **always exact**, from the CPDAG by
    :func:`~corr2cause.causal.exact_labels.exact_label3` (no member is listed, so no class is
    ever skipped for its size);
``fraction``
    the share of members in which the relation holds. It is **exact** when the class has at
    most ``max_members`` members (they are listed by
    :func:`~corr2cause.causal.mec_size.list_members` and the neutral items are counted over
    all of them at once by :func:`count_items_packed`), and otherwise an **unbiased
    estimate**: the share among ``max_members`` members drawn uniformly at random with
    :func:`~corr2cause.causal.mec_size.sample_members` (seeded by the class id), with a 95 %
    Wilson score interval ``[fraction_low, fraction_high]``. ``fraction_exact`` says which.
    An estimate never contradicts a label: entailed items hold in every draw (fraction and
    interval exactly 1) and contradicted ones in none (exactly 0).

The premise statements are the full d-separation list (``premise_style="full"``, refused
above :data:`FULL_PREMISE_MAX_NODES` nodes, where a premise can exceed
``C(N, 2) * 2**(N-2)`` sentences) or the minimal separators of every pair
(``"minimal"``, polynomial time per statement through
:func:`~corr2cause.causal.separators.minimal_separation_statements`).

Examples
--------
>>> chain = (0, 0b001, 0b010)  # A -> B -> C, class A - B - C with 3 members
>>> lab = label_class(chain, max_members=10, seed=0, mec_id="demo")
>>> lab.size, lab.fraction_exact, lab.fraction[1].round(3).tolist()
(3, True, [0.0, 0.333, 0.0, 0.333, 0.0, 0.333])
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from math import comb

import numpy as np

from corr2cause.causal.d_separation import Statement, d_separation_statements
from corr2cause.causal.exact_labels import exact_label3
from corr2cause.causal.markov_equivalence import cpdag
from corr2cause.causal.mec_size import list_members, mec_size, sample_members
from corr2cause.causal.relations import count_items
from corr2cause.causal.separators import minimal_separation_statements
from corr2cause.dataset.compose import ClassData
from corr2cause.errors import Corr2CauseError
from corr2cause.graphs.dag import Parents, pairs

FULL_PREMISE_MAX_NODES = 12
"""Largest ``N`` for ``premise_style="full"``: at most ``C(12, 2) * 2**10 = 67,584``
independence sentences; at ``N = 13`` the bound is 162,240 and it doubles with every node."""

PACKED_FROM = 32
"""From this many members on, fractions are counted bit-parallel (:func:`count_items_packed`)."""

WILSON_Z = 1.959963984540054
"""Normal quantile of the 95 % Wilson interval."""


class PremiseTooLargeError(Corr2CauseError):
    """A full premise would be too long to generate or to read."""


def full_premise_bound(n: int) -> int:
    """Upper bound on the sentences of a full premise on ``n`` nodes: ``C(n, 2) * 2**(n-2)``."""
    return comb(n, 2) << max(n - 2, 0)


def check_premise_style(n: int, style: str) -> None:
    """Refuse ``style="full"`` above :data:`FULL_PREMISE_MAX_NODES` nodes, with the size.

    Raises
    ------
    PremiseTooLargeError
        With the number of conditioning sets a full premise would have to test and list.
    """
    if style == "full" and n > FULL_PREMISE_MAX_NODES:
        raise PremiseTooLargeError(
            f"--premise-style full is limited to N <= {FULL_PREMISE_MAX_NODES}: at N = {n} a "
            f"premise can list up to {full_premise_bound(n):,} independence sentences "
            f"(every pair times 2^{n - 2} conditioning sets); use --premise-style minimal"
        )


def premise_statements(parents: Parents, style: str) -> list[Statement]:
    """The d-separation statements a premise of ``style`` lists (``"full"`` or ``"minimal"``)."""
    check_premise_style(len(parents), style)
    if style == "minimal":
        return minimal_separation_statements(parents)
    return d_separation_statements(parents)


@dataclass(frozen=True)
class ClassLabels:
    """Exact labels and exact-or-estimated fractions of one class (see the module docstring).

    Arrays have shape ``(C(n, 2), 6)`` (pairs by :data:`~corr2cause.causal.RELATIONS`).
    """

    size: int
    label3: np.ndarray
    fraction: np.ndarray
    fraction_low: np.ndarray
    fraction_high: np.ndarray
    fraction_exact: bool
    members_used: int


def wilson_interval(hits: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """95 % Wilson score interval of binomial proportions ``hits / k``."""
    z2 = WILSON_Z**2
    p = hits / k
    centre = (p + z2 / (2 * k)) / (1 + z2 / k)
    half = WILSON_Z * np.sqrt(p * (1 - p) / k + z2 / (4 * k * k)) / (1 + z2 / k)
    return np.clip(centre - half, 0.0, 1.0), np.clip(centre + half, 0.0, 1.0)


def label_class(parents: Parents, *, max_members: int, seed: int, mec_id: str) -> ClassLabels:
    """Label every item of the class of ``parents`` (any size; see the module docstring).

    Parameters
    ----------
    parents : tuple of int
        A member DAG.
    max_members : int, keyword-only
        Classes up to this size are enumerated (exact fractions); larger ones are estimated
        from this many uniform draws.
    seed : int, keyword-only
        Seed of the draws (combined with ``mec_id``, so each class has its own stream).
    mec_id : str, keyword-only
        Class id, for the seed.
    """
    pdag = cpdag(parents)
    size = mec_size(pdag)
    label3 = exact_label3(pdag)
    exact = size <= max_members
    if exact:
        members = list_members(pdag)
        if len(members) != size:  # pragma: no cover - Clique-Picking counts what it lists
            raise AssertionError("member list and class size disagree")
    else:
        digest = int.from_bytes(hashlib.sha256(mec_id.encode()).digest()[:8], "big")
        members = sample_members(pdag, max_members, seed=[seed, digest])
    # only neutral items need counting: entailed ones hold in every member, contradicted in none
    hits = np.where(label3 == 0, len(members), 0).astype(np.float64)
    neutral = np.argwhere(label3 == 1)
    prs = pairs(pdag.n)
    items = [(prs[k][0], prs[k][1], int(r)) for k, r in neutral]
    counter = count_items_packed if len(members) >= PACKED_FROM else count_items
    hits[tuple(neutral.T)] = counter(members, items)
    fraction = hits / len(members)
    if exact:
        return ClassLabels(size, label3, fraction, fraction, fraction, True, size)
    low, high = wilson_interval(hits, max_members)
    # entailed / contradicted items hold in all / no draws: their interval is exact
    low = np.where(label3 == 0, 1.0, np.where(label3 == 2, 0.0, low))
    high = np.where(label3 == 0, 1.0, np.where(label3 == 2, 0.0, high))
    return ClassLabels(size, label3, fraction, low, high, False, max_members)


def _closure(adj: np.ndarray, *, removed: int | None = None) -> np.ndarray:
    """Strict reachability of every member at once, by Floyd-Warshall on member bitsets.

    ``adj[u, v]`` is the packed bitset of the members with the edge ``u -> v``; the result
    ``r[u, v]`` that of the members with a directed path ``u ~> v`` (avoiding ``removed``).
    """
    r = adj.copy()
    if removed is not None:
        r[removed, :, :] = 0
        r[:, removed, :] = 0
    for k in range(adj.shape[0]):
        if k != removed:
            r |= r[:, k : k + 1, :] & r[k : k + 1, :, :]
    return r


def count_items_packed(members: list[Parents], items: list[tuple[int, int, int]]) -> list[int]:
    """Same numbers as :func:`~corr2cause.causal.relations.count_items`, bit-parallel.

    The members are packed into one bitset per ordered node pair (bit ``i`` set if member
    ``i`` has the edge), reachability is closed by Floyd-Warshall on those bitsets (``n``
    vector operations), and each item is a few ands and ors and one popcount: for a collider
    ``De_{G-y}(x) & De_{G-x}(y)`` with closures that delete ``x`` or ``y`` (one per node that
    occurs in such an item), for a confounder the same with ancestors. About a hundred times
    faster than evaluating item by item from a few hundred members on; exact integer counts.
    """
    if not items:
        return []
    n = len(members[0])
    par = np.array(members, dtype=np.uint64)  # (m, n) parent masks
    bits = (par[:, None, :] >> np.arange(n, dtype=np.uint64)[None, :, None]) & np.uint64(1)
    # bits[i, u, v]: member i has u -> v; pack over members into uint64 words
    adj = np.packbits(bits.astype(bool).transpose(1, 2, 0), axis=-1, bitorder="little")
    pad = (-adj.shape[-1]) % 8
    if pad:
        adj = np.concatenate([adj, np.zeros((n, n, pad), np.uint8)], axis=-1)
    adj = adj.view(np.uint64)
    reach = _closure(adj)
    without: dict[int, np.ndarray] = {}

    def reach_without(r: int) -> np.ndarray:
        if r not in without:
            without[r] = _closure(adj, removed=r)
        return without[r]

    out = []
    for x, y, rel in items:
        if rel == 0:
            hit = adj[x, y]
        elif rel == 2:
            hit = adj[y, x]
        elif rel in (1, 3):
            s, t = (x, y) if rel == 1 else (y, x)
            via = adj[s, :, :] & reach[:, t, :]  # child c of s, then c ~> t
            via[t] = 0
            hit = np.bitwise_or.reduce(via, axis=0)
        elif rel == 4:
            hit = np.bitwise_or.reduce(reach_without(y)[x] & reach_without(x)[y], axis=0)
        else:
            hit = np.bitwise_or.reduce(
                reach_without(y)[:, x, :] & reach_without(x)[:, y, :], axis=0
            )
        out.append(int(np.bitwise_count(hit).sum()))
    return out


INT32_MAX = 2**31 - 1


def sampled_class_data(
    mec_id: str, parents: Parents, *, premise_style: str, max_members: int, seed: int
) -> tuple[ClassData, ClassLabels]:
    """Premise statements and labels of one sampled class, ready for the shard writer."""
    statements = premise_statements(parents, premise_style)
    labels = label_class(parents, max_members=max_members, seed=seed, mec_id=mec_id)
    data = ClassData(
        n=len(parents),
        mec_id=mec_id,
        parents=parents,
        statements=statements,
        counts=np.zeros((0, 0), np.int64),
        num_members=labels.size if labels.size <= INT32_MAX else 0,
        label3_codes=labels.label3.astype(np.int64),
        fraction_table=np.stack([labels.fraction, labels.fraction_low, labels.fraction_high], -1),
    )
    return data, labels
