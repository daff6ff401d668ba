"""Independent reference implementations (oracles) and named fixture graphs for the causal tests.

Nothing in this module calls the code under test (``corr2cause``):

- graphs are built straight from edge lists, and pairs are numbered by hand as SPEC section 3
  says (``(0,1), (0,2), ..., (0,n-1), (1,2), ...``);
- d-separation comes from :func:`networkx.is_d_separator`, queried for every pair and every
  conditioning subset of the remaining nodes;
- the six relations come from path enumeration (:func:`networkx.all_simple_paths`) read off the
  definitions of SPEC section 2, including the node-disjointness of the two paths of
  ``has_collider`` and ``has_confounder``;
- labeled DAGs are enumerated by brute force over the ``3 ** C(n, 2)`` ways of leaving each pair
  unconnected or orienting it, with a hand-written acyclicity check;
- Markov equivalence classes are found by grouping labeled DAGs by their complete d-separation
  statement set, and classes *up to isomorphism* by the minimum of the permuted statement sets
  over all ``n!`` permutations.

The module is imported by name from the test modules of this directory (pytest's default
``prepend`` import mode puts the directory on ``sys.path``); the name is unusual on purpose so
it cannot clash with helper modules of other test directories.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass

import networkx as nx
from hypothesis import strategies as st

DagT = tuple[int, ...]
"""A DAG as parent bitmasks: bit ``u`` of ``dag[v]`` set iff ``u -> v``."""

StatementT = tuple[int, int, int]
"""``(i, j, z_mask)`` with ``i < j``: ``i`` and ``j`` are d-separated given ``z_mask``."""

LETTERS = "ABCDEFGHIJ"

REF_RELATIONS: tuple[str, ...] = (
    "parent",
    "child",
    "non-parent ancestor",
    "non-child descendant",
    "has_collider",
    "has_confounder",
)
"""The six relation ids in the order of the table of SPEC section 2 (not the package's order)."""

# --------------------------------------------------------------------------------------------
# Named, immutable fixture graphs
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class NamedDag:
    """A small hand-written DAG: its name, its parent bitmasks and a frozen networkx view.

    ``graph`` uses the letters ``A, B, ...`` as node names and is frozen with
    :func:`networkx.freeze`, so no test can mutate a shared fixture.
    """

    name: str
    n: int
    edge_list: tuple[tuple[str, str], ...]
    parents: DagT
    graph: nx.DiGraph

    def idx(self, letter: str) -> int:
        """Index of a node given by its letter."""
        return LETTERS.index(letter)


def named_dag(name: str, n: int, spec: str) -> NamedDag:
    """Build a :class:`NamedDag` from ``"A->B B->C"`` (space separated edges on ``n`` nodes)."""
    edge_list = tuple(tuple(e.split("->")) for e in spec.split()) if spec else ()
    parents = [0] * n
    g = nx.DiGraph()
    g.add_nodes_from(LETTERS[:n])
    for u, v in edge_list:
        parents[LETTERS.index(v)] |= 1 << LETTERS.index(u)
        g.add_edge(u, v)
    return NamedDag(name, n, edge_list, tuple(parents), nx.freeze(g))  # type: ignore[arg-type]


CHAIN = named_dag("chain", 3, "A->B B->C")
FORK = named_dag("fork", 3, "B->A B->C")
COLLIDER = named_dag("collider", 3, "A->C B->C")
TRIANGLE = named_dag("triangle", 3, "A->B A->C B->C")
EMPTY3 = named_dag("empty3", 3, "")
DIAMOND = named_dag("diamond", 4, "A->B A->C B->D C->D")
Y_STRUCTURE = named_dag("y_structure", 4, "A->C B->C C->D")
M_BIAS = named_dag("m_bias", 5, "A->B A->C D->C D->E")

NAMED_DAGS: tuple[NamedDag, ...] = (
    CHAIN,
    FORK,
    COLLIDER,
    TRIANGLE,
    EMPTY3,
    DIAMOND,
    Y_STRUCTURE,
    M_BIAS,
)
"""All named fixture graphs (a tuple, so the collection itself is immutable too)."""

# --------------------------------------------------------------------------------------------
# Plain graph helpers, written from scratch
# --------------------------------------------------------------------------------------------


def ref_pairs(n: int) -> list[tuple[int, int]]:
    """Pairs in the SPEC order: ``(0,1), (0,2), ..., (0,n-1), (1,2), ...``."""
    return [(i, j) for i in range(n) for j in range(i + 1, n)]


def ref_edges(dag: DagT) -> list[tuple[int, int]]:
    """Edge list ``(u, v)`` of a parent-bitmask DAG."""
    return [(u, v) for v, pm in enumerate(dag) for u in range(len(dag)) if pm >> u & 1]


def to_nx(dag: DagT) -> nx.DiGraph:
    """networkx DiGraph on integer nodes ``0 .. n-1``."""
    g = nx.DiGraph()
    g.add_nodes_from(range(len(dag)))
    g.add_edges_from(ref_edges(dag))
    return g


def dag_from_edges(n: int, edge_list: Iterable[tuple[int, int]]) -> DagT:
    """Parent bitmasks from an edge list."""
    parents = [0] * n
    for u, v in edge_list:
        parents[v] |= 1 << u
    return tuple(parents)


def ref_is_acyclic(dag: DagT) -> bool:
    """Kahn's algorithm on bitmasks."""
    n = len(dag)
    placed = 0
    progress = True
    while progress:
        progress = False
        for v in range(n):
            if not placed >> v & 1 and dag[v] & ~placed == 0:
                placed |= 1 << v
                progress = True
    return placed == (1 << n) - 1


def ref_relabel(dag: DagT, perm: Sequence[int]) -> DagT:
    """Node ``v`` becomes ``perm[v]``."""
    return dag_from_edges(len(dag), ((perm[u], perm[v]) for u, v in ref_edges(dag)))


def ref_upper_mask(dag: DagT) -> int | None:
    """SPEC mask of an upper-triangular DAG, or ``None`` if some edge goes downwards."""
    n = len(dag)
    mask = 0
    for b, (i, j) in enumerate(ref_pairs(n)):
        if dag[i] >> j & 1:
            return None
        if dag[j] >> i & 1:
            mask |= 1 << b
    return mask


def ref_mask_to_dag(mask: int, n: int) -> DagT:
    """Inverse of :func:`ref_upper_mask`."""
    return dag_from_edges(n, (p for b, p in enumerate(ref_pairs(n)) if mask >> b & 1))


def all_labeled_dags(n: int) -> Iterator[DagT]:
    """Every labeled DAG on ``n`` nodes: each pair absent, ``i -> j`` or ``j -> i``, if acyclic."""
    prs = ref_pairs(n)
    for choice in itertools.product((0, 1, 2), repeat=len(prs)):
        parents = [0] * n
        for (i, j), c in zip(prs, choice, strict=True):
            if c == 1:
                parents[j] |= 1 << i
            elif c == 2:
                parents[i] |= 1 << j
        dag = tuple(parents)
        if ref_is_acyclic(dag):
            yield dag


def skeleton_orientations(dag: DagT) -> Iterator[DagT]:
    """Every acyclic orientation of the skeleton of ``dag`` (including ``dag`` itself)."""
    n = len(dag)
    und = [(min(u, v), max(u, v)) for u, v in ref_edges(dag)]
    for flips in itertools.product((False, True), repeat=len(und)):
        oriented = ((j, i) if f else (i, j) for (i, j), f in zip(und, flips, strict=True))
        cand = dag_from_edges(n, oriented)
        if ref_is_acyclic(cand):
            yield cand


# --------------------------------------------------------------------------------------------
# d-separation oracle (networkx)
# --------------------------------------------------------------------------------------------


def subsets(nodes: Sequence[int]) -> Iterator[tuple[int, ...]]:
    """All subsets of ``nodes``."""
    for r in range(len(nodes) + 1):
        yield from itertools.combinations(nodes, r)


def nx_d_separated(g: nx.DiGraph, x: object, y: object, z: Iterable[object]) -> bool:
    """networkx's d-separation test for single nodes."""
    return nx.is_d_separator(g, {x}, {y}, set(z))


def nx_statements(dag: DagT) -> list[StatementT]:
    """Every d-separation statement, by brute force over pairs and subsets with networkx."""
    n = len(dag)
    g = to_nx(dag)
    out: list[StatementT] = []
    for i, j in ref_pairs(n):
        rest = [v for v in range(n) if v not in (i, j)]
        for z in subsets(rest):
            if nx_d_separated(g, i, j, z):
                out.append((i, j, sum(1 << v for v in z)))
    out.sort()
    return out


# --------------------------------------------------------------------------------------------
# Brute-force Markov equivalence
# --------------------------------------------------------------------------------------------


def ref_v_structures(dag: DagT) -> set[tuple[int, int, int]]:
    """v-structures ``(a, c, b)`` with ``a < b``: ``a -> c <- b``, ``a`` and ``b`` non-adjacent."""
    edges = set(ref_edges(dag))
    linked = {frozenset(e) for e in edges}
    return {
        (min(a, b), c, max(a, b))
        for (a, c), (b, c2) in itertools.permutations(edges, 2)
        if c == c2 and frozenset((a, b)) not in linked
    }


def ref_members(dag: DagT) -> list[DagT]:
    """The MEC of ``dag`` by Verma & Pearl: orientations of its skeleton (acyclic) with the same
    v-structures, sorted. Much faster than :func:`brute_force_members` (no d-separation)."""
    target = ref_v_structures(dag)
    return sorted(h for h in skeleton_orientations(dag) if ref_v_structures(h) == target)


def permute_mask(mask: int, perm: Sequence[int]) -> int:
    """Image of a node bitmask under ``v -> perm[v]``."""
    out = 0
    for v, p in enumerate(perm):
        if mask >> v & 1:
            out |= 1 << p
    return out


def permute_statements(stmts: Iterable[StatementT], perm: Sequence[int]) -> tuple[StatementT, ...]:
    """Statements of the relabeled DAG (node ``v`` becomes ``perm[v]``), sorted."""
    out = []
    for i, j, z in stmts:
        a, b = perm[i], perm[j]
        out.append((min(a, b), max(a, b), permute_mask(z, perm)))
    return tuple(sorted(out))


def canonical_statements(stmts: Iterable[StatementT], n: int) -> tuple[StatementT, ...]:
    """Minimum of the permuted statement sets over all ``n!`` permutations (an orbit invariant).

    Two statement sets get the same key iff some permutation maps one onto the other.
    """
    stmts = tuple(stmts)
    return min(permute_statements(stmts, p) for p in itertools.permutations(range(n)))


@dataclass(frozen=True)
class BruteClass:
    """A MEC class up to isomorphism, found by brute force.

    ``mask`` is the smallest SPEC mask of an upper-triangular labeled DAG in the class and
    ``members`` the labeled MEC (all DAGs with the same statements) of that DAG, in its labeling.
    ``labeled_mecs`` is the number of distinct labeled MECs in the class.
    """

    mask: int
    members: frozenset[DagT]
    labeled_mecs: int
    labeled_dags: int


def brute_force_classes(
    n: int, statements: Callable[[DagT], Sequence[StatementT]] = nx_statements
) -> list[BruteClass]:
    """All MEC classes up to isomorphism on ``n`` nodes from the labeled DAGs alone.

    Labeled MECs are the groups of labeled DAGs with equal statement sets; classes up to
    isomorphism group the labeled MECs by :func:`canonical_statements`.
    """
    by_stmts: dict[tuple[StatementT, ...], list[DagT]] = defaultdict(list)
    for dag in all_labeled_dags(n):
        by_stmts[tuple(statements(dag))].append(dag)
    by_class: dict[tuple[StatementT, ...], list[tuple[StatementT, ...]]] = defaultdict(list)
    for key in by_stmts:
        by_class[canonical_statements(key, n)].append(key)
    out = []
    for keys in by_class.values():
        best: tuple[int, tuple[StatementT, ...]] | None = None
        for key in keys:
            for dag in by_stmts[key]:
                m = ref_upper_mask(dag)
                if m is not None and (best is None or m < best[0]):
                    best = (m, key)
        assert best is not None
        out.append(
            BruteClass(
                mask=best[0],
                members=frozenset(by_stmts[best[1]]),
                labeled_mecs=len(keys),
                labeled_dags=sum(len(by_stmts[k]) for k in keys),
            )
        )
    out.sort(key=lambda c: c.mask)
    return out


def brute_force_members(
    dag: DagT, statements: Callable[[DagT], Sequence[StatementT]] = nx_statements
) -> set[DagT]:
    """Labeled DAGs with exactly the statements of ``dag``.

    Only orientations of ``dag``'s skeleton are tried. This loses nothing: a pair is adjacent
    iff no statement separates it, so equal statement sets force equal skeletons.
    """
    target = list(statements(dag))
    return {h for h in skeleton_orientations(dag) if list(statements(h)) == target}


# --------------------------------------------------------------------------------------------
# Relations straight from SPEC section 2 (path enumeration)
# --------------------------------------------------------------------------------------------


def _disjoint_paths_into(g: nx.DiGraph, x: object, y: object, k: object) -> bool:
    """Directed paths ``x ~> k`` and ``y ~> k`` sharing no node but ``k``."""
    if not (nx.has_path(g, x, k) and nx.has_path(g, y, k)):
        return False
    px = [set(p) for p in nx.all_simple_paths(g, x, k)]
    py = [set(p) for p in nx.all_simple_paths(g, y, k)]
    return any(a & b == {k} for a in px for b in py)


def reference_relations(g: nx.DiGraph, x: object, y: object) -> dict[str, bool]:
    """The six relations of SPEC section 2 for the ordered pair ``(x, y)`` of a DAG."""
    others = [k for k in g.nodes if k not in (x, y)]
    rev = g.reverse(copy=False)
    return {
        "parent": g.has_edge(x, y),
        "child": g.has_edge(y, x),
        "non-parent ancestor": any(len(p) >= 3 for p in nx.all_simple_paths(g, x, y)),
        "non-child descendant": any(len(p) >= 3 for p in nx.all_simple_paths(g, y, x)),
        "has_collider": any(_disjoint_paths_into(g, x, y, k) for k in others),
        # k ~> x and k ~> y disjoint  <=>  x ~> k and y ~> k disjoint in the reversed graph
        "has_confounder": any(_disjoint_paths_into(rev, x, y, k) for k in others),
    }


def reference_relation_table(dag: DagT) -> dict[tuple[int, int], dict[str, bool]]:
    """Relations for every ordered pair of distinct nodes of a parent-bitmask DAG."""
    g = to_nx(dag)
    n = len(dag)
    return {(x, y): reference_relations(g, x, y) for x in range(n) for y in range(n) if x != y}


def reference_label_counts(members: Iterable[DagT], n: int) -> dict[tuple[int, int, str], int]:
    """For each pair ``i < j`` and relation, the number of members in which it holds."""
    counts: dict[tuple[int, int, str], int] = defaultdict(int)
    for dag in members:
        table = reference_relation_table(dag)
        for i, j in ref_pairs(n):
            for rel, holds in table[(i, j)].items():
                counts[(i, j, rel)] += holds
    return counts


def _skeleton_paths_with_shape(g: nx.DiGraph, x: object, y: object, into: bool) -> bool:
    """A simple path ``x -> .. -> k <- .. <- y`` (``into``), else ``x <- .. <- k -> .. -> y``.

    The second formulation of ``has_collider`` / ``has_confounder`` in SPEC section 2; used to
    cross-check :func:`reference_relations` itself.
    """
    und = g.to_undirected(as_view=True)
    for path in nx.all_simple_paths(und, x, y):
        if len(path) < 3:
            continue
        # fwd[t]: the t-th edge of the path points towards y. The wanted shape is a non-empty
        # run of edges pointing towards y (collider) or towards x (confounder), then a
        # non-empty run pointing the other way; k is where the run switches.
        fwd = [g.has_edge(a, b) for a, b in itertools.pairwise(path)]
        want_first = into
        k = 0
        while k < len(fwd) and fwd[k] == want_first:
            k += 1
        if 0 < k < len(fwd) and all(f != want_first for f in fwd[k:]):
            return True
    return False


def reference_collider_by_path_shape(g: nx.DiGraph, x: object, y: object) -> bool:
    """``has_collider`` as "a simple path ``x -> ... -> k <- ... <- y`` exists"."""
    return _skeleton_paths_with_shape(g, x, y, into=True)


def reference_confounder_by_path_shape(g: nx.DiGraph, x: object, y: object) -> bool:
    """``has_confounder`` as "a simple path ``x <- ... <- k -> ... -> y`` exists"."""
    return _skeleton_paths_with_shape(g, x, y, into=False)


# --------------------------------------------------------------------------------------------
# Hypothesis strategy
# --------------------------------------------------------------------------------------------


@st.composite
def labeled_dags(draw: st.DrawFn, min_n: int, max_n: int) -> DagT:
    """Random labeled DAGs: a random node order and a random subset of the forward pairs."""
    n = draw(st.integers(min_n, max_n))
    order = draw(st.permutations(range(n)))
    prs = ref_pairs(n)
    flags = draw(st.lists(st.booleans(), min_size=len(prs), max_size=len(prs)))
    return dag_from_edges(
        n, ((order[a], order[b]) for (a, b), f in zip(prs, flags, strict=True) if f)
    )
