"""Enumeration of DAGs up to isomorphism, representatives and automorphisms, by brute force.

Evidence (GitHub issue 2):

- class counts are OEIS A003087 (1, 2, 6, 31, 302, 5984; 243,668 for ``N = 7``, slow);
- labeled counts via automorphisms are OEIS A003024 (1, 3, 25, 543, 29281, 3781503), equal to
  the Robinson recurrence and, for ``N <= 5``, to a brute-force count of all labeled DAGs;
- the classes are the orbits of all ``n!`` relabelings, each representative is the smallest
  mask of its orbit and ``|Aut|`` is the number of permutations fixing it (``N <= 5``; ``N = 6``
  slow);
- representatives are pairwise non-isomorphic and every mask is isomorphic to its
  representative according to networkx (VF2) for ``N <= 4`` (``N = 5`` slow).
"""

from __future__ import annotations

import itertools
from math import factorial

import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from corr2cause.causal.mec_classes import num_labeled_dags
from corr2cause.graphs.dag import mask_to_parents, relabel
from corr2cause.graphs.enumeration import (
    DagCatalog,
    canonical_mask,
    enumerate_dags,
    linear_extension_masks,
)

UNLABELED = {1: 1, 2: 2, 3: 6, 4: 31, 5: 302, 6: 5984, 7: 243668}  # A003087
LABELED = {1: 1, 2: 3, 3: 25, 4: 543, 5: 29281, 6: 3781503}  # A003024

# ---- brute-force helpers, independent of the code under test --------------------------------


def _pairs(n: int) -> list[tuple[int, int]]:
    return [(i, j) for i in range(n) for j in range(i + 1, n)]


def _dag_of_mask(mask: int, n: int) -> tuple[int, ...]:
    parents = [0] * n
    for b, (i, j) in enumerate(_pairs(n)):
        if mask >> b & 1:
            parents[j] |= 1 << i
    return tuple(parents)


def _permute(parents: tuple[int, ...], perm: tuple[int, ...]) -> tuple[int, ...]:
    out = [0] * len(parents)
    for v, pm in enumerate(parents):
        for u in range(len(parents)):
            if pm >> u & 1:
                out[perm[v]] |= 1 << perm[u]
    return tuple(out)


def _upper_mask(parents: tuple[int, ...]) -> int | None:
    mask = 0
    for b, (i, j) in enumerate(_pairs(len(parents))):
        if parents[i] >> j & 1:
            return None
        if parents[j] >> i & 1:
            mask |= 1 << b
    return mask


def _orbit(parents: tuple[int, ...]) -> tuple[set[int], int, int]:
    """(upper-triangular masks isomorphic to ``parents``, |Aut|, number of labeled copies)."""
    n = len(parents)
    masks: set[int] = set()
    images: set[tuple[int, ...]] = set()
    aut = 0
    for perm in itertools.permutations(range(n)):
        image = _permute(parents, perm)
        images.add(image)
        aut += image == parents
        m = _upper_mask(image)
        if m is not None:
            masks.add(m)
    return masks, aut, len(images)


def _is_acyclic(parents: tuple[int, ...]) -> bool:
    placed, n = 0, len(parents)
    for _ in range(n):
        free = [v for v in range(n) if not placed >> v & 1 and parents[v] & ~placed == 0]
        if not free:
            return False
        placed |= 1 << free[0]
    return True


def _count_labeled_dags(n: int) -> int:
    count = 0
    prs = _pairs(n)
    for choice in itertools.product((0, 1, 2), repeat=len(prs)):
        parents = [0] * n
        for (i, j), c in zip(prs, choice, strict=True):
            if c == 1:
                parents[j] |= 1 << i
            elif c == 2:
                parents[i] |= 1 << j
        count += _is_acyclic(tuple(parents))
    return count


def _nx(parents: tuple[int, ...]) -> nx.DiGraph:
    g = nx.DiGraph()
    n = len(parents)
    g.add_nodes_from(range(n))
    g.add_edges_from((u, v) for v, pm in enumerate(parents) for u in range(n) if pm >> u & 1)
    return g


@pytest.fixture(scope="module")
def catalogs() -> dict[int, DagCatalog]:
    return {n: enumerate_dags(n) for n in range(1, 7)}


# ---- counts ---------------------------------------------------------------------------------


@pytest.mark.parametrize("n", range(1, 7))
def test_counts(n: int, catalogs: dict[int, DagCatalog]) -> None:
    cat = catalogs[n]
    assert len(cat) == UNLABELED[n]
    assert cat.num_labeled == LABELED[n] == num_labeled_dags(n)
    assert int(cat.labeled_counts().sum()) == LABELED[n]


@pytest.mark.parametrize("n", range(1, 6))
def test_labeled_count_matches_brute_force(n: int, catalogs: dict[int, DagCatalog]) -> None:
    assert catalogs[n].num_labeled == _count_labeled_dags(n)


@pytest.mark.slow
def test_counts_seven_nodes() -> None:
    cat = enumerate_dags(7)
    assert len(cat) == UNLABELED[7]
    assert cat.num_labeled == num_labeled_dags(7) == 1138779265


# ---- representatives, classes and automorphisms by brute force ------------------------------


