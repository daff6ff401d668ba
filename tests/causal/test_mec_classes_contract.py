"""Contracts of :mod:`corr2cause.causal.mec_classes`, computed afresh against brute force.

The reference knows only labeled DAGs: every DAG on ``n <= 4`` nodes is listed
(:func:`causal_reference.all_labeled_dags`), labeled MECs are the groups with the same skeleton
and v-structures (Verma & Pearl), classes up to isomorphism group the labeled MECs whose
patterns are related by a permutation of the nodes, and the relations of each member come from
plain graph search (:func:`member_oracle.oracle_relations`, checked there against
networkx). Published counts: labeled DAGs OEIS A003024, unlabeled MECs and labeled MECs
(A007984) of SPEC section 3.

The class lists are computed inside each test (no session cache), so that ``make mutation``
sees every mutant of :func:`~corr2cause.causal.mec_classes.mec_classes` in these tests.
"""

from __future__ import annotations

import itertools
from math import comb, factorial

import numpy as np
import pytest
from causal_reference import ref_mask_to_dag
from member_oracle import brute_classes, oracle_counts, pattern, relabel_pattern

from corr2cause.causal.mec_classes import (
    LABEL3_NAMES,
    MecClass,
    automorphism_count,
    label3_codes,
    mec_classes,
    num_labeled_dags,
    relation_counts,
)
from corr2cause.causal.relations import RELATIONS
from corr2cause.graphs.enumeration import enumerate_dags

A003024 = [1, 1, 3, 25, 543, 29281, 3781503, 1138779265, 783702329343, 1213442454842881]
UNLABELED_MECS = {1: 1, 2: 2, 3: 5, 4: 20, 5: 142}
LABELED_MECS = {1: 1, 2: 2, 3: 11, 4: 185, 5: 8782}  # A007984


# ---- counts -----------------------------------------------------------------------------------


def test_num_labeled_dags_is_a003024():
    assert [num_labeled_dags(n) for n in range(len(A003024))] == A003024
    assert all(type(num_labeled_dags(n)) is int for n in range(5))


@pytest.mark.parametrize("n", range(1, 6))
def test_class_counts_are_the_published_numbers(n):
    classes = mec_classes(n)
    assert len(classes) == UNLABELED_MECS[n]
    assert sum(c.labeled_count for c in classes) == LABELED_MECS[n]


# ---- every field of every class against brute force -------------------------------------------


@pytest.mark.parametrize("n", range(1, 5))
def test_classes_match_brute_force(n):
    cat = enumerate_dags(n)
    classes = mec_classes(n, catalog=cat)
    brute = brute_classes(n)
    assert [c.mask for c in classes] == [b["mask"] for b in brute]
    for k, (c, b) in enumerate(zip(classes, brute, strict=True)):
        assert isinstance(c, MecClass)
        assert (c.n, c.index) == (n, k)
        assert c.members == b["members"], c.mask
        assert c.parents == ref_mask_to_dag(b["mask"], n)
        assert c.labeled_count == b["labeled_mecs"], c.mask
        assert [int(cat.masks[d]) for d in c.dag_classes] == b["dag_class_masks"], c.mask
        assert all(type(d) is int for d in c.dag_classes)
        assert c.mec_id == f"n{n}-m{b['mask']:07d}"


def test_classes_without_a_catalog_equal_those_with_one():
    assert mec_classes(4) == mec_classes(4, catalog=enumerate_dags(4))


def test_mec_id_format():
    c = mec_classes(4)[-1]  # the complete DAG, mask 0b111111
    assert c.mask == 63
    assert c.mec_id == "n4-m0000063"


@pytest.mark.parametrize("n", range(1, 5))
def test_automorphisms_by_brute_force(n):
    # |Aut| of the class's pattern: the permutations that map the representative's pattern
    # (skeleton + v-structures) onto itself
    for c in mec_classes(n):
        pat = relabel_pattern(pattern(c.parents), tuple(range(n)))
        perms = itertools.permutations(range(n))
        aut = sum(relabel_pattern(pattern(c.parents), p) == pat for p in perms)
        assert automorphism_count(c) == aut, c.mec_id
        assert type(automorphism_count(c)) is int
        assert c.labeled_count * aut == factorial(n)


# ---- relation counts and labels ----------------------------------------------------------------


@pytest.mark.parametrize("n", range(2, 5))
def test_holds_counts_and_labels_match_the_oracle(n):
    for c in mec_classes(n):
        want = oracle_counts(c.members, n)
        assert c.holds_counts().tolist() == want, c.mec_id
        assert c.holds_counts().dtype == np.int64
        assert relation_counts(c.members).tolist() == want
        size = len(c.members)
        label3 = [[0 if v == size else 2 if v == 0 else 1 for v in row] for row in want]
        assert c.label3().tolist() == label3
        assert c.labels().tolist() == [[int(v == size) for v in row] for row in want]
        assert c.label3().dtype == np.int8 and c.labels().dtype == np.int8


def test_one_node_has_no_items():
    (c,) = mec_classes(1)
    assert (c.mask, c.members, c.labeled_count, c.dag_classes) == (0, ((0,),), 1, (0,))
    for arr in (c.holds_counts(), c.label3(), c.labels()):
        assert arr.shape == (0, len(RELATIONS))
    assert c.holds_counts().dtype == np.int64


def test_holds_counts_are_cached_and_not_compared():
    a, b = mec_classes(3)[4], mec_classes(3)[4]
    first = a.holds_counts()
    assert a.holds_counts() is first
    assert a == b  # the cache is no part of equality
    assert first.shape == (comb(3, 2), 6)


def test_label3_codes_all_none_some():
    assert label3_codes([4, 0, 1, 3], 4).tolist() == [0, 2, 1, 1]
    assert label3_codes(1, 1).tolist() == 0
    assert label3_codes([[0, 2]], 2).dtype == np.int8
    assert [LABEL3_NAMES[int(label3_codes(h, 2))] for h in (2, 1, 0)] == list(LABEL3_NAMES)


# ---- progress ----------------------------------------------------------------------------------


def test_progress_reports_new_classes_and_the_end():
    # catalog of n = 4 (31 DAG classes): step max(31 // 100, 1) = 1, so every DAG class that
    # opens a MEC class is reported, then (31, 31)
    calls: list[tuple[int, int]] = []
    classes = mec_classes(4, progress=lambda done, total: calls.append((done, total)))
    cat = enumerate_dags(4)
    firsts = [int(np.searchsorted(cat.masks, b["mask"])) for b in brute_classes(4)]
    assert calls == [(k, 31) for k in firsts] + [(31, 31)]
    assert len(classes) == 20
