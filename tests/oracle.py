"""An independent brute-force oracle for Corr2Cause items, for tests of every layer.

Given only the *text* of an item (premise and hypothesis), the oracle decides its label the slow,
obvious way, straight from SPEC sections 1, 2, 4 and 5:

1. **parse** the premise with its own regular expressions (any variable names, any order of the
   name list) into the stated correlations and independencies;
2. **enumerate** every orientation of the skeleton (the pairs that no statement separates) and
   keep the acyclic ones whose *complete* set of d-separation statements, computed with
   :func:`networkx.is_d_separator` for every pair and every conditioning subset, is exactly the
   stated set: these are the members of the Markov equivalence class;
3. **read** the hypothesis with its own copy of the templates (original, swap and paraphrased
   forms) as one of four predicates on an ordered pair (direct cause, indirect cause, common
   effect, common cause);
4. **decide** the predicate in each member by path enumeration (:func:`networkx.all_simple_paths`)
   and count: valid iff it holds in every member (entailment), contradiction iff in none.

It also renders the premise of a DAG from networkx d-separation (SPEC section 4), so tests can
check the generator's wording and build premises the generator never saw.

Nothing here imports ``corr2cause``: no layer's semantics is checked against another layer's
own definitions. The module is found as ``oracle`` because the root ``tests/conftest.py`` puts
``tests/`` on ``sys.path``.
"""

from __future__ import annotations

import itertools
import random
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache

import networkx as nx

Independence = tuple[str, str, frozenset[str]]
"""``(x, y, Z)`` with ``x`` before ``y`` in the premise's name list: ``x`` is independent of
``y`` given the names ``Z``."""

# ------------------------------------------------------------------------------------------
# Premise text
# ------------------------------------------------------------------------------------------

_HEAD = re.compile(
    r"Suppose there is a closed system of (?P<n>\d+) variables, (?P<names>[^.]+?)\. "
    r"All the statistical relations among these (?P=n) variables are as follows: (?P<body>.*)\Z",
    re.S,
)
# A name is one or more words ("A", "X1", "blood pressure"); multi-word names never contain a
# word of the fixed text ("and", "of", "given", ...), so lazy matching splits sentences right.
_NAME = r"[\w'-]+(?: [\w'-]+)*?"
_CORR = re.compile(rf"(?P<x>{_NAME}) correlates with (?P<y>{_NAME})\Z")
_MARGINAL = re.compile(rf"(?P<x>{_NAME}) is independent of (?P<y>{_NAME})\Z")
_CONDITIONAL = re.compile(rf"(?P<x>{_NAME}) and (?P<y>{_NAME}) are independent given (?P<z>.+)\Z")


class OracleError(AssertionError):
    """The text is not a well-formed Corr2Cause item (a test failure, not a crash)."""


def _name_list(text: str) -> list[str]:
    """``"A"``, ``"A and B"``, ``"A, B and C"`` -> names (no Oxford comma, SPEC section 4)."""
    head, sep, last = text.rpartition(" and ")
    if not sep:
        return [text.strip()]
    out = [part.strip() for part in head.split(", ")] + [last.strip()]
    if any(not re.fullmatch(_NAME, part) for part in out):
        raise OracleError(f"bad name list {text!r}")
    return out


@dataclass(frozen=True)
class Premise:
    """What a premise states, by name."""

    names: tuple[str, ...]
    correlations: frozenset[frozenset[str]]
    independencies: frozenset[Independence]

    def index(self, name: str) -> int:
        return self.names.index(name)


