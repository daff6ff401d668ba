"""Corr2Cause as an inspect-ai task: the paper's prompt, answer rules and metrics.

`inspect-ai <https://inspect.aisi.org.uk>`_ runs a *task* (dataset + solver + scorer) against
any of its model providers (OpenAI, Anthropic, vLLM, Hugging Face, Ollama, any
OpenAI-compatible server ...) and keeps a browsable log. This module defines the task
:func:`corr2cause`:

dataset
    Items of one config and split, read by :func:`corr2cause.integrations.sources.load_items`
    from a generated folder, a Hugging Face export or a single file (the official CSV
    included). Sample ids are the item ids; the metadata carries ``label``,
    ``num_variables``, ``relation``, ``label3``, ``template`` and ``variant``.
solver
    The paper's system prompt (chat models; ``system_prompt=False`` drops it), then one
    generation of the paper's zero-shot question (:mod:`corr2cause.integrations.paper_prompt`).
scorer
    :func:`corr2cause_scorer` maps the answer to valid / invalid with the paper's rules
    (:func:`corr2cause.evaluation.answers.normalize_answer`: *yes*, *true*, *necessarily
    true*, *must be true* -> valid, anything else -> invalid) and scores ``C`` when that
    matches the gold label.
metrics
    Classification metrics of the **valid** class: :func:`valid_f1` (the paper's headline),
    :func:`valid_precision`, :func:`valid_recall`, plus ``accuracy``, and the F1 per number
    of variables (``N=2`` ...) and per relation. They are fractions in [0, 1]; the paper
    reports them x100. They are computed by
    :func:`corr2cause.evaluation.metrics.valid_class_metrics`, the definition
    ``corr2cause evaluate`` and the lm-eval task use; a metric that is 0/0 (undefined) is
    NaN here, inspect's own marker for a missing value (its metric values are floats).
    (inspect's built-in ``f1`` is token-overlap F1 for free-text answers and is *not* this
    metric.)

Run it from the command line (after ``pip install 'corr2cause[inspect]'``)::

    inspect eval corr2cause/corr2cause -T data=official_test.csv --model openai/gpt-4o-mini
    inspect eval src/corr2cause/integrations/inspect_task.py -T data=gen -T split=test ...

or from Python::

    from inspect_ai import eval
    eval(corr2cause(data="gen", config="perturbation_by_paraphrasing"), model="hf/local",
         model_args={"model_path": "./my-model"})

When several epochs are run, a sample counts as answered correctly when at least half of its
epochs were (inspect's default ``mean`` reducer, thresholded at 0.5).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from inspect_ai import Task, task
from inspect_ai.dataset import MemoryDataset, Sample
from inspect_ai.scorer import (
    CORRECT,
    INCORRECT,
    Metric,
    SampleScore,
    Score,
    Scorer,
    Target,
    accuracy,
    grouped,
    metric,
    scorer,
    stderr,
    value_to_float,
)
from inspect_ai.solver import Solver, TaskState, generate, system_message

from corr2cause.dataset.readers import EvalItem
from corr2cause.errors import Corr2CauseError
from corr2cause.evaluation.answers import normalize_answer
from corr2cause.evaluation.metrics import confusion_counts, valid_class_metrics
from corr2cause.integrations.paper_prompt import PAPER_SYSTEM_PROMPT, paper_prompt
from corr2cause.integrations.sources import load_items, resolve_data

__all__ = [
    "corr2cause",
    "corr2cause_scorer",
    "item_to_sample",
    "valid_f1",
    "valid_precision",
    "valid_recall",
]

TASK_VERSION = 1
"""Bumped whenever prompt, scoring or metrics change in a way that changes scores."""

_YES, _NO = "Yes", "No"


def item_to_sample(item: EvalItem) -> Sample:
    """One benchmark item as an inspect sample (input = the paper's question).

    Parameters
    ----------
    item : EvalItem
        The item.

    Returns
    -------
    Sample
        ``target`` is ``"Yes"`` for valid items and ``"No"`` otherwise.
    """
    return Sample(
        id=item.id,
        input=paper_prompt(item.premise, item.hypothesis),
        target=_YES if item.label == 1 else _NO,
        metadata={
            "label": item.label,
            "num_variables": item.num_variables,
            "relation": item.relation,
            "label3": item.label3,
            "template": item.template,
            "variant": item.variant,
        },
    )


def _gold_pred(scores: Sequence[SampleScore]) -> tuple[list[int], list[int]]:
    """Gold and predicted labels of the valid class, from correctness and the gold label."""
    to_float = value_to_float()
    gold: list[int] = []
    pred: list[int] = []
    for sample_score in scores:
        metadata = sample_score.sample_metadata or {}
        if "label" not in metadata:
            raise ValueError(f"sample {sample_score.sample_id} has no 'label' metadata")
        label = int(metadata["label"])
        correct = to_float(sample_score.score.value) >= 0.5
        gold.append(label)
        pred.append(label if correct else 1 - label)
    return gold, pred


def _valid_metric(name: str, scores: Sequence[SampleScore]) -> float:
    """One metric of :func:`corr2cause.evaluation.metrics.valid_class_metrics` (NaN: 0/0)."""
    value = valid_class_metrics(confusion_counts(*_gold_pred(scores)))[name]
    # inspect stores metric values as floats and uses NaN for "no value"; JSON logs show NaN.
    return math.nan if value is None else value


@metric
def valid_f1() -> Metric:
    """F1 of the valid class (NaN, i.e. undefined, when nothing is valid in gold and prediction)."""

    def compute(scores: list[SampleScore]) -> float:
        return _valid_metric("f1", scores)

    return compute


@metric
def valid_precision() -> Metric:
    """Precision of the valid class (NaN, i.e. undefined, when nothing is predicted valid)."""

    def compute(scores: list[SampleScore]) -> float:
        return _valid_metric("precision", scores)

    return compute


@metric
def valid_recall() -> Metric:
    """Recall of the valid class (NaN, i.e. undefined, when no item is valid)."""

    def compute(scores: list[SampleScore]) -> float:
        return _valid_metric("recall", scores)

    return compute


@scorer(
    metrics=[
        valid_f1(),
        valid_precision(),
        valid_recall(),
        accuracy(),
        stderr(),
        grouped(valid_f1(), "num_variables", all=False, name_template="f1_N={group_name}"),
        grouped(valid_f1(), "relation", all=False, name_template="f1_{group_name}"),
    ]
)
def corr2cause_scorer() -> Scorer:
    """Read the answer with the paper's rules; ``C`` when it matches the gold label.

    The score's ``answer`` is the raw model output; its metadata records the predicted
    label (``pred``) and the verdict (``yes``, ``no``, or ``None`` for an unreadable answer).
    """

    async def score(state: TaskState, target: Target) -> Score:
        completion = state.output.completion if state.output else ""
        parsed = normalize_answer(completion)
        gold = 1 if target.text == _YES else 0
        return Score(
            value=CORRECT if parsed.label == gold else INCORRECT,
            answer=completion,
            explanation=f"read as {parsed.verdict or 'unparseable'}; gold {target.text}",
            metadata={"pred": parsed.label, "verdict": parsed.verdict},
        )

    return score


@task
def corr2cause(
    data: str | None = None,
    config: str = "default",
    split: str | None = None,
    system_prompt: bool = True,
    limit_per_n: int | None = None,
) -> Task:
    """The Corr2Cause benchmark with the paper's zero-shot prompt.

    Parameters
    ----------
    data : str, optional
        A generated folder, a Hugging Face export, or a ``.csv`` / ``.parquet`` / ``.jsonl``
        file (the official ``test.csv`` works as is). Defaults to ``$CORR2CAUSE_DATA``.
    config : str
        ``default``, ``perturbation_by_paraphrasing``, ``perturbation_by_refactorization``,
        or a variant name (``relabel``); ignored for single files.
    split : str, optional
        ``train``, ``validation`` (or ``dev``) or ``test``; folders default to ``test``, a
        single file to all of its rows.
    system_prompt : bool
        Start with the paper's system prompt. The paper sent it to chat models only; set it
        to false for base (completion) models.
    limit_per_n : int, optional
        Keep at most this many items per number of variables (in file order), for quick
        balanced runs. Must be at least 1.

    Returns
    -------
    Task
    """
    if limit_per_n is not None and (isinstance(limit_per_n, bool) or limit_per_n < 1):
        raise Corr2CauseError(f"limit_per_n must be a positive integer, not {limit_per_n!r}")
    items = load_items(data, config=config, split=split)
    if limit_per_n is not None:
        kept: dict[int, int] = {}
        selected = []
        for item in items:
            if kept.get(item.num_variables, 0) < limit_per_n:
                kept[item.num_variables] = kept.get(item.num_variables, 0) + 1
                selected.append(item)
        items = selected
    location = resolve_data(data)
    split_name = split or ("all" if location.is_file() else "test")
    dataset = MemoryDataset(
        [item_to_sample(item) for item in items],
        name=f"corr2cause:{config}:{split_name}",
        location=str(location),
    )
    solver: list[Solver] = [generate()]
    if system_prompt:
        solver.insert(0, system_message(PAPER_SYSTEM_PROMPT))
    return Task(
        dataset=dataset,
        solver=solver,
        scorer=corr2cause_scorer(),
        version=TASK_VERSION,
        metadata={"benchmark": "corr2cause", "config": config, "split": split_name},
    )
