"""Directed acyclic graphs on a handful of nodes, stored as integer bitmasks.

A DAG on ``n`` nodes ``0 .. n-1`` is a tuple ``parents`` of ``n`` integers, where bit ``u`` of
``parents[v]`` is set iff the edge ``u -> v`` exists. Node ``i`` is named ``chr(65 + i)``
(``A, B, C, ...``). An *upper-triangular* DAG has only edges ``i -> j`` with ``i < j`` and is
also described by a single integer, its *mask* (SPEC section 3).
"""

from corr2cause.graphs.dag import (
    Parents,
    children_masks,
    edges,
    from_edges,
    from_networkx,
    is_acyclic,
    mask_to_parents,
    node_name,
    node_names,
    num_pairs,
    pair_bit,
    pairs,
    parents_to_mask,
    reachable,
    relabel,
    to_networkx,
    topological_order,
    upper_triangular_relabeling,
)
from corr2cause.graphs.enumeration import DagCatalog, enumerate_dags, linear_extension_masks

__all__ = [
    "DagCatalog",
    "Parents",
    "children_masks",
    "edges",
    "enumerate_dags",
    "from_edges",
    "from_networkx",
    "is_acyclic",
    "linear_extension_masks",
    "mask_to_parents",
    "node_name",
    "node_names",
    "num_pairs",
    "pair_bit",
    "pairs",
    "parents_to_mask",
    "reachable",
    "relabel",
    "to_networkx",
    "topological_order",
    "upper_triangular_relabeling",
]