def parse_premise(text: str) -> Premise:
    """Read a premise (SPEC section 4) without any help from the package."""
    m = _HEAD.match(text.strip())
    if m is None:
        raise OracleError(f"not a premise: {text[:80]!r}")
    names = tuple(_name_list(m["names"]))
    if len(names) != int(m["n"]) or len(set(names)) != len(names):
        raise OracleError(f"{m['n']} variables but names {names}")
    body = m["body"].strip()
    corr_part, sep, indep_part = body.partition(" However, ")
    if not sep:
        corr_part, indep_part = (body, "") if "correlates" in body else ("", body)
    correlations: set[frozenset[str]] = set()
    independencies: set[Independence] = set()
    for sentence in _sentences(corr_part):
        c = _CORR.match(sentence)
        if c is None:
            raise OracleError(f"not a correlation: {sentence!r}")
        correlations.add(frozenset((c["x"], c["y"])))
    for sentence in _sentences(indep_part):
        if mm := _MARGINAL.match(sentence):
            x, y, z = mm["x"], mm["y"], frozenset[str]()
        elif cc := _CONDITIONAL.match(sentence):
            x, y, z = cc["x"], cc["y"], frozenset(_name_list(cc["z"]))
        else:
            raise OracleError(f"not an independence: {sentence!r}")
        if names.index(x) > names.index(y):
            x, y = y, x
        independencies.add((x, y, z))
    for x, y, z in independencies:
        if not {x, y} | z <= set(names) or x in z or y in z:
            raise OracleError(f"unknown or repeated names in {x}, {y} | {sorted(z)}")
    return Premise(names, frozenset(correlations), frozenset(independencies))


def _sentences(text: str) -> list[str]:
    text = text.strip()
    if not text:
        return []
    if not text.endswith("."):
        raise OracleError(f"sentence without a period: {text!r}")
    return [s.strip() for s in text[:-1].split(". ")]


# ------------------------------------------------------------------------------------------
# d-separation statements and premise rendering (networkx)
# ------------------------------------------------------------------------------------------


def dsep_statements(g: nx.DiGraph, names: Sequence[str]) -> frozenset[Independence]:
    """Every ``x ⊥ y | Z`` of ``g`` (all pairs, all subsets of the other nodes), by networkx."""
    out = set()
    for a, b in itertools.combinations(range(len(names)), 2):
        x, y = names[a], names[b]
        rest = [v for v in names if v not in (x, y)]
        for r in range(len(rest) + 1):
            for z in itertools.combinations(rest, r):
                if nx.is_d_separator(g, {x}, {y}, set(z)):
                    out.add((x, y, frozenset(z)))
    return frozenset(out)


def _has_exactly(g: nx.DiGraph, names: Sequence[str], stated: frozenset[Independence]) -> bool:
    """``dsep_statements(g, names) == stated``, stopping at the first difference."""
    for size in range(len(names) - 1):
        for a, b in itertools.combinations(range(len(names)), 2):
            x, y = names[a], names[b]
            rest = [v for v in names if v not in (x, y)]
            for z in itertools.combinations(rest, size):
                if nx.is_d_separator(g, {x}, {y}, set(z)) != ((x, y, frozenset(z)) in stated):
                    return False
    return True


