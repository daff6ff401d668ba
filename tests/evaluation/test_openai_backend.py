"""The openai backend against a real HTTP server on 127.0.0.1: retries, faults, concurrency."""

from __future__ import annotations

import threading
from collections import Counter
from pathlib import Path

import pytest

from corr2cause.evaluation.backends import BackendError, load_backend
from corr2cause.evaluation.backends.base import Request
from corr2cause.evaluation.prompts import load_prompt
from corr2cause.evaluation.runner import evaluate
from corr2cause.testing.stub_server import StubOpenAIServer, StubReply, StubRequest

from .conftest import make_items, stub_answer

KEY = "sk-test-DO-NOT-LEAK-42"


@pytest.fixture(autouse=True)
def _key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)


def _requests(count: int) -> list[Request]:
    prompt = load_prompt("direct")
    return [Request(item=i, messages=tuple(prompt.messages(i))) for i in make_items(count)]


def _backend(server: StubOpenAIServer, **options: object):
    defaults: dict[str, object] = {"backoff_s": 0.01, "max_backoff_s": 0.05, "timeout": 2.0}
    defaults.update(options)
    return load_backend("openai:stub-model", base_url=server.base_url, **defaults)


HELD_S = 60.0
"""A delayed reply's delay: the stub holds it until the server stops, so it always times out."""


def _client_timeout(reply: StubReply) -> float:
    """The client timeout for a fault: short only where the fault is the timeout itself.

    Every other fault and the successful attempts get a timeout no loaded CI machine reaches,
    so a slow but healthy reply never turns into an extra attempt (this test was flaky with
    one short timeout for all of them).
    """
    return 1.0 if reply.delay_s else 10.0


class FirstFailures:
    """Responder failing the first ``n`` attempts of every prompt with ``reply``."""

    def __init__(self, n: int, reply: StubReply) -> None:
        self.n, self.reply = n, reply
        self.seen: Counter[str] = Counter()
        self.lock = threading.Lock()

    def __call__(self, request: StubRequest) -> StubReply | None:
        with self.lock:
            self.seen[request.prompt] += 1
            attempt = self.seen[request.prompt]
        return self.reply if attempt <= self.n else None


@pytest.mark.parametrize(
    "reply",
    [
        StubReply(status=429, headers={"Retry-After": "0"}),
        StubReply(status=500),
        StubReply(status=503),
        StubReply(body="{this is not json"),
        StubReply(body="<html>bad gateway</html>"),
        StubReply(body={"id": "x", "object": "chat.completion"}),  # no choices
        StubReply(body={"id": "x", "choices": []}),
        StubReply(delay_s=HELD_S),  # longer than the client timeout
    ],
    ids=["429", "500", "503", "bad-json", "html", "no-choices", "empty-choices", "timeout"],
)
def test_transient_faults_are_retried(reply: StubReply) -> None:
    responder = FirstFailures(2, reply)
    with StubOpenAIServer(answer=stub_answer, responder=responder) as server:
        backend = _backend(server, max_retries=3, timeout=_client_timeout(reply))
        requests = _requests(4)
        responses = backend.generate(requests, concurrency=4)
    assert all(r.ok for r in responses), [r.error for r in responses]
    assert [r.details["attempts"] for r in responses] == [3, 3, 3, 3]
    assert len(server.requests) == 12
    assert [r.text for r in responses] == [
        stub_answer(q.messages[-1]["content"])
        for q in requests  # type: ignore[index]
    ]


@pytest.mark.parametrize(
    ("reply", "reason"),
    [
        (StubReply(status=500), "HTTP 500"),
        (StubReply(body="garbage"), "malformed response"),
        (StubReply(delay_s=HELD_S), "timeout"),
    ],
)
def test_persistent_faults_become_recorded_failures(reply: StubReply, reason: str) -> None:
    with StubOpenAIServer(responder=lambda r: reply) as server:
        backend = _backend(server, max_retries=2, timeout=_client_timeout(reply))
        responses = backend.generate(_requests(3), concurrency=3)
    assert all(not r.ok and reason in (r.error or "") for r in responses)
    assert all(r.details["attempts"] == 3 for r in responses)
    assert len(server.requests) == 9


def test_client_errors_are_not_retried() -> None:
    with StubOpenAIServer(responder=lambda r: StubReply(status=400)) as server:
        responses = _backend(server, max_retries=5).generate(_requests(2))
    assert [r.error for r in responses] == ["HTTP 400: stub error 400"] * 2
    assert len(server.requests) == 2


