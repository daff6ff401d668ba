"""Evaluation backends and the registry that builds them from ``name[:arg]`` specs.

=========================  ============================================================
spec                       backend
=========================  ============================================================
``random-uniform``         3 classes uniformly at random, seeded (P(valid) = 1/3)
``random-proportional``    3 classes with the benchmark's shares, seeded
``majority``               always invalid
``oracle``                 the exact solver
``openai:MODEL``           any OpenAI-compatible server (chat or completion endpoint)
``hf:PATH``                a local causal LM (greedy generation or log-likelihood scoring)
``nli:PATH``               a local MNLI cross-encoder (premise-only truncation)
``classifier:PATH``        a local fine-tuned two-label sequence classifier
``responses:FILE``         replay responses produced offline (vLLM, Ray Data LLM, ...)
=========================  ============================================================

Backend modules are imported only when their backend is built, so torch and the OpenAI
client load on demand. :func:`register_backend` adds a backend (tests register fakes this way).
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Callable
from typing import Any

from corr2cause.evaluation.backends.base import (
    Backend,
    BackendError,
    Request,
    Response,
    cache_key,
)

__all__ = [
    "Backend",
    "BackendError",
    "Request",
    "Response",
    "available_backends",
    "cache_key",
    "load_backend",
    "parse_spec",
    "register_backend",
]

_BUILTIN: dict[str, str] = {
    "random-uniform": "corr2cause.evaluation.backends.baselines:RandomUniform",
    "random-proportional": "corr2cause.evaluation.backends.baselines:RandomProportional",
    "majority": "corr2cause.evaluation.backends.baselines:Majority",
    "oracle": "corr2cause.evaluation.backends.oracle:Oracle",
    "openai": "corr2cause.evaluation.backends.openai_backend:OpenAIBackend",
    "hf": "corr2cause.evaluation.backends.hf:HFCausalLM",
    "nli": "corr2cause.evaluation.backends.nli:NLIBackend",
    "classifier": "corr2cause.evaluation.backends.classifier:ClassifierBackend",
    "responses": "corr2cause.evaluation.backends.replay:ResponseReplay",
}
_REGISTERED: dict[str, Callable[..., Backend]] = {}


def register_backend(name: str, factory: Callable[..., Backend]) -> None:
    """Make ``factory`` available under ``name`` (replacing an earlier registration).

    Parameters
    ----------
    name : str
        Spec name, without a colon.
    factory : callable
        Called as ``factory(arg, **options)`` (``arg`` is '' for specs without one); usually
        a :class:`Backend` subclass.
    """
    if not name or ":" in name:
        raise ValueError(f"bad backend name {name!r}")
    _REGISTERED[name] = factory


def available_backends() -> list[str]:
    """Names of all known backends."""
    return sorted(set(_BUILTIN) | set(_REGISTERED))


def parse_spec(spec: str) -> tuple[str, str]:
    """Split ``"name:arg"`` into ``(name, arg)``; ``arg`` may itself contain colons.

    Examples
    --------
    >>> parse_spec("openai:gpt-4o-mini")
    ('openai', 'gpt-4o-mini')
    >>> parse_spec("majority")
    ('majority', '')
    """
    name, _, arg = spec.strip().partition(":")
    if not name:
        raise BackendError(f"empty backend spec {spec!r}")
    return name, arg


def _factory(name: str) -> Callable[..., Backend]:
    if name in _REGISTERED:
        return _REGISTERED[name]
    target = _BUILTIN.get(name)
    if target is None:
        raise BackendError(f"unknown backend {name!r}; known: {', '.join(available_backends())}")
    module, _, attr = target.partition(":")
    return getattr(importlib.import_module(module), attr)  # type: ignore[no-any-return]


def load_backend(spec: str, **options: Any) -> Backend:
    """Build a backend from its spec.

    Parameters
    ----------
    spec : str
        ``name`` or ``name:arg`` (see the module table).
    **options
        Backend options (``seed``, ``base_url``, ``batch_size``, ...). ``None`` values are
        dropped, so callers may pass every option they have; any other option the backend
        does not accept is an error.

    Returns
    -------
    Backend

    Raises
    ------
    BackendError
        Unknown backend, missing or superfluous spec argument, inapplicable option, or a
        backend that cannot start (missing model directory, missing API key, ...).
    """
    name, arg = parse_spec(spec)
    factory = _factory(name)
    takes_model = getattr(factory, "takes_model", None)
    if takes_model is True and not arg:
        raise BackendError(f"backend {name!r} needs an argument: {name}:MODEL_OR_PATH")
    if takes_model is False and arg:
        raise BackendError(f"backend {name!r} takes no argument (got {spec!r})")
    given = {k: v for k, v in options.items() if v is not None}
    try:
        signature = inspect.signature(factory)
    except (TypeError, ValueError):  # pragma: no cover - builtins without signatures
        signature = None
    if signature is not None and not any(
        p.kind is inspect.Parameter.VAR_KEYWORD for p in signature.parameters.values()
    ):
        accepted = {
            p.name
            for p in signature.parameters.values()
            if p.kind is inspect.Parameter.KEYWORD_ONLY
        }
        extra = sorted(set(given) - accepted)
        if extra:
            hint = ", ".join(sorted(accepted)) or "none"
            raise BackendError(
                f"option(s) {', '.join(extra)} do not apply to backend {name!r} "
                f"(its options: {hint})"
            )
    return factory(arg, **given)
