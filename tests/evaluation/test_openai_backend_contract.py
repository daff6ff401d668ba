"""The openai backend's contracts, each pinned against an independent reference.

The references are not the backend's own code:

* HTTP semantics: ``Retry-After`` is a number of seconds or an HTTP-date in any of the three
  formats of RFC 9110 §5.6.7 (always GMT), and ``retry-after-ms`` is the OpenAI client's
  millisecond extension; the delay a server asks for replaces the backoff, up to the cap;
* the exact JSON bodies a stub server receives, written out by hand per option;
* the failure classes of the module docstring: retry 408/409/429/5xx, timeouts, resets and
  malformed bodies; fail other 4xx at once; stop the run on 401/403/404;
* the backoff: ``backoff_s * 2 ** (attempt - 1)`` capped at ``max_backoff_s``, times a jitter
  factor ``0.5 + u / 2`` with ``u`` drawn from ``random.Random(seed)``.
"""

from __future__ import annotations

import os
import random
import threading
import time
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import httpx2
import openai
import pytest

from corr2cause.evaluation.backends.base import BackendFatalError, Request, Response
from corr2cause.evaluation.backends.openai_backend import (
    MalformedResponseError,
    OpenAIBackend,
    _chat_text,
    _classify,
    _completion_text,
    _first_choice,
    _int,
    _public_url,
    _reasoning_tokens,
    _refused,
    _retry_after,
)
from corr2cause.testing.stub_server import StubOpenAIServer, StubReply

from .conftest import make_items

KEY = "sk-contract-0123456789"
LOCAL = "http://127.0.0.1:9/v1"
SYSTEM = {"role": "system", "content": "Be brief."}
USER = {"role": "user", "content": "Is there a collider?\nAnswer:"}
MESSAGES = (SYSTEM, USER)
ITEM = make_items(1)[0]
RFC_DATE = "Sun, 06 Nov 1994 08:49:37 GMT"
"""RFC 9110's example HTTP-date: 784111777 seconds after the Unix epoch."""
RFC_EPOCH = 784111777.0


@pytest.fixture(autouse=True)
def _key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)


@pytest.fixture(scope="module")
def server() -> Iterator[StubOpenAIServer]:
    """One well-behaved stub for the whole module (its log is cleared per test)."""
    with StubOpenAIServer(answer=lambda prompt: "Yes", max_lifetime_s=300) as stub:
        yield stub


@pytest.fixture()
def stub(server: StubOpenAIServer) -> StubOpenAIServer:
    server.responder = None
    server.reject_params = frozenset()
    server.reasoning_field = None
    server.reset_stats()
    return server


def _request(*, sample: int = 0, max_tokens: int | None = None) -> Request:
    return Request(ITEM, messages=MESSAGES, sample=sample, max_tokens=max_tokens)


def _backend(url: str, model: str = "stub-model", **options: Any) -> OpenAIBackend:
    defaults: dict[str, Any] = {"backoff_s": 0.001, "max_backoff_s": 0.002, "timeout": 5.0}
    return OpenAIBackend(model, base_url=url, **{**defaults, **options})


def _status_error(status: int, message: str, headers: dict[str, str] | None = None) -> Any:
    request = httpx2.Request("POST", "http://127.0.0.1:9/v1/chat/completions")
    response = httpx2.Response(status, headers=headers or {}, request=request)
    return openai.APIStatusError(f"Error code: {status} - {message}", response=response, body=None)


# -- Retry-After (RFC 9110 §10.2.3) ------------------------------------------------------------


@pytest.mark.parametrize(
    ("headers", "seconds"),
    [
        ({"retry-after-ms": "1500"}, 1.5),
        ({"retry-after-ms": "1500", "Retry-After": "9"}, 1.5),  # the finer one wins
        ({"retry-after-ms": "-20"}, 0.0),
        ({"retry-after-ms": "soon", "Retry-After": "2"}, 2.0),  # unreadable ms: seconds
        ({"retry-after-ms": "", "Retry-After": "3"}, 3.0),
        ({"Retry-After": "120"}, 120.0),
        ({"Retry-After": "0.25"}, 0.25),
        ({"Retry-After": "-1"}, 0.0),
        ({"Retry-After": "0"}, 0.0),
        ({}, None),
        ({"Retry-After": ""}, None),
        ({"Retry-After": "tomorrow"}, None),
    ],
)
def test_retry_after_seconds_and_milliseconds(headers: dict[str, str], seconds: float) -> None:
    assert _retry_after(httpx2.Headers(headers)) == seconds


