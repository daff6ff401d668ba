"""The contract of :mod:`corr2cause.solver.solution`: answers, evidence, cache and errors.

Labels are checked against the brute-force oracle of ``tests/oracle.py`` (its own premise
parser, every orientation of the skeleton, networkx d-separation and path enumeration) for
every pair, both name orders and all nine wordings; the records and explanations of two small
classes are written out by hand; the cache is checked by its documented behaviour (least
recently used texts dropped, one reconstruction per premise content, errors raised afresh).
"""

from __future__ import annotations

import itertools

import networkx as nx
import pytest

import oracle
from corr2cause.graphs import node_names
from corr2cause.solver.errors import InconsistentPremiseError, ParseError, SolverError
from corr2cause.solver.solution import Solution, Solver

COLLIDER = (
    "Suppose there is a closed system of 3 variables, A, B and C. All the statistical relations "
    "among these 3 variables are as follows: A correlates with C. B correlates with C. However, "
    "A is independent of B."
)
CHAIN = (
    "Suppose there is a closed system of 3 variables, A, B and C. All the statistical relations "
    "among these 3 variables are as follows: A correlates with B. A correlates with C. B "
    "correlates with C. However, A and C are independent given B."
)


def nx_dag(names: list[str], edges: list[tuple[int, int]]) -> nx.DiGraph:
    g = nx.DiGraph()
    g.add_nodes_from(names)
    g.add_edges_from((names[u], names[v]) for u, v in edges)
    return g


# DAGs by node index, rendered with several name sets (SPEC section 5 refactoring, free names)
GRAPHS = {
    "collider": (3, [(0, 2), (1, 2)]),
    "chain": (3, [(0, 1), (1, 2)]),
    "R3": (4, [(0, 1), (0, 3), (1, 2), (3, 2), (0, 2)]),
    "path": (4, [(0, 1), (1, 2), (2, 3)]),
    "collider below a fork": (4, [(0, 1), (0, 2), (1, 3), (2, 3)]),
    "mediated collider": (4, [(0, 2), (2, 3), (1, 3)]),
}
NAME_SETS = {
    "letters": node_names,
    "refactored": lambda n: [chr(90 - i) for i in range(n)],
    "words": lambda n: ["smoking", "blood pressure", "X1", "heart-rate"][:n],
}


def relation_of(predicate: str, forward: bool) -> str:
    """SPEC section 2: the relation id of a predicate on (first-named, second-named)."""
    return {
        "direct": ("parent", "child"),
        "indirect": ("non-parent ancestor", "non-child descendant"),
        "common_effect": ("has_collider", "has_collider"),
        "common_cause": ("has_confounder", "has_confounder"),
    }[predicate][0 if forward else 1]


@pytest.mark.parametrize("names", NAME_SETS)
@pytest.mark.parametrize("graph", GRAPHS)
def test_every_wording_of_every_pair_agrees_with_the_oracle(graph, names) -> None:
    n, edges = GRAPHS[graph]
    vnames = NAME_SETS[names](n)
    premise = oracle.render_premise(nx_dag(vnames, edges), vnames)
    solver = Solver()
    for first, second in itertools.permutations(vnames, 2):
        for text, predicate, _, _ in oracle.hypothesis_sentences(first, second):
            want = oracle.verdict(premise, text)
            sol = solver.solve(premise, text)
            forward = vnames.index(first) < vnames.index(second)
            x, y = (first, second) if forward else (second, first)
            assert (sol.label, sol.label3, sol.holds, sol.members) == (
                want.label,
                want.label3,
                want.holding,
                want.num_members,
            ), text
            assert sol.fraction == want.fraction
            assert (sol.relation, sol.x, sol.y, sol.hypothesis) == (
                relation_of(predicate, forward),
                x,
                y,
                text,
            )
            paraphrase = "directly affects" in text or "(s)" in text
            assert sol.template == oracle.expected_template(text, vnames, paraphrase=paraphrase)
    assert solver.cache_info() == {"hits": 9 * n * (n - 1) - 1, "misses": 1, "size": 1}


