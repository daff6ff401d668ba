"""The solver against the independent oracle (``tests/oracle.py``) on text the package never wrote.

The premises here are rendered by the oracle itself from random DAGs (networkx d-separation, the
wording of SPEC section 4) with random variable names, and every hypothesis template is asked
about every ordered pair. The solver must give the oracle's label, 3-class label and fraction;
neither side sees the other's definitions.
"""

from __future__ import annotations

import random

import pytest

import oracle
from corr2cause.dataset.compose import VARIANTS, class_columns, class_data, hypothesis_table
from corr2cause.solver import Solver

NAME_POOL = [chr(c) for c in range(ord("A"), ord("Z") + 1)] + ["Rain", "Wet", "X1", "Y2"]


def random_cases(seed: int, n: int, count: int):
    rng = random.Random(seed)
    for _ in range(count):
        names = rng.sample(NAME_POOL, n)
        g = oracle.random_dag(rng, names, rng.choice((0.3, 0.5, 0.7)))
        yield names, oracle.render_premise(g, names)


@pytest.mark.parametrize(("n", "count"), [(2, 3), (3, 6), (4, 6), (5, 4), (6, 2)])
def test_solver_matches_the_oracle_on_random_premises(n, count):
    solver = Solver()
    for names, premise in random_cases(40 + n, n, count):
        for x in names:
            for y in names:
                if x == y:
                    continue
                for hyp, *_ in oracle.hypothesis_sentences(x, y):
                    want = oracle.verdict(premise, hyp)
                    got = solver.solve(premise, hyp)
                    assert (got.label, got.label3, got.fraction) == (
                        want.label,
                        want.label3,
                        want.fraction,
                    ), (premise, hyp)


def test_solver_matches_the_oracle_on_generated_items(classes_2_to_6_items):
    """Items the dataset layer wrote (sampled, every N and variant) through ``solve_input``."""
    solver = Solver()
    for text in classes_2_to_6_items:
        premise, hyp = oracle.split_input(text)
        want = oracle.verdict(premise, hyp)
        got = solver.solve_input(text)
        assert (got.label, got.label3, got.fraction) == (want.label, want.label3, want.fraction)


@pytest.fixture(scope="module")
def classes_2_to_6_items(core_classes):
    rng = random.Random(7)
    texts = []
    for n in range(2, 7):
        classes = list(core_classes(n))
        for cls in rng.sample(classes, min(len(classes), 3 if n < 6 else 2)):
            data = class_data(cls)
            for v in VARIANTS.values():
                cols = class_columns(data, v, hypothesis_table(n, v), split="test", seed=5)
                picks = rng.sample(range(len(cols["hypothesis"])), min(12, len(cols["hypothesis"])))
                texts += [
                    f"Premise: {cols['premise'][k]}\nHypothesis: {cols['hypothesis'][k]}"
                    for k in picks
                ]
    return texts
