"""The ``openai:MODEL`` backend: any OpenAI-compatible server through the official client.

Works with the OpenAI API and with vLLM, llama.cpp ``llama-server``, Ollama, SGLang, LM Studio
and other servers that speak ``/v1/chat/completions`` (``style="chat"``, the default) or
``/v1/completions`` (``style="completion"``; the system prompt is then left out, as the paper
did for non-chat models).

Concurrency
    ``AsyncOpenAI`` on an event loop in a helper thread, with ``concurrency`` worker
    coroutines, so at most that many requests are in flight. Responses are handed to the
    caller one by one as they complete.
Retries
    The client's own retries are disabled; this backend retries 408/409/429, every 5xx,
    timeouts, connection errors and malformed bodies (invalid JSON, no ``choices``) up to
    ``max_retries`` times with exponential backoff and jitter (honouring ``Retry-After``, capped
    at ``max_backoff_s``). Other 4xx statuses fail at once. A request that still fails becomes
    a failed :class:`~corr2cause.evaluation.backends.base.Response`; nothing is raised.
Secrets
    The key is read from the environment variable named by ``api_key_env`` and kept only in
    the client. It is never part of :meth:`OpenAIBackend.params` (so never in the cache key,
    the run manifest or the report), and it is masked in recorded error messages. Credentials
    embedded in ``base_url`` are removed from the recorded URL.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import queue
import random
import re
import threading
import time
from collections.abc import Iterator, Sequence
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from corr2cause.evaluation.backends.base import Backend, BackendError, Request, Response
from corr2cause.evaluation.prompts import messages_to_text

__all__ = ["OpenAIBackend"]

_STYLES = ("chat", "completion")
_RETRY_STATUSES = frozenset({408, 409, 429})
_DONE = object()
_STATUS_PREFIX = re.compile(r"^Error code: \d+ - ")


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
    max_tokens : int
        Default generation budget (a prompt step may set its own).
    temperature : float
        Sampling temperature (0 = greedy, the default).
    timeout : float
        Seconds before one attempt times out.
    max_retries : int
        Retries after the first attempt.
    backoff_s, max_backoff_s : float
        First backoff delay and the cap of the exponential backoff.
    seed : int, optional
        Sent as the request ``seed`` (servers that support it sample reproducibly) and seeds
        the backoff jitter.
    extra_body : dict, optional
        Extra JSON fields for every request (e.g. vLLM ``structured_outputs``).
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
        max_tokens: int = 16,
        temperature: float = 0.0,
        timeout: float = 60.0,
        max_retries: int = 5,
        backoff_s: float = 1.0,
        max_backoff_s: float = 60.0,
        seed: int | None = None,
        extra_body: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(model)
        if not model:
            raise BackendError("openai backend needs a model name: openai:MODEL")
        if style not in _STYLES:
            raise BackendError(f"style must be one of {', '.join(_STYLES)}, not {style!r}")
        if max_tokens < 1 or timeout <= 0 or max_retries < 0 or backoff_s < 0:
            raise BackendError("max_tokens and timeout must be positive, max_retries >= 0")
        self.base_url = base_url or os.environ.get("OPENAI_BASE_URL") or None
        self.api_key_env = api_key_env
        self._api_key = os.environ.get(api_key_env) or None
        if self._api_key is None and self.base_url is None:
            raise BackendError(
                f"no API key: set the environment variable {api_key_env} "
                "(or --api-key-env NAME), or point --base-url at a local server"
            )
        self.style = style
        self.max_tokens = int(max_tokens)
        self.temperature = float(temperature)
        self.timeout = float(timeout)
        self.max_retries = int(max_retries)
        self.backoff_s = float(backoff_s)
        self.max_backoff_s = float(max_backoff_s)
        self.seed = seed
        self.extra_body = dict(extra_body or {})

    def __repr__(self) -> str:
        return f"OpenAIBackend(model={self.model!r}, base_url={_public_url(self.base_url)!r})"

    def params(self) -> dict[str, Any]:
        return {
            "style": self.style,
            "temperature": self.temperature,
            "seed": self.seed,
            "base_url": _public_url(self.base_url),
            "extra_body": self.extra_body,
        }

    def payload(self, request: Request) -> Any:
        max_tokens = request.max_tokens or self.max_tokens
        messages = list(request.messages or ())
        if self.style == "chat":
            return {"messages": messages, "max_tokens": max_tokens}
        return {"prompt": messages_to_text(messages), "max_tokens": max_tokens}

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

        try:
            await asyncio.gather(*(worker() for _ in range(min(concurrency, len(requests)))))
        finally:
            await client.close()

    def _redact(self, text: str) -> str:
        if self._api_key and len(self._api_key) >= 4:
            text = text.replace(self._api_key, "***")
        return text

    def _retry_delay(self, attempt: int, exc: Exception, jitter: random.Random) -> float:
        delay = min(self.max_backoff_s, self.backoff_s * 2 ** (attempt - 1))
        delay *= 0.5 + jitter.random() / 2
        response = getattr(exc, "response", None)
        header = response.headers.get("retry-after") if response is not None else None
        if header:
            with contextlib.suppress(ValueError):
                delay = max(delay, min(self.max_backoff_s, float(header)))
        return delay

    async def _call(self, client: Any, request: Request, jitter: random.Random) -> Response:
        import openai

        payload = self.payload(request)
        options: dict[str, Any] = {
            "model": self.model,
            "max_tokens": payload["max_tokens"],
            "temperature": self.temperature,
        }
        if self.seed is not None:
            options["seed"] = self.seed
        if self.extra_body:
            options["extra_body"] = self.extra_body
        start = time.perf_counter()
        attempt = 0
        while True:
            attempt += 1
            t0 = time.perf_counter()
            try:
                if self.style == "chat":
                    reply = await client.chat.completions.create(
                        messages=payload["messages"], **options
                    )
                    text, finish = _chat_text(reply)
                else:
                    reply = await client.completions.create(prompt=payload["prompt"], **options)
                    text, finish = _completion_text(reply)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                retryable, reason = _classify(exc, openai)
                reason = self._redact(reason)
                if not retryable or attempt > self.max_retries:
                    return Response.failure(
                        reason,
                        latency_s=time.perf_counter() - t0,
                        attempts=attempt,
                        wall_s=round(time.perf_counter() - start, 6),
                    )
                await asyncio.sleep(self._retry_delay(attempt, exc, jitter))
                continue
            usage = getattr(reply, "usage", None)
            return Response(
                text=self._redact(text),
                latency_s=time.perf_counter() - t0,
                prompt_tokens=getattr(usage, "prompt_tokens", None),
                completion_tokens=getattr(usage, "completion_tokens", None),
                details={
                    "attempts": attempt,
                    "finish_reason": finish,
                    "wall_s": round(time.perf_counter() - start, 6),
                },
            )


def _first_choice(reply: Any) -> Any:
    choices = getattr(reply, "choices", None)
    if not isinstance(choices, list) or not choices:
        raise MalformedResponseError("reply has no choices")
    return choices[0]


def _chat_text(reply: Any) -> tuple[str, str | None]:
    choice = _first_choice(reply)
    message = getattr(choice, "message", None)
    if message is None:
        raise MalformedResponseError("chat reply without a message")
    content = getattr(message, "content", None)
    if content is not None and not isinstance(content, str):
        raise MalformedResponseError("chat reply content is not text")
    return content or "", getattr(choice, "finish_reason", None)


def _completion_text(reply: Any) -> tuple[str, str | None]:
    choice = _first_choice(reply)
    text = getattr(choice, "text", None)
    if text is not None and not isinstance(text, str):
        raise MalformedResponseError("completion reply text is not text")
    return text or "", getattr(choice, "finish_reason", None)


def _classify(exc: Exception, openai: Any) -> tuple[bool, str]:
    """(retryable, short reason) for an exception raised by one attempt."""
    if isinstance(exc, openai.APITimeoutError):
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
