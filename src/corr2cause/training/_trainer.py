"""The transformers side of fine-tuning: model loading, the weighted-loss Trainer, callbacks.

This module imports torch and transformers at import time; :mod:`corr2cause.training.finetune`
imports it only inside :func:`~corr2cause.training.finetune.finetune`.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch
import transformers
from torch.nn import functional
from tqdm.auto import tqdm
from transformers import (
    AutoConfig,
    AutoModelForSequenceClassification,
    AutoTokenizer,
    PrinterCallback,
    ProgressCallback,
    Trainer,
    TrainerCallback,
    TrainingArguments,
)

from corr2cause.dataset.readers import EvalItem
from corr2cause.evaluation.metrics import confusion_counts, scores
from corr2cause.training.config import CHECKPOINT_DIR, ID2LABEL, FinetuneConfig, FinetuneError

__all__ = [
    "EncodedDataset",
    "StderrProgress",
    "WeightedLossTrainer",
    "build_trainer",
    "compute_dev_metrics",
    "load_model_and_tokenizer",
]


class WeightedLossTrainer(Trainer):
    """A Trainer whose loss is cross-entropy with fixed per-class weights.

    Parameters
    ----------
    *args, **kwargs
        As for :class:`transformers.Trainer`.
    class_weights : sequence of float, optional
        One weight per class; ``None`` gives the plain (unweighted) cross-entropy.

    Notes
    -----
    ``torch.nn.functional.cross_entropy(weight=w)`` averages as
    ``sum_i w[y_i] * loss_i / sum_i w[y_i]``, the usual weighted mean.
    """

    def __init__(self, *args: Any, class_weights: Sequence[float] | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.class_weights = (
            None if class_weights is None else torch.tensor(list(class_weights), dtype=torch.float)
        )

    def compute_loss(
        self,
        model: torch.nn.Module,
        inputs: dict[str, Any],
        return_outputs: bool = False,
        num_items_in_batch: Any = None,
    ) -> Any:
        """Weighted cross-entropy of the logits against ``inputs["labels"]``."""
        inputs = dict(inputs)
        labels = inputs.pop("labels")
        outputs = model(**inputs)
        logits = outputs.logits.float()
        weight = None if self.class_weights is None else self.class_weights.to(logits.device)
        loss = functional.cross_entropy(logits, labels.to(logits.device), weight=weight)
        return (loss, outputs) if return_outputs else loss


class EncodedDataset(torch.utils.data.Dataset[dict[str, Any]]):
    """Tokenized items: ``input_ids``, ``attention_mask`` (and ``token_type_ids``), ``labels``."""

    def __init__(self, encodings: dict[str, list[list[int]]], labels: Sequence[int]) -> None:
        self.encodings = encodings
        self.labels = list(labels)

    def __len__(self) -> int:
        return len(self.labels)

    def __getitem__(self, index: int) -> dict[str, Any]:
        row: dict[str, Any] = {k: v[index] for k, v in self.encodings.items()}
        row["labels"] = self.labels[index]
        return row


def compute_dev_metrics(eval_prediction: Any) -> dict[str, float]:
    """F1 / precision / recall / accuracy (×100) of the valid class, as the harness reports."""
    logits = eval_prediction.predictions
    if isinstance(logits, tuple):
        logits = logits[0]
    pred = np.asarray(logits).argmax(axis=-1)
    gold = np.asarray(eval_prediction.label_ids)
    return dict(scores(confusion_counts(gold.tolist(), pred.tolist())))


class StderrProgress(TrainerCallback):
    """A training progress bar and one line per dev evaluation, both on stderr.

    Replaces the Trainer's own ``ProgressCallback`` / ``PrinterCallback``, which print the
    logs on stdout.
    """

    def __init__(self, *, enabled: bool = True) -> None:
        self.enabled = enabled
        self.bar: Any = None

    def on_train_begin(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        if self.enabled:
            self.bar = tqdm(
                total=state.max_steps,
                initial=state.global_step,
                desc="fine-tuning",
                unit="step",
                file=sys.stderr,
                dynamic_ncols=True,
            )

    def on_step_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        if self.bar is not None:
            self.bar.update(state.global_step - self.bar.n)

    def on_log(
        self, args: Any, state: Any, control: Any, logs: dict[str, Any] | None = None, **kw: Any
    ) -> None:
        if self.bar is None or not logs:
            return
        if "loss" in logs:
            self.bar.set_postfix(loss=f"{logs['loss']:.4f}", refresh=False)
        if "eval_f1" in logs:
            shown = ", ".join(
                f"{k[5:]} {logs[k]:.2f}"
                for k in ("eval_f1", "eval_precision", "eval_recall", "eval_accuracy")
                if k in logs
            )
            self.bar.write(
                f"step {state.global_step} (epoch {state.epoch:.2f}): dev {shown}", file=sys.stderr
            )

    def on_train_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None


def load_model_and_tokenizer(config: FinetuneConfig) -> tuple[Any, Any, dict[str, Any]]:
    """Load the pretrained model with a fresh two-label head, and its tokenizer.

    The tokenizer is set to cut on ``config.truncation_side`` at ``config.max_length``; both are
    saved with it, so the evaluation backend encodes the same way.

    Returns
    -------
    tuple
        ``(model, tokenizer, info)``; ``info`` describes the base model.
    """
    path = str(config.model)
    transformers.set_seed(config.seed)  # the new head's initialisation
    try:
        base_config = AutoConfig.from_pretrained(path, local_files_only=True)
        tokenizer = AutoTokenizer.from_pretrained(path, local_files_only=True)
        model = AutoModelForSequenceClassification.from_pretrained(
            path,
            local_files_only=True,
            num_labels=2,
            id2label=dict(ID2LABEL),
            label2id={v: k for k, v in ID2LABEL.items()},
            ignore_mismatched_sizes=True,  # e.g. a 3-way MNLI head is replaced
            dtype=torch.float32,
        )
    except (OSError, ValueError) as exc:
        raise FinetuneError(f"--model {path}: cannot load ({exc})") from None
    if tokenizer.pad_token is None:
        if tokenizer.eos_token is None:
            raise FinetuneError(f"--model {path}: the tokenizer has no pad or eos token")
        tokenizer.pad_token = tokenizer.eos_token
    if model.config.pad_token_id is None:
        model.config.pad_token_id = tokenizer.pad_token_id
    tokenizer.truncation_side = config.truncation_side
    tokenizer.model_max_length = config.max_length
    positions = getattr(model.config, "max_position_embeddings", None) or config.max_length
    # BERT-style absolute positions: RoBERTa reserves 2 ids for padding offsets
    if getattr(model.config, "model_type", "") in ("roberta", "xlm-roberta", "camembert"):
        positions -= 2
    info = {
        "base_model": path,
        "model_type": getattr(base_config, "model_type", None),
        "base_architectures": getattr(base_config, "architectures", None),
        "parameters": int(sum(p.numel() for p in model.parameters())),
        "max_positions": int(positions),
    }
    return model, tokenizer, info


def _encode(tokenizer: Any, items: Sequence[EvalItem], max_length: int) -> EncodedDataset:
    encodings = tokenizer(
        [item.input for item in items], truncation=True, max_length=max_length, padding=False
    )
    keep = {k: list(v) for k, v in encodings.items() if k != "special_tokens_mask"}
    return EncodedDataset(keep, [item.label for item in items])


def _length_stats(dataset: EncodedDataset, max_length: int) -> dict[str, float]:
    """Mean tokens per input and the share of inputs at the limit (i.e. cut)."""
    lengths = [len(ids) for ids in dataset.encodings["input_ids"]]
    return {
        "mean_tokens": round(float(np.mean(lengths)), 1) if lengths else 0.0,
        "at_max_length_share": round(
            sum(n >= max_length for n in lengths) / max(len(lengths), 1), 4
        ),
    }


def build_trainer(
    config: FinetuneConfig,
    model: Any,
    tokenizer: Any,
    train: Sequence[EvalItem],
    dev: Sequence[EvalItem],
    *,
    weights: Sequence[float] | None,
    progress: bool,
    callbacks: Sequence[Any] = (),
) -> tuple[WeightedLossTrainer, dict[str, Any]]:
    """Tokenize the data and configure the Trainer (best dev-F1 checkpoint, resumable).

    Evaluation and checkpointing share one step interval: ``config.eval_steps`` or one epoch
    (so a fractional last epoch and ``max_steps`` still end with an evaluation).

    Returns
    -------
    tuple
        ``(trainer, info)``; ``info`` has the device and token statistics.
    """
    train_set = _encode(tokenizer, train, config.max_length)
    dev_set = _encode(tokenizer, dev, config.max_length)
    use_cuda = config.device != "cpu" and torch.cuda.is_available()
    if config.device == "cuda" and not use_cuda:
        raise FinetuneError("--device cuda: no CUDA GPU is available")
    steps_per_epoch = math.ceil(len(train_set) / config.batch_size)
    interval = config.eval_steps or steps_per_epoch
    args = TrainingArguments(
        output_dir=str(Path(config.out) / CHECKPOINT_DIR),
        per_device_train_batch_size=config.batch_size,
        per_device_eval_batch_size=max(config.batch_size, 16),
        learning_rate=config.lr,
        num_train_epochs=config.epochs,
        max_steps=config.max_steps or -1,
        lr_scheduler_type="linear",
        warmup_steps=float(config.warmup_ratio),  # < 1: a share of the steps
        weight_decay=0.0,
        optim="adamw_torch",
        eval_strategy="steps",
        eval_steps=interval,
        save_strategy="steps",
        save_steps=interval,
        save_total_limit=2,  # the best checkpoint is never rotated out
        load_best_model_at_end=True,
        metric_for_best_model="f1",
        greater_is_better=True,
        logging_strategy="steps",
        logging_steps=max(1, min(50, interval)),
        report_to=[],
        disable_tqdm=True,
        use_cpu=not use_cuda,
        bf16=bool(use_cuda and torch.cuda.is_bf16_supported()),
        seed=config.seed,
        data_seed=config.seed,
        dataloader_num_workers=0,
        save_only_model=False,
    )
    trainer = WeightedLossTrainer(
        model=model,
        args=args,
        train_dataset=train_set,
        eval_dataset=dev_set,
        processing_class=tokenizer,
        data_collator=transformers.DataCollatorWithPadding(tokenizer),
        compute_metrics=compute_dev_metrics,
        class_weights=weights,
        callbacks=[StderrProgress(enabled=progress), *callbacks],
    )
    trainer.remove_callback(PrinterCallback)
    trainer.remove_callback(ProgressCallback)
    info = {
        "device": "cuda" if use_cuda else "cpu",
        "steps_per_epoch": steps_per_epoch,
        "eval_every_steps": interval,
        "train_tokens": _length_stats(train_set, config.max_length),
        "dev_tokens": _length_stats(dev_set, config.max_length),
    }
    return trainer, info