def _check_orbits(cat: DagCatalog) -> None:
    n = cat.n
    total = 1 << len(_pairs(n))
    assert cat.class_of_mask.shape == (total,)
    assert (cat.class_of_mask >= 0).all()
    seen = np.zeros(total, dtype=bool)
    orbits = 0
    for mask in range(total):
        if seen[mask]:
            continue
        masks, aut, copies = _orbit(_dag_of_mask(mask, n))
        orbits += 1
        idx = np.fromiter(masks, dtype=np.int64)
        seen[idx] = True
        classes = set(cat.class_of_mask[idx].tolist())
        assert len(classes) == 1, mask  # one orbit -> one class
        (k,) = classes
        assert int(cat.masks[k]) == min(masks) == mask  # smallest mask is the representative
        assert int(cat.automorphisms[k]) == aut
        assert copies * aut == factorial(n)
    assert orbits == len(cat)  # distinct orbits -> distinct classes


@pytest.mark.parametrize("n", range(1, 6))
def test_classes_are_relabeling_orbits(n: int, catalogs: dict[int, DagCatalog]) -> None:
    _check_orbits(catalogs[n])


@pytest.mark.slow
def test_classes_are_relabeling_orbits_six_nodes(catalogs: dict[int, DagCatalog]) -> None:
    _check_orbits(catalogs[6])


def _check_networkx_isomorphism(cat: DagCatalog) -> None:
    reps = [_nx(_dag_of_mask(int(m), cat.n)) for m in cat.masks]
    for a, b in itertools.combinations(range(len(reps)), 2):
        assert not nx.is_isomorphic(reps[a], reps[b]), (a, b)
    for mask in range(len(cat.class_of_mask)):
        rep = reps[int(cat.class_of_mask[mask])]
        assert nx.is_isomorphic(_nx(_dag_of_mask(mask, cat.n)), rep), mask


@pytest.mark.parametrize("n", range(1, 5))
def test_classes_agree_with_networkx_isomorphism(n: int, catalogs: dict[int, DagCatalog]) -> None:
    _check_networkx_isomorphism(catalogs[n])


@pytest.mark.slow
def test_classes_agree_with_networkx_isomorphism_five_nodes(
    catalogs: dict[int, DagCatalog],
) -> None:
    _check_networkx_isomorphism(catalogs[5])


@pytest.mark.parametrize("n", range(1, 7))
def test_catalog_layout(n: int, catalogs: dict[int, DagCatalog]) -> None:
    cat = catalogs[n]
    assert int(cat.masks[0]) == 0
    assert (np.diff(cat.masks) > 0).all()
    assert (cat.class_of_mask[cat.masks] == np.arange(len(cat))).all()
    assert cat.parents(len(cat) - 1) == mask_to_parents(int(cat.masks[-1]), n)
    assert int(cat.masks[-1]) == (1 << len(_pairs(n))) - 1  # the complete DAG is alone


def test_three_node_classes_by_hand(catalogs: dict[int, DagCatalog]) -> None:
    """empty, one edge, out-fork A->B A->C, chain, collider, complete."""
    cat = catalogs[3]
    assert cat.masks.tolist() == [0, 1, 3, 5, 6, 7]
    assert cat.automorphisms.tolist() == [6, 1, 2, 1, 2, 1]
    assert cat.labeled_counts().tolist() == [1, 6, 3, 6, 3, 6]


# ---- linear extensions and canonical masks --------------------------------------------------


@pytest.mark.parametrize(
    ("parents", "count", "masks"),
    [
        ((0, 0, 0), 6, {0}),
        ((0, 0, 2), 3, {1, 2, 4}),  # B -> C: A placed first, second or third
        ((0, 1, 1), 2, {3}),  # out-fork A -> B, A -> C
        ((0, 1, 2), 1, {5}),  # chain
        ((0, 0, 3), 2, {6}),  # collider
        ((2, 0, 2), 2, {3}),  # A <- B -> C relabels to the out-fork
    ],
)
def test_linear_extension_masks_by_hand(
    parents: tuple[int, ...], count: int, masks: set[int]
) -> None:
    assert linear_extension_masks(parents) == (count, masks)


def test_canonical_mask_rejects_cycles() -> None:
    with pytest.raises(ValueError, match="cycle"):
        canonical_mask((4, 1, 2))


@settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_canonical_mask_and_class_of_are_relabeling_invariant(
    data: st.DataObject, catalogs: dict[int, DagCatalog]
) -> None:
    n = data.draw(st.integers(1, 6))
    cat = catalogs[n]
    k = data.draw(st.integers(0, len(cat) - 1))
    perm = data.draw(st.permutations(range(n)))
    g = relabel(cat.parents(k), perm)
    assert canonical_mask(g) == int(cat.masks[k])
    assert cat.class_of(g) == k


@pytest.mark.parametrize("n", [0, 8])
def test_enumerate_rejects_unsupported_sizes(n: int) -> None:
    with pytest.raises(ValueError):
        enumerate_dags(n)


def test_progress_callback() -> None:
    calls: list[tuple[int, int]] = []
    enumerate_dags(4, progress=lambda done, total: calls.append((done, total)))
    assert calls[-1] == (64, 64)
    assert all(total == 64 for _, total in calls)
