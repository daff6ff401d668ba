"""Shared helpers of the CLI: argument parsing, progress bars, error reporting."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

SplitOption = Annotated[
    str | None,
    typer.Option(help="Only this split: train, dev (or validation), test, or all."),
]
"""The ``--split`` option of every command that reads items."""

VariantOption = Annotated[
    str | None,
    typer.Option(help="Variant or Hub config of a generated folder or export (default: original)."),
]
"""The ``--variant`` option of every command that reads items from a folder."""

# -- options shared by the commands that query a model (evaluate, stories) -------------------

ConcurrencyOption = Annotated[
    int, typer.Option(min=1, help="Requests in flight (server backends).")
]
LimitOption = Annotated[int | None, typer.Option(min=0, help="Only the first K items.")]
CacheOption = Annotated[
    Path | None, typer.Option(help="Response cache (default: OUT/cache.sqlite).")
]
BaseUrlOption = Annotated[
    str | None, typer.Option(help="openai: server URL (default $OPENAI_BASE_URL).")
]
ApiKeyEnvOption = Annotated[
    str | None, typer.Option(help="openai: environment variable with the key.")
]
TemperatureOption = Annotated[float | None, typer.Option(help="openai: temperature.")]
TimeoutOption = Annotated[
    float | None, typer.Option(help="openai: total seconds per request attempt.")
]
MaxRetriesOption = Annotated[
    int | None, typer.Option(min=0, help="openai: retries on 429/5xx/timeouts/garbage.")
]
DeviceOption = Annotated[str | None, typer.Option(help="hf/nli/classifier: cpu, cuda, ...")]
DtypeOption = Annotated[
    str | None, typer.Option(help="hf/nli/classifier: auto, float32, bfloat16, float16.")
]


err_console = Console(stderr=True, soft_wrap=True)
"""Console for progress and diagnostics; stdout stays machine-readable."""


def fail(message: str, code: int = 2) -> typer.Exit:
    """Print ``message`` as an error on stderr and return an ``Exit`` to raise."""
    err_console.print(f"[bold red]error:[/] {message}", highlight=False)
    return typer.Exit(code)


def describe_os_error(exc: OSError) -> str:
    """One line for an operating-system error: the file, then what went wrong.

    Examples
    --------
    >>> describe_os_error(PermissionError(13, "Permission denied", "/data/out"))
    '/data/out: Permission denied'
    """
    reason = exc.strerror or str(exc)
    names = [n for n in (exc.filename, exc.filename2) if n is not None]
    if names and str(names[0]) not in reason:
        return f"{' -> '.join(map(str, names))}: {reason}"
    return reason


def parse_node_range(text: str, *, minimum: int = 2, maximum: int = 7) -> list[int]:
    """Parse ``"2-6"``, ``"4"`` or ``"2,3,5"`` into a sorted list of node counts.

    Raises ``typer.BadParameter`` with a clear message on malformed or out-of-range input.
    """
    values: set[int] = set()
    try:
        for part in text.split(","):
            part = part.strip()
            if not part:
                raise ValueError
            if "-" in part:
                lo_s, hi_s = part.split("-", 1)
                lo, hi = int(lo_s), int(hi_s)
                if lo > hi:
                    raise typer.BadParameter(f"empty node range {part!r} (start > end)")
                values.update(range(lo, hi + 1))
            else:
                values.add(int(part))
    except ValueError:
        raise typer.BadParameter(
            f"cannot read node range {text!r}; use e.g. '2-6', '4' or '2,3,5'"
        ) from None
    bad = sorted(v for v in values if not minimum <= v <= maximum)
    if bad:
        raise typer.BadParameter(f"node counts {bad} out of range; supported: {minimum}..{maximum}")
    return sorted(values)


def parse_list(text: str | Sequence[str]) -> list[str]:
    """Split ``"a,b"`` (or repeated options, each possibly comma-separated) into unique items.

    Examples
    --------
    >>> parse_list(["original,refactor", "original"])
    ['original', 'refactor']
    """
    parts = [text] if isinstance(text, str) else list(text)
    out: list[str] = []
    for part in parts:
        for item in part.split(","):
            item = item.strip()
            if item and item not in out:
                out.append(item)
    return out


@contextmanager
def progress_bar(description: str, *, enabled: bool = True) -> Iterator[Callable[..., None]]:
    """A rich progress bar on stderr; yields ``update(done, total, note=None)``.

    ``note`` (e.g. a running score and failure count) is shown after the bar and kept until
    the next note. Disabled (a no-op) when ``enabled`` is false or stderr is not a terminal.
    """
    if not enabled or not sys.stderr.isatty():
        yield lambda done, total, note=None: None
        return
    with Progress(
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        TextColumn("{task.fields[note]}"),
        console=err_console,
        transient=True,
    ) as prog:
        task = prog.add_task(description, total=None, note="")

        def update(done: int, total: int, note: str | None = None) -> None:
            if note is None:
                prog.update(task, completed=done, total=total)
            else:
                prog.update(task, completed=done, total=total, note=note)

        yield update
