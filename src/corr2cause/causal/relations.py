"""The six causal relations of the Corr2Cause hypotheses, evaluated on one DAG.

For an ordered pair ``(x, y)`` of distinct nodes of a DAG ``G`` (SPEC section 2):

``parent``
    the edge ``x -> y``.
``child``
    the edge ``y -> x``.
``non-parent ancestor``
    a directed path ``x -> m1 -> ... -> y`` with at least one intermediate node (a direct edge
    ``x -> y`` may exist as well).
``non-child descendant``
    the same with ``x`` and ``y`` swapped.
``has_collider``
    some ``k`` outside ``{x, y}`` has directed paths ``x ~> k`` and ``y ~> k`` that share no
    node but ``k`` (a simple path ``x -> ... -> k <- ... <- y``). This is *not* "a common
    child": ``x -> y -> k`` alone gives no collider, since both paths to ``k`` pass through ``y``.
``has_confounder``
    some ``k`` outside ``{x, y}`` has directed paths ``k ~> x`` and ``k ~> y`` that share no
    node but ``k`` (a simple path ``x <- ... <- k -> ... -> y``).

Bitmask characterisations used here (proved in the module tests against path enumeration):
``has_collider(x, y)`` iff ``De_{G-y}(x) & De_{G-x}(y)`` is non-empty, where ``De_{G-v}`` are
strict descendants in ``G`` with ``v`` deleted; take the first node of ``x``'s path that lies on
``y``'s path to get node-disjoint paths. ``has_confounder`` is the same with ancestors.
"""

from __future__ import annotations

from typing import Final

from corr2cause.graphs.dag import Parents, children_masks, reachable

RELATIONS: Final[tuple[str, ...]] = (
    "parent",
    "non-parent ancestor",
    "child",
    "non-child descendant",
    "has_collider",
    "has_confounder",
)
"""Relation (template) ids, in the order the benchmark lists them."""


def descendants(parents: Parents, v: int, *, removed: int = 0) -> int:
    """Strict descendants of ``v`` as a bitmask, in ``G`` minus the nodes in ``removed``."""
    return reachable(children_masks(parents), 1 << v, removed=removed)


def ancestors(parents: Parents, v: int, *, removed: int = 0) -> int:
    """Strict ancestors of ``v`` as a bitmask, in ``G`` minus the nodes in ``removed``."""
    return reachable(parents, 1 << v, removed=removed)


