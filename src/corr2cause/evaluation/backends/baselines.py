"""The paper's trivial baselines (SPEC section 7), seeded and order-independent.

``random-uniform``
    one of entailment / neutral / contradiction with probability 1/3 each, so P(valid) = 1/3;
``random-proportional``
    the classes with the benchmark's proportions 0.1857 / 0.2561 / 0.5582 (entailment /
    neutral / contradiction);
``majority``
    always invalid.

Only *entailment* counts as valid. The random draw of an item depends on the seed and the item
id alone (a keyed BLAKE2 hash), never on the order, the ``--limit`` or on which items were
resumed from the cache, so a run is reproducible item by item.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from typing import Any, ClassVar

from corr2cause.evaluation.backends.base import Backend, Request, Response

__all__ = ["Majority", "RandomProportional", "RandomUniform", "unit_draw"]

PROPORTIONS = {"entailment": 0.1857, "neutral": 0.2561, "contradiction": 0.5582}
"""Class shares of the benchmark used by ``random-proportional`` (SPEC section 7)."""


def unit_draw(seed: int, key: str) -> float:
    """A uniform number in [0, 1) determined by ``seed`` and ``key``.

    Examples
    --------
    >>> unit_draw(0, "row-1") == unit_draw(0, "row-1")
    True
    """
    digest = hashlib.blake2b(key.encode("utf-8"), digest_size=8, key=str(seed).encode()).digest()
    return int.from_bytes(digest, "big") / 2.0**64


class _RandomClasses(Backend):
    """Draws a 3-class answer per item with fixed probabilities."""

    probabilities: ClassVar[dict[str, float]] = {}

    def __init__(self, model: str = "", *, seed: int = 0) -> None:
        super().__init__(model)
        self.seed = int(seed)
        total = sum(self.probabilities.values())
        edges: list[tuple[float, str]] = []
        acc = 0.0
        for name, p in self.probabilities.items():
            acc += p / total
            edges.append((acc, name))
        self._edges = edges

    def params(self) -> dict[str, Any]:
        return {"seed": self.seed, "probabilities": self.probabilities}

    def payload(self, request: Request) -> Any:
        return {"id": request.item.id}

    def _draw(self, item_id: str) -> str:
        u = unit_draw(self.seed, item_id)
        for edge, name in self._edges:
            if u < edge:
                return name
        return self._edges[-1][1]

    def stream(
        self, requests: Sequence[Request], *, concurrency: int = 1
    ) -> Iterator[tuple[int, Response]]:
        for index, request in enumerate(requests):
            answer = self._draw(request.item.id)
            yield index, Response(text=answer, label=int(answer == "entailment"), latency_s=0.0)


class RandomUniform(_RandomClasses):
    """Uniform over the three classes: P(valid) = 1/3."""

    name = "random-uniform"
    probabilities: ClassVar[dict[str, float]] = {
        "entailment": 1 / 3,
        "neutral": 1 / 3,
        "contradiction": 1 / 3,
    }


class RandomProportional(_RandomClasses):
    """Proportional to the benchmark's class shares."""

    name = "random-proportional"
    probabilities: ClassVar[dict[str, float]] = PROPORTIONS


class Majority(Backend):
    """Always the majority class, invalid."""

    name = "majority"

    def payload(self, request: Request) -> Any:
        return {"id": request.item.id}

    def stream(
        self, requests: Sequence[Request], *, concurrency: int = 1
    ) -> Iterator[tuple[int, Response]]:
        for index in range(len(requests)):
            yield index, Response(text="invalid", label=0, latency_s=0.0)
