"""Train causal LMs on Corr2Cause: supervised fine-tuning on gold derivations, through TRL.

``corr2cause finetune --method sft`` teaches a causal language model to answer (and, with the
default ``target="rationale"``, to *derive*) Corr2Cause items: the chat examples of
:mod:`corr2cause.training.sft_data` (prompt = a versioned prompt template, completion = the
gold PC derivation and ``Answer: Yes|No``) train TRL's ``SFTTrainer`` with the loss on the
completion only. ``--method grpo`` (:mod:`corr2cause.training.grpo`) instead samples
completions and rewards them against the exact label (:mod:`corr2cause.rewards`).

Both share :class:`CausalLMConfig` and the output-folder rules of the classifier recipe
(:mod:`corr2cause.training.finetune`): settings are recorded in ``OUT/finetune_config.json``;
rerunning the same command resumes from the last checkpoint in ``OUT/checkpoints``; other
settings are refused unless ``overwrite``; ``OUT/training_summary.json``, written last, marks a
finished model. The model (or, with LoRA, the adapter) and tokenizer are saved to ``OUT``.

LoRA
    With ``lora="auto"`` (default) a LoRA adapter (peft; rank ``lora_r``, all linear layers)
    is trained when peft is installed, else the full model; ``"on"`` requires peft, ``"off"``
    trains all weights.
Chat templates
    A tokenizer with a chat template gets the conversations as is; one without (small test
    models) gets them flattened to text (:func:`corr2cause.evaluation.prompts.messages_to_text`).
Devices
    A CUDA GPU when present (bf16 where supported), else the CPU. See docs/training.md for the
    GPU recipe.

torch, transformers and trl are imported only inside the training functions.
"""

from __future__ import annotations

import importlib.util
import math
import platform
import time
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

from corr2cause import __version__
from corr2cause.evaluation.prompts import messages_to_text
from corr2cause.training.config import CHECKPOINT_DIR
from corr2cause.training.finetune import (
    CONFIG_FILE,
    SUMMARY_FILE,
    FinetuneError,
    _last_checkpoint,
    _now,
    _prepare_out,
    _save_final,
    _write_json,
    load_split,
    stratified_subset,
)
from corr2cause.training.sft_data import SftExportConfig, build_examples

__all__ = ["METHODS", "CausalLMConfig", "load_examples", "train_sft"]

METHODS = ("sft", "grpo")
"""Causal-LM training methods (``classifier`` is :func:`corr2cause.training.finetune`)."""

_LORA = ("auto", "on", "off")
_DEVICES = ("auto", "cpu", "cuda")
_NOT_FINGERPRINTED = frozenset({"out", "device", "keep_checkpoints", "save_steps"})


