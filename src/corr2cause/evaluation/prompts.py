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

Strategies (all data, all versioned)
    ``strategy`` names what a template does: ``direct`` (the paper's question), ``cot``
    (reason, then answer), ``fewshot`` (``k`` solved exemplars as earlier chat turns, drawn by
    :mod:`corr2cause.evaluation.fewshot` from the train split, balanced by label) and
    ``staged`` (a multi-turn pipeline in the style of PC-SubQ: skeleton, v-structures, Meek
    rules, answer; every turn is one cached model call, so a staged run resumes turn by
    turn). ``reasoning = true`` marks templates whose model calls reason at length; their
    steps get ``default_max_tokens`` (1024) unless they set their own budget.

    A ``[fewshot]`` table sets ``k``, ``seed``, the ``split`` exemplars come from (``train``)
    and the assistant turns ``yes`` / ``no`` that answer them. The name ``fewshot-K``
    (e.g. ``fewshot-8``) loads the built-in few-shot template with ``k = K``.

Answer extraction
    An ``[answer]`` table lists the extraction rules of
    :class:`~corr2cause.evaluation.answers.AnswerExtractor` (``rules = [...]``, ``regex =
    [...]``, ``strip_reasoning``); without one the default rules apply.

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

import re
import string
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from corr2cause.dataset.readers import EvalItem
from corr2cause.errors import Corr2CauseError
from corr2cause.evaluation.answers import AnswerExtractor, AnswerSpecError

__all__ = [
    "PLACEHOLDERS",
    "REASONING_MAX_TOKENS",
    "STRATEGIES",
    "FewShot",
    "PromptError",
    "PromptStep",
    "PromptTemplate",
    "builtin_prompts",
    "load_prompt",
    "messages_to_text",
    "strip_final_period",
]

PLACEHOLDERS = frozenset(
    {"premise", "hypothesis", "hypothesis_no_period", "input", "num_variables"}
)
"""Names a template may use."""

_BUILTIN_DIR = Path(__file__).with_name("prompts")

STRATEGIES = ("direct", "cot", "fewshot", "staged", "graph", "custom")
"""Values of a template's ``strategy`` field."""

REASONING_MAX_TOKENS = 1024
"""Token budget of the steps of a ``reasoning = true`` template that set none."""

_FEWSHOT_NAME = re.compile(r"^fewshot-(\d+)$")

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
class FewShot:
    """How a few-shot template chooses and shows its exemplars.

    Attributes
    ----------
    k : int
        Number of exemplars (balanced by label: ``k // 2`` valid, the rest invalid).
    seed : int
        Seed of the draw.
    split : str
        The split exemplars are drawn from; never the split under evaluation.
    yes, no : str
        The assistant turn answering a valid / an invalid exemplar.
    """

    k: int = 4
    seed: int = 0
    split: str = "train"
    yes: str = "Yes"
    no: str = "No"

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly form."""
        return {"k": self.k, "seed": self.seed, "split": self.split, "yes": self.yes, "no": self.no}


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
    strategy : str
        One of :data:`STRATEGIES`.
    reasoning : bool
        Whether the model is asked to reason (larger default token budgets).
    answer : AnswerExtractor
        How answers to the last step are read.
    fewshot : FewShot or None
        Exemplar settings of a few-shot template.
    """

    name: str
    version: int
    steps: tuple[PromptStep, ...]
    system: str | None = None
    description: str = ""
    source: str = "builtin"
    strategy: str = "direct"
    reasoning: bool = False
    answer: AnswerExtractor = field(default_factory=AnswerExtractor)
    fewshot: FewShot | None = None

    @property
    def id(self) -> str:
        """``name@vVERSION``, the identifier recorded with every run."""
        return f"{self.name}@v{self.version}"

    def render_user(self, step: int, item: EvalItem) -> str:
        """The user message of ``step`` for ``item``."""
        return self.steps[step].user.format_map(_fields(item))

    def render_pair(self, premise: str, hypothesis: str, *, step: int = 0) -> str:
        """The user message of ``step`` for a bare premise and hypothesis.

        For harnesses that hold the two texts rather than an
        :class:`~corr2cause.dataset.readers.EvalItem` (the inspect and lm-eval tasks).
        ``{num_variables}`` is read from the premise ("closed system of N variables").

        Examples
        --------
        >>> print(load_prompt("direct").render_pair("A correlates with B.", "A causes B."))
        Question: A correlates with B.
        Can we deduct the following: A causes B? Just answer "Yes" or "No."
        <BLANKLINE>
        Answer:
        """
        size = _SYSTEM_SIZE.search(premise)
        fields = {
            "premise": premise,
            "hypothesis": hypothesis,
            "hypothesis_no_period": strip_final_period(hypothesis),
            "input": f"Premise: {premise}\nHypothesis: {hypothesis}",
            "num_variables": int(size.group(1)) if size else "",
        }
        return self.steps[step].user.format_map(fields)

    def max_tokens(self, step: int) -> int | None:
        """The token budget of ``step``: its own, or the reasoning default, or ``None``."""
        own = self.steps[step].max_tokens
        if own is not None:
            return own
        return REASONING_MAX_TOKENS if self.reasoning else None

    def with_k(self, k: int) -> PromptTemplate:
        """This few-shot template with ``k`` exemplars (the id records ``k``)."""
        if self.fewshot is None:
            raise PromptError(f"prompt {self.id} is not a few-shot template")
        if k < 1:
            raise PromptError("a few-shot prompt needs k >= 1 exemplars")
        return replace(
            self, name=f"{self.name.split('-')[0]}-{k}", fewshot=replace(self.fewshot, k=k)
        )

    def messages(
        self,
        item: EvalItem,
        previous: Sequence[str] = (),
        *,
        exemplars: Sequence[EvalItem] = (),
    ) -> list[Message]:
        """Chat messages for the next step, given the answers to the earlier steps.

        Parameters
        ----------
        item : EvalItem
            The item to render.
        previous : sequence of str
            The model's outputs for steps ``0 .. k-1``; the returned messages are for step
            ``k = len(previous)``.
        exemplars : sequence of EvalItem
            Solved items shown before the question as user / assistant turns (few-shot
            templates; the answer turns are ``fewshot.yes`` / ``fewshot.no``).

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
        shots = self.fewshot or FewShot()
        for example in exemplars:
            out.append({"role": "user", "content": self.steps[0].user.format_map(_fields(example))})
            out.append({"role": "assistant", "content": shots.yes if example.label else shots.no})
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
            "strategy": self.strategy,
            "reasoning": self.reasoning,
            "answer": self.answer.to_dict(),
            "fewshot": self.fewshot.to_dict() if self.fewshot is not None else None,
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


_SYSTEM_SIZE = re.compile(r"closed system of (\d+) variables")


def strip_final_period(hypothesis: str) -> str:
    """Drop trailing whitespace and one final period (the ``{hypothesis_no_period}`` field).

    Examples
    --------
    >>> strip_final_period("A directly causes B.")
    'A directly causes B'
    """
    text = hypothesis.rstrip()
    return text[:-1] if text.endswith(".") else text


def _fields(item: EvalItem) -> dict[str, Any]:
    return {
        "premise": item.premise,
        "hypothesis": item.hypothesis,
        "hypothesis_no_period": strip_final_period(item.hypothesis),
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
    strategy = data.get("strategy", "custom" if source != "builtin" else name.strip())
    if strategy not in STRATEGIES:
        raise PromptError(f"{source}: 'strategy' must be one of {', '.join(STRATEGIES)}")
    reasoning = data.get("reasoning", False)
    if not isinstance(reasoning, bool):
        raise PromptError(f"{source}: 'reasoning' must be true or false")
    try:
        answer = AnswerExtractor.from_mapping(data.get("answer"), f"{source}: [answer]")
    except AnswerSpecError as exc:
        raise PromptError(str(exc)) from None
    fewshot = _fewshot(data.get("fewshot"), source)
    if fewshot is not None and len(steps) != 1:
        raise PromptError(f"{source}: a [fewshot] template must have exactly one step")
    return PromptTemplate(
        name=name.strip(),
        version=version,
        steps=tuple(steps),
        system=system,
        description=str(description),
        source=source,
        strategy=str(strategy),
        reasoning=reasoning,
        answer=answer,
        fewshot=fewshot,
    )


def _fewshot(data: Any, source: str) -> FewShot | None:
    if data is None:
        return None
    where = f"{source}: [fewshot]"
    if not isinstance(data, Mapping):
        raise PromptError(f"{where} must be a table")
    unknown = sorted(set(data) - {"k", "seed", "split", "yes", "no"})
    if unknown:
        raise PromptError(f"{where}: unknown key(s) {', '.join(unknown)}")
    k, seed = data.get("k", 4), data.get("seed", 0)
    if not isinstance(k, int) or isinstance(k, bool) or k < 1:
        raise PromptError(f"{where}: 'k' must be a positive integer")
    if not isinstance(seed, int) or isinstance(seed, bool):
        raise PromptError(f"{where}: 'seed' must be an integer")
    texts = {
        key: data.get(key, default)
        for key, default in (("split", "train"), ("yes", "Yes"), ("no", "No"))
    }
    if not all(isinstance(v, str) and v for v in texts.values()):
        raise PromptError(f"{where}: 'split', 'yes' and 'no' must be non-empty strings")
    return FewShot(k=k, seed=seed, split=texts["split"], yes=texts["yes"], no=texts["no"])


def builtin_prompts() -> dict[str, PromptTemplate]:
    """The templates shipped with the package, by name.

    Returns
    -------
    dict
        ``{"cot": ..., "direct": ..., "fewshot": ..., "staged": ...}``.
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
        ``"direct"`` (the paper's prompt, the default), ``"cot"``, ``"fewshot"`` or
        ``"fewshot-K"`` (``K`` exemplars), ``"staged"``, or the path of a ``.toml`` file. A
        template passes through unchanged.

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
    >>> load_prompt("fewshot-8").fewshot.k
    8
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
    shots = _FEWSHOT_NAME.match(text)
    if shots is not None and "fewshot" in builtins:
        return builtins["fewshot"].with_k(int(shots.group(1)))
    if text not in builtins:
        raise PromptError(
            f"unknown prompt {text!r}; built-in: {', '.join(sorted(builtins))} "
            "(fewshot-K for K exemplars), or give the path of a .toml template"
        )
    return builtins[text]
