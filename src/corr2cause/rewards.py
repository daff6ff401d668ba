"""Verifiable rewards for RL on Corr2Cause: scored against the exact label, not a judge.

Every Corr2Cause item has an exact answer (:mod:`corr2cause.solver`), so a reward for a
model's completion can be computed, not estimated. The functions here follow the signature of
TRL's ``GRPOTrainer(reward_funcs=[...])``::

    reward(prompts, completions, **columns) -> list[float]

where ``completions`` are strings or chat messages (``[{"role": "assistant", "content": ...}]``)
and ``columns`` are the dataset's other columns, one value per completion (``label``,
``premise``, ``hypothesis``, as :func:`corr2cause.training.sft.build_examples` writes them).

``answer_reward``
    1 if the final answer is the exact label, else 0 (an unreadable or hedged answer is wrong).
``format_reward``
    1 if the completion ends in exactly one final verdict (``Answer: Yes``, ``\\boxed{No}``,
    ``Therefore: Yes``) after a closed think block (if it opened one), else 0.
``rationale_reward``
    the share of the gold derivation's steps that the completion's reasoning states correctly
    before its first wrong step (:mod:`corr2cause.solver.rationale_check`); lines that follow
    no rationale template are skipped, so free-form thoughts cost nothing but earn nothing.
``edge_reward``
    F1 of the directed edges the completion states (``X has a direct causal effect on Y``, or
    ``X -> Y`` in its final part) against the exact CPDAG's compelled edges (the Corr2Cause++
    edge-prediction task).
:func:`combined_reward`
    a weighted sum of these, named for TRL's logs.

Reading reasoning-model output
    The final answer is read from the text **after** the last ``</think>``; a think block that
    is opened but never closed has no final answer. Within the final part, the last
    ``\\boxed{...}``, else the last ``Therefore: ...`` or ``Answer: ...`` line, else the whole
    final part is normalized by :func:`corr2cause.evaluation.answers.normalize_answer` (the
    paper's mapping). An answer that names both verdicts (``Yes or No``, ``\\boxed{Yes}`` ...
    ``\\boxed{No}`` with different values) counts as unreadable. These rules are what keep the
    reward from being gamed: a model cannot earn the answer reward by hedging, by putting a
    verdict inside its thoughts, or by listing both answers.

Examples
--------
>>> answer_reward(["q"] * 3, ["<think>hmm, yes?</think> Answer: No", "\\\\boxed{Yes}", "Yes or no"],
...               label=[0, 1, 1])
[1.0, 1.0, 0.0]
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from corr2cause.errors import Corr2CauseError
from corr2cause.evaluation.answers import normalize_answer
from corr2cause.solver.ccpp import parse_predicted_edges, score_edges
from corr2cause.solver.errors import SolverError
from corr2cause.solver.rationale import read_item
from corr2cause.solver.rationale_check import check_reconstructed
from corr2cause.solver.semantics import detect_semantics

__all__ = [
    "REWARD_FUNCTIONS",
    "FinalAnswer",
    "RewardError",
    "answer_reward",
    "combined_reward",
    "completion_text",
    "edge_reward",
    "format_reward",
    "rationale_reward",
    "read_final_answer",
]

RewardFunction = Callable[..., list[float]]

_THINK_OPEN = re.compile(r"<think>", re.IGNORECASE)
_THINK_CLOSE = re.compile(r"</think>", re.IGNORECASE)
_BOXED = re.compile(r"\\boxed\{\s*(?:\\text\{)?\s*([^{}]*?)\s*\}?\s*\}")
_MARKER = re.compile(
    r"^\W*(?:therefore|final answer|answer)\s*[:\-]\s*\**\s*(.+?)\s*$", re.IGNORECASE | re.M
)
_YES = re.compile(r"\b(?:yes|true)\b", re.IGNORECASE)
_NO = re.compile(r"\b(?:no|false)\b", re.IGNORECASE)


class RewardError(Corr2CauseError):
    """A reward called without the dataset column it needs."""


def completion_text(completion: object) -> str:
    """The text of a completion: a string, or the last message's ``content`` of a chat."""
    if isinstance(completion, str):
        return completion
    if isinstance(completion, Sequence) and completion:
        last = completion[-1]
        if isinstance(last, Mapping):
            content = last.get("content", "")
            return content if isinstance(content, str) else str(content)
    return "" if completion is None else str(completion)


