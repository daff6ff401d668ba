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
from contextlib import contextmanager, suppress
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


def _renamable(folder: Path) -> bool:
    """Whether ``folder`` itself can be swapped by renames (not a mount point, not the cwd)."""
    try:
        if os.path.ismount(folder) or folder.resolve() == Path.cwd().resolve():
            return False
    except OSError:
        return False
    return os.access(folder.parent, os.W_OK)


@contextmanager
def staged_directory(path: str | os.PathLike[str], *, overwrite: bool = False) -> Iterator[Path]:
    """Build a folder in a hidden staging sibling and move it to ``path`` on success.

    When ``path`` is an existing folder that cannot be renamed (a mount point such as a
    Docker volume, the current folder, a folder in a read-only parent), the staging folder is
    made inside it instead and its entries are moved into place one rename each (see
    :func:`replace_directory`). Either way no staging or backup copy is left behind.

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
    target = Path(path).absolute()
    if target.exists() and not target.is_dir():
        raise NotADirectoryError(f"{target} exists and is not a folder")
    if target.is_dir() and any(target.iterdir()) and not overwrite:
        raise FileExistsError(f"{target} exists and is not empty (use --overwrite to replace it)")
    in_place = target.is_dir() and not _renamable(target)
    home = target if in_place else target.parent
    home.mkdir(parents=True, exist_ok=True)
    if not os.access(home, os.W_OK):
        raise PermissionError(13, "Permission denied (cannot write into this folder)", str(home))
    stage = Path(tempfile.mkdtemp(prefix=f".{target.name}.partial-", dir=home))
    os.chmod(stage, 0o777 & ~_umask())
    try:
        yield stage
        replace_directory(stage, target)
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        raise


def _fill_in_place(source: Path, target: Path) -> None:
    """Make ``target`` hold exactly ``source``'s entries without renaming ``target`` itself."""
    old = [p for p in target.iterdir() if p != source]
    trash = Path(tempfile.mkdtemp(prefix=f".{target.name}.old-", dir=target)) if old else None
    try:
        for entry in old:
            os.replace(entry, Path(str(trash)) / entry.name)
        for entry in sorted(source.iterdir()):
            shutil.move(entry, target / entry.name)  # a rename; a copy across file systems
    except BaseException:
        if trash is not None:  # put the old entries back
            for entry in trash.iterdir():
                with suppress(OSError):
                    os.replace(entry, target / entry.name)
            shutil.rmtree(trash, ignore_errors=True)
        raise
    shutil.rmtree(source, ignore_errors=True)
    if trash is not None:
        shutil.rmtree(trash, ignore_errors=True)


def replace_directory(source: str | os.PathLike[str], target: str | os.PathLike[str]) -> None:
    """Move the folder ``source`` to ``target``, replacing an existing ``target``.

    The old ``target`` is first moved aside (one rename), so ``target`` is never a mix of old
    and new files; it is deleted once the new folder is in place. When ``target`` cannot be
    renamed (a mount point, the current folder, a read-only parent: ``EBUSY``, ``EXDEV``,
    ``EACCES``...), its old entries are moved aside and ``source``'s moved in one by one
    instead; no ``.NAME.old-*`` or staging folder is left behind in either case.
    """
    source, target = Path(source).absolute(), Path(target).absolute()
    if target.is_dir() and not _renamable(target):
        _fill_in_place(source, target)
        return
    trash = None
    if target.exists():
        trash = Path(tempfile.mkdtemp(prefix=f".{target.name}.old-", dir=target.parent))
        try:
            os.replace(target, trash / "old")
        except OSError:
            shutil.rmtree(trash, ignore_errors=True)
            if not target.is_dir():
                raise
            _fill_in_place(source, target)
            return
    try:
        os.replace(source, target)
    except OSError:
        if trash is None:
            if not target.is_dir():
                raise
            _fill_in_place(source, target)  # e.g. an empty mount point that rename refuses
            return
        os.replace(trash / "old", target)  # put the previous folder back
        shutil.rmtree(trash, ignore_errors=True)
        raise
    if trash is not None:
        shutil.rmtree(trash, ignore_errors=True)
