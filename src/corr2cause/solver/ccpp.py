"""Corr2Cause++: read, write, solve and audit its JSON files, and score its edge predictions.

Corr2Cause++ (M. Englberger, github ``MarkusEnglberger/Corr2Cause_PP``) restates Corr2Cause
for training reasoning models. An item is one JSON object

.. code-block:: json

    {"query": "Premise:\\nSuppose there is a closed system of 3 variables, X, Z, and Y, whose
      causal structure forms a directed acyclic graph and satisfies faithfulness. All the
      conditional independence relations are: Z indep Y | X.\\n\\nHypothesis: ...",
     "label": 0, "relation_type": "confounder", "forced_edges": [["X", "Y"]],
     "num_edges": 1, "dataset": "c2cpSplit1"}

and a file is a JSON list of them. Three things differ from Corr2Cause:

* the premise lists only the conditional independencies, as ``X indep Y | Z, W`` joined by
  ``"; "`` (a pair with none is adjacent; correlations are implied: every pair not marginally
  independent correlates). An empty list (``"...relations are: ."``) is a complete graph;
* the hypotheses use their own wordings, ``X directly affects Y.``, ``X is directly affected by
  Y.``, ``X influences Y through some mediator(s) but not directly.``, ``There exists at least
  one collider (i.e., a common child) of X and Y.`` and ``... confounder (i.e., a common
  parent) ...``, which read literally mean the **textbook** relations of
  :mod:`corr2cause.solver.semantics`; :func:`solve_query` detects this from the wording
  (override with ``semantics=``);
* ``forced_edges`` are the compelled (directed) edges of the class's CPDAG, the target of its
  *edge-prediction* task, scored here by :func:`score_edges` (precision / recall / F1 of
  directed edges against the exact CPDAG).

The public interface: :func:`parse_ccpp_query`, :func:`parse_ccpp_premise`,
:func:`parse_ccpp_hypothesis`, :func:`read_ccpp`, :func:`write_ccpp`, :func:`render_ccpp_query`,
:func:`solve_query`, :func:`audit_ccpp`, :func:`parse_predicted_edges`, :func:`score_edges`.
The reader never copies any Corr2Cause++ data: it reads a file a user points it at.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

from corr2cause.atomic import atomic_write_text
from corr2cause.causal.d_separation import Statement
from corr2cause.causal.relations import RELATIONS, textbook_pair_vector
from corr2cause.errors import Corr2CauseError, quote
from corr2cause.graphs.dag import Parents, pairs
from corr2cause.solver.errors import ParseError, SolverError
from corr2cause.solver.parse import (
    NAME_PATTERN,
    Fact,
    ParsedHypothesis,
    ParsedPremise,
    parse_hypothesis,
)
from corr2cause.solver.reconstruct import Reconstruction, reconstruct
from corr2cause.solver.semantics import Decision, check_semantics, decide, detect_semantics

__all__ = [
    "CCPP_RELATION_TYPES",
    "CcppAudit",
    "CcppFormatError",
    "CcppItem",
    "CcppSolution",
    "EdgeScore",
    "audit_ccpp",
    "ccpp_hypothesis",
    "parse_ccpp_hypothesis",
    "parse_ccpp_premise",
    "parse_ccpp_query",
    "parse_predicted_edges",
    "read_ccpp",
    "render_ccpp_query",
    "score_edges",
    "solve_query",
    "write_ccpp",
]

CCPP_RELATION_TYPES: Mapping[str, str] = MappingProxyType(
    {
        "parent": "parent",
        "ancestor": "non-parent ancestor",
        "child": "child",
        "descendant": "non-child descendant",
        "collider": "has_collider",
        "confounder": "has_confounder",
    }
)
"""Corr2Cause++ ``relation_type`` -> relation id of :data:`~corr2cause.causal.RELATIONS`."""

_RELATION_TYPE_OF = {v: k for k, v in CCPP_RELATION_TYPES.items()}
# The sentence tells direct / indirect / collider / confounder apart, and the direction of a
# direct edge, but an "ancestor" and a "descendant" item are both worded "P influences Q ...".
_KIND = {
    "parent": "direct",
    "child": "direct",
    "non-parent ancestor": "indirect",
    "non-child descendant": "indirect",
    "has_collider": "collider",
    "has_confounder": "confounder",
}

_FLAGS = re.IGNORECASE | re.DOTALL
_PREMISE = re.compile(
    r"(?:premise:\s*)?suppose there is a closed system of (?P<n>\d{1,9}) variables?,\s*"
    r"(?P<names>[^.]*?),?\s*whose causal structure forms a directed acyclic graph and satisfies "
    r"faithfulness\s*\.\s*all the conditional independence relations are\s*:\s*(?P<body>.*)",
    _FLAGS,
)
_STATEMENT = re.compile(
    rf"(?P<x>{NAME_PATTERN})\s+indep\s+(?P<y>{NAME_PATTERN})(?:\s*\|\s*(?P<z>.*))?", _FLAGS
)
_A, _B = rf"(?P<a>{NAME_PATTERN})", rf"(?P<b>{NAME_PATTERN})"
_WORDINGS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(p, _FLAGS), kind)
    for p, kind in (
        (rf"{_A} directly affects {_B}", "a->b"),
        (rf"{_A} is directly affected by {_B}", "b->a"),
        (rf"{_A} influences {_B} through some mediator\(s\) but not directly", "a~>b"),
        (
            rf"there exists at least one collider \(i\.e\., a common child\) of {_A} and {_B}",
            "collider",
        ),
        (
            rf"there exists at least one confounder \(i\.e\., a common parent\) of {_A} and {_B}",
            "confounder",
        ),
    )
)
_HYPOTHESIS_TEMPLATES: Mapping[str, str] = MappingProxyType(
    {
        # relation of (x, y) -> Corr2Cause++ sentence (their create_c2cp.py templates)
        "parent": "{x} directly affects {y}.",
        "child": "{x} is directly affected by {y}.",
        "non-parent ancestor": "{x} influences {y} through some mediator(s) but not directly.",
        "non-child descendant": "{y} influences {x} through some mediator(s) but not directly.",
        "has_collider": "There exists at least one collider (i.e., a common child) of {x} and {y}.",
        "has_confounder": (
            "There exists at least one confounder (i.e., a common parent) of {x} and {y}."
        ),
    }
)


class CcppFormatError(Corr2CauseError):
    """A Corr2Cause++ file or item that cannot be read; the message names the file and item."""


def _clean(text: str) -> str:
    return " ".join(text.split())


def _names(text: str) -> list[str]:
    """``"X, Z, and Y"`` / ``"X and Y"`` -> names."""
    parts = re.split(r"\s*,\s*(?:and\s+)?|\s+and\s+", _clean(text).strip(" ,"))
    return [p for p in parts if p]


# -- premises and hypotheses ------------------------------------------------------------------


def parse_ccpp_premise(text: str) -> ParsedPremise:
    """Read a Corr2Cause++ premise into the solver's facts.

    Parameters
    ----------
    text : str
        The premise, with or without ``"Premise:"``.

    Returns
    -------
    ParsedPremise
        Independencies as stated; correlations for every pair with no marginal independence.

    Raises
    ------
    ParseError
        Quoting the frame or statement it cannot read.

    Examples
    --------
    >>> p = parse_ccpp_premise(
    ...     "Suppose there is a closed system of 3 variables, X, Z, and Y, whose causal structure "
    ...     "forms a directed acyclic graph and satisfies faithfulness. All the conditional "
    ...     "independence relations are: Z indep Y | X."
    ... )
    >>> p.names, sorted(p.independencies), sorted(p.correlations)
    (('X', 'Z', 'Y'), [(1, 2, 1)], [(0, 1), (0, 2), (1, 2)])
    """
    if not isinstance(text, str):
        raise ParseError(f"a premise must be a string, not {type(text).__name__}")
    m = _PREMISE.fullmatch(text.strip())
    if m is None:
        raise ParseError(
            f"cannot read the Corr2Cause++ premise {quote(_clean(text)[:200])}: expected "
            "'Suppose there is a closed system of N variables, X, Y, and Z, whose causal "
            "structure forms a directed acyclic graph and satisfies faithfulness. All the "
            "conditional independence relations are: X indep Y | Z; ...'",
            sentence=_clean(text)[:200],
        )
    n = int(m["n"])
    names = _names(m["names"])
    frame = _clean(text[: m.start("body")])
    if len(names) != n or len(set(names)) != n:
        raise ParseError(
            f"the premise frame {quote(frame)} declares {n} variables but names "
            f"{len(set(names))} distinct ones",
            sentence=frame,
        )
    index = {name: i for i, name in enumerate(names)}
    body = _clean(m["body"]).rstrip(".").strip()
    independencies: set[Statement] = set()
    sentences: dict[Fact, str] = {}
    for raw in body.split(";") if body else []:
        statement = raw.strip()
        fact = _read_statement(statement, index)
        independencies.add(fact)
        sentences.setdefault(fact, statement)
    correlations = frozenset((i, j) for i, j in pairs(n) if (i, j, 0) not in independencies)
    return ParsedPremise(
        n=n,
        names=tuple(names),
        correlations=correlations,
        independencies=frozenset(independencies),
        sentences=MappingProxyType(sentences),
    )


def _read_statement(statement: str, index: Mapping[str, int]) -> Statement:
    m = _STATEMENT.fullmatch(statement)
    if m is None:
        raise ParseError(
            f"cannot read the statement {quote(statement)}: expected 'X indep Y' or "
            "'X indep Y | Z, W'",
            sentence=statement,
        )

    def look(name: str) -> int:
        if name not in index:
            raise ParseError(
                f"unknown variable {quote(name)} in {quote(statement)} "
                f"(declared: {', '.join(index)})",
                sentence=statement,
            )
        return index[name]

    i, j = look(m["x"]), look(m["y"])
    if i == j:
        raise ParseError(f"the statement {quote(statement)} relates a variable to itself")
    z = 0
    for name in (s.strip() for s in (m["z"] or "").split(",")):
        if not name:
            continue
        v = look(name)
        if v in (i, j) or z >> v & 1:
            raise ParseError(
                f"the statement {quote(statement)} conditions on {quote(name)} twice or on its "
                "own pair",
                sentence=statement,
            )
        z |= 1 << v
    return (min(i, j), max(i, j), z)


def parse_ccpp_hypothesis(text: str, names: Sequence[str]) -> ParsedHypothesis:
    """Read a Corr2Cause++ hypothesis (or any Corr2Cause wording) into a relation on a pair.

    Examples
    --------
    >>> h = parse_ccpp_hypothesis("Y is directly affected by X.", ["X", "Z", "Y"])
    >>> h.relation, h.x, h.y
    ('parent', 0, 2)
    """
    sentence = _clean(text)
    core = sentence[11:].lstrip() if sentence[:11].lower() == "hypothesis:" else sentence
    core = core[:-1].rstrip() if core.endswith(".") else core
    index = {name: i for i, name in enumerate(names)}
    for pattern, kind in _WORDINGS:
        m = pattern.fullmatch(core)
        if m is None:
            continue
        if m["a"] not in index or m["b"] not in index or m["a"] == m["b"]:
            raise ParseError(
                f"the hypothesis {quote(sentence)} names an unknown variable or one variable "
                f"twice (declared: {', '.join(names)})",
                sentence=sentence,
            )
        a, b = index[m["a"]], index[m["b"]]
        if kind in ("collider", "confounder"):
            relation = "has_" + kind
        else:
            src, dst = (a, b) if kind != "b->a" else (b, a)
            direct = kind != "a~>b"
            forward = src < dst
            relation = (
                ("parent" if forward else "child")
                if direct
                else ("non-parent ancestor" if forward else "non-child descendant")
            )
        return ParsedHypothesis(
            relation=relation,
            x=min(a, b),
            y=max(a, b),
            template=relation,
            paraphrase=False,
            text=sentence,
        )
    return parse_hypothesis(text, names)


def parse_ccpp_query(query: str) -> tuple[ParsedPremise, ParsedHypothesis]:
    """Split and read a ``query`` field: ``"Premise:\\n...\\n\\nHypothesis: ..."``.

    Raises
    ------
    ParseError
        If there is no ``Hypothesis:`` part, or either part cannot be read.
    """
    if not isinstance(query, str):
        raise ParseError(f"a query must be a string, not {type(query).__name__}")
    premise, sep, hypothesis = query.rpartition("Hypothesis:")
    if not sep:
        raise ParseError(f"the query {quote(query[:120])} has no 'Hypothesis:' part")
    parsed = parse_ccpp_premise(premise)
    return parsed, parse_ccpp_hypothesis(hypothesis, parsed.names)


def ccpp_hypothesis(relation: str, x: str, y: str) -> str:
    """The Corr2Cause++ sentence for ``relation(x, y)`` (their ``create_c2cp.py`` wordings).

    Examples
    --------
    >>> ccpp_hypothesis("non-child descendant", "A", "B")
    'B influences A through some mediator(s) but not directly.'
    """
    return _HYPOTHESIS_TEMPLATES[relation].format(x=x, y=y)


def render_ccpp_query(premise: ParsedPremise, hypothesis: str) -> str:
    """A ``query`` in the Corr2Cause++ layout: statements by pair, then by conditioning size.

    Examples
    --------
    >>> p = parse_ccpp_premise(
    ...     "Suppose there is a closed system of 3 variables, A, B, and C, whose causal structure "
    ...     "forms a directed acyclic graph and satisfies faithfulness. All the conditional "
    ...     "independence relations are: A indep C | B."
    ... )
    >>> q = render_ccpp_query(p, "A directly affects B.")
    >>> q.startswith("Premise:\\nSuppose"), q.split(" are: ")[1]
    (True, 'A indep C | B.\\n\\nHypothesis: A directly affects B.')
    """
    names = premise.names
    n = premise.n
    listed = (
        names[0]
        if n == 1
        else (
            f"{names[0]} and {names[1]}" if n == 2 else ", ".join(names[:-1]) + ", and " + names[-1]
        )
    )
    stmts = []
    order = sorted(premise.independencies, key=lambda s: (s[0], s[1], s[2].bit_count(), s[2]))
    for i, j, z in order:
        given = ", ".join(names[v] for v in range(n) if z >> v & 1)
        stmts.append(f"{names[i]} indep {names[j]}" + (f" | {given}" if given else ""))
    return (
        f"Premise:\nSuppose there is a closed system of {n} variables, {listed}, whose causal "
        "structure forms a directed acyclic graph and satisfies faithfulness. All the "
        f"conditional independence relations are: {'; '.join(stmts)}.\n\nHypothesis: {hypothesis}"
    )


# -- files --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CcppItem:
    """One Corr2Cause++ item.

    Attributes
    ----------
    query : str
    label : int
    relation_type : str
        One of :data:`CCPP_RELATION_TYPES` (kept as read).
    forced_edges : tuple of (str, str)
    extra : mapping
        Other fields (``num_edges``, ``dataset``), written back unchanged.
    """

    query: str
    label: int
    relation_type: str
    forced_edges: tuple[tuple[str, str], ...]
    extra: Mapping[str, Any] = field(default_factory=dict, compare=False)

    def to_dict(self) -> dict[str, Any]:
        """The JSON object, in Corr2Cause++'s field order."""
        out: dict[str, Any] = {
            "label": self.label,
            "relation_type": self.relation_type,
            "forced_edges": [list(e) for e in self.forced_edges],
            "query": self.query,
        }
        out.update(self.extra)
        return out


