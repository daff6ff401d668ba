"""Contracts of :mod:`corr2cause.causal.exact_labels`, against an oracle that lists members.

The oracle knows nothing of CPDAGs, Meek's rules or the search:

- the **members** of a DAG's class are the acyclic orientations of its skeleton with the same
  v-structures (Verma & Pearl), found by trying every orientation;
- the **completions** of a class with background knowledge are the members that contain the
  chosen directed edges;
- the **closure** of such a graph has an edge directed iff every completion orients it the same
  way (Meek 1995: the closure under R1-R4 is sound and complete);
- the **relations** of each member come from path enumeration with networkx
  (:func:`causal_reference.reference_relations`, SPEC section 2).

So the labels, the closures and the witnesses are checked on the whole range of inputs the
module accepts: CPDAGs (with and without the witness shortcut) and MPDAGs (CPDAGs with some
edges oriented and closed again), on hand-picked graphs where each Meek rule fires and on
every upper-triangular DAG on four nodes. Each test takes a few milliseconds to a few tenths of
a second, so that ``make mutation`` runs them all against every mutant of the module.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Iterable, Sequence
from math import comb
from unittest import mock

import numpy as np
import pytest
from causal_reference import (
    DagT,
    dag_from_edges,
    ref_edges,
    ref_mask_to_dag,
    ref_pairs,
    reference_relation_table,
)
from member_oracle import (
    Edge,
    common_graph,
    completions,
    members,
    oracle_label3,
    oracle_relations,
    pattern_graph,
)

from corr2cause.causal import exact_labels
from corr2cause.causal.exact_labels import (
    CONTRADICTION,
    ENTAILMENT,
    NEUTRAL,
    _Oracle,
    _Searcher,
    close_pdag,
    exact_label3,
)
from corr2cause.causal.markov_equivalence import Pdag
from corr2cause.causal.mec_classes import LABEL3_NAMES
from corr2cause.causal.relations import RELATIONS


def closure_of(dags: Sequence[DagT]) -> Pdag:
    """The oracle's graph of the edges that ``dags`` orient alike, as a :class:`Pdag`."""
    return Pdag(*common_graph(dags))


def g(n: int, spec: str) -> DagT:
    """``"AB AC"`` -> A -> B, A -> C."""
    return dag_from_edges(n, ((ord(e[0]) - 65, ord(e[1]) - 65) for e in spec.split()))


def complete(n: int) -> DagT:
    return tuple((1 << v) - 1 for v in range(n))


# Graphs chosen so that every Meek rule fires somewhere once an edge is oriented, and with
# every label of every relation; all classes small enough to list.
GRAPHS: dict[str, DagT] = {
    "chain": g(3, "AB BC"),
    "collider": g(3, "AC BC"),
    "triangle": complete(3),
    "diamond": g(4, "AB AC BD CD"),  # class A-B, A-C, B->D<-C
    "y": g(4, "AC BC CD"),  # R1 from the v-structure
    "k4": complete(4),
    "r3": g(4, "AB AC AD BD CD"),  # D a collider of B, C; A - D oriented by R3
    "kite": g(4, "AB AC BC BD CD"),  # complete but one edge
    "two_parts": g(5, "AB BC DE"),  # two chain components
    "m_bias": g(5, "AB AC DC DE"),
    "k5_minus": g(5, "AB AC AD AE BC BD BE CD CE"),  # K5 without D - E
    "wheel": g(5, "AB AC AD AE BC CD DE"),
    "long": g(6, "AB BC CD DE EF"),  # a path: ancestry needs long walks
    "two_triangles": g(6, "AB AC BC CD DE DF EF"),
}


def _cpdag_of(dag: DagT) -> Pdag:
    return closure_of(members(dag))


def _assert_labels(got: np.ndarray, want: np.ndarray, what: str) -> None:
    assert got.dtype == np.int8
    assert got.shape == want.shape, what
    bad = [(int(p), RELATIONS[r]) for p, r in zip(*np.nonzero(got != want), strict=True)]
    assert not bad, f"{what}: wrong labels at (pair index, relation) {bad[:5]}"


def test_oracle_agrees_with_networkx():
    for name in ("diamond", "m_bias", "r3", "wheel", "two_triangles"):
        for dag in members(GRAPHS[name]):
            table = reference_relation_table(dag)
            for x, y in table:
                want = tuple(table[(x, y)][rel] for rel in RELATIONS)
                assert oracle_relations(dag, x, y) == want, (name, dag, x, y)


