"""``corr2cause generate`` and ``corr2cause stats``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from corr2cause.cli._common import (
    err_console,
    fail,
    parse_list,
    parse_node_range,
    progress_bar,
)


def generate(
    out: Annotated[Path, typer.Option("--out", help="Output folder (absent or empty).")],
    nodes: Annotated[
        str,
        typer.Option(help="Node counts: '2-6', '4' or '2,3,5' (2..7; up to 26 with --samples)."),
    ] = "2-6",
    variant: Annotated[
        list[str],
        typer.Option(
            "--variant",
            help="original | paraphrase | refactor | relabel; repeat or comma-separate.",
        ),
    ] = ["original"],  # noqa: B006 - typer needs a list default
    names: Annotated[
        list[str],
        typer.Option(
            "--names",
            help="Also write the variant names-THEME: variables named from a theme "
            "(medicine, economics, ecology, education, everyday, nonsense, symbols, or a "
            ".toml file); repeat or comma-separate.",
        ),
    ] = [],  # noqa: B006 - typer needs a list default
    seed: Annotated[int, typer.Option(help="Seed of swap forms, splits and names.")] = 0,
    fmt: Annotated[
        str | None,
        typer.Option(
            "--format",
            help="Comma-separated: csv, parquet, jsonl. Default: csv,parquet for the flat "
            "layout, parquet for the normalized one (its CSV repeats every premise: ~100 GB "
            "at N=7).",
        ),
    ] = None,
    premise_style: Annotated[
        str, typer.Option(help="full (official: every independence) or minimal.")
    ] = "full",
    layout: Annotated[
        str,
        typer.Option(
            help="flat (items.parquet with premises), normalized (premises + items tables, "
            "sharded, resumable) or auto (normalized from N=7 or with --samples)."
        ),
    ] = "auto",
    engine: Annotated[str, typer.Option(help="normalized layout: local or ray.")] = "local",
    workers: Annotated[
        int | None, typer.Option(help="normalized layout: worker processes (default: all cores).")
    ] = None,
    samples: Annotated[
        int | None, typer.Option(help="Sample this many DAGs per N instead of enumerating.")
    ] = None,
    edge_density: Annotated[float, typer.Option(help="Edge probability of sampled DAGs.")] = 0.3,
    max_members: Annotated[
        int, typer.Option(help="Sampled classes with more members are skipped (and counted).")
    ] = 10_000,
    shard_size: Annotated[int, typer.Option(help="Classes per shard (normalized layout).")] = 1000,
    overwrite: Annotated[bool, typer.Option(help="Replace a non-empty output folder.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
) -> None:
    """Generate the benchmark: official CSV splits, rich tables and a manifest."""
    from corr2cause.dataset.compose import VARIANTS, names_variants
    from corr2cause.dataset.generate import GenerationConfig, generate_dataset

    ns = parse_node_range(nodes, minimum=2, maximum=26 if samples else 7)
    variants = parse_list(variant)
    variants += [v for v in names_variants(parse_list(names)) if v not in variants]
    unknown = [v for v in variants if v not in VARIANTS]
    if unknown:
        raise fail(f"unknown variant(s) {unknown}; choose from {', '.join(VARIANTS)}")
    normalized = layout == "normalized" or (layout == "auto" and (samples or max(ns) > 6))
    formats = parse_list(fmt if fmt is not None else ("parquet" if normalized else "csv,parquet"))
    if layout not in ("auto", "flat", "normalized"):
        raise fail(f"unknown layout {layout!r}; choose from auto, flat, normalized")
    if engine not in ("local", "ray"):
        raise fail(f"unknown engine {engine!r}; choose from local, ray")
    if layout == "flat" and (samples or max(ns) > 6):
        raise fail("the flat layout is limited to exhaustive N <= 6; use --layout normalized")
    if normalized:
        _generate_normalized(
            out,
            ns,
            variants,
            seed,
            formats,
            premise_style,
            engine,
            workers,
            samples,
            edge_density,
            max_members,
            shard_size,
            overwrite,
            quiet,
        )
        return
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


def _generate_normalized(
    out: Path,
    ns: list[int],
    variants: list[str],
    seed: int,
    formats: list[str],
    premise_style: str,
    engine: str,
    workers: int | None,
    samples: int | None,
    edge_density: float,
    max_members: int,
    shard_size: int,
    overwrite: bool,
    quiet: bool,
) -> None:
    from corr2cause.dataset.sharded import ShardedConfig, generate_sharded

    config = ShardedConfig(
        nodes=ns,
        variants=variants,
        seed=seed,
        formats=[f for f in formats if f != "jsonl"],
        premise_style=premise_style,
        samples=samples,
        edge_density=edge_density,
        max_members=max_members,
        shard_size=shard_size,
    )
    if "jsonl" in formats:
        err_console.print("note: the normalized layout writes parquet (and csv), not jsonl")
    try:
        config.validate()
        with progress_bar("generating", enabled=not quiet) as update:
            manifest = generate_sharded(
                out,
                config,
                engine=engine,
                workers=workers,
                overwrite=overwrite,
                progress=lambda stage, done, total: update(done, total),
            )
    except (ValueError, RuntimeError) as exc:
        raise fail(str(exc)) from None
    except (FileExistsError, NotADirectoryError, PermissionError) as exc:
        raise fail(str(exc)) from None
    except OSError as exc:
        raise fail(f"cannot write {out}: {exc}") from None
    err_console.print(
        f"wrote {out}: "
        + ", ".join(
            f"{v} {sum(c[s] for s in ('train', 'dev', 'test')):,} items"
            for v, c in manifest["items"].items()
        )
        + (
            f"; skipped {manifest['skipped_over_member_bound']} classes over the member bound"
            if manifest["skipped_over_member_bound"]
            else ""
        ),
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
