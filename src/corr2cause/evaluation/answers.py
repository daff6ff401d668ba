"""Read the verdict out of a model's output: reasoning apart, answer extraction as data.

The paper maps an answer to **valid** when it says *yes*, *true*, *necessarily true* or *must
be true*, and to **invalid** otherwise, unparseable output included (SPEC section 7). This
module keeps that mapping but tells three kinds of "invalid" apart, so that a run can report
how many answers could not be read and how many were cut off:

``yes``
    valid (label 1);
``no``
    an explicit negative (*no*, *false*, *not necessarily*, *cannot*, ...), label 0;
``None``
    unparseable (label 0, a parse failure), or **truncated** (label 0, the output ended
    inside its reasoning or at the token limit before any verdict).

Reasoning first
    Reasoning models think before they answer, and what they think must not be read as the
    answer. :func:`split_reasoning` separates the two: a ``<think>…</think>`` block (DeepSeek-R1,
    Qwen3; also ``<thinking>`` and ``<reasoning>``), an output that only *closes* a think block
    (the chat template opened it), or the gpt-oss *harmony* channels (``analysis`` vs
    ``final``). An unterminated think block is a truncation. Servers that return the
    reasoning in a separate field (vLLM and DeepSeek ``reasoning_content``, OpenRouter
    ``reasoning``) give the answer text alone; the backend records both.

Extraction rules (data, like lm-eval's filters)
    The answer text is then read by an ordered list of named rules; the first rule that finds
    a verdict wins. A prompt template chooses its list in an ``[answer]`` table
    (``rules = ["boxed", "final_answer", ...]``, plus optional ``[[answer.regex]]`` patterns
    tried first), so that changing how answers are read is a versioned change of the prompt.
    The default order, :data:`DEFAULT_RULES`, goes from the most explicit marker to the
    weakest:

    ``json``
        a JSON object with an ``answer`` field (structured output), the last one;
    ``boxed``
        the last ``\\boxed{…}`` (math-style reasoning models);
    ``final_answer``
        the last ``Final answer: X`` / ``Answer: X`` / ``Verdict: X``;
    ``answer_is``
        the last *the answer is X* (chain-of-thought conclusions);
    ``bold``
        the last bold span that reads as a verdict (``**Yes**``, ``**No.**``);
    ``final_line``
        the last non-empty line, when it *starts* with a verdict, possibly after a connective
        (*Therefore, yes.*, *So: No*);
    ``leading``
        the paper's rule: a leading *yes/true/no/false*, or in the first 80 characters a
        negative phrase (*not necessarily*, *cannot*, ...) before a positive one (*must be
        true*, *necessarily true*).

    Before the rules run, quoted option lists such as *"Yes" or "No"* are removed, so that a
    model repeating the question is not read as answering it.

References
----------
.. [1] Jin et al., "Can Large Language Models Infer Causation from Correlation?", ICLR 2024.
.. [2] EleutherAI lm-evaluation-harness, "filters" (regex / take-first answer extraction).
.. [3] DeepSeek-AI, "DeepSeek-R1", 2025 (``<think>`` output format).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from corr2cause.errors import Corr2CauseError

__all__ = [
    "ANSWER_RULES",
    "DEFAULT_RULES",
    "AnswerExtractor",
    "AnswerSpecError",
    "ParsedAnswer",
    "Reasoning",
    "extract_answer",
    "normalize_answer",
    "split_reasoning",
]


class AnswerSpecError(Corr2CauseError):
    """An ``[answer]`` table of a prompt template that cannot be used."""


@dataclass(frozen=True, slots=True)
class ParsedAnswer:
    """The reading of one answer.

    Attributes
    ----------
    label : int
        1 = valid, 0 = invalid (including unparseable and truncated).
    verdict : str or None
        ``"yes"``, ``"no"``, or ``None`` when no verdict could be read.
    truncated : bool
        The output stopped before its verdict (inside a think block, or at the token limit
        with no verdict).
    rule : str or None
        The extraction rule that found the verdict.
    """

    label: int
    verdict: str | None
    truncated: bool = field(default=False, repr=False)
    rule: str | None = field(default=None, repr=False)

    @property
    def parsed(self) -> bool:
        """Whether a verdict could be read."""
        return self.verdict is not None


@dataclass(frozen=True, slots=True)
class Reasoning:
    """An output split into its reasoning and its answer.

    Attributes
    ----------
    reasoning : str or None
        The reasoning text (``None`` when there was none).
    answer : str
        The text after the reasoning, the part that is read for a verdict.
    truncated : bool
        The output ended inside its reasoning (an unterminated think block).
    """

    reasoning: str | None
    answer: str
    truncated: bool = False


_THINK_TAGS = ("think", "thinking", "reasoning", "thought")
_OPEN = re.compile(r"<(" + "|".join(_THINK_TAGS) + r")>", re.IGNORECASE)
_HARMONY_FINAL = re.compile(r"<\|channel\|>\s*final\s*<\|message\|>", re.IGNORECASE)
_HARMONY_ANALYSIS = re.compile(r"<\|channel\|>\s*analysis\s*<\|message\|>", re.IGNORECASE)
_HARMONY_TOKEN = re.compile(r"<\|(?:start|end|return|call|message|channel)\|>|^assistant", re.I)


def split_reasoning(text: str | None) -> Reasoning:
    """Separate a model's reasoning from its answer.

    Parameters
    ----------
    text : str or None
        The raw output.

    Returns
    -------
    Reasoning

    Examples
    --------
    >>> split_reasoning("<think>A and B are d-separated... yes?</think>\\n\\nNo")
    Reasoning(reasoning='A and B are d-separated... yes?', answer='No', truncated=False)
    >>> split_reasoning("<think>Let me check the v-structures").truncated
    True
    >>> split_reasoning("the chat template opened the block</think>Yes").answer
    'Yes'
    """
    if not text:
        return Reasoning(None, "")
    if "<|channel|>" in text:
        return _split_harmony(text)
    lowered = text.lower()
    parts: list[str] = []
    answer = text
    for tag in _THINK_TAGS:
        close = f"</{tag}>"
        end = lowered.rfind(close)
        if end < 0:
            continue
        head = text[:end]
        opened = _OPEN.search(head)
        inner = head[opened.end() :] if opened is not None else head
        before = head[: opened.start()] if opened is not None else ""
        parts.append(inner.strip())
        answer = (before + text[end + len(close) :]).strip()
        break
    else:
        opened = _OPEN.search(text)
        if opened is not None:  # an unterminated block: the model ran out mid-thought
            thought = text[opened.end() :].strip()
            return Reasoning(thought or None, text[: opened.start()].strip(), truncated=True)
    return Reasoning("\n\n".join(p for p in parts if p) or None, answer.strip())


def _split_harmony(text: str) -> Reasoning:
    finals = list(_HARMONY_FINAL.finditer(text))
    final = finals[-1] if finals else None
    analysis = [m.end() for m in _HARMONY_ANALYSIS.finditer(text)]
    reasoning_parts = []
    for start in analysis:
        stop = text.find("<|end|>", start)
        limit = final.start() if final is not None and final.start() >= start else len(text)
        chunk = text[start : stop if 0 <= stop < limit else limit]
        reasoning_parts.append(_HARMONY_TOKEN.sub("", chunk).strip())
    reasoning = "\n\n".join(p for p in reasoning_parts if p) or None
    if final is None:
        return Reasoning(reasoning, "", truncated=True)
    answer = _HARMONY_TOKEN.sub("", text[final.end() :]).strip()
    return Reasoning(reasoning, answer)


# -- verdict words ----------------------------------------------------------------------------

_POSITIVE = frozenset({"yes", "true", "valid", "correct", "y"})
_NEGATIVE = frozenset({"no", "false", "invalid", "incorrect", "n"})
_STRIP = " \t\r\n\"'`*_#>-:.,;!?()[]{}$\\“”‘’"
_SHORT = re.compile(r"^[a-z]+(?:\s+[a-z]+)?$")
_WORD = re.compile(r"[a-z]+")
_NEGATIVE_PHRASES = re.compile(
    r"\b(?:not\s+necessarily|necessarily\s+false|must\s+be\s+false|cannot|can\s*not|can't|"
    r"can’t)\b"
)
_POSITIVE_PHRASES = re.compile(
    r"\b(?:necessarily\s+true|must\s+be\s+true|"
    r"(?:statement|hypothesis|claim)\s+(?:is|holds)\s+(?:true|correct|valid))\b"
)
_CLAIM_FALSE = re.compile(
    r"\b(?:statement|hypothesis|claim)\s+is\s+(?:false|not\s+true|incorrect|invalid|not\s+valid)\b"
)
_OPTION_LIST = re.compile(
    r"[\"'“‘*]*\byes\b[\"'”’*]*\s*(?:/|\bor\b|,)\s*[\"'“‘*]*\bno\b[\"'”’*]*"
    r"|[\"'“‘*]*\bno\b[\"'”’*]*\s*(?:/|\bor\b)\s*[\"'“‘*]*\byes\b[\"'”’*]*"
    r"|\btrue\s*(?:/|\bor\b)\s*false\b",
    re.IGNORECASE,
)
_CONNECTIVE = re.compile(
    r"^(?:(?:so|thus|hence|therefore|consequently|overall|in\s+conclusion|in\s+summary|"
    r"to\s+conclude|in\s+short|conclusion|verdict|final\s+answer|final|answer|my\s+answer|"
    r"the\s+answer|short\s+answer|result|response|output)\b\s*(?:is\b)?\s*[:,\-–—]?\s*)+"
)
_UNDETERMINED = re.compile(r"^(?:not\s+necessarily|cannot\s+be\s+determined|undetermined)\b")


def _verdict_of_word(fragment: str) -> str | None:
    """The verdict of a short fragment (``"Yes."``, ``"**No**"``, ``"not necessarily"``)."""
    lowered = fragment.strip(_STRIP).lower()
    if not lowered:
        return None
    if _UNDETERMINED.match(lowered):
        return "no"
    match = _WORD.match(lowered)
    if match is None:
        return None
    word = match.group(0)
    if (word in _POSITIVE and word != "y") or (word == "y" and len(lowered) == 1):
        return "yes"
    if (word in _NEGATIVE and word != "n") or (word == "n" and len(lowered) == 1):
        return "no"
    if word == "not" and re.match(r"not\s+(?:true|valid|correct|deducible)\b", lowered):
        return "no"
    return None


def _leading(text: str) -> str | None:
    lowered = _CONNECTIVE.sub("", text.lstrip(_STRIP).lower()).lstrip(_STRIP)
    if not lowered:
        return None
    match = _WORD.match(lowered)
    if match is not None and match.group(0) in ("yes", "true"):
        return "yes"
    if match is not None and match.group(0) in ("no", "false"):
        return "no"
    if _SHORT.match(lowered.rstrip(_STRIP)):
        short = _verdict_of_word(lowered)
        if short is not None:
            return short
    head = lowered[:80]
    if _NEGATIVE_PHRASES.search(head) or _CLAIM_FALSE.search(head):
        return "no"
    if _POSITIVE_PHRASES.search(head):
        return "yes"
    return None


# -- rules ------------------------------------------------------------------------------------

_BOXED = re.compile(r"\\boxed\s*\{((?:[^{}]|\{[^{}]*\})*)\}")
_TEXT_CMD = re.compile(r"\\(?:text|textbf|mathrm|mathbf|texttt)\s*\{([^{}]*)\}")
_FINAL_ANSWER = re.compile(
    r"(?:^|\n|\*\*|\b)(?:final\s+answer|final\s+verdict|answer|verdict|conclusion)\s*"
    r"(?:\*\*)?\s*[:：=]\s*(?:\*\*)?\s*([^\n]{0,60})",
    re.IGNORECASE,
)
_ANSWER_IS = re.compile(
    r"\b(?:answer\s*(?:is|would\s+be|should\s+be|will\s+be)|i\s+would\s+say|i'd\s+say)"
    r"\s*:?\s*[\"'*`(\[“]*\s*"
    r"(yes|no|true|false)\b",
    re.IGNORECASE,
)
_BOLD = re.compile(r"\*\*([^*\n]{1,60})\*\*|__([^_\n]{1,60})__")
_JSON_OBJECT = re.compile(r"\{[^{}]*\}")


def _rule_json(text: str) -> str | None:
    if "{" not in text or ":" not in text:  # cheap exit: most outputs hold no JSON object
        return None
    candidates = [text.strip(), *[m.group(0) for m in _JSON_OBJECT.finditer(text)][::-1]]
    for candidate in candidates:
        if not candidate.startswith("{") or ":" not in candidate:
            continue
        try:
            data = json.loads(candidate)
        except ValueError:
            continue
        if not isinstance(data, dict):
            continue
        for key in ("answer", "verdict", "label", "final_answer"):
            if key in data:
                value = data[key]
                if isinstance(value, bool):
                    return "yes" if value else "no"
                if isinstance(value, int) and value in (0, 1):
                    return "yes" if value else "no"
                if isinstance(value, str):
                    return _verdict_of_word(value)
    return None


def _rule_boxed(text: str) -> str | None:
    found = _BOXED.findall(text)
    if not found:
        return None
    inner = _TEXT_CMD.sub(lambda m: m.group(1), found[-1])
    return _verdict_of_word(inner) or _leading(inner)


def _rule_final_answer(text: str) -> str | None:
    for match in reversed(list(_FINAL_ANSWER.finditer(text))):
        verdict = _verdict_of_word(match.group(1)) or _leading(match.group(1))
        if verdict is not None:
            return verdict
    return None


def _rule_answer_is(text: str) -> str | None:
    found = _ANSWER_IS.findall(text)
    if not found:
        return None
    return "yes" if found[-1].lower() in ("yes", "true") else "no"


def _rule_bold(text: str) -> str | None:
    for match in reversed(list(_BOLD.finditer(text))):
        verdict = _verdict_of_word(match.group(1) or match.group(2))
        if verdict is not None:
            return verdict
    return None


def _rule_final_line(text: str) -> str | None:
    lines = [line for line in text.strip().splitlines() if line.strip(_STRIP)]
    if not lines:
        return None
    last = lines[-1]
    lowered = _CONNECTIVE.sub("", last.lstrip(_STRIP).lower()).lstrip(_STRIP)
    match = _WORD.match(lowered)
    if match is not None and match.group(0) in ("yes", "true", "no", "false"):
        return "yes" if match.group(0) in ("yes", "true") else "no"
    if len(lowered) <= 80:
        return _leading(lowered)
    return None


def _rule_leading(text: str) -> str | None:
    return _leading(text)


ANSWER_RULES: Mapping[str, Callable[[str], str | None]] = {
    "json": _rule_json,
    "boxed": _rule_boxed,
    "final_answer": _rule_final_answer,
    "answer_is": _rule_answer_is,
    "bold": _rule_bold,
    "final_line": _rule_final_line,
    "leading": _rule_leading,
}
"""The named extraction rules, usable in a prompt's ``[answer] rules`` list."""

