"""A small OpenAI-compatible HTTP server for tests, benchmarks and dry runs.

It listens on ``127.0.0.1`` (an ephemeral port by default), implements
``POST /v1/chat/completions``, ``POST /v1/completions`` and ``GET /v1/models``, and answers
with a deterministic text chosen by an ``answer`` function (or a scripted model style, see
:mod:`corr2cause.testing.styles`). Faults are injected by a ``responder`` hook that sees every
request and may return an error status, a slow reply, a malformed body, a body that trickles
out one byte at a time, a reply that hangs after its headers, or a connection reset. The
server can also play a reasoning model: return reasoning in ``reasoning_content`` (vLLM,
DeepSeek) or ``reasoning`` (OpenRouter), report reasoning tokens, and reject parameters with
OpenAI's 400 "Unsupported parameter" (o-series models reject ``max_tokens``).

It uses only the standard library (one thread per connection) and stops itself after
``max_lifetime_s`` seconds or ``max_requests`` requests, so a forgotten server cannot outlive
a test run. ``corr2cause serve`` runs it from the command line.

Examples
--------
>>> from corr2cause.testing.stub_server import StubOpenAIServer
>>> with StubOpenAIServer(answer=lambda prompt: "Yes") as server:
...     url = server.base_url  # http://127.0.0.1:PORT/v1
>>> url.startswith("http://127.0.0.1:")
True
"""

from __future__ import annotations

import contextlib
import json
import socket
import struct
import threading
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

__all__ = ["StubOpenAIServer", "StubReply", "StubRequest", "prompt_of", "transcript_of"]


@dataclass(frozen=True, slots=True)
class StubRequest:
    """One request the server received.

    Attributes
    ----------
    number : int
        0-based arrival order.
    path : str
        Request path, e.g. ``/v1/chat/completions``.
    body : dict
        The decoded JSON body (empty when it was not JSON).
    headers : dict
        Request headers (lower-cased names).
    """

    number: int
    path: str
    body: dict[str, Any]
    headers: dict[str, str]

    @property
    def prompt(self) -> str:
        """The prompt text of the request (see :func:`prompt_of`)."""
        return prompt_of(self.body)


@dataclass(frozen=True, slots=True)
class StubReply:
    """What a responder wants the server to send.

    Attributes
    ----------
    status : int
        HTTP status.
    body : dict, str or bytes, optional
        JSON body (dict), or a raw body (str/bytes, e.g. malformed JSON). ``None`` builds the
        normal completion for the request.
    delay_s : float
        Seconds to wait before answering (to provoke client timeouts).
    headers : dict
        Extra response headers (e.g. ``Retry-After``).
    text : str, optional
        Answer text for the normal completion (overrides the ``answer`` function).
    reasoning : str, optional
        Reasoning text, sent in the server's ``reasoning_field``.
    trickle_s : float
        Send the body one byte at a time, this many seconds apart.
    hang_after_headers : bool
        Send the headers, then nothing until the server stops.
    reset : bool
        Close the connection abruptly (TCP RST) instead of answering.
    """

    status: int = 200
    body: dict[str, Any] | str | bytes | None = None
    delay_s: float = 0.0
    headers: dict[str, str] = field(default_factory=dict)
    text: str | None = None
    reasoning: str | None = None
    trickle_s: float = 0.0
    hang_after_headers: bool = False
    reset: bool = False


def prompt_of(body: dict[str, Any]) -> str:
    """The prompt of a request body: the completion ``prompt`` or the last user message."""
    if "messages" in body:
        users = [m.get("content", "") for m in body["messages"] if m.get("role") == "user"]
        return str(users[-1]) if users else ""
    prompt = body.get("prompt", "")
    return prompt if isinstance(prompt, str) else json.dumps(prompt)


def transcript_of(body: dict[str, Any]) -> str:
    """Every user message of a chat request (or the completion prompt), joined by newlines."""
    if "messages" in body:
        return "\n".join(
            str(m.get("content", "")) for m in body["messages"] if m.get("role") == "user"
        )
    return prompt_of(body)


def _apply_stop(text: str, stop: Any) -> str:
    """``text`` cut before the first stop sequence, as a real server would."""
    sequences = [stop] if isinstance(stop, str) else stop if isinstance(stop, list) else []
    cut = len(text)
    for sequence in sequences:
        if isinstance(sequence, str) and sequence:
            found = text.find(sequence)
            if 0 <= found < cut:
                cut = found
    return text[:cut]


