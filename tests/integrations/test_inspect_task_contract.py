"""inspect task contracts without running a model: metrics, scorer and task, each by hand.

The end-to-end tests (``test_inspect_task.py``) run inspect's ``eval``, about a second each;
these call the metric functions on hand-made scores, the scorer on a hand-made state, and
build the task from a four-row file, so that ``make mutation`` judges ``inspect_task`` in a
fresh worker quickly. Expected metrics are computed by scikit-learn (an independent
implementation) or by hand.
"""

from __future__ import annotations

import asyncio
import math
from pathlib import Path
from types import SimpleNamespace

import pytest

from corr2cause.errors import Corr2CauseError

pytest.importorskip("inspect_ai")

from inspect_ai.scorer import CORRECT, INCORRECT, SampleScore, Score, Target
from sklearn.metrics import f1_score, precision_score, recall_score

from corr2cause.integrations import inspect_task
from corr2cause.integrations.paper_prompt import PAPER_SYSTEM_PROMPT, paper_prompt


def _scores(rows: list[tuple[int, object]]) -> list[SampleScore]:
    """(gold label, score value) -> inspect sample scores with the label in the metadata."""
    return [
        SampleScore(score=Score(value=value), sample_id=k, sample_metadata={"label": label})
        for k, (label, value) in enumerate(rows)
    ]


# gold, and whether the answer was correct: tp = 2, fn = 1, fp = 1, tn = 3
ROWS = [(1, CORRECT), (1, CORRECT), (1, INCORRECT), (0, INCORRECT), (0, CORRECT), (0, CORRECT)]
ROWS += [(0, CORRECT)]
GOLD = [1, 1, 1, 0, 0, 0, 0]
PRED = [1, 1, 0, 1, 0, 0, 0]


def test_valid_class_metrics_match_sklearn() -> None:
    scores = _scores(ROWS)
    assert inspect_task.valid_f1()(scores) == pytest.approx(f1_score(GOLD, PRED))
    assert inspect_task.valid_precision()(scores) == pytest.approx(precision_score(GOLD, PRED))
    assert inspect_task.valid_recall()(scores) == pytest.approx(recall_score(GOLD, PRED))
    # by hand: precision 2/3, recall 2/3, F1 2/3
    assert inspect_task.valid_f1()(scores) == pytest.approx(2 / 3)


def test_epoch_means_count_as_correct_from_one_half() -> None:
    # a mean score of 0.5 over epochs is correct (>= 0.5), 0.25 is not
    scores = _scores([(1, 0.5), (1, 0.25), (0, 0.5), (0, 0.25)])
    # gold 1,1,0,0 -> pred 1,0,0,1: tp 1, fn 1, fp 1
    assert inspect_task.valid_precision()(scores) == pytest.approx(0.5)
    assert inspect_task.valid_recall()(scores) == pytest.approx(0.5)
    assert inspect_task.valid_f1()(scores) == pytest.approx(0.5)


def test_undefined_metrics_are_nan_and_defined_zeros_are_zero() -> None:
    nothing_valid = _scores([(0, CORRECT), (0, CORRECT)])  # gold and prediction all invalid
    assert math.isnan(inspect_task.valid_f1()(nothing_valid))
    assert math.isnan(inspect_task.valid_precision()(nothing_valid))
    assert math.isnan(inspect_task.valid_recall()(nothing_valid))
    all_wrong = _scores([(1, INCORRECT), (0, CORRECT)])  # tp 0, fn 1, fp 0
    assert inspect_task.valid_f1()(all_wrong) == 0.0
    assert inspect_task.valid_recall()(all_wrong) == 0.0
    assert math.isnan(inspect_task.valid_precision()(all_wrong))


def test_a_score_without_a_label_is_an_error() -> None:
    bad = [SampleScore(score=Score(value=CORRECT), sample_id="x-7", sample_metadata={})]
    with pytest.raises(ValueError, match="x-7"):
        inspect_task.valid_f1()(bad)
    none = [SampleScore(score=Score(value=CORRECT), sample_id="x-8")]
    with pytest.raises(ValueError, match="x-8"):
        inspect_task.valid_f1()(none)


def _score(completion: str | None, target: str) -> Score:
    state = SimpleNamespace(
        output=None if completion is None else SimpleNamespace(completion=completion)
    )
    scorer = inspect_task.corr2cause_scorer()
    return asyncio.run(scorer(state, Target(target)))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("completion", "target", "value", "pred", "verdict"),
    [
        ("Yes.", "Yes", CORRECT, 1, "yes"),
        ("Yes.", "No", INCORRECT, 1, "yes"),
        ("No, it does not.", "No", CORRECT, 0, "no"),
        ("No, it does not.", "Yes", INCORRECT, 0, "no"),
        ("It must be true.", "Yes", CORRECT, 1, "yes"),
        ("Hard to say.", "No", CORRECT, 0, None),  # unreadable: read as invalid (the paper)
        ("Hard to say.", "Yes", INCORRECT, 0, None),
    ],
)
def test_scorer_reads_the_answer_with_the_papers_rules(
    completion: str, target: str, value: str, pred: int, verdict: str | None
) -> None:
    score = _score(completion, target)
    assert score.value == value
    assert score.answer == completion
    assert score.metadata == {"pred": pred, "verdict": verdict}
    assert score.explanation == f"read as {verdict or 'unparseable'}; gold {target}"


def test_scorer_without_output_reads_an_empty_answer() -> None:
    score = _score(None, "No")
    assert (score.value, score.answer) == (CORRECT, "")
    assert score.metadata == {"pred": 0, "verdict": None}