# ---- the label codes ---------------------------------------------------------------------------


def test_codes_are_the_names_of_label3():
    assert [LABEL3_NAMES[c] for c in (ENTAILMENT, NEUTRAL, CONTRADICTION)] == [
        "entailment",
        "neutral",
        "contradiction",
    ]


def test_docstring_chain_by_hand():
    # A - B - C: members A->B->C, A<-B<-C, A<-B->C. Pair (A, C): never adjacent (parent and
    # child contradicted); A ancestor of C in the first only; no collider in any (A->B<-C is a
    # v-structure, not a member); B a common cause in the third only.
    p = Pdag((0, 0, 0), (0b010, 0b101, 0b010))
    got = exact_label3(p)
    assert got.tolist() == [
        [1, 2, 1, 2, 2, 2],  # (A, B): parent / child either way; no path of length 2
        [2, 1, 2, 1, 2, 1],  # (A, C)
        [1, 2, 1, 2, 2, 2],  # (B, C)
    ]


# ---- labels of CPDAGs --------------------------------------------------------------------------


@pytest.mark.parametrize("witnesses", [True, False])
@pytest.mark.parametrize("name", list(GRAPHS))
def test_named_cpdags_match_the_oracle(name, witnesses):
    dag = GRAPHS[name]
    ms = members(dag)
    got = exact_label3(_cpdag_of(dag), witnesses=witnesses)
    _assert_labels(got, oracle_label3(ms), name)


def _upper_triangular_dags(n: int) -> list[DagT]:
    return [ref_mask_to_dag(mask, n) for mask in range(1 << comb(n, 2))]


@pytest.mark.parametrize("witnesses", [True, False])
def test_every_upper_triangular_dag_on_four_nodes(witnesses):
    for dag in _upper_triangular_dags(4):
        got = exact_label3(_cpdag_of(dag), witnesses=witnesses)
        _assert_labels(got, oracle_label3(members(dag)), str(dag))


def test_the_labels_are_the_same_in_every_labeling():
    # relabeling the nodes permutes the items: exact_label3 must follow the relabeling
    dag = GRAPHS["m_bias"]
    base = oracle_label3(members(dag))
    index = {pr: k for k, pr in enumerate(ref_pairs(5))}
    for perm in ([4, 3, 2, 1, 0], [2, 0, 4, 1, 3]):
        moved = dag_from_edges(5, ((perm[u], perm[v]) for u, v in ref_edges(dag)))
        got = exact_label3(_cpdag_of(moved))
        for (i, j), row in zip(ref_pairs(5), base, strict=True):
            a, b = perm[i], perm[j]
            k = index[(min(a, b), max(a, b))]
            if a < b:
                assert got[k].tolist() == row.tolist()
            else:  # the pair is read the other way round: parent <-> child, npa <-> ncd
                assert got[k].tolist() == [row[2], row[3], row[0], row[1], row[4], row[5]]


# ---- MPDAGs: CPDAGs with background knowledge --------------------------------------------------


def _mpdag_cases(seed: int, count: int) -> list[tuple[str, Pdag, list[DagT], list[Edge]]]:
    """CPDAGs of ``GRAPHS`` with a random set of undirected edges oriented as in a member."""
    rng = random.Random(seed)
    out = []
    names = list(GRAPHS)
    while len(out) < count:
        name = rng.choice(names)
        ms = members(GRAPHS[name])
        p = closure_of(ms)
        und = p.undirected_edges()
        if not und:
            continue
        member = rng.choice(ms)
        k = rng.randint(1, len(und))
        chosen = rng.sample(und, k)
        oriented = [(a, b) if member[b] >> a & 1 else (b, a) for a, b in chosen]
        out.append((name, p, completions(ms, oriented), oriented))
    return out


def _orient(p: Pdag, oriented: Iterable[Edge]) -> tuple[list[int], list[int]]:
    d, u = list(p.directed), list(p.undirected)
    for a, b in oriented:
        d[b] |= 1 << a
        u[a] &= ~(1 << b)
        u[b] &= ~(1 << a)
    return d, u


