"""The response cache: persistent, keyed, successful responses only."""

from __future__ import annotations

from pathlib import Path

import pytest

from corr2cause.evaluation.backends.base import Response
from corr2cause.evaluation.cache import ResponseCache


def test_roundtrip_and_persistence(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "c.sqlite"
    response = Response(
        text="Yes", latency_s=0.25, prompt_tokens=10, completion_tokens=1, details={"a": [1]}
    )
    with ResponseCache(path) as cache:
        cache.put("k1", response, backend="openai:m", item_id="row-1")
        assert cache.get_many(["k1", "k2"]) == {"k1": response}
    with ResponseCache(path) as cache:  # a new process would see the same
        assert cache.get_many(["k1"])["k1"] == response
        assert len(cache) == 1 and cache.item_ids() == {"row-1"}


def test_only_successes_are_cached(tmp_path: Path) -> None:
    with ResponseCache(tmp_path / "c.sqlite") as cache, pytest.raises(ValueError):
        cache.put("k", Response.failure("boom"), backend="b", item_id=None)


def test_many_keys(tmp_path: Path) -> None:
    with ResponseCache(tmp_path / "c.sqlite") as cache:
        for k in range(1200):
            cache.put(f"k{k}", Response(text=str(k)), backend="b", item_id=None)
        found = cache.get_many(f"k{k}" for k in range(0, 2400, 2))
        assert len(found) == 600 and found["k1198"].text == "1198"
