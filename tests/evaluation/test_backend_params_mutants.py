"""What backends put into cache keys and run manifests, field by field (``make mutation``).

``params()`` and ``payload()`` make up the cache key: a renamed or dropped field silently
invalidates every cache a user already paid for, or lets two settings share one key.
``describe()`` is what a run manifest records. The expected dicts are the documented fields,
written out by hand; the model-table values are those of ``backends/models.toml`` (the
catch-all ``*`` entry: 16 tokens, temperature sent; ``o3*``: a reasoning model with
``max_completion_tokens`` and no temperature).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

from corr2cause.evaluation.backends import load_backend
from corr2cause.evaluation.backends.base import (
    Backend,
    Request,
    Response,
    cache_key,
    canonical_json,
)
from corr2cause.evaluation.backends.openai_backend import OpenAIBackend

from .conftest import make_items

LOCAL = "http://127.0.0.1:9/v1"
MESSAGES = ({"role": "user", "content": "Premise: ...\nAnswer:"},)


def test_openai_params_and_repr_hide_credentials() -> None:
    backend = OpenAIBackend(
        "gpt-4o-mini",
        base_url="http://user:secret@127.0.0.1:9/v1",
        seed=7,
        temperature=0.5,
        extra_body={"top_k": 1},
    )
    assert backend.params() == {
        "style": "chat",
        "temperature": 0.5,
        "seed": 7,
        "base_url": LOCAL,
        "extra_body": {"top_k": 1},
    }
    assert repr(backend) == f"OpenAIBackend(model='gpt-4o-mini', base_url='{LOCAL}')"


def test_openai_describe_records_the_request_settings() -> None:
    backend = OpenAIBackend("gpt-4o-mini", base_url=LOCAL, seed=7, temperature=0.5)
    description = backend.describe()
    request = description.pop("request")
    assert description == {
        "spec": "openai:gpt-4o-mini",
        "name": "openai",
        "model": "gpt-4o-mini",
        "params": backend.params(),
    }
    assert request == {
        "token_param": "max_tokens",
        "max_tokens": 16,
        "max_tokens_set_by": "model table",
        "reasoning_effort": None,
        "structured": None,
        "temperature": 0.5,
        "seed": 7,
        "timeout_s": 60.0,
        "max_retries": 5,
        "model_settings": {
            "token_param": "max_tokens",
            "temperature": True,
            "reasoning": False,
            "max_tokens": 16,
            "price_in": None,
            "price_out": None,
            "pattern": "*",
        },
    }


def test_openai_reasoning_model_settings() -> None:
    backend = OpenAIBackend(
        "o3-mini",
        base_url=LOCAL,
        reasoning_effort="low",
        structured="json",
        max_tokens=64,
        timeout=5.0,
        max_retries=2,
    )
    assert backend.params() == {
        "style": "chat",
        "temperature": None,
        "seed": None,
        "base_url": LOCAL,
        "extra_body": {},
        "reasoning_effort": "low",
        "structured": "json",
    }
    request = backend.describe()["request"]
    del request["model_settings"]
    assert request == {
        "token_param": "max_completion_tokens",
        "max_tokens": 64,
        "max_tokens_set_by": "user",
        "reasoning_effort": "low",
        "structured": "json",
        "temperature": None,
        "seed": None,
        "timeout_s": 5.0,
        "max_retries": 2,
    }


def test_openai_payload_per_style() -> None:
    item = make_items(1)[0]
    chat = OpenAIBackend("gpt-4o-mini", base_url=LOCAL)
    assert chat.payload(Request(item, messages=MESSAGES, sample=2)) == {
        "messages": list(MESSAGES),
        "max_tokens": 16,
        "sample": 2,
    }
    completion = OpenAIBackend("gpt-4o-mini", base_url=LOCAL, style="completion")
    assert completion.payload(Request(item, messages=MESSAGES, max_tokens=3)) == {
        "prompt": "Premise: ...\nAnswer:",
        "max_tokens": 3,
    }


class _ItemBackend(Backend):
    """A backend that reads the item, not a prompt, and keeps the default payload."""

    name = "item-reader"

    def stream(
        self, requests: Sequence[Request], *, concurrency: int = 1
    ) -> Iterator[tuple[int, Response]]:
        yield from ()


def test_item_backends_key_on_the_texts() -> None:
    item = make_items(1)[0]
    backend = _ItemBackend()
    assert backend.payload(Request(item)) == {
        "premise": item.premise,
        "hypothesis": item.hypothesis,
    }
    assert backend.payload(Request(item, sample=1))["sample"] == 1


def test_cache_key_is_the_sha256_of_prefix_newline_payload() -> None:
    item = make_items(1)[0]
    blob = (
        "P\n"
        + '{"hypothesis":'
        + json.dumps(item.hypothesis, ensure_ascii=False)
        + ',"premise":'
        + json.dumps(item.premise, ensure_ascii=False)
        + "}"
    )
    expected = hashlib.sha256(blob.encode()).hexdigest()
    assert cache_key(_ItemBackend(), Request(item), prefix="P") == expected


def test_canonical_json_is_sorted_compact_and_keeps_unicode() -> None:
    assert canonical_json({"b": [1, 2], "a": "é"}) == '{"a":"é","b":[1,2]}'


@pytest.mark.parametrize("scoring", ["generate", "loglik"])
def test_hf_params_and_payload(tiny_lm_dir: Path, scoring: str) -> None:
    backend = load_backend(f"hf:{tiny_lm_dir}", scoring=scoring, style="completion")
    try:
        params = backend.params()
        fingerprint = params.pop("model_fingerprint")
        assert isinstance(fingerprint, str) and fingerprint
        expected = {"scoring": scoring, "style": "completion", "dtype": "auto"}
        if scoring == "loglik":
            expected["options"] = [" Yes", " No"]  # (valid answer, invalid answer)
        assert params == expected
        item = make_items(1)[0]
        payload = backend.payload(Request(item, messages=MESSAGES, max_tokens=4))
        if scoring == "loglik":
            assert payload == {"messages": list(MESSAGES)}
        else:
            assert payload == {"messages": list(MESSAGES), "max_tokens": 4}
    finally:
        backend.close()
