"""``corr2cause export-sft``, ``rationale`` and ``audit-ccpp``: reasoning supervision commands."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from corr2cause.cli._common import err_console


def export_sft(
    data: Annotated[Path, typer.Argument(help="Generated dataset folder.")],
    out: Annotated[Path, typer.Option("--out", help="Output folder (JSONL/Parquet + manifest).")],
    target: Annotated[
        str, typer.Option(help="'rationale' (derivation + answer) or 'answer' (answer only).")
    ] = "rationale",
    prompt: Annotated[
        str | None,
        typer.Option(help="Prompt template name or file (default: derive / direct)."),
    ] = None,
    split: Annotated[
        list[str] | None, typer.Option("--split", help="Splits to export (default: all three).")
    ] = None,
    variant: Annotated[str, typer.Option(help="Dataset variant folder.")] = "original",
    style: Annotated[str, typer.Option(help="Rationale template style: full | compact.")] = "full",
    think: Annotated[bool, typer.Option(help="Wrap the derivation in <think>...</think>.")] = False,
    semantics: Annotated[
        str, typer.Option(help="Hypothesis semantics: auto | corr2cause | textbook.")
    ] = "auto",
    fmt: Annotated[
        list[str] | None, typer.Option("--format", help="jsonl and/or parquet (default: both).")
    ] = None,
    max_items: Annotated[
        int | None, typer.Option("--max-items", help="Seeded stratified subset per split.")
    ] = None,
    seed: Annotated[int, typer.Option(help="Seed of the subset.")] = 0,
    overwrite: Annotated[bool, typer.Option(help="Replace an existing export.")] = False,
) -> None:
    """Write chat-format SFT/GRPO data: prompt, gold rationale + answer, exact label."""
    from corr2cause.training.sft_data import SftExportConfig
    from corr2cause.training.sft_data import export_sft as run_export

    splits = [s.strip() for arg in (split or []) for s in arg.split(",") if s.strip()]
    formats = [f.strip() for arg in (fmt or []) for f in arg.split(",") if f.strip()]
    config = SftExportConfig(
        splits=tuple(splits) or ("train", "dev", "test"),
        variant=variant,
        prompt=prompt,
        target=target,
        style=style,
        think=think,
        semantics=semantics,
        formats=tuple(formats) or ("jsonl", "parquet"),
        max_items=max_items,
        seed=seed,
    )
    manifest = run_export(data, out, config, overwrite=overwrite)
    for name, info in manifest["splits"].items():
        err_console.print(
            f"{name}: {info['examples']:,} examples ({info['valid']:,} valid, "
            f"{len(info['skipped'])} skipped, {info['gold_label_differs']} gold labels corrected)",
            highlight=False,
        )
    err_console.print(f"wrote {out}", highlight=False)


def rationale(
    premise: Annotated[str, typer.Option("--premise", help="The premise text.")],
    hypothesis: Annotated[str, typer.Option("--hypothesis", help="The hypothesis text.")],
    check: Annotated[
        Path | None,
        typer.Option("--check", help="Check this rationale file instead of printing the gold one."),
    ] = None,
    style: Annotated[str, typer.Option(help="Template style: full | compact.")] = "full",
    semantics: Annotated[
        str, typer.Option(help="Hypothesis semantics: auto | corr2cause | textbook.")
    ] = "auto",
) -> None:
    """Print the gold PC derivation of an item, or check a rationale step by step."""
    from corr2cause.solver.rationale import explain
    from corr2cause.solver.rationale_check import check_rationale

    if check is None:
        typer.echo(explain(premise, hypothesis, semantics=semantics, style=style).text)
        return
    result = check_rationale(
        premise, hypothesis, check.read_text(encoding="utf-8"), semantics=semantics
    )
    for err in result.errors:
        typer.echo(err)
    typer.echo(f"{'OK' if result.ok else 'WRONG'}: credit {result.credit:.3f}")
    if not result.ok:
        raise typer.Exit(1)


def audit_ccpp(
    file: Annotated[Path, typer.Argument(help="Corr2Cause++ JSON (list) or JSONL file.")],
    semantics: Annotated[
        str,
        typer.Option(help="Hypothesis semantics: auto (from the wording) | corr2cause | textbook."),
    ] = "auto",
    as_json: Annotated[bool, typer.Option("--json", help="Print the full report as JSON.")] = False,
) -> None:
    """Audit a Corr2Cause++ file: gold labels and forced_edges against the exact answers."""
    from corr2cause.solver.ccpp import audit_ccpp as run_audit
    from corr2cause.solver.ccpp import read_ccpp

    report = run_audit(read_ccpp(file), semantics=semantics).to_dict()
    if as_json:
        typer.echo(json.dumps(report))
        return
    typer.echo(
        f"{file}: {report['total']} items, {report['solved']} solved, "
        f"{len(report['unsolvable'])} unsolvable; semantics {report['semantics']}\n"
        f"gold label disagrees with the exact label: {report['label_disagreements']} "
        f"(agreement {100 * report['label_agreement']:.2f}%); under the other semantics: "
        f"{report['other_semantics_disagreements']}\n"
        f"forced_edges differ from the exact CPDAG: {report['forced_edge_mismatches']}; "
        f"relation_type differs from the hypothesis: {report['relation_type_mismatches']}"
    )
    for rel, c in report["by_relation"].items():
        typer.echo(f"  {rel:<12} {c['items']:>5} items  {c['disagree']:>4} disagree")
    for d in report["disagreements"]:
        typer.echo(
            f"  item {d['index']}: gold {d['gold']}, exact {d['exact']} ({d['label3']}); "
            f"compelled-edges rule gives {d['forced_rule']}: {d['hypothesis']}"
        )