def test_chat_and_completion_requests(stub_server: StubOpenAIServer) -> None:
    (request,) = _requests(1)
    chat = _backend(stub_server, style="chat", max_tokens=7, temperature=0.5, seed=11)
    completion = _backend(stub_server, style="completion")
    assert chat.generate([request])[0].text == "No."
    assert completion.generate([request])[0].prompt_tokens is not None
    first, second = stub_server.requests
    assert first.path == "/v1/chat/completions"
    assert first.body["messages"][0]["role"] == "system"
    assert (first.body["max_tokens"], first.body["temperature"], first.body["seed"]) == (
        7,
        0.5,
        11,
    )
    assert second.path == "/v1/completions"
    assert second.body["prompt"].startswith("Question: Suppose")  # no system prompt
    assert first.headers["authorization"] == f"Bearer {KEY}"


def test_step_budget_overrides_the_default(stub_server: StubOpenAIServer) -> None:
    (request,) = _requests(1)
    longer = Request(item=request.item, messages=request.messages, max_tokens=99)
    _backend(stub_server, max_tokens=5).generate([request, longer], concurrency=1)
    assert sorted(r.body["max_tokens"] for r in stub_server.requests) == [5, 99]


def test_many_requests_in_flight() -> None:
    # replies are held until 64 are in flight (10 s at most): a fixed delay was not always
    # long enough for 64 client threads to start on a loaded machine
    with StubOpenAIServer(hold_until_in_flight=64, hold_timeout_s=10.0) as server:
        backend = _backend(server, timeout=30.0)
        responses = backend.generate(_requests(80), concurrency=64)
    assert all(r.ok for r in responses)
    assert server.max_in_flight == 64


def test_missing_key_without_base_url_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MY_KEY", raising=False)
    with pytest.raises(BackendError, match="MY_KEY"):
        load_backend("openai:gpt-x", api_key_env="MY_KEY")
    with pytest.raises(BackendError, match="style"):
        load_backend("openai:gpt-x", style="xml")


def test_base_url_credentials_are_not_recorded(monkeypatch: pytest.MonkeyPatch) -> None:
    backend = load_backend("openai:m", base_url="https://user:pw@example.invalid:8443/v1/?k=s")
    assert backend.params()["base_url"] == "https://example.invalid:8443/v1"
    monkeypatch.setenv("OPENAI_BASE_URL", "http://10.0.0.1:8000/v1")
    assert load_backend("openai:m").params()["base_url"] == "http://10.0.0.1:8000/v1"


def test_api_key_never_reaches_outputs(tmp_path: Path) -> None:
    def leaky(request: StubRequest) -> StubReply | None:  # a server echoing the key back
        if "collider" in request.prompt:
            return StubReply(status=422, body={"error": {"message": f"bad key {KEY}"}})
        return StubReply(text=f"No, {KEY}") if "confounder" in request.prompt else None

    with StubOpenAIServer(responder=leaky) as server:
        evaluate(_backend(server, max_retries=0), make_items(), out_dir=tmp_path, concurrency=2)
    for path in tmp_path.iterdir():
        assert KEY.encode() not in path.read_bytes(), path.name
    predictions = (tmp_path / "predictions.jsonl").read_text()
    assert "bad key ***" in predictions


@pytest.mark.parametrize("concurrency", [1, 8])
def test_concurrency_is_a_cap(concurrency: int) -> None:
    """``--concurrency 8`` keeps exactly 8 requests in flight, never all of them at once."""
    # held until `concurrency` are in flight, then for 0.25 s more: a client that ignored the
    # cap would have more than `concurrency` requests out by then
    with StubOpenAIServer(
        delay_s=0.25, hold_until_in_flight=concurrency, hold_timeout_s=10.0
    ) as server:
        responses = _backend(server, timeout=30.0).generate(
            _requests(4 * concurrency), concurrency=concurrency
        )
    assert all(r.ok for r in responses)
    assert server.max_in_flight == concurrency


class ArrivalTimes(FirstFailures):
    """``FirstFailures`` that also records when each attempt arrived."""

    def __init__(self, n: int, reply: StubReply) -> None:
        super().__init__(n, reply)
        self.times: dict[str, list[float]] = {}

    def __call__(self, request: StubRequest) -> StubReply | None:
        import time

        with self.lock:
            self.times.setdefault(request.prompt, []).append(time.monotonic())
        return super().__call__(request)


@pytest.mark.parametrize(
    ("header", "cap", "low", "high"),
    [("1", 5.0, 0.9, 3.0), ("30", 0.3, 0.0, 2.0)],
    ids=["honoured", "capped-by-max-backoff"],
)
def test_retry_after_is_honoured_up_to_the_cap(
    header: str, cap: float, low: float, high: float
) -> None:
    responder = ArrivalTimes(1, StubReply(status=429, headers={"Retry-After": header}))
    with StubOpenAIServer(answer=stub_answer, responder=responder) as server:
        backend = _backend(server, max_retries=2, backoff_s=0.01, max_backoff_s=cap)
        (response,) = backend.generate(_requests(1))
    assert response.ok and response.details["attempts"] == 2
    ((first, second),) = responder.times.values()
    assert low <= second - first <= high
