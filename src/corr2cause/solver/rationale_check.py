"""Check a rationale step by step: re-derive every line from the premise, fail on any wrong one.

A rationale in the format of :mod:`corr2cause.solver.rationale` (any template style of its
version) is read back line by line, and each line is verified against the premise's facts, not
against the gold text, so that any *correct* derivation passes, in any order the PC algorithm
allows:

* **skeleton**: the listed edges must be exactly the pairs that no stated independence
  separates;
* **unshielded triple**: ``a`` and ``b`` must be non-adjacent with ``c`` adjacent to both, the
  cited set must be one the premise states as separating ``a`` and ``b``, and the verdict
  (collider iff ``c`` is not in it) must follow; every unshielded triple must be covered once;
* **Meek rule**: the named rule must apply, with the named nodes, to the graph as oriented by
  the earlier lines (it is then applied); ``No Meek rule applies`` must be true;
* **CPDAG**: must be the graph the earlier lines produced, with no rule still applicable;
* **member count**, **reading** of the hypothesis (relation, pair, semantics), **decision**
  (the count of members where it holds; the named member DAG must be in the class and must
  falsify the hypothesis) and **answer** must all be right.

Lines may be separated by blank lines; a line that follows no template, a step out of order, a
repeated triple, or a missing step are errors too. :func:`check_rationale` returns a
:class:`CheckResult` with a verdict per line, the claimed answer, and ``credit``: the share of
the gold derivation's steps (the intro line aside) verified before the first error, for
step-level rewards.

Examples
--------
>>> from corr2cause.solver.rationale import explain
>>> premise = (
...     "Suppose there is a closed system of 3 variables, A, B and C. All the statistical "
...     "relations among these 3 variables are as follows: A correlates with C. B correlates "
...     "with C. However, A is independent of B."
... )
>>> text = explain(premise, "A directly causes C.").text
>>> check_rationale(premise, "A directly causes C.", text).ok
True
>>> bad = text.replace("which does not contain C, so C is a collider: A -> C <- B",
...                    "which contains C, so C is not a collider")
>>> result = check_rationale(premise, "A directly causes C.", bad)
>>> result.ok, result.first_error
(False, 'line 3: the sepset {} does not contain C, so C is a collider of A and B')
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache, lru_cache
from typing import Final

from corr2cause.causal.relations import RELATIONS, relation_holds, textbook_relation_holds
from corr2cause.solver.parse import NAME_PATTERN
from corr2cause.solver.rationale import (
    DEFAULT_VERSION,
    MeekStep,
    PdagState,
    load_templates,
    meek_applies,
    meek_trace,
    read_item,
    template_styles,
)
from corr2cause.solver.reconstruct import Reconstruction
from corr2cause.solver.semantics import check_semantics, decide, detect_semantics

__all__ = ["CheckResult", "LineVerdict", "check_rationale"]

_FIELD: Final[Mapping[str, str]] = {
    "edges": r".+?",
    "cpdag": r".+?",
    "dag": r".+?",
    "sepset": r"\{[^{}]*\}",
    "count": r"\d+",
    "holds": r"\d+",
    "relation": r"[a-z_ \-]+?",
    "semantics": r"\w+",
    "answer": r"\w+",
}


@dataclass(frozen=True)
class LineVerdict:
    """The check of one line.

    Attributes
    ----------
    line : int
        1-based line number in the checked text.
    kind : str or None
        The step kind read (``None`` for an unreadable line or a missing step).
    ok : bool
    message : str
        Empty when ok; otherwise what is wrong.
    """

    line: int
    kind: str | None
    ok: bool
    message: str = ""


@dataclass(frozen=True)
class CheckResult:
    """The verdicts on a whole rationale.

    Attributes
    ----------
    verdicts : tuple of LineVerdict
        One per non-blank line, then one per missing step.
    answer : str or None
        The answer line's value (``"Yes"`` / ``"No"``), if any.
    credit : float
        Share of the gold steps (intro aside) verified before the first error, in [0, 1].
    """

    verdicts: tuple[LineVerdict, ...]
    answer: str | None
    credit: float

    @property
    def ok(self) -> bool:
        """True iff every line is right and no step is missing."""
        return all(v.ok for v in self.verdicts) and bool(self.verdicts)

    @property
    def errors(self) -> list[str]:
        """``"line k: message"`` for every wrong line or missing step."""
        return [f"line {v.line}: {v.message}" for v in self.verdicts if not v.ok]

    @property
    def first_error(self) -> str | None:
        """The first error, or ``None``."""
        errs = self.errors
        return errs[0] if errs else None


def _name_slot(names: Sequence[str]) -> str:
    """The pattern of a variable-name placeholder for a class with these names.

    One-word names share :data:`~corr2cause.solver.parse.NAME_PATTERN` (any word is read,
    then looked up, so an unknown name gets a precise message). When a name has several words
    (themed variants: ``type 2 diabetes``), a name slot matches only the declared names,
    longest first, so the fixed words around a name are never taken for part of it.
    """
    if all(" " not in name for name in names):
        return NAME_PATTERN
    return "(?:" + "|".join(re.escape(x) for x in sorted(names, key=len, reverse=True)) + ")"


@cache
def _patterns(
    version: str, slot: str = NAME_PATTERN
) -> tuple[tuple[str, str, re.Pattern[str]], ...]:
    """(style, kind, compiled line pattern) for every template of the version."""
    out = []
    for style in template_styles(version):
        for kind, template in load_templates(version, style).text.items():
            parts = re.split(r"\{(\w+)\}", template)
            seen: set[str] = set()
            rx = []
            for k, part in enumerate(parts):
                if k % 2 == 0:
                    rx.append(re.escape(part))
                elif part in seen:
                    rx.append(f"(?P={part})")
                else:
                    seen.add(part)
                    rx.append(f"(?P<{part}>{_FIELD.get(part, slot)})")
            literal = len("".join(parts[0::2]))
            out.append((literal, style, kind, re.compile("".join(rx))))
    # most specific first: a full-style line can also fit a shorter compact template
    out.sort(key=lambda t: -t[0])
    return tuple((style, kind, rx) for _, style, kind, rx in out)


def _read_line(line: str, version: str, slot: str = NAME_PATTERN) -> tuple[Reading, ...]:
    """Every (style, kind, fields) reading of a line, most specific template first."""
    out = []
    for st, kind, pattern in _patterns(version, slot):
        m = pattern.fullmatch(line)
        if m is not None:
            out.append((st, kind, tuple(m.groupdict().items())))
    return tuple(out)


Fields = tuple[tuple[str, str], ...]
"""A line's placeholder values, hashable."""
Reading = tuple[str, str, Fields]
"""(style, step kind, fields) of one way to read a line."""


