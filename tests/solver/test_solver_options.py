"""Solver options reach the reconstruction with and without the cache; cached failures keep
the offending sentence."""

from __future__ import annotations

import networkx as nx
import pytest

import oracle
from corr2cause.solver import InconsistentPremiseError, Solver, SolverError

CHAIN = oracle.render_premise(nx.DiGraph([("A", "B"), ("B", "C")]), ["A", "B", "C"])


@pytest.mark.parametrize("cache_size", [0, 16])
def test_limits_are_applied(cache_size):
    assert len(oracle.members(CHAIN)) == 3
    with pytest.raises(SolverError, match="more than 2 member DAGs"):
        Solver(cache_size=cache_size, max_members=2).reconstruct(CHAIN)
    with pytest.raises(SolverError, match="at most 2"):
        Solver(cache_size=cache_size, max_nodes=2).reconstruct(CHAIN)
    assert len(Solver(cache_size=cache_size, max_members=3).reconstruct(CHAIN).members) == 3


def test_a_cached_failure_keeps_its_sentence():
    bad = CHAIN + " A is independent of B."
    solver = Solver()
    sentences = []
    for _ in range(2):  # the second time comes from the cache
        with pytest.raises(InconsistentPremiseError) as info:
            solver.solve(bad, "A directly causes B.")
        sentences.append(info.value.sentence)
    assert sentences == ["A is independent of B."] * 2
    assert solver.hits >= 1
