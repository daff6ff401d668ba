"""``corr2cause evaluate`` and ``corr2cause report``.

Only typer and the standard library are imported at module level; the evaluation package (and
through it torch or the OpenAI client, when a backend needs them) loads when a command runs.
"""

from __future__ import annotations

import json
import sys
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
    VariantOption,
    err_console,
    fail,
    progress_bar,
)

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
        str,
        typer.Option(
            help="Prompt: 'direct' (the paper's), 'cot', 'reasoning', 'fewshot-K', 'staged', "
            "or a .toml template."
        ),
    ] = "direct",
    split: Annotated[
        str | None,
        typer.Option(
            help="Split: train, dev (or validation), test or all. Default: test for folders, "
            "every row for files."
        ),
    ] = None,
    variant: VariantOption = None,
    limit: LimitOption = None,
    concurrency: ConcurrencyOption = 8,
    cache: CacheOption = None,
    seed: Annotated[
        int | None, typer.Option(help="Seed of random baselines / request seed (openai).")
    ] = None,
    bootstrap: Annotated[
        int, typer.Option(min=0, help="Bootstrap resamples for the 95% intervals.")
    ] = 1000,
    base_url: BaseUrlOption = None,
    api_key_env: ApiKeyEnvOption = None,
    style: Annotated[
        str | None, typer.Option(help="openai: chat|completion; hf: completion|chat.")
    ] = None,
    max_tokens: Annotated[
        int | None, typer.Option(min=1, help="openai/hf: default generation budget.")
    ] = None,
    temperature: TemperatureOption = None,
    timeout: TimeoutOption = None,
    max_retries: MaxRetriesOption = None,
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
    device: DeviceOption = None,
    dtype: DtypeOption = None,
    token_param: Annotated[
        str | None,
        typer.Option(
            help="openai: auto (from the model table), max_tokens or max_completion_tokens."
        ),
    ] = None,
    reasoning_effort: Annotated[
        str | None, typer.Option(help="openai: reasoning_effort (minimal/low/medium/high).")
    ] = None,
    structured: Annotated[
        str | None,
        typer.Option(help="openai: json (response_format schema) or choice (vLLM Yes/No)."),
    ] = None,
    model_config: Annotated[
        str | None, typer.Option(help="openai: TOML of per-model request settings and prices.")
    ] = None,
    samples: Annotated[
        int, typer.Option(min=1, help="Samples per item, majority vote (self-consistency).")
    ] = 1,
    fewshot_data: Annotated[
        Path | None, typer.Option(help="fewshot prompts: exemplar pool (default: DATA, train).")
    ] = None,
    max_failures: Annotated[
        int, typer.Option(min=0, help="Failed requests allowed before the run stops (exit 2).")
    ] = 0,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the summary as JSON (default off a terminal).")
    ] = False,
    overwrite: Annotated[
        bool,
        typer.Option(
            help="Reuse an --out folder that holds a run of another model, data, prompt or "
            "option set (its predictions and metrics are deleted; the response cache is kept)."
        ),
    ] = False,
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
        "token_param": token_param,
        "reasoning_effort": reasoning_effort,
        "structured": structured,
        "model_config": model_config,
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
            live = _LiveStatus(update)
            metrics = run_evaluation(
                backend,
                items,
                prompt=template,
                out_dir=out,
                limit=limit,
                concurrency=concurrency,
                cache=cache,
                progress=live.progress,
                status=live.status,
                n_boot=bootstrap,
                run_info=info,
                samples=samples,
                fewshot_pool=fewshot_data,
                max_failures=max_failures,
                overwrite=overwrite,
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
        "truncated": metrics["answers"]["truncated"],
        "retries": metrics["run"]["retries"],
        "tokens_per_item": metrics["usage"]["tokens"]["completion"]["per_item"],
    }
    if summary["request_failures"]:
        err_console.print(
            f"[bold yellow]warning:[/] {summary['request_failures']} request(s) failed "
            "(counted in request_failures, scored as invalid); rerun to retry them",
            highlight=False,
        )
    if as_json or not sys.stdout.isatty():
        typer.echo(json.dumps(summary))
    else:
        _print_table(summary)