def _join(names: Sequence[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def render_premise(g: nx.DiGraph, names: Sequence[str]) -> str:
    """The premise of ``g`` in the exact wording and order of SPEC section 4."""
    pos = {v: k for k, v in enumerate(names)}
    stmts = dsep_statements(g, names)
    marginal = {frozenset((x, y)) for x, y, z in stmts if not z}
    corr = [
        f"{x} correlates with {y}."
        for x, y in itertools.combinations(names, 2)
        if frozenset((x, y)) not in marginal
    ]
    indep = []
    for x, y, z in sorted(
        stmts, key=lambda s: (pos[s[0]], pos[s[1]], sorted(pos[v] for v in s[2]))
    ):
        zs = sorted(z, key=pos.__getitem__)
        indep.append(
            f"{x} and {y} are independent given {_join(zs)}."
            if zs
            else f"{x} is independent of {y}."
        )
    n = len(names)
    text = (
        f"Suppose there is a closed system of {n} variables, {_join(list(names))}. "
        f"All the statistical relations among these {n} variables are as follows: "
    )
    text += " ".join(corr)
    if corr and indep:
        text += " However, "
    return text + " ".join(indep)


# ------------------------------------------------------------------------------------------
# Markov equivalence class by brute force over orientations of the skeleton
# ------------------------------------------------------------------------------------------


def skeleton(premise: Premise) -> list[tuple[str, str]]:
    """Pairs that no stated independence separates (faithfulness: exactly the adjacencies)."""
    separated = {frozenset((x, y)) for x, y, _ in premise.independencies}
    return [
        (x, y)
        for x, y in itertools.combinations(premise.names, 2)
        if frozenset((x, y)) not in separated
    ]


def orientations(names: Sequence[str], edges: Sequence[tuple[str, str]]) -> Iterator[nx.DiGraph]:
    """All ``2 ** len(edges)`` orientations of the skeleton that are acyclic."""
    for bits in itertools.product((False, True), repeat=len(edges)):
        g = nx.DiGraph()
        g.add_nodes_from(names)
        g.add_edges_from(
            (y, x) if flip else (x, y) for (x, y), flip in zip(edges, bits, strict=True)
        )
        if nx.is_directed_acyclic_graph(g):
            yield g


@lru_cache(maxsize=512)
def members(premise_text: str) -> tuple[nx.DiGraph, ...]:
    """The DAGs (frozen) whose d-separation statements are exactly those the premise states.

    Raises :class:`OracleError` when none is (an impossible premise) or when the stated
    correlations are not exactly the pairs without a marginal independence.
    """
    p = parse_premise(premise_text)
    marginal = {frozenset((x, y)) for x, y, z in p.independencies if not z}
    every_pair = {frozenset(pr) for pr in itertools.combinations(p.names, 2)}
    if p.correlations != every_pair - marginal:
        raise OracleError("correlations are not the complement of the marginal independencies")
    found = tuple(
        nx.freeze(g)
        for g in orientations(p.names, skeleton(p))
        if _has_exactly(g, p.names, p.independencies)
    )
    if not found:
        raise OracleError("no DAG has exactly these statements")
    return found


# ------------------------------------------------------------------------------------------
# Hypotheses and their predicates
# ------------------------------------------------------------------------------------------

PREDICATES = ("direct", "indirect", "common_effect", "common_cause")
"""What a hypothesis can claim about an ordered pair ``(x, y)``."""

_V = "(?P<{}>" + _NAME + ")"
_HYPOTHESES: tuple[tuple[str, str], ...] = (
    # SPEC section 5, original templates and swap forms
    (r"{x} directly causes {y}\.", "direct"),
    (r"{x} causes something else which causes {y}\.", "indirect"),
    (r"{x} is a cause for {y}, but not a direct one\.", "indirect"),
    (
        r"There exists at least one collider \(i\.e\., common effect\) of {x} and {y}\.",
        "common_effect",
    ),
    (
        r"There exists at least one confounder \(i\.e\., common cause\) of {x} and {y}\.",
        "common_cause",
    ),
    # paraphrased templates
    (r"{x} directly affects {y}\.", "direct"),
    (r"{x} influences {y} through some mediator\(s\)\.", "indirect"),
    (r"{x} and {y} together cause some other variable\(s\)\.", "common_effect"),
    (r"Some variable\(s\) cause\(s\) both {x} and {y}\.", "common_cause"),
)
_HYP_RES = tuple(
    (re.compile(t.format(x=_V.format("x"), y=_V.format("y")) + r"\Z"), pred)
    for t, pred in _HYPOTHESES
)

RELATION_PREDICATE: dict[str, tuple[str, bool]] = {
    "parent": ("direct", False),
    "child": ("direct", True),
    "non-parent ancestor": ("indirect", False),
    "non-child descendant": ("indirect", True),
    "has_collider": ("common_effect", False),
    "has_confounder": ("common_cause", False),
}
"""SPEC section 2: relation of the pair ``(i, j)`` -> (predicate, whether it reads ``(j, i)``)."""


def parse_hypothesis(text: str) -> tuple[str, str, str]:
    """``(predicate, x, y)`` of a hypothesis sentence."""
    for regex, pred in _HYP_RES:
        if m := regex.match(text.strip()):
            return pred, m["x"], m["y"]
    raise OracleError(f"not a hypothesis: {text!r}")


def _shaped_path(g: nx.DiGraph, x: str, y: str, *, into: bool) -> bool:
    """A simple skeleton path ``x .. k .. y`` (``k`` inner) whose edges all point into ``k``
    (``into=True``: x→…→k←…←y) or all away from ``k`` (x←…←k→…→y)."""
    und = g.to_undirected(as_view=True)
    for path in nx.all_simple_paths(und, x, y):
        for k in range(1, len(path) - 1):
            # edge t joins path[t] and path[t + 1]; before k it points towards k iff forward
            towards_k = all(
                g.has_edge(path[t], path[t + 1]) == (t < k) for t in range(len(path) - 1)
            )
            away_from_k = all(
                g.has_edge(path[t + 1], path[t]) == (t < k) for t in range(len(path) - 1)
            )
            if towards_k if into else away_from_k:
                return True
    return False


def holds(g: nx.DiGraph, predicate: str, x: str, y: str) -> bool:
    """Decide a predicate in one DAG by path enumeration (SPEC section 2)."""
    if predicate == "direct":
        return g.has_edge(x, y)
    if predicate == "indirect":
        return any(len(p) >= 3 for p in nx.all_simple_paths(g, x, y))
    if predicate == "common_effect":
        return _shaped_path(g, x, y, into=True)
    if predicate == "common_cause":
        return _shaped_path(g, x, y, into=False)
    raise OracleError(f"unknown predicate {predicate!r}")


@dataclass(frozen=True)
class Verdict:
    """The oracle's decision of one item."""

    label: int
    label3: str
    fraction: float
    holding: int
    num_members: int


def verdict(premise_text: str, hypothesis_text: str) -> Verdict:
    """Decide an item from its text alone."""
    dags = members(premise_text)
    predicate, x, y = parse_hypothesis(hypothesis_text)
    names = parse_premise(premise_text).names
    if x not in names or y not in names or x == y:
        raise OracleError(f"hypothesis names {x}, {y} are not two premise variables {names}")
    k = sum(holds(g, predicate, x, y) for g in dags)
    m = len(dags)
    label3 = "entailment" if k == m else "contradiction" if k == 0 else "neutral"
    return Verdict(int(k == m), label3, k / m, k, m)


def split_input(text: str) -> tuple[str, str]:
    """``"Premise: ...\\nHypothesis: ..."`` -> (premise, hypothesis)."""
    m = re.fullmatch(r"Premise: (.*)\nHypothesis: (.*)", text.strip(), re.S)
    if m is None:
        raise OracleError(f"not an official input: {text[:80]!r}")
    return m[1].strip(), m[2].strip()


# ------------------------------------------------------------------------------------------
# Items the package never wrote: random DAGs, random names
# ------------------------------------------------------------------------------------------


def hypothesis_sentences(x: str, y: str) -> Iterable[tuple[str, str, str, str]]:
    """Every template sentence for the ordered pair: ``(text, predicate, first, second)``."""
    for template, pred in _HYPOTHESES:
        plain = re.sub(r"\\(.)", r"\1", template)
        yield plain.format(x=x, y=y), pred, x, y


def expected_template(hypothesis_text: str, names: Sequence[str], *, paraphrase: bool) -> str:
    """The official ``template`` column of a hypothesis (SPEC section 6 and the official CSV).

    Original wording tags the two indirect sentences by wording ("causes something else which
    causes" is always ``non-parent ancestor``); paraphrased items are tagged by relation.
    """
    predicate, x, y = parse_hypothesis(hypothesis_text)
    forward = list(names).index(x) < list(names).index(y)
    if predicate == "direct":
        return "parent" if forward else "child"
    if predicate == "indirect":
        if paraphrase:
            return "non-parent ancestor" if forward else "non-child descendant"
        if "something else" in hypothesis_text:
            return "non-parent ancestor"
        return "non-child descendant"
    return {"common_effect": "has_collider", "common_cause": "has_confounder"}[predicate]


def check_relation_columns(hypothesis_text: str, relation: str, node_i: str, node_j: str) -> None:
    """Assert that a row's ``relation``/``node_i``/``node_j`` say what its sentence says."""
    predicate, x, y = parse_hypothesis(hypothesis_text)
    want, swapped = RELATION_PREDICATE[relation]
    first, second = (node_j, node_i) if swapped else (node_i, node_j)
    assert predicate == want, (hypothesis_text, relation)
    if predicate in ("direct", "indirect"):
        assert (x, y) == (first, second), (hypothesis_text, relation, node_i, node_j)
    else:
        assert {x, y} == {first, second}, (hypothesis_text, relation, node_i, node_j)


def random_dag(rng: random.Random, names: Sequence[str], density: float) -> nx.DiGraph:
    """A random DAG on ``names``: a random order, each forward pair an edge with ``density``."""
    order = list(names)
    rng.shuffle(order)
    g = nx.DiGraph()
    g.add_nodes_from(names)
    for a, b in itertools.combinations(range(len(order)), 2):
        if rng.random() < density:
            g.add_edge(order[a], order[b])
    return g