@dataclass(frozen=True)
class FinalAnswer:
    """How a completion was read.

    Attributes
    ----------
    label : int or None
        1 (yes), 0 (no) or ``None`` (no readable, unhedged final answer).
    reasoning : str
        The think block's content (or, without one, the text before the final verdict).
    final : str
        The text after the think block.
    well_formed : bool
        A closed think block (if any) and exactly one final verdict marker in ``final``.
    """

    label: int | None
    reasoning: str
    final: str
    well_formed: bool


def _verdict(candidate: str) -> int | None:
    if _YES.search(candidate) and _NO.search(candidate):
        return None
    parsed = normalize_answer(candidate)
    return parsed.label if parsed.parsed else None


def read_final_answer(completion: object) -> FinalAnswer:
    """Split a completion into reasoning and final answer, and read the verdict.

    Examples
    --------
    >>> read_final_answer("<think>A -> C</think>\\nThe answer is \\\\boxed{yes}.").label
    1
    >>> read_final_answer("<think>it is yes, I think").label is None  # never closed
    True
    """
    text = completion_text(completion)
    closes = list(_THINK_CLOSE.finditer(text))
    opened = _THINK_OPEN.search(text) is not None
    if closes:
        last = closes[-1]
        reasoning = _THINK_OPEN.sub("", text[: last.start()], count=1).strip()
        final = text[last.end() :].strip()
        closed = True
    elif opened:
        return FinalAnswer(None, _THINK_OPEN.sub("", text, count=1).strip(), "", False)
    else:
        reasoning, final, closed = "", text.strip(), True
    boxed = _BOXED.findall(final)
    markers = _MARKER.findall(final)
    if boxed:
        verdicts = {_verdict(b) for b in boxed}
        label = verdicts.pop() if len(verdicts) == 1 else None
        count = len(boxed)
    elif markers:
        verdicts = {_verdict(m) for m in markers}
        label = verdicts.pop() if len(verdicts) == 1 else None
        count = len(markers)
    else:
        label = _verdict(final) if final else None
        count = 0
    if not closes and (boxed or markers):
        # no think block: the reasoning is what precedes the first verdict line
        first = min(
            [m.start() for m in _BOXED.finditer(final)]
            + [m.start() for m in _MARKER.finditer(final)]
        )
        reasoning = final[:first].strip()
    well_formed = closed and count == 1 and label is not None
    return FinalAnswer(label=label, reasoning=reasoning, final=final, well_formed=well_formed)


def _column(kwargs: Mapping[str, Any], name: str, size: int, func: str) -> list[Any]:
    if name not in kwargs:
        raise RewardError(
            f"{func} needs the dataset column {name!r} (got: {', '.join(sorted(kwargs)) or 'none'})"
        )
    values = list(kwargs[name])
    if len(values) != size:
        raise RewardError(
            f"{func}: column {name!r} has {len(values)} values for {size} completions"
        )
    return values


def answer_reward(prompts: Sequence[Any], completions: Sequence[Any], **kwargs: Any) -> list[float]:
    """1.0 where the final answer equals the exact ``label`` column, else 0.0."""
    labels = _column(kwargs, "label", len(completions), "answer_reward")
    return [
        float(read_final_answer(c).label == int(y))
        for c, y in zip(completions, labels, strict=True)
    ]


def format_reward(prompts: Sequence[Any], completions: Sequence[Any], **kwargs: Any) -> list[float]:
    """1.0 for a closed think block (if any) followed by exactly one readable final verdict."""
    return [float(read_final_answer(c).well_formed) for c in completions]


