"""Contracts of the causal core that the algorithmic tests do not pin (found by ``make mutation``).

Error messages name the bad argument; counts are exact integers (never floats that would turn
``3`` into ``3.0`` in a JSON output); progress callbacks report the documented schedule; and
the class list is right when computed afresh (the other tests mostly read a session cache).
"""

from __future__ import annotations

import re

import numpy as np
import pytest
from causal_reference import nx_statements, ref_mask_to_dag

from corr2cause.causal import RELATIONS, RelationEvaluator, is_d_separated, mec_classes
from corr2cause.causal.census import label_census
from corr2cause.causal.cpdag_decisions import decide_from_cpdag
from corr2cause.causal.markov_equivalence import cpdag
from corr2cause.causal.mec_classes import automorphism_count, relation_counts
from corr2cause.graphs.enumeration import enumerate_dags

CHAIN = (0, 0b001, 0b010)  # A -> B -> C


@pytest.mark.parametrize(("x", "y"), [(0, 0), (3, 0), (0, 3), (-1, 1)])
def test_d_separation_rejects_bad_nodes(x, y):
    with pytest.raises(ValueError, match=re.escape(f"invalid d-separation query ({x}, {y} |")):
        is_d_separated(CHAIN, x, y, 0)


@pytest.mark.parametrize(("x", "y", "z"), [(1, 2, 0b010), (1, 2, 0b100), (0, 2, 0b001)])
def test_d_separation_rejects_a_conditioning_set_with_x_or_y(x, y, z):
    with pytest.raises(ValueError, match=r"^the conditioning set must not contain x or y$"):
        is_d_separated(CHAIN, x, y, z)


def test_relation_errors_name_the_problem():
    ev = RelationEvaluator(CHAIN)
    with pytest.raises(ValueError, match=r"^a relation needs two distinct nodes$"):
        ev.holds("parent", 1, 1)
    expected = "unknown relation 'cause'; expected one of " + ", ".join(RELATIONS)
    with pytest.raises(ValueError, match=f"^{re.escape(expected)}$"):
        ev.holds("cause", 0, 1)


def test_catalog_mismatch_message():
    with pytest.raises(ValueError, match=r"^catalog is for n=3, not n=4$"):
        mec_classes(4, catalog=enumerate_dags(3))


def test_counts_are_integers():
    classes = mec_classes(4)
    for c in classes:
        assert type(c.labeled_count) is int and type(automorphism_count(c)) is int
        assert c.holds_counts().dtype == np.int64
        assert c.labels().dtype == np.int8
        assert relation_counts(c.members).dtype == np.int64
        assert decide_from_cpdag(cpdag(c.parents)).dtype == np.int8
    (single,) = mec_classes(1)
    assert single.holds_counts().shape == (0, len(RELATIONS))
    assert single.holds_counts().dtype == np.int64


def test_fresh_class_list_is_indexed_and_partitions_the_catalog():
    cat = enumerate_dags(4)
    classes = mec_classes(4, catalog=cat)
    assert [c.index for c in classes] == list(range(20))
    assert sorted(d for c in classes for d in c.dag_classes) == list(range(len(cat)))
    for c in classes:
        assert all(isinstance(d, int) for d in c.dag_classes)
        # every member of a class has the representative's statements (networkx)
        assert {tuple(sorted(nx_statements(m))) for m in c.members} == {
            tuple(sorted(nx_statements(ref_mask_to_dag(c.mask, 4))))
        }


@pytest.mark.parametrize(("n", "total", "step"), [(3, 6, 1), (5, 302, 3), (6, 5984, 59)])
def test_mec_classes_progress_schedule(n, total, step):
    """``progress(k, total)`` at each DAG class ``k`` that opens a new MEC class and is a
    multiple of ``max(total // 100, 1)``, then once at the end."""
    calls: list[tuple[int, int]] = []
    classes = mec_classes(n, progress=lambda done, of: calls.append((done, of)))
    firsts = sorted(min(c.dag_classes) for c in classes)
    assert calls == [(k, total) for k in firsts if k % step == 0] + [(total, total)]
    assert len(calls) > 2


def test_label_census_progress_schedule():
    classes = list(mec_classes(3)) * 120  # 600 classes
    calls: list[tuple[int, int]] = []
    labels = label_census(classes, progress=lambda done, of: calls.append((done, of)))
    assert calls == [(0, 600), (256, 600), (512, 600), (600, 600)]
    assert labels == {rel: [v * 120 for v in vs] for rel, vs in label_census(classes[:5]).items()}
    assert all(type(v) is int for vs in labels.values() for v in vs)
