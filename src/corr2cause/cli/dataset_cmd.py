"""``corr2cause generate`` and ``corr2cause stats``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from corr2cause.cli._common import (
    err_console,
    parse_list,
    parse_node_range,
    progress_bar,
)


def generate(
    out: Annotated[Path, typer.Option("--out", help="Output folder (absent or empty).")],
    nodes: Annotated[
        str,
        typer.Option(help="Node counts: '2-6', '4' or '2,3,5' (2..7; up to 64 with --samples)."),
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
        int,
        typer.Option(
            help="Sampled classes: fractions are exact up to this many members, else estimated "
            "from this many uniform draws (labels are always exact; no class is skipped)."
        ),
    ] = 10_000,
    shard_size: Annotated[int, typer.Option(help="Classes per shard (normalized layout).")] = 1000,
    sampler: Annotated[
        str, typer.Option(help="With --samples: edge-density, or uniform (over labeled DAGs).")
    ] = "edge-density",
    per_stratum: Annotated[
        int | None,
        typer.Option(
            help="With --samples: stratify classes by size, this many per size bin "
            "(--samples is then the draw budget)."
        ),
    ] = None,
    tier: Annotated[
        str | None,
        typer.Option(
            help="A versioned preset, e.g. 'hard' (hard-v2: N = 7..30, exact labels, "
            "size-stratified, balanced per relation and label, all in the test split); sets "
            "nodes, sampling, premise style, member bound, selection and split."
        ),
    ] = None,
    rationale: Annotated[
        bool,
        typer.Option(
            "--rationale",
            help="Add the column 'rationale' (the gold PC derivation of each item, see "
            "docs/training.md) to the item tables (items.parquet, items.jsonl, items/); "
            "exhaustive classes only; the CSV keeps its official columns.",
        ),
    ] = False,
    rationale_style: Annotated[
        str, typer.Option(help="With --rationale: template style, full or compact.")
    ] = "full",
    overwrite: Annotated[bool, typer.Option(help="Replace a non-empty output folder.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
) -> None:
    """Generate the benchmark: official CSV splits, rich tables and a manifest."""
    from corr2cause.dataset.compose import names_variants
    from corr2cause.dataset.generate import GenerationConfig
    from corr2cause.dataset.manifest import item_totals
    from corr2cause.dataset.store import generate as generate_data
    from corr2cause.solver.rationale_column import RationaleColumn

    variants = parse_list(variant)
    variants += [v for v in names_variants(parse_list(names)) if v not in variants]

    config = GenerationConfig(
        nodes=parse_node_range(nodes, minimum=2, maximum=64 if samples or tier else 7),
        variants=variants,
        seed=seed,
        formats=parse_list(fmt) if fmt is not None else None,
        premise_style=premise_style,
        layout=layout,
        samples=samples,
        edge_density=edge_density,
        max_members=max_members,
        shard_size=shard_size,
        engine=engine,
        workers=workers,
        sampler=sampler,
        per_stratum=per_stratum,
        tier=tier,
        extra_columns=RationaleColumn(style=rationale_style) if rationale else None,
    )
    if config.resolved_layout == "normalized" and "jsonl" in config.output_formats:
        err_console.print("note: the normalized layout writes parquet (and csv), not jsonl")
    with progress_bar("generating", enabled=not quiet) as update:
        manifest = generate_data(
            config, out, overwrite=overwrite, progress=lambda stage, d, t: update(d, t)
        )
    skipped = manifest.get("skipped_over_member_bound", 0)
    err_console.print(
        f"wrote {out}: "
        + ", ".join(f"{v} {k:,} items" for v, k in item_totals(manifest).items())
        + (f"; skipped {skipped} classes over the member bound" if skipped else ""),
        highlight=False,
    )


def stats(
    path: Annotated[Path, typer.Argument(help="A generated folder or an items.parquet file.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Print dataset statistics (items, % valid, 3-class shares, lengths) by N and relation."""
    from corr2cause.dataset.stats import dataset_stats

    result = dataset_stats(path)
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
                *(
                    "-" if v.get(k) is None else f"{v[k]:.2f}"
                    for k in ("valid_pct", "entailment_pct", "neutral_pct", "contradiction_pct")
                ),
                *(
                    "-" if v.get(k) is None else f"{v[k]:.1f}"
                    for k in ("premise_words", "hypothesis_words")
                ),
            )
        console.print(table)
        if "difficulty" in st:
            _print_difficulty(console, vname, st["difficulty"])


_DIFFICULTY_COLUMNS = {
    "mec_size": "MEC size",
    "undirected_edges": "undirected edges",
    "edges": "edges",
    "premise_tokens": "premise tokens",
}


def _print_difficulty(console: Console, vname: str, diff: dict[str, Any]) -> None:
    """Quantile and histogram tables of :func:`corr2cause.dataset.stats.difficulty_stats`."""
    from corr2cause.dataset.stats import bin_labels

    rows = [("all", diff["overall"])] + [(f"N={k}", v) for k, v in diff["by_num_variables"].items()]
    shown = [k for k in _DIFFICULTY_COLUMNS if any(v.get(k) for _, v in rows)]
    table = Table(
        title=f"{vname}: difficulty per class: median (q25-q75) max",
        caption="tokens: " + diff["tokenizer"],
    )
    table.add_column("group")
    table.add_column("classes", justify="right")
    for k in shown:
        table.add_column(_DIFFICULTY_COLUMNS[k], justify="right")
    if any(v.get("fraction_estimated_pct") is not None for _, v in rows):
        table.add_column("% est. fraction", justify="right")
    for name, v in rows:
        cells = [
            "-"
            if v.get(k) is None
            else f"{v[k]['median']:g} ({v[k]['q25']:g}-{v[k]['q75']:g}) {v[k]['max']:g}"
            for k in shown
        ]
        if v.get("fraction_estimated_pct") is not None:
            cells.append(f"{v['fraction_estimated_pct']:.2f}")
        table.add_row(name, f"{v['classes']:,}", *cells)
    console.print(table)
    for k in shown:
        bins = diff["overall"][k]["histogram"]["bins"]
        hist = Table(title=f"{vname}: {_DIFFICULTY_COLUMNS[k]}, classes per bin")
        hist.add_column("group")
        for label in bin_labels(bins):
            hist.add_column(label, justify="right")
        for name, v in rows:
            if v.get(k) is not None:
                hist.add_row(name, *(f"{c:,}" for c in v[k]["histogram"]["counts"]))
        console.print(hist)
