"""The paper's zero-shot prompt, shared by the inspect-ai task and the lm-eval tasks.

Jin et al. (ICLR 2024) ask every model the same question (SPEC section 7)::

    Question: {premise}
    Can we deduct the following: {hypothesis}? Just answer "Yes" or "No."

    Answer:

where ``{hypothesis}`` has its final period stripped (the question mark replaces it). Chat
models also get the system prompt :data:`PAPER_SYSTEM_PROMPT`; completion models get the user
text alone.

Both integrations render prompts through :func:`paper_prompt`, so an inspect run, an lm-eval
run and the project's own harness (``corr2cause.evaluation``, prompt ``direct``) send the
same characters to a model and their scores can be compared.
"""

from __future__ import annotations

__all__ = ["PAPER_PROMPT_TEMPLATE", "PAPER_SYSTEM_PROMPT", "paper_prompt", "strip_final_period"]

PAPER_SYSTEM_PROMPT = (
    "You are a highly intelligent question-answering bot with profound knowledge of causal "
    "inference."
)
"""System prompt the paper sends to chat models."""

PAPER_PROMPT_TEMPLATE = (
    "Question: {premise}\n"
    'Can we deduct the following: {hypothesis}? Just answer "Yes" or "No."\n'
    "\n"
    "Answer:"
)
"""The user prompt; ``{hypothesis}`` is filled in without its final period."""


def strip_final_period(hypothesis: str) -> str:
    """Drop trailing whitespace and one final period, as the paper does.

    Examples
    --------
    >>> strip_final_period("A directly causes B.")
    'A directly causes B'
    """
    text = hypothesis.rstrip()
    return text[:-1] if text.endswith(".") else text


def paper_prompt(premise: str, hypothesis: str) -> str:
    """Render the paper's zero-shot question for one item.

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
    return PAPER_PROMPT_TEMPLATE.format(premise=premise, hypothesis=strip_final_period(hypothesis))
