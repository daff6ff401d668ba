"""The ``classifier:PATH`` backend: a fine-tuned binary sequence classifier.

The model is an ``AutoModelForSequenceClassification`` directory with two labels, as the
fine-tuning command writes it: the input is the official ``input`` text
(``"Premise: ...\\nHypothesis: ..."``), label 1 means valid. Inputs longer than ``max_length``
(default: the model's limit, at most 512, the paper's recipe) are cut on the tokenizer's
``truncation_side`` as saved with the model, so evaluation encodes exactly as training did.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from corr2cause.evaluation.backends._sequence_classification import SequenceClassifierBackend
from corr2cause.evaluation.backends.base import BackendError, Request

__all__ = ["ClassifierBackend"]


class ClassifierBackend(SequenceClassifierBackend):
    """A two-label classifier over the official ``input`` text.

    Parameters
    ----------
    model : str
        Model directory.
    batch_size : int
        Inputs per forward pass.
    max_length : int, optional
        Token limit (default: the model's limit, capped at 512).
    device, dtype : str
        As for the ``hf`` backend.
    """

    name = "classifier"

    default_max_length = 512

    def _check_head(self, model: str) -> None:
        if self.num_labels != 2:
            raise BackendError(
                f"{model}: a classifier needs exactly 2 labels (0 = invalid, 1 = valid), "
                f"this model has {self.num_labels}; for 3-class MNLI heads use nli:{model}"
            )

    def payload(self, request: Request) -> Any:
        return {"input": request.item.input}

    def _text_length(self, request: Request) -> int:
        return len(request.item.input)

    def _encode(self, requests: Sequence[Request]) -> dict[str, Any]:
        encoded: dict[str, Any] = self._tokenizer(
            [r.item.input for r in requests],
            truncation=True,
            max_length=self.max_length,
            padding=True,
            return_tensors="pt",
        )
        return encoded

    def _answer(self, probs: list[float]) -> tuple[str, int]:
        label = int(probs[1] > probs[0])
        return ("valid" if label else "invalid"), label
