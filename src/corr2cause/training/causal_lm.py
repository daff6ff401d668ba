"""One entry point for causal-LM training: :func:`train_causal_lm` runs SFT or GRPO.

``config.method`` picks :func:`corr2cause.training.sft.train_sft` or
:func:`corr2cause.training.grpo.train_grpo`; see those modules and docs/training.md.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from corr2cause.training.grpo import train_grpo
from corr2cause.training.sft import CausalLMConfig, train_sft

__all__ = ["train_causal_lm"]


def train_causal_lm(
    config: CausalLMConfig, *, overwrite: bool = False, callbacks: Sequence[Any] = ()
) -> dict[str, Any]:
    """Train with ``config.method`` (``"sft"`` or ``"grpo"``); returns the training summary."""
    train = train_grpo if config.method == "grpo" else train_sft
    return train(config, overwrite=overwrite, callbacks=callbacks)
