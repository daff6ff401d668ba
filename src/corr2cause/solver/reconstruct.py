"""Rebuild the Markov equivalence class that a premise describes, and check that it exists.

Under the Markov and faithfulness assumptions, a premise's independencies are the d-separation
statements of the unknown DAG, and they determine its Markov equivalence class (MEC) by the same
reasoning as the PC algorithm [1]_, with an oracle in place of statistical tests:

1. **Skeleton.** ``X`` and ``Y`` are adjacent iff no set separates them, i.e. iff the premise
   states no independence of ``X`` and ``Y`` at all.
2. **Separating sets.** For a non-adjacent pair, every stated conditioning set is a separating
   set.
3. **v-structures.** For non-adjacent ``X``, ``Y`` with a common neighbour ``C``: in a DAG, ``C``
   lies in *every* separating set of ``X`` and ``Y`` (``C`` is a chain or fork node) or in *none*
   (``C`` is a collider, ``X -> C <- Y``). Premises where some separating sets contain ``C`` and
   others do not are inconsistent.
4. **CPDAG.** The pattern (skeleton plus v-structure edges) is closed under Meek's rules
   (:func:`~corr2cause.causal.meek_closure`); the members of the class are the acyclic
   orientations without new v-structures (:func:`~corr2cause.causal.mec_members`).
5. **Verification.** The statements stated must be *exactly* the d-separation statements of a
   member DAG (:func:`~corr2cause.causal.d_separation_statements`), and every pair must be
   stated to correlate iff it is not marginally independent. If a DAG ``G`` satisfied the
   premise exactly, steps 1-3 would recover ``G``'s skeleton and v-structures, so the members
   would be ``G``'s class and the check would pass; a failing check therefore proves that **no**
   DAG satisfies the premise, and :class:`~corr2cause.solver.errors.InconsistentPremiseError`
   says which sentence is extra or missing.

Relation labels (SPEC sections 1-2) are then counts over the members: a relation is entailed if
it holds in every member, contradicted if in none, neutral otherwise. :class:`RelationTable`
computes them for every pair and relation at once, with one member in which each holds and one
in which it fails, so that all hypotheses of a premise cost one reconstruction.

References
----------
.. [1] P. Spirtes, C. Glymour, R. Scheines, "Causation, Prediction, and Search", 2nd ed.,
   MIT Press, 2000, section 5.4.2 (the PC algorithm).
.. [2] C. Meek, "Causal inference and causal explanation with background knowledge", UAI 1995.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from corr2cause.causal.d_separation import (
    Statement,
    d_separation_statements,
    minimal_separating_statements,
)
from corr2cause.causal.markov_equivalence import Pdag, mec_members, meek_closure
from corr2cause.causal.relations import RELATIONS, RelationEvaluator
from corr2cause.errors import quote
from corr2cause.graphs.dag import Parents, children_masks, pairs
from corr2cause.solver.errors import InconsistentPremiseError, SolverError
from corr2cause.solver.explain import format_pdag, format_v_structures
from corr2cause.solver.parse import ParsedPremise

DEFAULT_MAX_NODES = 12
"""Largest N the solver accepts: verification tests ``2**(N-2)`` sets per non-adjacent pair."""

DEFAULT_MAX_MEMBERS = 50_000
"""Largest equivalence class the solver enumerates (N = 8 has classes of 40,320 DAGs)."""


@dataclass(frozen=True)
class RelationTable:
    """Every relation on every pair, counted over the members of a class.

    Rows are pairs ``i < j`` in the SPEC order (:func:`~corr2cause.graphs.pairs`), columns the
    relations of :data:`~corr2cause.causal.RELATIONS`.

    Attributes
    ----------
    size : int
        Number of member DAGs.
    counts : tuple of tuple of int
        ``counts[pair][rel]``: members in which the relation holds.
    first_holds, first_fails : tuple of tuple of int
        Index (into the members) of the first member in which the relation holds / fails, or
        ``-1`` if there is none.
    """

    size: int
    counts: tuple[tuple[int, ...], ...]
    first_holds: tuple[tuple[int, ...], ...]
    first_fails: tuple[tuple[int, ...], ...]

    @classmethod
    def from_members(cls, members: Sequence[Parents]) -> RelationTable:
        """Evaluate all relations in all members."""
        n = len(members[0])
        prs = pairs(n)
        k = len(RELATIONS)
        counts = [[0] * k for _ in prs]
        first_holds = [[-1] * k for _ in prs]
        first_fails = [[-1] * k for _ in prs]
        for m, dag in enumerate(members):
            ev = RelationEvaluator(dag)
            for p, (i, j) in enumerate(prs):
                row_c, row_h, row_f = counts[p], first_holds[p], first_fails[p]
                for r, holds in enumerate(ev.pair_vector(i, j)):
                    if holds:
                        row_c[r] += 1
                        if row_h[r] < 0:
                            row_h[r] = m
                    elif row_f[r] < 0:
                        row_f[r] = m
        return cls(
            size=len(members),
            counts=tuple(map(tuple, counts)),
            first_holds=tuple(map(tuple, first_holds)),
            first_fails=tuple(map(tuple, first_fails)),
        )


@dataclass(frozen=True)
class Reconstruction:
    """The equivalence class a consistent premise describes.

    Attributes
    ----------
    premise : ParsedPremise
        The facts read from the text.
    skeleton : tuple of int
        Neighbour bitmask of every node.
    v_structures : tuple of (a, c, b)
        Colliders ``a -> c <- b`` with ``a < b`` non-adjacent, sorted.
    cpdag : Pdag
        The completed partially directed graph of the class.
    members : tuple of tuple of int
        All member DAGs (parent bitmasks), sorted.
    """

    premise: ParsedPremise
    skeleton: tuple[int, ...]
    v_structures: tuple[tuple[int, int, int], ...]
    cpdag: Pdag
    members: tuple[Parents, ...]
    _table: list[RelationTable] = field(default_factory=list, repr=False, compare=False)

    @property
    def n(self) -> int:
        """Number of variables."""
        return self.premise.n

    @property
    def names(self) -> tuple[str, ...]:
        """Variable names by node index."""
        return self.premise.names

    @property
    def table(self) -> RelationTable:
        """The relation table (computed on first use, then kept)."""
        if not self._table:
            self._table.append(RelationTable.from_members(self.members))
        return self._table[0]


def reconstruct(
    premise: ParsedPremise,
    *,
    max_nodes: int = DEFAULT_MAX_NODES,
    max_members: int = DEFAULT_MAX_MEMBERS,
) -> Reconstruction:
    """Rebuild and verify the equivalence class of a parsed premise.

    Parameters
    ----------
    premise : ParsedPremise
        The premise's facts (:func:`~corr2cause.solver.parse.parse_premise`).
    max_nodes : int
        Refuse premises with more variables (the verification is exponential in N).
    max_members : int
        Refuse classes with more member DAGs.

    Returns
    -------
    Reconstruction

    Raises
    ------
    InconsistentPremiseError
        If no DAG has exactly the stated correlations and independencies; the message names a
        sentence that is contradictory, extra or missing.
    SolverError
        If the premise exceeds ``max_nodes`` or ``max_members``.
    """
    n = premise.n
    names = premise.names
    if n > max_nodes:
        raise SolverError(
            f"the premise has {n} variables; this solver verifies premises of at most "
            f"{max_nodes} (its check is exponential in N)"
        )
    separating: dict[tuple[int, int], list[int]] = {}
    for i, j, z in sorted(premise.independencies):
        separating.setdefault((i, j), []).append(z)
    _check_correlations(premise, separating)

    full = (1 << n) - 1
    adj = [full & ~(1 << v) for v in range(n)]
    for i, j in separating:
        adj[i] &= ~(1 << j)
        adj[j] &= ~(1 << i)

    # v-structures, each remembered with the independence sentence it comes from
    origin: dict[tuple[int, int], tuple[tuple[int, int, int], str]] = {}
    colliders: list[tuple[int, int, int]] = []
    non_collider: tuple[str, int, int, int] | None = None  # first evidence of a non-collider
    directed = [0] * n
    for (a, b), zs in separating.items():
        common = adj[a] & adj[b]
        for c in range(n):
            if not common >> c & 1:
                continue
            inside = [z for z in zs if z >> c & 1]
            if inside and len(inside) < len(zs):
                outside = next(z for z in zs if not z >> c & 1)
                s_in = premise.sentence((a, b, inside[0]))
                s_out = premise.sentence((a, b, outside))
                raise InconsistentPremiseError(
                    f"no DAG satisfies the premise: the sentences {quote(s_in)} and {quote(s_out)} "
                    "disagree "
                    f"about {names[c]}, a common neighbour of {names[a]} and {names[b]} (in a "
                    "DAG it lies in every set that separates them, or in none)",
                    sentence=s_out,
                )
            if inside:
                if non_collider is None:
                    non_collider = (premise.sentence((a, b, inside[0])), a, c, b)
                continue
            vs = (a, c, b)
            colliders.append(vs)
            why = premise.sentence((a, b, zs[0]))
            for u in (a, b):
                if directed[u] >> c & 1:  # the opposite edge c -> u is already required
                    (other, other_why) = origin[(c, u)]
                    raise InconsistentPremiseError(
                        "no DAG satisfies the premise: "
                        f"{quote(why)} makes {names[c]} a collider of {names[a]} and {names[b]} "
                        f"({names[u]} -> {names[c]}), but {quote(other_why)} makes "
                        f"{names[other[1]]} a collider of {names[other[0]]} and "
                        f"{names[other[2]]} ({names[c]} -> {names[u]})",
                        sentence=why,
                    )
                directed[c] |= 1 << u
                origin.setdefault((u, c), (vs, why))

    directed_t = tuple(directed)
    ch = children_masks(directed_t)
    undirected = tuple(adj[v] & ~directed[v] & ~ch[v] for v in range(n))
    cpdag = meek_closure(Pdag(directed_t, undirected))
    if not _is_chordal(cpdag.undirected):  # a CPDAG's undirected part is always chordal
        raise _unorientable(premise, cpdag, colliders, origin, non_collider)
    try:
        members = tuple(mec_members(cpdag, limit=max_members))
    except OverflowError:
        raise SolverError(
            f"the premise's equivalence class has more than {max_members} member DAGs; "
            "raise max_members to solve it"
        ) from None
    if not members:
        raise _unorientable(premise, cpdag, colliders, origin, non_collider)
    _verify(premise, members[0], cpdag)
    return Reconstruction(
        premise=premise,
        skeleton=tuple(adj),
        v_structures=tuple(sorted(colliders)),
        cpdag=cpdag,
        members=members,
    )


def _is_chordal(undirected: tuple[int, ...]) -> bool:
    """Whether an undirected graph (neighbour masks) is chordal.

    Maximum cardinality search visits the nodes so that, iff the graph is chordal, each node's
    earlier-visited neighbours form a clique; it suffices to check that they are all adjacent
    to the latest-visited of them (Tarjan and Yannakakis, SIAM J. Comput. 13, 1984).
    """
    n = len(undirected)
    weight = [0] * n
    visit_rank = [0] * n
    visited = 0
    for _ in range(n):
        v = max((u for u in range(n) if not visited >> u & 1), key=weight.__getitem__)
        earlier = undirected[v] & visited
        if earlier:
            latest = max((u for u in range(n) if earlier >> u & 1), key=visit_rank.__getitem__)
            if earlier & ~(1 << latest) & ~undirected[latest]:
                return False
        visit_rank[v] = visited.bit_count()
        visited |= 1 << v
        rest = undirected[v] & ~visited
        for u in range(n):
            if rest >> u & 1:
                weight[u] += 1
    return True


def _check_correlations(
    premise: ParsedPremise, separating: dict[tuple[int, int], list[int]]
) -> None:
    """Each pair must be stated to correlate iff it is not marginally independent."""
    names = premise.names
    for i, j in pairs(premise.n):
        correlated = (i, j) in premise.correlations
        independent = (i, j, 0) in premise.independencies
        if correlated and independent:
            s_corr, s_ind = premise.sentence((i, j)), premise.sentence((i, j, 0))
            raise InconsistentPremiseError(
                f"the premise states both {quote(s_corr)} and {quote(s_ind)}", sentence=s_ind
            )
        if not correlated and not independent:
            s_corr = premise.sentence((i, j))
            raise InconsistentPremiseError(
                f"the premise is incomplete: it lacks {quote(s_corr)} (every pair that is not "
                f"independent must be stated to correlate), yet never states "
                f"{names[i]} and {names[j]} independent",
                sentence=s_corr,
            )


def _verify(premise: ParsedPremise, member: Parents, cpdag: Pdag) -> None:
    """The stated independencies must be exactly the member's d-separation statements.

    A premise in the *minimal* style (only the inclusion-minimal separating sets of each pair)
    is accepted too: it pins down the same class.
    """
    all_statements = d_separation_statements(member)
    implied: set[Statement] = set(all_statements)
    stated = premise.independencies
    if implied == stated or stated == set(minimal_separating_statements(all_statements)):
        return
    graph = format_pdag(cpdag, premise.names)
    extra = sorted(stated - implied)
    if extra:
        s = premise.sentence(extra[0])
        raise InconsistentPremiseError(
            f"no DAG satisfies the premise: the sentence {quote(s)} does not hold in the only "
            f"equivalence class its other statements allow (CPDAG {graph})",
            sentence=s,
        )
    s = premise.sentence(min(implied - stated))
    raise InconsistentPremiseError(
        f"no DAG satisfies the premise: it omits {quote(s)}, which holds in every DAG with the "
        f"skeleton and colliders its statements determine (CPDAG {graph}); a premise lists "
        "every independence (or, in the minimal style, every minimal separating set)",
        sentence=s,
    )


def _unorientable(
    premise: ParsedPremise,
    graph: Pdag,
    colliders: list[tuple[int, int, int]],
    origin: dict[tuple[int, int], tuple[tuple[int, int, int], str]],
    non_collider: tuple[str, int, int, int] | None,
) -> InconsistentPremiseError:
    """The error for a skeleton that no DAG with exactly the implied colliders orients."""
    names = premise.names
    skeleton = format_pdag(graph, names)
    if colliders:
        sentences = sorted({why for _, why in origin.values()})
        shown = format_v_structures(colliders, names)
        return InconsistentPremiseError(
            f"no DAG satisfies the premise: the colliders its independencies imply ({shown}; "
            f"from {', '.join(repr(s) for s in sentences)}) cannot be completed to a DAG on the "
            f"skeleton they determine ({skeleton}) without a directed cycle or another collider",
            sentence=sentences[0],
        )
    why, a, c, b = non_collider if non_collider is not None else (None, 0, 0, 0)
    example = (
        f"; e.g. {quote(why)} rules out {names[a]} -> {names[c]} <- {names[b]}"
        if why is not None
        else ""
    )
    return InconsistentPremiseError(
        "no DAG satisfies the premise: its independencies allow no collider at all, but the "
        f"skeleton they determine ({skeleton}) has a cycle without chords, which no DAG "
        f"orients without a collider{example}",
        sentence=why,
    )
