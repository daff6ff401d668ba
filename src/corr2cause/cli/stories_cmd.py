"""``corr2cause stories``: real-world stories for items, verified by the solver.

Only typer and the standard library are imported at module level; the evaluation package loads
when the command runs.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from corr2cause.cli._common import (
    ApiKeyEnvOption,
    BaseUrlOption,
    CacheOption,
    ConcurrencyOption,
    DeviceOption,
    DtypeOption,
    LimitOption,
    MaxRetriesOption,
    TemperatureOption,
    TimeoutOption,
    progress_bar,
)


def stories(
    data: Annotated[
        Path,
        typer.Argument(
            exists=True, help="Items: official CSV, rich .jsonl/.parquet, or a variant folder."
        ),
    ],
    model: Annotated[
        str, typer.Option("--model", "-m", help="A text backend: openai:MODEL or hf:PATH.")
    ],
    out: Annotated[
        Path, typer.Option("--out", "-o", help="Output folder (rerun with the same to resume).")
    ],
    prompt: Annotated[
        str,
        typer.Option(
            help="story (names + context, verified), story-freeform (unverified rewrite, as "
            "data_realworld.py), or a .toml file."
        ),
    ] = "story",
    domain: Annotated[
        str | None, typer.Option(help="Domain of the scenarios, e.g. medicine.")
    ] = None,
    split: Annotated[
        str | None, typer.Option(help="Keep one split (train/dev/test) of a rich table.")
    ] = None,
    limit: LimitOption = None,
    concurrency: ConcurrencyOption = 8,
    cache: CacheOption = None,
    seed: Annotated[int | None, typer.Option(help="openai: request seed.")] = None,
    base_url: BaseUrlOption = None,
    api_key_env: ApiKeyEnvOption = None,
    style: Annotated[str | None, typer.Option(help="openai: chat|completion; hf: ...")] = None,
    temperature: TemperatureOption = None,
    timeout: TimeoutOption = None,
    max_retries: MaxRetriesOption = None,
    device: DeviceOption = None,
    dtype: DtypeOption = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
) -> None:
    """Ask a model for real-world stories of items and verify them with the solver.

    Writes OUT/stories.jsonl (loadable by evaluate), OUT/rejected.jsonl, OUT/report.json and
    OUT/run.json, and prints the report as JSON.
    """
    from corr2cause.evaluation.stories import DEFAULT_DOMAIN, write_stories

    options: dict[str, Any] = {
        "seed": seed,
        "base_url": base_url,
        "api_key_env": api_key_env,
        "style": style,
        "temperature": temperature,
        "timeout": timeout,
        "max_retries": max_retries,
        "device": device,
        "dtype": dtype,
    }
    with progress_bar("stories", enabled=not quiet) as update:
        report = write_stories(
            model,
            data,
            split=split,
            out_dir=out,
            prompt=prompt,
            domain=domain or DEFAULT_DOMAIN,
            limit=limit,
            concurrency=concurrency,
            cache=cache,
            progress=update,
            backend_options={k: v for k, v in options.items() if v is not None},
            run_info={"split": split},
        )
    typer.echo(json.dumps(report, indent=2))
