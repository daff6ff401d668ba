"""Gold rationales and their checker.

Evidence (issue 16):

* every generated rationale passes the checker, and its answer is the item's label, for every
  item with N <= 4 in all four variants, both template styles and both premise styles (fast),
  and for every item with N <= 6 (slow);
* the traced Meek rules reproduce the causal core's CPDAG (Meek closure, itself cross-checked
  against pgmpy in tests/causal) for every class with N <= 5;
* the checker rejects a deliberately broken rationale of every kind of wrong step, accepts
  other valid derivations (triples or rules in another order, blank lines), and never raises on
  a bad rationale.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from corr2cause.causal.markov_equivalence import pattern
from corr2cause.dataset import compose
from corr2cause.solver.ccpp import parse_ccpp_hypothesis
from corr2cause.solver.errors import ParseError
from corr2cause.solver.rationale import (
    MeekStep,
    PdagState,
    RationaleError,
    explain,
    load_templates,
    meek_applies,
    meek_trace,
    rationale,
    read_item,
)
from corr2cause.solver.rationale_check import check_rationale, check_reconstructed

R2_DAG = (0, 0, 0b0011, 0b0101)
"""A -> C <- B, C -> D, A -> D: Meek R1 orients C -> D, then R2 orients A -> D."""
R3_DAG = (0, 0b0001, 0b0001, 0b0111)
"""A -> B, A -> C, B -> D <- C, A -> D: R3 orients A -> D; A - B, A - C stay undirected."""


def _all_items_pass(n: int, variant_name: str, style: str, premise_style: str = "full") -> int:
    variant = compose.VARIANTS[variant_name]
    table = compose.hypothesis_table(n, variant)
    checked = 0
    for data in compose.build_classes(n):
        cols = compose.class_columns(
            data, variant, table, split="test", seed=0, premise_style=premise_style
        )
        rec, *_ = read_item(cols["premise"][0], cols["hypothesis"][0])
        for k in range(len(cols["id"])):
            h = parse_ccpp_hypothesis(cols["hypothesis"][k], rec.names)
            r = rationale(rec, h.relation, h.x, h.y, style=style)
            assert r.label == cols["label"][k], cols["id"][k]
            result = check_reconstructed(rec, h.relation, h.x, h.y, r.text, semantics="corr2cause")
            assert result.ok, (cols["id"][k], result.errors)
            assert result.credit == 1.0 and result.answer == r.answer
            checked += 1
    return checked


@pytest.mark.parametrize("variant", ["original", "paraphrase", "refactor", "relabel"])
@pytest.mark.parametrize("style", ["full", "compact"])
def test_every_item_n4_passes(variant: str, style: str) -> None:
    assert sum(_all_items_pass(n, variant, style) for n in (2, 3, 4)) == 12 + 90 + 720


def test_minimal_premises_pass() -> None:
    assert _all_items_pass(4, "original", "full", premise_style="minimal") == 720


@pytest.mark.slow
@pytest.mark.parametrize("n", [5, 6])
@pytest.mark.parametrize("variant", ["original", "paraphrase", "refactor", "relabel"])
@pytest.mark.parametrize("style", ["full", "compact"])
def test_every_item_passes_slow(n: int, variant: str, style: str) -> None:
    assert _all_items_pass(n, variant, style) == {5: 8520, 6: 198090}[n]


def test_traced_meek_rules_give_the_cpdag(core_classes: Callable[[int], tuple]) -> None:
    for n in (3, 4, 5):
        for cls in core_classes(n):
            pat = pattern(cls.parents)
            state = PdagState(n, set(pat.directed_edges()), set(pat.undirected_edges()))
            steps = meek_trace(state)
            from corr2cause.causal.markov_equivalence import cpdag

            want = cpdag(cls.parents)
            assert state.directed == set(want.directed_edges())
            assert state.undirected == set(want.undirected_edges())
            assert all(s.rule != "R4" for s in steps)  # R1-R3 suffice from a pattern


def test_meek_rule_conditions() -> None:
    # R4: A - B, A - C, C -> D -> B, A adjacent to D, C and B not adjacent
    state = PdagState(4, {(2, 3), (3, 1)}, {(0, 1), (0, 2), (0, 3)})
    assert meek_applies(state, MeekStep("R4", 0, 1, (2, 3)))
    assert not meek_applies(state, MeekStep("R4", 0, 1, (3, 2)))
    assert not meek_applies(state, MeekStep("R3", 0, 1, (2, 3)))
    assert not meek_applies(state, MeekStep("R1", 0, 1, (2,)))
    assert not meek_applies(state, MeekStep("R9", 0, 1, (2,)))
    assert not meek_applies(state, MeekStep("R1", 0, 1, (0,)))


# -- the checker on broken rationales ----------------------------------------------------------


@pytest.fixture(scope="module")
def r2_item(premise_of: Callable[..., str]) -> tuple[str, str, str]:
    premise = premise_of(R2_DAG)
    hyp = "A directly causes B."
    return premise, hyp, explain(premise, hyp).text


@pytest.fixture(scope="module")
def r3_item(premise_of: Callable[..., str]) -> tuple[str, str, str]:
    premise = premise_of(R3_DAG)
    hyp = "A directly causes B."  # holds in 2 of 3 members: neutral
    return premise, hyp, explain(premise, hyp).text


def _replace(text: str, old: str, new: str) -> str:
    assert old in text, (old, text)
    return text.replace(old, new, 1)


def _drop(text: str, start: str) -> str:
    lines = text.splitlines()
    kept = [ln for ln in lines if not ln.startswith(start)]
    assert len(kept) == len(lines) - 1, start
    return "\n".join(kept)


BROKEN_R2: list[tuple[str, Callable[[str], str], str]] = [
    (
        "skeleton with an extra edge",
        lambda t: _replace(t, "the edges are: A - C,", "the edges are: A - B, A - C,"),
        "A - B are not adjacent",
    ),
    (
        "skeleton with a missing edge",
        lambda t: _replace(t, "the edges are: A - C, A - D,", "the edges are: A - C,"),
        "A - D are missing",
    ),
    (
        "collider called a non-collider",
        lambda t: _replace(
            t,
            "which does not contain C, so C is a collider: A -> C <- B.",
            "which contains C, so C is not a collider.",
        ),
        "does not contain C, so C is a collider",
    ),
    (
        "non-collider called a collider",
        lambda t: _replace(
            t,
            "which contains C, so C is not a collider.",
            "which does not contain C, so C is a collider: B -> C <- D.",
        ),
        "contains C, so C is not a collider",
    ),
    (
        "a separating set the premise does not state",
        lambda t: _replace(
            t, "B and D are independent given {A, C}", "B and D are independent given {C}"
        ),
        "does not state that B and D are independent given {C}",
    ),
    (
        "a triple that is not unshielded",
        lambda t: _replace(
            t,
            "B - C - D: B and D are independent given {A, C}, which contains C, so C is not",
            "B - A - D: B and D are independent given {A, C}, which contains A, so A is not",
        ),
        "B - A - D is not an unshielded triple",
    ),
    (
        "a missing triple",
        lambda t: _drop(t, "Unshielded triple B - C - D"),
        "not examined: B - C - D",
    ),
    (
        "a repeated triple",
        lambda t: _replace(
            t,
            "Meek rule R1",
            "Unshielded triple A - C - B: A and B are independent given {}, which does not "
            "contain C, so C is a collider: A -> C <- B.\nMeek rule R1",
        ),
        "is repeated",
    ),
    (
        "a Meek rule under the wrong name",
        lambda t: _replace(
            t,
            "Meek rule R1: B -> C - D with B and D not adjacent, so C -> D.",
            "Meek rule R2: C -> B -> D and C - D, so C -> D (avoids a cycle).",
        ),
        "R2 does not orient C -> D",
    ),
    (
        "a Meek rule with a wrong witness",
        lambda t: _replace(t, "R1: B -> C - D with B and D", "R1: A -> C - D with A and D"),
        "R1 does not orient C -> D",
    ),
    (
        "a Meek rule applied before its premise holds",
        lambda t: "\n".join(
            [ln for ln in t.splitlines() if not ln.startswith("Meek rule")][:4]
            + [ln for ln in t.splitlines() if ln.startswith("Meek rule R2")]
            + [ln for ln in t.splitlines() if ln.startswith("Meek rule R1")]
            + [ln for ln in t.splitlines() if not ln.startswith("Meek rule")][4:]
        ),
        "R2 does not orient A -> D",
    ),
    (
        "a missing Meek step",
        lambda t: _drop(t, "Meek rule R2"),
        "not the graph the previous steps produce",
    ),
    (
        "'no Meek rule applies' when one does",
        lambda t: _replace(
            _drop(t, "Meek rule R2"),
            "Meek rule R1: B -> C - D with B and D not adjacent, so C -> D.",
            "No Meek rule applies.",
        ),
        "Meek rule R1 applies",
    ),
    (
        "a wrong CPDAG",
        lambda t: _replace(t, "A -> C, A -> D, B -> C, C -> D.", "A -> C, A -> D, B -> C, D -> C."),
        "not the graph the previous steps produce",
    ),
    (
        "a wrong member count",
        lambda t: _replace(t, "has 1 member DAG(s)", "has 2 member DAG(s)"),
        "1 member DAGs, not 2",
    ),
    (
        "a wrong reading of the hypothesis",
        lambda t: _replace(t, "states parent(A, B)", "states child(A, B)"),
        "states parent(A, B), not child(A, B)",
    ),
    (
        "the wrong semantics",
        lambda t: _replace(t, "under corr2cause semantics", "under textbook semantics"),
        "read under corr2cause semantics",
    ),
    (
        "a wrong decision",
        lambda t: _replace(
            t,
            "It holds in none of the 1 member DAG(s), e.g. not in A -> C, A -> D, B -> C, "
            "C -> D, so it is contradicted.",
            "It holds in all 1 member DAG(s), so it is entailed.",
        ),
        "holds in 0 of 1 member DAGs (contradiction)",
    ),
    (
        "a failing member that is not in the class",
        lambda t: _replace(t, "e.g. not in A -> C, A -> D, B -> C, C -> D", "e.g. not in A -> C"),
        "is not a member DAG",
    ),
    (
        "a wrong answer",
        lambda t: _replace(t, "Answer: No", "Answer: Yes"),
        "the answer is No",
    ),
    (
        "an unreadable line",
        lambda t: _replace(t, "Answer: No", "So it is obviously false.\nAnswer: No"),
        "cannot read the step 'So it is obviously false.'",
    ),
    (
        "steps out of order",
        lambda t: "Answer: No\n" + _drop(t, "Answer:"),
        "comes too late",
    ),
    ("a missing answer", lambda t: _drop(t, "Answer:"), "missing step: the answer"),
    ("an empty rationale", lambda t: "", "missing step: the skeleton"),
    (
        "styles mixed",
        lambda t: _replace(t, "The equivalence class has 1 member DAG(s).", "Members: 1."),
        "cannot read the step 'Members: 1.'",
    ),
]


def test_gold_r2_rationale_passes(r2_item: tuple[str, str, str]) -> None:
    premise, hyp, text = r2_item
    assert "Meek rule R1" in text and "Meek rule R2" in text
    result = check_rationale(premise, hyp, text)
    assert result.ok and result.credit == 1.0 and result.answer == "No"


@pytest.mark.parametrize(("what", "corrupt", "message"), BROKEN_R2, ids=[b[0] for b in BROKEN_R2])
def test_broken_rationales_fail(
    r2_item: tuple[str, str, str], what: str, corrupt: Callable[[str], str], message: str
) -> None:
    premise, hyp, text = r2_item
    result = check_rationale(premise, hyp, corrupt(text))
    assert not result.ok, what
    assert any(message in e for e in result.errors), result.errors
    assert result.credit < 1.0


def test_neutral_decisions(r3_item: tuple[str, str, str]) -> None:
    premise, hyp, text = r3_item
    assert "Meek rule R3" in text
    assert check_rationale(premise, hyp, text).ok
    wrong_count = _replace(text, "It holds in 2 of the 3", "It holds in 1 of the 3")
    assert "holds in 2 of 3" in check_rationale(premise, hyp, wrong_count).first_error
    # a member where the hypothesis (A -> B) holds is no counterexample
    holds = "A -> B, A -> C, A -> D, B -> D, C -> D"
    fails = text.split("but not in ")[1].split(", so it")[0]
    assert fails != holds
    witness = _replace(text, f"but not in {fails}", f"but not in {holds}")
    assert "the hypothesis holds in" in check_rationale(premise, hyp, witness).first_error


def test_other_valid_derivations_pass(r3_item: tuple[str, str, str], r2_item) -> None:
    premise, hyp, text = r3_item
    lines = text.splitlines()
    triples = [k for k, ln in enumerate(lines) if ln.startswith("Unshielded triple")]
    assert len(triples) == 2
    a, b = triples
    lines[a], lines[b] = lines[b], lines[a]
    spaced = "\n\n".join(lines)
    assert check_rationale(premise, hyp, spaced).ok
    # the compact style, and no intro line
    compact = explain(premise, hyp, style="compact").text.split("\n", 1)[1]
    result = check_rationale(premise, hyp, compact)
    assert result.ok and result.credit == 1.0


def test_credit_counts_steps_before_the_first_error(r2_item: tuple[str, str, str]) -> None:
    premise, hyp, text = r2_item
    lines = text.splitlines()
    half = check_rationale(premise, hyp, "\n".join(lines[:5]))
    assert not half.ok
    assert half.credit == pytest.approx(4 / (len(lines) - 1))


def test_textbook_rationale_for_corr2cause_pp_items() -> None:
    premise = (
        "Suppose there is a closed system of 4 variables, A, B, C, and D, whose causal structure "
        "forms a directed acyclic graph and satisfies faithfulness. All the conditional "
        "independence relations are: A indep C | B; B indep D | A, C."
    )
    hyp = "B influences D through some mediator(s) but not directly."
    r = explain(premise, hyp)
    assert r.semantics == "textbook" and r.answer == "Yes"
    assert check_rationale(premise, hyp, r.text).ok
    # the same rationale is wrong under the other semantics
    assert (
        "read under corr2cause"
        in check_rationale(premise, hyp, r.text, semantics="corr2cause").first_error
    )


def test_errors() -> None:
    with pytest.raises(RationaleError, match="version"):
        load_templates("v0")
    with pytest.raises(RationaleError, match="style"):
        load_templates("v1", "haiku")
    with pytest.raises(ParseError):
        explain("Suppose nothing.", "A directly causes B.")
