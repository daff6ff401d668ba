"""The contract of :mod:`corr2cause.solver.reconstruct`: premise -> CPDAG, members, table, errors.

Each consistent case is a small DAG written by hand for one situation of the PC algorithm and
Meek's rules (a v-structure alone, R1, R2, R3, an undirected chain, a fork next to a collider).
Its expected CPDAG is worked out by hand in the comment, and checked twice more against
independent references from ``tests/oracle.py``, which never imports the package: the premise
text is rendered from networkx d-separation, the member DAGs are found by brute force over every
orientation of the skeleton, and the relation counts by path enumeration. Inconsistent premises
must raise the exact error type, message and offending sentence. Each test takes milliseconds
(the fast kill tests of ``make mutation`` for the reconstruction).
"""

from __future__ import annotations

import itertools

import networkx as nx
import pytest

import oracle
from corr2cause.causal import RELATIONS
from corr2cause.graphs import node_names, pairs
from corr2cause.solver.errors import InconsistentPremiseError, SolverError
from corr2cause.solver.parse import ParsedPremise, parse_premise, render_fact
from corr2cause.solver.reconstruct import (
    DEFAULT_MAX_MEMBERS,
    DEFAULT_MAX_NODES,
    RelationTable,
    _is_chordal,
    reconstruct,
)


def nx_dag(n: int, edges: str) -> nx.DiGraph:
    """``nx_dag(3, "AC BC")``: the DAG A -> C <- B on the names A, B, C."""
    g = nx.DiGraph()
    g.add_nodes_from(node_names(n))
    g.add_edges_from((e[0], e[1]) for e in edges.split())
    return g


def parents_of(g: nx.DiGraph, names: tuple[str, ...]) -> tuple[int, ...]:
    return tuple(sum(1 << names.index(u) for u in g.predecessors(v)) for v in names)


def edge_list(text: str) -> list[tuple[int, int]]:
    """``"AB CD"`` -> ``[(0, 1), (2, 3)]``."""
    return [(ord(e[0]) - 65, ord(e[1]) - 65) for e in text.split()]


# (n, DAG edges, CPDAG directed edges, CPDAG undirected edges, v-structures, member count)
CASES = {
    # the collider A -> C <- B: both edges compelled by the v-structure
    "v-structure": (3, "AC BC", "AC BC", "", [(0, 2, 1)], 1),
    # A -> B -> C: no v-structure, nothing compelled; chain, reverse chain and fork
    "chain": (3, "AB BC", "", "AB BC", [], 3),
    # no edges at all, and the complete graph (every order is a member)
    "empty": (3, "", "", "", [], 1),
    "complete": (3, "AB AC BC", "", "AB AC BC", [], 6),
    # R1: A -> C <- B and C - D with A, D non-adjacent: C -> D
    "R1": (4, "AC BC CD", "AC BC CD", "", [(0, 2, 1)], 1),
    # R2: A -> B <- C, then B -> D by R1 (C, D non-adjacent), then A -> B -> D and A - D: A -> D
    "R2": (4, "AB CB BD AD", "AB AD BD CB", "", [(0, 1, 2)], 1),
    # R3: B -> C <- D with B, D non-adjacent, A adjacent to B, C, D (A - B, A - D): A -> C;
    # A - B and A - D stay undirected (3 orientations without a collider at A)
    "R3": (4, "AB AD BC DC AC", "AC BC DC", "AB AD", [(1, 2, 3)], 3),
    # a fork A - B, A - C above the collider B -> D <- C: the fork stays undirected
    "diamond": (4, "AB AC BD CD", "BD CD", "AB AC", [(1, 3, 2)], 3),
    # an undirected edge upstream of a collider: A - B stays, B -> D <- C
    "upstream": (4, "AB BD CD", "BD CD", "AB", [(1, 3, 2)], 2),
    # two v-structures sharing a parent: A -> C <- B and B -> D <- E (N = 5)
    "two colliders": (5, "AC BC BD ED", "AC BC BD ED", "", [(0, 2, 1), (1, 3, 4)], 1),
}


@pytest.fixture(scope="module")
def premises() -> dict[str, str]:
    """Each case's premise, rendered by the oracle from networkx d-separation."""
    return {
        name: oracle.render_premise(nx_dag(n, edges), node_names(n))
        for name, (n, edges, *_) in CASES.items()
    }


