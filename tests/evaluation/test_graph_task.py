"""The graph task: parsing edge lists, grading against the exact CPDAG, self-consistency."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import networkx as nx
import numpy as np
import pytest

from corr2cause.causal.relations import RELATIONS, relation_holds
from corr2cause.evaluation import evaluate
from corr2cause.evaluation.graph_task import (
    GraphAnswer,
    grade_graph,
    grade_records,
    grade_run,
    implied_label,
    parse_graph,
)
from corr2cause.solver import Solver

from .conftest import make_items

_COLLIDER_ITEM = make_items()[3]  # A -> C <- B; "A directly causes C." is valid


def _truth_json(solution, answer: str) -> str:
    rec = solution.reconstruction
    names = rec.names
    return json.dumps(
        {
            "directed": [[names[u], names[v]] for u, v in rec.cpdag.directed_edges()],
            "undirected": [[names[u], names[v]] for u, v in rec.cpdag.undirected_edges()],
            "answer": answer,
        }
    )


def test_parse_graph_forms_and_repairs() -> None:
    text = (
        '<think>maybe {"directed": [["A", "B"]]}</think> Here it is:\n```json\n'
        '{"directed": [["A", "C"], "B -> C", "C <- D", ["C", "D"], ["A", "A"], ["A", "Z"]],'
        ' "undirected": ["A - B"], "answer": "Yes."}\n```'
    )
    g = parse_graph(text, ("A", "B", "C", "D"))
    assert g is not None and g.answer == 1
    assert g.directed == {(0, 2), (1, 2)}  # D -> C and C -> D cancel into C - D
    assert g.undirected == {(0, 1), (2, 3)}
    assert any("self-loop" in p for p in g.problems)
    assert any("unknown variable 'Z'" in p for p in g.problems)
    assert any("both ways" in p for p in g.problems)
    assert parse_graph("Yes", "AB") is None and parse_graph(None, "AB") is None
    assert parse_graph('{"answer": "no"}', "AB") is None  # no graph in it


def test_the_true_cpdag_scores_perfectly_and_implies_the_gold_label() -> None:
    solver = Solver()
    for item in make_items():
        solution = solver.solve(item.premise, item.hypothesis)
        graph = parse_graph(
            _truth_json(solution, "Yes" if item.label else "No"), solution.reconstruction.names
        )
        got = grade_graph(graph, solution)
        assert got["exact_cpdag"] and got["skeleton_f1"] == 1.0, item.id
        assert got["orientation_accuracy"] == 1.0
        assert got["implied"] == item.label and got["consistent"] and got["correct"]


def test_a_chain_for_a_collider() -> None:
    """True A -> C <- B; the model says A -> C -> B: right skeleton, half the marks."""
    solution = Solver().solve(_COLLIDER_ITEM.premise, _COLLIDER_ITEM.hypothesis)
    graph = parse_graph('{"directed": [["A", "C"], ["C", "B"]], "answer": "No"}', "ABC")
    got = grade_graph(graph, solution)
    assert (got["skeleton_f1"], got["skeleton_precision"], got["skeleton_recall"]) == (1, 1, 1)
    assert got["v_structure_precision"] is None  # the chain has no v-structure: 0/0
    assert got["v_structure_recall"] == 0.0 and got["v_structure_f1"] == 0.0
    assert got["orientation_accuracy"] == 0.5 and not got["exact_cpdag"]
    # its own graph says A -> C, so "A directly causes C" follows: the "No" is inconsistent
    assert got["implied"] == 1 and got["consistent"] is False and got["correct"] is False


def _brute_force_implied(graph: GraphAnswer, n: int, relation: str, x: int, y: int) -> int | None:
    """Every orientation of the undirected edges; keep acyclic ones with the same v-structures."""

    def colliders(edges: set[tuple[int, int]]) -> set[tuple[int, int, int]]:
        adjacent = {frozenset(e) for e in edges}
        out = set()
        for c in range(n):
            parents = sorted(u for u, v in edges if v == c)
            for a, b in itertools.combinations(parents, 2):
                if frozenset((a, b)) not in adjacent:
                    out.add((a, c, b))
        return out

    skeleton = {frozenset(e) for e in graph.directed} | {frozenset(e) for e in graph.undirected}
    target = {
        (a, c, b) for a, c, b in colliders(set(graph.directed)) if frozenset((a, b)) not in skeleton
    }
    holds = []
    undirected = sorted(graph.undirected)
    for flips in itertools.product((False, True), repeat=len(undirected)):
        edges = set(graph.directed) | {
            (v, u) if f else (u, v) for (u, v), f in zip(undirected, flips, strict=True)
        }
        if not nx.is_directed_acyclic_graph(nx.DiGraph(list(edges))) or colliders(edges) != target:
            continue
        parents = tuple(sum(1 << u for u, w in edges if w == v) for v in range(n))
        holds.append(relation_holds(parents, relation, x, y))
    return int(all(holds)) if holds else None


@pytest.mark.parametrize("seed", range(6))
def test_implied_label_equals_brute_force_enumeration(seed: int) -> None:
    """Random partially directed graphs on 4-5 nodes (cycles and forced v-structures included)."""
    rng = np.random.default_rng(seed)
    outcomes: set[int | None] = set()
    for _ in range(60):
        n = int(rng.integers(3, 6))
        directed, undirected = set(), set()
        for u, v in itertools.combinations(range(n), 2):
            r = rng.random()
            if r < 0.3:
                directed.add((u, v) if rng.random() < 0.7 else (v, u))
            elif r < 0.6:
                undirected.add((u, v))
        graph = GraphAnswer(frozenset(directed), frozenset(undirected))
        relation = RELATIONS[int(rng.integers(len(RELATIONS)))]
        x, y = sorted(rng.choice(n, 2, replace=False).tolist())
        names = tuple("ABCDE"[:n])
        solution = _FakeSolution(names, relation, names[x], names[y])
        expected = _brute_force_implied(graph, n, relation, x, y)
        assert implied_label(graph, solution) == expected
        outcomes.add(expected)
    assert outcomes == {None, 0, 1}  # incoherent graphs, and both answers, were exercised


class _FakeRec:
    def __init__(self, names: tuple[str, ...]) -> None:
        self.names = names
        self.n = len(names)


class _FakeSolution:
    """What implied_label reads from a solution: the names, the relation and the pair."""

    def __init__(self, names: tuple[str, ...], relation: str, x: str, y: str) -> None:
        self.reconstruction = _FakeRec(names)
        self.relation, self.x, self.y = relation, x, y


def test_grade_a_run_of_the_graph_prompt(tmp_path: Path) -> None:
    """evaluate --prompt graph on replayed outputs, then grade: exact, wrong and garbage graphs."""
    items = make_items()
    solver = Solver()
    responses = []
    for k, item in enumerate(items):
        solution = solver.solve(item.premise, item.hypothesis)
        if k < 4:
            text = _truth_json(solution, "Yes" if item.label else "No")
        elif k < 6:
            text = '{"directed": [], "undirected": [], "answer": "No"}'  # empty graph
        else:
            text = "I cannot tell."
        responses.append({"id": item.id, "response": text})
    file = tmp_path / "responses.jsonl"
    file.write_text("".join(json.dumps(r) + "\n" for r in responses))
    out = tmp_path / "run"
    evaluate(f"responses:{file}", items, prompt="graph", out_dir=out, n_boot=0)
    got = grade_run(out, items, n_boot=0)
    overall = got["overall"]
    assert overall["n"] == 8 and overall["graphs_parsed"] == 6
    assert overall["graph_parse_failures"] == 2
    assert overall["exact_cpdag"] == round(100 * 4 / 6, 2)
    # the empty graphs have recall 0 and no precision (nothing predicted: undefined)
    assert overall["skeleton_recall"] == round(100 * 4 / 6, 2)
    assert (
        overall["skeleton_precision"] == 100.0 and overall["undefined"]["skeleton_precision"] == 2
    )
    assert got["by_num_variables"]["2"]["n"] == 2 and set(got["by_relation"]) == {
        i.relation for i in items
    }
    assert got["answers"]["n"] == 8 and got["answers"]["parse_failures"] == 2
    assert json.loads((out / "graph_metrics.json").read_text())["overall"] == overall
    assert len(got["items"]) == 8 and got["items"][6]["graph"] is None


def test_stages_with_graphs_are_graded() -> None:
    items = make_items()[:3]
    solver = Solver()
    records = []
    for item in items:
        solution = solver.solve(item.premise, item.hypothesis)
        records.append(
            {"id": item.id, "raw": "No", "steps": ["thinking", _truth_json(solution, "No")]}
        )
    got = grade_records(records, items, n_boot=0)
    assert list(got["stages"]) == ["1"] and got["stages"]["1"]["exact_cpdag"] == 100.0
    assert got["overall"]["graphs_parsed"] == 0
