"""Fine-tuning sequence classifiers on Corr2Cause and the paper's robustness experiment.

* :func:`finetune` / :class:`FinetuneConfig` - the paper's recipe (AdamW, inverse-frequency
  class weights, best dev-F1 checkpoint) with transformers' Trainer, resumable, CPU or GPU;
* :func:`run_robustness` - evaluate one model on the test split of every dataset variant
  (original, paraphrase, refactor, ...) and report the drops and the alphabetical shortcut.

torch and transformers are imported only when a model is trained or loaded.
"""

from corr2cause.training.finetune import (
    FinetuneConfig,
    FinetuneError,
    class_weights,
    default_model_path,
    finetune,
    load_split,
    stratified_subset,
)
from corr2cause.training.robustness import RobustnessError, run_robustness, shortcut_analysis

__all__ = [
    "FinetuneConfig",
    "FinetuneError",
    "RobustnessError",
    "class_weights",
    "default_model_path",
    "finetune",
    "load_split",
    "run_robustness",
    "shortcut_analysis",
    "stratified_subset",
]
