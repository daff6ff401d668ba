"""Hypothesis semantics: which reading of a relation the solver decides, as a named choice.

The same hypothesis words can mean different relations. This module names the two readings the
solver knows and decides a relation under either one, over the member DAGs of a reconstructed
class:

``"corr2cause"``
    SPEC section 2, the definitions the Corr2Cause generator intends: a *collider* of ``x`` and
    ``y`` is any node with node-disjoint directed paths from both, a *confounder* any node with
    node-disjoint directed paths into both, and a *non-parent ancestor* has a directed path
    through a mediator (a direct edge may exist too). It is what the Corr2Cause wordings
    ("collider (i.e., common effect)", "causes something else which causes") mean.
``"textbook"``
    The literal reading of the Corr2Cause++ wordings: "a common child" (``x -> k <- y``), "a
    common parent" (``x <- k -> y``) and "through some mediator(s) but not directly" (a
    directed path with a mediator **and no direct edge**); see
    :data:`~corr2cause.causal.relations.TEXTBOOK_RELATION_MEANINGS`. Parent and child read
    the same under both.

:func:`detect_semantics` picks the reading from a hypothesis' wording (``"textbook"`` iff it
says *common child*, *common parent* or *but not directly*); every function that decides takes a
``semantics`` option (``"auto"``, the default where it applies, means "detect"), so a user can
override the choice, e.g. to audit a Corr2Cause++ file under SPEC semantics.

Entailment is the same under both: a hypothesis is valid iff its relation holds in every member
DAG of the class.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from corr2cause.causal.mec_classes import LABEL3_NAMES
from corr2cause.causal.relations import RELATIONS, textbook_pair_vector
from corr2cause.graphs.dag import Parents, pair_bit
from corr2cause.solver.errors import SolverError
from corr2cause.solver.reconstruct import Reconstruction

__all__ = [
    "SEMANTICS",
    "Decision",
    "SemanticsError",
    "check_semantics",
    "decide",
    "detect_semantics",
]

SEMANTICS: Final[tuple[str, ...]] = ("corr2cause", "textbook")
"""The named readings of the relations: SPEC section 2, and the literal Corr2Cause++ one."""

_TEXTBOOK_MARKERS: Final[tuple[str, ...]] = ("common child", "common parent", "but not directly")


class SemanticsError(SolverError):
    """An unknown semantics name."""


def check_semantics(semantics: str, *, allow_auto: bool = True) -> str:
    """Return ``semantics`` if it names a reading (or ``"auto"``), else raise.

    Raises
    ------
    SemanticsError
        Naming the accepted values.
    """
    accepted = (*SEMANTICS, "auto") if allow_auto else SEMANTICS
    if semantics not in accepted:
        raise SemanticsError(
            f"unknown hypothesis semantics {semantics!r}; expected one of {', '.join(accepted)}"
        )
    return semantics


def detect_semantics(hypothesis: str) -> str:
    """The reading a hypothesis' wording asks for.

    Examples
    --------
    >>> detect_semantics("There exists at least one collider (i.e., a common child) of A and B.")
    'textbook'
    >>> detect_semantics("There exists at least one collider (i.e., common effect) of A and B.")
    'corr2cause'
    >>> detect_semantics("A influences B through some mediator(s) but not directly.")
    'textbook'
    """
    lowered = " ".join(hypothesis.lower().split())
    return "textbook" if any(m in lowered for m in _TEXTBOOK_MARKERS) else "corr2cause"


@dataclass(frozen=True)
class Decision:
    """A relation decided over a class under one semantics.

    Attributes
    ----------
    semantics : str
        The reading used.
    holds : int
        Member DAGs in which the relation holds.
    members : int
        Member DAGs of the class.
    witness_holds, witness_fails : tuple of int or None
        The first member (in the reconstruction's order) in which it holds / fails.
    """

    semantics: str
    holds: int
    members: int
    witness_holds: Parents | None
    witness_fails: Parents | None

    @property
    def label(self) -> int:
        """1 iff entailed (holds in every member)."""
        return int(self.holds == self.members)

    @property
    def label3(self) -> str:
        """``entailment``, ``neutral`` or ``contradiction``."""
        size = self.members
        return LABEL3_NAMES[0 if self.holds == size else 2 if self.holds == 0 else 1]


def decide(
    rec: Reconstruction, relation: str, x: int, y: int, *, semantics: str = "corr2cause"
) -> Decision:
    """Decide ``relation(x, y)`` over the members of ``rec`` under ``semantics``.

    Parameters
    ----------
    rec : Reconstruction
        The class (:func:`~corr2cause.solver.reconstruct.reconstruct`).
    relation : str
        A relation id of :data:`~corr2cause.causal.RELATIONS`.
    x, y : int
        Node indices, ``x < y`` as the parser returns them.
    semantics : {"corr2cause", "textbook"}
        The reading (``"auto"`` is not accepted here: there is no wording to detect from).

    Returns
    -------
    Decision
    """
    check_semantics(semantics, allow_auto=False)
    r = RELATIONS.index(relation)
    if semantics == "corr2cause":
        table = rec.table
        p = pair_bit(x, y, rec.n)
        k_h, k_f = table.first_holds[p][r], table.first_fails[p][r]
        return Decision(
            semantics=semantics,
            holds=table.counts[p][r],
            members=table.size,
            witness_holds=None if k_h < 0 else rec.members[k_h],
            witness_fails=None if k_f < 0 else rec.members[k_f],
        )
    holds = 0
    first_h: Parents | None = None
    first_f: Parents | None = None
    for dag in rec.members:
        if textbook_pair_vector(dag, x, y)[r]:
            holds += 1
            if first_h is None:
                first_h = dag
        elif first_f is None:
            first_f = dag
    return Decision(
        semantics=semantics,
        holds=holds,
        members=len(rec.members),
        witness_holds=first_h,
        witness_fails=first_f,
    )
