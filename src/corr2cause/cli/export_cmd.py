"""``corr2cause export-hf``: a generated folder as a Hugging Face dataset (Parquet + card)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from corr2cause.cli._common import err_console, progress_bar


def export_hf(
    source: Annotated[Path, typer.Argument(help="A folder written by `corr2cause generate`.")],
    out: Annotated[Path, typer.Option("--out", help="Output folder (absent or empty).")],
    max_shard_rows: Annotated[
        int, typer.Option(help="Most rows per Parquet shard.", min=1)
    ] = 100_000,
    overwrite: Annotated[bool, typer.Option(help="Replace a non-empty output folder.")] = False,
    stories: Annotated[
        list[Path] | None,
        typer.Option(
            "--stories",
            help="Also export a verified story set (a `corr2cause stories` folder or its "
            "stories.jsonl) as one more config; repeat for several.",
        ),
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print what was written as one JSON object.")
    ] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
) -> None:
    """Export generated data as a Hugging Face dataset: Parquet shards and a dataset card.

    Configs: default, perturbation_by_paraphrasing, perturbation_by_refactorization (the
    official names), any other variant by its own name, and each --stories set. Load the
    result offline with datasets.load_dataset(OUT, "default").
    """
    from corr2cause.integrations.hf_export import export_hf as run_export

    with progress_bar("exporting", enabled=not quiet) as update:
        result = run_export(
            source,
            out,
            overwrite=overwrite,
            max_shard_rows=max_shard_rows,
            progress=update,
            stories=stories or (),
        )
    if as_json:
        typer.echo(json.dumps(result.to_dict(), indent=2))
    err_console.print(
        f"wrote {out}: "
        + ", ".join(
            f"{c.name} ({'/'.join(f'{s.rows:,}' for s in c.splits)} "
            f"{'/'.join(s.name for s in c.splits)})"
            for c in result.configs
        ),
        highlight=False,
    )
