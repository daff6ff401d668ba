"""``corr2cause pipeline``: the main job on built-in defaults.

1. Generate the benchmark (N = 2..6, original / paraphrase / refactor) into ``OUT/data``,
   or reuse it when ``OUT/data/manifest.json`` records the same arguments.
2. Evaluate the exact solver and the paper's baselines on the test split of every variant
   (``OUT/runs/{variant}/{backend}``; each run is cached and resumable), and on the official
   test CSV when ``--official`` or ``$CORR2CAUSE_OFFICIAL_TEST`` names it (there the exact
   solver scores F1 95.16: the official file has 18 wrong gold labels).
3. Print the results table, and write ``OUT/results.md``, ``OUT/results.json`` and a
   side-by-side report (``OUT/report/report.md`` and ``report.html``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from corr2cause.atomic import atomic_write_text
from corr2cause.cli._common import (
    err_console,
    fail,
    parse_list,
    parse_node_range,
    progress_bar,
)

DEFAULT_BACKENDS = "oracle,random-uniform,random-proportional,majority"


def _num(value: float | None) -> str:
    """Two decimals, or ``undefined`` for a 0/0 metric (``None`` in metrics.json)."""
    return "undefined" if value is None else f"{value:.2f}"


def _results_markdown(rows: list[dict[str, Any]]) -> str:
    lines = [
        "| variant | model | n | F1 | precision | recall | accuracy |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r['variant']} | {r['model']} | {r['n']} | {_num(r['f1'])} | "
            f"{_num(r['precision'])} | {_num(r['recall'])} | {_num(r['accuracy'])} |"
        )
    return "\n".join(lines) + "\n"


def pipeline(
    out: Annotated[Path, typer.Option("--out", help="Output folder.")] = Path("out"),
    nodes: Annotated[str, typer.Option(help="Node counts to generate (2..6).")] = "2-6",
    variant: Annotated[
        str, typer.Option("--variant", help="Comma-separated variants to generate and test.")
    ] = "original,paraphrase,refactor",
    backends: Annotated[
        str, typer.Option(help="Comma-separated backend specs to evaluate.")
    ] = DEFAULT_BACKENDS,
    seed: Annotated[int, typer.Option(help="Seed of generation and baselines.")] = 0,
    official: Annotated[
        Path | None,
        typer.Option(
            envvar="CORR2CAUSE_OFFICIAL_TEST",
            help="Also evaluate on the official test CSV (default: $CORR2CAUSE_OFFICIAL_TEST).",
        ),
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bars.")] = False,
) -> None:
    """Generate the benchmark and evaluate the exact solver and the baselines on it."""
    from corr2cause.dataset.generate import GenerationConfig, generate_dataset
    from corr2cause.dataset.readers import read_items
    from corr2cause.evaluation.report import write_report
    from corr2cause.evaluation.runner import evaluate

    ns = parse_node_range(nodes, minimum=2, maximum=6)
    variants = parse_list(variant)
    specs = parse_list(backends)
    config = GenerationConfig(nodes=ns, variants=variants, seed=seed, formats=["csv", "parquet"])
    try:
        config.validate()
    except ValueError as exc:
        raise fail(str(exc)) from None
    data = out / "data"
    manifest_path = data / "manifest.json"
    wanted = {
        "nodes": ns,
        "variants": variants,
        "seed": seed,
        "formats": config.formats,
        "premise_style": "full",
    }
    if manifest_path.is_file() and json.loads(manifest_path.read_text())["arguments"] == wanted:
        err_console.print(f"reusing {data} (same arguments)")
    else:
        try:
            with progress_bar("generating", enabled=not quiet) as update:
                generate_dataset(data, config, overwrite=True, progress=update)
        except OSError as exc:
            raise fail(f"cannot write {data}: {exc}") from None
        err_console.print(f"generated {data}")
    rows: list[dict[str, Any]] = []
    run_dirs: list[Path] = []
    suites = [(v, data / v / "items.parquet", "test") for v in variants]
    if official is not None:
        if not official.is_file():
            raise fail(f"{official}: no such file (the official test CSV)")
        suites.append(("official-test", official, None))
    for v, source, split in suites:
        try:
            items = read_items(source, split=split)
        except ValueError as exc:
            raise fail(str(exc)) from None
        for spec in specs:
            run_dir = out / "runs" / v / spec.replace(":", "_").replace("/", "_")
            try:
                with progress_bar(f"{v}: {spec}", enabled=not quiet) as update:
                    metrics = evaluate(
                        spec,
                        items,
                        out_dir=run_dir,
                        seed=seed,
                        progress=update,
                        backend_options={"seed": seed} if spec.startswith("random") else None,
                        run_info={"data": str(source), "split": split or "all"},
                    )
            except (ValueError, RuntimeError, ImportError) as exc:
                raise fail(f"evaluating {spec} on {v}: {exc}") from None
            run_dirs.append(run_dir)
            rows.append(
                {
                    "variant": v,
                    "model": spec,
                    **{k: metrics[k] for k in ("n", "f1", "precision", "recall", "accuracy")},
                }
            )
    atomic_write_text(out / "results.json", json.dumps(rows, indent=2) + "\n")
    atomic_write_text(out / "results.md", _results_markdown(rows))
    write_report(run_dirs, out / "report")
    table = Table(title=f"Corr2Cause test split (N = {nodes}): valid-class metrics ×100")
    for col in ("variant", "model", "n", "F1", "P", "R", "Acc"):
        table.add_column(col, justify="left" if col in ("variant", "model") else "right")
    for r in rows:
        table.add_row(
            r["variant"],
            r["model"],
            str(r["n"]),
            _num(r["f1"]),
            _num(r["precision"]),
            _num(r["recall"]),
            _num(r["accuracy"]),
        )
    Console().print(table)
    err_console.print(f"results: {out / 'results.md'}, report: {out / 'report'}")
