"""MEC classes up to isomorphism: counts, representatives, members and labels against brute force.

Evidence (GitHub issue 2):

- the counts of SPEC section 3 (unlabeled MECs 1, 2, 5, 20, 142, 2201; labeled MECs 1, 2, 11,
  185, 8782, 1067825) for ``N <= 6`` (``N = 7``: 76,907 and 312,510,571, marked slow);
- *same class iff same d-separation statements up to relabeling*: for every pair of DAG
  representatives with ``N <= 5``, they share a :class:`MecClass` iff some permutation maps the
  networkx statement set of one onto the other's (a canonical form over all ``n!``
  permutations); and, by a second independent route, iff their patterns are isomorphic
  (networkx VF2), for ``N <= 6``;
- the whole pipeline rebuilt from nothing but labeled DAGs and networkx for ``N <= 4``
  (classes, representative masks, members, labeled-MEC counts and relation counts; ``N = 5``
  marked slow);
- labels of every class with ``N <= 5`` recomputed from the path-enumeration oracle;
- hand-derived classes and labels for ``N = 3`` and for the named fixture graphs.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Callable
from math import factorial

import networkx as nx
import numpy as np
import pytest
from causal_reference import (
    COLLIDER,
    EMPTY3,
    NAMED_DAGS,
    REF_RELATIONS,
    TRIANGLE,
    Y_STRUCTURE,
    DagT,
    NamedDag,
    StatementT,
    brute_force_classes,
    canonical_statements,
    nx_statements,
    permute_statements,
    ref_edges,
    ref_mask_to_dag,
    ref_pairs,
    reference_label_counts,
)

from corr2cause.causal.d_separation import d_separation_statements
from corr2cause.causal.markov_equivalence import mec_members
from corr2cause.causal.mec_classes import (
    LABEL3_NAMES,
    MecClass,
    automorphism_count,
    mec_classes,
    num_labeled_dags,
    relation_counts,
)
from corr2cause.causal.relations import RELATIONS
from corr2cause.graphs.enumeration import DagCatalog

UNLABELED_MECS = {1: 1, 2: 2, 3: 5, 4: 20, 5: 142, 6: 2201, 7: 76907}
LABELED_MECS = {1: 1, 2: 2, 3: 11, 4: 185, 5: 8782, 6: 1067825, 7: 312510571}  # A007984

ENTAIL, NEUTRAL, CONTRA = 0, 1, 2
SHORT = {
    "par": "parent",
    "chi": "child",
    "npa": "non-parent ancestor",
    "ncd": "non-child descendant",
    "col": "has_collider",
    "con": "has_confounder",
}


def _label_table(n: int, entailed: str, neutral: str) -> dict[tuple[int, int, str], int]:
    """Expected 3-class labels from ``"par AC, col AB"``-style lists; the rest contradiction."""
    out = {(i, j, rel): CONTRA for i, j in ref_pairs(n) for rel in REF_RELATIONS}
    for text, lab in ((entailed, ENTAIL), (neutral, NEUTRAL)):
        for token in filter(None, (t.strip() for t in text.split(","))):
            short, xy = token.split()
            i, j = ord(xy[0]) - 65, ord(xy[1]) - 65
            assert i < j, token
            out[(i, j, SHORT[short])] = lab
    return out


def _labels_from_counts(counts: dict[tuple[int, int, str], int], size: int) -> dict:
    return {
        key: ENTAIL if c == size else CONTRA if c == 0 else NEUTRAL for key, c in counts.items()
    }


def _class_label_table(cls: MecClass) -> dict[tuple[int, int, str], int]:
    lab = cls.label3()
    return {
        (i, j, rel): int(lab[p, r])
        for p, (i, j) in enumerate(ref_pairs(cls.n))
        for r, rel in enumerate(RELATIONS)
    }


# ---- counts ---------------------------------------------------------------------------------


@pytest.mark.parametrize("n", range(1, 7))
def test_class_counts(n: int, classes: Callable[[int], tuple[MecClass, ...]]) -> None:
    cls = classes(n)
    assert len(cls) == UNLABELED_MECS[n]
    assert sum(c.labeled_count for c in cls) == LABELED_MECS[n]


@pytest.mark.slow
def test_class_counts_seven_nodes() -> None:
    cls = mec_classes(7)
    assert len(cls) == UNLABELED_MECS[7]
    assert sum(c.labeled_count for c in cls) == LABELED_MECS[7]


def test_num_labeled_dags_recurrence() -> None:
    expected = [1, 1, 3, 25, 543, 29281, 3781503, 1138779265, 783702329343]  # A003024
    assert [num_labeled_dags(n) for n in range(9)] == expected


# ---- structure of the class list ------------------------------------------------------------


@pytest.mark.parametrize("n", range(1, 7))
def test_representatives_and_partition(
    n: int,
    catalog: Callable[[int], DagCatalog],
    classes: Callable[[int], tuple[MecClass, ...]],
) -> None:
    """Classes partition the DAG classes; each representative is the smallest member mask and
    is itself a member, in its own labeling; labeled counts add up."""
    cat = catalog(n)
    cls = classes(n)
    seen: list[int] = []
    for k, c in enumerate(cls):
        assert c.index == k
        assert c.n == n
        assert (
            c.mask
            == int(cat.masks[min(c.dag_classes)])
            == min(int(cat.masks[d]) for d in c.dag_classes)
        )
        assert c.parents == ref_mask_to_dag(c.mask, n)
        assert c.parents in c.members
        assert list(c.members) == sorted(set(c.members))
        assert {cat.class_of(m) for m in c.members} == set(c.dag_classes)
        labeled_dags = sum(int(cat.labeled_counts()[d]) for d in c.dag_classes)
        assert labeled_dags == c.labeled_count * len(c.members)
        assert c.mec_id == f"n{n}-m{c.mask:07d}"
        seen.extend(c.dag_classes)
    assert sorted(seen) == list(range(len(cat)))
    assert [c.mask for c in cls] == sorted(c.mask for c in cls)


LABELED_MECS = {1: 1, 2: 2, 3: 11, 4: 185, 5: 8_782, 6: 1_067_825}
"""Labeled Markov equivalence classes, OEIS A007984 (SPEC section 3)."""


@pytest.mark.parametrize("n", range(1, 7))
def test_labeled_counts_add_up_to_the_published_number(
    n: int, classes: Callable[[int], tuple[MecClass, ...]]
) -> None:
    assert sum(c.labeled_count for c in classes(n)) == LABELED_MECS[n]


@pytest.mark.parametrize("n", range(1, 6))
def test_automorphisms_by_brute_force(
    n: int, classes: Callable[[int], tuple[MecClass, ...]]
) -> None:
    """The permutations that map a class's networkx statement set onto itself; their number
    times the labeled count is n! (orbit-stabilizer), with no help from the package."""
    for c in classes(n):
        stmts = tuple(sorted(nx_statements(c.parents)))
        aut = sum(permute_statements(stmts, p) == stmts for p in itertools.permutations(range(n)))
        assert automorphism_count(c) == aut, c.mec_id
        assert c.labeled_count * aut == factorial(n), c.mec_id


def test_catalog_for_other_n_is_rejected(catalog: Callable[[int], DagCatalog]) -> None:
    with pytest.raises(ValueError):
        mec_classes(4, catalog=catalog(3))


# ---- same class <=> same statements up to relabeling ----------------------------------------


def _partition(keys: list[object]) -> set[frozenset[int]]:
    groups: dict[object, set[int]] = defaultdict(set)
    for k, key in enumerate(keys):
        groups[key].add(k)
    return {frozenset(g) for g in groups.values()}


def _class_partition(cls: tuple[MecClass, ...]) -> set[frozenset[int]]:
    return {frozenset(c.dag_classes) for c in cls}


@pytest.mark.parametrize("n", range(1, 6))
def test_same_class_iff_statements_equal_up_to_relabeling(
    n: int,
    classes: Callable[[int], tuple[MecClass, ...]],
    rep_statements: Callable[[int], tuple[tuple[StatementT, ...], ...]],
) -> None:
    """Two DAG classes share a MEC class iff some permutation of one has exactly the other's
    networkx d-separation statements."""
    keys = [canonical_statements(s, n) for s in rep_statements(n)]
    assert _class_partition(classes(n)) == _partition(keys)


def _pattern_graph(dag: DagT) -> nx.DiGraph:
    """Pattern (skeleton + v-structure edges) as a digraph: undirected edge = two arcs.

    Written from scratch here; two DAGs are Markov equivalent iff they have the same
    skeleton and v-structures (Verma and Pearl), i.e. the same pattern.
    """
    n = len(dag)
    adj = [0] * n
    for u, v in ref_edges(dag):
        adj[u] |= 1 << v
        adj[v] |= 1 << u
    compelled = set()
    for c in range(n):
        ps = [u for u in range(n) if dag[c] >> u & 1]
        for a, b in itertools.combinations(ps, 2):
            if not adj[a] >> b & 1:
                compelled |= {(a, c), (b, c)}
    g = nx.DiGraph()
    g.add_nodes_from(range(n))
    for u, v in ref_edges(dag):
        g.add_edge(u, v)
        if (u, v) not in compelled:
            g.add_edge(v, u)
    return g


def _pattern_iso_partition(dags: list[DagT]) -> set[frozenset[int]]:
    """Partition indices by isomorphism of patterns: buckets by degree multiset, then VF2."""
    buckets: dict[tuple, list[int]] = defaultdict(list)
    graphs = [_pattern_graph(d) for d in dags]
    for k, g in enumerate(graphs):
        buckets[tuple(sorted((g.in_degree(v), g.out_degree(v)) for v in g))].append(k)
    parts: list[list[int]] = []
    for members in buckets.values():
        local: list[list[int]] = []
        for k in members:
            for group in local:
                if nx.is_isomorphic(graphs[group[0]], graphs[k]):
                    group.append(k)
                    break
            else:
                local.append([k])
        parts.extend(local)
    return {frozenset(p) for p in parts}


@pytest.mark.parametrize("n", range(1, 7))
def test_same_class_iff_patterns_isomorphic(
    n: int,
    catalog: Callable[[int], DagCatalog],
    classes: Callable[[int], tuple[MecClass, ...]],
) -> None:
    cat = catalog(n)
    dags = [cat.parents(k) for k in range(len(cat))]
    parts = _pattern_iso_partition(dags)
    assert len(parts) == UNLABELED_MECS[n]
    assert _class_partition(classes(n)) == parts


# ---- full brute-force pipeline ----------------------------------------------------------------


def _check_against_brute_force(
    n: int, cls: tuple[MecClass, ...], brute: list, catalog: DagCatalog
) -> None:
    assert [c.mask for c in cls] == [b.mask for b in brute]
    for c, b in zip(cls, brute, strict=True):
        assert set(c.members) == b.members, c.mask
        assert c.labeled_count == b.labeled_mecs, c.mask
        assert sum(int(catalog.labeled_counts()[d]) for d in c.dag_classes) == b.labeled_dags
        if n >= 2:
            ref = reference_label_counts(b.members, n)
            counts = c.holds_counts()
            for p, (i, j) in enumerate(ref_pairs(n)):
                for r, rel in enumerate(RELATIONS):
                    assert counts[p, r] == ref[(i, j, rel)], (c.mask, i, j, rel)


@pytest.mark.parametrize("n", range(1, 5))
def test_pipeline_rebuilt_from_labeled_dags_and_networkx(
    n: int,
    catalog: Callable[[int], DagCatalog],
    classes: Callable[[int], tuple[MecClass, ...]],
) -> None:
    _check_against_brute_force(n, classes(n), brute_force_classes(n), catalog(n))


@pytest.mark.slow
def test_pipeline_rebuilt_from_labeled_dags_five_nodes(
    catalog: Callable[[int], DagCatalog],
    classes: Callable[[int], tuple[MecClass, ...]],
) -> None:
    """All 29,281 labeled DAGs grouped by (networkx-validated) bitmask statements."""
    brute = brute_force_classes(5, d_separation_statements)
    _check_against_brute_force(5, classes(5), brute, catalog(5))


# ---- labels ---------------------------------------------------------------------------------


@pytest.mark.parametrize("n", range(2, 6))
def test_labels_of_every_class_match_path_enumeration(
    n: int, classes: Callable[[int], tuple[MecClass, ...]]
) -> None:
    for c in classes(n):
        size = len(c.members)
        ref = reference_label_counts(c.members, n)
        expected3 = _labels_from_counts(ref, size)
        assert _class_label_table(c) == expected3, c.mask
        binary = c.labels()
        for p, (i, j) in enumerate(ref_pairs(n)):
            for r, rel in enumerate(RELATIONS):
                assert binary[p, r] == (expected3[(i, j, rel)] == ENTAIL)
        assert c.holds_counts().shape == (n * (n - 1) // 2, 6)
        assert np.array_equal(relation_counts(c.members), c.holds_counts())


def test_label_names() -> None:
    assert LABEL3_NAMES == ("entailment", "neutral", "contradiction")


# ---- hand-derived: N = 2 and N = 3 ------------------------------------------------------------


def test_two_node_classes_by_hand(classes: Callable[[int], tuple[MecClass, ...]]) -> None:
    empty, edge = classes(2)
    assert (empty.mask, edge.mask) == (0, 1)
    assert empty.members == ((0, 0),)
    assert edge.members == ((0, 1), (2, 0))  # A -> B and B -> A
    assert (empty.labeled_count, edge.labeled_count) == (1, 1)
    assert _class_label_table(edge) == _label_table(2, "", "par AB, chi AB")


THREE_NODE_LABELS = {
    0: ("", ""),
    1: ("", "par AB, chi AB"),
    3: ("", "par AB, chi AB, par AC, chi AC, npa BC, ncd BC, con BC"),
    6: ("col AB, par AC, par BC", ""),
    7: ("", ", ".join(f"{s} {p}" for s in SHORT for p in ("AB", "AC", "BC"))),
}


def test_three_node_classes_by_hand(
    catalog: Callable[[int], DagCatalog], classes: Callable[[int], tuple[MecClass, ...]]
) -> None:
    """Classes: empty, one edge, {fork A->B, A->C; chain}, collider, complete DAG."""
    cat = catalog(3)
    assert [int(m) for m in cat.masks] == [0, 1, 3, 5, 6, 7]
    cls = classes(3)
    assert [c.mask for c in cls] == [0, 1, 3, 6, 7]
    assert [c.dag_classes for c in cls] == [(0,), (1,), (2, 3), (4,), (5,)]
    assert [c.labeled_count for c in cls] == [1, 3, 3, 3, 1]
    assert [len(c.members) for c in cls] == [1, 2, 3, 1, 6]
    a, b, c_ = 1, 2, 4  # node bits
    assert cls[2].members == tuple(
        sorted([(0, a, a), (b, 0, a), (c_, a, 0)])  # A->B, A->C | B->A->C | C->A->B
    )
    for cl in cls:
        entailed, neutral = THREE_NODE_LABELS[cl.mask]
        assert _class_label_table(cl) == _label_table(3, entailed, neutral), cl.mask


# ---- named fixture graphs --------------------------------------------------------------------

# (MEC size, number of DAG classes in its MEC class, representative mask of the MEC class or
# None where not derived by hand, entailed, neutral) -- labels in the fixture's own labeling.
HAND_MEC: dict[str, tuple[int, int, int | None, str, str]] = {
    "chain": (3, 2, 3, "", "par AB, chi AB, npa AC, ncd AC, con AC, par BC, chi BC"),
    "fork": (3, 2, 3, "", "par AB, chi AB, npa AC, ncd AC, con AC, par BC, chi BC"),
    "collider": (1, 1, 6, "par AC, par BC, col AB", ""),
    "triangle": (6, 1, 7, "", THREE_NODE_LABELS[7][1]),
    "empty3": (1, 1, 0, "", ""),
    # members: A->B,A->C | B->A->C | C->A->B (plus B->D, C->D). The last two are the DAG
    # 0->1->2->3, 0->3 (mask 45), smaller than the diamond's own mask 51.
    "diamond": (
        3,
        2,
        45,
        "npa AD, col BC, par BD, par CD",
        "par AB, chi AB, col AB, par AC, chi AC, col AC, con AD, npa BC, ncd BC, con BC, "
        "npa BD, con BD, npa CD, con CD",
    ),
    "y_structure": (1, 1, 42, "par AC, par BC, par CD, npa AD, npa BD, col AB", ""),
    "m_bias": (
        4,
        3,
        None,
        "par AC, col AD, chi CD",
        "par AB, chi AB, col AE, npa BC, con BC, col BD, col BE, ncd CE, con CE, par DE, chi DE",
    ),
}


@pytest.mark.parametrize("dag", NAMED_DAGS, ids=lambda d: d.name)
def test_named_graph_mec_labels(
    dag: NamedDag,
    catalog: Callable[[int], DagCatalog],
    classes: Callable[[int], tuple[MecClass, ...]],
) -> None:
    size, n_dag_classes, rep_mask, entailed, neutral = HAND_MEC[dag.name]
    members = mec_members(dag.parents)
    assert len(members) == size
    counts = relation_counts(members)
    got = {
        (i, j, rel): int(counts[p, r])
        for p, (i, j) in enumerate(ref_pairs(dag.n))
        for r, rel in enumerate(RELATIONS)
    }
    assert _labels_from_counts(got, size) == _label_table(dag.n, entailed, neutral)
    # the MEC class that holds this graph
    k = catalog(dag.n).class_of(dag.parents)
    (cls,) = [c for c in classes(dag.n) if k in c.dag_classes]
    assert len(cls.members) == size
    assert len(cls.dag_classes) == n_dag_classes
    if rep_mask is not None:
        assert cls.mask == rep_mask


@pytest.mark.parametrize("dag", [COLLIDER, TRIANGLE, EMPTY3, Y_STRUCTURE], ids=lambda d: d.name)
def test_named_graphs_already_in_representative_labeling(
    dag: NamedDag, classes: Callable[[int], tuple[MecClass, ...]]
) -> None:
    """These fixtures are drawn in their class's representative labeling: same labels."""
    (cls,) = [c for c in classes(dag.n) if dag.parents in c.members]
    _, _, rep_mask, entailed, neutral = HAND_MEC[dag.name]
    assert cls.mask == rep_mask
    assert _class_label_table(cls) == _label_table(dag.n, entailed, neutral)


def test_label3_codes_is_the_all_none_some_rule() -> None:
    from corr2cause.causal.mec_classes import LABEL3_NAMES, label3_codes

    for members in range(1, 7):
        for holds in range(members + 1):
            name = (
                "entailment" if holds == members else "contradiction" if holds == 0 else "neutral"
            )
            assert LABEL3_NAMES[int(label3_codes(holds, members))] == name