def _item(obj: object, where: str) -> CcppItem:
    if not isinstance(obj, dict):
        raise CcppFormatError(f"{where}: expected a JSON object, got {type(obj).__name__}")
    missing = [k for k in ("query", "label") if k not in obj]
    if missing:
        raise CcppFormatError(f"{where}: missing field(s) {', '.join(missing)}")
    query, label = obj["query"], obj["label"]
    if not isinstance(query, str) or label not in (0, 1) or isinstance(label, bool):
        raise CcppFormatError(f"{where}: 'query' must be a string and 'label' 0 or 1")
    edges_raw = obj.get("forced_edges", [])
    if not isinstance(edges_raw, list) or not all(
        isinstance(e, list | tuple) and len(e) == 2 and all(isinstance(v, str) for v in e)
        for e in edges_raw
    ):
        raise CcppFormatError(f"{where}: 'forced_edges' must be a list of [from, to] names")
    extra = {
        k: v for k, v in obj.items() if k not in ("query", "label", "relation_type", "forced_edges")
    }
    return CcppItem(
        query=query,
        label=int(label),
        relation_type=str(obj.get("relation_type", "")),
        forced_edges=tuple((str(a), str(b)) for a, b in edges_raw),
        extra=MappingProxyType(extra),
    )


def read_ccpp(path: str | Path) -> list[CcppItem]:
    """Read a Corr2Cause++ file: a JSON list of items, or JSON Lines.

    Raises
    ------
    CcppFormatError
        Naming the file and the item (index or line) at fault.
    """
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise CcppFormatError(f"cannot read {p}: {exc}") from None
    stripped = text.lstrip()
    if stripped.startswith("["):
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise CcppFormatError(f"{p}: not valid JSON ({exc})") from None
        return [_item(obj, f"{p} item {k}") for k, obj in enumerate(data)]
    items = []
    for lineno, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            raise CcppFormatError(f"{p} line {lineno}: not valid JSON ({exc})") from None
        items.append(_item(obj, f"{p} line {lineno}"))
    return items


