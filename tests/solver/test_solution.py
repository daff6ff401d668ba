"""The Solver: public contract, agreement with the core and the generator, cache, round trip."""

from __future__ import annotations

import json
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from corr2cause.causal import (
    LABEL3_NAMES,
    RELATIONS,
    RelationEvaluator,
    cpdag,
    d_separation_statements,
    mec_members,
)
from corr2cause.dataset.verbalize import verbalize_hypothesis, verbalize_premise
from corr2cause.graphs import from_edges, node_name, pairs
from corr2cause.solver import InconsistentPremiseError, ParseError, Solution, Solver, SolverError

# variant -> (name of node i, paraphrased templates?, hypothesis forms)
VARIANTS = {
    "original": (node_name, False, (0, 1)),
    "paraphrase": (node_name, True, (0,)),
    "refactor": (lambda i: chr(90 - i), False, (0, 1)),
}


def disagreements(classes, variant: str, solver: Solver) -> list[str]:
    """Solve every hypothesis of every class; return descriptions of wrong answers."""
    namer, paraphrase, forms = VARIANTS[variant]
    wrong = []
    for cls in classes:
        names = [namer(i) for i in range(cls.n)]
        premise = verbalize_premise(d_separation_statements(cls.parents), names)
        labels, labels3 = cls.labels(), cls.label3()
        for p, (i, j) in enumerate(pairs(cls.n)):
            for r, relation in enumerate(RELATIONS):
                for form in forms:
                    hyp = verbalize_hypothesis(
                        relation, names[i], names[j], form=form, paraphrase=paraphrase
                    )
                    sol = solver.solve(premise, hyp)
                    got = (sol.label, sol.label3, sol.relation, sol.x, sol.y)
                    want = (
                        int(labels[p, r]),
                        LABEL3_NAMES[labels3[p, r]],
                        relation,
                        names[i],
                        names[j],
                    )
                    if got != want:
                        wrong.append(f"{cls.mec_id} {hyp!r}: {got} != {want}")
    return wrong


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("n", [2, 3, 4, 5])
def test_agrees_with_core_labels(n, variant, core_classes):
    assert disagreements(core_classes(n), variant, Solver()) == []


@pytest.mark.parametrize("variant", VARIANTS)
def test_agrees_with_core_labels_n6_subset(variant, core_classes):
    classes = core_classes(6)
    assert disagreements(classes[::25] + classes[-5:], variant, Solver()) == []


@pytest.mark.slow
@pytest.mark.parametrize("variant", VARIANTS)
def test_agrees_with_core_labels_n6_all(variant, core_classes):
    assert disagreements(core_classes(6), variant, Solver()) == []


def _generator_disagreements(n: int, variant_name: str) -> tuple[int, list[str]]:
    """Solve the items of the project's generator and compare every labeled field."""
    compose = pytest.importorskip("corr2cause.dataset.compose")
    variant = compose.VARIANTS[variant_name]
    table = compose.hypothesis_table(n, variant)
    solver = Solver()
    wrong, items = [], 0
    for data in compose.build_classes(n):
        cols = compose.class_columns(data, variant, table, split="test", seed=0)
        for k in range(len(cols["id"])):
            item = {c: cols[c][k] for c in compose.ITEM_COLUMNS}
            items += 1
            sol = solver.solve(item["premise"], item["hypothesis"])
            got = (sol.label, sol.label3, sol.relation, sol.x, sol.y, sol.template)
            want = tuple(
                item[k] for k in ("label", "label3", "relation", "node_i", "node_j", "template")
            )
            if got != want or abs(sol.fraction - item["fraction"]) > 1e-12:
                wrong.append(f"{item['id']}: {got} != {want}")
    return items, wrong


@pytest.mark.parametrize("variant", ["original", "paraphrase", "refactor"])
def test_agrees_with_generated_items(variant):
    for n in (2, 3, 4, 5):
        items, wrong = _generator_disagreements(n, variant)
        assert items == 6 * n * (n - 1) // 2 * {2: 2, 3: 5, 4: 20, 5: 142}[n]
        assert wrong == []


@pytest.mark.slow
@pytest.mark.parametrize("variant", ["original", "paraphrase", "refactor"])
def test_agrees_with_generated_items_n6(variant):
    items, wrong = _generator_disagreements(6, variant)
    assert (items, wrong) == (198_090, [])


def test_public_contract(chain_premise):
    sol = Solver().solve_input(f"Premise: {chain_premise}\nHypothesis: A directly causes B.")
    assert isinstance(sol, Solution)
    assert (sol.label, sol.label3, sol.relation, sol.x, sol.y) == (0, "neutral", "parent", "A", "B")
    assert sol.fraction == pytest.approx(1 / 3)
    record = json.loads(json.dumps(sol.to_dict()))
    assert record["cpdag"] == {"directed": [], "undirected": [["A", "B"], ["B", "C"]]}
    assert record["witness_fails"] in (
        [["B", "A"], ["B", "C"]],
        [["B", "A"], ["C", "B"]],
    )
    assert record["witness_holds"] == [["A", "B"], ["B", "C"]]
    assert issubclass(SolverError, ValueError)


@pytest.mark.parametrize(
    ("hypothesis", "label3", "fails_line", "holds_line"),
    [
        ("A directly causes C.", "entailment", False, True),
        ("C directly causes A.", "contradiction", True, False),
    ],
)
def test_explanation_lines(collider_premise, hypothesis, label3, fails_line, holds_line):
    sol = Solver().solve(collider_premise, hypothesis)
    text = sol.explanation()
    assert sol.label3 == label3
    assert "CPDAG: A -> C, B -> C" in text
    assert "Colliders (v-structures): A -> C <- B" in text
    assert ("Member where it fails:" in text) == fails_line
    assert ("Member where it holds:" in text) == holds_line


