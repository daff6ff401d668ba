"""Prompt templates as data: versioned TOML files rendered for one item.

A template file looks like this (the built-in ``direct`` prompt)::

    name = "direct"
    version = 1
    description = "The paper's direct yes/no question ..."
    system = "You are a highly intelligent question-answering bot ..."

    [[steps]]
    user = \"\"\"Question: {premise}
    Can we deduct the following: {hypothesis_no_period}? Just answer "Yes" or "No."

    Answer:\"\"\"

``steps`` holds one user turn per model call; a two-step template (``cot``) sends the first
turn, then the second with the first answer as an assistant turn in between. A step may set
``max_tokens``, which then overrides the backend's default for that call. A single-step file
may write ``user = "..."`` at the top level instead of ``[[steps]]``.

Placeholders (``str.format`` syntax; write ``{{`` and ``}}`` for literal braces):
``{premise}``, ``{hypothesis}`` (verbatim), ``{hypothesis_no_period}`` (final period
stripped, as in the paper), ``{input}`` (the official ``Premise: ...\\nHypothesis: ...``
text) and ``{num_variables}``. Unknown placeholders are rejected when the file is loaded.

Chat-style backends send the ``system`` prompt; completion-style backends send the flattened
text of the user and assistant turns only (:func:`messages_to_text`), as the paper did for
non-chat models.

Built-in templates live next to this module (``prompts/*.toml``) and are listed by
:func:`builtin_prompts`. Whenever a template's text changes, bump its ``version``.
"""

from __future__ import annotations

import string
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from corr2cause.dataset.readers import EvalItem
from corr2cause.errors import Corr2CauseError

__all__ = [
    "PLACEHOLDERS",
    "PromptError",
    "PromptStep",
    "PromptTemplate",
    "builtin_prompts",
    "load_prompt",
    "messages_to_text",
]

PLACEHOLDERS = frozenset(
    {"premise", "hypothesis", "hypothesis_no_period", "input", "num_variables"}
)
"""Names a template may use."""

_BUILTIN_DIR = Path(__file__).with_name("prompts")

Message = dict[str, str]


class PromptError(Corr2CauseError):
    """A template that cannot be loaded; the message names the file."""


@dataclass(frozen=True, slots=True)
class PromptStep:
    """One user turn of a template.

    Attributes
    ----------
    user : str
        The user message template.
    max_tokens : int or None
        Generation budget for this step, overriding the backend's default.
    """

    user: str
    max_tokens: int | None = None


@dataclass(frozen=True, slots=True)
class PromptTemplate:
    """A versioned prompt template.

    Attributes
    ----------
    name : str
        Template name (``direct``, ``cot``, or a user's own).
    version : int
        Bumped whenever the text changes.
    steps : tuple of PromptStep
        One per model call.
    system : str or None
        System prompt, sent by chat-style backends only.
    description : str
        One line for humans.
    source : str
        ``builtin`` or the file it was read from.
    """

    name: str
    version: int
    steps: tuple[PromptStep, ...]
    system: str | None = None
    description: str = ""
    source: str = "builtin"

    @property
    def id(self) -> str:
        """``name@vVERSION``, the identifier recorded with every run."""
        return f"{self.name}@v{self.version}"

    def render_user(self, step: int, item: EvalItem) -> str:
        """The user message of ``step`` for ``item``."""
        return self.steps[step].user.format_map(_fields(item))

    def messages(self, item: EvalItem, previous: Sequence[str] = ()) -> list[Message]:
        """Chat messages for the next step, given the answers to the earlier steps.

        Parameters
        ----------
        item : EvalItem
            The item to render.
        previous : sequence of str
            The model's outputs for steps ``0 .. k-1``; the returned messages are for step
            ``k = len(previous)``.

        Returns
        -------
        list of dict
            ``[{"role": "system", ...}, {"role": "user", ...}, {"role": "assistant", ...},
            ...]`` ending with the user turn of step ``k``.
        """
        k = len(previous)
        if k >= len(self.steps):
            raise ValueError(f"prompt {self.id} has {len(self.steps)} step(s), asked for {k + 1}")
        fields = _fields(item)
        out: list[Message] = []
        if self.system:
            out.append({"role": "system", "content": self.system})
        for step in range(k + 1):
            out.append({"role": "user", "content": self.steps[step].user.format_map(fields)})
            if step < k:
                out.append({"role": "assistant", "content": previous[step]})
        return out

    def to_dict(self) -> dict[str, Any]:
        """A JSON-friendly description (recorded in the run manifest)."""
        return {
            "id": self.id,
            "name": self.name,
            "version": self.version,
            "source": self.source,
            "system": self.system,
            "steps": [{"user": s.user, "max_tokens": s.max_tokens} for s in self.steps],
        }