class RelationEvaluator:
    """Precomputed reachability of one DAG, to answer relation queries in O(1).

    Parameters
    ----------
    parents : tuple of int
        The DAG as parent bitmasks.

    Examples
    --------
    >>> ev = RelationEvaluator((0, 0b001, 0b010))  # A -> B -> C
    >>> ev.holds("non-parent ancestor", 0, 2), ev.holds("parent", 0, 2)
    (True, False)
    """

    __slots__ = ("_anc_wo", "_children", "_desc", "_desc_wo", "n", "parents")

    def __init__(self, parents: Parents) -> None:
        n = len(parents)
        self.n = n
        self.parents = parents
        ch = children_masks(parents)
        self._children = ch
        self._desc = [reachable(ch, 1 << v) for v in range(n)]
        # _desc_wo[r][v]: descendants of v with node r deleted; likewise ancestors.
        self._desc_wo = [
            [reachable(ch, 1 << v, removed=1 << r) for v in range(n)] for r in range(n)
        ]
        self._anc_wo = [
            [reachable(parents, 1 << v, removed=1 << r) for v in range(n)] for r in range(n)
        ]

    def is_parent(self, x: int, y: int) -> bool:
        """Edge ``x -> y``."""
        return bool(self.parents[y] >> x & 1)

    def is_non_parent_ancestor(self, x: int, y: int) -> bool:
        """Directed path from ``x`` to ``y`` with at least one intermediate node."""
        c = self._children[x] & ~(1 << y)
        while c:
            low = c & -c
            if self._desc[low.bit_length() - 1] >> y & 1:
                return True
            c ^= low
        return False

    def has_collider(self, x: int, y: int) -> bool:
        """Node-disjoint directed paths from ``x`` and ``y`` into a common third node."""
        return bool(self._desc_wo[y][x] & self._desc_wo[x][y])

    def has_confounder(self, x: int, y: int) -> bool:
        """Node-disjoint directed paths from a common third node into ``x`` and ``y``."""
        return bool(self._anc_wo[y][x] & self._anc_wo[x][y])

    def holds(self, relation: str, x: int, y: int) -> bool:
        """Whether ``relation`` holds for the ordered pair ``(x, y)``."""
        if x == y:
            raise ValueError("a relation needs two distinct nodes")
        if relation == "parent":
            return self.is_parent(x, y)
        if relation == "child":
            return self.is_parent(y, x)
        if relation == "non-parent ancestor":
            return self.is_non_parent_ancestor(x, y)
        if relation == "non-child descendant":
            return self.is_non_parent_ancestor(y, x)
        if relation == "has_collider":
            return self.has_collider(x, y)
        if relation == "has_confounder":
            return self.has_confounder(x, y)
        raise ValueError(f"unknown relation {relation!r}; expected one of {', '.join(RELATIONS)}")

    def pair_vector(self, x: int, y: int) -> tuple[bool, bool, bool, bool, bool, bool]:
        """All six relations for ``(x, y)``, in :data:`RELATIONS` order."""
        return (
            self.is_parent(x, y),
            self.is_non_parent_ancestor(x, y),
            self.is_parent(y, x),
            self.is_non_parent_ancestor(y, x),
            self.has_collider(x, y),
            self.has_confounder(x, y),
        )


def relation_holds(parents: Parents, relation: str, x: int, y: int) -> bool:
    """Whether ``relation`` (a template id of :data:`RELATIONS`) holds for ``(x, y)`` in a DAG."""
    return RelationEvaluator(parents).holds(relation, x, y)


TEXTBOOK_RELATION_MEANINGS: Final[dict[str, str]] = {
    "parent": "the edge x -> y",
    "non-parent ancestor": "a directed path x -> ... -> y through a mediator, and no edge x -> y",
    "child": "the edge y -> x",
    "non-child descendant": "a directed path y -> ... -> x through a mediator, and no edge y -> x",
    "has_collider": "a common child: some k with x -> k and y -> k",
    "has_confounder": "a common parent: some k with k -> x and k -> y",
}
"""The *textbook* reading of each relation id (Corr2Cause++ wording), one line each.

Corr2Cause++ (M. Englberger, github MarkusEnglberger/Corr2Cause_PP) words its hypotheses "a
common child", "a common parent" and "through some mediator(s) but not directly". Read literally,
each is *stricter* than SPEC section 2: ``x -> m -> k <- y`` has a collider ``k`` (node-disjoint
directed paths into ``k``) but no common child; ``k -> m -> x`` plus ``k -> y`` has a confounder
but no common parent; and ``x -> m -> y`` plus ``x -> y`` makes ``x`` a non-parent ancestor of
``y`` in SPEC terms, but not a cause "not directly". Every textbook relation implies its SPEC
relation, never the reverse.
"""


