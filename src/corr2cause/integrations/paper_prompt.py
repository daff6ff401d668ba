"""The paper's zero-shot prompt for the inspect-ai and lm-eval tasks, read from ``direct.toml``.

Jin et al. (ICLR 2024) ask every model the same question (SPEC section 7)::

    Question: {premise}
    Can we deduct the following: {hypothesis}? Just answer "Yes" or "No."

    Answer:

where ``{hypothesis}`` has its final period stripped. The text is defined once, in the
evaluation harness's built-in template ``direct`` (``evaluation/prompts/direct.toml``); this
module only reads it, so an inspect run, an lm-eval run and ``corr2cause evaluate`` send the
same characters to a model and their scores can be compared.
"""

from __future__ import annotations

from corr2cause.evaluation.prompts import load_prompt, strip_final_period

__all__ = ["PAPER_PROMPT_TEMPLATE", "PAPER_SYSTEM_PROMPT", "paper_prompt", "strip_final_period"]

_DIRECT = load_prompt("direct")

PAPER_SYSTEM_PROMPT: str = _DIRECT.system or ""
"""System prompt the paper sends to chat models (from ``direct.toml``)."""

PAPER_PROMPT_TEMPLATE: str = _DIRECT.steps[0].user.replace("{hypothesis_no_period}", "{hypothesis}")
"""The user prompt; ``{hypothesis}`` is filled in without its final period."""


def paper_prompt(premise: str, hypothesis: str) -> str:
    """Render the paper's zero-shot question for one item (the ``direct`` template).

    Parameters
    ----------
    premise : str
        The premise text (without the ``Premise:`` prefix of the official ``input`` column).
    hypothesis : str
        The hypothesis sentence, with or without its final period.

    Returns
    -------
    str
        The user prompt, ending in ``Answer:`` (no trailing space).

    Examples
    --------
    >>> print(paper_prompt("A correlates with B.", "A directly causes B."))
    Question: A correlates with B.
    Can we deduct the following: A directly causes B? Just answer "Yes" or "No."
    <BLANKLINE>
    Answer:
    """
    return _DIRECT.render_pair(premise, hypothesis)
