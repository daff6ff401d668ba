"""The main job: generate the benchmark, evaluate the exact solver and the baselines, report.

1. Generate the benchmark (N = 2..6, original / paraphrase / refactor by default) into
   ``OUT/data``, or reuse it when ``OUT/data/manifest.json`` records the same arguments.
2. Evaluate every backend on the test split of every variant (``OUT/runs/{variant}/{backend}``;
   each run is cached and resumable), and on the official test CSV when one is given (there
   the exact solver scores F1 95.16: the official file has 18 wrong gold labels).
3. Write ``OUT/results.md``, ``OUT/results.json`` and a side-by-side report
   (``OUT/report/report.md`` and ``report.html``).

``corr2cause pipeline`` (and so ``make run``) calls :func:`run`; Python users can too::

    from corr2cause.pipeline import PipelineConfig, run
    rows = run(PipelineConfig(out="out", nodes=[2, 3, 4]))

This module sits above evaluation in the layer order (it uses the dataset store and the
evaluation harness) and below the CLI.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from corr2cause.atomic import atomic_write_text
from corr2cause.dataset.generate import GenerationConfig
from corr2cause.dataset.manifest import ManifestError, load_manifest
from corr2cause.dataset.store import generate, read_items
from corr2cause.errors import Corr2CauseError

__all__ = ["DEFAULT_BACKENDS", "PipelineConfig", "results_markdown", "run"]

DEFAULT_BACKENDS: tuple[str, ...] = ("oracle", "random-uniform", "random-proportional", "majority")
"""Backends the main job evaluates: the exact solver and the paper's three baselines."""

Progress = Callable[[str, int, int], None]


@dataclass
class PipelineConfig:
    """Arguments of the main job.

    Attributes
    ----------
    out : path
        Output folder (``data/``, ``runs/``, ``results.*``, ``report/``).
    nodes : list of int
        Node counts to generate (2..6).
    variants : list of str
        Variants to generate and test.
    backends : list of str
        Backend specs to evaluate (:func:`corr2cause.evaluation.backends.load_backend`).
    seed : int
        Seed of generation and of the random baselines.
    official : path, optional
        The official test CSV, also evaluated when given.
    """

    out: Path = Path("out")
    nodes: list[int] = field(default_factory=lambda: [2, 3, 4, 5, 6])
    variants: list[str] = field(default_factory=lambda: ["original", "paraphrase", "refactor"])
    backends: list[str] = field(default_factory=lambda: list(DEFAULT_BACKENDS))
    seed: int = 0
    official: Path | None = None


def results_markdown(rows: list[dict[str, Any]]) -> str:
    """The results table (valid-class metrics ×100) as Markdown."""
    lines = [
        "| variant | model | n | F1 | precision | recall | accuracy |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        cells = [_fmt(r[k]) for k in ("f1", "precision", "recall", "accuracy")]
        lines.append(f"| {r['variant']} | {r['model']} | {r['n']} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def _fmt(value: Any) -> str:
    return "undefined" if value is None else f"{value:.2f}"


def _item_progress(update: Progress) -> Callable[[int, int], None]:
    def report(done: int, total: int) -> None:
        update("items", done, total)

    return report


def _reuse(data: Path, config: GenerationConfig) -> bool:
    path = data / "manifest.json"
    if not path.is_file():
        return False
    try:
        return bool(load_manifest(path)["arguments"] == config.flat_arguments())
    except ManifestError:
        return False


def run(
    config: PipelineConfig,
    *,
    progress: Callable[[str], Progress] | None = None,
    log: Callable[[str], None] | None = None,
) -> list[dict[str, Any]]:
    """Run the main job; return one results row per (variant, backend).

    Parameters
    ----------
    config : PipelineConfig
        What to generate and evaluate.
    progress : callable, optional
        ``progress(description)`` returns ``update(stage, done, total)`` for one stage.
    log : callable, optional
        Receives one line per step ("reusing ...", "generated ...").

    Returns
    -------
    list of dict
        ``variant``, ``model``, ``n``, ``f1``, ``precision``, ``recall``, ``accuracy``.
    """
    from corr2cause.evaluation.report import write_report
    from corr2cause.evaluation.runner import evaluate

    def stage(description: str) -> Progress | None:
        return progress(description) if progress is not None else None

    def say(line: str) -> None:
        if log is not None:
            log(line)

    if any(not 2 <= n <= 6 for n in config.nodes):
        raise Corr2CauseError(f"the main job generates N = 2..6, not {config.nodes}")
    gen = GenerationConfig(
        nodes=list(config.nodes),
        variants=list(config.variants),
        seed=config.seed,
        formats=["csv", "parquet"],
        layout="flat",
    )
    gen.validate()
    out = Path(config.out)
    data = out / "data"
    if _reuse(data, gen):
        say(f"reusing {data} (same arguments)")
    else:
        generate(gen, data, overwrite=True, progress=stage("generating"))
        say(f"generated {data}")
    suites: list[tuple[str, Path, str | None]] = [
        (v, data / v / "items.parquet", "test") for v in gen.variants
    ]
    if config.official is not None:
        if not Path(config.official).is_file():
            raise Corr2CauseError(f"{config.official}: no such file (the official test CSV)")
        suites.append(("official-test", Path(config.official), None))
    rows: list[dict[str, Any]] = []
    run_dirs: list[Path] = []
    for variant, source, split in suites:
        items = read_items(source, split=split)
        for spec in config.backends:
            run_dir = out / "runs" / variant / spec.replace(":", "_").replace("/", "_")
            update = stage(f"{variant}: {spec}")
            item_progress = _item_progress(update) if update is not None else None
            metrics = evaluate(
                spec,
                items,
                out_dir=run_dir,
                seed=config.seed,
                progress=item_progress,
                backend_options={"seed": config.seed} if spec.startswith("random") else None,
                run_info={"data": str(source), "split": split or "all"},
            )
            run_dirs.append(run_dir)
            rows.append(
                {
                    "variant": variant,
                    "model": spec,
                    **{k: metrics[k] for k in ("n", "f1", "precision", "recall", "accuracy")},
                }
            )
    atomic_write_text(out / "results.json", json.dumps(rows, indent=2) + "\n")
    atomic_write_text(out / "results.md", results_markdown(rows))
    write_report(run_dirs, out / "report")
    return rows