def test_neutral_explanation_has_both_witnesses(chain_premise):
    text = Solver().solve(chain_premise, "B directly causes C.").explanation()
    assert "holds in 2 of 3 member DAG(s)" in text
    assert "Member where it fails:" in text and "Member where it holds:" in text


@pytest.mark.parametrize("n", [4, 5])
def test_witnesses_are_members_where_the_relation_fails_or_holds(n, core_classes, premise_of):
    solver = Solver()
    for cls in core_classes(n)[::3]:
        premise = premise_of(cls.parents)
        for i, j in pairs(n):
            for relation in RELATIONS:
                sol = solver.solve(
                    premise, verbalize_hypothesis(relation, node_name(i), node_name(j))
                )
                for witness, holds in ((sol.witness_fails, False), (sol.witness_holds, True)):
                    if witness is None:
                        assert sol.holds == (sol.members if not holds else 0)
                        continue
                    assert witness in cls.members
                    assert RelationEvaluator(witness).holds(relation, i, j) is holds


def test_cache_one_reconstruction_per_premise(chain_premise):
    solver = Solver()
    for relation in RELATIONS:
        solver.solve(chain_premise, verbalize_hypothesis(relation, "A", "C"))
    assert solver.cache_info() == {"hits": 5, "misses": 1, "size": 1}
    # same facts in another order: a new text, but the same reconstruction object
    reordered = chain_premise.replace(
        "A correlates with B. A correlates with C.", "A correlates with C. A correlates with B."
    )
    assert reordered != chain_premise
    assert solver.reconstruct(reordered) is solver.reconstruct(chain_premise)
    assert solver.cache_info()["size"] == 1


def test_cache_bound_and_disabled_cache_agree(core_classes, premise_of):
    small, off = Solver(cache_size=2), Solver(cache_size=0)
    for cls in core_classes(4):
        premise = premise_of(cls.parents)
        for relation in RELATIONS:
            hyp = verbalize_hypothesis(relation, "B", "D")
            assert small.solve(premise, hyp) == off.solve(premise, hyp)
    assert small.cache_info()["size"] == 2
    assert off.cache_info()["size"] == 0


def test_cached_errors_are_raised_afresh(collider_premise):
    solver = Solver()
    bad = collider_premise + " A correlates with B."
    messages = set()
    for _ in range(3):
        with pytest.raises(InconsistentPremiseError) as info:
            solver.solve(bad, "A directly causes C.")
        messages.add(str(info.value))
    assert len(messages) == 1 and "states both" in messages.pop()
    for _ in range(2):
        with pytest.raises(ParseError, match="unknown variable 'Q'"):
            solver.solve(collider_premise, "Q directly causes C.")


# --- round trip: random DAG, arbitrary names, shuffled sentences --------------------------


@st.composite
def named_dags(draw):
    n = draw(st.integers(2, 6))
    order = draw(st.permutations(range(n)))
    edges = [(order[a], order[b]) for a in range(n) for b in range(a + 1, n) if draw(st.booleans())]
    names = draw(
        st.lists(
            st.from_regex(r"[A-Za-z][A-Za-z0-9_]{0,7}", fullmatch=True),
            min_size=n,
            max_size=n,
            unique=True,
        )
    )
    seed = draw(st.integers(0, 2**32 - 1))
    return from_edges(n, edges), names, seed


def shuffled_premise(parents, names, seed: int) -> str:
    """The premise of ``parents`` with its statement sentences in a random order."""
    text = verbalize_premise(d_separation_statements(parents), names)
    head, sep, body = text.partition("are as follows: ")
    sentences = [s.removeprefix("However, ") for s in body.replace(". ", ".\n").split("\n")]
    random.Random(seed).shuffle(sentences)
    return head + sep + " ".join(sentences)


@settings(max_examples=150, deadline=None)
@given(named_dags())
def test_round_trip_recovers_the_class(case):
    parents, names, seed = case
    premise = shuffled_premise(parents, names, seed)
    rec = Solver().reconstruct(premise)
    assert rec.names == tuple(names)
    assert rec.cpdag == cpdag(parents)
    assert set(rec.members) == set(mec_members(parents))
    assert parents in rec.members


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_fuzz_solver_raises_only_solver_errors(collider_premise, data):
    base = data.draw(
        st.sampled_from([collider_premise, shuffled_premise((0, 1, 3, 6), list("WXYZ"), 1)])
    )
    start = data.draw(st.integers(0, len(base)))
    end = data.draw(st.integers(start, min(len(base), start + 30)))
    insert = data.draw(st.text(alphabet=" .,ABCWXYZandisofgvenrltw", max_size=30))
    hypothesis = data.draw(st.sampled_from(["A directly causes C.", "W directly causes Z.", "?"]))
    try:
        sol = Solver().solve(base[:start] + insert + base[end:], hypothesis)
    except SolverError as err:
        assert str(err)
    else:
        assert sol.label in (0, 1) and sol.label3 in LABEL3_NAMES


@pytest.mark.parametrize(("premise", "hypothesis"), [(None, "A directly causes C."), ([], "x")])
def test_non_text_input_is_a_parse_error(premise, hypothesis, collider_premise):
    with pytest.raises(ParseError, match="must be a string"):
        Solver().solve(premise, hypothesis)
    with pytest.raises(ParseError, match="must be a string"):
        Solver().solve(collider_premise, None)
