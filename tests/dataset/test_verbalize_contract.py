"""``dataset.verbalize`` contracts: the SPEC's verbatim sentences, checked against the oracle.

The premise of a DAG is rendered independently by ``tests/oracle.py`` from networkx
d-separation (SPEC section 4); the hypothesis sentences are SPEC section 5's table, copied
here by hand.
"""

from __future__ import annotations

import random

import networkx as nx
import pytest

import oracle
from corr2cause.causal.d_separation import d_separation_statements
from corr2cause.dataset.verbalize import verbalize_hypothesis, verbalize_premise
from corr2cause.graphs.dag import from_edges

LETTERS = "ABCDEFG"

HEAD = (
    "Suppose there is a closed system of {n} variables, {names}. All the statistical relations "
    "among these {n} variables are as follows: "
)


def _parents(g: nx.DiGraph, names: str) -> tuple[int, ...]:
    index = {name: k for k, name in enumerate(names)}
    return from_edges(len(names), [(index[u], index[v]) for u, v in g.edges])


@pytest.mark.parametrize("n", [2, 3, 4, 5])
def test_premise_equals_the_oracle_rendering(n: int) -> None:
    rng = random.Random(n)
    names = LETTERS[:n]
    for density in (0.0, 0.3, 0.6, 1.0):
        for _ in range(4):
            g = oracle.random_dag(rng, list(names), density)
            text = verbalize_premise(d_separation_statements(_parents(g, names)), list(names))
            assert text == oracle.render_premise(g, list(names))


def test_premise_with_other_names_and_statement_order() -> None:
    # collider X -> Z <- Y written with multi-word names; statements given out of order
    names = ["blood pressure", "age", "stroke"]
    text = verbalize_premise([(0, 1, 0)], names)
    assert text == HEAD.format(n=3, names="blood pressure, age and stroke") + (
        "blood pressure correlates with stroke. age correlates with stroke. "
        "However, blood pressure is independent of age."
    )
    # 4 isolated nodes, statements shuffled: sorted by (i, j, Z as a sorted list)
    stmts = d_separation_statements(from_edges(4, []))
    shuffled = list(reversed(stmts))
    assert verbalize_premise(shuffled, list("ABCD")) == verbalize_premise(stmts, list("ABCD"))
    body = verbalize_premise(stmts, list("ABCD")).split("as follows: ")[1]
    assert body.startswith(
        "A is independent of B. A and B are independent given C. "
        "A and B are independent given C and D. A and B are independent given D. "
        "A is independent of C."
    )


def test_explicit_correlations_replace_the_default() -> None:
    # chain A -> B -> C, but only the correlations the caller passes are written, sorted
    text = verbalize_premise([(0, 2, 0b010)], list("ABC"), correlations=[(1, 2), (0, 1)])
    assert text == HEAD.format(n=3, names="A, B and C") + (
        "A correlates with B. B correlates with C. However, A and C are independent given B."
    )
    only_indep = verbalize_premise([(0, 1, 0)], list("AB"), correlations=[])
    assert only_indep == HEAD.format(n=2, names="A and B") + "A is independent of B."


def test_conditioning_set_of_high_nodes() -> None:
    # Z = {E, F}: bits 4 and 5
    text = verbalize_premise([(0, 1, 0b110000)], list("ABCDEF"), correlations=[])
    assert text.endswith("follows: A and B are independent given E and F.")
    text = verbalize_premise([(2, 3, 0b100011)], list("ABCDEF"), correlations=[])
    assert text.endswith("follows: C and D are independent given A, B and F.")


ORIGINAL = {
    # SPEC section 5: (default, swap form)
    "parent": ("{i} directly causes {j}.", None),
    "non-parent ancestor": (
        "{i} causes something else which causes {j}.",
        "{i} is a cause for {j}, but not a direct one.",
    ),
    "child": ("{j} directly causes {i}.", None),
    "non-child descendant": (
        "{j} is a cause for {i}, but not a direct one.",
        "{j} causes something else which causes {i}.",
    ),
    "has_collider": (
        "There exists at least one collider (i.e., common effect) of {i} and {j}.",
        "There exists at least one collider (i.e., common effect) of {j} and {i}.",
    ),
    "has_confounder": (
        "There exists at least one confounder (i.e., common cause) of {i} and {j}.",
        "There exists at least one confounder (i.e., common cause) of {j} and {i}.",
    ),
}
PARAPHRASED = {
    "parent": "{i} directly affects {j}.",
    "non-parent ancestor": "{i} influences {j} through some mediator(s).",
    "child": "{j} directly affects {i}.",
    "non-child descendant": "{j} influences {i} through some mediator(s).",
    "has_collider": "{i} and {j} together cause some other variable(s).",
    "has_confounder": "Some variable(s) cause(s) both {i} and {j}.",
}


@pytest.mark.parametrize("relation", sorted(ORIGINAL))
def test_every_hypothesis_form(relation: str) -> None:
    default, swap = ORIGINAL[relation]
    assert verbalize_hypothesis(relation, "X", "Y") == default.format(i="X", j="Y")
    assert verbalize_hypothesis(relation, "X", "Y", form=0) == default.format(i="X", j="Y")
    # a relation without a swap form falls back to its default sentence
    assert verbalize_hypothesis(relation, "X", "Y", form=1) == (swap or default).format(
        i="X", j="Y"
    )
    para = PARAPHRASED[relation].format(i="X", j="Y")
    assert verbalize_hypothesis(relation, "X", "Y", paraphrase=True) == para
    assert verbalize_hypothesis(relation, "X", "Y", form=1, paraphrase=True) == para


def test_unknown_relation_is_an_error_naming_it() -> None:
    with pytest.raises(ValueError, match="unknown relation 'sibling'"):
        verbalize_hypothesis("sibling", "A", "B")