def textbook_pair_vector(parents: Parents, x: int, y: int) -> tuple[bool, ...]:
    """All six relations for ``(x, y)`` under the *textbook* reading, in :data:`RELATIONS` order.

    Parameters
    ----------
    parents : tuple of int
        The DAG as parent bitmasks.
    x, y : int
        Two distinct nodes.

    Returns
    -------
    tuple of bool
        ``parent``, ``non-parent ancestor`` (a directed path with a mediator and no edge
        ``x -> y``), ``child``, ``non-child descendant``, ``has_collider`` (a common child) and
        ``has_confounder`` (a common parent); see :data:`TEXTBOOK_RELATION_MEANINGS`.

    Examples
    --------
    >>> g = (0, 0b001, 0b011)  # A -> B -> C and A -> C
    >>> textbook_pair_vector(g, 0, 2)  # A is a parent of C, so not an ancestor "not directly"
    (True, False, False, False, False, False)
    >>> textbook_pair_vector(g, 0, 1)[4]  # C is a common child of A and B
    True
    """
    if x == y:
        raise ValueError("a relation needs two distinct nodes")
    ch = children_masks(parents)
    x_to_y = bool(parents[y] >> x & 1)
    y_to_x = bool(parents[x] >> y & 1)
    # a strict descendant reached through a child other than the target itself
    via_x = reachable(ch, ch[x] & ~(1 << y)) | (ch[x] & ~(1 << y))
    via_y = reachable(ch, ch[y] & ~(1 << x)) | (ch[y] & ~(1 << x))
    others = ~((1 << x) | (1 << y))
    return (
        x_to_y,
        bool(via_x >> y & 1) and not x_to_y,
        y_to_x,
        bool(via_y >> x & 1) and not y_to_x,
        bool(ch[x] & ch[y] & others),
        bool(parents[x] & parents[y] & others),
    )


def textbook_relation_holds(parents: Parents, relation: str, x: int, y: int) -> bool:
    """Whether ``relation`` holds for ``(x, y)`` under the textbook reading.

    Examples
    --------
    >>> textbook_relation_holds((0, 0b001, 0b010), "non-parent ancestor", 0, 2)  # A -> B -> C
    True
    """
    try:
        r = RELATIONS.index(relation)
    except ValueError:
        raise ValueError(
            f"unknown relation {relation!r}; expected one of {', '.join(RELATIONS)}"
        ) from None
    return textbook_pair_vector(parents, x, y)[r]


def count_items(
    members: list[Parents] | tuple[Parents, ...], items: list[tuple[int, int, int]]
) -> list[int]:
    """In how many of ``members`` each item ``(x, y, relation_index)`` holds.

    The same numbers as the matching entries of
    :func:`~corr2cause.causal.mec_classes.relation_counts`, but only the requested items are
    evaluated, with reachability computed lazily per DAG: for a collider,
    ``De_{G-y}(x) = De(x)`` unless ``y`` is a descendant of ``x`` (no path from ``x`` then
    passes through ``y``), and likewise for ancestors, so node deletions are rarely needed.
    ``relation_index`` follows :data:`RELATIONS`.
    """
    counts = [0] * len(items)
    for dag in members:
        _add_hits(dag, items, counts)
    return counts


def _add_hits(dag: Parents, items: list[tuple[int, int, int]], counts: list[int]) -> None:
    n = len(dag)
    ch = children_masks(dag)
    desc: list[int] = [-1] * n
    anc: list[int] = [-1] * n

    def de(v: int) -> int:
        if desc[v] < 0:
            desc[v] = reachable(ch, 1 << v)
        return desc[v]

    def an(v: int) -> int:
        if anc[v] < 0:
            anc[v] = reachable(dag, 1 << v)
        return anc[v]

    for k, (x, y, r) in enumerate(items):
        if r == 0:
            hit = dag[y] >> x & 1
        elif r == 2:
            hit = dag[x] >> y & 1
        elif r in (1, 3):
            s, t = (x, y) if r == 1 else (y, x)
            c = ch[s] & ~(1 << t)
            hit = 0
            while c and not hit:
                low = c & -c
                c ^= low
                hit = de(low.bit_length() - 1) >> t & 1
        else:
            step, reach = (ch, de) if r == 4 else (dag, an)
            rx, ry = reach(x), reach(y)
            if rx >> y & 1:
                rx = reachable(step, 1 << x, removed=1 << y)
            if ry >> x & 1:
                ry = reachable(step, 1 << y, removed=1 << x)
            hit = 1 if rx & ry else 0
        counts[k] += hit