class _Bad(Exception):
    """A wrong line (internal)."""


def _node(names: Mapping[str, int], name: str) -> int:
    if name not in names:
        raise _Bad(f"unknown variable {name!r}")
    return names[name]


def _edge_list(
    text: str, names: Mapping[str, int], slot: str = NAME_PATTERN
) -> tuple[set[tuple[int, int]], set[tuple[int, int]]]:
    """``"A -> B, C - D"`` -> (directed, undirected with u < v)."""
    directed: set[tuple[int, int]] = set()
    undirected: set[tuple[int, int]] = set()
    if text.strip() == "none":
        return directed, undirected
    for item in text.split(","):
        item = item.strip()
        m = re.fullmatch(rf"({slot})\s*(->|-)\s*({slot})", item)
        if m is None:
            raise _Bad(f"cannot read the edge {item!r}")
        a, b = _node(names, m[1]), _node(names, m[3])
        if a == b:
            raise _Bad(f"the edge {item!r} is a loop")
        if m[2] == "->":
            directed.add((a, b))
        else:
            undirected.add((min(a, b), max(a, b)))
    return directed, undirected


def _fmt(edges: Iterable[tuple[int, int]], names: Sequence[str], arrow: str) -> str:
    return ", ".join(f"{names[u]} {arrow} {names[v]}" for u, v in sorted(edges)) or "none"


