"""Write the solver's reasoning for people (text) and for programs (JSON-ready lists).

An explanation shows *why* a label is what it is:

- the **CPDAG** of the class: edges that point the same way in every member DAG are directed
  (``A -> C``), the others undirected (``C - D``);
- the **v-structures** (colliders ``A -> C <- B`` of non-adjacent parents), which the premise's
  independencies pin down and from which every other orientation follows by Meek's rules;
- how many member DAGs the class has, and in how many the hypothesis holds;
- **witnesses**: a member DAG in which the hypothesis fails (proving it is not entailed) and,
  for a neutral one, also a member in which it holds (proving it is not contradicted).

Graphs are written with variable names. In JSON a DAG is a list of ``[from, to]`` pairs, a CPDAG
an object ``{"directed": [...], "undirected": [...]}``.
"""

from __future__ import annotations

from collections.abc import Sequence

from corr2cause.causal.markov_equivalence import Pdag
from corr2cause.graphs.dag import Parents, edges


def dag_edges(parents: Parents, names: Sequence[str]) -> list[list[str]]:
    """A DAG as a sorted list of ``[from, to]`` name pairs."""
    return [[names[u], names[v]] for u, v in edges(parents)]


def pdag_edges(pdag: Pdag, names: Sequence[str]) -> dict[str, list[list[str]]]:
    """A CPDAG as ``{"directed": [[from, to], ...], "undirected": [[a, b], ...]}``."""
    return {
        "directed": [[names[u], names[v]] for u, v in pdag.directed_edges()],
        "undirected": [[names[u], names[v]] for u, v in pdag.undirected_edges()],
    }


def format_dag(parents: Parents, names: Sequence[str]) -> str:
    """A DAG as ``"A -> B, A -> C"`` (``"no edges"`` for the empty graph)."""
    text = ", ".join(f"{a} -> {b}" for a, b in dag_edges(parents, names))
    return text or "no edges"


def format_pdag(pdag: Pdag, names: Sequence[str]) -> str:
    """A CPDAG as ``"A -> C, B -> C, C - D"`` (directed edges first)."""
    parts = [f"{names[u]} -> {names[v]}" for u, v in pdag.directed_edges()]
    parts += [f"{names[u]} - {names[v]}" for u, v in pdag.undirected_edges()]
    return ", ".join(parts) or "no edges"


def format_v_structures(v_structures: Sequence[tuple[int, int, int]], names: Sequence[str]) -> str:
    """Colliders as ``"A -> C <- B"``, comma-separated (``"none"`` if there are none)."""
    text = ", ".join(f"{names[a]} -> {names[c]} <- {names[b]}" for a, c, b in v_structures)
    return text or "none"


def explanation_text(
    *,
    names: Sequence[str],
    num_correlations: int,
    num_independencies: int,
    cpdag: Pdag,
    v_structures: Sequence[tuple[int, int, int]],
    members: int,
    hypothesis: str,
    relation: str,
    x: str,
    y: str,
    holds: int,
    label3: str,
    label: int,
    witness_holds: Parents | None,
    witness_fails: Parents | None,
) -> str:
    """The readable explanation of one decision (see the module docstring).

    Returns
    -------
    str
        Several lines, without a trailing newline.
    """
    n = len(names)
    share = holds / members
    verdict = {
        "entailment": "it holds in every member DAG, so it is entailed",
        "contradiction": "it holds in no member DAG, so it is contradicted",
        "neutral": "it holds in some member DAGs but not all, so it is not entailed",
    }[label3]
    lines = [
        f"Premise: {n} variables ({', '.join(names)}), {num_correlations} correlation(s), "
        f"{num_independencies} independence statement(s); consistent with exactly one Markov "
        "equivalence class.",
        f"Colliders (v-structures): {format_v_structures(v_structures, names)}",
        f"CPDAG: {format_pdag(cpdag, names)}",
        f"Member DAGs: {members}",
        f"Hypothesis: {hypothesis}",
        f"  reads as: {relation}({x}, {y})",
        f"  holds in {holds} of {members} member DAG(s) ({share:.2%}): {verdict}.",
        f"Label: {label3} (3-class), {label} = {'valid' if label else 'invalid'} (binary)",
    ]
    if witness_fails is not None:
        lines.append(f"Member where it fails: {format_dag(witness_fails, names)}")
    if witness_holds is not None:
        lines.append(f"Member where it holds: {format_dag(witness_holds, names)}")
    return "\n".join(lines)
