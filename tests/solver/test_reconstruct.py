"""Rebuilding the equivalence class from the stated facts, and detecting inconsistent premises."""

from __future__ import annotations

import itertools

import networkx as nx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from corr2cause.causal import cpdag, d_separation_statements
from corr2cause.graphs import from_edges, is_acyclic, node_names, pairs
from corr2cause.solver import (
    InconsistentPremiseError,
    ParsedPremise,
    SolverError,
    parse_premise,
    reconstruct,
)
from corr2cause.solver.reconstruct import _is_chordal


def premise_from_statements(n: int, statements) -> ParsedPremise:
    """A parsed premise stating ``statements`` and, as correlations, every other pair."""
    statements = frozenset(statements)
    marginal = {(i, j) for i, j, z in statements if z == 0}
    correlations = frozenset(p for p in pairs(n) if p not in marginal)
    return ParsedPremise(n, tuple(node_names(n)), correlations, statements)


def all_statements(n: int) -> list[tuple[int, int, int]]:
    """Every conceivable statement (i, j, Z) on n nodes."""
    full = (1 << n) - 1
    out = []
    for i, j in pairs(n):
        rest = full & ~(1 << i) & ~(1 << j)
        out += [(i, j, z) for z in range(1 << n) if z & ~rest == 0]
    return out


def labeled_dag_statement_sets(n: int) -> frozenset[frozenset[tuple[int, int, int]]]:
    """Brute force: the statement sets of all labeled DAGs on n nodes (every orientation)."""
    out = set()
    prs = pairs(n)
    for choice in itertools.product((0, 1, 2), repeat=len(prs)):
        edges = [(i, j) if c == 1 else (j, i) for (i, j), c in zip(prs, choice, strict=True) if c]
        dag = from_edges(n, edges)
        if is_acyclic(dag):
            out.add(frozenset(d_separation_statements(dag)))
    return frozenset(out)


def _minimal_sets(full: frozenset[tuple[int, int, int]]) -> frozenset[tuple[int, int, int]]:
    """Inclusion-minimal separating sets of each pair (written out here, independently)."""
    return frozenset(
        (i, j, z)
        for i, j, z in full
        if not any(a == i and b == j and w != z and w & z == w for a, b, w in full)
    )


def accepted_statement_sets(n: int) -> frozenset[frozenset[tuple[int, int, int]]]:
    """Premises the solver must accept: every DAG's full list, or its minimal (issue 7) list."""
    full = labeled_dag_statement_sets(n)
    return full | frozenset(_minimal_sets(f) for f in full)


def test_collider(collider_premise):
    rec = reconstruct(parse_premise(collider_premise))
    assert rec.v_structures == ((0, 2, 1),)
    assert rec.cpdag.directed_edges() == [(0, 2), (1, 2)]
    assert rec.cpdag.undirected_edges() == []
    assert rec.members == ((0, 0, 0b011),)


def test_chain(chain_premise):
    rec = reconstruct(parse_premise(chain_premise))
    assert rec.v_structures == ()
    assert rec.cpdag.undirected_edges() == [(0, 1), (1, 2)]
    assert len(rec.members) == 3


@pytest.mark.parametrize("n", [2, 3, 4, 5, 6])
def test_every_class_is_rebuilt_as_the_core_builds_it(n, core_classes, premise_of):
    for cls in core_classes(n):
        rec = reconstruct(parse_premise(premise_of(cls.parents)))
        assert rec.cpdag == cpdag(cls.parents), cls.mec_id
        assert rec.members == cls.members, cls.mec_id


@pytest.mark.parametrize("n", [3, 4, 5])
def test_relation_table_matches_core_counts(n, core_classes, premise_of):
    for cls in core_classes(n):
        rec = reconstruct(parse_premise(premise_of(cls.parents)))
        table = rec.table
        assert [list(row) for row in table.counts] == cls.holds_counts().tolist()
        for p, r in itertools.product(range(len(table.counts)), range(6)):
            assert (table.first_holds[p][r] >= 0) == (table.counts[p][r] > 0)
            assert (table.first_fails[p][r] >= 0) == (table.counts[p][r] < table.size)


@pytest.mark.parametrize("n", [3, 4])
def test_one_statement_added_or_removed_is_inconsistent(n):
    """Exhaustive: toggling any statement of any DAG's premise leaves no DAG (brute force)."""
    valid = accepted_statement_sets(n)
    universe = all_statements(n)
    checked = 0
    for stated in valid:
        assert reconstruct(premise_from_statements(n, stated)).members
        for s in universe:
            toggled = stated ^ {s}
            if toggled in valid:
                continue
            with pytest.raises(InconsistentPremiseError) as info:
                reconstruct(premise_from_statements(n, toggled))
            assert info.value.sentence and info.value.sentence in str(info.value)
            checked += 1
    assert checked >= len(valid) * 3  # each set has several invalid neighbours


@settings(max_examples=200, deadline=None)
@given(st.sets(st.sampled_from(all_statements(4))))
def test_random_statement_sets_match_brute_force(statements):
    consistent = frozenset(statements) in _VALID4
    try:
        rec = reconstruct(premise_from_statements(4, statements))
    except InconsistentPremiseError:
        assert not consistent
    else:
        assert consistent
        for m in rec.members:
            full = frozenset(d_separation_statements(m))
            assert statements in (full, _minimal_sets(full))


