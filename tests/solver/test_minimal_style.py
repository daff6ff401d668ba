"""The solver accepts premises in the minimal style (issue 7) and labels them like full ones."""

from __future__ import annotations

from itertools import permutations

import pytest

from corr2cause.causal.d_separation import d_separation_statements, minimal_separating_statements
from corr2cause.causal.relations import RELATIONS
from corr2cause.dataset.compose import VARIANTS, build_classes, hypothesis_table
from corr2cause.dataset.verbalize import verbalize_premise
from corr2cause.graphs.dag import mask_to_parents, node_names, pairs, relabel
from corr2cause.graphs.enumeration import enumerate_dags
from corr2cause.solver import Solver, SolverError


@pytest.mark.parametrize("n", [3, 4, 5])
def test_minimal_premises_solve_to_the_generated_labels(n):
    solver = Solver()
    table = hypothesis_table(n, VARIANTS["original"])
    for cls in build_classes(n):
        premise = cls.premise(node_names(n), style="minimal")
        for p in range(len(table.text)):
            for r, _ in enumerate(RELATIONS):
                sol = solver.solve(premise, table.text[p][r][0])
                m = cls.num_members
                assert sol.label == int(cls.counts[p, r] == m)
                assert sol.fraction == cls.counts[p, r] / m


def test_dropping_a_minimal_statement_is_detected_unless_another_class_results():
    """Removing one sentence must be rejected, unless the rest is another class's premise."""
    solver = Solver()
    classes = build_classes(4)
    # every labeled DAG on 4 nodes (543 of them), verbalized in the minimal style
    valid = set()
    for mask in enumerate_dags(4).masks:
        for perm in permutations(range(4)):
            g = relabel(mask_to_parents(int(mask), 4), perm)
            statements = minimal_separating_statements(d_separation_statements(g))
            correlations = [(i, j) for i, j in pairs(4) if (i, j, 0) not in statements]
            valid.add(verbalize_premise(statements, node_names(4), correlations=correlations))
    assert len(valid) == 185, "one minimal premise per labeled MEC (OEIS A007984)"
    rejected = accepted = 0
    for cls in classes:
        premise = cls.premise(node_names(4), style="minimal")
        head, sep, tail = premise.partition("are as follows: ")
        sentences = [t if t.endswith(".") else t + "." for t in tail.split(". ")]
        for drop in [t for t in sentences if "independent" in t]:
            kept = [t for t in sentences if t != drop]
            corr = [t for t in kept if "correlates" in t]
            ind = [t.replace("However, ", "") for t in kept if "independent" in t]
            text = head + sep + " ".join(corr) + (" However, " if corr and ind else "")
            text += " ".join(ind)
            try:
                solver.solve(text, "A directly causes B.")
            except SolverError:
                rejected += 1
            else:
                assert text in valid, f"accepted a premise of no class: {text}"
                accepted += 1
    assert rejected > 20 and accepted > 0
