"""``corr2cause solve`` and ``corr2cause audit``: the exact solver on the command line."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any, TextIO

import typer

from corr2cause.cli._common import err_console, fail, progress_bar


def solve(
    file: Annotated[
        Path | None,
        typer.Argument(help="Official-format CSV or JSONL file of items (omit with --premise)."),
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
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
) -> None:
    """Decide items exactly; write one JSON prediction with its explanation per item.

    Each line has the exact label and label3, the relation read, the CPDAG and witness DAGs.

    Items that cannot be solved get an 'error' field instead.
    """
    from corr2cause.solver import RecordError, Solver, SolverError, read_records

    if (premise is None) != (hypothesis is None):
        raise fail("give both --premise and --hypothesis, or neither")
    if premise is not None and file is not None:
        raise fail("give either FILE or --premise/--hypothesis, not both")
    if premise is None and file is None:
        raise fail("nothing to solve: give FILE, or --premise and --hypothesis")
    solver = Solver()
    if premise is not None:
        try:
            sol = solver.solve(premise, hypothesis or "")
        except SolverError as err:
            raise fail(str(err)) from None
        if explain:
            from corr2cause.solver.rationale import solution_rationale

            typer.echo(sol.explanation())
            typer.echo("\nGold rationale (PC algorithm, templates v1):")
            typer.echo(solution_rationale(sol).text)
            return
        _emit([json.dumps(sol.to_dict())], output)
        return
    assert file is not None
    try:
        records = read_records(file)
    except RecordError as err:
        raise fail(str(err)) from None

    def lines() -> Any:
        with progress_bar("solving", enabled=not quiet) as update:
            for k, record in enumerate(records):
                head: dict[str, Any] = {"index": record.index, "line": record.line}
                if record.id is not None:
                    head["id"] = record.id
                if record.label is not None:
                    head["gold"] = record.label
                try:
                    sol = record.solve(solver)
                except SolverError as err:
                    if strict:
                        raise fail(f"{file}:{record.line}: {err}") from None
                    failed.append(record.index)
                    head.update(error=str(err), error_type=type(err).__name__)
                    yield json.dumps(head)
                else:
                    record_out = head | sol.to_dict()
                    if explain:
                        from corr2cause.solver.rationale import solution_rationale

                        record_out["explanation"] = sol.explanation()
                        record_out["rationale"] = solution_rationale(sol).text
                    yield json.dumps(record_out)
                if k % 256 == 0:
                    update(k, len(records))

    failed: list[int] = []
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

    def write(fh: TextIO) -> None:
        for line in lines:
            fh.write(line)
            fh.write("\n")

    if output is None:
        write(sys.stdout)
        return
    try:
        with atomic_writer(output) as fh:
            write(fh)
    except OSError as err:
        raise fail(f"cannot write {output}: {err}") from None


def audit(
    file: Annotated[Path, typer.Argument(help="Labeled official-format CSV or JSONL file.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    errata: Annotated[
        Path | None,
        typer.Option("--errata", help="Write the disagreements with witness graphs to this CSV."),
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
) -> None:
    """Compare a file's gold labels with the exact labels.

    Prints items, disagreements, a breakdown by template and by N, and the 0-based row indices.
    """
    from corr2cause.solver import RecordError, audit_file, write_errata

    try:
        with progress_bar("auditing", enabled=not quiet) as update:
            report = audit_file(file, progress=update)
    except RecordError as err:
        raise fail(str(err)) from None
    if errata is not None:
        try:
            write_errata(report, errata)
        except OSError as err:
            raise fail(f"cannot write {errata}: {err}") from None
    if as_json:
        typer.echo(json.dumps(report.to_dict()))
    else:
        typer.echo(report.to_text())
