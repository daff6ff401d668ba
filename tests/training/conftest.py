"""Fixtures of the training tests: a small generated dataset and a tiny local encoder.

The dataset is the real generator's output for N = 2..4 (train 576, dev 132, test 114 items
per variant), built once per session. The encoder is a tiny random BERT with the MiniLM
tokenizer, so every test runs the real ``from_pretrained`` / Trainer / ``save_pretrained``
code paths offline in seconds.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from fixtures.tiny_training import build_tiny_encoder, generate_small_dataset

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


@pytest.fixture(scope="session")
def dataset_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """original, paraphrase and refactor variants for N = 2..4 (read-only by convention)."""
    return generate_small_dataset(tmp_path_factory.mktemp("c2c-data") / "data")


@pytest.fixture(scope="session")
def tiny_encoder_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny pretrained-encoder folder (no head): what ``finetune --model`` starts from."""
    pytest.importorskip("torch")
    pytest.importorskip("transformers")
    pytest.importorskip("accelerate")
    return build_tiny_encoder(tmp_path_factory.mktemp("tiny-encoder"))