@dataclass(frozen=True)
class CausalLMConfig:
    """Settings of a causal-LM run (SFT or GRPO).

    Attributes
    ----------
    data : str
        A generated dataset folder (examples are built from its splits).
    out : str
        Output folder.
    model : str
        Local Hugging Face causal-LM folder (nothing is downloaded).
    method : {"sft", "grpo"}
    target : {"rationale", "answer"}
        SFT completion: derivation + answer, or the answer alone.
    prompt : str, optional
        Prompt template (default: ``derive`` for rationales, ``direct`` for answers).
    variant, style, think, semantics
        As for :class:`~corr2cause.training.sft_data.SftExportConfig`.
    max_train : int, optional
        Seeded stratified subset of the train split.
    epochs, max_steps, lr, batch_size, grad_accum, max_length, seed
        Optimisation (``max_steps`` overrides ``epochs``).
    num_generations, max_completion_length, temperature, rewards
        GRPO: completions per prompt, their token limit, sampling temperature, and reward
        weights (names of :data:`corr2cause.rewards.REWARD_FUNCTIONS`).
    lora, lora_r, lora_alpha
        LoRA adapter (see the module docstring).
    gradient_checkpointing : bool
    device : {"auto", "cpu", "cuda"}
    save_steps : int
        Checkpoint every this many steps (resume point).
    keep_checkpoints : bool
    """

    data: str
    out: str
    model: str
    method: str = "sft"
    target: str = "rationale"
    prompt: str | None = None
    variant: str = "original"
    style: str = "full"
    think: bool = False
    semantics: str = "auto"
    max_train: int | None = None
    epochs: float = 1.0
    max_steps: int | None = None
    lr: float = 1e-5
    batch_size: int = 8
    grad_accum: int = 1
    max_length: int = 4096
    seed: int = 0
    num_generations: int = 8
    max_completion_length: int = 2048
    temperature: float = 1.0
    rewards: Mapping[str, float] = field(
        default_factory=lambda: {"answer": 1.0, "format": 0.1, "rationale": 0.5}
    )
    lora: str = "auto"
    lora_r: int = 16
    lora_alpha: int = 32
    gradient_checkpointing: bool = False
    device: str = "auto"
    save_steps: int = 200
    keep_checkpoints: bool = False

    def validate(self) -> None:
        """Raise :class:`~corr2cause.training.finetune.FinetuneError` on the first bad setting."""
        checks = [
            (self.method in METHODS, f"method must be one of {', '.join(METHODS)}"),
            (self.lora in _LORA, f"lora must be one of {', '.join(_LORA)}"),
            (self.device in _DEVICES, f"device must be one of {', '.join(_DEVICES)}"),
            (self.max_train is None or self.max_train >= 1, "max_train must be at least 1"),
            (math.isfinite(self.epochs) and self.epochs > 0, "epochs must be positive"),
            (self.max_steps is None or self.max_steps >= 1, "max_steps must be at least 1"),
            (math.isfinite(self.lr) and self.lr > 0, "lr must be positive"),
            (self.batch_size >= 1 and self.grad_accum >= 1, "batch sizes must be at least 1"),
            (self.max_length >= 16, "max_length must be at least 16"),
            (self.num_generations >= 2, "num_generations must be at least 2 (GRPO compares)"),
            (self.max_completion_length >= 1, "max_completion_length must be at least 1"),
            (self.save_steps >= 1, "save_steps must be at least 1"),
        ]
        for ok, message in checks:
            if not ok:
                raise FinetuneError(message)
        if self.method == "grpo" and self.batch_size % self.num_generations:
            raise FinetuneError(
                f"GRPO needs batch_size ({self.batch_size}) to be a multiple of "
                f"num_generations ({self.num_generations})"
            )
        missing = [m for m in ("torch", "transformers", "trl", "datasets") if not _have(m)]
        if missing:
            raise FinetuneError(
                f"causal-LM training needs {', '.join(missing)}: pip install 'corr2cause[train]'"
            )
        if self.lora == "on" and importlib.util.find_spec("peft") is None:
            raise FinetuneError("lora='on' needs peft: pip install 'corr2cause[train]'")
        if not (Path(self.model) / "config.json").is_file():
            raise FinetuneError(
                f"--model {self.model}: not a local Hugging Face model folder (no config.json); "
                "models load from local folders only"
            )
        self.export_config().validate()

    def export_config(self) -> SftExportConfig:
        """The example-building settings."""
        return SftExportConfig(
            splits=("train",),
            variant=self.variant,
            prompt=self.prompt,
            target=self.target,
            style=self.style,
            think=self.think,
            semantics=self.semantics,
            seed=self.seed,
        )

    def fingerprint(self) -> dict[str, Any]:
        """The settings that determine the trained model (compared when resuming)."""
        out = {}
        for f in fields(self):
            if f.name in _NOT_FINGERPRINTED:
                continue
            value = getattr(self, f.name)
            out[f.name] = dict(value) if isinstance(value, Mapping) else value
        return out


def _have(module: str) -> bool:
    return importlib.util.find_spec(module) is not None


def load_examples(config: CausalLMConfig) -> tuple[list[dict[str, Any]], list[dict[str, str]]]:
    """The training examples (train split, optionally a stratified subset) and skipped items."""
    items = load_split(config.data, "train", variant=config.variant)
    if config.max_train and config.max_train < len(items):
        items = stratified_subset(items, config.max_train, seed=config.seed)
    return build_examples(items, config.export_config(), split="train")


def _flatten(examples: Sequence[dict[str, Any]], tokenizer: Any) -> list[dict[str, Any]]:
    """Conversations as is for a chat tokenizer; as plain text for one without a template."""
    if getattr(tokenizer, "chat_template", None):
        return [dict(e) for e in examples]
    out = []
    for e in examples:
        row = dict(e)
        row["prompt"] = messages_to_text(e["prompt"]) + "\n"
        row["completion"] = e["completion"][0]["content"]
        out.append(row)
    return out


def _use_lora(config: CausalLMConfig) -> bool:
    return config.lora == "on" or (
        config.lora == "auto" and importlib.util.find_spec("peft") is not None
    )


def _peft_config(config: CausalLMConfig) -> Any:
    if not _use_lora(config):
        return None
    from peft import LoraConfig

    return LoraConfig(
        task_type="CAUSAL_LM",
        r=config.lora_r,
        lora_alpha=config.lora_alpha,
        lora_dropout=0.05,
        target_modules="all-linear",
    )


def _device_args(config: CausalLMConfig) -> dict[str, Any]:
    import torch

    cuda = torch.cuda.is_available() and config.device != "cpu"
    if config.device == "cuda" and not torch.cuda.is_available():
        raise FinetuneError("--device cuda: no CUDA GPU is available")
    return {
        "use_cpu": not cuda,
        "bf16": bool(cuda and torch.cuda.is_bf16_supported()),
        "_device": "cuda" if cuda else "cpu",
    }