def test_close_pdag_orients_what_every_completion_agrees_on():
    for name, p, comps, oriented in _mpdag_cases(seed=1, count=60):
        want = closure_of(comps)
        d, u = _orient(p, oriented)
        assert close_pdag(d, u) == (want.directed, want.undirected), (name, oriented)


@pytest.mark.parametrize("name", list(GRAPHS))
def test_close_pdag_of_a_pattern_is_the_cpdag(name):
    # Meek 1995: R1-R3 applied to the pattern (skeleton + v-structures) give the CPDAG
    d, u = pattern_graph(GRAPHS[name])
    want = closure_of(members(GRAPHS[name]))
    assert close_pdag(list(d), list(u)) == (want.directed, want.undirected)


def test_close_pdag_of_every_pattern_on_four_nodes():
    for dag in _upper_triangular_dags(4):
        d, u = pattern_graph(dag)
        want = closure_of(members(dag))
        assert close_pdag(list(d), list(u)) == (want.directed, want.undirected), dag


# Graphs with background knowledge where a rule fires only after an earlier orientation at the
# same node, or where only the second R4 candidate fires, or where an orientation at a node
# with several children must keep them all.
CLOSURE_CASES = {
    # 0 -> 3 given on the pattern of 0 -> 3 -> 2 -> 1 <- 0, 3 -> 1: at node 3, R1 orients
    # 3 -> 2, and only then R2 orients 3 -> 1 (3 must be looked at again)
    "r1_then_r2": ("pattern", g(4, "AD DC CB AB DB"), [(0, 3)]),
    # found by mutation testing: a node left marked as queued after its pop is not revisited
    "revisit_cpdag": ("cpdag", (20, 5, 0, 7, 4, 23), [(0, 3), (0, 4), (4, 2)]),
    # R4 for 0 -> 1: of the candidates c in {2, 4}, only 2 has 2 -> 3 -> 1
    "r4_second_candidate": ("cpdag", g(5, "AC CD DB AB AD AE"), [(2, 3), (3, 1)]),
    "many_children": (
        "cpdag",
        (0, 21, 1, 23, 5),
        [(0, 3), (2, 3), (0, 2), (3, 1), (0, 1), (2, 1), (4, 0), (4, 3)],
    ),
}


@pytest.mark.parametrize("case", list(CLOSURE_CASES))
def test_close_pdag_named_cases(case):
    base, dag, oriented = CLOSURE_CASES[case]
    ms = members(dag)
    start = pattern_graph(dag) if base == "pattern" else common_graph(ms)
    d, u = _orient(Pdag(*start), oriented)
    want = closure_of(completions(ms, oriented))
    assert close_pdag(d, u) == (want.directed, want.undirected)


def test_close_pdag_of_patterns_with_background_knowledge():
    rng = random.Random(5)
    for name, dag in GRAPHS.items():
        ms = members(dag)
        p = Pdag(*pattern_graph(dag))
        und = p.undirected_edges()
        for _ in range(3 if und else 0):
            member = rng.choice(ms)
            chosen = rng.sample(und, rng.randint(1, len(und)))
            oriented = [(a, b) if member[b] >> a & 1 else (b, a) for a, b in chosen]
            want = closure_of(completions(ms, oriented))
            d, u = _orient(p, oriented)
            assert close_pdag(d, u) == (want.directed, want.undirected), (name, oriented)


def test_close_pdag_fires_each_rule():
    # R1: A -> B - C, A, C non-adjacent
    assert close_pdag([0, 1, 0], [0, 0b100, 0b010]) == ((0, 1, 2), (0, 0, 0))
    # R2: A -> B -> C and A - C
    assert close_pdag([0, 1, 2], [4, 0, 1]) == ((0, 1, 3), (0, 0, 0))
    # R3: A - B -> D, A - C -> D, A - D, B, C non-adjacent: A -> D
    d = [0, 0, 0, 0b0110]
    u = [0b1110, 0b0001, 0b0001, 0b0001]
    assert close_pdag(d, u) == ((0, 0, 0, 0b0111), (0b0110, 1, 1, 0))
    # R4: A - B, B -> C -> D, A - C, A - D, B, D non-adjacent: A -> D
    d = [0, 0, 0b0010, 0b0100]
    u = [0b1110, 0b0001, 0b0001, 0b0001]
    assert close_pdag(d, u) == ((0, 0, 0b0010, 0b0101), (0b0110, 1, 1, 0))