def messages_to_text(messages: Sequence[Message], *, include_system: bool = False) -> str:
    """Flatten chat messages into one completion prompt.

    User turns are separated from the preceding assistant output by a blank line; an
    assistant output follows its user turn after one space (so ``Answer:`` + `` Yes``).

    Parameters
    ----------
    messages : sequence of dict
        Chat messages as made by :meth:`PromptTemplate.messages`.
    include_system : bool
        Prepend the system prompt (the paper sent none to completion models).

    Returns
    -------
    str
    """
    parts: list[str] = []
    for message in messages:
        role, content = message["role"], message["content"]
        if role == "system":
            if include_system:
                parts.append(content + "\n\n")
        elif role == "assistant":
            parts.append(" " + content.strip() + "\n\n")
        else:
            parts.append(content)
    return "".join(parts)


def _fields(item: EvalItem) -> dict[str, Any]:
    hypothesis = item.hypothesis.rstrip()
    return {
        "premise": item.premise,
        "hypothesis": item.hypothesis,
        "hypothesis_no_period": hypothesis[:-1] if hypothesis.endswith(".") else hypothesis,
        "input": item.input,
        "num_variables": item.num_variables,
    }


def _check_placeholders(text: str, where: str) -> None:
    try:
        names = {field for _, field, _, _ in string.Formatter().parse(text) if field is not None}
    except ValueError as exc:
        raise PromptError(f"{where}: bad template syntax: {exc}") from None
    for name in names:
        base = name.split(".", 1)[0].split("[", 1)[0]
        if base not in PLACEHOLDERS or base != name:
            raise PromptError(
                f"{where}: unknown placeholder {{{name}}}; allowed: "
                + ", ".join(f"{{{p}}}" for p in sorted(PLACEHOLDERS))
                + " (write {{ and }} for literal braces)"
            )


def _from_mapping(data: Mapping[str, Any], source: str) -> PromptTemplate:
    name = data.get("name")
    if not isinstance(name, str) or not name.strip():
        raise PromptError(f"{source}: missing string field 'name'")
    version = data.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise PromptError(f"{source}: 'version' must be a positive integer")
    system = data.get("system")
    if system is not None and not isinstance(system, str):
        raise PromptError(f"{source}: 'system' must be a string")
    raw_steps = data.get("steps")
    if raw_steps is None and "user" in data:
        raw_steps = [{"user": data["user"], "max_tokens": data.get("max_tokens")}]
    if not isinstance(raw_steps, list) or not raw_steps:
        raise PromptError(f"{source}: needs [[steps]] with a 'user' template (or a top 'user')")
    steps: list[PromptStep] = []
    for k, raw in enumerate(raw_steps, start=1):
        where = f"{source}: step {k}"
        if not isinstance(raw, Mapping) or not isinstance(raw.get("user"), str):
            raise PromptError(f"{where}: missing string field 'user'")
        max_tokens = raw.get("max_tokens")
        if max_tokens is not None and (not isinstance(max_tokens, int) or max_tokens < 1):
            raise PromptError(f"{where}: 'max_tokens' must be a positive integer")
        _check_placeholders(raw["user"], where)
        steps.append(PromptStep(user=raw["user"], max_tokens=max_tokens))
    description = data.get("description", "")
    return PromptTemplate(
        name=name.strip(),
        version=version,
        steps=tuple(steps),
        system=system,
        description=str(description),
        source=source,
    )


def builtin_prompts() -> dict[str, PromptTemplate]:
    """The templates shipped with the package, by name.

    Returns
    -------
    dict
        ``{"cot": ..., "direct": ...}``.
    """
    out: dict[str, PromptTemplate] = {}
    for path in sorted(_BUILTIN_DIR.glob("*.toml")):
        with path.open("rb") as fh:
            template = _from_mapping(tomllib.load(fh), "builtin")
        out[template.name] = template
    return out


def load_prompt(name_or_path: str | Path | PromptTemplate = "direct") -> PromptTemplate:
    """Load a built-in template by name, or a user's template from a TOML file.

    Parameters
    ----------
    name_or_path : str, Path or PromptTemplate
        ``"direct"`` (the paper's prompt, the default), ``"cot"``, or the path of a ``.toml``
        file. A template passes through unchanged.

    Returns
    -------
    PromptTemplate

    Raises
    ------
    PromptError
        For an unknown name or a malformed file (the message names the file).

    Examples
    --------
    >>> load_prompt("direct").id
    'direct@v1'
    """
    if isinstance(name_or_path, PromptTemplate):
        return name_or_path
    text = str(name_or_path)
    path = Path(text)
    if text.endswith(".toml") or path.is_file():
        if not path.is_file():
            raise PromptError(f"{path}: no such prompt file")
        try:
            with path.open("rb") as fh:
                data = tomllib.load(fh)
        except tomllib.TOMLDecodeError as exc:
            raise PromptError(f"{path}: invalid TOML: {exc}") from None
        return _from_mapping(data, str(path))
    builtins = builtin_prompts()
    if text not in builtins:
        raise PromptError(
            f"unknown prompt {text!r}; built-in: {', '.join(sorted(builtins))}, "
            "or give the path of a .toml template"
        )
    return builtins[text]