def common_args(config: CausalLMConfig) -> dict[str, Any]:
    """TrainingArguments shared by the SFT and GRPO configs."""
    device = _device_args(config)
    args: dict[str, Any] = {
        "output_dir": str(Path(config.out) / CHECKPOINT_DIR),
        "per_device_train_batch_size": config.batch_size,
        "gradient_accumulation_steps": config.grad_accum,
        "learning_rate": config.lr,
        "num_train_epochs": config.epochs,
        "max_steps": config.max_steps if config.max_steps is not None else -1,
        "seed": config.seed,
        "data_seed": config.seed,
        "save_strategy": "steps",
        "save_steps": config.save_steps,
        "logging_steps": 1,
        "report_to": [],
        "use_cpu": device["use_cpu"],
        "bf16": device["bf16"],
        "disable_tqdm": True,
    }
    if config.gradient_checkpointing:
        args["gradient_checkpointing"] = True
    return args


def run_trainer(
    config: CausalLMConfig,
    build: Any,
    *,
    overwrite: bool,
    callbacks: Sequence[Any] = (),
) -> dict[str, Any]:
    """Shared run logic: output folder, examples, training, resume, saving, summary.

    ``build(config, examples, tokenizer, peft_config, resume_dir)`` returns a TRL trainer.
    """
    config.validate()
    started, t_start = _now(), time.perf_counter()
    values = asdict(config)
    values.update(
        model=str(Path(config.model).resolve()),
        data=str(Path(config.data).resolve()),
        out=str(Path(config.out).resolve()),
    )
    config = CausalLMConfig(**values)
    out = Path(config.out)
    resuming = _prepare_out(out, config, overwrite=overwrite)  # type: ignore[arg-type]
    examples, skipped = load_examples(config)
    if not examples:
        raise FinetuneError(f"{config.data}: no training example could be built")
    out.mkdir(parents=True, exist_ok=True)
    if not resuming:
        _write_json(
            out / CONFIG_FILE,
            {
                "corr2cause_version": __version__,
                "created": started,
                "settings": config.fingerprint(),
            },
        )

    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(config.model, local_files_only=True)
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    trainer = build(config, _flatten(examples, tokenizer), tokenizer, _peft_config(config))
    for cb in callbacks:
        trainer.add_callback(cb)
    checkpoint = _last_checkpoint(out / CHECKPOINT_DIR) if resuming else None
    t0 = time.perf_counter()
    result = trainer.train(resume_from_checkpoint=str(checkpoint) if checkpoint else None)
    train_s = time.perf_counter() - t0

    _save_final(trainer, tokenizer, out, keep_checkpoints=config.keep_checkpoints)
    history = [
        {k: v for k, v in entry.items() if isinstance(v, int | float)}
        for entry in trainer.state.log_history
    ]
    summary: dict[str, Any] = {
        "corr2cause_version": __version__,
        "method": config.method,
        "settings": {**asdict(config), "rewards": dict(config.rewards)},
        "lora": _use_lora(config),
        "resumed_from": str(checkpoint) if checkpoint else None,
        "examples": len(examples),
        "skipped": skipped,
        "steps": trainer.state.global_step,
        "train_loss": round(float(result.training_loss), 6),
        "log_history": history,
        "device": _device_args(config)["_device"],
        "platform": {"python": platform.python_version(), "machine": platform.machine()},
        "started": started,
        "finished": _now(),
        "timings": {
            "train_s": round(train_s, 3),
            "total_s": round(time.perf_counter() - t_start, 3),
        },
    }
    _write_json(out / SUMMARY_FILE, summary)
    return summary


def _build_sft(
    config: CausalLMConfig, examples: list[dict[str, Any]], tokenizer: Any, peft_config: Any
) -> Any:
    from datasets import Dataset
    from trl import SFTConfig, SFTTrainer  # type: ignore[attr-defined]

    args = SFTConfig(
        **common_args(config),
        max_length=config.max_length,
        completion_only_loss=True,
    )
    keep = ["prompt", "completion"]
    dataset = Dataset.from_list([{k: e[k] for k in keep} for e in examples])
    return SFTTrainer(
        model=config.model,
        args=args,
        train_dataset=dataset,
        processing_class=tokenizer,
        peft_config=peft_config,
    )


def train_sft(
    config: CausalLMConfig, *, overwrite: bool = False, callbacks: Sequence[Any] = ()
) -> dict[str, Any]:
    """Supervised fine-tuning of a causal LM on gold derivations (or answers).

    Returns
    -------
    dict
        The content of ``OUT/training_summary.json``.

    Raises
    ------
    FinetuneError
        On bad settings, a missing model or split, or an unusable output folder.
    """
    return run_trainer(config, _build_sft, overwrite=overwrite, callbacks=callbacks)
