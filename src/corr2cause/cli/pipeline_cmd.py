"""``corr2cause pipeline``: the main job on built-in defaults (see :mod:`corr2cause.pipeline`)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from corr2cause.cli._common import err_console, parse_list, parse_node_range, progress_bar
from corr2cause.pipeline import DEFAULT_BACKENDS


def pipeline(
    out: Annotated[Path, typer.Option("--out", help="Output folder.")] = Path("out"),
    nodes: Annotated[str, typer.Option(help="Node counts to generate (2..6).")] = "2-6",
    variant: Annotated[
        str, typer.Option("--variant", help="Comma-separated variants to generate and test.")
    ] = "original,paraphrase,refactor",
    backends: Annotated[
        str, typer.Option(help="Comma-separated backend specs to evaluate.")
    ] = ",".join(DEFAULT_BACKENDS),
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
    from contextlib import ExitStack

    from corr2cause.pipeline import PipelineConfig, run

    config = PipelineConfig(
        out=out,
        nodes=parse_node_range(nodes, minimum=2, maximum=6),
        variants=parse_list(variant),
        backends=parse_list(backends),
        seed=seed,
        official=official,
    )
    with ExitStack() as stack:

        def progress(description: str) -> Callable[[str, int, int], None]:
            stack.close()  # one live bar at a time: the previous stage has finished
            update = stack.enter_context(progress_bar(description, enabled=not quiet))
            return lambda stage, done, total: update(done, total)

        rows = run(config, progress=progress, log=lambda line: err_console.print(line))
    table = Table(title=f"Corr2Cause test split (N = {nodes}): valid-class metrics ×100")
    for col in ("variant", "model", "n", "F1", "P", "R", "Acc"):
        table.add_column(col, justify="left" if col in ("variant", "model") else "right")
    for r in rows:
        cells = [
            "undefined" if r[k] is None else f"{r[k]:.2f}"
            for k in ("f1", "precision", "recall", "accuracy")
        ]
        table.add_row(r["variant"], r["model"], str(r["n"]), *cells)
    Console().print(table)
    err_console.print(f"results: {out / 'results.md'}, report: {out / 'report'}")
