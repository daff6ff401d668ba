"""Fixtures of the causal-core tests: named immutable graphs and cached catalogs.

The named graphs live in :mod:`causal_reference` (so they can also parametrize tests at
collection time); the fixtures below just hand them out. They are immutable: parent masks are
tuples and the networkx views are frozen.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

import pytest
from causal_reference import (
    CHAIN,
    COLLIDER,
    DIAMOND,
    EMPTY3,
    FORK,
    M_BIAS,
    TRIANGLE,
    Y_STRUCTURE,
    NamedDag,
    StatementT,
    nx_statements,
)

from corr2cause.causal.mec_classes import MecClass, mec_classes
from corr2cause.graphs.enumeration import DagCatalog, enumerate_dags


@cache
def cached_catalog(n: int) -> DagCatalog:
    """``enumerate_dags(n)``, computed once per session."""
    return enumerate_dags(n)


@cache
def cached_classes(n: int) -> tuple[MecClass, ...]:
    """``mec_classes(n)``, computed once per session."""
    return tuple(mec_classes(n, catalog=cached_catalog(n)))


@cache
def cached_rep_statements(n: int) -> tuple[tuple[StatementT, ...], ...]:
    """networkx statements of every DAG representative on ``n`` nodes (index = class)."""
    cat = cached_catalog(n)
    return tuple(tuple(nx_statements(cat.parents(k))) for k in range(len(cat)))


@pytest.fixture(scope="session")
def catalog() -> Callable[[int], DagCatalog]:
    """``n -> enumerate_dags(n)``, cached for the session."""
    return cached_catalog


@pytest.fixture(scope="session")
def classes() -> Callable[[int], tuple[MecClass, ...]]:
    """``n -> mec_classes(n)``, cached for the session."""
    return cached_classes


@pytest.fixture(scope="session")
def rep_statements() -> Callable[[int], tuple[tuple[StatementT, ...], ...]]:
    """``n -> networkx d-separation statements of every DAG representative``, cached."""
    return cached_rep_statements


@pytest.fixture
def chain() -> NamedDag:
    """A -> B -> C."""
    return CHAIN


@pytest.fixture
def fork() -> NamedDag:
    """A <- B -> C (B is a common cause)."""
    return FORK


@pytest.fixture
def collider() -> NamedDag:
    """A -> C <- B."""
    return COLLIDER


@pytest.fixture
def triangle() -> NamedDag:
    """A -> B, A -> C, B -> C (complete DAG on three nodes)."""
    return TRIANGLE


@pytest.fixture
def empty3() -> NamedDag:
    """Three isolated nodes."""
    return EMPTY3


@pytest.fixture
def diamond() -> NamedDag:
    """A -> B, A -> C, B -> D, C -> D."""
    return DIAMOND


@pytest.fixture
def y_structure() -> NamedDag:
    """A -> C <- B, C -> D."""
    return Y_STRUCTURE


@pytest.fixture
def m_bias() -> NamedDag:
    """A -> B, A -> C, D -> C, D -> E (the M-graph, C a collider)."""
    return M_BIAS
