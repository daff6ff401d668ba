"""Fixtures of the solver tests: named premises and the core's classes, built once (read-only)."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

import pytest

from corr2cause.causal import MecClass, d_separation_statements, mec_classes
from corr2cause.dataset.verbalize import verbalize_premise
from corr2cause.graphs import Parents, node_names

COLLIDER = (0, 0, 0b011)
"""A -> C <- B."""
CHAIN = (0, 0b001, 0b010)
"""A -> B -> C."""


def _premise_of(parents: Parents, names: list[str] | None = None) -> str:
    names = names if names is not None else node_names(len(parents))
    return verbalize_premise(d_separation_statements(parents), names)


@pytest.fixture(scope="session")
def premise_of() -> Callable[..., str]:
    """``premise_of(parents, names=None)``: the official premise of a DAG (SPEC section 4)."""
    return _premise_of


@cache
def _classes(n: int) -> tuple[MecClass, ...]:
    return tuple(mec_classes(n))


@pytest.fixture(scope="session")
def core_classes() -> Callable[[int], tuple[MecClass, ...]]:
    """``mec_classes(n)`` as a tuple, computed once per session per ``n`` (N = 6: ~1 s)."""
    return _classes


@pytest.fixture(scope="session")
def collider_premise() -> str:
    """Premise of A -> C <- B: 'A correlates with C. B correlates with C. However, A is ...'."""
    return _premise_of(COLLIDER)


@pytest.fixture(scope="session")
def chain_premise() -> str:
    """Premise of the chain A -> B -> C (class of three DAGs: the chain, its reverse, a fork)."""
    return _premise_of(CHAIN)
