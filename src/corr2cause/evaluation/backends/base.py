"""The one protocol every evaluation backend implements.

A backend turns :class:`Request` objects into :class:`Response` objects. The runner builds the
requests (rendering the prompt for backends that read one), looks them up in the response
cache, and hands the misses to :meth:`Backend.stream`, which yields ``(index, response)``
pairs **as each one completes**, so that the runner can commit every response before the next
arrives: an interrupted run loses nothing that had completed.

Contract (checked for every backend, fakes included, by the shared conformance tests in
``tests/evaluation/test_backend_conformance.py``):

* ``stream(requests)`` yields every index of ``requests`` exactly once, in any order;
* a failed request yields a response with ``error`` set and ``text`` / ``label`` ``None``,
  and never raises: errors, timeouts and garbage from a server are retried within the
  backend's limits and then reported this way;
* ``label`` is 0, 1 or ``None`` (``None``: the runner parses ``text``);
* :meth:`Backend.params` and :meth:`Backend.payload` are JSON-serialisable, contain no secret,
  and together with ``name`` and ``model`` determine the output: they make the cache key;
* the same requests give the same responses (deterministic backends; greedy decoding).
"""

from __future__ import annotations

import hashlib
import json
from abc import ABC, abstractmethod
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

from corr2cause.dataset.readers import EvalItem
from corr2cause.errors import Corr2CauseError

__all__ = [
    "CACHE_KEY_VERSION",
    "Backend",
    "BackendError",
    "Request",
    "Response",
    "cache_key",
    "canonical_json",
    "key_prefix",
]

CACHE_KEY_VERSION = 1
"""Bumped when the meaning of cached responses changes."""

Message = dict[str, str]


class BackendError(Corr2CauseError):
    """A backend that cannot be built or configured (bad spec, missing model, bad option)."""


@dataclass(frozen=True, slots=True)
class Request:
    """One model call.

    Attributes
    ----------
    item : EvalItem
        The item asked about.
    messages : tuple of dict, optional
        Rendered chat messages (system, user, assistant, ..., user) for backends that read a
        prompt; ``None`` for backends that read the item directly.
    max_tokens : int, optional
        Generation budget of this call when the prompt step sets one.
    step : int
        Prompt step (0 for single-step prompts).
    """

    item: EvalItem
    messages: tuple[Message, ...] | None = None
    max_tokens: int | None = None
    step: int = 0