def _semantics(kwargs: Mapping[str, Any], k: int, hypothesis: str) -> str:
    column = kwargs.get("semantics")
    value = None if column is None else list(column)[k]
    return str(value) if value else detect_semantics(hypothesis)


def rationale_reward(
    prompts: Sequence[Any], completions: Sequence[Any], **kwargs: Any
) -> list[float]:
    """Checker credit of the reasoning: share of gold steps right before the first wrong one.

    Needs the ``premise`` and ``hypothesis`` columns (an optional ``semantics`` column
    overrides the reading detected from the wording). Lines that follow no template of the
    rationale format are skipped. An item the solver cannot read scores 0.
    """
    n = len(completions)
    premises = _column(kwargs, "premise", n, "rationale_reward")
    hypotheses = _column(kwargs, "hypothesis", n, "rationale_reward")
    out = []
    for k, (c, premise, hyp) in enumerate(zip(completions, premises, hypotheses, strict=True)):
        try:
            rec, relation, x, y, text = read_item(premise, hyp)
        except SolverError:
            out.append(0.0)
            continue
        read = read_final_answer(c)
        body = read.reasoning if read.reasoning else completion_text(c)
        if read.label is not None:
            body += f"\nAnswer: {'Yes' if read.label else 'No'}"
        result = check_reconstructed(
            rec, relation, x, y, body, semantics=_semantics(kwargs, k, text), skip_unreadable=True
        )
        out.append(result.credit)
    return out


def edge_reward(prompts: Sequence[Any], completions: Sequence[Any], **kwargs: Any) -> list[float]:
    """F1 of the stated directed edges against the exact CPDAG's compelled edges.

    Edges are read from the final part of the completion (after any think block). Needs the
    ``premise`` and ``hypothesis`` columns.
    """
    n = len(completions)
    premises = _column(kwargs, "premise", n, "edge_reward")
    hypotheses = _column(kwargs, "hypothesis", n, "edge_reward")
    out = []
    for c, premise, hyp in zip(completions, premises, hypotheses, strict=True):
        try:
            rec, *_ = read_item(premise, hyp)
        except SolverError:
            out.append(0.0)
            continue
        final = read_final_answer(c).final or completion_text(c)
        out.append(score_edges(parse_predicted_edges(final, rec.names), rec).f1)
    return out


REWARD_FUNCTIONS: Mapping[str, RewardFunction] = {
    "answer": answer_reward,
    "format": format_reward,
    "rationale": rationale_reward,
    "edges": edge_reward,
}
"""The named reward functions."""


def combined_reward(weights: Mapping[str, float] | None = None) -> RewardFunction:
    """A weighted sum of named rewards, as one TRL reward function.

    Parameters
    ----------
    weights : mapping, optional
        Reward name (:data:`REWARD_FUNCTIONS`) -> weight; default ``{"answer": 1.0,
        "format": 0.1}``.

    Examples
    --------
    >>> f = combined_reward({"answer": 1.0, "format": 0.5})
    >>> f.__name__, f(["q"], ["Answer: Yes"], label=[1])
    ('answer_1_format_0.5', [1.5])
    """
    chosen = dict(weights or {"answer": 1.0, "format": 0.1})
    unknown = sorted(set(chosen) - set(REWARD_FUNCTIONS))
    if unknown:
        raise RewardError(
            f"unknown reward(s) {', '.join(unknown)}; expected {', '.join(REWARD_FUNCTIONS)}"
        )

    def reward(prompts: Sequence[Any], completions: Sequence[Any], **kwargs: Any) -> list[float]:
        total = [0.0] * len(completions)
        for name, w in chosen.items():
            if w:
                for k, v in enumerate(REWARD_FUNCTIONS[name](prompts, completions, **kwargs)):
                    total[k] += w * v
        return total

    reward.__name__ = "_".join(f"{k}_{w:g}" for k, w in chosen.items())
    return reward