def test_close_pdag_with_a_start_set_after_one_new_edge():
    # a closed graph with one more edge a -> b: seeding the work list with a, b and their
    # neighbours gives the whole closure
    for name, p, comps, oriented in _mpdag_cases(seed=2, count=60):
        first, last = oriented[:-1], oriented[-1]
        d0, u0 = _orient(p, first)
        d1, u1 = close_pdag(d0, u0)
        a, b = last
        if not u1[a] >> b & 1:
            continue
        adj = [
            d1[v] | u1[v] | sum(1 << w for w in range(p.n) if d1[w] >> v & 1) for v in range(p.n)
        ]
        d2, u2 = _orient(Pdag(tuple(d1), tuple(u1)), [last])
        start = adj[a] | adj[b] | 1 << a | 1 << b
        want = closure_of(comps)
        assert close_pdag(d2, u2, start=start) == (want.directed, want.undirected), name


def test_close_pdag_modifies_its_inputs_and_returns_tuples():
    d, u = [0, 1, 0], [0, 0b100, 0b010]
    out = close_pdag(d, u)
    assert d == [0, 1, 2] and u == [0, 0, 0]
    assert out == ((0, 1, 2), (0, 0, 0))
    assert isinstance(out[0], tuple) and isinstance(out[1], tuple)


def test_close_pdag_leaves_a_cpdag_alone():
    for name, dag in GRAPHS.items():
        p = _cpdag_of(dag)
        assert close_pdag(list(p.directed), list(p.undirected)) == (p.directed, p.undirected), name


@pytest.mark.parametrize("witnesses", [True, False])
def test_labels_of_mpdags_are_over_their_completions(witnesses):
    for name, _, comps, oriented in _mpdag_cases(seed=3, count=50):
        mpdag = closure_of(comps)
        got = exact_label3(mpdag, witnesses=witnesses)
        _assert_labels(got, oracle_label3(comps), f"{name} + {oriented}")


def test_labels_of_complete_mpdags():
    # complete graphs with one edge oriented: large classes where the search must branch
    for n in (4, 5):
        ms = members(complete(n))
        for a, b in [(0, n - 1), (n - 1, 0), (1, 2)]:
            comps = completions(ms, [(a, b)])
            got = exact_label3(closure_of(comps))
            _assert_labels(got, oracle_label3(comps), f"K{n} with {a}->{b}")


# ---- the search and its witnesses --------------------------------------------------------------


@pytest.mark.parametrize("n", [3, 4, 5, 6])
def test_complete_component_is_decided_by_the_witnesses_alone(n):
    # module docstring: on a complete component every relation of every pair is neutral, and
    # the two witnesses decide every item with no search
    p = Pdag((0,) * n, tuple(((1 << n) - 1) & ~(1 << v) for v in range(n)))
    searcher = _Searcher(p)
    got = [[searcher.label(r, x, y) for r in range(6)] for x, y in ref_pairs(n)]
    assert got == [[NEUTRAL] * 6] * comb(n, 2)
    assert searcher.nodes == 0
    assert searcher.witnessed == 4 * comb(n, 2)  # parent and child need no witness


WITNESS_GRAPHS = {
    # chain components {0, 4, 6} and {3, 5}, nodes 1 and 2 isolated
    "split": g(7, "AE EG DF"),
    # node A isolated, the component B - C - D after it
    "isolated_a": g(4, "BC CD"),
    # A -> C <- B, C -> D, C -> E compelled; D - E undirected under a directed parent
    "parent_into_component": g(5, "AC BC CD CE DE"),
}


def test_witness_members_are_members():
    # every rank order gives a member of the class (MCS orientation of each component)
    names = ["k4", "kite", "two_triangles", "wheel", "long", "diamond", *WITNESS_GRAPHS]
    for name in names:
        dag = WITNESS_GRAPHS.get(name) or GRAPHS[name]
        ms = set(members(dag))
        searcher = _Searcher(_cpdag_of(dag))
        n = len(dag)
        for rank in itertools.islice(itertools.permutations(range(n)), 0, None, 7):
            assert searcher.member(rank) in ms, (name, rank)