def write_ccpp(items: Iterable[CcppItem], path: str | Path, *, overwrite: bool = False) -> Path:
    """Write items as a Corr2Cause++ JSON list (atomically; refuses to overwrite by default)."""
    p = Path(path)
    if p.exists() and not overwrite:
        raise CcppFormatError(f"{p} exists; pass overwrite=True to replace it")
    body = ",\n".join(json.dumps(it.to_dict(), ensure_ascii=False) for it in items)
    atomic_write_text(p, f"[\n{body}\n]\n" if body else "[]\n")
    return p


# -- solving ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class CcppSolution:
    """The exact answer to one Corr2Cause++ query.

    Attributes
    ----------
    label : int
    label3 : str
    semantics : str
        The reading used (detected from the wording unless overridden).
    relation : str
        Relation id; ``relation_type`` is its Corr2Cause++ name.
    x, y : str
    decision : Decision
    compelled_edges : tuple of (str, str)
        The exact CPDAG's directed edges, sorted by name.
    reconstruction : Reconstruction
    """

    label: int
    label3: str
    semantics: str
    relation: str
    x: str
    y: str
    decision: Decision
    compelled_edges: tuple[tuple[str, str], ...]
    reconstruction: Reconstruction = field(repr=False, compare=False)

    @property
    def relation_type(self) -> str:
        """The Corr2Cause++ ``relation_type`` name of :attr:`relation`."""
        return _RELATION_TYPE_OF[self.relation]


