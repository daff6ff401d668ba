"""Common code of the ``nli`` and ``classifier`` backends (AutoModelForSequenceClassification)."""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from typing import Any

from corr2cause.evaluation.backends._torch import (
    length_batches,
    max_positions,
    model_dir,
    model_fingerprint,
    pick_device,
    pick_dtype,
    require_torch,
)
from corr2cause.evaluation.backends.base import Backend, BackendError, Request, Response


class SequenceClassifierBackend(Backend):
    """Load a local sequence classifier; subclasses choose the inputs and the valid class.

    Subclasses set :attr:`default_max_length` and check the model's head in
    :meth:`_check_head`; the constructor (and so the options the registry accepts) is shared.
    """

    takes_model = True
    default_max_length: int | None = None
    """Token limit when none is given (``None``: the model's own limit)."""

    def __init__(
        self,
        model: str,
        *,
        batch_size: int = 16,
        max_length: int | None = None,
        device: str | None = None,
        dtype: str = "auto",
    ) -> None:
        super().__init__(model)
        if batch_size < 1 or (max_length is not None and max_length < 8):
            raise BackendError("batch_size must be positive and max_length at least 8")
        if max_length is None:
            max_length = self.default_max_length
        torch, transformers = require_torch()
        self._torch = torch
        path = model_dir(model)
        self.batch_size = int(batch_size)
        self.device = pick_device(torch, device)
        self.dtype = dtype
        self._tokenizer = transformers.AutoTokenizer.from_pretrained(path, local_files_only=True)
        net = transformers.AutoModelForSequenceClassification.from_pretrained(
            path, local_files_only=True, dtype=pick_dtype(torch, dtype, self.device)
        )
        self._model = net.to(self.device).eval()
        self.max_length = max_positions(net.config, self._tokenizer, max_length)
        self.id2label = {int(k): str(v) for k, v in net.config.id2label.items()}
        self.num_labels = int(net.config.num_labels)
        self.fingerprint = model_fingerprint(path)
        self._check_head(model)

    def _check_head(self, model: str) -> None:
        """Raise :class:`BackendError` if the classification head does not fit the backend."""

    def params(self) -> dict[str, Any]:
        return {
            "max_length": self.max_length,
            "truncation_side": getattr(self._tokenizer, "truncation_side", "right"),
            "dtype": self.dtype,
            "model_fingerprint": self.fingerprint,
        }

    def _encode(self, requests: Sequence[Request]) -> dict[str, Any]:
        raise NotImplementedError

    def _text_length(self, request: Request) -> int:
        raise NotImplementedError

    def _answer(self, probs: list[float]) -> tuple[str, int]:
        """(raw answer, label) from the class probabilities."""
        raise NotImplementedError

    def stream(
        self, requests: Sequence[Request], *, concurrency: int = 1
    ) -> Iterator[tuple[int, Response]]:
        torch = self._torch
        lengths = [self._text_length(r) for r in requests]
        for batch in length_batches(lengths, self.batch_size):
            chosen = [requests[k] for k in batch]
            try:
                encoded = self._encode(chosen)
                start = time.perf_counter()
                with torch.inference_mode():
                    logits = self._model(
                        **{k: v.to(self.device) for k, v in encoded.items()}
                    ).logits.float()
                probs = torch.softmax(logits, dim=-1).cpu().tolist()
                elapsed = (time.perf_counter() - start) / len(batch)
                counts = encoded["attention_mask"].sum(dim=1).tolist()
            except Exception as exc:  # record, never crash the run
                for k in batch:
                    yield k, Response.failure(f"{type(exc).__name__}: {exc}")
                continue
            for k, p, used in zip(batch, probs, counts, strict=True):
                text, label = self._answer(p)
                yield (
                    k,
                    Response(
                        text=text,
                        label=label,
                        latency_s=elapsed,
                        prompt_tokens=int(used),
                        details={
                            "probs": {self.id2label[i]: round(v, 6) for i, v in enumerate(p)},
                        },
                    ),
                )

    def close(self) -> None:
        self._model = None
