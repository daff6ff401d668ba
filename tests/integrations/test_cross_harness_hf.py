"""The same tiny local model through ``evaluate --model hf:`` and lm-eval: identical predictions.

The model is a 2-layer GPT-2 with random weights and a byte-level BPE tokenizer trained here
on Corr2Cause text (the ``tokenizers`` package, no download). A real BPE matters: with the
MiniLM WordPiece tokenizer " Yes" and " No" encode alike, every item ties and a comparison
would see nothing. Both harnesses score the log-likelihood of " Yes" against " No" after the
paper's prompt; every item must get the same prediction. (inspect's ``hf`` provider generates
and samples, and prefixes ``user:`` without a chat template, so it does not score the same
way; inspect is compared on the OpenAI-compatible path in ``test_cross_harness_openai.py``.)
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from corr2cause.dataset.readers import read_items
from corr2cause.evaluation.runner import evaluate
from corr2cause.integrations.paper_prompt import paper_prompt

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]
LIMIT = 40


def _tiny_bpe_lm(path: Path, texts: list[str]) -> Path:
    import torch
    from tokenizers import ByteLevelBPETokenizer
    from transformers import GPT2Config, GPT2LMHeadModel, PreTrainedTokenizerFast

    bpe = ByteLevelBPETokenizer()
    bpe.train_from_iterator(
        texts, vocab_size=600, min_frequency=1, special_tokens=["<|endoftext|>"]
    )
    tok = PreTrainedTokenizerFast(
        tokenizer_object=bpe._tokenizer,  # the Rust tokenizer the wrapper holds
        bos_token="<|endoftext|>",
        eos_token="<|endoftext|>",
        pad_token="<|endoftext|>",
    )
    assert tok(" Yes")["input_ids"] != tok(" No")["input_ids"]
    torch.manual_seed(0)
    config = GPT2Config(
        vocab_size=len(tok),
        n_positions=1024,
        n_embd=32,
        n_layer=2,
        n_head=2,
        bos_token_id=tok.bos_token_id,
        eos_token_id=tok.eos_token_id,
        pad_token_id=tok.pad_token_id,
    )
    GPT2LMHeadModel(config).save_pretrained(path)
    tok.save_pretrained(path)
    return path


def test_hf_backend_and_lm_eval_agree(official_test_path: Path, tmp_path: Path) -> None:
    lm_eval = pytest.importorskip("lm_eval")
    pytest.importorskip("torch")
    pytest.importorskip("tokenizers")
    from lm_eval.tasks import TaskManager

    from corr2cause.integrations import lm_eval_tasks_path

    items = read_items(official_test_path)
    texts = [paper_prompt(i.premise, i.hypothesis) + " Yes No" for i in items[:300]]
    model_dir = _tiny_bpe_lm(tmp_path / "tiny-bpe", texts)

    ours = evaluate(
        f"hf:{model_dir}",
        items[:LIMIT],
        out_dir=tmp_path / "ours",
        n_boot=0,
        backend_options={"scoring": "loglik", "device": "cpu", "batch_size": 4},
    )
    rows = [
        json.loads(x) for x in (tmp_path / "ours" / "predictions.jsonl").read_text().splitlines()
    ]
    ours_pred = {r["id"]: r["pred"] for r in rows}
    margins = [abs(r["details"]["loglik"]["Yes"] - r["details"]["loglik"]["No"]) for r in rows]
    assert min(margins) > 0, "a tie would make the comparison blind"
    assert 0 < sum(ours_pred.values()) < len(ours_pred), "both answers must occur"

    manager = TaskManager(
        include_path=lm_eval_tasks_path(),
        include_defaults=False,
        metadata={"data": str(official_test_path)},
    )
    out = lm_eval.simple_evaluate(
        model="hf",
        model_args=f"pretrained={model_dir},dtype=float32",
        tasks=["corr2cause"],
        task_manager=manager,
        device="cpu",
        batch_size=4,
        limit=LIMIT,
        bootstrap_iters=0,
        log_samples=True,
    )
    theirs = {str(s["doc"]["id"]): s["f1"][1] for s in out["samples"]["corr2cause"]}
    assert theirs == ours_pred
    assert round(100 * out["results"]["corr2cause"]["acc,none"], 2) == ours["accuracy"]