def compelled_edges(rec: Reconstruction) -> tuple[tuple[str, str], ...]:
    """The directed edges of the exact CPDAG, as sorted name pairs."""
    names = rec.names
    return tuple(sorted((names[u], names[v]) for u, v in rec.cpdag.directed_edges()))


def solve_query(
    query: str,
    *,
    semantics: str = "auto",
    cache: dict[object, Reconstruction | SolverError] | None = None,
) -> CcppSolution:
    """Solve one Corr2Cause++ ``query`` exactly.

    Parameters
    ----------
    query : str
        ``"Premise:\\n...\\n\\nHypothesis: ..."``.
    semantics : {"auto", "corr2cause", "textbook"}
        ``"auto"`` detects the reading from the hypothesis' wording.
    cache : dict, optional
        Reconstructions by premise content, shared across calls (an audit passes one).

    Raises
    ------
    SolverError
        If the query cannot be read or no DAG satisfies the premise.

    Examples
    --------
    >>> q = ("Premise:\\nSuppose there is a closed system of 3 variables, A, B, and C, whose "
    ...      "causal structure forms a directed acyclic graph and satisfies faithfulness. All "
    ...      "the conditional independence relations are: A indep B.\\n\\nHypothesis: There "
    ...      "exists at least one collider (i.e., a common child) of A and B.")
    >>> s = solve_query(q)
    >>> s.label, s.semantics, s.compelled_edges
    (1, 'textbook', (('A', 'C'), ('B', 'C')))
    """
    check_semantics(semantics)
    premise, hyp = parse_ccpp_query(query)
    rec = _reconstruct(premise, cache)
    chosen = detect_semantics(hyp.text) if semantics == "auto" else semantics
    dec = decide(rec, hyp.relation, hyp.x, hyp.y, semantics=chosen)
    return CcppSolution(
        label=dec.label,
        label3=dec.label3,
        semantics=chosen,
        relation=hyp.relation,
        x=rec.names[hyp.x],
        y=rec.names[hyp.y],
        decision=dec,
        compelled_edges=compelled_edges(rec),
        reconstruction=rec,
    )