@dataclass(frozen=True, slots=True)
class Response:
    """The outcome of one model call.

    Attributes
    ----------
    text : str or None
        Raw output (``None`` when the call failed).
    label : int or None
        The backend's own decision (classifiers, baselines, oracle, log-likelihood scoring);
        ``None`` means "parse ``text``".
    error : str or None
        Why the call failed after all retries; ``None`` on success.
    latency_s : float or None
        Model time of the call (all attempts) in seconds.
    prompt_tokens, completion_tokens : int or None
        Token counts where the backend knows them.
    details : dict
        Extra JSON-friendly data: scores, finish reason, attempts, ...
    """

    text: str | None
    label: int | None = None
    error: str | None = None
    latency_s: float | None = None
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    details: Mapping[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """Whether the call succeeded."""
        return self.error is None

    @classmethod
    def failure(cls, error: str, *, latency_s: float | None = None, **details: Any) -> Response:
        """A failed call."""
        return cls(text=None, error=error, latency_s=latency_s, details=details)

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly form (the cache stores this)."""
        return {
            "text": self.text,
            "label": self.label,
            "error": self.error,
            "latency_s": self.latency_s,
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
            "details": dict(self.details),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Response:
        """Inverse of :meth:`to_dict`."""
        return cls(
            text=data.get("text"),
            label=data.get("label"),
            error=data.get("error"),
            latency_s=data.get("latency_s"),
            prompt_tokens=data.get("prompt_tokens"),
            completion_tokens=data.get("completion_tokens"),
            details=data.get("details") or {},
        )


def canonical_json(value: Any) -> str:
    """Deterministic JSON: sorted keys, no whitespace, UTF-8 kept."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


class Backend(ABC):
    """Base class of evaluation backends.

    Subclasses set the class attributes, implement :meth:`stream` and, where the output depends
    on settings, :meth:`params`. Construction takes the spec argument (``model``) plus
    keyword-only options; :func:`~corr2cause.evaluation.backends.load_backend` passes only the
    options a backend's ``__init__`` accepts.

    Attributes
    ----------
    name : str
        Registry name (``openai``, ``hf``, ``majority``, ...).
    uses_prompt : bool
        Whether the backend reads a rendered prompt (``Request.messages``) rather than the
        item itself.
    takes_model : bool
        Whether the spec needs an argument (``openai:MODEL``, ``hf:PATH``).
    model : str
        The spec argument ('' when the backend takes none).
    """

    name: ClassVar[str] = ""
    uses_prompt: ClassVar[bool] = False
    takes_model: ClassVar[bool] = False

    def __init__(self, model: str = "") -> None:
        self.model = model

    @property
    def spec(self) -> str:
        """The backend spec this object was built from (``name`` or ``name:model``)."""
        return f"{self.name}:{self.model}" if self.model else self.name

    def params(self) -> dict[str, Any]:
        """Settings that change the output (part of the cache key); never secrets."""
        return {}

    def payload(self, request: Request) -> Any:
        """What the model is given for ``request`` (part of the cache key).

        The default is the rendered messages plus the step's token budget for prompt-reading
        backends, and ``(premise, hypothesis)`` otherwise.
        """
        if self.uses_prompt:
            return {"messages": list(request.messages or ()), "max_tokens": request.max_tokens}
        return {"premise": request.item.premise, "hypothesis": request.item.hypothesis}

    def describe(self) -> dict[str, Any]:
        """Spec, name, model and params, for run manifests and reports."""
        return {"spec": self.spec, "name": self.name, "model": self.model, "params": self.params()}

    @abstractmethod
    def stream(
        self, requests: Sequence[Request], *, concurrency: int = 1
    ) -> Iterator[tuple[int, Response]]:
        """Run the requests; yield ``(index, response)`` as each one completes.

        Parameters
        ----------
        requests : sequence of Request
            The calls to make.
        concurrency : int
            Requests in flight at once, for backends that talk to a server; local backends
            batch instead and ignore it.

        Yields
        ------
        (int, Response)
            Every index of ``requests`` exactly once.
        """

    def generate(self, requests: Sequence[Request], *, concurrency: int = 1) -> list[Response]:
        """All responses of :meth:`stream`, in request order."""
        out: list[Response | None] = [None] * len(requests)
        for index, response in self.stream(requests, concurrency=concurrency):
            out[index] = response
        missing = [k for k, r in enumerate(out) if r is None]
        if missing:
            raise RuntimeError(f"backend {self.spec} yielded no response for {len(missing)} items")
        return out  # type: ignore[return-value]

    def close(self) -> None:  # noqa: B027 - optional hook, a no-op by default
        """Release models, clients and threads (idempotent)."""

    def __enter__(self) -> Backend:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def key_prefix(backend: Backend) -> str:
    """The request-independent part of every cache key of ``backend``."""
    return canonical_json(
        {
            "v": CACHE_KEY_VERSION,
            "backend": backend.name,
            "model": backend.model,
            "params": backend.params(),
        }
    )


def cache_key(backend: Backend, request: Request, *, prefix: str | None = None) -> str:
    """The cache key of a request: SHA-256 of the canonical JSON of what fixes its output.

    The key covers the backend name, the model, :meth:`Backend.params` and
    :meth:`Backend.payload` (the rendered prompt text, for prompt backends). It never covers an
    API key.

    Parameters
    ----------
    backend : Backend
        The backend that will answer.
    request : Request
        The call.
    prefix : str, optional
        ``key_prefix(backend)``, precomputed when keying many requests.

    Returns
    -------
    str
        64 hex digits.
    """
    head = key_prefix(backend) if prefix is None else prefix
    blob = head + "\n" + canonical_json(backend.payload(request))
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()
