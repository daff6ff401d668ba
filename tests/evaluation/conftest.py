"""Fixtures of the evaluation tests: real items, fake backends, tiny models, a stub server."""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

from corr2cause.dataset.readers import EvalItem
from corr2cause.evaluation.backends.base import Backend, Request, Response
from corr2cause.testing.stub_server import StubOpenAIServer
from fixtures.tiny_models import (
    NLI_LABELS,
    build_tiny_causal_lm,
    build_tiny_sequence_classifier,
)

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

_P2 = (
    "Suppose there is a closed system of 2 variables, A and B. All the statistical relations "
    "among these 2 variables are as follows: A correlates with B."
)
_COLLIDER = (
    "Suppose there is a closed system of 3 variables, A, B and C. All the statistical relations "
    "among these 3 variables are as follows: A correlates with C. B correlates with C. However, "
    "A is independent of B."
)
_CHAIN = (
    "Suppose there is a closed system of 3 variables, A, B and C. All the statistical relations "
    "among these 3 variables are as follows: A correlates with B. A correlates with C. B "
    "correlates with C. However, A and C are independent given B."
)
# (premise, hypothesis, exact label, relation)
_ITEMS = (
    (_P2, "A directly causes B.", 0, "parent"),
    (_P2, "There exists at least one confounder (i.e., common cause) of A and B.", 0,
     "has_confounder"),
    (_COLLIDER, "There exists at least one collider (i.e., common effect) of A and B.", 1,
     "has_collider"),
    (_COLLIDER, "A directly causes C.", 1, "parent"),
    (_COLLIDER, "C directly causes A.", 0, "child"),
    (_COLLIDER, "A causes something else which causes B.", 0, "non-parent ancestor"),
    (_CHAIN, "A directly causes B.", 0, "parent"),
    (_CHAIN, "There exists at least one collider (i.e., common effect) of A and C.", 0,
     "has_collider"),
)  # fmt: skip


def make_items(count: int | None = None) -> list[EvalItem]:
    """Real items (N = 2 and 3) with their exact labels.

    Beyond the eight distinct items, repeats get distinct ids and distinct prompts (spaces
    before the hypothesis' final period); only the first eight are meant for the solver.
    """
    count = len(_ITEMS) if count is None else count
    out = []
    for k in range(count):
        premise, hypothesis, label, relation = _ITEMS[k % len(_ITEMS)]
        if k >= len(_ITEMS):  # distinct prompts for repeats: vary the hypothesis period
            hypothesis = hypothesis[:-1] + " " * (k // len(_ITEMS)) + "."
        out.append(
            EvalItem(
                id=f"item-{k:04d}",
                premise=premise,
                hypothesis=hypothesis,
                input=f"Premise: {premise}\nHypothesis: {hypothesis}",
                label=label,
                num_variables=int(premise.split("closed system of ")[1].split()[0]),
                relation=relation,
            )
        )
    return out


@pytest.fixture()
def items() -> list[EvalItem]:
    """Eight real items with exact labels."""
    return make_items()


class EchoBackend(Backend):
    """Fake prompt backend: "Yes" when the last user message has an odd length, else "No"."""

    name = "fake-echo"
    uses_prompt = True

    def __init__(self, model: str = "", *, answer: str | None = None) -> None:
        super().__init__(model)
        self.answer = answer
        self.calls: list[Request] = []

    def params(self) -> dict[str, Any]:
        return {"answer": self.answer}

    def stream(
        self, requests: Sequence[Request], *, concurrency: int = 1
    ) -> Iterator[tuple[int, Response]]:
        for index, request in enumerate(requests):
            self.calls.append(request)
            last = (request.messages or ({"content": ""},))[-1]["content"]
            text = self.answer or ("Yes" if len(last) % 2 else "No")
            yield index, Response(text=text, latency_s=0.0, prompt_tokens=len(last.split()))


class FlakyBackend(Backend):
    """Fake label backend: items whose id number is 2 mod 3 fail; others get the gold label."""

    name = "fake-flaky"

    def __init__(self, model: str = "") -> None:
        super().__init__(model)
        self.calls = 0

    def stream(
        self, requests: Sequence[Request], *, concurrency: int = 1
    ) -> Iterator[tuple[int, Response]]:
        for index in reversed(range(len(requests))):  # out of order on purpose
            self.calls += 1
            if int(requests[index].item.id.rsplit("-", 1)[1]) % 3 == 2:
                yield index, Response.failure("injected failure")
            else:
                label = requests[index].item.label
                yield index, Response(text=str(label), label=label, latency_s=0.0)


@pytest.fixture()
def echo_backend() -> EchoBackend:
    return EchoBackend()


@pytest.fixture(scope="session")
def tiny_lm_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny random GPT-2 with the MiniLM tokenizer (built once per session)."""
    return build_tiny_causal_lm(tmp_path_factory.mktemp("tiny-lm"))


@pytest.fixture(scope="session")
def tiny_nli_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny BERT with an MNLI head (contradiction / neutral / entailment)."""
    return build_tiny_sequence_classifier(tmp_path_factory.mktemp("tiny-nli"), NLI_LABELS)


@pytest.fixture(scope="session")
def tiny_classifier_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny BERT with two labels (0 invalid, 1 valid)."""
    return build_tiny_sequence_classifier(tmp_path_factory.mktemp("tiny-clf"), ["invalid", "valid"])


def stub_answer(prompt: str) -> str:
    """Deterministic stub answer: "Yes" for prompts mentioning a collider, else "No."."""
    return "Yes" if "collider" in prompt else "No."


@pytest.fixture()
def stub_server() -> Iterator[StubOpenAIServer]:
    """A well-behaved OpenAI-compatible server on 127.0.0.1."""
    with StubOpenAIServer(answer=stub_answer, max_lifetime_s=120) as server:
        yield server


def hand_scores(pairs: list[tuple[int, int]]) -> dict[str, Any]:
    """Valid-class metrics of ``(gold, pred)`` pairs counted by hand, independently of
    :mod:`corr2cause.scoring`: ``n``, ``f1``, ``precision``, ``recall``, ``accuracy`` (×100,
    two decimals, ``None`` when 0/0), ``gold_valid``, ``predicted_valid``."""
    tp = sum(1 for g, p in pairs if g == 1 and p == 1)
    fp = sum(1 for g, p in pairs if g == 0 and p == 1)
    fn = sum(1 for g, p in pairs if g == 1 and p == 0)

    def pct(num: int, den: int) -> float | None:
        return round(100 * num / den, 2) if den else None

    return {
        "n": len(pairs),
        "f1": pct(2 * tp, 2 * tp + fp + fn),
        "precision": pct(tp, tp + fp),
        "recall": pct(tp, tp + fn),
        "accuracy": pct(sum(1 for g, p in pairs if g == p), len(pairs)),
        "gold_valid": tp + fn,
        "predicted_valid": tp + fp,
    }
