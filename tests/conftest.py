"""Shared, immutable fixtures for the whole test suite."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from fixtures.tiny_training import build_tiny_encoder, generate_small_dataset

REPO_ROOT = Path(__file__).resolve().parents[1]
OFFICIAL_TEST_ENV = "CORR2CAUSE_OFFICIAL_TEST"


def find_official_test() -> Path | None:
    """Locate the official test CSV: $CORR2CAUSE_OFFICIAL_TEST, else ../shared/reference/."""
    env = os.environ.get(OFFICIAL_TEST_ENV)
    candidates = [Path(env)] if env else []
    candidates.append(REPO_ROOT.parent / "shared" / "reference" / "official_test.csv")
    for path in candidates:
        if path.is_file():
            return path
    return None


@pytest.fixture(scope="session")
def official_test_path() -> Path:
    """Path of the official 1,162-item test split; skips (with the reason) when absent."""
    path = find_official_test()
    if path is None:
        pytest.skip(
            f"official test CSV not found: set {OFFICIAL_TEST_ENV} or place it at "
            "../shared/reference/official_test.csv"
        )
    return path


@pytest.fixture(scope="session")
def dataset_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """original, paraphrase and refactor variants for N = 2..4 (read-only by convention).

    The real generator's output (train 576, dev 132, test 114 items per variant), built once
    per session and shared by the training and robustness tests.
    """
    return generate_small_dataset(tmp_path_factory.mktemp("c2c-data") / "data")


@pytest.fixture(scope="session")
def tiny_encoder_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny pretrained-encoder folder (no head): what ``finetune --model`` starts from.

    A tiny random BERT with the MiniLM tokenizer, so tests run the real ``from_pretrained`` /
    Trainer / ``save_pretrained`` code paths offline in seconds.
    """
    pytest.importorskip("torch")
    pytest.importorskip("transformers")
    pytest.importorskip("accelerate")
    return build_tiny_encoder(tmp_path_factory.mktemp("tiny-encoder"))