_ORDER: Final[Mapping[str, int]] = {
    "intro": 0,
    "skeleton": 1,
    "triple_collider": 2,
    "triple_noncollider": 2,
    "no_triples": 2,
    "meek_r1": 3,
    "meek_r2": 3,
    "meek_r3": 3,
    "meek_r4": 3,
    "no_meek": 3,
    "cpdag": 4,
    "members": 5,
    "reading": 6,
    "entailed": 7,
    "contradicted": 7,
    "neutral": 7,
    "answer": 8,
}
_REQUIRED: Final[tuple[tuple[int, str], ...]] = (
    (1, "the skeleton"),
    (2, "the unshielded triples (or 'no unshielded triple')"),
    (3, "the Meek rules (or 'no Meek rule applies')"),
    (4, "the CPDAG"),
    (5, "the number of member DAGs"),
    (6, "the reading of the hypothesis"),
    (7, "the decision"),
    (8, "the answer"),
)


class _Replay:
    """The checker's state while reading one rationale."""

    def __init__(self, rec: Reconstruction, hypothesis: tuple[str, int, int, str] | None) -> None:
        self.rec = rec
        self.names = rec.names
        self.index = {name: i for i, name in enumerate(rec.names)}
        self.slot = _name_slot(rec.names)
        n = rec.n
        adj = rec.skeleton
        self.skeleton = {(u, v) for u in range(n) for v in range(u + 1, n) if adj[u] >> v & 1}
        self.state = PdagState(n, set(), set(self.skeleton))
        self.triples = {
            (a, c, b)
            for a in range(n)
            for b in range(a + 1, n)
            if not adj[a] >> b & 1
            for c in range(n)
            if adj[a] >> c & 1 and adj[b] >> c & 1
        }
        self.seen_triples: set[tuple[int, int, int]] = set()
        self.separating: dict[tuple[int, int], set[int]] = {}
        for i, j, z in rec.premise.independencies:
            self.separating.setdefault((i, j), set()).add(z)
        if hypothesis is not None:
            self.relation, self.x, self.y, self.semantics = hypothesis
            self.decision = decide(rec, self.relation, self.x, self.y, semantics=self.semantics)
        self.answer: str | None = None

    # each method raises _Bad with the message, or returns None
    def check(self, kind: str, f: Mapping[str, str]) -> None:
        getattr(self, "_" + (kind[:5] if kind.startswith("meek_") else kind))(kind, f)

    def _intro(self, kind: str, f: Mapping[str, str]) -> None:
        return None

    def _skeleton(self, kind: str, f: Mapping[str, str]) -> None:
        directed, undirected = _edge_list(f["edges"], self.index, self.slot)
        if directed:
            raise _Bad("the skeleton is undirected, but directed edges are listed")
        extra, missing = undirected - self.skeleton, self.skeleton - undirected
        if extra:
            raise _Bad(
                f"{_fmt(extra, self.names, '-')} are not adjacent: the premise states an "
                "independence for each"
            )
        if missing:
            raise _Bad(
                f"{_fmt(missing, self.names, '-')} are missing: the premise never states "
                "them independent"
            )

    def _triple(self, kind: str, f: Mapping[str, str]) -> None:
        a, b, c = (_node(self.index, f[k]) for k in ("a", "b", "c"))
        a, b = min(a, b), max(a, b)
        na, nb, nc = self.names[a], self.names[b], self.names[c]
        if (a, c, b) not in self.triples:
            raise _Bad(f"{na} - {nc} - {nb} is not an unshielded triple of the skeleton")
        if (a, c, b) in self.seen_triples:
            raise _Bad(f"the triple {na} - {nc} - {nb} is repeated")
        self.seen_triples.add((a, c, b))
        z = 0
        inner = f["sepset"][1:-1].strip()
        for name in (s.strip() for s in inner.split(",")) if inner else ():
            z |= 1 << _node(self.index, name)
        if z not in self.separating.get((a, b), set()):
            raise _Bad(
                f"the premise does not state that {na} and {nb} are independent given {f['sepset']}"
            )
        collider = not z >> c & 1
        if collider and kind != "triple_collider":
            raise _Bad(
                f"the sepset {f['sepset']} does not contain {nc}, so {nc} is a collider of "
                f"{na} and {nb}"
            )
        if not collider and kind != "triple_noncollider":
            raise _Bad(f"the sepset {f['sepset']} contains {nc}, so {nc} is not a collider")
        if collider:
            for u in (a, b):
                if (c, u) in self.state.directed:
                    raise _Bad(f"{self.names[c]} -> {self.names[u]} was oriented already")
                self.state.orient(u, c)

    _triple_collider = _triple
    _triple_noncollider = _triple

    def _no_triples(self, kind: str, f: Mapping[str, str]) -> None:
        if self.triples:
            (a, c, b) = min(self.triples)
            names = self.names
            raise _Bad(f"{names[a]} - {names[c]} - {names[b]} is an unshielded triple")

    def end_triples(self) -> str | None:
        missing = self.triples - self.seen_triples
        if not missing:
            return None
        names = self.names
        shown = ", ".join(f"{names[a]} - {names[c]} - {names[b]}" for a, c, b in sorted(missing))
        return f"unshielded triple(s) not examined: {shown}"

    def _meek_(self, kind: str, f: Mapping[str, str]) -> None:
        rule = "R" + kind[-1]
        u, v = _node(self.index, f["u"]), _node(self.index, f["v"])
        w = (
            (_node(self.index, f["w"]),)
            if "w" in f
            else (_node(self.index, f["w1"]), _node(self.index, f["w2"]))
        )
        step = MeekStep(rule, u, v, w)
        if not meek_applies(self.state, step):
            raise _Bad(
                f"Meek rule {rule} does not orient {f['u']} -> {f['v']} here (its conditions "
                "fail in the graph oriented so far)"
            )
        self.state.orient(u, v)

    def _no_meek(self, kind: str, f: Mapping[str, str]) -> None:
        pending = meek_trace(self.state.copy())
        if pending:
            m = pending[0]
            raise _Bad(
                f"Meek rule {m.rule} applies: it orients {self.names[m.u]} -> {self.names[m.v]}"
            )

    def _cpdag(self, kind: str, f: Mapping[str, str]) -> None:
        directed, undirected = _edge_list(f["cpdag"], self.index, self.slot)
        if directed != self.state.directed or undirected != self.state.undirected:
            raise _Bad(
                "this is not the graph the previous steps produce: "
                f"{_fmt(self.state.directed, self.names, '->')}; "
                f"undirected {_fmt(self.state.undirected, self.names, '-')}"
            )
        pending = meek_trace(self.state.copy())
        if pending:
            m = pending[0]
            raise _Bad(
                f"not closed under Meek's rules: {m.rule} still orients "
                f"{self.names[m.u]} -> {self.names[m.v]}"
            )

    def _members(self, kind: str, f: Mapping[str, str]) -> None:
        if int(f["count"]) != len(self.rec.members):
            raise _Bad(f"the class has {len(self.rec.members)} member DAGs, not {f['count']}")

    def _reading(self, kind: str, f: Mapping[str, str]) -> None:
        rel = f["relation"]
        if rel not in RELATIONS:
            raise _Bad(f"unknown relation {rel!r}")
        x, y = _node(self.index, f["x"]), _node(self.index, f["y"])
        claimed = (rel, x, y)
        ok = {(self.relation, self.x, self.y)}
        swap = {
            "parent": "child",
            "child": "parent",
            "non-parent ancestor": "non-child descendant",
            "non-child descendant": "non-parent ancestor",
        }
        ok.add((swap.get(self.relation, self.relation), self.y, self.x))
        if claimed not in ok:
            n = self.names
            raise _Bad(
                f"the hypothesis states {self.relation}({n[self.x]}, {n[self.y]}), not "
                f"{rel}({f['x']}, {f['y']})"
            )
        if f["semantics"] != self.semantics:
            raise _Bad(f"the hypothesis is read under {self.semantics} semantics")

    def _decision(self, kind: str, f: Mapping[str, str]) -> None:
        d = self.decision
        if kind != d.label3.replace("entailment", "entailed").replace(
            "contradiction", "contradicted"
        ):
            raise _Bad(f"it holds in {d.holds} of {d.members} member DAGs ({d.label3})")
        if int(f["count"]) != d.members or ("holds" in f and int(f["holds"]) != d.holds):
            raise _Bad(f"it holds in {d.holds} of {d.members} member DAGs")
        if "dag" in f:
            directed, undirected = _edge_list(f["dag"], self.index, self.slot)
            if undirected:
                raise _Bad("a member DAG has no undirected edges")
            parents = [0] * self.rec.n
            for u, v in directed:
                parents[v] |= 1 << u
            dag = tuple(parents)
            if dag not in set(self.rec.members):
                raise _Bad(f"{f['dag']} is not a member DAG of the class")
            holds = textbook_relation_holds if self.semantics == "textbook" else relation_holds
            if holds(dag, self.relation, self.x, self.y):
                raise _Bad(f"the hypothesis holds in {f['dag']}")

    _entailed = _decision
    _contradicted = _decision
    _neutral = _decision

    def _answer(self, kind: str, f: Mapping[str, str]) -> None:
        self.answer = f["answer"]
        want = "Yes" if self.decision.label else "No"
        if f["answer"] != want:
            raise _Bad(f"the answer is {want}")


