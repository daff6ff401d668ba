"""Shared, immutable fixtures for the whole test suite."""

from __future__ import annotations

from pathlib import Path

import pytest

from fixtures.tiny_training import build_tiny_encoder, generate_small_dataset
from official_data import OFFICIAL_TEST_ENV, REPO_ROOT, find_official_test, require_official_test

__all__ = ["OFFICIAL_TEST_ENV", "REPO_ROOT", "find_official_test"]


@pytest.fixture(scope="session")
def official_test_path() -> Path:
    """Path of the official 1,162-item test split.

    Skips with the reason when it is absent, except in CI, where that is a failure
    (``tests/official_data.py``).
    """
    return require_official_test()


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


@pytest.fixture()
def small_tmpfs(tmp_path: Path):
    """Factory: ``small_tmpfs(name, size="1m", read_only=False)`` mounts a tmpfs under tmp_path.

    A full disk or a read-only file system, for real. Skips (with the reason) where mounting is
    not permitted (not root, no CAP_SYS_ADMIN, not Linux).
    """
    import subprocess

    mounted: list[Path] = []

    def mount(name: str = "fs", *, size: str = "1m", read_only: bool = False) -> Path:
        point = tmp_path / name
        point.mkdir(exist_ok=True)
        options = f"size={size}" + (",ro" if read_only else "")
        done = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(point)],
            capture_output=True,
            text=True,
        )
        if done.returncode != 0:
            pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip() or done.returncode}")
        mounted.append(point)
        return point

    yield mount
    for point in reversed(mounted):
        subprocess.run(["umount", "-l", str(point)], capture_output=True)


@pytest.fixture(autouse=True)
def _restore_variant_registry():
    """Undo variants a test registers (a theme file read by ``names_variants`` or the CLI).

    The registry is process-global: a theme left behind would appear in every later test that
    iterates over ``VARIANTS``.
    """
    from corr2cause.dataset.compose import VARIANTS

    saved = dict(VARIANTS)
    yield
    if saved != VARIANTS:
        VARIANTS.clear()
        VARIANTS.update(saved)
