"""Meek's rule R4: where it fires, and why it never fires from a pattern.

Meek (1995, Theorem 3) showed that rules R1-R3 applied to the *pattern* of a DAG (its skeleton
with only the v-structure edges directed) already give the CPDAG; R4 is needed only when extra
orientations (background knowledge) are added. In this package patterns reach
:func:`~corr2cause.causal.meek_closure` from :func:`~corr2cause.causal.cpdag`, and oriented
PDAGs only inside :func:`~corr2cause.causal.mec_members`, whose every leaf is re-checked for
acyclicity and v-structures. So deleting R4 changes no output (the issue 17 observation); it
only lets the member search walk into dead ends. The tests pin both halves of that claim
against a closure written here, and give the configuration where R4, and only R4, fires.
"""

from __future__ import annotations

import itertools
import random

import pytest
from causal_reference import all_labeled_dags, ref_is_acyclic, ref_mask_to_dag, ref_relabel

from corr2cause.causal import Pdag, cpdag, mec_members, meek_closure, pattern

Edges = frozenset[tuple[int, int]]


def closure(directed: Edges, undirected: Edges, rules: str) -> tuple[Edges, Edges]:
    """Meek's rules (those named in ``rules``, e.g. ``"123"``) on edge sets, to a fixpoint."""
    d, u = set(directed), {frozenset(e) for e in undirected}

    def adj(a: int, b: int) -> bool:
        return (a, b) in d or (b, a) in d or frozenset((a, b)) in u

    nodes = {v for e in directed | undirected for v in e}
    changed = True
    while changed:
        changed = False
        for a, b in itertools.permutations(sorted(nodes), 2):
            if frozenset((a, b)) not in u:
                continue
            others = nodes - {a, b}
            fire = (
                ("1" in rules and any((c, a) in d and not adj(c, b) for c in others))
                or ("2" in rules and any((a, c) in d and (c, b) in d for c in others))
                or (
                    "3" in rules
                    and any(
                        frozenset((a, c)) in u
                        and (c, b) in d
                        and frozenset((a, e)) in u
                        and (e, b) in d
                        and not adj(c, e)
                        for c, e in itertools.combinations(others, 2)
                    )
                )
                or (
                    "4" in rules
                    and any(
                        frozenset((a, c)) in u
                        and (c, e) in d
                        and (e, b) in d
                        and adj(a, e)
                        and not adj(c, b)
                        for c, e in itertools.permutations(others, 2)
                    )
                )
            )
            if fire:
                u.discard(frozenset((a, b)))
                d.add((a, b))
                changed = True
    return frozenset(d), frozenset(tuple(sorted(e)) for e in u)


def to_pdag(n: int, directed: Edges, undirected: Edges) -> Pdag:
    par, und = [0] * n, [0] * n
    for a, b in directed:
        par[b] |= 1 << a
    for a, b in undirected:
        und[a] |= 1 << b
        und[b] |= 1 << a
    return Pdag(tuple(par), tuple(und))


def from_pdag(p: Pdag) -> tuple[Edges, Edges]:
    return frozenset(p.directed_edges()), frozenset(p.undirected_edges())


def pattern_edges(dag: tuple[int, ...]) -> tuple[Edges, Edges]:
    """Pattern of a DAG, computed here: v-structure edges directed, the rest undirected."""
    n = len(dag)
    edges = [(u, v) for v in range(n) for u in range(n) if dag[v] >> u & 1]
    linked = {frozenset(e) for e in edges}
    vs = {
        (a, c)
        for a, c in edges
        for b, c2 in edges
        if c2 == c and b != a and frozenset((a, b)) not in linked
    }
    return frozenset(vs), frozenset(tuple(sorted(e)) for e in edges if e not in vs)


# a - b, a - c, a - d, c -> d -> b, c and b non-adjacent (nodes a=0, b=1, c=2, d=3)
R4_DIRECTED: Edges = frozenset({(2, 3), (3, 1)})
R4_UNDIRECTED: Edges = frozenset({(0, 1), (0, 2), (0, 3)})


def test_r4_configuration_needs_r4():
    assert closure(R4_DIRECTED, R4_UNDIRECTED, "123") == (R4_DIRECTED, R4_UNDIRECTED)
    d, u = closure(R4_DIRECTED, R4_UNDIRECTED, "1234")
    assert (0, 1) in d and u == {(0, 2), (0, 3)}
    assert from_pdag(meek_closure(to_pdag(4, R4_DIRECTED, R4_UNDIRECTED))) == (d, u)


def test_r4_orientation_is_forced():
    """Brute force: every acyclic completion adding no v-structure has a -> b."""
    completions = []
    for flips in itertools.product((False, True), repeat=len(R4_UNDIRECTED)):
        edges = set(R4_DIRECTED) | {
            (y, x) if f else (x, y) for (x, y), f in zip(sorted(R4_UNDIRECTED), flips, strict=True)
        }
        dag = [0] * 4
        for x, y in edges:
            dag[y] |= 1 << x
        if ref_is_acyclic(tuple(dag)) and pattern_edges(tuple(dag))[0] <= R4_DIRECTED:
            completions.append(edges)
    assert completions and all((0, 1) in e for e in completions)


@pytest.mark.parametrize("n", [2, 3, 4])
def test_r4_never_fires_from_a_pattern_all_labeled_dags(n):
    for dag in all_labeled_dags(n):
        d, u = pattern_edges(dag)
        want = closure(d, u, "123")
        assert closure(d, u, "1234") == want
        assert from_pdag(pattern(dag)) == (d, u)
        assert from_pdag(cpdag(dag)) == want


@pytest.mark.parametrize("n", [5, 6])
def test_r4_never_fires_from_a_pattern_random_dags(n):
    rng = random.Random(n)
    bits = n * (n - 1) // 2
    for _ in range(150 if n == 5 else 60):
        perm = list(range(n))
        rng.shuffle(perm)
        dag = ref_relabel(ref_mask_to_dag(rng.getrandbits(bits), n), perm)
        d, u = pattern_edges(dag)
        want = closure(d, u, "123")
        assert closure(d, u, "1234") == want
        assert from_pdag(cpdag(dag)) == want


def test_r4_matters_for_closure_with_background_knowledge():
    """Orienting one edge of a pattern can create the R4 configuration; the closure then
    matches the rules R1-R4 computed here, and differs from R1-R3 alone, in some case."""
    differed = 0
    for dag in all_labeled_dags(4):
        d, u = pattern_edges(dag)
        for x, y in sorted(u):
            for a, b in ((x, y), (y, x)):
                d2, u2 = d | {(a, b)}, u - {(x, y)}
                full = closure(d2, u2, "1234")
                assert from_pdag(meek_closure(to_pdag(4, d2, u2))) == full
                differed += full != closure(d2, u2, "123")
    assert differed > 0


def test_members_are_exactly_the_consistent_orientations():
    """Whatever rules fire during the search, the members are the orientations of the skeleton
    with the same v-structures (checked here by brute force)."""
    for dag in all_labeled_dags(4):
        n = len(dag)
        edges = [(u, v) for v in range(n) for u in range(n) if dag[v] >> u & 1]
        want = []
        for flips in itertools.product((False, True), repeat=len(edges)):
            cand = [0] * n
            for (x, y), f in zip(edges, flips, strict=True):
                a, b = (y, x) if f else (x, y)
                cand[b] |= 1 << a
            if (
                ref_is_acyclic(tuple(cand))
                and pattern_edges(tuple(cand))[0] == pattern_edges(dag)[0]
            ):
                want.append(tuple(cand))
        assert mec_members(dag) == sorted(want)
