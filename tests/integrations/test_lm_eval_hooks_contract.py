"""lm-eval hook contracts without lm-eval: the dataset, the prompt and the aggregations.

Fast tests for ``make mutation``: the hooks are called directly on a five-row file and on
hand-made ``(gold, pred)`` pairs. Metrics are compared with scikit-learn (an independent
implementation) and, where undefined (0/0), with ``None`` as the module documents.
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from sklearn.metrics import f1_score, precision_score, recall_score

from corr2cause.integrations.lm_eval import hooks
from corr2cause.integrations.sources import load_items

PREMISE = (
    "Suppose there is a closed system of {n} variables, {names}. All the statistical relations "
    "among these {n} variables are as follows: {body}"
)
P2 = PREMISE.format(n=2, names="A and B", body="A correlates with B.")
P3 = PREMISE.format(
    n=3,
    names="A, B and C",
    body="A correlates with C. B correlates with C. However, A is independent of B.",
)
ROWS = [
    (P2, "A directly causes B.", 0, 2, "parent"),
    (P2, "There exists at least one collider (i.e., common effect) of A and B.", 0, 2, ""),
    (P3, "A directly causes C.", 1, 3, "parent"),
    (P3, "C directly causes A.", 0, 3, "child"),
    (P3, "There exists at least one collider (i.e., common effect) of B and A.", 1, 3, ""),
]
"""(premise, hypothesis, label by hand, N, template) of the tiny official-format file."""


@pytest.fixture(scope="module")
def tiny_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("lm-eval") / "tiny.csv"
    lines = ["input,label,num_variables,template"]
    for premise, hyp, label, n, template in ROWS:
        lines.append(f'"Premise: {premise}\nHypothesis: {hyp}",{label},{n},{template}')
    path.write_text("\n".join(lines) + "\n")
    return path


def test_load_corr2cause_columns(tiny_csv: Path) -> None:
    pytest.importorskip("datasets")
    dd = hooks.load_corr2cause(str(tiny_csv), version=2, pretrained="ignored")
    assert list(dd) == ["test"]
    test = dd["test"]
    assert test.column_names == [
        "id",
        "input",
        "premise",
        "hypothesis",
        "label",
        "answer",
        "num_variables",
        "relation",
        "label3",
        "template",
        "variant",
    ]
    features = {name: feature.dtype for name, feature in test.features.items()}
    assert features == {
        name: "int64" if name in ("label", "num_variables") else "string"
        for name in test.column_names
    }
    assert test["premise"] == [r[0] for r in ROWS]
    assert test["hypothesis"] == [r[1] for r in ROWS]
    assert test["label"] == [r[2] for r in ROWS]
    assert test["answer"] == ["No", "No", "Yes", "No", "Yes"]
    assert test["num_variables"] == [2, 2, 3, 3, 3]
    assert test["input"] == [f"Premise: {p}\nHypothesis: {h}" for p, h, *_ in ROWS]
    assert test["id"] == [item.id for item in load_items(str(tiny_csv))]
    assert test["relation"] == ["parent", "has_collider", "parent", "child", "has_collider"]
    # the official format has no label3 / variant columns, and two rows leave the template
    # empty: empty strings, never None (a string column)
    assert test["label3"] == [""] * 5 and test["variant"] == [""] * 5
    assert test["template"] == ["parent", "", "parent", "child", ""]


def test_doc_to_text_is_the_papers_question() -> None:
    doc = {"premise": P2, "hypothesis": "A directly causes B."}
    assert hooks.doc_to_text(doc) == (
        f"Question: {P2}\nCan we deduct the following: A directly causes B? "
        'Just answer "Yes" or "No."\n\nAnswer:'
    )


def test_reasoning_records() -> None:
    assert hooks.process_results_reasoning(
        {"label": 1}, ["<think>C is a collider</think> Yes"]
    ) == {
        "f1": (1, 1),
        "precision": (1, 1),
        "recall": (1, 1),
        "acc": 1.0,
        "unparseable": 0.0,
        "truncated": 0.0,
    }
    assert hooks.process_results_reasoning({"label": 0}, ["<think>First, the skeleton"]) == {
        "f1": (0, 0),
        "precision": (0, 0),
        "recall": (0, 0),
        "acc": 1.0,
        "unparseable": 1.0,
        "truncated": 1.0,
    }
    assert hooks.process_results_reasoning({"label": 1}, [])["unparseable"] == 1.0
    assert hooks.process_results_reasoning({"label": 1}, [])["truncated"] == 0.0
    assert hooks.process_results_reasoning({"label": "0"}, ["No."])["acc"] == 1.0


def test_generation_reads_only_the_first_output() -> None:
    assert hooks.process_results_gen({"label": "1"}, ["Yes", "No"])["f1"] == (1, 1)
    assert hooks.process_results_gen({"label": 1}, ["No", "Yes"])["f1"] == (1, 0)


def test_multiple_choice_with_string_log_likelihoods() -> None:
    # lm-eval passes floats, but the label may come from a string column
    assert hooks.process_results_mc({"label": "0"}, [("-0.5", False), ("-0.25", True)])["f1"] == (
        0,
        1,
    )


PAIRS = [(1, 1), (1, 1), (1, 0), (0, 1), (0, 0), (0, 0), (0, 0), (1, 1)]


def test_aggregations_match_sklearn() -> None:
    gold = [g for g, _ in PAIRS]
    pred = [p for _, p in PAIRS]
    assert hooks.f1_valid(PAIRS) == pytest.approx(f1_score(gold, pred))
    assert hooks.precision_valid(PAIRS) == pytest.approx(precision_score(gold, pred))
    assert hooks.recall_valid(PAIRS) == pytest.approx(recall_score(gold, pred))
    # by hand: tp 3, fp 1, fn 1 -> precision 3/4, recall 3/4, F1 3/4
    assert hooks.precision_valid(iter(PAIRS)) == pytest.approx(0.75)
    assert hooks.f1_valid(iter(PAIRS)) == pytest.approx(0.75)


def test_precision_and_recall_differ_where_they_should() -> None:
    over = [(1, 1), (0, 1), (0, 1), (0, 0)]  # tp 1, fp 2, fn 0
    assert hooks.precision_valid(over) == pytest.approx(1 / 3)
    assert hooks.recall_valid(over) == 1.0
    assert hooks.f1_valid(over) == pytest.approx(0.5)
    under = [(1, 1), (1, 0), (1, 0), (0, 0)]  # tp 1, fp 0, fn 2
    assert hooks.precision_valid(under) == 1.0
    assert hooks.recall_valid(under) == pytest.approx(1 / 3)


def test_undefined_aggregations_are_none() -> None:
    assert hooks.precision_valid([(1, 0), (0, 0)]) is None  # nothing predicted valid
    assert hooks.recall_valid([(0, 1), (0, 0)]) is None  # nothing valid
    assert hooks.f1_valid([(0, 0), (0, 0)]) is None
    assert hooks.f1_valid([(1, 0), (0, 1)]) == 0.0  # defined: tp 0, fp 1, fn 1
    value = hooks.recall_valid([(1, 0)])
    assert value == 0.0 and not math.isnan(value)


@pytest.fixture(scope="module")
def small_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A generated root, N = 2..3, original and refactor (about 0.3 s)."""
    from corr2cause.dataset.generate import GenerationConfig, generate_dataset

    out = tmp_path_factory.mktemp("lm-eval") / "gen"
    generate_dataset(
        out, GenerationConfig(nodes=[2, 3], variants=["original", "refactor"], formats=["parquet"])
    )
    return out


def test_load_corr2cause_split_and_config_of_a_folder(small_root: Path) -> None:
    pytest.importorskip("datasets")
    # SPEC section 6 cut at class boundaries (tests/dataset/test_splits.py): N = 2 6/6,
    # N = 3 36/54 (test/dev)
    assert hooks.load_corr2cause(str(small_root))["test"].num_rows == 6 + 36
    dev = hooks.load_corr2cause(str(small_root), split="dev")["test"]
    assert dev.num_rows == 6 + 54
    assert set(dev["label3"]) == {"entailment", "neutral", "contradiction"}
    assert set(dev["variant"]) == {"original"}
    ref = hooks.load_corr2cause(str(small_root), config="perturbation_by_refactorization")["test"]
    assert set(ref["variant"]) == {"refactor"}
    assert ref["premise"][0].startswith("Suppose there is a closed system of 2 variables, Z and Y.")