def check_rationale(
    premise: str,
    hypothesis: str,
    text: str,
    *,
    semantics: str = "auto",
    version: str = DEFAULT_VERSION,
    skip_unreadable: bool = False,
) -> CheckResult:
    """Verify every step of a rationale against the premise.

    Parameters
    ----------
    premise, hypothesis : str
        The item (Corr2Cause or Corr2Cause++ wording).
    text : str
        The rationale: one step per line, in a style of template ``version``.
    semantics : {"auto", "corr2cause", "textbook"}
        The hypothesis reading expected in the ``reading`` line (``"auto"``: from the wording).
    skip_unreadable : bool
        Ignore lines that follow no template (free-form thoughts of a model) instead of
        counting them as errors; every step must still be present and right.

    Returns
    -------
    CheckResult

    Raises
    ------
    SolverError
        Only if the *item* cannot be read or is inconsistent (a bad rationale never raises).
    """
    check_semantics(semantics)
    rec, relation, x, y, hyp_text = read_item(premise, hypothesis)
    chosen = detect_semantics(hyp_text) if semantics == "auto" else semantics
    return check_reconstructed(
        rec,
        relation,
        x,
        y,
        text,
        semantics=chosen,
        version=version,
        skip_unreadable=skip_unreadable,
    )


@dataclass
class _Progress:
    """Where the reading of a rationale stands (copied out of the premise-part cache)."""

    verdicts: list[LineVerdict]
    style: str | None = None
    phase: int = -1
    done: set[int] = field(default_factory=set)
    triples_closed: bool = False
    good: int = 0
    clean: bool = True

    def copy(self) -> _Progress:
        return _Progress(
            list(self.verdicts),
            self.style,
            self.phase,
            set(self.done),
            self.triples_closed,
            self.good,
            self.clean,
        )


