"""The ``corr2cause`` command."""

from __future__ import annotations

import errno
import json
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table
from typer.core import TyperGroup

from corr2cause import __version__
from corr2cause.cli._common import (
    describe_os_error,
    err_console,
    fail,
    parse_node_range,
    progress_bar,
)
from corr2cause.errors import Corr2CauseError


class _Corr2CauseGroup(TyperGroup):
    """The root command group: turns every expected failure into one message and exit 2.

    This is the one place where :class:`~corr2cause.errors.Corr2CauseError` and operating
    system errors (a missing file, a full disk, a read-only folder) become a message; any
    other exception is a bug and keeps its traceback. A closed standard output
    (``corr2cause solve FILE | head``) is not a failure of the command: it goes on to click,
    which ends the process quietly with status 1, as ``head``'s reader expects.
    """

    def invoke(self, ctx: Any) -> Any:  # typer's vendored click.Context
        try:
            return super().invoke(ctx)
        except Corr2CauseError as exc:
            raise fail(str(exc)) from None
        except OSError as exc:
            if exc.errno == errno.EPIPE:
                raise
            raise fail(describe_os_error(exc)) from None


app = typer.Typer(
    name="corr2cause",
    cls=_Corr2CauseGroup,
    help="Reference toolkit for the Corr2Cause benchmark (Jin et al., ICLR 2024).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"corr2cause {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version.")
    ] = False,
) -> None:
    """Reference toolkit for the Corr2Cause benchmark."""


@app.command()
def census(
    nodes: Annotated[str, typer.Option(help="Node counts: '2-6', '4' or '2,3,5' (1..7).")] = "2-6",
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    labels: Annotated[bool, typer.Option(help="Also count labels per relation.")] = True,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
) -> None:
    """Count DAGs, Markov equivalence classes, items and labels per number of nodes."""
    from corr2cause.causal.census import census as run_census
    from corr2cause.causal.relations import RELATIONS

    ns = parse_node_range(nodes, minimum=1, maximum=7)
    result: dict[str, dict[str, Any]] = {}
    with progress_bar("census", enabled=not quiet) as update:
        for n in ns:

            def report(stage: str, done: int, total: int, n: int = n) -> None:
                update(done, total)

            result[str(n)] = run_census(n, with_labels=labels, progress=report)
    if as_json:
        typer.echo(json.dumps(result, indent=2))
        return
    console = Console()
    table = Table(title="Corr2Cause census")
    for col in ("N", "DAGs", "labeled DAGs", "MEC classes", "labeled MECs", "items"):
        table.add_column(col, justify="right")
    for key, row in result.items():
        table.add_row(
            key,
            f"{row['dags']:,}",
            f"{row['labeled_dags']:,}",
            f"{row['mecs']:,}",
            f"{row['labeled_mecs']:,}",
            f"{row['items']:,}",
        )
    console.print(table)
    if labels:
        lt = Table(title="Labels per relation")
        for col in ("N", "relation", "entailment", "neutral", "contradiction", "% valid"):
            lt.add_column(col, justify="left" if col == "relation" else "right")
        for key, row in result.items():
            for rel in RELATIONS if "labels" in row else ():
                ent, neu, con = row["labels"][rel]
                total = ent + neu + con
                pct = f"{100 * ent / total:.2f}" if total else "-"
                lt.add_row(key, rel, f"{ent:,}", f"{neu:,}", f"{con:,}", pct)
            lt.add_section()
        console.print(lt)


# --- command registration: other command modules register here, one import + one line each ---
# (keep this block sorted; each module defines plain functions with typer annotations)
from corr2cause.cli import (  # noqa: E402
    dataset_cmd,
    evaluate_cmd,
    export_cmd,
    pipeline_cmd,
    reasoning_cmd,
    serve_cmd,
    solve_cmd,
    stories_cmd,
    train_cmd,
)

app.command("generate")(dataset_cmd.generate)
app.command("stats")(dataset_cmd.stats)
app.command("solve")(solve_cmd.solve)
app.command("audit")(solve_cmd.audit)
app.command("evaluate")(evaluate_cmd.evaluate)
app.command("report")(evaluate_cmd.report)
app.command("compare")(evaluate_cmd.compare)
app.command("grade-graph")(evaluate_cmd.grade_graph)
app.command("export-prompts")(evaluate_cmd.export_prompts)
app.command("serve")(serve_cmd.serve)
app.command("export-hf")(export_cmd.export_hf)
app.command("finetune")(train_cmd.finetune)
app.command("robustness")(train_cmd.robustness)
app.command("pipeline")(pipeline_cmd.pipeline)
app.command("stories")(stories_cmd.stories)
app.command("export-sft")(reasoning_cmd.export_sft)
app.command("rationale")(reasoning_cmd.rationale)
app.command("audit-ccpp")(reasoning_cmd.audit_ccpp)


def main() -> None:
    """Entry point of the console script."""
    try:
        app()
    except KeyboardInterrupt:  # pragma: no cover - interactive
        err_console.print("interrupted")
        raise SystemExit(130) from None


if __name__ == "__main__":  # pragma: no cover
    main()
