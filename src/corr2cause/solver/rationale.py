"""Gold rationales: a step-by-step PC derivation of every Corr2Cause item, from its stated facts.

A model trained on this task should learn the derivation, not only the label. For every item
the exact solver can write the derivation the PC algorithm [1]_ performs with an independence
oracle, one line per step:

1. **skeleton**: two variables are adjacent iff no stated independence separates them;
2. **unshielded triples**: for every non-adjacent pair ``a, b`` with a common neighbour ``c``,
   one stated separating set of ``a`` and ``b``; ``c`` is a collider ``a -> c <- b`` iff it is
   not in that set;
3. **Meek rules** [2]_: each orientation that R1-R4 force, with the rule named and the nodes
   that make it fire, in a fixed order (the first applicable rule, R1 before R2 ..., on the
   first undirected edge in name-index order);
4. the resulting **CPDAG** and the number of **member DAGs** of the class;
5. the **decision**: the hypothesis read as a relation on a pair under a named semantics
   (:mod:`corr2cause.solver.semantics`), how many members it holds in, and, when it is not
   entailed, a member DAG in which it fails;
6. the **answer** (``Yes`` iff entailed).

The wording is data, not code: ``templates/rationale_v1.toml`` holds one template per step kind
in two styles (``full`` sentences, ``compact`` notation). A rationale records its template
version and style; :mod:`corr2cause.solver.rationale_check` reads any of them back and re-derives
every step.

Examples
--------
>>> r = explain(
...     "Suppose there is a closed system of 3 variables, A, B and C. All the statistical "
...     "relations among these 3 variables are as follows: A correlates with C. B correlates "
...     "with C. However, A is independent of B.",
...     "A directly causes C.",
...     style="compact",
... )
>>> print(r.text)
PC algorithm on the stated independencies.
Skeleton: A - C, B - C.
A - C - B: sepset {} lacks C, collider A -> C <- B.
No Meek rule applies.
CPDAG: A -> C, B -> C.
Members: 1.
Hypothesis: parent(A, C), corr2cause semantics.
Holds in all 1 members: entailed.
Answer: Yes

References
----------
.. [1] P. Spirtes, C. Glymour, R. Scheines, "Causation, Prediction, and Search", 2nd ed.,
   MIT Press, 2000, section 5.4.2.
.. [2] C. Meek, "Causal inference and causal explanation with background knowledge", UAI 1995.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache, lru_cache
from importlib import resources
from types import MappingProxyType
from typing import Final

from corr2cause.graphs.dag import Parents, edges
from corr2cause.solver.ccpp import parse_ccpp_hypothesis, parse_ccpp_premise
from corr2cause.solver.errors import ParseError, SolverError
from corr2cause.solver.parse import ParsedPremise, parse_premise
from corr2cause.solver.reconstruct import Reconstruction, reconstruct
from corr2cause.solver.semantics import Decision, check_semantics, decide, detect_semantics
from corr2cause.solver.solution import Solution

__all__ = [
    "DEFAULT_STYLE",
    "DEFAULT_VERSION",
    "STEP_KINDS",
    "MeekStep",
    "PdagState",
    "Rationale",
    "RationaleError",
    "Step",
    "Templates",
    "explain",
    "format_sepset",
    "load_templates",
    "meek_applies",
    "meek_trace",
    "premise_steps",
    "rationale",
    "solution_rationale",
]

DEFAULT_VERSION: Final = "v1"
"""Template version used when none is given."""
DEFAULT_STYLE: Final = "full"
"""Template style used when none is given."""

STEP_KINDS: Final[tuple[str, ...]] = (
    "intro",
    "skeleton",
    "triple_collider",
    "triple_noncollider",
    "no_triples",
    "meek_r1",
    "meek_r2",
    "meek_r3",
    "meek_r4",
    "no_meek",
    "cpdag",
    "members",
    "reading",
    "entailed",
    "contradicted",
    "neutral",
    "answer",
)
"""Every step kind, in the order they appear in a rationale."""


class RationaleError(SolverError):
    """An unknown template version or style, or a template file that lacks a step kind."""


@dataclass(frozen=True)
class Templates:
    """One style of one template version: step kind -> format string."""

    version: str
    style: str
    text: Mapping[str, str] = field(compare=False)

    def render(self, kind: str, **fields: object) -> str:
        """The line for one step."""
        return self.text[kind].format(**fields)


@cache
def _template_file(version: str) -> dict[str, object]:
    name = f"rationale_{version}.toml"
    try:
        raw = resources.files("corr2cause.solver").joinpath("templates", name).read_text("utf-8")
    except (FileNotFoundError, OSError):
        raise RationaleError(f"unknown rationale template version {version!r}") from None
    return tomllib.loads(raw)


def load_templates(version: str = DEFAULT_VERSION, style: str = DEFAULT_STYLE) -> Templates:
    """The templates of one version and style (``templates/rationale_<version>.toml``).

    Raises
    ------
    RationaleError
        If the version or style does not exist, or the style lacks a step kind.

    Examples
    --------
    >>> load_templates("v1", "compact").render("members", count=3)
    'Members: 3.'
    """
    data = _template_file(version)
    styles = data.get("styles", {})
    assert isinstance(styles, dict)
    if style not in styles:
        raise RationaleError(
            f"unknown rationale style {style!r} for version {version}; expected one of "
            f"{', '.join(sorted(styles))}"
        )
    text = styles[style]
    missing = [k for k in STEP_KINDS if k not in text]
    if missing:
        raise RationaleError(f"rationale_{version}.toml style {style} lacks {', '.join(missing)}")
    return Templates(version=version, style=style, text=MappingProxyType(dict(text)))


def template_styles(version: str = DEFAULT_VERSION) -> tuple[str, ...]:
    """The styles a template version defines."""
    styles = _template_file(version).get("styles", {})
    assert isinstance(styles, dict)
    return tuple(sorted(styles))


# -- formatting -----------------------------------------------------------------------------


def format_edges(
    directed: Sequence[tuple[int, int]], undirected: Sequence[tuple[int, int]], names: Sequence[str]
) -> str:
    """``"A -> C, C - D"`` (directed first, each sorted), or ``"none"``."""
    parts = [f"{names[u]} -> {names[v]}" for u, v in sorted(directed)]
    parts += [f"{names[u]} - {names[v]}" for u, v in sorted(undirected)]
    return ", ".join(parts) or "none"


def format_sepset(z: int, names: Sequence[str]) -> str:
    """A conditioning set as ``"{B, C}"`` (``"{}"`` when empty)."""
    return "{" + ", ".join(names[v] for v in range(len(names)) if z >> v & 1) + "}"


# -- Meek rules on an explicit state ----------------------------------------------------------


@dataclass
class PdagState:
    """A mutable partially directed graph on node indices (for tracing and replaying rules).

    Attributes
    ----------
    n : int
    directed : set of (u, v)
        ``u -> v``.
    undirected : set of (u, v)
        ``u - v`` stored with ``u < v``.
    """

    n: int
    directed: set[tuple[int, int]]
    undirected: set[tuple[int, int]]

    def adjacent(self, a: int, b: int) -> bool:
        """Whether ``a`` and ``b`` are joined by any edge."""
        return (
            (a, b) in self.directed
            or (b, a) in self.directed
            or (min(a, b), max(a, b)) in self.undirected
        )

    def is_undirected(self, a: int, b: int) -> bool:
        """Whether ``a - b``."""
        return (min(a, b), max(a, b)) in self.undirected

    def orient(self, u: int, v: int) -> None:
        """Turn ``u - v`` into ``u -> v``."""
        self.undirected.discard((min(u, v), max(u, v)))
        self.directed.add((u, v))

    def copy(self) -> PdagState:
        """An independent copy."""
        return PdagState(self.n, set(self.directed), set(self.undirected))


@dataclass(frozen=True)
class MeekStep:
    """One application of a Meek rule: ``rule`` orients ``u -> v`` because of ``witnesses``."""

    rule: str
    u: int
    v: int
    witnesses: tuple[int, ...]


def meek_applies(state: PdagState, step: MeekStep) -> bool:
    """Whether ``step``'s rule, with its witnesses, orients ``u - v`` in ``state``.

    R1 ``w -> u - v``, ``w`` and ``v`` not adjacent; R2 ``u -> w -> v`` and ``u - v``;
    R3 ``u - w1 -> v``, ``u - w2 -> v``, ``w1``, ``w2`` not adjacent, ``u - v``;
    R4 ``u - w1 -> w2 -> v``, ``u`` adjacent to ``w2``, ``w1`` and ``v`` not adjacent, ``u - v``
    (Meek 1995; the orientations R1-R3 force from a pattern give the CPDAG).
    """
    u, v, w = step.u, step.v, step.witnesses
    nodes = {u, v, *w}
    if len(nodes) != 2 + len(w) or not state.is_undirected(u, v):
        return False
    d = state.directed
    if step.rule == "R1" and len(w) == 1:
        return (w[0], u) in d and not state.adjacent(w[0], v)
    if step.rule == "R2" and len(w) == 1:
        return (u, w[0]) in d and (w[0], v) in d
    if step.rule == "R3" and len(w) == 2:
        w1, w2 = w
        return (
            state.is_undirected(u, w1)
            and state.is_undirected(u, w2)
            and (w1, v) in d
            and (w2, v) in d
            and not state.adjacent(w1, w2)
        )
    if step.rule == "R4" and len(w) == 2:
        w1, w2 = w
        return (
            state.is_undirected(u, w1)
            and (w1, w2) in d
            and (w2, v) in d
            and state.adjacent(u, w2)
            and not state.adjacent(w1, v)
        )
    return False


def _candidates(state: PdagState, rule: str, u: int, v: int) -> list[tuple[int, ...]]:
    """Witness tuples that could make ``rule`` orient ``u -> v``, smallest first."""
    d = state.directed
    others = [k for k in range(state.n) if k not in (u, v)]
    if rule == "R1":
        return [(w,) for w in others if (w, u) in d]
    if rule == "R2":
        return [(w,) for w in others if (u, w) in d]
    into_v = [w for w in others if (w, v) in d]
    if rule == "R3":
        nbrs = [w for w in into_v if state.is_undirected(u, w)]
        return [(p, q) for i, p in enumerate(nbrs) for q in nbrs[i + 1 :]]
    return [(p, q) for p in others if state.is_undirected(u, p) for q in into_v if (p, q) in d]


def _first_rule(state: PdagState) -> MeekStep | None:
    ordered = sorted(state.undirected)
    for rule in ("R1", "R2", "R3", "R4"):
        for a, b in ordered:
            for u, v in ((a, b), (b, a)):
                for w in _candidates(state, rule, u, v):
                    step = MeekStep(rule, u, v, w)
                    if meek_applies(state, step):
                        return step
    return None


def meek_trace(state: PdagState) -> list[MeekStep]:
    """Apply Meek's rules until none fires, recording each application (``state`` changes).

    The order is fixed: the first rule (R1, R2, R3, R4) that applies to the first undirected
    edge (pairs in index order, ``u -> v`` tried before ``v -> u``), with the smallest
    witnesses; then start over.
    """
    out = []
    while (step := _first_rule(state)) is not None:
        state.orient(step.u, step.v)
        out.append(step)
    return out


# -- rationales -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    """One line of a rationale: its kind, the values filled in, and the rendered text."""

    kind: str
    fields: Mapping[str, str]
    text: str


@dataclass(frozen=True)
class Rationale:
    """A rendered derivation.

    Attributes
    ----------
    steps : tuple of Step
    label : int
        1 iff entailed.
    answer : str
        ``"Yes"`` or ``"No"``.
    version, style : str
        The templates used.
    semantics : str
        The hypothesis reading used.
    """

    steps: tuple[Step, ...]
    label: int
    answer: str
    version: str
    style: str
    semantics: str

    @property
    def text(self) -> str:
        """All lines, joined by newlines (the last one is the answer)."""
        return "\n".join(s.text for s in self.steps)

    @property
    def reasoning(self) -> str:
        """The lines before the answer line."""
        return "\n".join(s.text for s in self.steps if s.kind != "answer")


def _step(t: Templates, kind: str, **fields: object) -> Step:
    values = {k: str(v) for k, v in fields.items()}
    return Step(kind=kind, fields=MappingProxyType(values), text=t.render(kind, **values))


def premise_steps(rec: Reconstruction, templates: Templates) -> list[Step]:
    """The premise part of a rationale: intro, skeleton, triples, Meek rules, CPDAG, members."""
    return list(_premise_steps(rec, templates))


@lru_cache(maxsize=256)
def _premise_steps(rec: Reconstruction, templates: Templates) -> tuple[Step, ...]:
    names = rec.names
    n = rec.n
    adj = rec.skeleton
    sk = [(u, v) for u in range(n) for v in range(u + 1, n) if adj[u] >> v & 1]
    steps = [
        _step(templates, "intro"),
        _step(templates, "skeleton", edges=format_edges([], sk, names)),
    ]
    first_sep: dict[tuple[int, int], int] = {}
    for i, j, z in sorted(
        rec.premise.independencies, key=lambda s: (s[0], s[1], s[2].bit_count(), s[2])
    ):
        first_sep.setdefault((i, j), z)
    state = PdagState(n, set(), set(sk))
    triples = 0
    for (a, b), z in sorted(first_sep.items()):
        for c in range(n):
            if not (adj[a] >> c & 1 and adj[b] >> c & 1):
                continue
            triples += 1
            fields = {
                "a": names[a],
                "b": names[b],
                "c": names[c],
                "sepset": format_sepset(z, names),
            }
            if z >> c & 1:
                steps.append(_step(templates, "triple_noncollider", **fields))
            else:
                steps.append(_step(templates, "triple_collider", **fields))
                state.orient(a, c)
                state.orient(b, c)
    if not triples:
        steps.append(_step(templates, "no_triples"))
    trace = meek_trace(state)
    for m in trace:
        fields = {"u": names[m.u], "v": names[m.v]}
        if len(m.witnesses) == 1:
            fields["w"] = names[m.witnesses[0]]
        else:
            fields["w1"], fields["w2"] = (names[k] for k in m.witnesses)
        steps.append(_step(templates, "meek_" + m.rule.lower(), **fields))
    if not trace:
        steps.append(_step(templates, "no_meek"))
    cp = rec.cpdag
    if set(cp.directed_edges()) != state.directed:  # pragma: no cover - a bug, not bad input
        raise AssertionError("the traced Meek closure differs from the CPDAG")
    steps.append(
        _step(
            templates,
            "cpdag",
            cpdag=format_edges(cp.directed_edges(), cp.undirected_edges(), names),
        )
    )
    steps.append(_step(templates, "members", count=len(rec.members)))
    return tuple(steps)


def format_dag(parents: Parents, names: Sequence[str]) -> str:
    """A member DAG as ``"A -> B, A -> C"`` (``"none"`` for no edges)."""
    return format_edges(list(edges(parents)), [], names)


def decision_steps(
    rec: Reconstruction,
    relation: str,
    x: int,
    y: int,
    decision: Decision,
    templates: Templates,
) -> list[Step]:
    """The decision part: the reading, the count with a failing member, the answer."""
    names = rec.names
    steps = [
        _step(
            templates,
            "reading",
            relation=relation,
            x=names[x],
            y=names[y],
            semantics=decision.semantics,
        )
    ]
    count = decision.members
    if decision.label:
        steps.append(_step(templates, "entailed", count=count))
    else:
        assert decision.witness_fails is not None
        dag = format_dag(decision.witness_fails, names)
        kind = "contradicted" if decision.holds == 0 else "neutral"
        steps.append(_step(templates, kind, count=count, holds=decision.holds, dag=dag))
    steps.append(_step(templates, "answer", answer="Yes" if decision.label else "No"))
    return steps


def rationale(
    rec: Reconstruction,
    relation: str,
    x: int,
    y: int,
    *,
    semantics: str = "corr2cause",
    version: str = DEFAULT_VERSION,
    style: str = DEFAULT_STYLE,
) -> Rationale:
    """The gold rationale of ``relation(x, y)`` on a reconstructed class.

    Parameters
    ----------
    rec : Reconstruction
        The premise's class.
    relation : str
        Relation id; ``x < y`` node indices as the parser returns them.
    semantics : {"corr2cause", "textbook"}
    version, style : str
        Template version and style.

    Returns
    -------
    Rationale
    """
    check_semantics(semantics, allow_auto=False)
    t = load_templates(version, style)
    dec = decide(rec, relation, x, y, semantics=semantics)
    steps = premise_steps(rec, t) + decision_steps(rec, relation, x, y, dec, t)
    return Rationale(
        steps=tuple(steps),
        label=dec.label,
        answer="Yes" if dec.label else "No",
        version=version,
        style=style,
        semantics=semantics,
    )


def explain(
    premise: str,
    hypothesis: str,
    *,
    semantics: str = "auto",
    version: str = DEFAULT_VERSION,
    style: str = DEFAULT_STYLE,
) -> Rationale:
    """The gold rationale of an item given as text (Corr2Cause or Corr2Cause++ wording).

    Parameters
    ----------
    premise, hypothesis : str
        The item's text.
    semantics : {"auto", "corr2cause", "textbook"}
        ``"auto"`` reads the semantics from the hypothesis' wording.

    Raises
    ------
    SolverError
        If the text cannot be read or no DAG satisfies the premise.
    """
    check_semantics(semantics)
    rec, hyp_relation, x, y, text = read_item(premise, hypothesis)
    chosen = detect_semantics(text) if semantics == "auto" else semantics
    return rationale(rec, hyp_relation, x, y, semantics=chosen, version=version, style=style)


def read_item(premise: str, hypothesis: str) -> tuple[Reconstruction, str, int, int, str]:
    """Parse an item in either wording; returns the class, relation, pair and hypothesis text.

    The premise is read as Corr2Cause (:func:`~corr2cause.solver.parse.parse_premise`), else as
    Corr2Cause++ (:func:`~corr2cause.solver.ccpp.parse_ccpp_premise`); the hypothesis in any
    wording of either. Classes are cached by premise content.
    """
    try:
        parsed = parse_premise(premise)
    except ParseError as first:
        try:
            parsed = parse_ccpp_premise(premise)
        except ParseError:
            raise first from None
    rec = _reconstruct(parsed)
    hyp = parse_ccpp_hypothesis(hypothesis, rec.names)
    return rec, hyp.relation, hyp.x, hyp.y, hyp.text


@lru_cache(maxsize=1024)
def _reconstruct(parsed: ParsedPremise) -> Reconstruction:
    return reconstruct(parsed)


def solution_rationale(
    solution: Solution, *, version: str = DEFAULT_VERSION, style: str = DEFAULT_STYLE
) -> Rationale:
    """The gold rationale of a :class:`~corr2cause.solver.solution.Solution` (SPEC semantics).

    Examples
    --------
    >>> from corr2cause.solver.solution import Solver
    >>> sol = Solver().solve(
    ...     "Suppose there is a closed system of 2 variables, A and B. All the statistical "
    ...     "relations among these 2 variables are as follows: A correlates with B.",
    ...     "A directly causes B.",
    ... )
    >>> solution_rationale(sol, style="compact").text.splitlines()[-2:]
    ['Holds in 1 of 2 members, not in B -> A: not entailed.', 'Answer: No']
    """
    rec = solution.reconstruction
    x, y = rec.names.index(solution.x), rec.names.index(solution.y)
    return rationale(rec, solution.relation, x, y, version=version, style=style)