@pytest.mark.parametrize("case", CASES)
def test_cpdag_members_and_colliders_of_each_meek_situation(case, premises) -> None:
    n, edges, directed, undirected, v_structures, size = CASES[case]
    names = tuple(node_names(n))
    rec = reconstruct(parse_premise(premises[case]))
    assert (rec.n, rec.names) == (n, names)
    # hand-worked
    assert rec.cpdag.directed_edges() == edge_list(directed)
    assert rec.cpdag.undirected_edges() == edge_list(undirected)
    assert list(rec.v_structures) == v_structures
    assert len(rec.members) == size
    # skeleton: exactly the DAG's edges, in both directions
    g = nx_dag(n, edges)
    assert rec.skeleton == tuple(
        sum(1 << names.index(u) for u in nx.all_neighbors(g, v)) for v in names
    )
    # brute force (oracle): the members are every orientation with exactly these statements
    brute = sorted(parents_of(m, names) for m in oracle.members(premises[case]))
    assert list(rec.members) == brute  # sorted, as documented
    assert parents_of(g, names) in rec.members
    # and the CPDAG's directed edges are those that point the same way in every member
    compelled = [
        (u, v)
        for u, v in itertools.permutations(range(n), 2)
        if all(m[v] >> u & 1 for m in rec.members)
    ]
    assert sorted(rec.cpdag.directed_edges()) == sorted(compelled)


@pytest.mark.parametrize("case", ["chain", "R3", "diamond", "upstream", "v-structure"])
def test_relation_table_counts_and_witness_indices_by_path_enumeration(case, premises) -> None:
    n = CASES[case][0]
    names = tuple(node_names(n))
    rec = reconstruct(parse_premise(premises[case]))
    by_mask = {parents_of(m, names): m for m in oracle.members(premises[case])}
    dags = [by_mask[m] for m in rec.members]
    table = rec.table
    assert table is rec.table  # computed once
    assert table.size == len(rec.members)
    for p, (i, j) in enumerate(pairs(n)):
        for r, relation in enumerate(RELATIONS):
            predicate, swapped = oracle.RELATION_PREDICATE[relation]
            x, y = (names[j], names[i]) if swapped else (names[i], names[j])
            verdicts = [oracle.holds(g, predicate, x, y) for g in dags]
            assert table.counts[p][r] == sum(verdicts), (case, i, j, relation)
            first_h = verdicts.index(True) if True in verdicts else -1
            first_f = verdicts.index(False) if False in verdicts else -1
            assert (table.first_holds[p][r], table.first_fails[p][r]) == (first_h, first_f)


def test_relation_table_of_hand_picked_members() -> None:
    # members: A -> B, then B -> A (N = 2, one pair); hand-counted
    table = RelationTable.from_members([(0, 0b01), (0b10, 0)])
    assert table.size == 2
    assert table.counts == ((1, 0, 1, 0, 0, 0),)
    assert table.first_holds == ((0, -1, 1, -1, -1, -1),)
    assert table.first_fails == ((1, 0, 0, 0, 0, 0),)
    # A -> C <- B, A -> B (N = 3): pairs (A,B), (A,C), (B,C)
    table = RelationTable.from_members([(0, 0b001, 0b011)])
    assert table.counts == (
        (1, 0, 0, 0, 1, 0),  # A -> B; C is a common effect of A and B
        (1, 1, 0, 0, 0, 0),  # A -> C and A -> B -> C
        (1, 0, 0, 0, 0, 1),  # B -> C; A causes both B and C
    )


def test_minimal_style_premise_is_accepted() -> None:
    # A -> B -> C -> D, only the inclusion-minimal separating sets (SPEC section 4, issue 7)
    names = "A, B, C and D"
    text = (
        f"Suppose there is a closed system of 4 variables, {names}. All the statistical "
        "relations among these 4 variables are as follows: A correlates with B. A correlates "
        "with C. A correlates with D. B correlates with C. B correlates with D. C correlates "
        "with D. However, A and C are independent given B. A and D are independent given B. "
        "A and D are independent given C. B and D are independent given C."
    )
    rec = reconstruct(parse_premise(text))
    assert rec.cpdag.undirected_edges() == [(0, 1), (1, 2), (2, 3)]
    assert rec.cpdag.directed_edges() == []
    assert len(rec.members) == 4  # a path of 4 nodes: one member per choice of source


def test_largest_class_within_the_member_limit() -> None:
    complete4 = oracle.render_premise(nx_dag(4, "AB AC AD BC BD CD"), node_names(4))
    assert len(reconstruct(parse_premise(complete4), max_members=24).members) == 24  # 4!
    with pytest.raises(SolverError) as info:
        reconstruct(parse_premise(complete4), max_members=23)
    assert str(info.value) == (
        "the premise's equivalence class has more than 23 member DAGs; raise max_members to "
        "solve it"
    )
    assert type(info.value) is SolverError


