"""``corr2cause evaluate`` and ``corr2cause report``.

Only typer and the standard library are imported at module level; the evaluation package (and
through it torch or the OpenAI client, when a backend needs them) loads when a command runs.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from corr2cause.cli._common import VariantOption, err_console, fail, progress_bar

_BACKENDS_HELP = (
    "Backend spec: random-uniform, random-proportional, majority, oracle, openai:MODEL, "
    "hf:PATH, nli:PATH, classifier:PATH or responses:FILE (offline batch outputs)."
)


def evaluate(
    model: Annotated[str, typer.Option("--model", "-m", help=_BACKENDS_HELP)],
    data: Annotated[
        Path,
        typer.Option(
            "--data",
            "-d",
            help="Items: a generated folder, a variant folder, a Hugging Face export, or an "
            "official CSV / JSONL / Parquet file.",
        ),
    ],
    out: Annotated[
        Path, typer.Option("--out", "-o", help="Run directory (rerun with the same to resume).")
    ],
    prompt: Annotated[
        str, typer.Option(help="Prompt: 'direct' (the paper's), 'cot', or a .toml template.")
    ] = "direct",
    split: Annotated[
        str | None,
        typer.Option(
            help="Split: train, dev (or validation), test or all. Default: test for folders, "
            "every row for files."
        ),
    ] = None,
    variant: VariantOption = None,
    limit: Annotated[int | None, typer.Option(min=0, help="Only the first K items.")] = None,
    concurrency: Annotated[
        int, typer.Option(min=1, help="Requests in flight (server backends).")
    ] = 8,
    cache: Annotated[
        Path | None, typer.Option(help="Response cache (default: OUT/cache.sqlite).")
    ] = None,
    seed: Annotated[
        int | None, typer.Option(help="Seed of random baselines / request seed (openai).")
    ] = None,
    bootstrap: Annotated[
        int, typer.Option(min=0, help="Bootstrap resamples for the 95% intervals.")
    ] = 1000,
    base_url: Annotated[
        str | None, typer.Option(help="openai: server URL (default $OPENAI_BASE_URL).")
    ] = None,
    api_key_env: Annotated[
        str | None, typer.Option(help="openai: environment variable with the key.")
    ] = None,
    style: Annotated[
        str | None, typer.Option(help="openai: chat|completion; hf: completion|chat.")
    ] = None,
    max_tokens: Annotated[
        int | None, typer.Option(min=1, help="openai/hf: default generation budget.")
    ] = None,
    temperature: Annotated[float | None, typer.Option(help="openai: temperature.")] = None,
    timeout: Annotated[
        float | None, typer.Option(help="openai: seconds per request attempt.")
    ] = None,
    max_retries: Annotated[
        int | None, typer.Option(min=0, help="openai: retries on 429/5xx/timeouts/garbage.")
    ] = None,
    extra_body: Annotated[
        str | None, typer.Option(help="openai: JSON object of extra request fields.")
    ] = None,
    batch_size: Annotated[
        int | None, typer.Option(min=1, help="hf/nli/classifier: batch size.")
    ] = None,
    scoring: Annotated[
        str | None, typer.Option(help="hf: generate (default) or loglik (Yes vs No).")
    ] = None,
    max_length: Annotated[
        int | None, typer.Option(min=8, help="nli/classifier: token limit.")
    ] = None,
    device: Annotated[str | None, typer.Option(help="hf/nli/classifier: cpu, cuda, ...")] = None,
    dtype: Annotated[
        str | None, typer.Option(help="hf/nli/classifier: auto, float32, bfloat16, float16.")
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
) -> None:
    """Evaluate a model on a Corr2Cause file with the paper's protocol (resumable).

    Writes OUT/predictions.jsonl, OUT/metrics.json and OUT/run.json, and prints a JSON summary.
    """
    from corr2cause.dataset.store import open_dataset
    from corr2cause.evaluation.backends import load_backend
    from corr2cause.evaluation.prompts import load_prompt
    from corr2cause.evaluation.runner import evaluate as run_evaluation

    extra: dict[str, Any] | None = None
    if extra_body is not None:
        try:
            extra = json.loads(extra_body)
        except json.JSONDecodeError as exc:
            raise fail(f"--extra-body is not JSON: {exc}") from None
        if not isinstance(extra, dict):
            raise fail("--extra-body must be a JSON object")
    dataset = open_dataset(data)
    chosen = split if split is not None else dataset.default_split
    items = dataset.items(variant=variant, split=chosen)
    if not items:
        raise fail(f"{data}: no items" + (f" in split {chosen!r}" if chosen else ""))
    options = {
        "seed": seed,
        "base_url": base_url,
        "api_key_env": api_key_env,
        "style": style,
        "max_tokens": max_tokens,
        "temperature": temperature,
        "timeout": timeout,
        "max_retries": max_retries,
        "extra_body": extra,
        "batch_size": batch_size,
        "scoring": scoring,
        "max_length": max_length,
        "device": device,
        "dtype": dtype,
    }
    template = load_prompt(prompt)
    backend = load_backend(model, **options)
    info = {
        "data": str(data),
        "data_sha256": dataset.fingerprint(variant=variant),
        "split": chosen,
    }
    if variant is not None:
        info["variant"] = dataset.resolve_variant(variant)
    try:
        with backend, progress_bar(f"evaluate {backend.spec}", enabled=not quiet) as update:
            metrics = run_evaluation(
                backend,
                items,
                prompt=template,
                out_dir=out,
                limit=limit,
                concurrency=concurrency,
                cache=cache,
                progress=update,
                n_boot=bootstrap,
                run_info=info,
            )
    except KeyboardInterrupt:
        err_console.print(
            f"interrupted; completed responses are cached in {cache or out / 'cache.sqlite'}; "
            "rerun the same command to resume"
        )
        raise typer.Exit(130) from None
    summary = {
        "out": str(out),
        "backend": backend.spec,
        "prompt": metrics["run"]["prompt"],
        "n": metrics["n"],
        **{k: metrics[k] for k in ("f1", "precision", "recall", "accuracy")},
        "ci95_f1": metrics["ci95"].get("f1"),
        "parse_failures": metrics["parse_failures"],
        "request_failures": metrics["request_failures"],
        "queried": metrics["run"]["queried"],
        "from_cache": metrics["run"]["from_cache"],
    }
    typer.echo(json.dumps(summary))


def report(
    runs: Annotated[
        list[Path], typer.Argument(help="Run directories written by `corr2cause evaluate`.")
    ],
    out: Annotated[
        Path, typer.Option("--out", "-o", help="Where to write report.md and report.html.")
    ] = Path("report"),
) -> None:
    """Compare evaluation runs: a Markdown and a self-contained HTML report with plots."""
    from corr2cause.evaluation.report import write_report

    md, page = write_report(runs, out)
    typer.echo(json.dumps({"markdown": str(md), "html": str(page)}))


def export_prompts(
    data: Annotated[
        Path,
        typer.Option(
            "--data",
            "-d",
            help="Items: a generated folder, a variant folder, a Hugging Face export, or an "
            "official CSV / JSONL / Parquet file.",
        ),
    ],
    out: Annotated[Path, typer.Option("--out", "-o", help="Prompt file (.parquet or .jsonl).")],
    prompt: Annotated[
        str, typer.Option(help="A single-step prompt: 'direct' (the paper's) or a .toml file.")
    ] = "direct",
    split: Annotated[
        str | None, typer.Option(help="Keep one split (train/dev/test) of a rich table.")
    ] = None,
    limit: Annotated[int | None, typer.Option(min=0, help="Only the first K items.")] = None,
) -> None:
    """Render the prompts for offline batch inference (vLLM, Ray Data LLM, ...).

    Score the resulting ``id,response`` file with ``evaluate --model responses:FILE``.
    """

    from corr2cause.dataset.store import read_items
    from corr2cause.evaluation.batch import export_prompts as run_export

    items = read_items(data, split=split)
    if limit is not None:
        items = items[:limit]
    count = run_export(items, out, prompt=prompt)
    err_console.print(f"wrote {count:,} prompts to {out}", highlight=False)
