"""The ``oracle`` backend: the exact solver of :mod:`corr2cause.solver`.

It answers every item with the label that the definitions of SPEC section 2 give, so its
score against a gold file measures the gold labels (on the official test split: F1 95.16,
because 18 official labels are wrong). The raw response is the 3-class label.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from typing import Any

from corr2cause.evaluation.backends.base import Backend, BackendError, Request, Response

__all__ = ["Oracle"]


class Oracle(Backend):
    """Answers with the exact solver (``corr2cause.solver.Solver``)."""

    name = "oracle"

    def __init__(self, model: str = "") -> None:
        super().__init__(model)
        try:
            from corr2cause.solver import Solver, SolverError
        except ImportError as exc:  # pragma: no cover - the solver ships with the package
            raise BackendError(f"the exact solver is not available: {exc}") from None
        self._solver = Solver()
        self._solver_error: type[Exception] = SolverError

    def params(self) -> dict[str, Any]:
        return {}

    def stream(
        self, requests: Sequence[Request], *, concurrency: int = 1
    ) -> Iterator[tuple[int, Response]]:
        for index, request in enumerate(requests):
            start = time.perf_counter()
            try:
                solution = self._solver.solve(request.item.premise, request.item.hypothesis)
            except self._solver_error as exc:
                yield (
                    index,
                    Response.failure(f"solver: {exc}", latency_s=time.perf_counter() - start),
                )
                continue
            yield (
                index,
                Response(
                    text=str(solution.label3),
                    label=int(solution.label),
                    latency_s=time.perf_counter() - start,
                    details={"fraction": solution.fraction},
                ),
            )