def _reconstruct(
    premise: ParsedPremise, cache: dict[object, Reconstruction | SolverError] | None
) -> Reconstruction:
    if cache is None:
        return reconstruct(premise)
    entry = cache.get(premise.key)
    if entry is None:
        try:
            entry = reconstruct(premise)
        except SolverError as err:
            entry = err
        cache[premise.key] = entry
    if isinstance(entry, SolverError):
        raise type(entry)(str(entry), sentence=entry.sentence)
    return entry


def forced_graph_label(
    edges: Iterable[tuple[str, str]], names: Sequence[str], relation: str, x: int, y: int
) -> int:
    """The relation read on the graph of the forced edges alone (Corr2Cause++'s own rule).

    Corr2Cause++'s generator labels a hypothesis 1 iff its (textbook) relation holds in the
    DAG made of the CPDAG's compelled edges only; an audit reports how often that differs
    from entailment over the class.
    """
    parents = _parents_from_edges(edges, names)
    return int(textbook_pair_vector(parents, x, y)[RELATIONS.index(relation)])


# -- audit -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class CcppAudit:
    """What an audit of a Corr2Cause++ file found.

    Attributes
    ----------
    total : int
        Items read.
    unsolvable : list of (index, message)
        Items whose query cannot be read or whose premise no DAG satisfies.
    label_disagreements : list of dict
        Items whose gold label differs from the exact label under the chosen semantics
        (``index``, ``relation_type``, ``gold``, ``exact``, ``label3``, ``semantics``,
        ``forced_rule`` = the label of Corr2Cause++'s forced-edge rule, ``hypothesis``).
    forced_edge_mismatches : list of dict
        Items whose ``forced_edges`` differ from the exact CPDAG's compelled edges.
    relation_type_mismatches : list of int
        Items whose ``relation_type`` is not the relation their hypothesis states.
    by_relation : dict
        ``relation_type`` -> ``{"items": k, "disagree": d}``.
    semantics : str
        The semantics requested (``"auto"`` = detected per item).
    other_semantics_disagreements : int
        Disagreements had each item been read under the other named semantics.
    """

    total: int
    unsolvable: list[tuple[int, str]]
    label_disagreements: list[dict[str, Any]]
    forced_edge_mismatches: list[dict[str, Any]]
    relation_type_mismatches: list[int]
    by_relation: dict[str, dict[str, int]]
    semantics: str
    other_semantics_disagreements: int

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary plus the item lists."""
        solved = self.total - len(self.unsolvable)
        return {
            "total": self.total,
            "solved": solved,
            "unsolvable": [{"index": i, "error": m} for i, m in self.unsolvable],
            "semantics": self.semantics,
            "label_disagreements": len(self.label_disagreements),
            "label_agreement": (solved - len(self.label_disagreements)) / solved if solved else 0,
            "other_semantics_disagreements": self.other_semantics_disagreements,
            "forced_edge_mismatches": len(self.forced_edge_mismatches),
            "relation_type_mismatches": len(self.relation_type_mismatches),
            "by_relation": self.by_relation,
            "disagreements": self.label_disagreements,
            "forced_edge_mismatch_items": self.forced_edge_mismatches,
        }


def audit_ccpp(items: Sequence[CcppItem], *, semantics: str = "auto") -> CcppAudit:
    """Compare every item's gold label and ``forced_edges`` with the exact answer.

    Parameters
    ----------
    items : sequence of CcppItem
        As read by :func:`read_ccpp`.
    semantics : {"auto", "corr2cause", "textbook"}
        The hypothesis reading (``"auto"``: from each item's wording).

    Returns
    -------
    CcppAudit
    """
    check_semantics(semantics)
    cache: dict[object, Reconstruction | SolverError] = {}
    unsolvable: list[tuple[int, str]] = []
    disagreements: list[dict[str, Any]] = []
    mismatches: list[dict[str, Any]] = []
    type_mismatches: list[int] = []
    by_rel: dict[str, Counter[str]] = {}
    other = 0
    for k, item in enumerate(items):
        try:
            sol = solve_query(item.query, semantics=semantics, cache=cache)
        except SolverError as err:
            unsolvable.append((k, str(err)))
            continue
        rec = sol.reconstruction
        tally = by_rel.setdefault(item.relation_type, Counter())
        tally["items"] += 1
        if _KIND.get(CCPP_RELATION_TYPES.get(item.relation_type, "")) != _KIND[sol.relation]:
            type_mismatches.append(k)
        index = {name: i for i, name in enumerate(rec.names)}
        xi, yi = index[sol.x], index[sol.y]
        other_sem = "corr2cause" if sol.semantics == "textbook" else "textbook"
        if decide(rec, sol.relation, xi, yi, semantics=other_sem).label != item.label:
            other += 1
        if sol.label != item.label:
            tally["disagree"] += 1
            forced = forced_graph_label(sol.compelled_edges, rec.names, sol.relation, xi, yi)
            disagreements.append(
                {
                    "index": k,
                    "relation_type": item.relation_type,
                    "gold": item.label,
                    "exact": sol.label,
                    "label3": sol.label3,
                    "semantics": sol.semantics,
                    "forced_rule": forced,
                    "hypothesis": _hypothesis_text(item.query),
                }
            )
        gold_edges = tuple(sorted(item.forced_edges))
        if gold_edges != sol.compelled_edges:
            mismatches.append(
                {
                    "index": k,
                    "gold": [list(e) for e in gold_edges],
                    "exact": [list(e) for e in sol.compelled_edges],
                }
            )
    return CcppAudit(
        total=len(items),
        unsolvable=unsolvable,
        label_disagreements=disagreements,
        forced_edge_mismatches=mismatches,
        relation_type_mismatches=type_mismatches,
        by_relation={
            r: {"items": c["items"], "disagree": c["disagree"]} for r, c in sorted(by_rel.items())
        },
        semantics=semantics,
        other_semantics_disagreements=other,
    )


def _hypothesis_text(query: str) -> str:
    return _clean(query.rpartition("Hypothesis:")[2])


# -- edge prediction ---------------------------------------------------------------------------

_EDGE_SENTENCE = re.compile(
    rf"(?P<a>{NAME_PATTERN})\s+has\s+a\s+direct\s+causal\s+effect\s+on\s+(?P<b>{NAME_PATTERN})",
    re.IGNORECASE,
)
_EDGE_ARROW = re.compile(rf"(?P<a>{NAME_PATTERN})\s*(?:->|→)\s*(?P<b>{NAME_PATTERN})")


def parse_predicted_edges(text: str, names: Sequence[str] | None = None) -> list[tuple[str, str]]:
    """Directed edges a model states: ``X has a direct causal effect on Y`` or ``X -> Y``.

    Parameters
    ----------
    text : str
        The model output (reasoning included: only sentences of these shapes count).
    names : sequence of str, optional
        Keep only edges between these variables (matched case-insensitively, returned as
        declared).

    Returns
    -------
    list of (str, str)
        In order of first mention, without duplicates.

    Examples
    --------
    >>> parse_predicted_edges("A has a direct causal effect on C. So B -> C.", ["A", "B", "C"])
    [('A', 'C'), ('B', 'C')]
    """
    canon = None if names is None else {n.lower(): n for n in names}
    found: list[tuple[int, tuple[str, str]]] = []
    for pattern in (_EDGE_SENTENCE, _EDGE_ARROW):
        for m in pattern.finditer(text):
            a, b = m["a"], m["b"]
            if canon is not None:
                if a.lower() not in canon or b.lower() not in canon:
                    continue
                a, b = canon[a.lower()], canon[b.lower()]
            if a != b:
                found.append((m.start(), (a, b)))
    out: list[tuple[str, str]] = []
    for _, edge in sorted(found):
        if edge not in out:
            out.append(edge)
    return out


@dataclass(frozen=True)
class EdgeScore:
    """Directed-edge precision, recall and F1 against the compelled edges.

    An empty prediction for an empty target scores 1 (nothing to find, nothing wrong).
    """

    true_positives: int
    false_positives: int
    false_negatives: int

    @property
    def precision(self) -> float:
        """TP / (TP + FP)."""
        pred = self.true_positives + self.false_positives
        return self.true_positives / pred if pred else float(self.false_negatives == 0)

    @property
    def recall(self) -> float:
        """TP / (TP + FN)."""
        gold = self.true_positives + self.false_negatives
        return self.true_positives / gold if gold else float(self.false_positives == 0)

    @property
    def f1(self) -> float:
        """Harmonic mean of precision and recall."""
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def to_dict(self) -> dict[str, float | int]:
        """Counts and the three scores."""
        return {
            "tp": self.true_positives,
            "fp": self.false_positives,
            "fn": self.false_negatives,
            "precision": self.precision,
            "recall": self.recall,
            "f1": self.f1,
        }


def score_edges(
    predicted: Iterable[tuple[str, str]], target: Reconstruction | Iterable[tuple[str, str]]
) -> EdgeScore:
    """Score predicted directed edges against the exact CPDAG's compelled edges.

    Parameters
    ----------
    predicted : iterable of (str, str)
        ``(from, to)`` names (e.g. from :func:`parse_predicted_edges`).
    target : Reconstruction or iterable of (str, str)
        The class (its CPDAG's directed edges are the target) or the target edges themselves.

    Examples
    --------
    >>> s = score_edges([("A", "C"), ("C", "B")], [("A", "C"), ("B", "C")])
    >>> s.precision, s.recall, s.f1
    (0.5, 0.5, 0.5)
    """
    gold = set(compelled_edges(target)) if isinstance(target, Reconstruction) else set(target)
    pred = set(predicted)
    tp = len(pred & gold)
    return EdgeScore(tp, len(pred - gold), len(gold - pred))


def _parents_from_edges(edges: Iterable[tuple[str, str]], names: Sequence[str]) -> Parents:
    index = {name: i for i, name in enumerate(names)}
    parents = [0] * len(names)
    for a, b in edges:
        parents[index[b]] |= 1 << index[a]
    return tuple(parents)
