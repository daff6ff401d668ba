"""Contracts of :mod:`corr2cause.causal.census`: published counts and brute-force label totals.

Counts: unlabeled DAGs OEIS A003087, labeled DAGs A003024, MEC classes and labeled MECs
(A007984) as in SPEC section 3. Label totals: for ``N <= 4`` recomputed from the brute-force
classes of :mod:`member_oracle` (labeled DAGs grouped by skeleton and v-structures, relations
by plain graph search), with no call into the code under test. Every census here is computed
afresh (no session cache), so that ``make mutation`` sees each mutant in these tests.
"""

from __future__ import annotations

import json
from math import comb

import pytest
from member_oracle import brute_classes, oracle_counts

from corr2cause.causal.census import census, label_census
from corr2cause.causal.mec_classes import mec_classes
from corr2cause.causal.relations import RELATIONS
from corr2cause.graphs.enumeration import enumerate_dags

PUBLISHED = {
    # n: (dags A003087, labeled_dags A003024, mecs, labeled_mecs A007984)
    1: (1, 1, 1, 1),
    2: (2, 3, 2, 2),
    3: (6, 25, 5, 11),
    4: (31, 543, 20, 185),
    5: (302, 29281, 142, 8782),
}


def brute_label_totals(n: int) -> dict[str, list[int]]:
    totals = {rel: [0, 0, 0] for rel in RELATIONS}
    for cls in brute_classes(n):
        size = len(cls["members"])
        for row in oracle_counts(cls["members"], n):
            for rel, c in zip(RELATIONS, row, strict=True):
                totals[rel][0 if c == size else 2 if c == 0 else 1] += 1
    return totals


@pytest.mark.parametrize("n", [1, 2, 3, 4, 5])
def test_counts_are_the_published_numbers(n):
    out = census(n, with_labels=False)
    assert out == {
        "dags": PUBLISHED[n][0],
        "labeled_dags": PUBLISHED[n][1],
        "mecs": PUBLISHED[n][2],
        "labeled_mecs": PUBLISHED[n][3],
        "items": 6 * comb(n, 2) * PUBLISHED[n][2],
    }


@pytest.mark.parametrize("n", [2, 3, 4])
def test_label_totals_match_brute_force(n):
    out = census(n)
    assert out["labels"] == brute_label_totals(n)
    assert list(out["labels"]) == list(RELATIONS)
    assert {k: v for k, v in out.items() if k != "labels"} == census(n, with_labels=False)


def test_the_census_is_plain_json():
    out = census(3)
    assert json.loads(json.dumps(out)) == out
    assert all(type(v) is int for k, v in out.items() if k != "labels")
    assert all(type(v) is int for row in out["labels"].values() for v in row)


def test_label_census_skips_one_node_classes_anywhere_in_the_list():
    # a one-node class has no pairs; it contributes nothing wherever it is in the list
    three = mec_classes(3)
    one = mec_classes(1)
    assert label_census(one + three) == label_census(three) == brute_label_totals(3)
    assert label_census(three + one + three) == {
        rel: [2 * v for v in row] for rel, row in brute_label_totals(3).items()
    }
    assert label_census(one) == {rel: [0, 0, 0] for rel in RELATIONS}
    assert label_census([]) == {rel: [0, 0, 0] for rel in RELATIONS}


def test_progress_forwards_each_stage():
    # census(4) passes enumerate_dags' and mec_classes' own schedules through, then the
    # label stage: (0, 20) for the first class, (20, 20) at the end
    calls: list[tuple[str, int, int]] = []
    census(4, progress=lambda stage, done, total: calls.append((stage, done, total)))
    dags: list[tuple[int, int]] = []
    enumerate_dags(4, progress=lambda done, total: dags.append((done, total)))
    mecs: list[tuple[int, int]] = []
    mec_classes(4, progress=lambda done, total: mecs.append((done, total)))
    assert calls == (
        [("dags", *c) for c in dags]
        + [("mecs", *c) for c in mecs]
        + [("labels", 0, 20), ("labels", 20, 20)]
    )
    assert dags and mecs


def test_no_label_stage_without_labels():
    calls: list[str] = []
    census(3, with_labels=False, progress=lambda stage, done, total: calls.append(stage))
    assert "labels" not in calls
    assert {"dags", "mecs"} <= set(calls)
