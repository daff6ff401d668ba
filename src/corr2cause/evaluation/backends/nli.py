"""The ``nli:PATH`` backend: a zero-shot MNLI cross-encoder (SPEC section 7).

The pair ``(premise, hypothesis)`` is encoded with only the premise truncated
(``truncation="only_first"``), the class with the highest score wins, and only
*entailment* counts as valid. The label names come from the model's ``id2label``
(``contradiction`` / ``neutral`` / ``entailment`` in any case and order, e.g.
``roberta-large-mnli`` or ``facebook/bart-large-mnli``; two-class ``entailment`` /
``not_entailment`` heads work too). The raw response is the winning label name.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from corr2cause.evaluation.backends._sequence_classification import SequenceClassifierBackend
from corr2cause.evaluation.backends._torch import label_index
from corr2cause.evaluation.backends.base import BackendError, Request

__all__ = ["NLIBackend"]


class NLIBackend(SequenceClassifierBackend):
    """An MNLI-style model scoring (premise, hypothesis).

    Parameters
    ----------
    model : str
        Model directory.
    batch_size : int
        Pairs per forward pass.
    max_length : int, optional
        Token limit of a pair (default: the model's limit); only the premise is cut.
    device, dtype : str
        As for the ``hf`` backend.
    """

    name = "nli"

    def _check_head(self, model: str) -> None:
        entail = label_index(self.id2label, "entail")
        if entail is None:
            names = ", ".join(self.id2label[k] for k in sorted(self.id2label))
            raise BackendError(
                f"{model}: no entailment class among the model's labels ({names}); "
                "an NLI model needs id2label with an 'entailment' entry"
            )
        self._entailment = entail

    def params(self) -> dict[str, Any]:
        return {**super().params(), "entailment_index": self._entailment}

    def _text_length(self, request: Request) -> int:
        return len(request.item.premise) + len(request.item.hypothesis)

    def _encode(self, requests: Sequence[Request]) -> dict[str, Any]:
        encoded: dict[str, Any] = self._tokenizer(
            [r.item.premise for r in requests],
            [r.item.hypothesis for r in requests],
            truncation="only_first",
            max_length=self.max_length,
            padding=True,
            return_tensors="pt",
        )
        return encoded

    def _answer(self, probs: list[float]) -> tuple[str, int]:
        best = max(range(len(probs)), key=probs.__getitem__)
        return self.id2label[best].lower(), int(best == self._entailment)