def _run(
    progress: _Progress,
    replay: _Replay,
    lines: Sequence[tuple[int, str, tuple[Reading, ...]]],
    skip_unreadable: bool,
) -> None:
    """Check numbered, already read lines in order, updating ``progress``."""
    for lineno, line, readings in lines:
        read = next((r for r in readings if progress.style is None or r[0] == progress.style), None)
        if read is None and skip_unreadable:
            continue
        if read is None:
            msg = f"cannot read the step {line!r}"
            progress.verdicts.append(LineVerdict(lineno, None, False, msg))
            progress.clean = False
            continue
        progress.style, kind, fields = read
        order = _ORDER[kind]
        try:
            if order < progress.phase:
                raise _Bad(f"the {kind} step comes too late")
            if order > 2 and not progress.triples_closed:
                _close_triples(progress, replay, lineno)
            for skipped, what in _REQUIRED:
                if progress.phase < skipped < order and skipped not in progress.done:
                    msg = f"missing step: {what}"
                    progress.verdicts.append(LineVerdict(lineno, None, False, msg))
                    progress.done.add(skipped)
                    progress.clean = False
            if order in (1, 4, 5, 6, 7, 8) and order in progress.done:
                raise _Bad(f"a second {kind} step")
            replay.check(kind, dict(fields))
        except _Bad as bad:
            progress.verdicts.append(LineVerdict(lineno, kind, False, str(bad)))
            progress.clean = False
        else:
            progress.verdicts.append(LineVerdict(lineno, kind, True))
            if progress.clean and kind != "intro":
                progress.good += 1
        progress.phase = max(progress.phase, order)
        progress.done.add(order)


