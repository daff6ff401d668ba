"""The exact solver: one premise -> one equivalence class -> every hypothesis decided by counting.

:class:`Solver` reads a premise (:mod:`~corr2cause.solver.parse`), rebuilds and verifies its
Markov equivalence class (:mod:`~corr2cause.solver.reconstruct`) and decides a hypothesis by
counting the member DAGs in which its relation holds (SPEC sections 1-2):

- **entailment** (binary label 1, *valid*): it holds in every member;
- **contradiction** (label 0): it holds in none;
- **neutral** (label 0): it holds in some but not all.

Reconstructions are cached by premise text, and also by the premise's *content* (the set of
facts it states), so the dozens of hypotheses that share a premise, and premises that differ
only in sentence order or spacing, cost one reconstruction. Parsed hypotheses are cached per
premise. A premise that cannot be solved is cached too, and raises the same
:class:`~corr2cause.solver.errors.SolverError` each time.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

from corr2cause.causal.mec_classes import LABEL3_NAMES, label3_codes
from corr2cause.causal.relations import RELATIONS
from corr2cause.graphs.dag import pair_bit
from corr2cause.solver.errors import ParseError, SolverError
from corr2cause.solver.explain import (
    dag_edges,
    explanation_text,
    format_pdag,
    pdag_edges,
)
from corr2cause.solver.parse import ParsedHypothesis, parse_hypothesis, parse_premise, split_input
from corr2cause.solver.reconstruct import (
    DEFAULT_MAX_MEMBERS,
    DEFAULT_MAX_NODES,
    Reconstruction,
    reconstruct,
)

_RELATION_INDEX = {rel: r for r, rel in enumerate(RELATIONS)}


@dataclass(frozen=True)
class Solution:
    """The exact answer to one hypothesis, with what is needed to explain it.

    Attributes
    ----------
    label : int
        1 valid (entailed), 0 invalid.
    label3 : str
        ``"entailment"``, ``"neutral"`` or ``"contradiction"``.
    fraction : float
        Share of the class's member DAGs in which the relation holds.
    relation : str
        Relation id of :data:`~corr2cause.causal.RELATIONS`.
    x, y : str
        Names of the ordered pair the relation is about (``x`` before ``y`` in the premise).
    template : str
        The official ``template`` column value for the hypothesis's wording.
    hypothesis : str
        The hypothesis as read.
    holds : int
        Number of member DAGs in which the relation holds.
    members : int
        Number of member DAGs of the class.
    reconstruction : Reconstruction
        The premise's class (shared by all solutions of the premise).
    """

    label: int
    label3: str
    fraction: float
    relation: str
    x: str
    y: str
    template: str
    hypothesis: str
    holds: int
    members: int
    reconstruction: Reconstruction = field(repr=False, compare=False)
    _pair: int = field(repr=False, compare=False, default=0)

    def _witness(self, which: str) -> tuple[int, ...] | None:
        table = self.reconstruction.table
        rows = table.first_holds if which == "holds" else table.first_fails
        k = rows[self._pair][_RELATION_INDEX[self.relation]]
        return None if k < 0 else self.reconstruction.members[k]

    @property
    def witness_holds(self) -> tuple[int, ...] | None:
        """A member DAG (parent bitmasks) in which the relation holds, or ``None``."""
        return self._witness("holds")

    @property
    def witness_fails(self) -> tuple[int, ...] | None:
        """A member DAG (parent bitmasks) in which the relation fails, or ``None``."""
        return self._witness("fails")

    def explanation(self) -> str:
        """A readable explanation: the CPDAG, the colliders, the count and the witnesses.

        Returns
        -------
        str
            Several lines (see :mod:`corr2cause.solver.explain`).
        """
        rec = self.reconstruction
        return explanation_text(
            names=rec.names,
            num_correlations=len(rec.premise.correlations),
            num_independencies=len(rec.premise.independencies),
            cpdag=rec.cpdag,
            v_structures=rec.v_structures,
            members=self.members,
            hypothesis=self.hypothesis,
            relation=self.relation,
            x=self.x,
            y=self.y,
            holds=self.holds,
            label3=self.label3,
            label=self.label,
            witness_holds=self.witness_holds,
            witness_fails=self.witness_fails,
        )

    def to_dict(self) -> dict[str, Any]:
        """A JSON-serializable record of the decision and its evidence.

        Returns
        -------
        dict
            ``label``, ``label3``, ``fraction``, ``relation``, ``x``, ``y``, ``template``,
            ``hypothesis``, ``num_variables``, ``holds``, ``members``, ``cpdag`` (as
            ``{"directed": [[a, b], ...], "undirected": [...]}``), ``cpdag_text``,
            ``v_structures`` (``[[a, c, b], ...]``), and ``witness_fails`` / ``witness_holds``
            (member DAGs as ``[[from, to], ...]``, or ``None`` when there is none).
        """
        rec = self.reconstruction
        names = rec.names
        fails, holds = self.witness_fails, self.witness_holds
        return {
            "label": self.label,
            "label3": self.label3,
            "fraction": self.fraction,
            "relation": self.relation,
            "x": self.x,
            "y": self.y,
            "template": self.template,
            "hypothesis": self.hypothesis,
            "num_variables": rec.n,
            "holds": self.holds,
            "members": self.members,
            "cpdag": pdag_edges(rec.cpdag, names),
            "cpdag_text": format_pdag(rec.cpdag, names),
            "v_structures": [[names[a], names[c], names[b]] for a, c, b in rec.v_structures],
            "witness_fails": None if fails is None else dag_edges(fails, names),
            "witness_holds": None if holds is None else dag_edges(holds, names),
        }


@dataclass(frozen=True)
class _Failure:
    """A cached :class:`SolverError`, re-raised as a fresh exception each time."""

    kind: type[SolverError]
    message: str
    sentence: str | None

    def throw(self) -> None:
        raise self.kind(self.message, sentence=self.sentence)


class Solver:
    """Exact Corr2Cause solver with a premise cache.

    Parameters
    ----------
    cache_size : int
        Reconstructions kept (least recently used are dropped); ``0`` disables caching.
    max_nodes : int
        Largest number of variables accepted.
    max_members : int
        Largest equivalence class enumerated.

    Examples
    --------
    >>> premise = (
    ...     "Suppose there is a closed system of 3 variables, A, B and C. All the statistical "
    ...     "relations among these 3 variables are as follows: A correlates with C. "
    ...     "B correlates with C. However, A is independent of B."
    ... )
    >>> sol = Solver().solve(premise, "A directly causes C.")
    >>> sol.label, sol.label3, sol.fraction
    (1, 'entailment', 1.0)
    """

    def __init__(
        self,
        *,
        cache_size: int = 4096,
        max_nodes: int = DEFAULT_MAX_NODES,
        max_members: int = DEFAULT_MAX_MEMBERS,
    ) -> None:
        if cache_size < 0:
            raise ValueError("cache_size must be >= 0")
        self.cache_size = cache_size
        self.max_nodes = max_nodes
        self.max_members = max_members
        self._by_text: OrderedDict[str, Reconstruction | _Failure] = OrderedDict()
        self._by_content: OrderedDict[object, Reconstruction | _Failure] = OrderedDict()
        # parsed hypotheses depend only on the variable names: names -> text -> parse
        self._hypotheses: OrderedDict[tuple[str, ...], dict[str, ParsedHypothesis | _Failure]]
        self._hypotheses = OrderedDict()
        self.hits = 0
        self.misses = 0

    # -- premises -------------------------------------------------------------------------

    def reconstruct(self, premise: str) -> Reconstruction:
        """The verified equivalence class of a premise (cached).

        Raises
        ------
        SolverError
            :class:`~corr2cause.solver.errors.ParseError` or
            :class:`~corr2cause.solver.errors.InconsistentPremiseError`.
        """
        if not isinstance(premise, str):
            raise ParseError(f"a premise must be a string, not {type(premise).__name__}")
        if not self.cache_size:
            self.misses += 1
            return self._build(premise)
        entry = self._by_text.get(premise)
        if entry is not None:
            self.hits += 1
            self._by_text.move_to_end(premise)
        else:
            self.misses += 1
            entry = self._lookup_or_build(premise)
            self._remember(self._by_text, premise, entry)
        if isinstance(entry, _Failure):
            entry.throw()
        return entry  # type: ignore[return-value]

    def _build(self, premise: str) -> Reconstruction:
        return reconstruct(
            parse_premise(premise), max_nodes=self.max_nodes, max_members=self.max_members
        )

    def _lookup_or_build(self, premise: str) -> Reconstruction | _Failure:
        try:
            parsed = parse_premise(premise)
        except SolverError as err:
            return _Failure(type(err), str(err), err.sentence)
        entry = self._by_content.get(parsed.key)
        if entry is None:
            try:
                entry = reconstruct(parsed, max_nodes=self.max_nodes, max_members=self.max_members)
            except SolverError as err:
                entry = _Failure(type(err), str(err), err.sentence)
            self._remember(self._by_content, parsed.key, entry)
        return entry

    def _remember(self, cache: OrderedDict[Any, Any], key: object, entry: object) -> None:
        cache[key] = entry
        if len(cache) > self.cache_size:
            cache.popitem(last=False)

    def clear_cache(self) -> None:
        """Forget every cached reconstruction."""
        self._by_text.clear()
        self._by_content.clear()
        self._hypotheses.clear()

    def cache_info(self) -> dict[str, int]:
        """``hits``, ``misses`` (premise lookups) and ``size`` (distinct premise contents)."""
        return {"hits": self.hits, "misses": self.misses, "size": len(self._by_content)}

    # -- hypotheses -----------------------------------------------------------------------

    def _hypothesis(self, rec: Reconstruction, text: str) -> ParsedHypothesis:
        if not isinstance(text, str):
            raise ParseError(f"a hypothesis must be a string, not {type(text).__name__}")
        if not self.cache_size:
            return parse_hypothesis(text, rec.names)
        per_names = self._hypotheses.get(rec.names)
        if per_names is None:
            per_names = {}
            self._remember(self._hypotheses, rec.names, per_names)
        entry = per_names.get(text)
        if entry is None:
            try:
                entry = parse_hypothesis(text, rec.names)
            except ParseError as err:
                entry = _Failure(type(err), str(err), err.sentence)
            if len(per_names) < 64 * self.cache_size:
                per_names[text] = entry
        if isinstance(entry, _Failure):
            entry.throw()
        return entry  # type: ignore[return-value]

    def solve(self, premise: str, hypothesis: str) -> Solution:
        """Decide one hypothesis exactly.

        Parameters
        ----------
        premise : str
            The premise text (SPEC section 4; any variable names, any sentence order).
        hypothesis : str
            One hypothesis sentence (SPEC section 5; original, swap or paraphrased wording).

        Returns
        -------
        Solution

        Raises
        ------
        SolverError
            If either text cannot be read, or no DAG satisfies the premise.
        """
        rec = self.reconstruct(premise)
        hyp = self._hypothesis(rec, hypothesis)
        table = rec.table
        pair = pair_bit(hyp.x, hyp.y, rec.n)
        holds = table.counts[pair][_RELATION_INDEX[hyp.relation]]
        size = table.size
        label3 = LABEL3_NAMES[int(label3_codes(holds, size))]
        names = rec.names
        return Solution(
            label=int(holds == size),
            label3=label3,
            fraction=holds / size,
            relation=hyp.relation,
            x=names[hyp.x],
            y=names[hyp.y],
            template=hyp.template,
            hypothesis=hyp.text,
            holds=holds,
            members=size,
            reconstruction=rec,
            _pair=pair,
        )

    def solve_input(self, text: str) -> Solution:
        """Decide an item in the official ``input`` form ``"Premise: ...\\nHypothesis: ..."``."""
        premise, hypothesis = split_input(text)
        return self.solve(premise, hypothesis)