_VALID4 = accepted_statement_sets(4)


FRAME = (
    "Suppose there is a closed system of {n} variables, {names}. All the statistical relations "
    "among these {n} variables are as follows: "
)


def _premise(names: str, n: int, body: str) -> ParsedPremise:
    return parse_premise(FRAME.format(n=n, names=names) + body)


def test_conflicting_colliders_name_both_sentences():
    # A-B-C with A _||_ C makes A -> B <- C; B-A-D with B _||_ D makes B -> A <- D.
    p = _premise(
        "A, B, C and D",
        4,
        "A correlates with B. A correlates with D. B correlates with C. However, "
        "A is independent of C. B is independent of D. C is independent of D.",
    )
    with pytest.raises(InconsistentPremiseError) as info:
        reconstruct(p)
    message = str(info.value)
    assert "'B is independent of D.'" in message and "'However, A is independent of C.'" in message
    assert "collider" in message


def test_separating_sets_disagreeing_about_a_neighbour():
    p = _premise(
        "A, B and C",
        3,
        "A correlates with B. B correlates with C. However, A is independent of C. "
        "A and C are independent given B.",
    )
    with pytest.raises(InconsistentPremiseError, match="disagree about B"):
        reconstruct(p)


def test_pair_both_correlated_and_independent(collider_premise):
    p = parse_premise(collider_premise + " A correlates with B.")
    with pytest.raises(InconsistentPremiseError, match=r"states both 'A correlates with B\.'"):
        reconstruct(p)


def test_missing_correlation(collider_premise):
    p = parse_premise(collider_premise.replace("B correlates with C. ", ""))
    with pytest.raises(InconsistentPremiseError, match=r"lacks 'B correlates with C\.'"):
        reconstruct(p)


def test_omitted_independence_is_named(premise_of):
    chain4 = (0, 0b0001, 0b0010, 0b0100)  # A -> B -> C -> D
    text = premise_of(chain4)
    assert " A and D are independent given B and C." in text
    p = parse_premise(text.replace(" A and D are independent given B and C.", ""))
    with pytest.raises(InconsistentPremiseError, match="omits 'A and D are independent given B"):
        reconstruct(p)


def test_size_limits(premise_of):
    complete7 = premise_of(tuple((1 << v) - 1 for v in range(7)))  # 7! = 5040 members
    with pytest.raises(SolverError, match="more than 100 member DAGs"):
        reconstruct(parse_premise(complete7), max_members=100)
    with pytest.raises(SolverError, match="at most 6"):
        reconstruct(parse_premise(complete7), max_nodes=6)
    assert len(reconstruct(parse_premise(complete7)).members) == 5040


def test_chordless_cycle_without_colliders_is_inconsistent():
    """Skeleton = a 9-cycle, every common neighbour in the separating sets: no DAG orients it."""
    n = 9
    full = (1 << n) - 1
    cycle = {(i, (i + 1) % n) for i in range(n)}
    statements = {
        (i, j, full & ~(1 << i) & ~(1 << j))
        for i, j in pairs(n)
        if (i, j) not in cycle and (j, i) not in cycle
    }
    with pytest.raises(InconsistentPremiseError, match="cycle without chords"):
        reconstruct(premise_from_statements(n, statements))


@settings(max_examples=300, deadline=None)
@given(
    st.integers(1, 8).flatmap(
        lambda n: st.lists(st.booleans(), min_size=n * (n - 1) // 2, max_size=n * (n - 1) // 2).map(
            lambda bits: (n, bits)
        )
    )
)
def test_chordality_check_matches_networkx(case):
    n, bits = case
    graph = nx.Graph()
    graph.add_nodes_from(range(n))
    neighbours = [0] * n
    for (i, j), bit in zip(pairs(n), bits, strict=True):
        if bit:
            graph.add_edge(i, j)
            neighbours[i] |= 1 << j
            neighbours[j] |= 1 << i
    assert _is_chordal(tuple(neighbours)) == nx.is_chordal(graph)


@pytest.mark.parametrize("n", [5, 6])
def test_real_premises_with_a_statement_removed_or_added(n, core_classes):
    """Sampled classes: drop each stated independence, or add one the DAG lacks.

    The result must be rejected, unless it happens to be exactly another DAG's statement set
    (e.g. dropping the only statement of a pair adds an edge), which the solver must then
    rebuild exactly.
    """
    universe = all_statements(n)
    rejected = total = 0
    for cls in core_classes(n)[::40]:
        stated = frozenset(d_separation_statements(cls.parents))
        changes = [stated - {s} for s in stated]
        changes += [
            stated | {s} for s in universe[:: max(len(universe) // 12, 1)] if s not in stated
        ]
        for toggled in changes:
            total += 1
            try:
                rec = reconstruct(premise_from_statements(n, toggled))
            except InconsistentPremiseError:
                rejected += 1
            else:
                assert frozenset(d_separation_statements(rec.members[0])) == toggled
    assert rejected >= 0.9 * total  # measured: 161 of 162 (N=5), 2606 of 2652 (N=6)
