"""Evaluation harness: any backend, the paper's protocol, resumable runs and reports.

Public interface:

* :func:`evaluate` - run a backend over items, write ``predictions.jsonl``,
  ``metrics.json`` and ``run.json``, and return the metrics;
* :func:`load_backend` / :func:`register_backend` - backends from ``name[:arg]`` specs;
* :func:`load_prompt` - versioned prompt templates (``direct``, ``cot``, or a TOML file);
* :func:`normalize_answer` - free text to the binary label;
* :func:`compute_metrics` - F1 / precision / recall / accuracy with intervals and breakdowns;
* :func:`write_report` - Markdown and HTML comparison of run directories;
* :func:`run_robustness` / :func:`shortcut_analysis` - the paper's robustness experiment (one
  model on every dataset variant's test split, the drops and the alphabetical shortcut).

Heavy dependencies (torch, transformers, the OpenAI client) load only when a backend that
needs them is built.
"""

from corr2cause.evaluation.answers import ParsedAnswer, normalize_answer
from corr2cause.evaluation.backends import (
    Backend,
    BackendError,
    Request,
    Response,
    available_backends,
    load_backend,
    register_backend,
)
from corr2cause.evaluation.cache import ResponseCache
from corr2cause.evaluation.metrics import compute_metrics
from corr2cause.evaluation.prompts import PromptError, PromptTemplate, load_prompt
from corr2cause.evaluation.report import write_report
from corr2cause.evaluation.robustness import RobustnessError, run_robustness, shortcut_analysis
from corr2cause.evaluation.runner import evaluate

__all__ = [
    "Backend",
    "BackendError",
    "ParsedAnswer",
    "PromptError",
    "PromptTemplate",
    "Request",
    "Response",
    "ResponseCache",
    "RobustnessError",
    "available_backends",
    "compute_metrics",
    "evaluate",
    "load_backend",
    "load_prompt",
    "normalize_answer",
    "register_backend",
    "run_robustness",
    "shortcut_analysis",
    "write_report",
]
