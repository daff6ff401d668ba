"""Scripted answers in the styles of model families, for dry runs and tests.

A scripted server answers every question with a verdict, taken from the exact solver
(``answer="solver"``: a perfect model) or fixed (``answer="Yes"``), and dresses it in the
output style of a model family, so that a pipeline can be tested end to end against each
format it will meet:

================  ===========================================================================
style             what the server returns
================  ===========================================================================
``plain``         ``Yes`` / ``No`` (the paper's chat models)
``think``         ``<think>`` with a decoy verdict, then the answer (DeepSeek-R1, Qwen3)
``boxed``         a think block, then ``The answer is: \\boxed{Yes}`` (math-tuned reasoners)
``reasoning_content``  the answer, with reasoning in ``message.reasoning_content`` (vLLM)
``reasoning``     the answer, with reasoning in ``message.reasoning`` (OpenRouter)
``json``          ``{"answer": "Yes"}`` (structured output)
``o-series``      a short answer with hidden reasoning tokens in the usage, and a 400
                  "Unsupported parameter" for ``max_tokens`` (OpenAI o1/o3/o4, GPT-5)
``gpt-oss``       harmony channels: ``analysis`` reasoning, then the ``final`` answer
================  ===========================================================================

Examples
--------
>>> print(styled_answer("yes", "boxed")[1])
<think>
The answer might be no. Checking the independencies again.
</think>
<BLANKLINE>
The answer is: \\boxed{Yes}
"""

from __future__ import annotations

import re
from typing import Any

from corr2cause.testing.stub_server import StubOpenAIServer, StubReply, StubRequest, transcript_of

__all__ = ["STYLES", "scripted_server", "solver_verdict", "styled_answer"]

STYLES = (
    "plain",
    "think",
    "boxed",
    "reasoning_content",
    "reasoning",
    "json",
    "o-series",
    "gpt-oss",
)
"""The scripted styles."""

_QUESTION = re.compile(r"Question:\s*(.+?)\n", re.DOTALL)
_HYPOTHESIS = re.compile(r"deduct the following:\s*(.+?)\?(?:\s|$)")
_PLAIN = re.compile(r"Premise:\s*(.+?)\s*\n\s*Hypothesis:\s*(.+?)\s*$", re.DOTALL)


def _split_question(transcript: str) -> tuple[str, str] | None:
    premise = _QUESTION.search(transcript)
    hypotheses = _HYPOTHESIS.findall(transcript)
    if premise is not None and hypotheses:
        return premise.group(1).strip(), hypotheses[-1].strip() + "."
    plain = _PLAIN.search(transcript)
    if plain is not None:
        return plain.group(1).strip(), plain.group(2).strip()
    return None


def solver_verdict(body: dict[str, Any]) -> str | None:
    """The exact solver's verdict (``"yes"`` / ``"no"``) on the question of a request body.

    Reads the paper's prompt (``Question: PREMISE`` ... ``deduct the following: H?``) or the
    official ``Premise: ...`` / ``Hypothesis: ...`` form; ``None`` when it finds neither or the
    solver cannot read the premise.
    """
    from corr2cause.solver import Solver, SolverError

    question = _split_question(transcript_of(body))
    if question is None:
        return None
    try:
        solution = Solver().solve(*question)
    except SolverError:
        return None
    return "yes" if solution.label else "no"


def styled_answer(verdict: str | None, style: str) -> tuple[str | None, str]:
    """``(reasoning, text)`` for ``verdict`` in ``style``.

    The reasoning of the styles that show it states the *opposite* verdict first, so a
    harness that reads the reasoning as the answer is caught.
    """
    if style not in STYLES:
        raise ValueError(f"unknown style {style!r}; known: {', '.join(STYLES)}")
    if verdict is None:
        return None, "I cannot read this question."
    word = "Yes" if verdict == "yes" else "No"
    decoy = "no" if verdict == "yes" else "yes"
    thought = f"The answer might be {decoy}. Checking the independencies again."
    if style == "plain" or style == "o-series":
        return (thought if style == "o-series" else None), word
    if style == "think":
        return None, f"<think>\n{thought}\n</think>\n\n{word}"
    if style == "boxed":
        return None, f"<think>\n{thought}\n</think>\n\nThe answer is: \\boxed{{{word}}}"
    if style in ("reasoning_content", "reasoning"):
        return thought, word
    if style == "json":
        return None, '{"answer": "' + word + '"}'
    return None, (
        f"<|channel|>analysis<|message|>{thought}<|end|><|start|>assistant"
        f"<|channel|>final<|message|>{word}<|return|>"
    )


def scripted_server(
    *, answer: str = "solver", style: str = "plain", **options: Any
) -> StubOpenAIServer:
    """A stub server that answers in ``style`` with the solver's verdict or a fixed text.

    Parameters
    ----------
    answer : str
        ``"solver"`` (the exact solver: every answer right) or a fixed text, which is read as
        a verdict (``Yes``/``No``) and styled, or sent verbatim when it is neither.
    style : str
        One of :data:`STYLES`.
    **options
        Passed to :class:`~corr2cause.testing.stub_server.StubOpenAIServer` (``port``,
        ``delay_s``, ``max_lifetime_s``, ...).

    Returns
    -------
    StubOpenAIServer
        Not started; use it as a context manager or call ``start()``.
    """
    if style not in STYLES:
        raise ValueError(f"unknown style {style!r}; known: {', '.join(STYLES)}")
    fixed = answer.strip().lower().rstrip(".")

    def responder(request: StubRequest) -> StubReply | None:
        if answer == "solver":
            verdict = solver_verdict(request.body)
        elif fixed in ("yes", "no"):
            verdict = fixed
        else:
            return StubReply(text=answer)
        reasoning, text = styled_answer(verdict, style)
        return StubReply(text=text, reasoning=reasoning)

    if style == "o-series":
        options.setdefault("reject_params", {"max_tokens"})
    if style in ("reasoning_content", "reasoning"):
        options.setdefault("reasoning_field", style)
    return StubOpenAIServer(responder=responder, **options)
