"""Atomic file writes: write to a temporary file in the same directory, then ``os.replace``."""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import IO, Any


def write_atomic(path: str | Path, fill: Callable[[IO[str]], None]) -> Path:
    """Create ``path`` with the text ``fill(handle)`` writes; readers never see a partial file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        with open(tmp, "x", encoding="utf-8", newline="\n") as fh:  # honours the umask
            fill(fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def write_json(path: str | Path, value: Any) -> Path:
    """Write ``value`` as indented JSON, atomically."""
    return write_atomic(path, lambda fh: fh.write(json.dumps(value, indent=2) + "\n"))


def write_jsonl(path: str | Path, rows: Iterable[Any]) -> Path:
    """Write one JSON object per line, atomically."""

    def fill(fh: IO[str]) -> None:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False, separators=(",", ":")))
            fh.write("\n")

    return write_atomic(path, fill)
