"""``corr2cause solve`` and ``corr2cause audit``: the exact solver on the command line."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Annotated, Any

import typer

from corr2cause.cli._common import SplitOption, VariantOption, err_console, fail, progress_bar


def solve(
    file: Annotated[
        Path | None,
        typer.Argument(
            help="Items: CSV, JSONL or Parquet file, generated folder or HF export "
            "(omit with --premise)."
        ),
    ] = None,
    premise: Annotated[
        str | None, typer.Option("--premise", help="Solve one item: the premise text.")
    ] = None,
    hypothesis: Annotated[
        str | None, typer.Option("--hypothesis", help="Solve one item: the hypothesis text.")
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Write predictions (JSONL) here instead of stdout."),
    ] = None,
    explain: Annotated[
        bool,
        typer.Option(
            "--explain",
            help="Single item: print a readable explanation and the gold PC rationale. File: "
            "add both ('explanation', 'rationale') to each record.",
        ),
    ] = False,
    strict: Annotated[
        bool, typer.Option("--strict", help="Stop at the first item that cannot be solved.")
    ] = False,
    split: SplitOption = None,
    variant: VariantOption = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
) -> None:
    """Decide items exactly; write one JSON prediction with its explanation per item.

    Each line has the exact label and label3, the relation read, the CPDAG and witness DAGs.

    Items that cannot be solved get an 'error' field instead.
    """
    from corr2cause.solver import Solver, SolverError, prediction, read_records

    if (premise is None) != (hypothesis is None):
        raise fail("give both --premise and --hypothesis, or neither")
    if premise is not None and file is not None:
        raise fail("give either FILE or --premise/--hypothesis, not both")
    if premise is None and file is None:
        raise fail("nothing to solve: give FILE, or --premise and --hypothesis")
    solver = Solver()
    if premise is not None:
        sol = solver.solve(premise, hypothesis or "")
        if explain:
            from corr2cause.solver.rationale import solution_rationale

            typer.echo(sol.explanation())
            typer.echo("\nGold rationale (PC algorithm, templates v1):")
            typer.echo(solution_rationale(sol).text)
            return
        _emit([json.dumps(sol.to_dict())], output)
        return
    assert file is not None
    records = read_records(file, split=split, variant=variant)
    failed: list[int] = []

    def lines() -> Iterator[str]:
        with progress_bar("solving", enabled=not quiet) as update:
            for k, record in enumerate(records):
                out = prediction(record, solver, explain=explain)
                if "error" in out:
                    if strict:
                        raise SolverError(f"{file}:{record.line}: {out['error']}")
                    failed.append(record.index)
                yield json.dumps(out)
                if k % 256 == 0:
                    update(k, len(records))

    _emit(lines(), output)
    if not quiet:
        where = f" to {output}" if output is not None else ""
        err_console.print(
            f"solved {len(records) - len(failed)} of {len(records)} items{where}"
            + (f"; {len(failed)} could not be solved (see 'error')" if failed else ""),
            highlight=False,
        )


def _emit(lines: Any, output: Path | None) -> None:
    """Write JSON lines to ``output`` atomically, or to stdout."""
    from corr2cause.atomic import atomic_writer

    def write(fh: IO[str]) -> None:
        for line in lines:
            fh.write(line)
            fh.write("\n")

    if output is None:
        write(sys.stdout)
        return
    with atomic_writer(output) as fh:
        write(fh)


def audit(
    file: Annotated[
        Path,
        typer.Argument(
            help="Labeled items: CSV, JSONL or Parquet file, generated folder or HF export."
        ),
    ],
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    errata: Annotated[
        Path | None,
        typer.Option("--errata", help="Write the disagreements with witness graphs to this CSV."),
    ] = None,
    split: SplitOption = None,
    variant: VariantOption = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
) -> None:
    """Compare a file's gold labels with the exact labels.

    Prints items, disagreements, a breakdown by template and by N, and the 0-based row indices.
    """
    from corr2cause.solver import audit_file, write_errata

    with progress_bar("auditing", enabled=not quiet) as update:
        report = audit_file(file, progress=update, split=split, variant=variant)
    if errata is not None:
        write_errata(report, errata)
    if as_json:
        typer.echo(json.dumps(report.to_dict()))
    else:
        typer.echo(report.to_text())
