"""Read Corr2Cause premises and hypotheses back into causal facts.

A premise (SPEC section 4) is a frame sentence that declares ``N`` variables and their names,
followed by one sentence per fact:

- ``X correlates with Y.``: ``X`` and ``Y`` are marginally dependent;
- ``X is independent of Y.``: ``X`` and ``Y`` are d-separated by the empty set;
- ``X and Y are independent given Z1, Z2 and Z3.``: ``X`` and ``Y`` are d-separated by
  ``{Z1, Z2, Z3}``.

The first independence is introduced by ``However,``. The parser reads the facts into node
indices (positions in the declared name list) and bitmasks, and is deliberately tolerant of
what does not change the meaning: sentence order, repeated sentences, runs of whitespace,
letter case of the fixed words, and where ``However,`` stands. It accepts any variable names
made of word characters (``A``, ``Z``, ``X1``, ``smoking``, ``blood_pressure``; hyphens and
apostrophes inside a name are allowed too) and any ``N``.

Names may have several words (``blood pressure``, ``type 2 diabetes``), written without quotes,
as the themed variants and the stories write them
(:func:`~corr2cause.dataset.templates.name_problem` states the rule the generator keeps: no word
of a multi-word name is a word of the fixed text). The frame declares the names, split at
``", "`` and the last ``" and "``; the statements and hypotheses are then read against the
declared names, longest first, so ``"blood pressure correlates with heart rate"`` has exactly
one reading. Names are matched with their exact letter case.

A hypothesis (SPEC section 5) is one sentence in one of nine wordings: the six original
templates, their swap forms, and the paraphrased templates. It is read into a relation id of
:data:`~corr2cause.causal.RELATIONS` on an ordered pair ``(x, y)`` with ``x`` before ``y`` in the
premise's name list, exactly as the generator writes items: ``"B directly causes A."`` is
``child`` of ``(A, B)``, not ``parent`` of ``(B, A)``.

Anything else raises :class:`~corr2cause.solver.errors.ParseError` with a message that quotes
the sentence it could not read; no other exception escapes these functions.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from types import MappingProxyType

from corr2cause.causal.d_separation import Statement
from corr2cause.dataset.readers import split_input as dataset_split_input
from corr2cause.dataset.templates import (
    CONDITIONAL_INDEPENDENCE_TEMPLATE,
    CORRELATION_TEMPLATE,
    MARGINAL_INDEPENDENCE_TEMPLATE,
    VARIABLE_NAME_PATTERN,
    join_names,
)
from corr2cause.errors import quote
from corr2cause.solver.errors import ParseError

NAME_PATTERN = r"\w+(?:['\-]\w+)*"
"""A one-word variable name: word characters, with inner hyphens or apostrophes (``X1``)."""

_NAME = re.compile(VARIABLE_NAME_PATTERN + r"\Z")
_FLAGS = re.IGNORECASE | re.DOTALL
_PREMISE = re.compile(
    r"(?:premise:\s*)?suppose there is a closed system of (?P<n>\d{1,9}) variables?,\s*"
    r"(?P<names>[^.]*?)\s*\.\s*all the statistical relations among these (?P<n2>\d{1,9}) "
    r"variables? are as follows:\s*(?P<body>.*)",
    _FLAGS,
)
_HOWEVER = re.compile(r"however\s*,\s*", re.IGNORECASE)
_SENTENCE_END = re.compile(r"(?<=\.)\s+")
_LAST_AND = re.compile(r"(?P<head>.*) and (?P<last>.*)", _FLAGS)
"""A name list cut at its last ``" and "`` (the fixed word in any case, as everywhere)."""


def _statement_patterns(name: str) -> tuple[re.Pattern[str], re.Pattern[str], re.Pattern[str]]:
    """Correlation, marginal and conditional independence sentences with names ``name``."""
    return (
        re.compile(rf"(?P<x>{name}) correlates with (?P<y>{name})", _FLAGS),
        re.compile(rf"(?P<x>{name}) is independent of (?P<y>{name})", _FLAGS),
        re.compile(rf"(?P<x>{name}) and (?P<y>{name}) are independent given (?P<z>.+)", _FLAGS),
    )


def _hypothesis_wordings(name: str) -> tuple[tuple[re.Pattern[str], str, str | None, bool], ...]:
    """(pattern, kind, official template id of the wording or None, is a paraphrase)."""
    _A, _B = rf"(?P<a>{name})", rf"(?P<b>{name})"
    return tuple(
        (re.compile(pattern, _FLAGS), kind, template, paraphrase)
        for pattern, kind, template, paraphrase in (
            (rf"{_A} directly causes {_B}", "direct", None, False),
            (
                rf"{_A} causes something else which causes {_B}",
                "indirect",
                "non-parent ancestor",
                False,
            ),
            (
                rf"{_A} is a cause for {_B}, but not a direct one",
                "indirect",
                "non-child descendant",
                False,
            ),
            (
                rf"there exists at least one collider \(i\.e\., common effect\) of {_A} and {_B}",
                "collider",
                None,
                False,
            ),
            (
                rf"there exists at least one confounder \(i\.e\., common cause\) of {_A} and {_B}",
                "confounder",
                None,
                False,
            ),
            (rf"{_A} directly affects {_B}", "direct", None, True),
            (rf"{_A} influences {_B} through some mediator\(s\)", "indirect", None, True),
            (rf"{_A} and {_B} together cause some other variable\(s\)", "collider", None, True),
            (rf"some variable\(s\) cause\(s\) both {_A} and {_B}", "confounder", None, True),
        )
    )


@dataclass(frozen=True)
class _Patterns:
    statements: tuple[re.Pattern[str], re.Pattern[str], re.Pattern[str]]
    hypotheses: tuple[tuple[re.Pattern[str], str, str | None, bool], ...]


_ONE_WORD = _Patterns(_statement_patterns(NAME_PATTERN), _hypothesis_wordings(NAME_PATTERN))
"""Patterns for one-word names: the names are read first and looked up afterwards."""

_ANY_WORDS = _Patterns(
    _statement_patterns(VARIABLE_NAME_PATTERN), _hypothesis_wordings(VARIABLE_NAME_PATTERN)
)
"""Fallback for premises with multi-word names: finds the undeclared name of a sentence that
the declared names cannot read, for the error message."""


@lru_cache(maxsize=1024)
def _patterns_for(names: tuple[str, ...]) -> _Patterns:
    """The sentence patterns for a premise's declared names.

    One-word names share :data:`_ONE_WORD` (any word is read, then looked up, so an unknown
    name gets a precise message). When a name has several words, the name slots match only
    the declared names, longest first and case-sensitively, so that the fixed words around a
    name can never be taken for part of it.
    """
    if all(" " not in name for name in names):
        return _ONE_WORD
    declared = "|".join(re.escape(name) for name in sorted(names, key=len, reverse=True))
    slot = rf"(?-i:{declared})"
    return _Patterns(_statement_patterns(slot), _hypothesis_wordings(slot))


_KIND_RELATIONS: Mapping[str, tuple[str, str]] = MappingProxyType(
    {
        # kind -> (relation when the first-named variable comes first, when it comes second)
        "direct": ("parent", "child"),
        "indirect": ("non-parent ancestor", "non-child descendant"),
        "collider": ("has_collider", "has_collider"),
        "confounder": ("has_confounder", "has_confounder"),
    }
)

Fact = tuple[int, int] | Statement
"""A correlation ``(i, j)`` or an independence ``(i, j, z_mask)``, always with ``i < j``."""


def _clean(text: str) -> str:
    """Collapse runs of whitespace and strip."""
    return " ".join(text.split())


@dataclass(frozen=True)
class ParsedPremise:
    """The facts of a premise, in node indices.

    Attributes
    ----------
    n : int
        Number of variables.
    names : tuple of str
        Variable names; node ``i`` is ``names[i]``.
    correlations : frozenset of (i, j)
        Pairs stated to correlate, ``i < j``.
    independencies : frozenset of (i, j, z_mask)
        Stated d-separation statements, ``i < j``.
    sentences : mapping
        Fact -> the sentence that states it, as written (first occurrence); used in messages.
    """

    n: int
    names: tuple[str, ...]
    correlations: frozenset[tuple[int, int]]
    independencies: frozenset[Statement]
    sentences: Mapping[Fact, str] = field(default_factory=dict, compare=False, repr=False)

    @property
    def key(self) -> tuple[tuple[str, ...], frozenset[tuple[int, int]], frozenset[Statement]]:
        """Hashable content of the premise: equal for texts that state the same facts."""
        return (self.names, self.correlations, self.independencies)

    def sentence(self, fact: Fact) -> str:
        """The sentence for ``fact``: as written in the premise, or in the canonical wording."""
        written = self.sentences.get(fact)
        return written if written is not None else render_fact(fact, self.names)


@dataclass(frozen=True)
class ParsedHypothesis:
    """A hypothesis read into a relation on an ordered pair.

    Attributes
    ----------
    relation : str
        Relation id of :data:`~corr2cause.causal.RELATIONS`.
    x, y : int
        The pair's node indices, ``x < y``.
    template : str
        The official ``template`` column value for this wording (SPEC section 5: the original
        wordings "causes something else which causes" and "is a cause for ..., but not a direct
        one" are tagged by wording, not by relation).
    paraphrase : bool
        Whether the sentence uses the paraphrased templates.
    text : str
        The sentence as read (whitespace collapsed).
    """

    relation: str
    x: int
    y: int
    template: str
    paraphrase: bool
    text: str


def render_fact(fact: Fact, names: Sequence[str]) -> str:
    """Write one fact in the benchmark's wording.

    Examples
    --------
    >>> render_fact((0, 2, 0b10), ["A", "B", "C"])
    'A and C are independent given B.'
    """
    if len(fact) == 2:
        i, j = fact
        return CORRELATION_TEMPLATE.format(x=names[i], y=names[j])
    i, j, z = fact
    if not z:
        return MARGINAL_INDEPENDENCE_TEMPLATE.format(x=names[i], y=names[j])
    given = join_names([names[v] for v in range(len(names)) if z >> v & 1])
    return CONDITIONAL_INDEPENDENCE_TEMPLATE.format(x=names[i], y=names[j], z=given)


def _split_name_list(text: str) -> list[str]:
    """``"A, B and C"`` -> ``["A", "B", "C"]`` (an Oxford comma is tolerated)."""
    m = _LAST_AND.fullmatch(text)
    if m is None:
        return [text.strip()]
    parts = [p.strip() for p in m["head"].rstrip().rstrip(",").split(",")]
    return [*parts, m["last"].strip()]


def _first_sentence(text: str) -> str:
    cleaned = _clean(text)
    end = cleaned.find(". ")
    return cleaned if end < 0 else cleaned[: end + 1]


def parse_premise(text: str) -> ParsedPremise:
    """Read a premise into its facts.

    Parameters
    ----------
    text : str
        The premise, with or without a leading ``"Premise:"``.

    Returns
    -------
    ParsedPremise

    Raises
    ------
    ParseError
        If the frame sentence, a name, or a statement cannot be read; the message quotes the
        sentence.

    Examples
    --------
    >>> p = parse_premise(
    ...     "Suppose there is a closed system of 3 variables, A, B and C. All the statistical "
    ...     "relations among these 3 variables are as follows: A correlates with C. "
    ...     "B correlates with C. However, A is independent of B."
    ... )
    >>> p.names, sorted(p.correlations), sorted(p.independencies)
    (('A', 'B', 'C'), [(0, 2), (1, 2)], [(0, 1, 0)])
    """
    if not isinstance(text, str):
        raise ParseError(f"a premise must be a string, not {type(text).__name__}")
    stripped = text.strip()
    m = _PREMISE.fullmatch(stripped)
    if m is None:
        first = _first_sentence(text)
        raise ParseError(
            f"cannot read the premise frame {quote(first)}: expected 'Suppose there is a closed "
            "system of N variables, A, B and C. All the statistical relations among these N "
            "variables are as follows: ...'",
            sentence=first,
        )
    frame = _clean(stripped[: m.start("body")])  # offsets of the stripped text
    n, n2 = int(m["n"]), int(m["n2"])
    if n != n2:
        raise ParseError(
            f"the premise frame {quote(frame)} gives two different numbers of variables",
            sentence=frame,
        )
    names = _split_name_list(_clean(m["names"]))
    if len(names) != n:
        raise ParseError(
            f"the premise frame {quote(frame)} declares {n} variables but names {len(names)}",
            sentence=frame,
        )
    for name in names:
        if not _NAME.match(name):
            raise ParseError(
                f"cannot read the variable name {quote(name)} in {quote(frame)}", sentence=frame
            )
    if len(set(names)) != n:
        dup = next(x for x in names if names.count(x) > 1)
        raise ParseError(
            f"the variable {quote(dup)} is named twice in {quote(frame)}", sentence=frame
        )
    index = {name: i for i, name in enumerate(names)}
    patterns = _patterns_for(tuple(names))
    correlations: set[tuple[int, int]] = set()
    independencies: set[Statement] = set()
    sentences: dict[Fact, str] = {}
    body = m["body"].strip()
    for raw in _SENTENCE_END.split(body) if body else []:
        sentence = _clean(raw)
        fact = _read_statement(sentence, index, patterns)
        sentences.setdefault(fact, sentence)
        if len(fact) == 2:
            correlations.add(fact)
        else:
            independencies.add(fact)
    return ParsedPremise(
        n=n,
        names=tuple(names),
        correlations=frozenset(correlations),
        independencies=frozenset(independencies),
        sentences=MappingProxyType(sentences),
    )


def _lookup(name: str, index: Mapping[str, int], sentence: str) -> int:
    try:
        return index[name]
    except KeyError:
        declared = ", ".join(index)
        raise ParseError(
            f"unknown variable {quote(name)} in the sentence {quote(sentence)} "
            f"(declared: {declared})",
            sentence=sentence,
        ) from None


def _ordered_pair(x: str, y: str, index: Mapping[str, int], sentence: str) -> tuple[int, int]:
    i, j = _lookup(x, index, sentence), _lookup(y, index, sentence)
    if i == j:
        raise ParseError(
            f"the sentence {quote(sentence)} relates {quote(x)} to itself", sentence=sentence
        )
    return (i, j) if i < j else (j, i)


def _read_statement(sentence: str, index: Mapping[str, int], patterns: _Patterns) -> Fact:
    """One premise sentence -> a correlation ``(i, j)`` or a statement ``(i, j, z)``."""
    however = _HOWEVER.match(sentence)
    core = sentence[however.end() :] if however else sentence
    core = core[:-1].rstrip() if core.endswith(".") else core
    for candidates in (patterns, _ANY_WORDS) if patterns is not _ONE_WORD else (patterns,):
        # Declared names first; the fallback then names an undeclared variable.
        fact = _match_statement(core, sentence, index, candidates)
        if fact is not None:
            return fact
    raise ParseError(
        f"cannot read the sentence {quote(sentence)}: expected 'X correlates with Y.', "
        "'X is independent of Y.' or 'X and Y are independent given Z.'",
        sentence=sentence,
    )


def _match_statement(
    core: str, sentence: str, index: Mapping[str, int], patterns: _Patterns
) -> Fact | None:
    correlation, marginal, conditional = patterns.statements
    m = correlation.fullmatch(core)
    if m is not None:
        return _ordered_pair(m["x"], m["y"], index, sentence)
    m = marginal.fullmatch(core)
    if m is not None:
        return (*_ordered_pair(m["x"], m["y"], index, sentence), 0)
    m = conditional.fullmatch(core)
    if m is not None:
        i, j = _ordered_pair(m["x"], m["y"], index, sentence)
        z = 0
        for name in _split_name_list(m["z"]):
            if not _NAME.match(name):
                raise ParseError(
                    f"cannot read the variable name {quote(name)} in the sentence "
                    f"{quote(sentence)}",
                    sentence=sentence,
                )
            v = _lookup(name, index, sentence)
            if v in (i, j):
                raise ParseError(
                    f"the sentence {quote(sentence)} conditions on one of its own pair",
                    sentence=sentence,
                )
            if z >> v & 1:
                raise ParseError(
                    f"the sentence {quote(sentence)} names {quote(name)} twice in its "
                    "conditioning set",
                    sentence=sentence,
                )
            z |= 1 << v
        return (i, j, z)
    return None


def parse_hypothesis(text: str, names: Sequence[str]) -> ParsedHypothesis:
    """Read a hypothesis about the variables ``names``.

    Parameters
    ----------
    text : str
        The hypothesis, with or without a leading ``"Hypothesis:"`` and the final period.
    names : sequence of str
        The premise's variable names, in node order.

    Returns
    -------
    ParsedHypothesis

    Raises
    ------
    ParseError
        If the sentence follows none of the wordings, or names unknown or equal variables.

    Examples
    --------
    >>> h = parse_hypothesis("C causes something else which causes A.", ["A", "B", "C"])
    >>> h.relation, h.x, h.y, h.template
    ('non-child descendant', 0, 2, 'non-parent ancestor')
    """
    if not isinstance(text, str):
        raise ParseError(f"a hypothesis must be a string, not {type(text).__name__}")
    sentence = _clean(text)
    core = sentence
    if core[:11].lower() == "hypothesis:":
        core = core[11:].lstrip()
    core = core[:-1].rstrip() if core.endswith(".") else core
    index = {name: i for i, name in enumerate(names)}
    declared = _patterns_for(tuple(names))
    wordings = declared.hypotheses
    if declared is not _ONE_WORD:
        wordings += _ANY_WORDS.hypotheses  # then an undeclared name gets a precise message
    for pattern, kind, template, paraphrase in wordings:
        m = pattern.fullmatch(core)
        if m is None:
            continue
        a, b = _lookup(m["a"], index, sentence), _lookup(m["b"], index, sentence)
        if a == b:
            raise ParseError(
                f"the hypothesis {quote(sentence)} relates {quote(m['a'])} to itself",
                sentence=sentence,
            )
        forward, backward = _KIND_RELATIONS[kind]
        relation = forward if a < b else backward
        return ParsedHypothesis(
            relation=relation,
            x=min(a, b),
            y=max(a, b),
            template=template if template is not None else relation,
            paraphrase=paraphrase,
            text=sentence,
        )
    raise ParseError(
        f"cannot read the hypothesis {quote(sentence)}: it follows none of the Corr2Cause wordings "
        "(original templates, swap forms or paraphrases)",
        sentence=sentence,
    )


def split_input(text: str) -> tuple[str, str]:
    """Split the official ``input`` field ``"Premise: ...\\nHypothesis: ..."``.

    The rule is :func:`corr2cause.dataset.readers.split_input` (the last ``Hypothesis:``
    line); this wrapper reports a missing hypothesis as a :class:`ParseError`.

    Returns
    -------
    premise, hypothesis : str
        Without their ``Premise:`` / ``Hypothesis:`` labels.

    Raises
    ------
    ParseError
        If there is no ``Hypothesis:`` part.
    """
    if not isinstance(text, str):
        raise ParseError(f"an input must be a string, not {type(text).__name__}")
    try:
        return dataset_split_input(text)
    except ValueError:
        first = _first_sentence(text)
        raise ParseError(
            f"the input starting {first[:80]!r} has no 'Hypothesis:' part", sentence=first
        ) from None
