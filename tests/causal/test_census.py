"""The census: counts of SPEC section 3 and label totals, against hand derivations and brute force.

- counts for ``N <= 6`` are the OEIS / SPEC numbers;
- the label totals for ``N = 2`` and ``N = 3`` were derived by hand class by class (see
  ``THREE_NODE_LABELS`` in ``test_mec_classes.py``); for ``N <= 4`` they are recomputed from the
  brute-force pipeline (labeled DAGs grouped by networkx statements, relations by path
  enumeration), with no call into the code under test.
"""

from __future__ import annotations

from math import comb

import pytest
from causal_reference import REF_RELATIONS, brute_force_classes, ref_pairs, reference_label_counts

from corr2cause.causal.census import census
from corr2cause.causal.relations import RELATIONS

EXPECTED = {
    # n: (dags, labeled_dags, mecs, labeled_mecs)
    1: (1, 1, 1, 1),
    2: (2, 3, 2, 2),
    3: (6, 25, 5, 11),
    4: (31, 543, 20, 185),
    5: (302, 29281, 142, 8782),
    6: (5984, 3781503, 2201, 1067825),
}

HAND_LABELS = {
    2: {
        "parent": [0, 1, 1],
        "non-parent ancestor": [0, 0, 2],
        "child": [0, 1, 1],
        "non-child descendant": [0, 0, 2],
        "has_collider": [0, 0, 2],
        "has_confounder": [0, 0, 2],
    },
    # classes: empty | A->B | fork A->B, A->C (+ chain) | collider A->C<-B | complete DAG
    3: {
        "parent": [2, 6, 7],
        "non-parent ancestor": [0, 4, 11],
        "child": [0, 6, 9],
        "non-child descendant": [0, 4, 11],
        "has_collider": [1, 3, 11],
        "has_confounder": [0, 4, 11],
    },
}


@pytest.fixture(scope="module")
def census6() -> dict:
    return census(6)


@pytest.mark.parametrize("n", range(1, 6))
def test_counts(n: int) -> None:
    out = census(n)
    assert (out["dags"], out["labeled_dags"], out["mecs"], out["labeled_mecs"]) == EXPECTED[n]
    assert out["items"] == 6 * comb(n, 2) * EXPECTED[n][2]


def test_counts_six_nodes(census6: dict) -> None:
    out = census6
    assert (out["dags"], out["labeled_dags"], out["mecs"], out["labeled_mecs"]) == EXPECTED[6]
    assert out["items"] == 6 * 15 * 2201 == 198090
    assert set(out["labels"]) == set(RELATIONS)
    for row in out["labels"].values():
        assert len(row) == 3
        assert sum(row) == 15 * 2201


@pytest.mark.parametrize("n", [2, 3])
def test_labels_by_hand(n: int) -> None:
    assert census(n)["labels"] == HAND_LABELS[n]


@pytest.mark.parametrize("n", range(2, 5))
def test_labels_match_brute_force(n: int) -> None:
    totals = {rel: [0, 0, 0] for rel in REF_RELATIONS}
    for b in brute_force_classes(n):
        counts = reference_label_counts(b.members, n)
        size = len(b.members)
        for i, j in ref_pairs(n):
            for rel in REF_RELATIONS:
                c = counts[(i, j, rel)]
                totals[rel][0 if c == size else 2 if c == 0 else 1] += 1
    assert census(n)["labels"] == totals


def test_one_node() -> None:
    out = census(1)
    assert out["items"] == 0
    assert all(row == [0, 0, 0] for row in out["labels"].values())


def test_without_labels() -> None:
    out = census(4, with_labels=False)
    assert "labels" not in out
    assert set(out) == {"dags", "labeled_dags", "mecs", "labeled_mecs", "items"}


def test_progress_reports_every_stage() -> None:
    calls: list[tuple[str, int, int]] = []
    census(4, progress=lambda stage, done, total: calls.append((stage, done, total)))
    stages = {s for s, _, _ in calls}
    assert stages == {"dags", "mecs", "labels"}
    for stage in stages:
        last = [c for c in calls if c[0] == stage][-1]
        assert last[1] == last[2]
