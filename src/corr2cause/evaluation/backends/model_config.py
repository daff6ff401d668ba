"""Per-model request conventions, as data (``models.toml``), with a user override file.

Model families differ in how a request must look, not only in what they answer: OpenAI's
reasoning models (o-series, GPT-5) reject ``max_tokens`` and want ``max_completion_tokens``,
accept no ``temperature`` but their default, and spend thousands of tokens thinking before the
verdict; DeepSeek-R1, Qwen3, QwQ and gpt-oss served by vLLM take ``max_tokens`` but also need a
large budget. :func:`model_settings` looks a model name up in the built-in table
(``backends/models.toml``) and in an optional user file searched first, so that a new model
family is one TOML entry, not a code change.

Examples
--------
>>> model_settings("o3-mini").token_param
'max_completion_tokens'
>>> model_settings("deepseek-ai/DeepSeek-R1-Distill-Qwen-7B").reasoning
True
>>> model_settings("gpt-4o-mini").max_tokens
16
"""

from __future__ import annotations

import fnmatch
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from corr2cause.evaluation.backends.base import BackendError

__all__ = ["TOKEN_PARAMS", "ModelSettings", "load_model_table", "model_settings"]

TOKEN_PARAMS = ("max_tokens", "max_completion_tokens")
_BUILTIN = Path(__file__).with_name("models.toml")


@dataclass(frozen=True, slots=True)
class ModelSettings:
    """Request conventions of one model.

    Attributes
    ----------
    token_param : str
        ``max_tokens`` or ``max_completion_tokens``.
    temperature : bool
        Whether the request may carry a temperature.
    reasoning : bool
        Whether the model reasons before answering.
    max_tokens : int
        Default generation budget.
    price_in, price_out : float or None
        USD per million prompt / completion tokens (for a cost estimate).
    pattern : str
        The ``match`` glob that chose these settings.
    """

    token_param: str = "max_tokens"
    temperature: bool = True
    reasoning: bool = False
    max_tokens: int = 16
    price_in: float | None = None
    price_out: float | None = None
    pattern: str = "*"

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly form (recorded in run.json)."""
        return {
            "token_param": self.token_param,
            "temperature": self.temperature,
            "reasoning": self.reasoning,
            "max_tokens": self.max_tokens,
            "price_in": self.price_in,
            "price_out": self.price_out,
            "pattern": self.pattern,
        }


def _entries(data: Mapping[str, Any], where: str) -> list[tuple[str, dict[str, Any]]]:
    models = data.get("model", [])
    if not isinstance(models, list):
        raise BackendError(f"{where}: [[model]] entries expected")
    out: list[tuple[str, dict[str, Any]]] = []
    allowed = {
        "match",
        "token_param",
        "temperature",
        "reasoning",
        "max_tokens",
        "price_in",
        "price_out",
    }
    for k, entry in enumerate(models, start=1):
        here = f"{where}: [[model]] {k}"
        if not isinstance(entry, Mapping):
            raise BackendError(f"{here}: must be a table")
        unknown = sorted(set(entry) - allowed)
        if unknown:
            raise BackendError(f"{here}: unknown key(s) {', '.join(unknown)}")
        match = entry.get("match")
        patterns = [match] if isinstance(match, str) else match
        if (
            not isinstance(patterns, list)
            or not patterns
            or not all(isinstance(p, str) for p in patterns)
        ):
            raise BackendError(f"{here}: 'match' must be a glob or a list of globs")
        if entry.get("token_param", "max_tokens") not in TOKEN_PARAMS:
            raise BackendError(f"{here}: 'token_param' must be one of {', '.join(TOKEN_PARAMS)}")
        budget = entry.get("max_tokens", 16)
        if not isinstance(budget, int) or isinstance(budget, bool) or budget < 1:
            raise BackendError(f"{here}: 'max_tokens' must be a positive integer")
        for key in ("temperature", "reasoning"):
            if not isinstance(entry.get(key, True), bool):
                raise BackendError(f"{here}: '{key}' must be true or false")
        for key in ("price_in", "price_out"):
            value = entry.get(key)
            if value is not None and (not isinstance(value, int | float) or value < 0):
                raise BackendError(f"{here}: '{key}' must be a non-negative number")
        settings = {key: entry[key] for key in entry if key != "match"}
        out.extend((p.lower(), settings) for p in patterns)
    return out


@lru_cache(maxsize=8)
def _read(path: str) -> tuple[tuple[str, tuple[tuple[str, Any], ...]], ...]:
    file = Path(path)
    if not file.is_file():
        raise BackendError(f"{file}: no such model config file")
    try:
        with file.open("rb") as fh:
            data = tomllib.load(fh)
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise BackendError(f"{file}: invalid TOML: {exc}") from None
    return tuple((p, tuple(sorted(s.items()))) for p, s in _entries(data, str(file)))


def load_model_table(path: str | Path | None = None) -> list[tuple[str, dict[str, Any]]]:
    """The ``(glob, settings)`` entries of a user file (if any) followed by the built-in ones."""
    rows = list(_read(str(path))) if path is not None else []
    rows += list(_read(str(_BUILTIN)))
    return [(p, dict(s)) for p, s in rows]


def model_settings(model: str, *, config: str | Path | None = None) -> ModelSettings:
    """The request conventions of ``model``.

    Parameters
    ----------
    model : str
        Model name as sent to the server (``o3-mini``, ``Qwen/Qwen3-8B``, ...).
    config : str or Path, optional
        A user TOML file with ``[[model]]`` entries, searched before the built-in table.

    Returns
    -------
    ModelSettings
    """
    name = model.lower()
    tail = name.rsplit("/", 1)[-1]
    for pattern, settings in load_model_table(config):
        if fnmatch.fnmatchcase(name, pattern) or fnmatch.fnmatchcase(tail, pattern):
            return ModelSettings(
                token_param=settings.get("token_param", "max_tokens"),
                temperature=settings.get("temperature", True),
                reasoning=settings.get("reasoning", False),
                max_tokens=settings.get("max_tokens", 16),
                price_in=settings.get("price_in"),
                price_out=settings.get("price_out"),
                pattern=pattern,
            )
    return ModelSettings()
