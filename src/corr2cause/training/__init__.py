"""Fine-tuning sequence classifiers on Corr2Cause.

* :func:`finetune` / :class:`FinetuneConfig` - the paper's recipe (AdamW, inverse-frequency
  class weights, best dev-F1 checkpoint) with transformers' Trainer, resumable, CPU or GPU.

The robustness experiment only evaluates a model, so it lives in
:mod:`corr2cause.evaluation.robustness`; ``corr2cause.training.run_robustness``,
``RobustnessError`` and ``shortcut_analysis`` still resolve there, with a
``DeprecationWarning``.

torch and transformers are imported only when a model is trained or loaded.
"""

from __future__ import annotations

import warnings
from typing import Any

from corr2cause.training.finetune import (
    FinetuneConfig,
    FinetuneError,
    class_weights,
    default_model_path,
    finetune,
    load_split,
    stratified_subset,
)

__all__ = [
    "FinetuneConfig",
    "FinetuneError",
    "class_weights",
    "default_model_path",
    "finetune",
    "load_split",
    "stratified_subset",
]

_MOVED_TO_EVALUATION = frozenset({"RobustnessError", "run_robustness", "shortcut_analysis"})


def __getattr__(name: str) -> Any:
    if name in _MOVED_TO_EVALUATION:
        warnings.warn(
            f"corr2cause.training.{name} moved to corr2cause.evaluation.robustness.{name}",
            DeprecationWarning,
            stacklevel=2,
        )
        from corr2cause.evaluation import robustness

        return getattr(robustness, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
