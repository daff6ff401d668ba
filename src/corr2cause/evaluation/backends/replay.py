"""``responses:FILE``: replay model outputs produced offline (vLLM, Ray Data LLM, ...).

The backend answers each request with the response recorded for its item id in ``FILE``
(see :mod:`corr2cause.evaluation.batch`), so an offline batch job is scored by exactly the same
answer normalization, metrics and reports as a live run. Items without a response are
recorded as failed requests, never silently counted as answered.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, ClassVar

from corr2cause.evaluation.backends.base import Backend, BackendError, Request, Response
from corr2cause.evaluation.batch import read_responses


class ResponseReplay(Backend):
    """Answers from a response file keyed by item id."""

    name: ClassVar[str] = "responses"
    uses_prompt: ClassVar[bool] = True
    takes_model: ClassVar[bool] = True

    def __init__(self, model: str = "") -> None:
        super().__init__(model)
        try:
            self._responses = read_responses(model)
        except ValueError as exc:
            raise BackendError(str(exc)) from None
        self._sha256 = hashlib.sha256(Path(model).read_bytes()).hexdigest()

    def params(self) -> dict[str, Any]:
        # The file's content, not its name, decides the answers (and the cache key).
        return {"sha256": self._sha256}

    def stream(
        self, requests: Sequence[Request], *, concurrency: int = 1
    ) -> Iterator[tuple[int, Response]]:
        for index, request in enumerate(requests):
            if request.step:
                yield index, Response.failure("multi-step prompts cannot be replayed")
                continue
            text = self._responses.get(request.item.id)
            if text is None:
                yield index, Response.failure(f"no response for id {request.item.id!r}")
            else:
                yield index, Response(text=text, latency_s=0.0)
