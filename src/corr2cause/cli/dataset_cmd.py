"""``corr2cause generate`` and ``corr2cause stats``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from corr2cause.cli._common import err_console, fail, parse_node_range, progress_bar


def generate(
    out: Annotated[Path, typer.Option("--out", help="Output folder (absent or empty).")],
    nodes: Annotated[str, typer.Option(help="Node counts: '2-6', '4' or '2,3,5' (2..7).")] = "2-6",
    variant: Annotated[
        list[str],
        typer.Option(
            "--variant", help="original | paraphrase | refactor | relabel; repeat or comma-separate."
        ),
    ] = ["original"],  # noqa: B006 - typer needs a list default
    seed: Annotated[int, typer.Option(help="Seed of swap forms and splits.")] = 0,
    fmt: Annotated[
        str, typer.Option("--format", help="Comma-separated: csv, parquet, jsonl.")
    ] = "csv,parquet",
    premise_style: Annotated[
        str, typer.Option(help="full (official: every independence) or minimal.")
    ] = "full",
    overwrite: Annotated[bool, typer.Option(help="Replace a non-empty output folder.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
) -> None:
    """Generate the benchmark: official CSV splits, rich tables and a manifest."""
    from corr2cause.dataset.compose import VARIANTS
    from corr2cause.dataset.generate import GenerationConfig, generate_dataset, parse_list

    ns = parse_node_range(nodes, minimum=2, maximum=7)
    variants = parse_list(variant)
    unknown = [v for v in variants if v not in VARIANTS]
    if unknown:
        raise fail(f"unknown variant(s) {unknown}; choose from {', '.join(VARIANTS)}")
    formats = parse_list(fmt)
    config = GenerationConfig(
        nodes=ns, variants=variants, seed=seed, formats=formats, premise_style=premise_style
    )
    try:
        config.validate()
    except ValueError as exc:
        raise fail(str(exc)) from None
    try:
        with progress_bar("generating", enabled=not quiet) as update:
            manifest = generate_dataset(out, config, overwrite=overwrite, progress=update)
    except (FileExistsError, NotADirectoryError, PermissionError) as exc:
        raise fail(str(exc)) from None
    except OSError as exc:
        raise fail(f"cannot write {out}: {exc}") from None
    err_console.print(
        f"wrote {out}: " + ", ".join(f"{v} {k:,} items" for v, k in manifest["items"].items()),
        highlight=False,
    )


def stats(
    path: Annotated[Path, typer.Argument(help="A generated folder or an items.parquet file.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Print dataset statistics (items, % valid, 3-class shares, lengths) by N and relation."""
    from corr2cause.dataset.stats import dataset_stats

    try:
        result = dataset_stats(path)
    except (FileNotFoundError, OSError, ValueError) as exc:
        raise fail(str(exc)) from None
    if as_json:
        typer.echo(json.dumps(result, indent=2))
        return
    console = Console()
    for vname, st in result.items():
        table = Table(title=f"{vname}: dataset statistics")
        table.add_column("group")
        for col in ("items", "% valid", "% ent", "% neu", "% con", "premise words", "hyp. words"):
            table.add_column(col, justify="right")
        rows = [("all", st["overall"])]
        rows += [(f"N={k}", v) for k, v in st["by_num_variables"].items()]
        rows += list(st["by_relation"].items())
        for name, v in rows:
            table.add_row(
                name,
                f"{v['items']:,}",
                f"{v.get('valid_pct', 0):.2f}",
                f"{v.get('entailment_pct', 0):.2f}",
                f"{v.get('neutral_pct', 0):.2f}",
                f"{v.get('contradiction_pct', 0):.2f}",
                f"{v.get('premise_words', 0):.1f}",
                f"{v.get('hypothesis_words', 0):.1f}",
            )
        console.print(table)