def test_record_and_explanation_of_a_neutral_answer() -> None:
    # the chain's class: A -> B -> C, A <- B -> C, A <- B <- C (sorted parent masks:
    # (0, A, B), (B, 0, B), (B, C, 0)); B -> C holds in the first two
    sol = Solver().solve(CHAIN, "B directly causes C.")
    assert (sol.label, sol.label3, sol.fraction, sol.holds, sol.members) == (
        0,
        "neutral",
        2 / 3,
        2,
        3,
    )
    assert sol.witness_holds == (0, 0b001, 0b010)
    assert sol.witness_fails == (0b010, 0b100, 0)
    assert sol.to_dict() == {
        "label": 0,
        "label3": "neutral",
        "fraction": 2 / 3,
        "relation": "parent",
        "x": "B",
        "y": "C",
        "template": "parent",
        "hypothesis": "B directly causes C.",
        "num_variables": 3,
        "holds": 2,
        "members": 3,
        "cpdag": {"directed": [], "undirected": [["A", "B"], ["B", "C"]]},
        "cpdag_text": "A - B, B - C",
        "v_structures": [],
        "witness_fails": [["B", "A"], ["C", "B"]],
        "witness_holds": [["A", "B"], ["B", "C"]],
    }
    assert sol.explanation() == "\n".join(
        [
            "Premise: 3 variables (A, B, C), 3 correlation(s), 1 independence statement(s); "
            "consistent with exactly one Markov equivalence class.",
            "Colliders (v-structures): none",
            "CPDAG: A - B, B - C",
            "Member DAGs: 3",
            "Hypothesis: B directly causes C.",
            "  reads as: parent(B, C)",
            "  holds in 2 of 3 member DAG(s) (66.67%): it holds in some member DAGs but not all, "
            "so it is not entailed.",
            "Label: neutral (3-class), 0 = invalid (binary)",
            "Member where it fails: B -> A, C -> B",
            "Member where it holds: A -> B, B -> C",
        ]
    )


def test_record_and_explanation_of_an_entailed_and_a_contradicted_answer() -> None:
    solver = Solver()
    sol = solver.solve(COLLIDER, "Hypothesis: C is a cause for A, but not a direct one")
    assert (sol.label, sol.label3, sol.fraction, sol.relation, sol.x, sol.y) == (
        0,
        "contradiction",
        0.0,
        "non-child descendant",
        "A",
        "C",
    )
    assert (sol.template, sol.hypothesis) == (
        "non-child descendant",
        "Hypothesis: C is a cause for A, but not a direct one",
    )
    assert (sol.witness_holds, sol.witness_fails) == (None, (0, 0, 0b011))
    record = sol.to_dict()
    assert record["witness_holds"] is None
    assert record["witness_fails"] == [["A", "C"], ["B", "C"]]
    assert record["v_structures"] == [["A", "C", "B"]]
    assert record["cpdag"] == {"directed": [["A", "C"], ["B", "C"]], "undirected": []}
    sol = solver.solve(
        COLLIDER, "There exists at least one collider (i.e., common effect) of B and A."
    )
    assert (sol.label, sol.label3, sol.fraction, sol.relation, sol.x, sol.y) == (
        1,
        "entailment",
        1.0,
        "has_collider",
        "A",
        "B",
    )
    assert sol.explanation() == "\n".join(
        [
            "Premise: 3 variables (A, B, C), 2 correlation(s), 1 independence statement(s); "
            "consistent with exactly one Markov equivalence class.",
            "Colliders (v-structures): A -> C <- B",
            "CPDAG: A -> C, B -> C",
            "Member DAGs: 1",
            "Hypothesis: There exists at least one collider (i.e., common effect) of B and A.",
            "  reads as: has_collider(A, B)",
            "  holds in 1 of 1 member DAG(s) (100.00%): it holds in every member DAG, so it is "
            "entailed.",
            "Label: entailment (3-class), 1 = valid (binary)",
            "Member where it holds: A -> C, B -> C",
        ]
    )


def test_solve_input_splits_the_official_field() -> None:
    sol = Solver().solve_input(f"Premise: {COLLIDER}\nHypothesis: A directly causes C.")
    assert (sol.label, sol.relation, sol.x, sol.y, sol.hypothesis) == (
        1,
        "parent",
        "A",
        "C",
        "A directly causes C.",
    )
    assert sol == Solver(cache_size=0).solve(COLLIDER, "A directly causes C.")


# --- the cache ------------------------------------------------------------------------------


def premise_of(edges: list[tuple[int, int]]) -> str:
    names = node_names(3)
    return oracle.render_premise(nx_dag(names, edges), names)


def test_least_recently_used_premise_texts_are_dropped() -> None:
    p1, p2, p3 = premise_of([(0, 1)]), premise_of([(1, 2)]), premise_of([(0, 2)])
    solver = Solver(cache_size=2)
    r1 = solver.reconstruct(p1)
    solver.reconstruct(p2)
    assert solver.reconstruct(p1) is r1  # a hit: p1 is now the most recent
    solver.reconstruct(p3)  # drops p2, the least recently used
    assert solver.cache_info() == {"hits": 1, "misses": 3, "size": 2}
    solver.reconstruct(p1)
    solver.reconstruct(p3)
    assert solver.cache_info() == {"hits": 3, "misses": 3, "size": 2}
    solver.reconstruct(p2)
    assert solver.cache_info() == {"hits": 3, "misses": 4, "size": 2}
    solver.clear_cache()
    assert solver.cache_info() == {"hits": 3, "misses": 4, "size": 0}
    assert solver.reconstruct(p1) is not r1
    assert solver.reconstruct(p1) == r1


