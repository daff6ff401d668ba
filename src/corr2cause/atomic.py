"""Atomic file output: a reader never sees a half-written file or folder.

Files are written to a temporary sibling and moved into place with :func:`os.replace`, which is
atomic on POSIX file systems. Folders are built in a hidden staging sibling and swapped in the
same way, so an interrupted job leaves the previous output (or nothing) in place.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@contextmanager
def atomic_writer(path: str | os.PathLike[str], *, binary: bool = False) -> Iterator[IO[Any]]:
    """Open ``path`` for writing so that it appears only once complete.

    Yields
    ------
    file object
        A UTF-8 text file (or a binary one) in the destination folder. On success it is
        flushed, synced and moved to ``path`` with :func:`os.replace`; on an exception it is
        deleted and ``path`` is left as it was.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.chmod(tmp, 0o666 & ~_umask())  # mkstemp creates 0600; give the file the usual mode
    try:
        with (
            os.fdopen(fd, "wb") if binary else os.fdopen(fd, "w", encoding="utf-8", newline="")
        ) as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes) -> None:
    """Write ``data`` to ``path`` atomically (temporary file in the same folder, then rename)."""
    with atomic_writer(path, binary=True) as fh:
        fh.write(data)


def atomic_write_text(path: str | os.PathLike[str], text: str) -> None:
    """Write UTF-8 ``text`` to ``path`` atomically."""
    with atomic_writer(path) as fh:
        fh.write(text)


def write_json(path: str | os.PathLike[str], value: Any) -> Path:
    """Write ``value`` as indented JSON, atomically; return the path."""
    atomic_write_text(path, json.dumps(value, indent=2) + "\n")
    return Path(path)


def write_jsonl(path: str | os.PathLike[str], rows: Iterable[Any]) -> Path:
    """Write one compact JSON object per line, atomically; return the path."""
    with atomic_writer(path) as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False, separators=(",", ":")))
            fh.write("\n")
    return Path(path)


@contextmanager
def staged_directory(path: str | os.PathLike[str], *, overwrite: bool = False) -> Iterator[Path]:
    """Build a folder in a hidden staging sibling and move it to ``path`` on success.

    Parameters
    ----------
    path : path-like
        The final folder.
    overwrite : bool
        Replace an existing non-empty ``path``; otherwise that raises ``FileExistsError``
        before anything is written.

    Yields
    ------
    pathlib.Path
        The staging folder to write into. On an exception it is removed and ``path`` is left
        untouched.
    """
    target = Path(path)
    if target.exists() and not target.is_dir():
        raise NotADirectoryError(f"{target} exists and is not a folder")
    if target.is_dir() and any(target.iterdir()) and not overwrite:
        raise FileExistsError(f"{target} exists and is not empty (use --overwrite to replace it)")
    target.parent.mkdir(parents=True, exist_ok=True)
    if not os.access(target.parent, os.W_OK):
        raise PermissionError(f"cannot write into {target.parent}")
    stage = Path(tempfile.mkdtemp(prefix=f".{target.name}.partial-", dir=target.parent))
    os.chmod(stage, 0o777 & ~_umask())
    try:
        yield stage
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        raise
    replace_directory(stage, target)


def replace_directory(source: str | os.PathLike[str], target: str | os.PathLike[str]) -> None:
    """Move the folder ``source`` to ``target``, replacing an existing ``target``.

    The old ``target`` is first moved aside (one rename), so ``target`` is never a mix of old
    and new files; it is deleted once the new folder is in place.
    """
    source, target = Path(source), Path(target)
    trash = None
    if target.exists():
        trash = Path(tempfile.mkdtemp(prefix=f".{target.name}.old-", dir=target.parent))
        os.replace(target, trash / "old")
    os.replace(source, target)
    if trash is not None:
        shutil.rmtree(trash, ignore_errors=True)