def test_mpdag_witnesses_are_off_and_cpdag_witnesses_on():
    p = _cpdag_of(complete(4))
    assert _Searcher(p)._use_witnesses
    assert not _Searcher(p, witnesses=False)._use_witnesses
    comps = completions(members(complete(4)), [(0, 3)])
    assert not _Searcher(closure_of(comps))._use_witnesses
    # every chain component is found, wherever it lies
    for dag in WITNESS_GRAPHS.values():
        assert _Searcher(_cpdag_of(dag))._use_witnesses
    # no undirected edge: nothing to witness
    assert not _Searcher(_cpdag_of(GRAPHS["collider"]))._use_witnesses


def test_search_without_witnesses_matches_on_a_complete_graph():
    n = 5
    p = _cpdag_of(complete(n))
    searcher = _Searcher(p, witnesses=False)
    got = [[searcher.label(r, x, y) for r in range(6)] for x, y in ref_pairs(n)]
    assert got == [[NEUTRAL] * 6] * comb(n, 2)
    assert searcher.witnessed == 0
    assert searcher.nodes > 0


def test_branching_stays_inside_the_relevant_region():
    # module docstring: only edges that can change a bound are branched on. A complete
    # component far from the pair costs nothing: the number of search nodes is the same as
    # without it.
    small = GRAPHS["long"]  # A - B - C - D - E - F
    big = (*small, 0, 1 << 6, 3 << 6, 7 << 6)  # K4 on nodes 6..9
    counts = []
    for dag in (small, big):
        searcher = _Searcher(_cpdag_of(dag), witnesses=False)
        labels = [searcher.label(r, 0, 5) for r in range(6)]
        # parent, non-parent ancestor, child, non-child descendant, collider, confounder
        assert labels == [CONTRADICTION, NEUTRAL, CONTRADICTION, NEUTRAL, CONTRADICTION, NEUTRAL]
        counts.append(searcher.nodes)
    assert counts[0] == counts[1]


# ---- shape, dtype, progress --------------------------------------------------------------------


@pytest.mark.parametrize("n", [1, 2, 5])
def test_shape_and_dtype(n):
    p = Pdag((0,) * n, (0,) * n)
    got = exact_label3(p)
    assert got.dtype == np.int8
    assert got.shape == (comb(n, 2), 6)
    assert (got == CONTRADICTION).all()  # no edges: nothing holds anywhere


def test_progress_reports_every_pair():
    calls: list[tuple[int, int]] = []
    exact_label3(
        _cpdag_of(GRAPHS["m_bias"]), progress=lambda done, total: calls.append((done, total))
    )
    assert calls == [(k, 10) for k in range(1, 11)]


# ---- where the search branches -----------------------------------------------------------------


def _poss_reach(
    d: Sequence[int],
    u: Sequence[int],
    s: int,
    *,
    forward: bool,
    removed: int = -1,
    region: set[int] | None = None,
) -> dict[int, int]:
    """BFS distances from ``s`` by possibly directed steps (``u - v`` or ``u -> v``; backwards
    if not ``forward``), never entering ``removed``, only inside ``region`` if given."""
    n = len(d)
    dist = {s: 0}
    frontier = [s]
    while frontier:
        nxt = []
        for v in frontier:
            for w in range(n):
                step = u[v] >> w & 1 or (d[w] >> v & 1 if forward else d[v] >> w & 1)
                inside = region is None or w in region
                if step and inside and w != removed and w not in dist:
                    dist[w] = dist[v] + 1
                    nxt.append(w)
        frontier = nxt
    return dist


def _undirected_inside(u: Sequence[int], region: Iterable[int]) -> list[Edge]:
    nodes = set(region)
    return [(a, b) for a in nodes for b in nodes if a < b and u[b] >> a & 1]


def _expected_branch_region(d, u, relation, x, y):
    """Per source in search order: (source, BFS distances inside its region, forward)."""
    if relation == 3:
        relation, x, y = 1, y, x
    if relation == 1:
        de = _poss_reach(d, u, x, forward=True)
        an = _poss_reach(d, u, y, forward=False)
        region = set(de) & set(an)
        # distances from x inside the region (the search walks inside it)
        dist = _poss_reach(d, u, x, forward=True, region=region)
        return [(x, dist, True)]
    forward = relation == 4
    out = []
    for s, t in ((x, y), (y, x)):
        reach = _poss_reach(d, u, s, forward=forward, removed=t)
        out.append((s, reach, forward))
    return out