def test_node_limit() -> None:
    assert (DEFAULT_MAX_NODES, DEFAULT_MAX_MEMBERS) == (12, 50_000)
    p = ParsedPremise(13, tuple(f"V{i}" for i in range(13)), frozenset(pairs(13)), frozenset())
    with pytest.raises(SolverError) as info:
        reconstruct(p)
    assert str(info.value) == (
        "the premise has 13 variables; this solver verifies premises of at most 12 (its check "
        "is exponential in N)"
    )
    three = parse_premise(oracle.render_premise(nx_dag(3, "AB"), node_names(3)))
    assert reconstruct(three, max_nodes=3).members == ((0, 0b001, 0), (0b010, 0, 0))
    with pytest.raises(SolverError, match="at most 2 "):
        reconstruct(three, max_nodes=2)


# --- inconsistent premises: the exact error ---------------------------------------------------


def frame(n: int) -> str:
    names = ", ".join(node_names(n)[:-1]) + " and " + node_names(n)[-1]
    return (
        f"Suppose there is a closed system of {n} variables, {names}. All the statistical "
        f"relations among these {n} variables are as follows: "
    )


COLLIDER = frame(3) + "A correlates with C. B correlates with C. However, A is independent of B."


def raised(text_or_premise: str | ParsedPremise) -> InconsistentPremiseError:
    premise = (
        parse_premise(text_or_premise) if isinstance(text_or_premise, str) else text_or_premise
    )
    with pytest.raises(InconsistentPremiseError) as info:
        reconstruct(premise)
    return info.value


def test_pair_stated_both_correlated_and_independent() -> None:
    err = raised(COLLIDER + " A correlates with B.")
    assert str(err) == (
        "the premise states both 'A correlates with B.' and 'However, A is independent of B.'"
    )
    assert err.sentence == "However, A is independent of B."


def test_missing_correlation() -> None:
    err = raised(COLLIDER.replace("B correlates with C. ", ""))
    assert str(err) == (
        "the premise is incomplete: it lacks 'B correlates with C.' (every pair that is not "
        "independent must be stated to correlate), yet never states B and C independent"
    )
    assert err.sentence == "B correlates with C."


def test_separating_sets_disagree_about_a_common_neighbour() -> None:
    err = raised(
        frame(3) + "A correlates with B. B correlates with C. However, A is independent of C. "
        "A and C are independent given B."
    )
    assert str(err) == (
        "no DAG satisfies the premise: the sentences 'A and C are independent given B.' and "
        "'However, A is independent of C.' disagree about B, a common neighbour of A and C (in "
        "a DAG it lies in every set that separates them, or in none)"
    )
    assert err.sentence == "However, A is independent of C."


def test_disagreement_found_in_a_later_set() -> None:
    # B is a common neighbour of A and C; of the three sets only the last one lacks B
    err = raised(
        frame(4) + "A correlates with B. A correlates with C. B correlates with C. However, A "
        "and C are independent given B and D. A is independent of D. B is independent of D. "
        "C is independent of D. A and C are independent given D. A and C are independent given B."
    )
    assert err.sentence == "A and C are independent given D."
    assert str(err).startswith(
        "no DAG satisfies the premise: the sentences 'A and C are independent given B.' and "
        "'A and C are independent given D.' disagree about B, a common neighbour of A and C"
    )


def test_conflicting_colliders_name_both_sentences() -> None:
    # A - B - C with A _||_ C makes A -> B <- C; B - A - D with B _||_ D makes B -> A <- D
    err = raised(
        frame(4) + "A correlates with B. A correlates with D. B correlates with C. However, "
        "A is independent of C. B is independent of D. C is independent of D."
    )
    assert str(err) == (
        "no DAG satisfies the premise: 'B is independent of D.' makes A a collider of B and D "
        "(B -> A), but 'However, A is independent of C.' makes B a collider of A and C "
        "(A -> B)"
    )
    assert err.sentence == "B is independent of D."


def test_conflicting_colliders_on_the_second_parent() -> None:
    # A _||_ C makes A -> B <- C; then B _||_ D makes B -> C <- D, against C -> B
    err = raised(
        frame(4) + "A correlates with B. B correlates with C. C correlates with D. However, "
        "A is independent of C. A is independent of D. B is independent of D."
    )
    assert str(err) == (
        "no DAG satisfies the premise: 'B is independent of D.' makes C a collider of B and D "
        "(B -> C), but 'However, A is independent of C.' makes B a collider of A and C "
        "(C -> B)"
    )
    assert err.sentence == "B is independent of D."


def test_extra_independence() -> None:
    # A -> B -> C -> D with A _||_ D stated (instead of A correlates with D)
    chain = oracle.render_premise(nx_dag(4, "AB BC CD"), node_names(4))
    text = chain.replace("A correlates with D. ", "") + " A is independent of D."
    err = raised(text)
    assert str(err) == (
        "no DAG satisfies the premise: the sentence 'A is independent of D.' does not hold in "
        "the only equivalence class its other statements allow (CPDAG A - B, B - C, C - D)"
    )
    assert err.sentence == "A is independent of D."