DEFAULT_RULES = ("json", "boxed", "final_answer", "answer_is", "bold", "final_line", "leading")
"""The rule order of templates that do not choose one."""


@dataclass(frozen=True, slots=True)
class AnswerExtractor:
    """An ordered list of extraction rules (a prompt template's ``[answer]`` table).

    Parameters
    ----------
    rules : sequence of str
        Names from :data:`ANSWER_RULES`, tried in order.
    patterns : sequence of str
        Regular expressions tried before the rules; the first capture group (or the whole
        match) is read as a verdict word.
    strip_reasoning : bool
        Split off the reasoning (:func:`split_reasoning`) before reading the answer.

    Examples
    --------
    >>> AnswerExtractor(rules=("leading",))("Therefore, **yes**.").verdict
    'yes'
    >>> AnswerExtractor(patterns=(r"VERDICT=(\\w+)",))("... VERDICT=no").verdict
    'no'
    """

    rules: tuple[str, ...] = DEFAULT_RULES
    patterns: tuple[str, ...] = ()
    strip_reasoning: bool = True
    _compiled: tuple[re.Pattern[str], ...] = field(default=(), init=False, repr=False)

    def __post_init__(self) -> None:
        unknown = [r for r in self.rules if r not in ANSWER_RULES]
        if unknown:
            raise AnswerSpecError(
                f"unknown answer rule(s) {', '.join(unknown)}; known: {', '.join(ANSWER_RULES)}"
            )
        compiled = []
        for pattern in self.patterns:
            try:
                compiled.append(re.compile(pattern, re.IGNORECASE))
            except re.error as exc:
                raise AnswerSpecError(f"answer pattern {pattern!r}: {exc}") from None
        object.__setattr__(self, "rules", tuple(self.rules))
        object.__setattr__(self, "patterns", tuple(self.patterns))
        object.__setattr__(self, "_compiled", tuple(compiled))

    @classmethod
    def from_mapping(
        cls, data: Mapping[str, Any] | None, where: str = "[answer]"
    ) -> AnswerExtractor:
        """Build from a template's ``[answer]`` table (``None``: the defaults)."""
        if data is None:
            return cls()
        if not isinstance(data, Mapping):
            raise AnswerSpecError(f"{where}: must be a table")
        unknown = sorted(set(data) - {"rules", "regex", "strip_reasoning"})
        if unknown:
            raise AnswerSpecError(f"{where}: unknown key(s) {', '.join(unknown)}")
        rules = data.get("rules", list(DEFAULT_RULES))
        if not isinstance(rules, list) or not all(isinstance(r, str) for r in rules):
            raise AnswerSpecError(f"{where}: 'rules' must be a list of rule names")
        regex = data.get("regex", [])
        if isinstance(regex, str):
            regex = [regex]
        if not isinstance(regex, list) or not all(isinstance(r, str) for r in regex):
            raise AnswerSpecError(f"{where}: 'regex' must be a pattern or a list of patterns")
        strip = data.get("strip_reasoning", True)
        if not isinstance(strip, bool):
            raise AnswerSpecError(f"{where}: 'strip_reasoning' must be true or false")
        try:
            return cls(rules=tuple(rules), patterns=tuple(regex), strip_reasoning=strip)
        except AnswerSpecError as exc:
            raise AnswerSpecError(f"{where}: {exc}") from None

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly form (recorded with the prompt in the run manifest)."""
        return {
            "rules": list(self.rules),
            "regex": list(self.patterns),
            "strip_reasoning": self.strip_reasoning,
        }

    def __call__(self, text: str | None, *, finish_reason: str | None = None) -> ParsedAnswer:
        """Read one output; see :func:`extract_answer`."""
        return self.read(text, finish_reason=finish_reason)[0]

    def read(
        self, text: str | None, *, finish_reason: str | None = None
    ) -> tuple[ParsedAnswer, Reasoning]:
        """Read one output; also return its split into reasoning and answer.

        Examples
        --------
        >>> parsed, split = AnswerExtractor().read("<think>hmm</think>No")
        >>> parsed.verdict, split.reasoning, split.answer
        ('no', 'hmm', 'No')
        """
        if not text:
            return (_TRUNCATED if finish_reason == "length" else _UNPARSEABLE), _EMPTY
        split = split_reasoning(text) if self.strip_reasoning else Reasoning(None, text)
        cleaned = _OPTION_LIST.sub(" ", split.answer)
        for pattern in self._compiled:
            for match in reversed(list(pattern.finditer(cleaned))):
                fragment = match.group(1) if pattern.groups else match.group(0)
                verdict = _verdict_of_word(fragment or "")
                if verdict is not None:
                    return _answer(verdict, "regex"), split
        for name in self.rules:
            verdict = ANSWER_RULES[name](cleaned)
            if verdict is not None:
                return _answer(verdict, name), split
        if split.truncated or finish_reason == "length":
            return _TRUNCATED, split
        return _UNPARSEABLE, split


_EMPTY = Reasoning(None, "")
_UNPARSEABLE = ParsedAnswer(0, None)
_TRUNCATED = ParsedAnswer(0, None, truncated=True)
_ANSWERS = {
    (verdict, rule): ParsedAnswer(int(verdict == "yes"), verdict, rule=rule)
    for verdict in ("yes", "no")
    for rule in (*ANSWER_RULES, "regex")
}


def _answer(verdict: str, rule: str) -> ParsedAnswer:
    return _ANSWERS[(verdict, rule)]


_DEFAULT = AnswerExtractor()


def extract_answer(
    text: str | None,
    *,
    finish_reason: str | None = None,
    extractor: AnswerExtractor | None = None,
) -> ParsedAnswer:
    """Map a raw model output to the binary label, reasoning apart.

    Parameters
    ----------
    text : str or None
        The model's raw output (``None`` for a failed request).
    finish_reason : str, optional
        The server's finish reason; ``"length"`` with no verdict counts as a truncation.
    extractor : AnswerExtractor, optional
        The rules to apply (default :data:`DEFAULT_RULES`).

    Returns
    -------
    ParsedAnswer

    Examples
    --------
    >>> extract_answer("<think>is it yes? no wait</think>The answer is: \\\\boxed{Yes}")
    ParsedAnswer(label=1, verdict='yes')
    >>> extract_answer("Step 1: ... Therefore, **no**.").verdict
    'no'
    >>> extract_answer("<think>First, the skeleton").truncated
    True
    """
    return (extractor or _DEFAULT)(text, finish_reason=finish_reason)


def normalize_answer(text: str | None) -> ParsedAnswer:
    """Map a raw model answer to the binary label with the default rules.

    Parameters
    ----------
    text : str or None
        The model's raw output (``None`` for a failed request).

    Returns
    -------
    ParsedAnswer

    Examples
    --------
    >>> normalize_answer("Yes.")
    ParsedAnswer(label=1, verdict='yes')
    >>> normalize_answer("Not necessarily true.")
    ParsedAnswer(label=0, verdict='no')
    >>> normalize_answer("**Answer:** It must be true")
    ParsedAnswer(label=1, verdict='yes')
    >>> normalize_answer("Let me think... so the answer is no.")
    ParsedAnswer(label=0, verdict='no')
    >>> normalize_answer("I am not sure")
    ParsedAnswer(label=0, verdict=None)
    """
    return _DEFAULT(text)