def _close_triples(progress: _Progress, replay: _Replay, lineno: int) -> None:
    progress.triples_closed = True
    missing = replay.end_triples()
    if missing:
        progress.verdicts.append(LineVerdict(lineno, None, False, missing))
        progress.clean = False


@lru_cache(maxsize=512)
def _read_cached(line: str, version: str, slot: str) -> tuple[Reading, ...]:
    return _read_line(line, version, slot)


@lru_cache(maxsize=256)
def _premise_part(
    rec: Reconstruction,
    lines: tuple[tuple[int, str, tuple[Reading, ...]], ...],
    close_at: int | None,
    skip_unreadable: bool,
) -> _Progress:
    """The check of the lines before the hypothesis' reading (shared by a premise's items)."""
    progress = _Progress([])
    replay = _Replay(rec, None)
    _run(progress, replay, lines, skip_unreadable)
    if close_at is not None and not progress.triples_closed:
        _close_triples(progress, replay, close_at)
    return progress


def check_reconstructed(
    rec: Reconstruction,
    relation: str,
    x: int,
    y: int,
    text: str,
    *,
    semantics: str,
    version: str = DEFAULT_VERSION,
    skip_unreadable: bool = False,
) -> CheckResult:
    """:func:`check_rationale` on an already reconstructed class and parsed hypothesis.

    The premise part of the check (the lines before the hypothesis' reading) is cached by
    class and text, so checking every item of a premise costs one premise check.
    """
    check_semantics(semantics, allow_auto=False)
    slot = _name_slot(rec.names)
    numbered = [
        (k, raw.strip(), _read_cached(raw.strip(), version, slot))
        for k, raw in enumerate(text.splitlines(), 1)
        if raw.strip()
    ]
    split = next(
        (i for i, (_, _, r) in enumerate(numbered) if r and _ORDER[r[0][1]] >= 6),
        len(numbered),
    )
    head, tail = numbered[:split], numbered[split:]
    close_at = tail[0][0] if tail else None
    progress = _premise_part(rec, tuple(head), close_at, skip_unreadable).copy()
    replay = _Replay(rec, (relation, x, y, semantics))
    _run(progress, replay, tail, skip_unreadable)
    last = numbered[-1][0] if numbered else 0
    for order, what in _REQUIRED:
        if order not in progress.done:
            progress.verdicts.append(LineVerdict(last + 1, None, False, f"missing step: {what}"))
    gold_steps = _gold_step_count(rec)
    credit = min(1.0, progress.good / gold_steps) if gold_steps else 0.0
    return CheckResult(verdicts=tuple(progress.verdicts), answer=replay.answer, credit=credit)


def _gold_step_count(rec: Reconstruction) -> int:
    """Steps of a complete derivation, intro aside.

    Skeleton, one per unshielded triple (or one "none" line), one per Meek orientation (or one
    "no rule" line), CPDAG, members, reading, decision, answer. Any valid order of the Meek
    rules orients the same edges, so the count does not depend on the order.
    """
    n = rec.n
    adj = rec.skeleton
    triples = sum(
        1
        for a in range(n)
        for b in range(a + 1, n)
        if not adj[a] >> b & 1
        for c in range(n)
        if adj[a] >> c & 1 and adj[b] >> c & 1
    )
    collider_edges = {(a, c) for a, c, _ in rec.v_structures} | {
        (b, c) for _, c, b in rec.v_structures
    }
    meek = len(rec.cpdag.directed_edges()) - len(collider_edges)
    return 1 + max(1, triples) + max(1, meek) + 5
