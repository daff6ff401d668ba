"""Python hooks of the Corr2Cause lm-eval tasks (``!function hooks.NAME`` in the YAMLs).

lm-evaluation-harness calls these functions while it runs a task:

:func:`load_corr2cause`
    ``custom_dataset``: builds a ``datasets.DatasetDict`` whose ``test`` split holds the
    items chosen by the ``--metadata`` keys ``data``, ``config`` and ``split``.
:func:`doc_to_text`
    The paper's zero-shot question (:func:`corr2cause.integrations.paper_prompt.paper_prompt`).
:func:`process_results_mc`, :func:`process_results_gen`, :func:`process_results_reasoning`
    Per-document results: ``(gold, pred)`` pairs for the F1-style metrics, 0/1 for ``acc``
    (and, for reasoning models, whether the output ended inside its reasoning).
:func:`f1_valid`, :func:`precision_valid`, :func:`recall_valid`
    Aggregations over the ``(gold, pred)`` pairs, for the valid class (label 1), computed by
    :func:`corr2cause.evaluation.metrics.valid_class_metrics` (the definition
    ``corr2cause evaluate`` and the inspect task use). An undefined metric (0/0) is ``None``
    (``null`` in lm-eval's results JSON), not 0.

The module imports nothing from lm-eval; it needs ``datasets`` only inside
:func:`load_corr2cause`. lm-eval loads it by file path, so every import here is absolute.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from corr2cause.evaluation.answers import normalize_answer
from corr2cause.evaluation.metrics import confusion_counts, valid_class_metrics
from corr2cause.integrations.paper_prompt import paper_prompt
from corr2cause.integrations.sources import load_items

__all__ = [
    "doc_to_text",
    "f1_valid",
    "load_corr2cause",
    "precision_valid",
    "process_results_gen",
    "process_results_mc",
    "process_results_reasoning",
    "recall_valid",
]

Pair = tuple[int, int]


def load_corr2cause(
    data: str | None = None,
    config: str = "default",
    split: str | None = None,
    **_ignored: Any,
) -> Any:
    """Load the items to evaluate as a ``DatasetDict`` with a single ``test`` split.

    Parameters
    ----------
    data : str, optional
        A generated folder, a Hugging Face export or a CSV/Parquet/JSONL file; defaults to
        ``$CORR2CAUSE_DATA``.
    config : str
        Config or variant name (folders only).
    split : str, optional
        Split to evaluate (folders default to ``test``; single files to all rows). It is
        returned under the name ``test``, the split the task YAMLs evaluate.
    **_ignored
        The rest of lm-eval's task metadata (``version``, model arguments ...).

    Returns
    -------
    datasets.DatasetDict
        Columns ``id, input, premise, hypothesis, label, answer, num_variables, relation,
        label3, template, variant``; ``answer`` is ``"Yes"`` or ``"No"``.
    """
    import datasets

    items = load_items(data, config=config, split=split)
    rows = {
        "id": [i.id for i in items],
        "input": [i.input for i in items],
        "premise": [i.premise for i in items],
        "hypothesis": [i.hypothesis for i in items],
        "label": [i.label for i in items],
        "answer": ["Yes" if i.label == 1 else "No" for i in items],
        "num_variables": [i.num_variables for i in items],
        "relation": [i.relation for i in items],
        "label3": [i.label3 or "" for i in items],
        "template": [i.template or "" for i in items],
        "variant": [i.variant or "" for i in items],
    }
    features = datasets.Features(
        {
            name: datasets.Value("int64" if name in ("label", "num_variables") else "string")
            for name in rows
        }
    )
    return datasets.DatasetDict({"test": datasets.Dataset.from_dict(rows, features=features)})


def doc_to_text(doc: dict[str, Any]) -> str:
    """The paper's zero-shot question for one document."""
    return paper_prompt(doc["premise"], doc["hypothesis"])


def process_results_mc(
    doc: dict[str, Any], results: Sequence[tuple[float, bool]]
) -> dict[str, Any]:
    """Results of the multiple-choice task: the likelier of " No" (0) and " Yes" (1) wins.

    Parameters
    ----------
    doc : dict
        The document (needs ``label``).
    results : sequence of (float, bool)
        ``(log-likelihood, is_greedy)`` per choice, in ``doc_to_choice`` order.
    """
    lls = [float(r[0]) for r in results]
    pred = 1 if lls[1] > lls[0] else 0
    return _per_doc(int(doc["label"]), pred)


def process_results_gen(doc: dict[str, Any], results: Sequence[str]) -> dict[str, Any]:
    """Results of the generation task: the answer read with the paper's rules.

    Parameters
    ----------
    doc : dict
        The document (needs ``label``).
    results : sequence of str
        The (filtered) generation; only the first is used.
    """
    parsed = normalize_answer(results[0] if results else None)
    out = _per_doc(int(doc["label"]), parsed.label)
    out["unparseable"] = 0.0 if parsed.parsed else 1.0
    return out


def process_results_reasoning(doc: dict[str, Any], results: Sequence[str]) -> dict[str, Any]:
    """Results of the reasoning task: as :func:`process_results_gen`, plus ``truncated``.

    ``truncated`` is 1.0 when the output ended inside its reasoning (an unterminated think
    block: the token budget was too small), else 0.0.

    Examples
    --------
    >>> process_results_reasoning({"label": 1}, ["<think>v-structure at C</think> Yes"])["f1"]
    (1, 1)
    >>> process_results_reasoning({"label": 1}, ["<think>First, the skeleton"])["truncated"]
    1.0
    """
    parsed = normalize_answer(results[0] if results else None)
    out = _per_doc(int(doc["label"]), parsed.label)
    out["unparseable"] = 0.0 if parsed.parsed else 1.0
    out["truncated"] = 1.0 if parsed.truncated else 0.0
    return out


def _per_doc(gold: int, pred: int) -> dict[str, Any]:
    pair = (gold, pred)
    return {"f1": pair, "precision": pair, "recall": pair, "acc": float(gold == pred)}


def _metric(name: str, items: Iterable[Pair]) -> float | None:
    pairs = list(items)
    counts = confusion_counts([g for g, _ in pairs], [p for _, p in pairs])
    return valid_class_metrics(counts)[name]


def f1_valid(items: Iterable[Pair]) -> float | None:
    """F1 of the valid class over ``(gold, pred)`` pairs (``None`` when undefined).

    Examples
    --------
    >>> f1_valid([(1, 1), (1, 0), (0, 1), (0, 0)])
    0.5
    >>> f1_valid([(0, 0)]) is None
    True
    """
    return _metric("f1", items)


def precision_valid(items: Iterable[Pair]) -> float | None:
    """Precision of the valid class (``None`` when nothing is predicted valid)."""
    return _metric("precision", items)


def recall_valid(items: Iterable[Pair]) -> float | None:
    """Recall of the valid class (``None`` when no item is valid)."""
    return _metric("recall", items)
