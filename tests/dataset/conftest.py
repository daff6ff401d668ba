"""Fixtures of the dataset tests: class data computed once per session (read-only)."""

from __future__ import annotations

import pytest

from corr2cause.dataset.compose import ClassData, build_classes


@pytest.fixture(scope="session")
def classes_2_to_6() -> dict[int, tuple[ClassData, ...]]:
    """All classes for N = 2..6 (about 2 s); tuples so tests cannot reorder them."""
    return {n: tuple(build_classes(n)) for n in range(2, 7)}


@pytest.fixture(scope="session")
def classes_2_to_4(classes_2_to_6: dict[int, tuple[ClassData, ...]]) -> dict[int, list[ClassData]]:
    """Classes for N = 2..4, as fresh lists (generate_dataset accepts a dict of lists)."""
    return {n: list(classes_2_to_6[n]) for n in (2, 3, 4)}