def test_one_reconstruction_per_premise_content() -> None:
    solver = Solver()
    reordered = CHAIN.replace(
        "A correlates with B. A correlates with C.", "A correlates with C.  A correlates with B."
    )
    assert solver.reconstruct(reordered) is solver.reconstruct(CHAIN)
    assert solver.cache_info() == {"hits": 0, "misses": 2, "size": 1}


def test_a_disabled_cache_rebuilds_every_time() -> None:
    solver = Solver(cache_size=0)
    first = solver.reconstruct(CHAIN)
    assert solver.reconstruct(CHAIN) is not first
    assert solver.reconstruct(CHAIN) == first
    solver.solve(CHAIN, "A directly causes B.")
    assert solver.cache_info() == {"hits": 0, "misses": 4, "size": 0}
    with pytest.raises(ParseError, match="cannot read the hypothesis"):
        solver.solve(CHAIN, "A maybe causes B.")
    with pytest.raises(ValueError, match="cache_size must be >= 0"):
        Solver(cache_size=-1)


def test_parsed_hypotheses_are_kept_per_name_list_within_a_bound() -> None:
    solver = Solver(cache_size=2)  # at most 64 parsed texts per cached premise: 128
    for k in range(130):
        text = "A directly causes B." + " " * k  # 130 texts, one reading
        assert solver.solve(CHAIN, text).relation == "parent"
    assert len(solver._hypotheses[("A", "B", "C")]) == 128


@pytest.mark.parametrize("cache_size", [0, 4])
def test_errors_are_raised_afresh_with_their_sentence(cache_size) -> None:
    solver = Solver(cache_size=cache_size)
    bad = COLLIDER + " A correlates with B."
    seen = []
    for _ in range(2):
        with pytest.raises(InconsistentPremiseError) as info:
            solver.solve(bad, "A directly causes C.")
        assert type(info.value) is InconsistentPremiseError
        assert str(info.value) == (
            "the premise states both 'A correlates with B.' and 'However, A is independent of B.'"
        )
        assert info.value.sentence == "However, A is independent of B."
        seen.append(info.value)
    assert seen[0] is not seen[1]
    for _ in range(2):
        with pytest.raises(ParseError) as info:
            solver.solve(COLLIDER.replace("B correlates", "B correlate"), "A directly causes C.")
        assert str(info.value) == (
            "cannot read the sentence 'B correlate with C.': expected 'X correlates with Y.', "
            "'X is independent of Y.' or 'X and Y are independent given Z.'"
        )
        assert info.value.sentence == "B correlate with C."
        with pytest.raises(ParseError) as info:
            solver.solve(COLLIDER, "Q directly causes C.")
        assert str(info.value) == (
            "unknown variable 'Q' in the sentence 'Q directly causes C.' (declared: A, B, C)"
        )
        assert info.value.sentence == "Q directly causes C."


@pytest.mark.parametrize("cache_size", [0, 4])
def test_limits_are_passed_to_the_reconstruction(cache_size) -> None:
    with pytest.raises(SolverError) as info:
        Solver(cache_size=cache_size, max_nodes=2).solve(CHAIN, "A directly causes B.")
    assert str(info.value).startswith(
        "the premise has 3 variables; this solver verifies premises of at most 2 "
    )
    with pytest.raises(SolverError) as info:
        Solver(cache_size=cache_size, max_members=2).solve(CHAIN, "A directly causes B.")
    assert str(info.value).startswith("the premise's equivalence class has more than 2 member DAGs")
    sol = Solver(cache_size=cache_size, max_nodes=3, max_members=3).solve(
        CHAIN, "A directly causes B."
    )
    assert (sol.holds, sol.members) == (1, 3)


@pytest.mark.parametrize("cache_size", [0, 4])
def test_non_text_input(cache_size) -> None:
    solver = Solver(cache_size=cache_size)
    with pytest.raises(ParseError) as info:
        solver.solve(None, "A directly causes C.")
    assert str(info.value) == "a premise must be a string, not NoneType"
    with pytest.raises(ParseError) as info:
        solver.solve(COLLIDER, 7)
    assert str(info.value) == "a hypothesis must be a string, not int"
    assert isinstance(Solver().solve(COLLIDER, "A directly causes C."), Solution)