def _branch_states():
    """CPDAGs of GRAPHS and MPDAGs from them (closed by the oracle)."""
    states = [_cpdag_of(dag) for dag in GRAPHS.values()]
    states += [closure_of(comps) for _, _, comps, _ in _mpdag_cases(seed=7, count=40)]
    states += [_cpdag_of(complete(5)), closure_of(completions(members(complete(5)), [(1, 3)]))]
    return states


def test_branching_edge_is_undirected_inside_the_region_and_points_away_from_the_source():
    # module docstring: only undirected edges inside the region of the relation are branched
    # on (ancestry: PossDe(x) & PossAn(y); collider: x and its possible descendants avoiding
    # y, then the same for y; confounder: the same with ancestors), the first one met by a
    # breadth-first search from the source, oriented the way that helps the relation hold
    # (away from the source for ancestry and colliders, towards it for confounders)
    checked = 0
    for p in _branch_states():
        d, u = p.directed, p.undirected
        for x, y in ref_pairs(p.n):
            for relation in (1, 3, 4, 5):
                edge = _Oracle(relation, x, y).branch(d, u)
                regions = _expected_branch_region(d, u, relation, x, y)
                with_edges = [
                    (s, dist, fw) for s, dist, fw in regions if _undirected_inside(u, dist)
                ]
                if not with_edges:
                    assert edge is None, (p, relation, x, y)
                    continue
                _, dist, forward = with_edges[0]
                assert edge is not None, (p, relation, x, y)
                a, b = edge
                assert u[b] >> a & 1, (p, relation, x, y, edge)
                assert a in dist and b in dist, (p, relation, x, y, edge)
                near, far = (a, b) if forward else (b, a)
                assert dist[near] <= dist[far], (p, relation, x, y, edge)
                # the first edge met: its nearer end is at the smallest distance of any edge
                first = min(min(dist[v], dist[w]) for v, w in _undirected_inside(u, dist))
                assert dist[near] == first, (p, relation, x, y, edge)
                checked += 1
    assert checked > 500


def _documented_bounds(d, u, relation, x, y):
    """``(lower, upper)`` as the module docstring defines them, by plain graph search."""
    if relation == 3:
        relation, x, y = 1, y, x
    n = len(d)
    none = (0,) * n
    out = []
    for und in (none, u):  # lower: directed edges only; upper: undirected edges either way
        if relation == 1:
            kids = [c for c in range(n) if c != y and (d[c] >> x & 1 or und[c] >> x & 1)]
            holds = any(y in _poss_reach(d, und, c, forward=True, removed=x) for c in kids)
        else:
            forward = relation == 4
            from_x = _poss_reach(d, und, x, forward=forward, removed=y)
            from_y = _poss_reach(d, und, y, forward=forward, removed=x)
            holds = bool((set(from_x) & set(from_y)) - {x, y})
        out.append(holds)
    return out[0], out[1]


def test_bounds_are_the_documented_relaxations():
    # lower: the relation on the directed edges alone; upper: the relation when every
    # undirected edge may be used either way, never re-entering x (module docstring)
    for p in _branch_states():
        d, u = p.directed, p.undirected
        for x, y in ref_pairs(p.n):
            for relation in (1, 3, 4, 5):
                want = _documented_bounds(d, u, relation, x, y)
                lower, upper = want
                assert _Oracle(relation, x, y).bounds(d, u) == (lower, upper or lower), (
                    p,
                    relation,
                    x,
                    y,
                )


def test_exact_label3_uses_the_witnesses_by_default_and_not_when_told():
    # the witnesses option reaches the search: by default the complete K5 is decided by the
    # witnesses alone (no search node), with witnesses=False by the search alone
    made: list[_Searcher] = []

    def spy(*args, **kwargs):
        made.append(_Searcher(*args, **kwargs))
        return made[-1]

    p = _cpdag_of(complete(5))
    with mock.patch.object(exact_labels, "_Searcher", side_effect=spy):
        default = exact_label3(p)
        searched = exact_label3(p, witnesses=False)
    np.testing.assert_array_equal(default, searched)
    assert (made[0].witnessed, made[0].nodes) == (4 * comb(5, 2), 0)
    assert made[1].witnessed == 0 and made[1].nodes > 0