def test_omitted_independence() -> None:
    chain = oracle.render_premise(nx_dag(4, "AB BC CD"), node_names(4))
    dropped = " A and D are independent given B and C."
    assert dropped in chain
    err = raised(chain.replace(dropped, ""))
    assert str(err) == (
        "no DAG satisfies the premise: it omits 'A and D are independent given B and C.', which "
        "holds in every DAG with the skeleton and colliders its statements determine (CPDAG "
        "A - B, B - C, C - D); a premise lists every independence (or, in the minimal style, "
        "every minimal separating set)"
    )
    assert err.sentence == "A and D are independent given B and C."


def statements_premise(n: int, statements: set[tuple[int, int, int]]) -> ParsedPremise:
    """The premise stating ``statements`` and every other pair as correlated (canonical text)."""
    marginal = {(i, j) for i, j, z in statements if z == 0}
    return ParsedPremise(
        n,
        tuple(node_names(n)),
        frozenset(p for p in pairs(n) if p not in marginal),
        frozenset(statements),
    )


CYCLE4 = {(0, 2, 0b1010), (1, 3, 0b0101)}
"""A - B - C - D - A, each non-adjacent pair separated by both common neighbours."""


def test_chordless_cycle_next_to_a_collider() -> None:
    # the 4-cycle cannot be oriented without a collider; E -> G <- F elsewhere is fine
    far = {(u, v, 0) for u in range(4) for v in range(4, 7)} | {(4, 5, 0)}
    err = raised(statements_premise(7, CYCLE4 | far))
    assert str(err) == (
        "no DAG satisfies the premise: the colliders its independencies imply (E -> G <- F; from "
        "'E is independent of F.') cannot be completed to a DAG on the skeleton they determine "
        "(E -> G, F -> G, A - B, A - D, B - C, C - D) without a directed cycle or another "
        "collider"
    )
    assert err.sentence == "E is independent of F."


def test_chordless_cycle_next_to_colliders_from_two_sentences() -> None:
    # E -> H <- F from E _||_ F, and G -> H from E _||_ G (F _||_ G adds no new edge)
    far = {(u, v, 0) for u in range(4) for v in range(4, 8)}
    far |= {(4, 5, 0), (4, 6, 0), (5, 6, 0)}
    err = raised(statements_premise(8, CYCLE4 | far))
    assert str(err) == (
        "no DAG satisfies the premise: the colliders its independencies imply (E -> H <- F, "
        "E -> H <- G, F -> H <- G; from 'E is independent of F.', 'E is independent of G.') "
        "cannot be completed to a DAG on the skeleton they determine (E -> H, F -> H, G -> H, "
        "A - B, A - D, B - C, C - D) without a directed cycle or another collider"
    )
    assert err.sentence == "E is independent of F."


def test_chordless_cycle_without_colliders_names_the_first_ruled_out_collider() -> None:
    # the 5-cycle A - B - C - D - E - A, each non-adjacent pair separated by all other nodes
    n = 5
    cycle = {(0, 1), (1, 2), (2, 3), (3, 4), (0, 4)}
    statements = {
        (i, j, 0b11111 & ~(1 << i) & ~(1 << j)) for i, j in pairs(n) if (i, j) not in cycle
    }
    err = raised(statements_premise(n, statements))
    first = render_fact((0, 2, 0b11010), node_names(n))
    assert first == "A and C are independent given B, D and E."
    assert str(err) == (
        "no DAG satisfies the premise: its independencies allow no collider at all, but the "
        "skeleton they determine (A - B, A - E, B - C, C - D, D - E) has a cycle without chords, "
        f"which no DAG orients without a collider; e.g. '{first}' rules out A -> B <- C"
    )
    assert err.sentence == first


# --- the chordality test ------------------------------------------------------------------------


def test_chordality_of_every_graph_up_to_five_nodes_matches_networkx() -> None:
    for n in range(1, 6):
        prs = pairs(n)
        for bits in range(1 << len(prs)):
            graph = nx.Graph()
            graph.add_nodes_from(range(n))
            neighbours = [0] * n
            for k, (i, j) in enumerate(prs):
                if bits >> k & 1:
                    graph.add_edge(i, j)
                    neighbours[i] |= 1 << j
                    neighbours[j] |= 1 << i
            assert _is_chordal(tuple(neighbours)) == nx.is_chordal(graph), (n, bits)


@pytest.mark.parametrize("n", [6, 7, 8])
def test_long_cycles_are_not_chordal_and_a_chord_fan_is(n) -> None:
    cycle = [(1 << (v - 1) % n) | (1 << (v + 1) % n) for v in range(n)]
    assert not _is_chordal(tuple(cycle))
    fan = list(cycle)  # chords from node 0 to every other node triangulate the cycle
    for v in range(2, n - 1):
        fan[0] |= 1 << v
        fan[v] |= 1
    assert _is_chordal(tuple(fan))