def _completion_body(
    path: str,
    body: dict[str, Any],
    text: str,
    number: int,
    *,
    reasoning: str | None = None,
    reasoning_field: str | None = None,
) -> dict[str, Any]:
    prompt_tokens = len(prompt_of(body).split())
    reasoning_tokens = len(reasoning.split()) if reasoning else 0
    completion_tokens = len(text.split()) + reasoning_tokens
    usage: dict[str, Any] = {
        "prompt_tokens": prompt_tokens,
        "completion_tokens": completion_tokens,
        "total_tokens": prompt_tokens + completion_tokens,
    }
    if reasoning:
        usage["completion_tokens_details"] = {"reasoning_tokens": reasoning_tokens}
    model = str(body.get("model", "stub"))
    if path.endswith("/chat/completions"):
        message: dict[str, Any] = {"role": "assistant", "content": text}
        if reasoning and reasoning_field:
            message[reasoning_field] = reasoning
        return {
            "id": f"chatcmpl-{number}",
            "object": "chat.completion",
            "created": 0,
            "model": model,
            "choices": [{"index": 0, "message": message, "finish_reason": "stop"}],
            "usage": usage,
        }
    return {
        "id": f"cmpl-{number}",
        "object": "text_completion",
        "created": 0,
        "model": model,
        "choices": [{"index": 0, "text": text, "finish_reason": "stop", "logprobs": None}],
        "usage": usage,
    }


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 1024  # listen() backlog: bursts of hundreds of connections


