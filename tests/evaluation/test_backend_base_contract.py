"""The backend protocol of ``backends/base.py``: responses, payloads and cache keys, by hand.

A cache key is the SHA-256 of ``key_prefix + "\\n" + canonical_json(payload)``. The expected
keys here are computed with :mod:`hashlib` from JSON text written out character by character
(sorted keys, no whitespace, non-ASCII kept, UTF-8 bytes), not with the module's helpers: a
change in any of them silently invalidates every cache a user has paid for.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from typing import Any

import pytest

from corr2cause.evaluation.backends.base import (
    CACHE_KEY_VERSION,
    Backend,
    Request,
    Response,
    cache_key,
    canonical_json,
    key_prefix,
)

from .conftest import make_items

ITEM = make_items(1)[0]
MESSAGES = ({"role": "user", "content": "Ça va? Answer:"},)


class _Prompted(Backend):
    """A prompt-reading backend with settings; answers in reverse order, can skip some."""

    name = "fake-prompted"
    uses_prompt = True

    def __init__(self, model: str = "", *, skip: Sequence[int] = ()) -> None:
        super().__init__(model)
        self.skip = set(skip)
        self.closed = 0
        self.concurrency: list[int] = []

    def params(self) -> dict[str, Any]:
        return {"z": "é", "a": [1, None]}

    def stream(
        self, requests: Sequence[Request], *, concurrency: int = 1
    ) -> Iterator[tuple[int, Response]]:
        self.concurrency.append(concurrency)
        for index in reversed(range(len(requests))):
            if index not in self.skip:
                yield index, Response(text=f"answer {index}")

    def close(self) -> None:
        self.closed += 1


class _Items(Backend):
    """An item-reading backend with no settings of its own."""

    name = "fake-items"

    def stream(
        self, requests: Sequence[Request], *, concurrency: int = 1
    ) -> Iterator[tuple[int, Response]]:
        yield from ()


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def test_the_cache_key_version_is_one() -> None:
    assert CACHE_KEY_VERSION == 1


def test_key_prefix_is_the_sorted_compact_json_of_name_model_params_version() -> None:
    assert key_prefix(_Prompted("m-1")) == (
        '{"backend":"fake-prompted","model":"m-1","params":{"a":[1,null],"z":"é"},"v":1}'
    )
    assert key_prefix(_Items()) == '{"backend":"fake-items","model":"","params":{},"v":1}'


def test_cache_key_of_a_prompt_backend() -> None:
    request = Request(ITEM, messages=MESSAGES, max_tokens=7)
    expected = _sha(
        '{"backend":"fake-prompted","model":"m-1","params":{"a":[1,null],"z":"é"},"v":1}\n'
        '{"max_tokens":7,"messages":[{"content":"Ça va? Answer:","role":"user"}]}'
    )
    backend = _Prompted("m-1")
    assert cache_key(backend, request) == expected
    assert cache_key(backend, request, prefix=key_prefix(backend)) == expected
    assert cache_key(backend, request, prefix="other") == _sha(
        'other\n{"max_tokens":7,"messages":[{"content":"Ça va? Answer:","role":"user"}]}'
    )


def test_cache_key_of_an_item_backend_and_of_a_sample() -> None:
    item = make_items(2)[1]
    payload = (
        '{"hypothesis":"There exists at least one confounder (i.e., common cause) of A and B.",'
        '"premise":"Suppose there is a closed system of 2 variables, A and B. All the '
        'statistical relations among these 2 variables are as follows: A correlates with B."'
    )
    head = '{"backend":"fake-items","model":"","params":{},"v":1}\n'
    assert cache_key(_Items(), Request(item)) == _sha(head + payload + "}")
    assert cache_key(_Items(), Request(item, sample=3)) == _sha(head + payload + ',"sample":3}')
    # the prompt, the step and the token budget are not what an item backend reads
    assert cache_key(_Items(), Request(item, messages=MESSAGES, max_tokens=5, step=2)) == _sha(
        head + payload + "}"
    )


def test_default_payloads() -> None:
    prompted = _Prompted()
    assert prompted.payload(Request(ITEM)) == {"messages": [], "max_tokens": None}
    assert prompted.payload(Request(ITEM, messages=MESSAGES, max_tokens=3, sample=2)) == {
        "messages": list(MESSAGES),
        "max_tokens": 3,
        "sample": 2,
    }
    assert prompted.payload(Request(ITEM, sample=0)) == {"messages": [], "max_tokens": None}
    assert _Items().payload(Request(ITEM, sample=1)) == {
        "premise": ITEM.premise,
        "hypothesis": ITEM.hypothesis,
        "sample": 1,
    }


def test_canonical_json() -> None:
    value = {"b": {"y": 1, "x": [True, None, 1.5]}, "a": "é\n", "c": ""}
    assert canonical_json(value) == '{"a":"é\\n","b":{"x":[true,null,1.5],"y":1},"c":""}'


def test_spec_describe_and_default_params() -> None:
    assert _Prompted("m-1").spec == "fake-prompted:m-1"
    assert _Items().spec == "fake-items"
    assert _Items().params() == {}
    assert _Prompted("m-1").describe() == {
        "spec": "fake-prompted:m-1",
        "name": "fake-prompted",
        "model": "m-1",
        "params": {"z": "é", "a": [1, None]},
    }
    assert _Items().describe() == {
        "spec": "fake-items",
        "name": "fake-items",
        "model": "",
        "params": {},
    }
    assert (Backend.name, Backend.uses_prompt, Backend.takes_model) == ("", False, False)


def test_generate_puts_streamed_responses_in_request_order() -> None:
    requests = [Request(item) for item in make_items(4)]
    assert [r.text for r in _Prompted().generate(requests)] == [
        "answer 0",
        "answer 1",
        "answer 2",
        "answer 3",
    ]
    assert _Prompted().generate([]) == []


def test_generate_passes_the_concurrency_on() -> None:
    backend = _Prompted()
    requests = [Request(ITEM)]
    backend.generate(requests)
    backend.generate(requests, concurrency=6)
    assert backend.concurrency == [1, 6]  # one at a time unless asked


def test_generate_refuses_a_stream_that_left_requests_out() -> None:
    requests = [Request(item) for item in make_items(4)]
    with pytest.raises(RuntimeError, match=r"^backend fake-prompted:m yielded no response for 2 "):
        _Prompted("m", skip=(1, 3)).generate(requests)


def test_the_context_manager_closes_the_backend() -> None:
    with _Prompted() as backend:
        assert backend.closed == 0
    assert backend.closed == 1
    with pytest.raises(KeyError), _Prompted() as failing:
        raise KeyError("x")
    assert failing.closed == 1
    assert _Items().close() is None  # the default hook does nothing


def test_response_failure_and_ok() -> None:
    failed = Response.failure("boom", latency_s=0.5, attempts=3)
    assert failed == Response(text=None, error="boom", latency_s=0.5, details={"attempts": 3})
    assert not failed.ok and failed.label is None
    assert Response.failure("boom") == Response(text=None, error="boom")
    assert Response(text="").ok and Response(text=None).ok


def test_response_dict_form() -> None:
    full = Response(
        text="Yes",
        label=1,
        error=None,
        latency_s=0.25,
        prompt_tokens=10,
        completion_tokens=2,
        details={"finish_reason": "stop"},
        reasoning="because",
        reasoning_tokens=1,
    )
    assert full.to_dict() == {
        "text": "Yes",
        "label": 1,
        "error": None,
        "latency_s": 0.25,
        "prompt_tokens": 10,
        "completion_tokens": 2,
        "details": {"finish_reason": "stop"},
        "reasoning": "because",
        "reasoning_tokens": 1,
    }
    assert Response.from_dict(full.to_dict()) == full
    assert Response.from_dict({}) == Response(text=None)
    assert Response.from_dict({"text": "No", "details": None}).details == {}
    failed = Response.failure("boom", attempts=2)
    assert Response.from_dict(failed.to_dict()) == failed
