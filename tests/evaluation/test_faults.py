"""Fault injection against the openai backend: every fault ends within a bounded wall time.

The bound is enforced by pytest-timeout (``@pytest.mark.timeout``), not by timing assertions.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from pathlib import Path

import pytest

from corr2cause.evaluation.backends import load_backend
from corr2cause.evaluation.backends.base import BackendFatalError, Request
from corr2cause.evaluation.prompts import load_prompt
from corr2cause.evaluation.runner import EvaluationFailed, evaluate
from corr2cause.testing.stub_server import StubOpenAIServer, StubReply, StubRequest

from .conftest import make_items, stub_answer

pytestmark = pytest.mark.timeout(30)


@pytest.fixture(autouse=True)
def _key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-faults")
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)


def _backend(url: str, **options: object):
    defaults: dict[str, object] = {"backoff_s": 0.01, "max_backoff_s": 0.05, "timeout": 1.0}
    defaults.update(options)
    return load_backend("openai:stub-model", base_url=url, **defaults)


def _requests(count: int) -> list[Request]:
    prompt = load_prompt("direct")
    return [Request(item=i, messages=tuple(prompt.messages(i))) for i in make_items(count)]


@pytest.mark.parametrize(
    "reply",
    [StubReply(trickle_s=0.4), StubReply(hang_after_headers=True)],
    ids=["trickle-body", "hang-after-headers"],
)
def test_a_slow_body_hits_the_total_deadline(reply: StubReply) -> None:
    """A server that keeps sending bytes (or nothing) never outlives --timeout per attempt."""
    with StubOpenAIServer(responder=lambda r: reply, max_lifetime_s=25) as server:
        responses = _backend(server.base_url, max_retries=1, timeout=1.0).generate(
            _requests(2), concurrency=2
        )
    assert [r.error for r in responses] == ["timeout", "timeout"]
    assert [r.details["attempts"] for r in responses] == [2, 2]


def test_connection_resets_are_retried() -> None:
    seen: list[int] = []

    def reset_first(request: StubRequest) -> StubReply | None:
        seen.append(request.number)
        return StubReply(reset=True) if len(seen) <= 2 else None

    with StubOpenAIServer(answer=stub_answer, responder=reset_first) as server:
        responses = _backend(server.base_url, max_retries=3).generate(_requests(1))
    assert responses[0].ok and responses[0].details["attempts"] == 3


@pytest.mark.parametrize("status", [401, 403, 404])
def test_auth_and_not_found_stop_the_run_at_once(status: int, tmp_path: Path) -> None:
    reply = StubReply(status=status, body={"error": {"message": f"denied {status}"}})
    with StubOpenAIServer(responder=lambda r: reply) as server:
        backend = _backend(server.base_url, max_retries=5)
        with pytest.raises(EvaluationFailed, match=f"HTTP {status}") as caught:
            evaluate(backend, make_items(40), out_dir=tmp_path, concurrency=1, n_boot=0)
        sent = len(server.requests)
    assert sent == 1, "one request is enough to know the key or the model is wrong"
    manifest = json.loads((tmp_path / "run.json").read_text())
    assert manifest["status"] == "failed" and f"HTTP {status}" in manifest["error"]
    assert not (tmp_path / "metrics.json").exists()
    assert "--base-url" in str(caught.value) or "key" in str(caught.value)


def test_nothing_listening_fails_fast(tmp_path: Path) -> None:
    with socket.socket() as sock:  # a port that was free a moment ago
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    backend = _backend(f"http://127.0.0.1:{port}/v1", max_retries=5, backoff_s=0.05)
    with pytest.raises(EvaluationFailed, match="cannot connect"):
        evaluate(backend, make_items(20), out_dir=tmp_path, concurrency=4, n_boot=0)
    assert json.loads((tmp_path / "run.json").read_text())["status"] == "failed"


def test_refused_connections_after_success_are_transient() -> None:
    """Once the server has answered, a refused connection is retried, not fatal."""
    backend = _backend("http://127.0.0.1:9/v1", max_retries=0)
    backend._reached = True
    responses = backend.generate(_requests(1))
    assert not responses[0].ok and "connection error" in (responses[0].error or "")


def test_429_honours_retry_after() -> None:
    times: list[float] = []
    lock = threading.Lock()

    def limited(request: StubRequest) -> StubReply | None:
        with lock:
            times.append(time.monotonic())
            first = len(times) == 1
        return StubReply(status=429, headers={"Retry-After": "0.6"}) if first else None

    with StubOpenAIServer(answer=stub_answer, responder=limited) as server:
        responses = _backend(server.base_url, max_retries=2, max_backoff_s=5.0).generate(
            _requests(1)
        )
    assert responses[0].ok and responses[0].details["attempts"] == 2
    assert times[1] - times[0] >= 0.55  # waited as asked, not the 10 ms backoff


def test_5xx_bursts_are_ridden_out() -> None:
    count = {"n": 0}
    lock = threading.Lock()

    def burst(request: StubRequest) -> StubReply | None:
        with lock:
            count["n"] += 1
            n = count["n"]
        return StubReply(status=(500, 502, 503)[n % 3]) if n <= 12 else None

    with StubOpenAIServer(answer=stub_answer, responder=burst) as server:
        responses = _backend(server.base_url, max_retries=8).generate(_requests(4), concurrency=4)
    assert all(r.ok for r in responses)


def test_malformed_json_is_retried_then_recorded() -> None:
    with StubOpenAIServer(responder=lambda r: StubReply(body="{oops")) as server:
        responses = _backend(server.base_url, max_retries=2).generate(_requests(2))
    assert all("malformed response" in (r.error or "") for r in responses)
    assert len(server.requests) == 6


def test_unsupported_max_tokens_switches_to_max_completion_tokens() -> None:
    """An o-series model rejects max_tokens with a 400; the backend switches once, for good."""
    with StubOpenAIServer(answer=stub_answer, reject_params={"max_tokens"}) as server:
        backend = _backend(server.base_url, token_param="max_tokens", max_tokens=7)
        responses = backend.generate(_requests(3), concurrency=1)
    assert all(r.ok for r in responses)
    bodies = [r.body for r in server.requests]
    assert "max_tokens" in bodies[0] and len(bodies) == 4  # one rejected, then three good
    assert all(b.get("max_completion_tokens") == 7 for b in bodies[1:])


def test_o_series_names_choose_max_completion_tokens_from_the_table() -> None:
    with StubOpenAIServer(answer=stub_answer, reject_params={"max_tokens", "temperature"}) as srv:
        backend = load_backend("openai:o3-mini", base_url=srv.base_url, timeout=2.0)
        responses = backend.generate(_requests(2))
    assert all(r.ok for r in responses) and len(srv.requests) == 2
    assert all("temperature" not in r.body for r in srv.requests)
    assert all(r.body["max_completion_tokens"] == 16384 for r in srv.requests)
    assert backend.describe()["request"]["token_param"] == "max_completion_tokens"


def test_an_unsupported_parameter_that_cannot_be_fixed_is_fatal() -> None:
    with StubOpenAIServer(answer=stub_answer, reject_params={"reasoning_effort"}) as server:
        backend = _backend(server.base_url, reasoning_effort="high")
        with pytest.raises(BackendFatalError, match="reasoning_effort"):
            backend.generate(_requests(3))
        assert len(server.requests) == 1


def test_failures_beyond_the_allowance_stop_the_run(tmp_path: Path) -> None:
    with StubOpenAIServer(responder=lambda r: StubReply(status=500)) as server:
        backend = _backend(server.base_url, max_retries=0)
        with pytest.raises(EvaluationFailed, match="more than the 2 allowed"):
            evaluate(backend, make_items(30), out_dir=tmp_path, concurrency=1, max_failures=2)
        # the third failure stops it; at most one more request (concurrency 1) was in flight
        assert len(server.requests) in (3, 4)
    assert json.loads((tmp_path / "run.json").read_text())["status"] == "failed"


def test_allowed_failures_are_counted_apart_from_wrong_answers(tmp_path: Path) -> None:
    def half(request: StubRequest) -> StubReply | None:
        return StubReply(status=500) if "collider" in request.prompt else None

    items = make_items(8)
    with StubOpenAIServer(answer=lambda p: "Yes", responder=half) as server:
        backend = _backend(server.base_url, max_retries=0)
        metrics = evaluate(backend, items, out_dir=tmp_path, max_failures=10, n_boot=0)
    failed = [i for i in items if "collider" in i.hypothesis]
    assert metrics["request_failures"] == metrics["answers"]["request_failures"] == len(failed)
    answered = [i for i in items if i not in failed]
    only = metrics["answers"]["answered_only"]
    assert only["n"] == len(answered)
    # every answered item got "Yes": precision is the valid share among the answered ones
    valid = sum(i.label for i in answered)
    assert only["precision"] == round(100 * valid / len(answered), 2)