class StubOpenAIServer:
    """An OpenAI-compatible server on 127.0.0.1 for tests and benchmarks.

    Replies honour the request's ``stop`` sequences (the text is cut before the first one).

    Parameters
    ----------
    answer : callable, optional
        ``answer(prompt_text) -> str``; the default answers ``"No"``.
    responder : callable, optional
        ``responder(request) -> StubReply | None``; ``None`` means a normal reply. Use it to
        inject 429/5xx statuses, delays and malformed bodies.
    delay_s : float
        Delay added to every reply (simulated model time).
    port : int
        Port to bind; 0 picks a free one.
    max_lifetime_s : float
        The server shuts itself down after this many seconds.
    max_requests : int
        The server answers 503 to every request after this many.
    reasoning_field : str, optional
        ``"reasoning_content"`` or ``"reasoning"``: the chat message field that carries a
        reply's reasoning (``StubReply.reasoning``, or the first element of a
        ``(reasoning, text)`` pair returned by ``answer``).
    reject_params : collection of str
        Body fields answered with OpenAI's 400 "Unsupported parameter" (``{"max_tokens"}``
        plays an o-series model).
    hold_until_in_flight : int
        Hold every reply until this many requests have been in flight at once (or
        ``hold_timeout_s`` has passed): concurrency tests then see the client's full
        concurrency however slowly a loaded machine starts its threads, instead of depending
        on a fixed delay being long enough.
    hold_timeout_s : float
        The longest a reply is held for ``hold_until_in_flight``.

    Attributes
    ----------
    requests : list of StubRequest
        Every request received, in arrival order.
    in_flight, max_in_flight : int
        Requests being handled now, and the most at any moment.
    """

    def __init__(
        self,
        *,
        answer: Callable[[str], str | tuple[str, str]] | None = None,
        responder: Callable[[StubRequest], StubReply | None] | None = None,
        delay_s: float = 0.0,
        port: int = 0,
        max_lifetime_s: float = 600.0,
        max_requests: int = 10_000_000,
        reasoning_field: str | None = None,
        reject_params: Collection[str] = (),
        hold_until_in_flight: int = 0,
        hold_timeout_s: float = 10.0,
    ) -> None:
        self.answer = answer or (lambda prompt: "No")
        self.hold_until_in_flight = hold_until_in_flight
        self.hold_timeout_s = hold_timeout_s
        self.reasoning_field = reasoning_field
        self.reject_params = frozenset(reject_params)
        self.responder = responder
        self.delay_s = delay_s
        self.max_lifetime_s = max_lifetime_s
        self.max_requests = max_requests
        self.requests: list[StubRequest] = []
        self.in_flight = 0
        self.max_in_flight = 0
        self._lock = threading.Lock()
        self._in_flight_changed = threading.Condition(self._lock)
        self._stop = threading.Event()
        self._closed = False
        self._httpd = _Server(("127.0.0.1", port), self._handler_class())
        self._thread: threading.Thread | None = None
        self._watchdog: threading.Thread | None = None

    @property
    def port(self) -> int:
        """The bound port."""
        return int(self._httpd.server_address[1])

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT/v1``, the client's ``base_url``."""
        return f"http://127.0.0.1:{self.port}/v1"

    def reset_stats(self) -> None:
        """Forget the logged requests and the in-flight maximum."""
        with self._lock:
            self.requests.clear()
            self.max_in_flight = self.in_flight

    def start(self) -> StubOpenAIServer:
        """Start serving in a background thread."""
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        self._watchdog = threading.Thread(target=self._expire, daemon=True)
        self._watchdog.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the socket (idempotent)."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
        self._stop.set()
        with self._lock:  # held replies stop waiting
            self._in_flight_changed.notify_all()
        if self._thread is not None:
            self._httpd.shutdown()
            self._thread.join(timeout=5)
        self._httpd.server_close()

    def request_stop(self) -> None:
        """Ask the server to stop (safe from a signal handler); :meth:`wait` then returns."""
        self._stop.set()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the server has stopped (or ``timeout``); True if it has."""
        return self._stop.wait(timeout)

    def _expire(self) -> None:
        if not self._stop.wait(self.max_lifetime_s):
            self.stop()

    def __enter__(self) -> StubOpenAIServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- request handling -------------------------------------------------------------------

    def _register(self, path: str, body: dict[str, Any], headers: dict[str, str]) -> StubRequest:
        with self._lock:
            request = StubRequest(len(self.requests), path, body, headers)
            self.requests.append(request)
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
            self._in_flight_changed.notify_all()
        return request

    def _hold(self) -> None:
        """Wait until ``hold_until_in_flight`` requests have been in flight at once."""
        if self.hold_until_in_flight <= 0:
            return
        with self._lock:
            self._in_flight_changed.wait_for(
                lambda: self.max_in_flight >= self.hold_until_in_flight or self._stop.is_set(),
                timeout=self.hold_timeout_s,
            )

    def _done(self) -> None:
        with self._lock:
            self.in_flight -= 1

    def _rejected(self, request: StubRequest) -> StubReply | None:
        for name in sorted(self.reject_params & set(request.body)):
            hint = " Use 'max_completion_tokens' instead." if name == "max_tokens" else ""
            message = f"Unsupported parameter: '{name}' is not supported with this model.{hint}"
            error = {
                "message": message,
                "type": "invalid_request_error",
                "param": name,
                "code": "unsupported_parameter",
            }
            return StubReply(status=400, body={"error": error})
        return None

    def _reply_for(self, request: StubRequest) -> tuple[int, bytes, dict[str, str], StubReply]:
        if request.number >= self.max_requests:
            return 503, b'{"error": {"message": "stub request limit reached"}}', {}, StubReply()
        reply = self._rejected(request)
        if reply is None and self.responder is not None:
            reply = self.responder(request)
        reply = reply or StubReply()
        if reply.body is None:
            if reply.status != 200:
                payload: Any = {"error": {"message": f"stub error {reply.status}"}}
            else:
                reasoning = reply.reasoning
                if reply.text is not None:
                    text = reply.text
                else:
                    answered = self.answer(request.prompt)
                    if isinstance(answered, tuple):
                        reasoning, text = answered
                    else:
                        text = answered
                text = _apply_stop(text, request.body.get("stop"))
                payload = _completion_body(
                    request.path,
                    request.body,
                    text,
                    request.number,
                    reasoning=reasoning,
                    reasoning_field=self.reasoning_field,
                )
            raw = json.dumps(payload).encode()
        elif isinstance(reply.body, dict):
            raw = json.dumps(reply.body).encode()
        elif isinstance(reply.body, str):
            raw = reply.body.encode()
        else:
            raw = reply.body
        return reply.status, raw, dict(reply.headers), reply

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # headers and body go out as two writes

            def log_message(self, format: str, *args: Any) -> None:  # silence stderr
                return

            def _send(
                self, status: int, raw: bytes, headers: dict[str, str], how: StubReply | None = None
            ) -> None:
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(raw)))
                    for key, value in headers.items():
                        self.send_header(key, value)
                    self.end_headers()
                    if how is not None and how.hang_after_headers:
                        self.wfile.flush()
                        server._stop.wait()
                        self.close_connection = True
                        return
                    if how is not None and how.trickle_s > 0:
                        for k in range(len(raw)):
                            self.wfile.write(raw[k : k + 1])
                            self.wfile.flush()
                            if server._stop.wait(how.trickle_s):
                                break
                        self.close_connection = True
                        return
                    self.wfile.write(raw)
                except (BrokenPipeError, ConnectionResetError):  # client gave up (timeout)
                    self.close_connection = True

            def _reset(self) -> None:
                with contextlib.suppress(OSError):
                    self.connection.setsockopt(
                        socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)
                    )
                    self.connection.close()
                self.close_connection = True

            def do_GET(self) -> None:
                if self.path.rstrip("/").endswith(("/stub/stats", "/stub/reset")):
                    if self.path.rstrip("/").endswith("/reset"):
                        server.reset_stats()
                    stats = {
                        "requests": len(server.requests),
                        "in_flight": server.in_flight,
                        "max_in_flight": server.max_in_flight,
                    }
                    self._send(200, json.dumps(stats).encode(), {})
                elif self.path.rstrip("/").endswith("/models"):
                    body = {"object": "list", "data": [{"id": "stub", "object": "model"}]}
                    self._send(200, json.dumps(body).encode(), {})
                else:
                    self._send(404, b'{"error": {"message": "not found"}}', {})

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw_body = self.rfile.read(length) if length else b""
                try:
                    body = json.loads(raw_body or b"{}")
                except json.JSONDecodeError:
                    body = {}
                if not isinstance(body, dict):
                    body = {}
                path = self.path.split("?", 1)[0]
                if not path.endswith(("/chat/completions", "/completions")):
                    self._send(404, b'{"error": {"message": "not found"}}', {})
                    return
                headers = {k.lower(): v for k, v in self.headers.items()}
                request = server._register(path, body, headers)
                try:
                    status, raw, extra, how = server._reply_for(request)
                    server._hold()
                    delay = server.delay_s + how.delay_s
                    if delay > 0:
                        server._stop.wait(delay)
                    if how.reset:
                        self._reset()
                    else:
                        self._send(status, raw, extra, how)
                finally:
                    server._done()

        return Handler


def main(argv: list[str] | None = None) -> None:
    """Run the stub server in the foreground (``python -m corr2cause.testing.stub_server``).

    Prints the base URL on the first line of stdout, then serves until SIGINT / SIGTERM, the
    lifetime ends, or (with ``--stop-on-eof``, for a parent process that holds a pipe) stdin
    closes. It never reads stdin otherwise, so it runs in the background of a shell and under
    ``nohup``. ``GET /v1/stub/stats`` returns the request count and the in-flight maximum;
    ``GET /v1/stub/reset`` resets them. ``corr2cause serve`` offers the scripted styles.
    """
    import argparse

    parser = argparse.ArgumentParser(description="OpenAI-compatible stub server on 127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--delay", type=float, default=0.0, help="seconds per reply")
    parser.add_argument("--answer", default="No", help="answer text of every reply")
    parser.add_argument("--lifetime", type=float, default=3600.0, help="seconds before exiting")
    parser.add_argument("--stop-on-eof", action="store_true", help="stop when stdin closes")
    args = parser.parse_args(argv)
    answer = args.answer
    serve_forever(
        StubOpenAIServer(
            answer=lambda prompt: answer,
            delay_s=args.delay,
            port=args.port,
            max_lifetime_s=args.lifetime,
        ),
        stop_on_eof=args.stop_on_eof,
    )


def serve_forever(server: StubOpenAIServer, *, stop_on_eof: bool = False) -> None:
    """Start ``server``, print its URL, and block until a signal, EOF or the lifetime end."""
    import signal
    import sys

    def stop(signum: int, frame: Any) -> None:
        server.request_stop()  # the main thread wakes up and stops the server

    with server:
        print(server.base_url, flush=True)
        if threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGTERM, stop)
        if stop_on_eof:

            def watch() -> None:
                sys.stdin.read()
                server.request_stop()

            threading.Thread(target=watch, daemon=True).start()
        with contextlib.suppress(KeyboardInterrupt):
            while not server.wait(0.5):
                pass
    # leaving the with block ran stop(): the socket is closed


if __name__ == "__main__":
    main()
