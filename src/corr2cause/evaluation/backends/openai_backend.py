"""The ``openai:MODEL`` backend: any OpenAI-compatible server through the official client.

Works with the OpenAI API and with vLLM, llama.cpp ``llama-server``, Ollama, SGLang, LM Studio
and other servers that speak ``/v1/chat/completions`` (``style="chat"``, the default) or
``/v1/completions`` (``style="completion"``; the system prompt is then left out, as the paper
did for non-chat models).

Concurrency
    ``AsyncOpenAI`` on an event loop in a helper thread, with ``concurrency`` worker
    coroutines, so at most that many requests are in flight. Responses are handed to the
    caller one by one as they complete.
Request conventions
    Chosen per model from a table (:mod:`~corr2cause.evaluation.backends.model_config`):
    ``max_tokens`` or ``max_completion_tokens``, whether a temperature may be sent, and the
    default budget (16 tokens for the paper's direct answers, 16,384 for reasoning models).
    ``reasoning_effort`` is sent when set; ``structured="json"`` asks for a JSON object
    ``{"answer": "Yes" | "No"}`` through ``response_format`` (JSON schema), and
    ``structured="choice"`` for one of ``Yes`` / ``No`` through vLLM's ``structured_outputs``.
    A server that still answers 400 "Unsupported parameter" for the token limit (or for the
    temperature) makes the backend switch to the other form (or drop it) for the rest of the
    run.
Reasoning and usage
    The reasoning that servers return apart from the answer (``reasoning_content`` from vLLM
    and DeepSeek, ``reasoning`` from OpenRouter and newer vLLM) is recorded in
    ``Response.reasoning``; prompt, completion and reasoning tokens
    (``usage.completion_tokens_details.reasoning_tokens``) and the latency in the response.
Retries and deadlines
    The client's own retries are disabled; this backend retries 408/409/429, every 5xx,
    timeouts, connection resets and malformed bodies (invalid JSON, no ``choices``) up to
    ``max_retries`` times with exponential backoff and jitter (honouring ``Retry-After`` and
    ``retry-after-ms``, capped at ``max_backoff_s``). ``timeout`` is a **total deadline per
    attempt**, not only a limit between bytes: a server that trickles its body or hangs after
    the headers fails the attempt after ``timeout`` seconds. Other 4xx statuses fail the
    request at once. A request that still fails becomes a failed
    :class:`~corr2cause.evaluation.backends.base.Response`.
Fatal errors
    401 and 403 (the key is refused), 404 (no such model or endpoint), a 400 "Unsupported
    parameter" that cannot be worked around, and a server that refuses connections before
    any request succeeded would fail every request alike. They stop the stream at once with a
    :class:`~corr2cause.evaluation.backends.base.BackendFatalError` naming the cause.
Secrets
    The key is read from the environment variable named by ``api_key_env`` and kept only in
    the client. It is never part of :meth:`OpenAIBackend.params` (so never in the cache key,
    the run manifest or the report), and it is masked in recorded error messages. Credentials
    embedded in ``base_url`` are removed from the recorded URL.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime
import email.utils
import os
import queue
import random
import re
import threading
import time
from collections.abc import Iterator, Sequence
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from corr2cause.evaluation.backends.base import (
    Backend,
    BackendError,
    BackendFatalError,
    Request,
    Response,
)
from corr2cause.evaluation.backends.model_config import TOKEN_PARAMS, model_settings
from corr2cause.evaluation.prompts import messages_to_text

__all__ = ["OpenAIBackend"]

_STYLES = ("chat", "completion")
_RETRY_STATUSES = frozenset({408, 409, 429})
_FATAL_STATUSES = {
    401: "the server refused the API key (HTTP 401)",
    403: "the server refused access (HTTP 403)",
    404: "no such model or endpoint (HTTP 404)",
}
_DONE = object()
_STATUS_PREFIX = re.compile(r"^Error code: \d+ - ")
_UNSUPPORTED = re.compile(
    r"unsupported (?:parameter|value)|not supported|unrecognized|"
    r"unknown parameter|extra inputs are not permitted",
    re.IGNORECASE,
)
_STRUCTURED = ("json", "choice")
_ANSWER_SCHEMA: dict[str, Any] = {
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
}


class MalformedResponseError(Exception):
    """A 2xx reply whose body is not a usable completion."""


def _public_url(url: str | None) -> str | None:
    """``url`` without user info, query or fragment (safe to record)."""
    if not url:
        return None
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, host, parts.path.rstrip("/"), "", ""))


class OpenAIBackend(Backend):
    """Query an OpenAI-compatible server.

    Parameters
    ----------
    model : str
        Model name sent to the server.
    base_url : str, optional
        Server URL (``http://host:8000/v1``); default ``$OPENAI_BASE_URL``, else the OpenAI API.
    api_key_env : str
        Environment variable holding the key. Without it a placeholder key is sent, which
        local servers accept.
    style : {"chat", "completion"}
        Endpoint to use.
    max_tokens : int, optional
        Default generation budget (a prompt step may set its own); default from the model
        table (16, or 16,384 for reasoning models; a reasoning model gets at least that much
        even when a prompt step asks for less).
    temperature : float
        Sampling temperature (0 = greedy, the default); not sent to models whose table entry
        says ``temperature = false``.
    timeout : float
        Total deadline of one attempt in seconds (connect, headers and body).
    max_retries : int
        Retries after the first attempt.
    backoff_s, max_backoff_s : float
        First backoff delay and the cap of the exponential backoff.
    seed : int, optional
        Sent as the request ``seed`` (servers that support it sample reproducibly) and seeds
        the backoff jitter.
    extra_body : dict, optional
        Extra JSON fields for every request (e.g. vLLM ``structured_outputs``).
    token_param : {"auto", "max_tokens", "max_completion_tokens"}
        Name of the token limit; ``auto`` takes it from the model table.
    reasoning_effort : str, optional
        ``minimal``, ``low``, ``medium`` or ``high``, sent as ``reasoning_effort``.
    structured : {"json", "choice"}, optional
        Structured output: a JSON schema ``response_format``, or vLLM's choice constraint.
    model_config : str or Path, optional
        A TOML file of ``[[model]]`` entries searched before the built-in table.
    """

    name = "openai"
    uses_prompt = True
    takes_model = True

    def __init__(
        self,
        model: str,
        *,
        base_url: str | None = None,
        api_key_env: str = "OPENAI_API_KEY",
        style: str = "chat",
        max_tokens: int | None = None,
        temperature: float = 0.0,
        timeout: float = 60.0,
        max_retries: int = 5,
        backoff_s: float = 1.0,
        max_backoff_s: float = 60.0,
        seed: int | None = None,
        extra_body: dict[str, Any] | None = None,
        token_param: str = "auto",
        reasoning_effort: str | None = None,
        structured: str | None = None,
        model_config: str | None = None,
    ) -> None:
        super().__init__(model)
        if not model:
            raise BackendError("openai backend needs a model name: openai:MODEL")
        if style not in _STYLES:
            raise BackendError(f"style must be one of {', '.join(_STYLES)}, not {style!r}")
        if (
            (max_tokens is not None and max_tokens < 1)
            or timeout <= 0
            or max_retries < 0
            or (backoff_s < 0)
        ):
            raise BackendError("max_tokens and timeout must be positive, max_retries >= 0")
        if token_param not in ("auto", *TOKEN_PARAMS):
            raise BackendError(
                f"token_param must be auto, {' or '.join(TOKEN_PARAMS)}, not {token_param!r}"
            )
        if structured is not None and structured not in _STRUCTURED:
            raise BackendError(f"structured must be json or choice, not {structured!r}")
        if structured == "json" and style == "completion":
            raise BackendError("structured=json needs the chat endpoint (style chat)")
        self.settings = model_settings(model, config=model_config)
        self.base_url = base_url or os.environ.get("OPENAI_BASE_URL") or None
        self.api_key_env = api_key_env
        self._api_key = os.environ.get(api_key_env) or None
        if self._api_key is None and self.base_url is None:
            raise BackendError(
                f"no API key: set the environment variable {api_key_env} "
                "(or --api-key-env NAME), or point --base-url at a local server"
            )
        self.style = style
        self.user_max_tokens = max_tokens
        self.max_tokens = int(max_tokens) if max_tokens is not None else self.settings.max_tokens
        self.token_param = self.settings.token_param if token_param == "auto" else token_param
        self.send_temperature = self.settings.temperature
        self.reasoning_effort = reasoning_effort
        self.structured = structured
        self.temperature = float(temperature)
        self.timeout = float(timeout)
        self.max_retries = int(max_retries)
        self.backoff_s = float(backoff_s)
        self.max_backoff_s = float(max_backoff_s)
        self.seed = seed
        self.extra_body = dict(extra_body or {})
        self._reached = False  # some request got an HTTP answer: refused connections are transient
        self._switched_token_param = False

    def __repr__(self) -> str:
        return f"OpenAIBackend(model={self.model!r}, base_url={_public_url(self.base_url)!r})"

    def params(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "style": self.style,
            "temperature": self.temperature,
            "seed": self.seed,
            "base_url": _public_url(self.base_url),
            "extra_body": self.extra_body,
        }
        # added only when set, so that caches written before these options stay valid
        if self.reasoning_effort is not None:
            out["reasoning_effort"] = self.reasoning_effort
        if self.structured is not None:
            out["structured"] = self.structured
        if not self.send_temperature:
            out["temperature"] = None
        return out

    def describe(self) -> dict[str, Any]:
        out = super().describe()
        out["request"] = {
            "token_param": self.token_param,
            "max_tokens": self.max_tokens,
            "max_tokens_set_by": "user" if self.user_max_tokens is not None else "model table",
            "reasoning_effort": self.reasoning_effort,
            "structured": self.structured,
            "temperature": self.temperature if self.send_temperature else None,
            "seed": self.seed,
            "timeout_s": self.timeout,
            "max_retries": self.max_retries,
            "model_settings": self.settings.to_dict(),
        }
        return out

    def budget(self, request: Request) -> int:
        """The token budget of ``request``."""
        if self.user_max_tokens is None and self.settings.reasoning:
            return max(request.max_tokens or 0, self.max_tokens)
        return request.max_tokens or self.max_tokens

    def payload(self, request: Request) -> Any:
        max_tokens = self.budget(request)
        messages = list(request.messages or ())
        if self.style == "chat":
            out: dict[str, Any] = {"messages": messages, "max_tokens": max_tokens}
        else:
            out = {"prompt": messages_to_text(messages), "max_tokens": max_tokens}
        if request.sample:
            out["sample"] = request.sample
        return out

    # -- running ------------------------------------------------------------------------------

    def stream(
        self, requests: Sequence[Request], *, concurrency: int = 1
    ) -> Iterator[tuple[int, Response]]:
        if not requests:
            return
        results: queue.Queue[Any] = queue.Queue()
        holder: dict[str, Any] = {}
        started = threading.Event()

        def run_loop() -> None:
            try:
                asyncio.run(self._run_all(requests, max(1, concurrency), results, holder, started))
            except BaseException as exc:  # reported to the consumer, never lost
                results.put(exc)
            finally:
                started.set()
                results.put(_DONE)

        thread = threading.Thread(target=run_loop, name="openai-backend", daemon=True)
        thread.start()
        pending = set(range(len(requests)))
        crash: BaseException | None = None
        try:
            while pending:
                got = results.get()
                if got is _DONE:
                    break
                if isinstance(got, BackendFatalError):
                    raise got
                if isinstance(got, BaseException):
                    crash = got
                    continue
                index, response = got
                if index in pending:
                    pending.discard(index)
                    yield index, response
            for index in sorted(pending):  # only after an internal crash
                yield index, Response.failure(f"backend crashed: {type(crash).__name__}: {crash}")
        finally:
            started.wait(timeout=5)
            loop, task = holder.get("loop"), holder.get("task")
            if thread.is_alive() and loop is not None and task is not None:
                with contextlib.suppress(RuntimeError):  # loop already closed
                    loop.call_soon_threadsafe(task.cancel)
            thread.join(timeout=10)

    async def _run_all(
        self,
        requests: Sequence[Request],
        concurrency: int,
        results: queue.Queue[Any],
        holder: dict[str, Any],
        started: threading.Event,
    ) -> None:
        import httpx2
        import openai

        holder["loop"] = asyncio.get_running_loop()
        holder["task"] = asyncio.current_task()
        started.set()
        limits = httpx2.Limits(
            max_connections=max(concurrency, 16), max_keepalive_connections=max(concurrency, 16)
        )
        client = openai.AsyncOpenAI(
            api_key=self._api_key or "EMPTY",
            base_url=self.base_url,
            max_retries=0,
            timeout=self.timeout,
            http_client=openai.DefaultAsyncHttpxClient(limits=limits, timeout=self.timeout),
        )
        jitter = random.Random(self.seed or 0)
        next_index = iter(range(len(requests)))

        async def worker() -> None:
            for index in next_index:
                response = await self._call(client, requests[index], jitter)
                results.put((index, response))

        # a fatal error in one worker ends them all (asyncio.run cancels the others)

        try:
            await asyncio.gather(*(worker() for _ in range(min(concurrency, len(requests)))))
        finally:
            await client.close()

    def _redact(self, text: str) -> str:
        if self._api_key and len(self._api_key) >= 4:
            text = text.replace(self._api_key, "***")
        return text

    def _retry_delay(self, attempt: int, exc: Exception, jitter: random.Random) -> float:
        delay = float(min(self.max_backoff_s, self.backoff_s * 2 ** (attempt - 1)))
        delay *= 0.5 + jitter.random() / 2
        response = getattr(exc, "response", None)
        asked = _retry_after(response.headers) if response is not None else None
        if asked is not None:
            delay = min(self.max_backoff_s, asked)
        return delay

    def _options(self, max_tokens: int) -> dict[str, Any]:
        options: dict[str, Any] = {"model": self.model, self.token_param: max_tokens}
        if self.style == "completion":  # the completions endpoint knows only max_tokens
            options = {"model": self.model, "max_tokens": max_tokens}
        if self.send_temperature:
            options["temperature"] = self.temperature
        if self.seed is not None:
            options["seed"] = self.seed
        if self.reasoning_effort is not None and self.style == "chat":
            options["reasoning_effort"] = self.reasoning_effort
        extra = dict(self.extra_body)
        if self.structured == "json":
            options["response_format"] = _ANSWER_SCHEMA
        elif self.structured == "choice":
            extra.setdefault("structured_outputs", {"choice": ["Yes", "No"]})
        if extra:
            options["extra_body"] = extra
        return options

    def _work_around(self, exc: Exception) -> bool:
        """Adapt to a 400 "Unsupported parameter"; True when the request should be resent."""
        message = str(getattr(exc, "message", "") or exc)
        if not _UNSUPPORTED.search(message):
            return False
        lowered = message.lower()
        if self.style == "chat" and self.token_param in lowered:
            other = next(p for p in TOKEN_PARAMS if p != self.token_param)
            if self._switched_token_param:
                return False
            self._switched_token_param = True
            self.token_param = other
            return True
        if "temperature" in lowered and self.send_temperature:
            self.send_temperature = False
            return True
        return False

    async def _call(self, client: Any, request: Request, jitter: random.Random) -> Response:
        import openai

        payload = self.payload(request)
        seed_shift = request.sample
        start = time.perf_counter()
        attempt = 0
        adapted = 0
        while True:
            attempt += 1
            t0 = time.perf_counter()
            options = self._options(payload["max_tokens"])
            if seed_shift and "seed" in options:
                options["seed"] = options["seed"] + seed_shift
            try:
                async with asyncio.timeout(self.timeout):
                    if self.style == "chat":
                        reply = await client.chat.completions.create(
                            messages=payload["messages"], **options
                        )
                        text, reasoning, finish = _chat_text(reply)
                    else:
                        reply = await client.completions.create(prompt=payload["prompt"], **options)
                        text, finish = _completion_text(reply)
                        reasoning = None
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                status = getattr(exc, "status_code", None)
                if status is not None:
                    self._reached = True
                if status == 400 and adapted < 2 and self._work_around(exc):
                    adapted += 1
                    attempt -= 1
                    continue
                retryable, reason = _classify(exc, openai)
                reason = self._redact(reason)
                fatal = self._fatal(exc, status, reason, attempt)
                if fatal is not None:
                    raise BackendFatalError(fatal) from None
                if not retryable or attempt > self.max_retries:
                    return Response.failure(
                        reason,
                        latency_s=time.perf_counter() - t0,
                        attempts=attempt,
                        wall_s=round(time.perf_counter() - start, 6),
                    )
                await asyncio.sleep(self._retry_delay(attempt, exc, jitter))
                continue
            self._reached = True
            usage = getattr(reply, "usage", None)
            details: dict[str, Any] = {
                "attempts": attempt,
                "finish_reason": finish,
                "wall_s": round(time.perf_counter() - start, 6),
            }
            if adapted:
                details["token_param"] = self.token_param
            return Response(
                text=self._redact(text),
                latency_s=time.perf_counter() - t0,
                prompt_tokens=_int(getattr(usage, "prompt_tokens", None)),
                completion_tokens=_int(getattr(usage, "completion_tokens", None)),
                details=details,
                reasoning=self._redact(reasoning) if reasoning else None,
                reasoning_tokens=_reasoning_tokens(usage),
            )

    def _fatal(self, exc: Exception, status: int | None, reason: str, attempt: int) -> str | None:
        """The message of a fatal error, or ``None`` when the request may go on."""
        where = _public_url(self.base_url) or "the OpenAI API"
        if status in _FATAL_STATUSES:
            hint = (
                f"; check the key in ${self.api_key_env}"
                if status in (401, 403)
                else f"; check the model name {self.model!r} and --base-url"
            )
            return f"{where}: {_FATAL_STATUSES[status]}: {reason}{hint}"
        if status == 400 and _UNSUPPORTED.search(reason):
            return (
                f"{where}: the server rejects a request option: {reason}; every request "
                "would fail alike (see --token-param, --reasoning-effort, --structured)"
            )
        if not self._reached and _refused(exc) and attempt > min(self.max_retries, 1):
            return (
                f"{where}: cannot connect ({reason}); is the server running and is "
                "--base-url right?"
            )
        return None


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _reasoning_tokens(usage: Any) -> int | None:
    details = getattr(usage, "completion_tokens_details", None)
    if isinstance(details, dict):
        return _int(details.get("reasoning_tokens"))
    return _int(getattr(details, "reasoning_tokens", None))


def _retry_after(headers: Any) -> float | None:
    """Seconds asked for by ``retry-after-ms`` or ``Retry-After`` (seconds or HTTP date)."""
    millis = headers.get("retry-after-ms")
    if millis:
        with contextlib.suppress(ValueError):
            return max(0.0, float(millis) / 1000)
    value = headers.get("retry-after")
    if not value:
        return None
    with contextlib.suppress(ValueError):
        return max(0.0, float(value))
    with contextlib.suppress(TypeError, ValueError, IndexError):
        when = email.utils.parsedate_to_datetime(value)
        if when.tzinfo is None:  # asctime and "-0000" dates: HTTP-dates are always GMT
            when = when.replace(tzinfo=datetime.UTC)
        return max(0.0, when.timestamp() - time.time())
    return None


def _refused(exc: BaseException) -> bool:
    """Whether ``exc`` (or what caused it) is a failure to open the connection at all."""
    seen: BaseException | None = exc
    for _ in range(6):
        if seen is None:
            return False
        if isinstance(seen, ConnectionRefusedError) or type(seen).__name__ == "ConnectError":
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def _first_choice(reply: Any) -> Any:
    choices = getattr(reply, "choices", None)
    if not isinstance(choices, list) or not choices:
        raise MalformedResponseError("reply has no choices")
    return choices[0]


def _chat_text(reply: Any) -> tuple[str, str | None, str | None]:
    choice = _first_choice(reply)
    message = getattr(choice, "message", None)
    if message is None:
        raise MalformedResponseError("chat reply without a message")
    content = getattr(message, "content", None)
    if content is not None and not isinstance(content, str):
        raise MalformedResponseError("chat reply content is not text")
    reasoning = None
    for name in ("reasoning_content", "reasoning"):
        value = getattr(message, name, None)
        if isinstance(value, str) and value:
            reasoning = value
            break
    return content or "", reasoning, getattr(choice, "finish_reason", None)


def _completion_text(reply: Any) -> tuple[str, str | None]:
    choice = _first_choice(reply)
    text = getattr(choice, "text", None)
    if text is not None and not isinstance(text, str):
        raise MalformedResponseError("completion reply text is not text")
    return text or "", getattr(choice, "finish_reason", None)


def _classify(exc: Exception, openai: Any) -> tuple[bool, str]:
    """(retryable, short reason) for an exception raised by one attempt."""
    if isinstance(exc, TimeoutError | openai.APITimeoutError):
        return True, "timeout"
    if isinstance(exc, openai.APIConnectionError):
        return True, f"connection error: {exc}"
    if isinstance(exc, openai.APIStatusError):
        status = exc.status_code
        message = _STATUS_PREFIX.sub("", str(getattr(exc, "message", "") or exc))[:300]
        return status in _RETRY_STATUSES or status >= 500, f"HTTP {status}: {message}"
    if isinstance(exc, MalformedResponseError | ValueError | openai.APIResponseValidationError):
        return True, f"malformed response: {str(exc)[:300]}"
    return False, f"{type(exc).__name__}: {str(exc)[:300]}"