@pytest.mark.parametrize(
    "date",
    [RFC_DATE, "Sunday, 06-Nov-94 08:49:37 GMT", "Sun Nov  6 08:49:37 1994"],
    ids=["imf-fixdate", "rfc850", "asctime"],
)
@pytest.mark.parametrize("zone", ["UTC0", "EST5EDT,M3.2.0,M11.1.0", "JST-9"])
def test_retry_after_http_dates_are_gmt(
    date: str, zone: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """All three HTTP-date forms mean GMT, whatever the local time zone (RFC 9110 §5.6.7)."""
    monkeypatch.setattr(time, "time", lambda: RFC_EPOCH - 30.0)
    before = os.environ.get("TZ")
    os.environ["TZ"] = zone
    time.tzset()
    try:
        asked = _retry_after(httpx2.Headers({"Retry-After": date}))
    finally:
        if before is None:
            del os.environ["TZ"]
        else:
            os.environ["TZ"] = before
        time.tzset()
    assert asked == 30.0


def test_a_retry_after_date_in_the_past_means_now(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(time, "time", lambda: RFC_EPOCH + 5.0)
    assert _retry_after(httpx2.Headers({"Retry-After": RFC_DATE})) == 0.0


# -- backoff and jitter ------------------------------------------------------------------------


def _jitter_factors(seed: int, count: int) -> list[float]:
    draw = random.Random(seed)
    return [0.5 + draw.random() / 2 for _ in range(count)]


def test_backoff_doubles_up_to_the_cap_with_seeded_jitter() -> None:
    backend = _backend(LOCAL, backoff_s=0.5, max_backoff_s=3.0)
    jitter = random.Random(42)
    plain = RuntimeError("no response attached")
    delays = [backend._retry_delay(attempt, plain, jitter) for attempt in (1, 2, 3, 4, 5)]
    bases = [0.5, 1.0, 2.0, 3.0, 3.0]
    assert delays == [b * f for b, f in zip(bases, _jitter_factors(42, 5), strict=True)]


@pytest.mark.parametrize(
    ("headers", "cap", "expected"),
    [({"Retry-After": "2"}, 10.0, 2.0), ({"Retry-After": "30"}, 10.0, 10.0),
     ({"retry-after-ms": "250"}, 10.0, 0.25), ({"Retry-After": "0"}, 10.0, 0.0)],
)  # fmt: skip
def test_a_delay_the_server_asks_for_replaces_the_backoff(
    headers: dict[str, str], cap: float, expected: float
) -> None:
    backend = _backend(LOCAL, backoff_s=1.0, max_backoff_s=cap)
    exc = _status_error(429, "slow down", headers)
    assert backend._retry_delay(3, exc, random.Random(0)) == expected


def test_a_status_error_without_retry_after_gets_the_backoff() -> None:
    backend = _backend(LOCAL, backoff_s=1.0, max_backoff_s=10.0)
    (factor,) = _jitter_factors(7, 1)
    assert backend._retry_delay(2, _status_error(503, "busy"), random.Random(7)) == 2.0 * factor


def _recording_delays(backend: OpenAIBackend) -> list[float]:
    """Make ``backend`` record every backoff delay it sleeps; returns the list."""
    delays: list[float] = []
    original = backend._retry_delay

    def spy(attempt: int, exc: Exception, jitter: random.Random) -> float:
        delay = original(attempt, exc, jitter)
        delays.append(delay)
        return delay

    backend._retry_delay = spy  # type: ignore[method-assign]
    return delays


@pytest.mark.parametrize(("seed", "jitter_seed"), [(None, 0), (5, 5)])
def test_the_seed_seeds_the_backoff_jitter(
    stub: StubOpenAIServer, seed: int | None, jitter_seed: int
) -> None:
    """Two 500s, then an answer: the two sleeps are the seeded backoff, exactly."""
    stub.responder = lambda r: StubReply(status=500) if r.number < 2 else None
    backend = _backend(stub.base_url, seed=seed, backoff_s=0.002, max_backoff_s=1.0)
    delays = _recording_delays(backend)
    (response,) = backend.generate([_request()])
    assert response.ok and response.details["attempts"] == 3
    first, second = _jitter_factors(jitter_seed, 2)
    assert delays == [0.002 * first, 0.004 * second]


# -- failure classes ---------------------------------------------------------------------------


def _http_request() -> httpx2.Request:
    return httpx2.Request("POST", "http://127.0.0.1:9/v1/chat/completions")


@pytest.mark.parametrize(
    ("status", "retryable"),
    [(400, False), (401, False), (404, False), (407, False), (408, True), (409, True),
     (410, False), (422, False), (428, False), (429, True), (430, False), (499, False),
     (500, True), (501, True), (503, True), (599, True)],
)  # fmt: skip
def test_which_statuses_are_retried(status: int, retryable: bool) -> None:
    assert _classify(_status_error(status, "why"), openai) == (retryable, f"HTTP {status}: why")


def test_status_reasons_drop_the_client_prefix_and_keep_300_characters() -> None:
    long = "x" * 299 + "yz"
    assert _classify(_status_error(500, long), openai) == (True, "HTTP 500: " + long[:300])
    error = _status_error(502, "ignored")
    error.message = "the message attribute"
    assert _classify(error, openai) == (True, "HTTP 502: the message attribute")
    error.message = ""  # no message: the exception text, without its prefix
    assert _classify(error, openai) == (True, "HTTP 502: ignored")


def test_timeouts_connection_errors_and_bad_bodies_are_retried() -> None:
    assert _classify(TimeoutError(), openai) == (True, "timeout")
    assert _classify(openai.APITimeoutError(request=_http_request()), openai) == (True, "timeout")
    refused = openai.APIConnectionError(message="Connection refused", request=_http_request())
    assert _classify(refused, openai) == (True, "connection error: Connection refused")
    assert _classify(MalformedResponseError("reply has no choices"), openai) == (
        True,
        "malformed response: reply has no choices",
    )
    assert _classify(ValueError("b" * 400), openai) == (True, "malformed response: " + "b" * 300)
    response = httpx2.Response(200, request=_http_request())
    invalid = openai.APIResponseValidationError(response, None, message="bad schema")
    assert _classify(invalid, openai) == (True, "malformed response: bad schema")


def test_other_exceptions_fail_the_request_without_retry() -> None:
    assert _classify(KeyError("k"), openai) == (False, "KeyError: 'k'")
    assert _classify(RuntimeError("r" * 400), openai) == (False, "RuntimeError: " + "r" * 300)


def test_refused_follows_the_cause_chain_six_deep() -> None:
    def chained(depth: int, root: BaseException) -> BaseException:
        exc = root
        for k in range(depth):
            outer = RuntimeError(f"wrapper {k}")
            if k % 2:
                outer.__cause__ = exc
            else:
                outer.__context__ = exc
            exc = outer
        return exc

    assert _refused(ConnectionRefusedError())
    assert _refused(chained(5, ConnectionRefusedError()))  # the sixth exception looked at
    assert not _refused(chained(6, ConnectionRefusedError()))
    assert _refused(chained(2, httpx2.ConnectError("refused")))
    assert not _refused(chained(2, ConnectionResetError()))
    assert not _refused(RuntimeError("no cause"))


# -- fatal conditions --------------------------------------------------------------------------


def test_fatal_messages_name_the_server_and_the_fix() -> None:
    backend = _backend("http://user:pw@127.0.0.1:9/v1/", api_key_env="MY_KEY_ENV", max_retries=3)
    reason = "HTTP 401: denied"
    assert backend._fatal(_status_error(401, "denied"), 401, reason, 1) == (
        f"{LOCAL}: the server refused the API key (HTTP 401): {reason}; "
        "check the key in $MY_KEY_ENV"
    )
    assert backend._fatal(_status_error(403, "no"), 403, "HTTP 403: no", 1) == (
        f"{LOCAL}: the server refused access (HTTP 403): HTTP 403: no; check the key in $MY_KEY_ENV"
    )
    assert backend._fatal(_status_error(404, "none"), 404, "HTTP 404: none", 1) == (
        f"{LOCAL}: no such model or endpoint (HTTP 404): HTTP 404: none; "
        "check the model name 'stub-model' and --base-url"
    )
    unsupported = "HTTP 400: Unsupported parameter: 'seed'"
    assert backend._fatal(_status_error(400, "x"), 400, unsupported, 1) == (
        f"{LOCAL}: the server rejects a request option: {unsupported}; every request would "
        "fail alike (see --token-param, --reasoning-effort, --structured)"
    )
    for status in (400, 422, 429, 500):
        assert backend._fatal(_status_error(status, "x"), status, f"HTTP {status}: x", 9) is None


def test_fatal_messages_without_a_base_url_name_the_openai_api() -> None:
    backend = OpenAIBackend("gpt-4o-mini")
    message = backend._fatal(_status_error(404, "x"), 404, "HTTP 404: x", 1)
    assert message is not None and message.startswith("the OpenAI API: no such model")


@pytest.mark.parametrize(("max_retries", "fatal_from"), [(0, 1), (1, 2), (5, 2)])
def test_refused_connections_are_fatal_from_the_second_attempt(
    max_retries: int, fatal_from: int
) -> None:
    """Nothing listens: fatal once a retry was refused too (at once without retries)."""
    backend = _backend(LOCAL, max_retries=max_retries)
    refused = ConnectionRefusedError("refused")
    verdicts = [backend._fatal(refused, None, "connection error: x", a) for a in (1, 2, 3)]
    message = f"{LOCAL}: cannot connect (connection error: x); is the server running and is "
    expected = [None if a < fatal_from else message + "--base-url right?" for a in (1, 2, 3)]
    assert verdicts == expected
    backend._reached = True  # the server has answered before: a refusal is transient
    assert [backend._fatal(refused, None, "x", a) for a in (1, 2, 3)] == [None] * 3
    backend._reached = False
    assert backend._fatal(ConnectionResetError(), None, "x", 3) is None


def test_nothing_listening_stops_after_two_refused_attempts() -> None:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    backend = _backend(f"http://127.0.0.1:{port}/v1", max_retries=5)
    seen: list[int] = []
    original = backend._fatal

    def spy(exc: Exception, status: int | None, reason: str, attempt: int) -> str | None:
        seen.append(attempt)
        return original(exc, status, reason, attempt)

    backend._fatal = spy  # type: ignore[method-assign]
    with pytest.raises(BackendFatalError, match="cannot connect"):
        backend.generate([_request()])
    assert seen == [1, 2]


# -- reply parsing -----------------------------------------------------------------------------


def _chat(message: Any, finish: Any = "stop") -> Any:
    return SimpleNamespace(choices=[SimpleNamespace(message=message, finish_reason=finish)])


def test_chat_text_reasoning_and_finish_reason() -> None:
    message = SimpleNamespace(content="Yes", reasoning_content="think", reasoning="other")
    assert _chat_text(_chat(message, "length")) == ("Yes", "think", "length")
    message = SimpleNamespace(content="No", reasoning_content="", reasoning="openrouter")
    assert _chat_text(_chat(message)) == ("No", "openrouter", "stop")
    message = SimpleNamespace(content=None, reasoning_content=None, reasoning=7)
    assert _chat_text(_chat(message)) == ("", None, "stop")
    no_fields = SimpleNamespace()  # a message without content or reasoning fields at all
    assert _chat_text(_chat(no_fields, "length")) == ("", None, "length")
    assert _chat_text(SimpleNamespace(choices=[SimpleNamespace(message=message)])) == (
        "",
        None,
        None,
    )


@pytest.mark.parametrize(
    ("reply", "why"),
    [
        (SimpleNamespace(), "reply has no choices"),
        (SimpleNamespace(choices=None), "reply has no choices"),
        (SimpleNamespace(choices=[]), "reply has no choices"),
        (SimpleNamespace(choices=({"message": "x"},)), "reply has no choices"),  # not a list
        (SimpleNamespace(choices=[SimpleNamespace(message=None)]), "chat reply without a message"),
        (
            SimpleNamespace(choices=[SimpleNamespace(finish_reason="stop")]),
            "chat reply without a message",
        ),
        (_chat(SimpleNamespace(content=["Yes"])), "chat reply content is not text"),
    ],
)
def test_malformed_chat_replies(reply: Any, why: str) -> None:
    with pytest.raises(MalformedResponseError, match=rf"^{why}$"):
        _chat_text(reply)


def test_completion_text() -> None:
    first = SimpleNamespace(text="Yes", finish_reason="stop")
    reply = SimpleNamespace(choices=[first, SimpleNamespace(text="No", finish_reason="x")])
    assert _first_choice(reply) is first
    assert _completion_text(reply) == ("Yes", "stop")
    assert _completion_text(SimpleNamespace(choices=[SimpleNamespace(text=None)])) == ("", None)
    assert _completion_text(SimpleNamespace(choices=[SimpleNamespace()])) == ("", None)
    with pytest.raises(MalformedResponseError, match=r"^completion reply text is not text$"):
        _completion_text(SimpleNamespace(choices=[SimpleNamespace(text=b"Yes")]))
    with pytest.raises(MalformedResponseError, match=r"^reply has no choices$"):
        _completion_text(SimpleNamespace(choices=[]))


def test_token_counts_are_ints_or_none() -> None:
    assert [_int(v) for v in (0, 7, True, False, 7.0, "7", None)] == [0, 7] + [None] * 5
    assert _reasoning_tokens(None) is None
    assert _reasoning_tokens(SimpleNamespace(completion_tokens_details=None)) is None
    assert (
        _reasoning_tokens(SimpleNamespace(completion_tokens_details={"reasoning_tokens": 5})) == 5
    )
    assert _reasoning_tokens(SimpleNamespace(completion_tokens_details={})) is None
    details = SimpleNamespace(reasoning_tokens=9)
    assert _reasoning_tokens(SimpleNamespace(completion_tokens_details=details)) == 9
    assert (
        _reasoning_tokens(SimpleNamespace(completion_tokens_details={"reasoning_tokens": "5"}))
        is None
    )


# -- what is recorded --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "public"),
    [
        (None, None),
        ("", None),
        ("http://127.0.0.1:8000/v1", "http://127.0.0.1:8000/v1"),
        ("http://127.0.0.1:8000/v1/", "http://127.0.0.1:8000/v1"),
        ("https://api.example.org/v1//", "https://api.example.org/v1"),
        ("https://u:p@API.example.org:443/v1?key=s#frag", "https://api.example.org:443/v1"),
        ("http://token@host/", "http://host"),
        ("http://host/proxy/X/", "http://host/proxy/X"),  # only slashes are stripped
        ("http:///v1/", "http:///v1"),  # no host at all
    ],
)
def test_public_url_drops_credentials_query_and_fragment(url: str | None, public: str) -> None:
    assert _public_url(url) == public


@pytest.mark.parametrize(("key", "redacted"), [("abc", False), ("abcd", True), (KEY, True)])
def test_the_key_is_masked_once_it_has_four_characters(
    key: str, redacted: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", key)
    text = f"bad key {key}, again {key}"
    masked = _backend(LOCAL)._redact(text)
    assert masked == ("bad key ***, again ***" if redacted else text)


def test_without_a_key_a_placeholder_is_sent(
    stub: StubOpenAIServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("OPENAI_API_KEY")
    monkeypatch.setenv("OPENAI_BASE_URL", stub.base_url)
    backend = OpenAIBackend("stub-model")
    assert backend.base_url == stub.base_url
    assert backend._redact("EMPTY text") == "EMPTY text"
    (response,) = backend.generate([_request()])
    assert response.ok
    assert [r.headers["authorization"] for r in stub.requests] == ["Bearer EMPTY"]


def test_the_client_runs_without_its_own_retries_and_with_the_deadline(
    stub: StubOpenAIServer,
) -> None:
    _backend(stub.base_url, timeout=3.5).generate([_request()])
    (seen,) = stub.requests
    assert seen.headers["x-stainless-retry-count"] == "0"
    assert seen.headers["x-stainless-read-timeout"] == "3.5"


# -- request bodies, as the server sees them ---------------------------------------------------


def _body(stub: StubOpenAIServer, backend: OpenAIBackend, request: Request | None = None) -> Any:
    stub.reset_stats()
    (response,) = backend.generate([request or _request()])
    assert response.ok, response.error
    (seen,) = stub.requests
    return seen.path, seen.body


def test_default_chat_body(stub: StubOpenAIServer) -> None:
    assert _body(stub, _backend(stub.base_url)) == (
        "/v1/chat/completions",
        {"model": "stub-model", "messages": [SYSTEM, USER], "max_tokens": 16, "temperature": 0.0},
    )


def test_every_chat_option_in_the_body(stub: StubOpenAIServer) -> None:
    backend = _backend(
        stub.base_url, seed=11, temperature=0.7, reasoning_effort="low", max_tokens=9,
        extra_body={"top_k": 1}, structured="json",
    )  # fmt: skip
    assert _body(stub, backend, _request(sample=3)) == (
        "/v1/chat/completions",
        {
            "model": "stub-model",
            "messages": [SYSTEM, USER],
            "max_tokens": 9,
            "temperature": 0.7,
            "seed": 14,  # 11 + sample 3
            "reasoning_effort": "low",
            "top_k": 1,
            "response_format": {
                "type": "json_schema",
                "json_schema": {
                    "name": "corr2cause_answer",
                    "strict": True,
                    "schema": {
                        "type": "object",
                        "properties": {"answer": {"type": "string", "enum": ["Yes", "No"]}},
                        "required": ["answer"],
                        "additionalProperties": False,
                    },
                },
            },
        },
    )


def test_seed_zero_is_sent_and_shifted_by_the_sample(stub: StubOpenAIServer) -> None:
    backend = _backend(stub.base_url, seed=0)
    assert _body(stub, backend, _request())[1]["seed"] == 0
    assert _body(stub, backend, _request(sample=2))[1]["seed"] == 2
    assert "seed" not in _body(stub, _backend(stub.base_url), _request(sample=2))[1]


def test_choice_constraint_goes_through_structured_outputs(stub: StubOpenAIServer) -> None:
    backend = _backend(stub.base_url, structured="choice")
    body = _body(stub, backend)[1]
    assert body["structured_outputs"] == {"choice": ["Yes", "No"]}
    assert "response_format" not in body
    own = {"choice": ["valid", "invalid"]}  # the user's own constraint wins
    backend = _backend(stub.base_url, structured="choice", extra_body={"structured_outputs": own})
    assert _body(stub, backend)[1]["structured_outputs"] == own
    assert backend.extra_body == {"structured_outputs": own}


def test_completion_body_has_no_system_prompt_and_no_chat_options(stub: StubOpenAIServer) -> None:
    backend = _backend(
        stub.base_url, "o3-mini", style="completion", reasoning_effort="high",
        structured="choice", max_tokens=5,
    )  # fmt: skip
    assert _body(stub, backend) == (
        "/v1/completions",
        {
            "model": "o3-mini",
            "prompt": USER["content"],
            "max_tokens": 5,  # the completions endpoint knows only max_tokens
            "structured_outputs": {"choice": ["Yes", "No"]},
        },
    )


def test_reasoning_models_get_their_budget_and_no_temperature(stub: StubOpenAIServer) -> None:
    backend = _backend(stub.base_url, "o3-mini", temperature=0.3)
    body = _body(stub, backend, _request(max_tokens=4))[1]
    assert body == {"model": "o3-mini", "messages": [SYSTEM, USER], "max_completion_tokens": 16384}
    assert backend.budget(_request(max_tokens=20000)) == 20000
    assert backend.budget(_request()) == 16384
    user_set = _backend(stub.base_url, "o3-mini", max_tokens=64)
    assert user_set.budget(_request(max_tokens=4)) == 4
    assert user_set.budget(_request()) == 64
    plain = _backend(stub.base_url)
    assert [plain.budget(_request(max_tokens=m)) for m in (None, 3, 99)] == [16, 3, 99]


def test_explicit_token_param_overrides_the_table(stub: StubOpenAIServer) -> None:
    backend = _backend(stub.base_url, "o3-mini", token_param="max_tokens", max_tokens=8)
    assert _body(stub, backend)[1]["max_tokens"] == 8
    backend = _backend(stub.base_url, token_param="max_completion_tokens")
    assert _body(stub, backend)[1]["max_completion_tokens"] == 16


# -- the response ------------------------------------------------------------------------------


@pytest.mark.parametrize("field", ["reasoning_content", "reasoning"])
def test_response_fields_from_the_reply(stub: StubOpenAIServer, field: str) -> None:
    stub.reasoning_field = field
    stub.responder = lambda r: StubReply(text="Yes it is", reasoning="one two three")
    (response,) = _backend(stub.base_url).generate([_request()])
    words = len(USER["content"].split())  # the stub counts words of the last user message
    assert (response.text, response.reasoning, response.error) == (
        "Yes it is",
        "one two three",
        None,
    )
    assert (response.prompt_tokens, response.completion_tokens) == (words, 3 + 3)
    assert response.reasoning_tokens == 3
    assert set(response.details) == {"attempts", "finish_reason", "wall_s"}
    assert response.details["attempts"] == 1 and response.details["finish_reason"] == "stop"
    assert 0 < response.latency_s <= response.details["wall_s"] + 1e-3


def test_no_reasoning_is_none_and_keys_are_masked_in_reasoning(stub: StubOpenAIServer) -> None:
    stub.reasoning_field = "reasoning_content"
    stub.responder = lambda r: StubReply(text=f"No {KEY}", reasoning=f"the key is {KEY}")
    (response,) = _backend(stub.base_url).generate([_request()])
    assert (response.text, response.reasoning) == ("No ***", "the key is ***")
    stub.responder = lambda r: StubReply(text="No", reasoning="")
    (response,) = _backend(stub.base_url).generate([_request()])
    assert response.reasoning is None and response.reasoning_tokens is None


def test_a_failed_request_records_its_attempts_and_time(stub: StubOpenAIServer) -> None:
    stub.responder = lambda r: StubReply(status=500)
    (response,) = _backend(stub.base_url, max_retries=2).generate([_request()])
    assert response.error == "HTTP 500: stub error 500"
    assert (response.text, response.label) == (None, None)
    assert set(response.details) == {"attempts", "wall_s"} and response.details["attempts"] == 3
    assert 0 <= response.latency_s <= response.details["wall_s"] + 1e-6
    assert len(stub.requests) == 3


def test_retries_stop_at_max_retries(stub: StubOpenAIServer) -> None:
    for retries in (0, 1, 4):
        stub.reset_stats()
        stub.responder = lambda r: StubReply(status=429)
        (response,) = _backend(stub.base_url, max_retries=retries).generate([_request()])
        assert response.details["attempts"] == retries + 1 == len(stub.requests)


# -- 400 "Unsupported parameter": adapt once, else stop ----------------------------------------


def _unsupported(message: str) -> Any:
    return _status_error(400, message)


@pytest.mark.parametrize(
    "message",
    [
        "Unsupported parameter: 'max_tokens' is not supported with this model.",
        "UNSUPPORTED VALUE: max_tokens",
        "max_tokens is not supported by this model",
        "Unrecognized request argument supplied: max_tokens",
        "Unknown parameter: 'max_tokens'.",
        "[{'loc': ('body', 'max_tokens'), 'msg': 'Extra inputs are not permitted'}]",
        "Max_Tokens: NOT SUPPORTED",
    ],
)
def test_each_unsupported_wording_switches_the_token_param(message: str) -> None:
    backend = _backend(LOCAL)
    assert backend._work_around(_unsupported(message)) is True
    assert backend.token_param == "max_completion_tokens"
    assert backend.send_temperature  # only the named option changes
    # switched once, for good: a second complaint (now about the other name) is not worked around
    again = "Unsupported parameter: 'max_completion_tokens'"
    assert backend._work_around(_unsupported(again)) is False
    assert backend.token_param == "max_completion_tokens"


def test_max_completion_tokens_switches_back_to_max_tokens() -> None:
    backend = _backend(LOCAL, token_param="max_completion_tokens")
    assert backend._work_around(_unsupported("Unrecognized: max_completion_tokens")) is True
    assert backend.token_param == "max_tokens"


@pytest.mark.parametrize(
    "message",
    ["max_tokens must be at most 4096", "Invalid value for temperature: 3", "bad request",
     "supported parameter: max_tokens", "unknown model", ""],
)  # fmt: skip
def test_other_400s_are_not_worked_around(message: str) -> None:
    backend = _backend(LOCAL)
    assert backend._work_around(_unsupported(message)) is False
    assert (backend.token_param, backend.send_temperature) == ("max_tokens", True)


def test_temperature_is_dropped_once() -> None:
    backend = _backend(LOCAL)
    message = "Unsupported value: 'temperature' does not support 0 with this model."
    assert backend._work_around(_unsupported(message)) is True
    assert (backend.token_param, backend.send_temperature) == ("max_tokens", False)
    assert backend._work_around(_unsupported(message)) is False
    assert backend.params()["temperature"] is None


def test_completion_style_never_switches_the_token_param() -> None:
    backend = _backend(LOCAL, style="completion")
    assert backend._work_around(_unsupported("Unsupported parameter: max_tokens")) is False
    assert backend.token_param == "max_tokens"
    message = "Unsupported parameter: max_tokens with temperature"
    assert backend._work_around(_unsupported(message)) is True
    assert (backend.token_param, backend.send_temperature) == ("max_tokens", False)


def test_the_message_attribute_is_read_before_the_text() -> None:
    class Rejected(Exception):
        message = "Unsupported parameter: temperature"

    backend = _backend(LOCAL)
    assert backend._work_around(Rejected("something else")) is True
    assert backend.send_temperature is False
    plain = _backend(LOCAL)
    assert plain._work_around(ValueError("Unknown parameter: temperature")) is True


def test_both_unsupported_options_are_worked_around_in_one_request(
    stub: StubOpenAIServer,
) -> None:
    stub.reject_params = frozenset({"max_tokens", "temperature"})
    backend = _backend(stub.base_url, max_tokens=6)
    responses = backend.generate([_request(), _request(max_tokens=2)])
    assert [r.ok for r in responses] == [True, True]
    bodies = [r.body for r in stub.requests]
    assert [sorted(set(b) - {"model", "messages"}) for b in bodies] == [
        ["max_tokens", "temperature"],
        ["max_completion_tokens", "temperature"],
        ["max_completion_tokens"],
        ["max_completion_tokens"],
    ]
    assert [b.get("max_completion_tokens") for b in bodies[2:]] == [6, 2]
    assert responses[0].details["attempts"] == 1  # resends are not retries
    assert responses[0].details["token_param"] == "max_completion_tokens"
    assert "token_param" not in responses[1].details


def test_a_third_unsupported_option_is_fatal(stub: StubOpenAIServer) -> None:
    stub.reject_params = frozenset({"max_tokens", "temperature", "top_k"})
    backend = _backend(stub.base_url, extra_body={"top_k": 1})
    with pytest.raises(BackendFatalError, match=r"rejects a request option.*'top_k'"):
        backend.generate([_request()])
    assert len(stub.requests) == 3


# -- the stream --------------------------------------------------------------------------------


def test_a_fatal_error_stops_the_stream_after_what_completed(stub: StubOpenAIServer) -> None:
    stub.responder = lambda r: StubReply(status=401) if r.number == 2 else None
    backend = _backend(stub.base_url)
    got: list[int] = []
    with pytest.raises(BackendFatalError, match=r"HTTP 401.*\$OPENAI_API_KEY"):
        for index, response in backend.stream([_request()] * 5, concurrency=1):
            assert response.ok
            got.append(index)
    assert got == [0, 1] and len(stub.requests) == 3


def test_an_internal_crash_fails_the_remaining_requests(stub: StubOpenAIServer) -> None:
    backend = _backend(stub.base_url)
    original = backend._call

    async def crashing(client: Any, request: Request, jitter: random.Random) -> Response:
        if request.sample == 1:
            raise RuntimeError("boom")
        return await original(client, request, jitter)

    backend._call = crashing  # type: ignore[method-assign]
    requests = [_request(sample=s) for s in (0, 1, 0, 0)]
    out = list(backend.stream(requests, concurrency=1))
    assert [i for i, _ in out] == [0, 1, 2, 3]
    assert out[0][1].ok
    assert [r.error for _, r in out[1:]] == ["backend crashed: RuntimeError: boom"] * 3


@pytest.mark.parametrize(
    ("concurrency", "in_flight"), [(0, 1), (-3, 1), (2, 2), (50, 3), (None, 1)]
)
def test_concurrency_below_one_is_one_and_above_the_work_is_the_work(
    concurrency: int | None, in_flight: int
) -> None:
    requests = [_request()] * 3
    with StubOpenAIServer(delay_s=0.1) as server:
        backend = _backend(server.base_url)
        if concurrency is None:  # the default: one at a time
            got = sorted(backend.stream(requests))
        else:
            got = sorted(backend.stream(requests, concurrency=concurrency))
    assert [i for i, _ in got] == [0, 1, 2] and all(r.ok for _, r in got)
    assert server.max_in_flight == in_flight


def test_closing_the_stream_early_stops_sending_requests() -> None:
    """A caller that stops reading (a failure limit, Ctrl-C) cancels the requests not yet sent."""
    with StubOpenAIServer(delay_s=0.05) as server:
        stream = _backend(server.base_url).stream([_request()] * 40, concurrency=2)
        _index, response = next(stream)
        assert response.ok
        (helper,) = [t for t in threading.enumerate() if t.name == "openai-backend"]
        assert helper.daemon  # a hung server never keeps the interpreter alive
        stream.close()
        sent = len(server.requests)
        time.sleep(0.3)  # long enough for six more requests, were the workers still running
        assert len(server.requests) == sent <= 4


@pytest.mark.parametrize(
    "options",
    [{"max_tokens": 0}, {"timeout": 0}, {"timeout": -1.0}, {"max_retries": -1},
     {"backoff_s": -0.5}, {"token_param": "max_new_tokens"}, {"structured": "regex"},
     {"structured": "json", "style": "completion"}, {"style": "responses"}],
)  # fmt: skip
def test_bad_options_are_refused(options: dict[str, Any]) -> None:
    from corr2cause.evaluation.backends.base import BackendError

    with pytest.raises(BackendError):
        OpenAIBackend("m", base_url=LOCAL, **options)


def test_the_smallest_accepted_options() -> None:
    backend = OpenAIBackend(
        "m", base_url=LOCAL, max_tokens=1, timeout=0.5, max_retries=0, backoff_s=0.0,
        structured="choice", style="completion", token_param="max_completion_tokens",
    )  # fmt: skip
    assert (backend.max_tokens, backend.timeout, backend.max_retries, backend.backoff_s) == (
        1, 0.5, 0, 0.0,
    )  # fmt: skip
    assert (backend.token_param, backend.structured, backend.style) == (
        "max_completion_tokens", "choice", "completion",
    )  # fmt: skip


def test_a_key_or_a_url_is_needed(monkeypatch: pytest.MonkeyPatch) -> None:
    from corr2cause.evaluation.backends.base import BackendError

    monkeypatch.setenv("EMPTY_KEY", "")
    monkeypatch.setenv("OPENAI_BASE_URL", "")
    with pytest.raises(BackendError, match=r"\$?EMPTY_KEY"):
        OpenAIBackend("m", api_key_env="EMPTY_KEY")
    with pytest.raises(BackendError, match="model name"):
        OpenAIBackend("", base_url=LOCAL)
    assert OpenAIBackend("m", api_key_env="EMPTY_KEY", base_url=LOCAL)._api_key is None
    assert OpenAIBackend("m")._api_key == KEY and OpenAIBackend("m").base_url is None


def test_a_model_table_file_sets_the_conventions(tmp_path: Any) -> None:
    table = tmp_path / "models.toml"
    table.write_text(
        '[[model]]\nmatch = ["my-*"]\ntoken_param = "max_completion_tokens"\n'
        "temperature = false\nreasoning = false\nmax_tokens = 33\n"
    )
    backend = OpenAIBackend("my-model", base_url=LOCAL, model_config=str(table))
    assert (backend.token_param, backend.send_temperature, backend.max_tokens) == (
        "max_completion_tokens", False, 33,
    )  # fmt: skip
    assert backend.describe()["request"]["max_tokens_set_by"] == "model table"


def test_the_connection_pool_never_caps_the_concurrency(
    stub: StubOpenAIServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``--concurrency 2000`` gets a pool of at least 2,000 connections (openai's own: 1,000)."""
    made: list[Any] = []
    original = openai.DefaultAsyncHttpxClient

    def recording(**kwargs: Any) -> Any:
        made.append(kwargs)
        return original(**kwargs)

    monkeypatch.setattr(openai, "DefaultAsyncHttpxClient", recording)
    (response,) = _backend(stub.base_url).generate([_request()], concurrency=2000)
    assert response.ok
    (kwargs,) = made
    limits = kwargs["limits"]
    for cap in (limits.max_connections, limits.max_keepalive_connections):
        assert cap is None or cap >= 2000


def test_the_documented_defaults() -> None:
    backend = OpenAIBackend("m", base_url=LOCAL)
    assert (backend.timeout, backend.max_retries, backend.backoff_s, backend.max_backoff_s) == (
        60.0, 5, 1.0, 60.0,
    )  # fmt: skip
    assert (backend.style, backend.temperature, backend.seed, backend.extra_body) == (
        "chat", 0.0, None, {},
    )  # fmt: skip
    assert (backend.api_key_env, backend.reasoning_effort, backend.structured) == (
        "OPENAI_API_KEY", None, None,
    )  # fmt: skip


def test_an_http_error_counts_as_having_reached_the_server() -> None:
    """After a 500 the server is known to exist: a later refused connection is not fatal."""
    with StubOpenAIServer(responder=lambda r: StubReply(status=500)) as server:
        backend = _backend(server.base_url, max_retries=0)
        (first,) = backend.generate([_request()])
    assert first.error == "HTTP 500: stub error 500"
    (later,) = backend.generate([_request()])  # the server has gone: refused
    assert later.error is not None and later.error.startswith("connection error")


# -- survivors of the mutation run (tests/mutation, issue 17) ------------------------------------


def test_a_reply_without_usage_is_a_success_with_unknown_token_counts(
    stub: StubOpenAIServer,
) -> None:
    """OpenAI-compatible servers may leave ``usage`` out; the text still counts."""
    body = {
        "id": "x",
        "object": "chat.completion",
        "created": 0,
        "model": "stub-model",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": "Yes"},
                "finish_reason": "stop",
            }
        ],
    }
    stub.responder = lambda r: StubReply(body=body)
    (response,) = _backend(stub.base_url).generate([_request()])
    assert response.ok and response.text == "Yes"
    assert response.prompt_tokens is None and response.completion_tokens is None


def test_a_server_that_answered_once_and_went_away_is_transient_not_fatal() -> None:
    """Refused connections are fatal only before any answer (a wrong --base-url); after one
    success they are an outage, and the request fails after its retries instead."""
    with StubOpenAIServer() as server:
        backend = _backend(server.base_url, max_retries=2)
        (first,) = backend.generate([_request()])
        assert first.ok
    # the server is gone now: the port refuses connections
    (second,) = backend.generate([_request()])
    assert not second.ok
    assert second.details["attempts"] == 3


def test_wall_s_is_the_time_from_the_first_attempt_to_the_answer(stub: StubOpenAIServer) -> None:
    """``details["wall_s"]``: seconds over all attempts (the stub delays each reply 0.2 s)."""
    stub.responder = lambda r: (
        StubReply(delay_s=0.2) if r.number == 0 else StubReply(status=500, delay_s=0.2)
    )
    ok, failed = _backend(stub.base_url, max_retries=1).generate(
        [_request(), _request(sample=1)], concurrency=1
    )
    assert ok.ok and 0.2 <= ok.details["wall_s"] < 5.0
    # two attempts of 0.2 s each before the failure
    assert not failed.ok and 0.4 <= failed.details["wall_s"] < 5.0


def test_wall_s_is_rounded_to_microseconds(
    stub: StubOpenAIServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    import corr2cause.evaluation.backends.openai_backend as module

    class Clock:  # every reading 1/9 s after the last: many decimals
        def __init__(self) -> None:
            self.now = 0.0

        def perf_counter(self) -> float:
            self.now += 1 / 9
            return self.now

        def __getattr__(self, name: str) -> Any:
            return getattr(time, name)

    monkeypatch.setattr(module, "time", Clock())
    (response,) = _backend(stub.base_url).generate([_request()])
    stub.responder = lambda r: StubReply(status=500)
    (failure,) = _backend(stub.base_url, max_retries=0).generate([_request()])
    assert response.ok and not failure.ok
    for wall in (response.details["wall_s"], failure.details["wall_s"]):
        assert wall > 0 and wall == round(wall, 6) and wall != round(wall, 5)
