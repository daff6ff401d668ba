"""One conformance suite, run against every backend (scikit-learn's check_estimator style).

Every backend, fakes included, must honour the protocol of
:mod:`corr2cause.evaluation.backends.base`: each request answered exactly once, well-typed
responses, failures reported (not raised), JSON-serialisable and secret-free params and
payloads, deterministic answers, and cache keys that depend on the prompt.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator

import pytest

from corr2cause.evaluation.backends import load_backend
from corr2cause.evaluation.backends.base import Backend, Request, Response, cache_key
from corr2cause.evaluation.prompts import load_prompt
from corr2cause.testing.stub_server import StubOpenAIServer

from .conftest import EchoBackend, FlakyBackend, make_items, stub_answer

SECRET = "sk-conformance-SECRET-0123456789"

Factory = Callable[[pytest.FixtureRequest], Backend]


def _openai(style: str) -> Factory:
    def build(request: pytest.FixtureRequest) -> Backend:
        server = StubOpenAIServer(answer=stub_answer, max_lifetime_s=120).start()
        request.addfinalizer(server.stop)
        return load_backend(
            "openai:stub-model", base_url=server.base_url, style=style, max_retries=0
        )

    return build


def _local(spec: str, fixture: str, **options: object) -> Factory:
    def build(request: pytest.FixtureRequest) -> Backend:
        path = request.getfixturevalue(fixture)
        return load_backend(f"{spec}:{path}", **options)

    return build


def _replay(request: pytest.FixtureRequest) -> Backend:
    path = request.getfixturevalue("tmp_path") / "responses.jsonl"
    rows = [
        {"id": item.id, "response": "Yes" if k % 3 else "No, not necessarily."}
        for k, item in enumerate(make_items(64))
        if k != 5  # one item without a response: must come back as a failure
    ]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return load_backend(f"responses:{path}")


FACTORIES: dict[str, Factory] = {
    "random-uniform": lambda r: load_backend("random-uniform", seed=3),
    "random-proportional": lambda r: load_backend("random-proportional"),
    "majority": lambda r: load_backend("majority"),
    "oracle": lambda r: load_backend("oracle"),
    "openai-chat": _openai("chat"),
    "openai-completion": _openai("completion"),
    "hf-generate": _local("hf", "tiny_lm_dir", batch_size=3, max_tokens=3),
    "hf-loglik": _local("hf", "tiny_lm_dir", batch_size=3, scoring="loglik"),
    "nli": _local("nli", "tiny_nli_dir", batch_size=3),
    "classifier": _local("classifier", "tiny_classifier_dir", batch_size=3),
    "responses": _replay,
    "fake-echo": lambda r: EchoBackend(),
    "fake-flaky": lambda r: FlakyBackend(),
}


@pytest.fixture(params=sorted(FACTORIES))
def backend(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[Backend]:
    monkeypatch.setenv("OPENAI_API_KEY", SECRET)
    engine = FACTORIES[request.param](request)
    yield engine
    engine.close()


def _requests(engine: Backend, count: int = 8) -> list[Request]:
    items = make_items(count)
    if not engine.uses_prompt:
        return [Request(item=item) for item in items]
    prompt = load_prompt("direct")
    return [Request(item=item, messages=tuple(prompt.messages(item))) for item in items]


def test_every_request_answered_exactly_once(backend: Backend) -> None:
    requests = _requests(backend)
    seen = [index for index, _ in backend.stream(requests, concurrency=4)]
    assert sorted(seen) == list(range(len(requests)))


def test_responses_are_well_formed(backend: Backend) -> None:
    for response in backend.generate(_requests(backend), concurrency=2):
        assert isinstance(response, Response)
        json.dumps(response.to_dict())
        assert Response.from_dict(response.to_dict()) == response
        if response.ok:
            assert isinstance(response.text, str)
            assert response.label in (None, 0, 1)
            assert response.latency_s is None or response.latency_s >= 0
        else:
            assert response.text is None and response.label is None
            assert isinstance(response.error, str) and response.error


def test_empty_input_yields_nothing(backend: Backend) -> None:
    assert list(backend.stream([], concurrency=3)) == []
    assert backend.generate([]) == []


def test_deterministic(backend: Backend) -> None:
    requests = _requests(backend, 6)
    first = backend.generate(requests, concurrency=3)
    second = backend.generate(list(reversed(requests)), concurrency=1)[::-1]
    assert [(r.text, r.label, r.error) for r in first] == [
        (r.text, r.label, r.error) for r in second
    ]


def test_params_and_payload_are_json_and_secret_free(backend: Backend) -> None:
    requests = _requests(backend, 2)
    described = json.dumps(
        {
            "describe": backend.describe(),
            "payload": [backend.payload(r) for r in requests],
            "repr": repr(backend),
        }
    )
    assert SECRET not in described
    assert backend.spec.split(":", 1)[0] == backend.name


def test_cache_key_is_stable_and_input_sensitive(backend: Backend) -> None:
    a, b = _requests(backend, 3)[1:3]
    assert cache_key(backend, a) == cache_key(backend, a)
    assert len(cache_key(backend, a)) == 64
    assert cache_key(backend, a) != cache_key(backend, b)


def test_failures_are_reported_not_raised() -> None:
    engine = FlakyBackend()
    responses = engine.generate(_requests(engine, 6))
    assert [r.ok for r in responses] == [True, True, False, True, True, False]
