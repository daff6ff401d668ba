"""Shared plumbing of the local Hugging Face backends (``hf``, ``nli``, ``classifier``).

torch and transformers are imported lazily here, so that importing the evaluation package
(and starting the CLI) never pays for them. Models load only from local directories
(``local_files_only=True``): nothing is downloaded at run time.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from corr2cause.errors import quote
from corr2cause.evaluation.backends.base import BackendError

_DTYPES = ("auto", "float32", "float16", "bfloat16")


def require_torch() -> tuple[Any, Any]:
    """Import ``(torch, transformers)`` or explain how to install them."""
    try:
        import torch
        import transformers
    except ImportError as exc:
        raise BackendError(
            f"this backend needs torch and transformers ({exc}); "
            "install them with: pip install 'corr2cause[hf]'"
        ) from None
    return torch, transformers


def model_dir(path: str) -> str:
    """Check that ``path`` is a local model directory and return it."""
    if not path:
        raise BackendError("give the model directory: BACKEND:PATH")
    if not Path(path).is_dir():
        raise BackendError(
            f"{path}: no such model directory (models load from local directories only; "
            "download them beforehand, e.g. with `huggingface-cli download`)"
        )
    if not (Path(path) / "config.json").is_file():
        raise BackendError(f"{path}: not a Hugging Face model directory (no config.json)")
    return path


_WEIGHT_SUFFIXES = (".safetensors", ".bin", ".pt", ".pth", ".gguf")


def model_fingerprint(path: str) -> str:
    """A short hash of a model directory: config, tokenizer files and weight file stats.

    Part of the cache key, so that retraining into the same directory (or swapping weights)
    never serves stale cached answers. Weights are identified by name, size and modification
    time rather than read in full.
    """
    digest = hashlib.sha256()
    for file in sorted(Path(path).iterdir()):
        if not file.is_file():
            continue
        if file.suffix == ".json" or file.name in ("vocab.txt", "merges.txt", "tokenizer.model"):
            digest.update(file.name.encode() + b"\0" + file.read_bytes())
        elif file.name.endswith(_WEIGHT_SUFFIXES):
            stat = file.stat()
            digest.update(f"{file.name}\0{stat.st_size}\0{stat.st_mtime_ns}".encode())
    return digest.hexdigest()[:16]


def pick_device(torch: Any, device: str | None) -> str:
    """``device`` or, when ``None``/``"auto"``, ``cuda`` if available, else ``cpu``.

    An explicit device must exist here: a name torch does not know (``gpu``), ``cuda`` on a
    machine without CUDA, ``cuda:N`` past its last GPU or ``mps`` without Metal raises
    :class:`BackendError` before any weights are loaded (torch would fail later, with its own
    exception, when the model is moved).
    """
    if device in (None, "", "auto"):
        return "cuda" if torch.cuda.is_available() else "cpu"
    try:
        parsed = torch.device(device)
    except (RuntimeError, TypeError) as exc:
        raise BackendError(f"device {quote(device)} is not a torch device ({exc})") from None
    if parsed.type == "cuda":
        count = torch.cuda.device_count() if torch.cuda.is_available() else 0
        if count == 0:
            raise BackendError(f"device {quote(device)}: CUDA is not available on this machine")
        if parsed.index is not None and parsed.index >= count:
            raise BackendError(f"device {quote(device)}: this machine has {count} CUDA device(s)")
    if parsed.type == "mps" and not torch.backends.mps.is_available():
        raise BackendError(f"device {quote(device)}: MPS is not available on this machine")
    return str(device)


def pick_dtype(torch: Any, dtype: str, device: str) -> Any:
    """The torch dtype for the ``dtype`` option (``auto``: float32 on CPU, bfloat16 on GPU).

    The CPU is recognized by torch's parse of ``device``, so ``cpu:0`` is the CPU too.
    """
    if dtype not in _DTYPES:
        raise BackendError(f"dtype must be one of {', '.join(_DTYPES)}, not {dtype!r}")
    if dtype == "auto":
        return torch.float32 if torch.device(device).type == "cpu" else torch.bfloat16
    return getattr(torch, dtype)


def max_positions(config: Any, tokenizer: Any, cap: int | None = None) -> int:
    """The longest input the model accepts (tokens), optionally capped."""
    limits = []
    for attr in ("max_position_embeddings", "n_positions", "max_sequence_length"):
        value = getattr(config, attr, None)
        if isinstance(value, int) and value > 0:
            limits.append(value)
            break
    model_max = getattr(tokenizer, "model_max_length", None)
    if isinstance(model_max, int) and 0 < model_max < 1_000_000:
        limits.append(model_max)
    if cap:
        limits.append(int(cap))
    return min(limits) if limits else 512


def length_batches(lengths: Sequence[int], batch_size: int) -> Iterator[list[int]]:
    """Indices grouped into batches of similar length (longest first)."""
    order = sorted(range(len(lengths)), key=lambda k: -lengths[k])
    for start in range(0, len(order), batch_size):
        yield order[start : start + batch_size]


def label_index(id2label: dict[int, str], wanted: str) -> int | None:
    """Index of the label whose lower-cased name starts with ``wanted`` (None if absent)."""
    for index, name in id2label.items():
        if str(name).lower().startswith(wanted):
            return int(index)
    return None
