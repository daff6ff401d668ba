"""The ``graph`` task: grade the causal graph a model infers, not only its yes/no verdict.

A Corr2Cause premise determines a Markov equivalence class, drawn as its CPDAG: the edges of
the skeleton, oriented where every member DAG agrees (v-structures and what Meek's rules
force) and undirected elsewhere. The ``graph`` prompt (``prompts/graph.toml``) asks the
model for that graph as JSON, then for its verdict::

    {"directed": [["A", "C"], ["B", "C"]], "undirected": [["C", "D"]], "answer": "No"}

``directed`` lists ``[x, y]`` for ``x -> y``; ``undirected`` lists pairs whose direction
the premise leaves open. Strings such as ``"A -> C"`` and ``"C - D"`` are accepted too.

:func:`grade_graph` compares one such graph with the exact CPDAG (rebuilt from the premise
by :mod:`corr2cause.solver`):

skeleton precision / recall / F1
    adjacencies, ignoring marks: did the model find which pairs are directly connected?
v-structure precision / recall / F1
    colliders ``a -> c <- b`` with ``a``, ``b`` non-adjacent in the graph (those of the
    model's graph against those of the true class);
orientation accuracy
    on the edges the model got right in the skeleton, the share with the right mark
    (the right direction, or undirected where the class leaves it open);
exact CPDAG
    the model's graph *is* the CPDAG (same directed and undirected edges);
self-consistency
    does the model's final answer follow from *its own* graph? The graph is read as a
    partially directed graph; its *consistent extensions* are the DAGs that orient its
    undirected edges without cycles or new v-structures (Dor & Tarsi 1992; with Meek's
    rules, :func:`~corr2cause.causal.mec_members`). The relation is entailed by the graph
    iff it holds in every extension. A graph without consistent extension is *incoherent*
    and has no implied answer.

A metric whose denominator is zero (no v-structure in either graph, for v-structure F1) is
undefined (``None``), as everywhere in the harness. :func:`grade_records` grades a run's
predictions (and, for multi-step prompts, every step that contains a graph) and aggregates by
number of variables and by relation; :func:`grade_run` does that for a run directory and
writes ``graph_metrics.json``.

References
----------
.. [1] D. Dor and M. Tarsi, "A simple algorithm to construct a consistent extension of a
   partially oriented graph", Technical Report R-185, UCLA, 1992.
.. [2] C. Meek, "Causal inference and causal explanation with background knowledge",
   UAI 1995.
.. [3] Z. Jin et al., "Can Large Language Models Infer Causation from Correlation?",
   ICLR 2024 (arXiv:2306.05836).

Examples
--------
>>> from corr2cause.solver import Solver
>>> premise = ("Suppose there is a closed system of 3 variables, A, B and C. All the "
...     "statistical relations among these 3 variables are as follows: A correlates with C. "
...     "B correlates with C. However, A is independent of B.")
>>> truth = Solver().solve(premise, "A directly causes C.")
>>> graph = parse_graph('{"directed": [["A", "C"], ["B", "C"]], "answer": "Yes"}',
...     truth.reconstruction.names)
>>> g = grade_graph(graph, truth)
>>> g["skeleton_f1"], g["v_structure_f1"], g["exact_cpdag"], g["consistent"]
(1.0, 1.0, True, True)
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from corr2cause.atomic import write_json
from corr2cause.causal.markov_equivalence import Pdag, mec_members, v_structures
from corr2cause.causal.relations import RelationEvaluator
from corr2cause.dataset.readers import EvalItem
from corr2cause.dataset.store import read_items
from corr2cause.errors import Corr2CauseError
from corr2cause.evaluation.metrics import compute_metrics
from corr2cause.evaluation.runs import load_run, premise_key
from corr2cause.solver import Solution, Solver, SolverError

__all__ = [
    "GRAPH_METRICS",
    "GraphAnswer",
    "GraphTaskError",
    "grade_graph",
    "grade_records",
    "grade_run",
    "implied_label",
    "parse_graph",
]

GRAPH_METRICS = (
    "skeleton_f1",
    "skeleton_precision",
    "skeleton_recall",
    "v_structure_f1",
    "orientation_accuracy",
    "exact_cpdag",
    "consistent",
)
"""Per-item graph metrics averaged by :func:`grade_records`, in report order."""

MAX_UNDIRECTED = 16
"""Largest number of undirected edges whose extensions :func:`implied_label` enumerates."""

_THINK = re.compile(r"<think>.*?(</think>|\Z)", re.DOTALL | re.IGNORECASE)
_ARROW = re.compile(r"^\s*(.+?)\s*(->|→|<-|←|--|-|—)\s*(.+?)\s*$")


class GraphTaskError(Corr2CauseError):
    """A run or file that the graph task cannot grade (the message names it)."""


@dataclass(frozen=True)
class GraphAnswer:
    """A model's graph (in the premise's node indices) and its verdict.

    Attributes
    ----------
    directed : frozenset of (int, int)
        ``(u, v)`` for ``u -> v``.
    undirected : frozenset of (int, int)
        ``(u, v)`` with ``u < v``.
    answer : int or None
        1 for yes, 0 for no, ``None`` when the JSON has no readable ``answer``.
    problems : tuple of str
        What was dropped or repaired while reading (unknown names, self-loops, an edge
        given both ways ...).
    """

    directed: frozenset[tuple[int, int]]
    undirected: frozenset[tuple[int, int]]
    answer: int | None = None
    problems: tuple[str, ...] = field(default=())

    @property
    def skeleton(self) -> frozenset[tuple[int, int]]:
        """Adjacent pairs ``(u, v)`` with ``u < v``."""
        return frozenset((min(e), max(e)) for e in self.directed) | self.undirected

    def pdag(self, n: int) -> Pdag:
        """The graph as a :class:`~corr2cause.causal.Pdag` on ``n`` nodes."""
        directed = [0] * n
        undirected = [0] * n
        for u, v in self.directed:
            directed[v] |= 1 << u
        for u, v in self.undirected:
            undirected[u] |= 1 << v
            undirected[v] |= 1 << u
        return Pdag(tuple(directed), tuple(undirected))


def _json_objects(text: str) -> Iterable[dict[str, Any]]:
    """JSON objects in ``text``, the last first (think blocks and code fences ignored)."""
    body = _THINK.sub(" ", text).replace("```json", " ").replace("```", " ")
    decoder = json.JSONDecoder()
    for start in reversed([m.start() for m in re.finditer(r"\{", body)]):
        try:
            value, _ = decoder.raw_decode(body, start)
        except json.JSONDecodeError:
            continue
        if isinstance(value, dict):
            yield value


def _verdict(value: Any) -> int | None:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, str):
        word = value.strip().strip(".!").lower()
        if word in ("yes", "true", "valid"):
            return 1
        if word in ("no", "false", "invalid"):
            return 0
    return None


def parse_graph(text: str | None, names: Sequence[str]) -> GraphAnswer | None:
    """Read the last JSON graph in a model's output.

    Parameters
    ----------
    text : str or None
        The model output; ``<think>`` blocks and Markdown code fences are skipped.
    names : sequence of str
        The premise's variable names, in node order.

    Returns
    -------
    GraphAnswer or None
        ``None`` when the text holds no JSON object with ``directed`` or ``undirected``.

    Examples
    --------
    >>> g = parse_graph('Graph: {"directed": ["A -> B"], "undirected": [["C", "B"]]}', "ABC")
    >>> sorted(g.directed), sorted(g.undirected), g.answer
    ([(0, 1)], [(1, 2)], None)
    """
    if not text:
        return None
    index = {str(name): k for k, name in enumerate(names)}
    for obj in _json_objects(text):
        if "directed" not in obj and "undirected" not in obj:
            continue
        problems: list[str] = []
        directed: set[tuple[int, int]] = set()
        undirected: set[tuple[int, int]] = set()
        for key in ("directed", "undirected"):
            entries = obj.get(key) or []
            if not isinstance(entries, list):
                problems.append(f"{key} is not a list")
                continue
            for entry in entries:
                pair = _edge(entry, index, key == "directed")
                if isinstance(pair, str):
                    problems.append(pair)
                    continue
                u, v, arrow = pair
                if arrow:
                    directed.add((u, v))
                else:
                    undirected.add((min(u, v), max(u, v)))
        for u, v in sorted(directed):
            if (v, u) in directed:  # both ways: the model leaves the direction open
                problems.append(f"{names[u]}-{names[v]} directed both ways, read as undirected")
                undirected.add((min(u, v), max(u, v)))
        directed = {(u, v) for u, v in directed if (v, u) not in directed}
        for u, v in sorted(directed):
            if (min(u, v), max(u, v)) in undirected:
                problems.append(f"{names[u]}-{names[v]} both directed and undirected")
                undirected.discard((min(u, v), max(u, v)))
        return GraphAnswer(
            frozenset(directed), frozenset(undirected), _verdict(obj.get("answer")), tuple(problems)
        )
    return None


def _edge(entry: Any, index: dict[str, int], directed: bool) -> tuple[int, int, bool] | str:
    """``(u, v, is_arrow)`` of one edge entry, or the reason it is dropped."""
    arrow = directed
    if isinstance(entry, str):
        match = _ARROW.match(entry)
        if match is None:
            return f"cannot read edge {entry!r}"
        a, mark, b = match.groups()
        if mark in ("<-", "←"):
            a, b = b, a
        arrow = mark in ("->", "→", "<-", "←")
    elif isinstance(entry, list | tuple) and len(entry) == 2:
        a, b = (str(x).strip() for x in entry)
    else:
        return f"cannot read edge {entry!r}"
    if a not in index or b not in index:
        unknown = a if a not in index else b
        return f"unknown variable {unknown!r}"
    if a == b:
        return f"self-loop on {a!r} dropped"
    return index[a], index[b], arrow


def implied_label(graph: GraphAnswer, solution: Solution) -> int | None:
    """The answer the model's own graph implies for the item's hypothesis.

    Parameters
    ----------
    graph : GraphAnswer
        The model's graph.
    solution : Solution
        The exact solution of the item (for the relation, the pair and N).

    Returns
    -------
    int or None
        1 when the relation holds in every consistent extension of the graph, 0 when it
        fails in one, ``None`` when the graph has no consistent extension (a cycle, or
        orientations that force a new v-structure) or more than :data:`MAX_UNDIRECTED`
        undirected edges.
    """
    rec = solution.reconstruction
    if len(graph.undirected) > MAX_UNDIRECTED:
        return None
    try:
        members = mec_members(graph.pdag(rec.n), limit=1 << MAX_UNDIRECTED)
    except OverflowError:
        return None
    # Meek's rules are sound for consistent extensions, but on a graph that has none they can
    # create a collider; mec_members then keeps DAGs with it. Keep the true extensions only.
    target = _graph_v_structures(graph)
    members = [dag for dag in members if v_structures(dag) == target]
    if not members:
        return None
    x, y = rec.names.index(solution.x), rec.names.index(solution.y)
    return int(all(RelationEvaluator(dag).holds(solution.relation, x, y) for dag in members))


def _prf(pred: frozenset[Any], true: frozenset[Any]) -> tuple[float | None, ...]:
    tp = len(pred & true)
    precision = tp / len(pred) if pred else None
    recall = tp / len(true) if true else None
    both = len(pred) + len(true)
    f1 = 2 * tp / both if both else None
    return f1, precision, recall


def _graph_v_structures(graph: GraphAnswer) -> frozenset[tuple[int, int, int]]:
    adjacent = graph.skeleton
    out = set()
    parents: dict[int, list[int]] = {}
    for u, v in graph.directed:
        parents.setdefault(v, []).append(u)
    for c, ps in parents.items():
        for a in ps:
            for b in ps:
                if a < b and (a, b) not in adjacent:
                    out.add((a, c, b))
    return frozenset(out)


def grade_graph(graph: GraphAnswer, solution: Solution) -> dict[str, Any]:
    """Grade one model graph against the item's exact CPDAG.

    Parameters
    ----------
    graph : GraphAnswer
        The model's graph (:func:`parse_graph`).
    solution : Solution
        The exact solution of the item (:meth:`corr2cause.solver.Solver.solve`).

    Returns
    -------
    dict
        ``skeleton_f1``, ``skeleton_precision``, ``skeleton_recall``, ``v_structure_f1``,
        ``v_structure_precision``, ``v_structure_recall``, ``orientation_accuracy`` (fractions
        or ``None`` when undefined), ``exact_cpdag`` (bool), ``answer`` (the model's, or
        ``None``), ``implied`` (:func:`implied_label`), ``coherent`` (the graph has a
        consistent extension), ``consistent`` (answer equals implied; ``None`` when either is
        missing), ``correct`` (answer equals the gold label; ``None`` without answer).
    """
    rec = solution.reconstruction
    cpdag = rec.cpdag
    true_directed = frozenset(cpdag.directed_edges())
    true_undirected = frozenset(cpdag.undirected_edges())
    true_skeleton = frozenset((min(e), max(e)) for e in true_directed) | true_undirected
    skel = _prf(graph.skeleton, true_skeleton)
    vs = _prf(_graph_v_structures(graph), frozenset(rec.v_structures))
    common = graph.skeleton & true_skeleton
    right = 0
    for u, v in common:
        if (u, v) in true_undirected:
            right += (u, v) in graph.undirected
        else:
            right += ((u, v) in true_directed and (u, v) in graph.directed) or (
                (v, u) in true_directed and (v, u) in graph.directed
            )
    implied = implied_label(graph, solution)
    answer = graph.answer
    return {
        "skeleton_f1": skel[0],
        "skeleton_precision": skel[1],
        "skeleton_recall": skel[2],
        "v_structure_f1": vs[0],
        "v_structure_precision": vs[1],
        "v_structure_recall": vs[2],
        "orientation_accuracy": right / len(common) if common else None,
        "exact_cpdag": graph.directed == true_directed and graph.undirected == true_undirected,
        "answer": answer,
        "implied": implied,
        "coherent": implied is not None or len(graph.undirected) > MAX_UNDIRECTED,
        "consistent": None if answer is None or implied is None else answer == implied,
        "correct": None if answer is None else answer == solution.label,
    }


def _mean(values: list[Any]) -> tuple[float | None, int]:
    """Mean ×100 of the defined values (bools count 0/1) and how many were undefined."""
    defined = [float(v) for v in values if v is not None]
    undefined = len(values) - len(defined)
    return (round(100 * sum(defined) / len(defined), 2) if defined else None), undefined


def _aggregate(grades: list[dict[str, Any] | None]) -> dict[str, Any]:
    parsed = [g for g in grades if g is not None]
    out: dict[str, Any] = {
        "n": len(grades),
        "graphs_parsed": len(parsed),
        "graph_parse_failures": len(grades) - len(parsed),
        "answers_read": sum(g["answer"] is not None for g in parsed),
        "coherent_graphs": sum(bool(g["coherent"]) for g in parsed),
        "undefined": {},
    }
    for name in GRAPH_METRICS:
        value, undefined = _mean([g[name] for g in parsed])
        out[name] = value
        if undefined:
            out["undefined"][name] = undefined
    return out


def _solve(solver: Solver, item: EvalItem) -> Solution | None:
    try:
        return solver.solve(item.premise, item.hypothesis)
    except SolverError:
        return None


def grade_records(
    records: Sequence[dict[str, Any]],
    items: Sequence[EvalItem],
    *,
    n_boot: int = 1000,
    seed: int = 0,
) -> dict[str, Any]:
    """Grade the graphs of a run's predictions and aggregate them.

    Parameters
    ----------
    records : sequence of dict
        Rows of ``predictions.jsonl`` (``id``, ``raw`` and, for multi-step prompts,
        ``steps``).
    items : sequence of EvalItem
        The evaluated items (for premise and hypothesis); matched to records by id.
    n_boot, seed
        Bootstrap of the answer metrics (premise-level).

    Returns
    -------
    dict
        ``overall`` (:data:`GRAPH_METRICS` ×100 as means over items with a parsed graph,
        ``None`` when undefined for all, plus parse and coherence counts),
        ``by_num_variables`` and ``by_relation`` (the same per group), ``answers``
        (:func:`~corr2cause.evaluation.metrics.compute_metrics` of the JSON answers, an
        unreadable answer counted invalid), ``stages`` (the same aggregate for each step
        of a multi-step prompt that contains a graph) and ``items`` (per-item grades, for
        galleries).

    Raises
    ------
    GraphTaskError
        If a record's id is not among the items.
    """
    by_id = {item.id: item for item in items}
    solver = Solver()
    grades: list[dict[str, Any] | None] = []
    stage_grades: dict[int, list[dict[str, Any] | None]] = {}
    kept: list[EvalItem] = []
    per_item: list[dict[str, Any]] = []
    for record in records:
        item = by_id.get(str(record["id"]))
        if item is None:
            raise GraphTaskError(f"prediction {record['id']!r} is not among the items")
        solution = _solve(solver, item)
        if solution is None:
            continue
        kept.append(item)
        names = solution.reconstruction.names
        graph = parse_graph(record.get("raw"), names)
        grade = None if graph is None else grade_graph(graph, solution)
        grades.append(grade)
        per_item.append(
            {
                "id": item.id,
                "num_variables": item.num_variables,
                "relation": item.relation,
                "gold": item.label,
                "graph": None
                if graph is None
                else {
                    "directed": sorted([names[u], names[v]] for u, v in graph.directed),
                    "undirected": sorted([names[u], names[v]] for u, v in graph.undirected),
                    "problems": list(graph.problems),
                },
                **({} if grade is None else grade),
            }
        )
        for step, text in enumerate(record.get("steps") or []):
            stage_graph = parse_graph(text, names)
            stage_grades.setdefault(step, []).append(
                None if stage_graph is None else grade_graph(stage_graph, solution)
            )
    out: dict[str, Any] = {"overall": _aggregate(grades)}
    for key, attr in (("by_num_variables", "num_variables"), ("by_relation", "relation")):
        groups: dict[Any, list[dict[str, Any] | None]] = {}
        for item, grade in zip(kept, grades, strict=True):
            groups.setdefault(getattr(item, attr), []).append(grade)
        out[key] = {
            str(k): _aggregate(v)
            for k, v in sorted(groups.items(), key=lambda kv: (str(type(kv[0])), kv[0]))
        }
    out["answers"] = compute_metrics(
        [item.label for item in kept],
        [0 if g is None or g["answer"] is None else g["answer"] for g in grades],
        num_variables=[item.num_variables for item in kept],
        relations=[item.relation for item in kept],
        parse_failed=[g is None or g["answer"] is None for g in grades],
        clusters=[premise_key(item.premise) for item in kept],
        n_boot=n_boot,
        seed=seed,
    )
    out["stages"] = {
        str(step): _aggregate(values)
        for step, values in sorted(stage_grades.items())
        if any(v is not None for v in values)
    }
    out["unsolvable_items"] = len(records) - len(kept)
    out["items"] = per_item
    return out


def grade_run(
    run_dir: str | Path,
    items: Sequence[EvalItem] | str | Path | None = None,
    *,
    n_boot: int = 1000,
    seed: int = 0,
) -> dict[str, Any]:
    """Grade a finished run of the ``graph`` prompt; write ``graph_metrics.json`` into it.

    Parameters
    ----------
    run_dir : path
        A run directory of :func:`~corr2cause.evaluation.evaluate`.
    items : sequence of EvalItem or path, optional
        The evaluated items or their data file; default: the data file and split recorded
        in the run's ``metrics.json``.
    n_boot, seed
        Bootstrap of the answer metrics.

    Returns
    -------
    dict
        :func:`grade_records` output.

    Raises
    ------
    GraphTaskError
        If the items cannot be found.
    """
    run = load_run(run_dir)
    if items is None:
        data = run.metrics.get("run", {}).get("data")
        if not data or not Path(data).exists():
            raise GraphTaskError(f"{run_dir}: the run records no readable data file; pass items")
        items = read_items(data, split=run.metrics.get("run", {}).get("split"))
    elif isinstance(items, str | Path):
        items = read_items(items)
    result = grade_records(run.records(), list(items), n_boot=n_boot, seed=seed)
    write_json(Path(run_dir) / "graph_metrics.json", result)
    return result
