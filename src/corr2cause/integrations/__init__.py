"""Bridges to the tools researchers already use: Hugging Face datasets, inspect-ai, lm-eval.

Each bridge is an optional extra; the core install never imports ``datasets``,
``inspect_ai`` or ``lm_eval``, and neither does importing this package.

``corr2cause.integrations.hf_export``
    ``corr2cause export-hf DIR --out HF_DIR`` writes Parquet shards per config and split plus
    a dataset card; ``datasets.load_dataset(HF_DIR, "default")`` reads them offline. Writing
    needs only pyarrow.
``corr2cause.integrations.inspect_task``
    The inspect-ai task ``corr2cause`` (extra ``inspect``): the paper's prompt, a scorer that
    reports F1, precision and recall of the *valid* class and accuracy, and F1 per number of
    variables and per relation. Registered as ``corr2cause/corr2cause`` through the
    ``inspect_ai`` entry point.
``corr2cause.integrations.lm_eval``
    Task YAMLs for lm-evaluation-harness (extra ``lm-eval``): ``corr2cause`` (log-likelihood
    of " Yes" vs " No") and ``corr2cause_gen`` (free generation, for chat APIs). Pass
    :func:`lm_eval_tasks_path` to ``--include_path``.

All three read data through :func:`corr2cause.integrations.sources.load_items` and render
prompts with :func:`corr2cause.integrations.paper_prompt.paper_prompt`, so their numbers
line up with each other and with ``corr2cause.evaluation``.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["lm_eval_tasks_path"]


def lm_eval_tasks_path() -> str:
    """The folder holding the lm-eval task YAMLs, for ``lm-eval run --include_path``.

    Returns
    -------
    str
        An absolute path inside the installed package.

    Examples
    --------
    >>> Path(lm_eval_tasks_path(), "corr2cause.yaml").is_file()
    True
    """
    return str(Path(__file__).resolve().parent / "lm_eval")