class _LiveStatus:
    """Feeds the progress bar with the running F1, failures and retries."""

    def __init__(self, update: Any) -> None:
        self.update = update
        self.done = self.total = 0

    def progress(self, done: int, total: int) -> None:
        self.done, self.total = done, total
        self.update(done, total)

    def status(self, state: dict[str, Any]) -> None:
        f1 = "-" if state["f1"] is None else f"{state['f1']:.1f}"
        note = f"F1 {f1}  failed {state['failures']}  retries {state['retries']}"
        self.update(self.done, self.total, note)


def _print_table(summary: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"{summary['backend']} · {summary['prompt']}", show_header=False)
    table.add_column("metric")
    table.add_column("value", justify="right")
    for key, value in summary.items():
        if key not in ("backend", "prompt"):
            table.add_row(key, "-" if value is None else str(value))
    Console().print(table)


def report(
    runs: Annotated[
        list[Path], typer.Argument(help="Run directories written by `corr2cause evaluate`.")
    ],
    out: Annotated[
        Path, typer.Option("--out", "-o", help="Folder for report.html/.md, figures/, tables/.")
    ] = Path("report"),
    data: Annotated[
        Path | None,
        typer.Option(help="Items file for the gallery of failing items (default: the runs' data)."),
    ] = None,
    allow_different_data: Annotated[
        bool, typer.Option(help="Pair runs on different data anyway (on their shared items).")
    ] = False,
    gallery: Annotated[int, typer.Option(min=0, help="Failing items shown per run.")] = 4,
    bootstrap: Annotated[
        int, typer.Option(min=0, help="Bootstrap resamples of the paired comparisons.")
    ] = 1000,
    formats: Annotated[
        str, typer.Option(help="Figure files to write, comma-separated (png,pdf,svg; '' none).")
    ] = "png,pdf",
) -> None:
    """Compare evaluation runs: a self-contained HTML report with figures, plus Markdown,
    PNG/PDF figures and CSV/LaTeX tables."""
    from corr2cause.evaluation.report import write_report

    md, page = write_report(
        runs,
        out,
        data=data,
        allow_different_data=allow_different_data,
        gallery=gallery,
        n_boot=bootstrap,
        figure_formats=[f.strip() for f in formats.split(",") if f.strip()],
    )
    typer.echo(json.dumps({"markdown": str(md), "html": str(page)}))


def compare(
    run_a: Annotated[Path, typer.Argument(help="Run directory A (the reference).")],
    run_b: Annotated[Path, typer.Argument(help="Run directory B.")],
    allow_different_data: Annotated[
        bool, typer.Option(help="Compare runs on different data anyway (on shared items).")
    ] = False,
    bootstrap: Annotated[int, typer.Option(min=0, help="Bootstrap resamples.")] = 2000,
    seed: Annotated[int, typer.Option(help="Bootstrap seed.")] = 0,
) -> None:
    """Paired comparison of two runs on the same items: F1 and accuracy differences with a
    paired premise-level bootstrap interval, and McNemar's test (JSON on stdout)."""
    from corr2cause.evaluation.compare import compare_runs

    result = compare_runs(
        run_a, run_b, allow_different_data=allow_different_data, n_boot=bootstrap, seed=seed
    )
    typer.echo(json.dumps(result, indent=2))


def grade_graph(
    run: Annotated[Path, typer.Argument(help="Run directory of `evaluate --prompt graph`.")],
    data: Annotated[
        Path | None, typer.Option("--data", "-d", help="Items file (default: the run's data).")
    ] = None,
    bootstrap: Annotated[int, typer.Option(min=0, help="Bootstrap resamples.")] = 1000,
) -> None:
    """Grade the causal graphs of a `graph` prompt run against the exact CPDAGs; writes
    RUN/graph_metrics.json and prints the overall numbers (JSON)."""
    from corr2cause.evaluation.graph_task import grade_run

    result = grade_run(run, data, n_boot=bootstrap)
    typer.echo(json.dumps({"out": str(run / "graph_metrics.json"), **result["overall"]}))


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