PREMISE = (
    "Suppose there is a closed system of {n} variables, {names}. All the statistical relations "
    "among these {n} variables are as follows: {body}"
)


@pytest.fixture(scope="module")
def tiny_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Five items in the official format: three of N = 2, two of N = 3 (labels by hand)."""
    p2 = PREMISE.format(n=2, names="A and B", body="A correlates with B.")
    p3 = PREMISE.format(
        n=3,
        names="A, B and C",
        body="A correlates with C. B correlates with C. However, A is independent of B.",
    )
    rows = [
        (p2, "A directly causes B.", 0, 2, "parent"),
        (p2, "B directly causes A.", 0, 2, "child"),
        (
            p2,
            "There exists at least one collider (i.e., common effect) of A and B.",
            0,
            2,
            "has_collider",
        ),
        (p3, "A directly causes C.", 1, 3, "parent"),
        (p3, "C directly causes A.", 0, 3, "child"),
    ]
    path = tmp_path_factory.mktemp("inspect") / "tiny.csv"
    lines = ["input,label,num_variables,template"]
    for premise, hyp, label, n, template in rows:
        lines.append(f'"Premise: {premise}\nHypothesis: {hyp}",{label},{n},{template}')
    path.write_text("\n".join(lines) + "\n")
    return path


def test_task_from_a_file(tiny_csv: Path) -> None:
    task = inspect_task.corr2cause(data=str(tiny_csv))
    samples = list(task.dataset)
    assert [s.target for s in samples] == ["No", "No", "No", "Yes", "No"]
    assert samples[3].input == paper_prompt(
        PREMISE.format(
            n=3,
            names="A, B and C",
            body="A correlates with C. B correlates with C. However, A is independent of B.",
        ),
        "A directly causes C.",
    )
    assert [s.metadata["num_variables"] for s in samples] == [2, 2, 2, 3, 3]
    assert task.dataset.name == "corr2cause:default:all"
    assert task.dataset.location == str(tiny_csv)
    assert task.metadata == {"benchmark": "corr2cause", "config": "default", "split": "all"}
    assert task.version == inspect_task.TASK_VERSION == 1


def test_limit_per_n_keeps_the_first_items_of_each_n(tiny_csv: Path) -> None:
    task = inspect_task.corr2cause(data=str(tiny_csv), limit_per_n=1)
    samples = list(task.dataset)
    assert [(s.metadata["num_variables"], s.target) for s in samples] == [(2, "No"), (3, "Yes")]
    two = list(inspect_task.corr2cause(data=str(tiny_csv), limit_per_n=2).dataset)
    assert [s.metadata["num_variables"] for s in two] == [2, 2, 3, 3]


@pytest.mark.parametrize("limit", [0, -1, True])
def test_limit_per_n_below_one_is_refused_with_the_projects_error(
    tiny_csv: Path, limit: int
) -> None:
    with pytest.raises(
        Corr2CauseError, match=f"limit_per_n must be a positive integer, not {limit}"
    ):
        inspect_task.corr2cause(data=str(tiny_csv), limit_per_n=limit)


def test_system_prompt_is_the_first_solver_step_unless_disabled(tiny_csv: Path) -> None:
    from inspect_ai.model import ChatMessageUser
    from inspect_ai.solver import TaskState

    def messages(task: object) -> list[tuple[str, str]]:
        # run every solver step but the generation (the last) on an empty state
        state = TaskState(
            model="none/none",
            sample_id=1,
            epoch=1,
            input="q",
            messages=[ChatMessageUser(content="q")],
        )
        steps = task.solver._solvers[:-1]  # type: ignore[attr-defined]
        for step in steps:
            state = asyncio.run(step(state, None))  # type: ignore[arg-type]
        return [(m.role, m.text) for m in state.messages]

    with_system = inspect_task.corr2cause(data=str(tiny_csv))
    assert messages(with_system) == [("system", PAPER_SYSTEM_PROMPT), ("user", "q")]
    without = inspect_task.corr2cause(data=str(tiny_csv), system_prompt=False)
    assert messages(without) == [("user", "q")]


@pytest.fixture(scope="module")
def small_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A generated root, N = 2..3, original and refactor (about 0.3 s)."""
    from corr2cause.dataset.generate import GenerationConfig, generate_dataset

    out = tmp_path_factory.mktemp("inspect") / "gen"
    generate_dataset(
        out, GenerationConfig(nodes=[2, 3], variants=["original", "refactor"], formats=["parquet"])
    )
    return out


def test_task_split_and_config_of_a_folder(small_root: Path) -> None:
    # SPEC section 6 cut at class boundaries: N = 2 6/6, N = 3 36/54 (test/dev)
    task = inspect_task.corr2cause(data=str(small_root))
    assert len(task.dataset) == 6 + 36
    assert task.dataset.name == "corr2cause:default:test"
    assert task.metadata == {"benchmark": "corr2cause", "config": "default", "split": "test"}
    dev = inspect_task.corr2cause(data=str(small_root), split="dev")
    assert len(dev.dataset) == 6 + 54 and dev.dataset.name == "corr2cause:default:dev"
    config = "perturbation_by_refactorization"
    ref = inspect_task.corr2cause(data=str(small_root), config=config)
    assert ref.dataset.name == f"corr2cause:{config}:test"
    assert {s.metadata["variant"] for s in ref.dataset} == {"refactor"}
    assert ref.metadata["config"] == config
