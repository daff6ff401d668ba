"""GRPO for causal LMs on Corr2Cause, rewarded against the exact label.

Group Relative Policy Optimization (Shao et al., "DeepSeekMath", 2024) samples
``num_generations`` completions per prompt and moves the policy towards those whose reward is
above the group's mean. Here the reward is verifiable: :func:`corr2cause.rewards.combined_reward`
of the configured weights (default: answer 1.0, format 0.1, rationale-step credit 0.5), scored
against the exact solver's label and the step checker, so it cannot be earned by hedging or by
a plausible-looking but wrong derivation.

The dataset columns the rewards read (``label``, ``premise``, ``hypothesis``, ``semantics``)
travel with every prompt; TRL passes them to the reward functions. Settings, resumption and
outputs are those of :mod:`corr2cause.training.sft` (:class:`~corr2cause.training.sft.
CausalLMConfig`, ``method="grpo"``). A GRPO run usually starts from an SFT model.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from corr2cause.rewards import combined_reward
from corr2cause.training.sft import CausalLMConfig, common_args, run_trainer

__all__ = ["train_grpo"]

_REWARD_COLUMNS = ("prompt", "label", "premise", "hypothesis", "semantics")


def _build_grpo(
    config: CausalLMConfig, examples: list[dict[str, Any]], tokenizer: Any, peft_config: Any
) -> Any:
    from datasets import Dataset
    from trl import GRPOConfig, GRPOTrainer  # type: ignore[attr-defined]

    args = GRPOConfig(
        **common_args(config),
        num_generations=config.num_generations,
        max_completion_length=config.max_completion_length,
        temperature=config.temperature,
    )
    dataset = Dataset.from_list([{k: e[k] for k in _REWARD_COLUMNS} for e in examples])
    return GRPOTrainer(
        model=config.model,
        reward_funcs=[combined_reward(config.rewards)],  # type: ignore[list-item]
        args=args,
        train_dataset=dataset,
        processing_class=tokenizer,
        peft_config=peft_config,
    )


def train_grpo(
    config: CausalLMConfig, *, overwrite: bool = False, callbacks: Sequence[Any] = ()
) -> dict[str, Any]:
    """GRPO training of a causal LM with the exact-label rewards.

    Returns
    -------
    dict
        The content of ``OUT/training_summary.json``.

    Raises
    ------
    corr2cause.training.finetune.FinetuneError
        On bad settings, a missing model or split, or an unusable output folder.
    """
    return run_trainer(config, _build_grpo, overwrite=overwrite, callbacks=callbacks)
