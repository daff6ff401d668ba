"""Run folders: one process at a time, one identity per folder.

An evaluation run folder (``predictions.jsonl``, ``metrics.json``, ``run.json`` and usually
``cache.sqlite``) is resumable: rerunning the same command re-queries only what is missing.
Two things can go wrong with that, and this module guards against both.

**Two processes on one folder.** Both would send every prompt and race to write the same
files. :func:`guard_run` takes an exclusive, non-blocking :func:`fcntl.flock` lock on
``run.lock`` in the run folder (and on ``CACHE.lock`` next to a response cache kept
elsewhere) and writes its PID into it. A second process refuses at once with
:class:`RunLockedError`, naming the holder. The operating system releases a ``flock`` when
the process ends in any way, ``kill -9`` included, so a stale lock file never blocks a rerun:
the next process simply takes the lock again.

**One folder, two experiments.** A run folder belongs to one *identity*: the backend (spec,
model and output-relevant parameters), the prompt template, a fingerprint of the evaluated
items, and the bootstrap settings. It is recorded in ``run.json``. Resuming with the same
identity is the normal case; anything else raises :class:`RunIdentityError` unless
``overwrite=True``, which deletes the previous run's predictions and metrics first (the
content-addressed response cache is kept: its entries stay valid for any identity).

**A folder that is not a run.** ``--out`` pointing at a folder with other files in it (a
dataset, a checkout, another tool's output) and no ``run.json`` is refused before anything is
written there (:class:`RunFolderError`): the run would mix its files with unrelated ones.
Only what a run itself leaves before its ``run.json`` exists (:data:`START_FILES`: the lock
and the response cache of a run killed at its very start) counts as empty. ``overwrite=True``
writes into such a folder anyway; it never deletes files it did not write.

Examples
--------
>>> identity = run_identity(
...     backend={"spec": "oracle"}, prompt=None, items_sha256="ab12", n_boot=10, seed=0
... )
>>> sorted(identity)
['backend', 'bootstrap', 'items_sha256', 'prompt']
>>> identity_differences(identity, {**identity, "prompt": {"id": "cot"}})
['prompt']
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
from collections.abc import Callable, Iterable, Iterator
from contextvars import ContextVar
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any, ParamSpec, TypeVar

from corr2cause.dataset.readers import EvalItem
from corr2cause.errors import Corr2CauseError

__all__ = [
    "LOCK_NAME",
    "RUN_FILES",
    "START_FILES",
    "RunFolderError",
    "RunIdentityError",
    "RunLockedError",
    "foreign_entries",
    "guard_run",
    "guarded",
    "hold_run",
    "identity_differences",
    "items_fingerprint",
    "lock_folder",
    "mark_failed",
    "run_identity",
]

LOCK_NAME = "run.lock"
"""Lock file inside a run folder."""

RUN_FILES = ("predictions.jsonl", "metrics.json", "run.json")
"""What :func:`guard_run` deletes when ``overwrite`` replaces a run of another identity."""

START_FILES = frozenset(
    {LOCK_NAME, "cache.sqlite", "cache.sqlite-journal", "cache.sqlite-wal", "cache.sqlite-shm"}
)
"""Files a run creates before its ``run.json``: a folder holding only these is a run's start."""


class RunLockedError(Corr2CauseError):
    """Another live process holds the run folder or its response cache."""


class RunIdentityError(Corr2CauseError):
    """The run folder holds a run of another model, data, prompt or option set."""


class RunFolderError(RunIdentityError):
    """``--out`` is a non-empty folder that holds no evaluation run (no ``run.json``)."""


def foreign_entries(out: Path) -> list[str]:
    """Names in ``out`` that no evaluation run wrote, when ``out`` holds no ``run.json``.

    Empty when ``out`` is missing, empty, holds a ``run.json`` (a run, resumable or not: its
    identity decides), or holds only :data:`START_FILES`. Sorted.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     folder = Path(tmp)
    ...     _ = (folder / LOCK_NAME).write_text("")
    ...     before = foreign_entries(folder)
    ...     _ = (folder / "notes.txt").write_text("mine")
    ...     before, foreign_entries(folder)
    ([], ['notes.txt'])
    """
    if not out.is_dir() or (out / "run.json").is_file():
        return []
    return sorted(p.name for p in out.iterdir() if p.name not in START_FILES)


def items_fingerprint(items: Iterable[EvalItem]) -> str:
    """SHA-256 over the ids, texts and labels of ``items``, in order.

    Examples
    --------
    >>> from corr2cause.dataset.readers import EvalItem
    >>> a = EvalItem(id="1", premise="p", hypothesis="h", input="", label=1, num_variables=2,
    ...              relation="parent")
    >>> items_fingerprint([a]) == items_fingerprint([a])
    True
    >>> items_fingerprint([a]) == items_fingerprint([])
    False
    """
    digest = hashlib.sha256()
    for item in items:
        row = [item.id, item.premise, item.hypothesis, item.label]
        digest.update(json.dumps(row, ensure_ascii=False).encode("utf-8"))
        digest.update(b"\n")
    return digest.hexdigest()


def run_identity(
    *,
    backend: dict[str, Any],
    prompt: dict[str, Any] | None,
    items_sha256: str,
    n_boot: int,
    seed: int,
    samples: int = 1,
    exemplar_ids: list[str] | None = None,
) -> dict[str, Any]:
    """What makes two runs the same experiment, as a JSON-ready dict.

    Concurrency, cache location and wall-clock fields are left out: they change how a run
    goes, not what it computes. ``samples`` (self-consistency) and the few-shot
    ``exemplar_ids`` are recorded only when used, so plain runs keep their identity.
    """
    value: dict[str, Any] = {
        "backend": backend,
        "prompt": prompt,
        "items_sha256": items_sha256,
        "bootstrap": {"n_boot": n_boot, "seed": seed},
    }
    if samples != 1:
        value["samples"] = samples
    if exemplar_ids:
        value["exemplar_ids"] = list(exemplar_ids)
    normalized: dict[str, Any] = json.loads(json.dumps(value, sort_keys=True, default=str))
    return normalized


def identity_differences(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """The top-level identity fields on which ``old`` and ``new`` differ, sorted."""
    return sorted(k for k in set(old) | set(new) if old.get(k) != new.get(k))


def _describe_field(name: str, old: dict[str, Any], new: dict[str, Any]) -> str:
    if name == "backend":
        return f"model {old.get('backend', {}).get('spec')!s} -> {new['backend'].get('spec')!s}"
    if name == "items_sha256":
        return "data (another set of items)"
    if name == "prompt":
        before, after = (d.get("prompt") or {} for d in (old, new))
        return f"prompt {before.get('id')!s} -> {after.get('id')!s}"
    return name


def _holder(fh: IO[str]) -> str:
    fh.seek(0)
    text = fh.read(64).strip()
    return f"PID {text}" if text.isdigit() else "another process"


@contextlib.contextmanager
def _flock(path: Path, what: str) -> Iterator[None]:
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows: no advisory lock, run unguarded
        yield
        return
    fh = open(path, "a+", encoding="utf-8")  # noqa: SIM115 - held for the whole run
    try:
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise RunLockedError(
                f"{what} is in use by {_holder(fh)} (lock {path}); wait for it to finish, or "
                "use another --out / --cache"
            ) from None
        fh.seek(0)
        fh.truncate()
        fh.write(f"{os.getpid()}\n")
        fh.flush()
        try:
            yield
        finally:
            with contextlib.suppress(OSError):
                fh.seek(0)
                fh.truncate()
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)
    finally:
        fh.close()


def _previous_identity(out: Path) -> dict[str, Any] | None:
    path = out / "run.json"
    if not path.is_file():
        return None
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise RunIdentityError(
            f"{path} is not a run manifest (not JSON); use --overwrite to start a new run there"
        ) from None
    if not isinstance(manifest, dict):
        raise RunIdentityError(f"{path} is not a run manifest; use --overwrite to replace it")
    identity = manifest.get("identity")
    return identity if isinstance(identity, dict) else None


@contextlib.contextmanager
def lock_folder(out_dir: str | os.PathLike[str]) -> Iterator[Path]:
    """Hold the lock of a results folder that is not an evaluation run (created if missing).

    For commands that keep their own record of what the folder holds (``robustness`` checks
    its report's identity itself), so the foreign-file check of :func:`guard_run` does not
    apply. A second live process is refused with :class:`RunLockedError`.
    """
    out = _folder(out_dir)
    with _hold(out, "results folder"):
        yield out


def _folder(out_dir: str | os.PathLike[str]) -> Path:
    """``out_dir`` as a path, refused if it exists and is not a folder."""
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise RunIdentityError(f"--out {out} exists and is not a folder")
    return out


@contextlib.contextmanager
def _hold(out: Path, what: str) -> Iterator[None]:
    """Create ``out`` if missing and hold its lock file (``what`` names it in the refusal)."""
    out.mkdir(parents=True, exist_ok=True)
    with _flock(out / LOCK_NAME, f"{what} {out}"):
        yield


@contextlib.contextmanager
def guard_run(
    out_dir: str | os.PathLike[str],
    identity: dict[str, Any],
    *,
    cache_path: str | os.PathLike[str] | None = None,
    overwrite: bool = False,
) -> Iterator[Path]:
    """Hold the run folder (and an outside cache) for one process and one identity.

    Parameters
    ----------
    out_dir : path-like
        The run folder; created if missing.
    identity : dict
        From :func:`run_identity`.
    cache_path : path-like, optional
        The response cache file; locked too when it lies outside ``out_dir``.
    overwrite : bool
        Replace a run of another identity instead of refusing.

    Yields
    ------
    pathlib.Path
        The run folder.

    Raises
    ------
    RunLockedError
        Another live process holds the folder or the cache.
    RunIdentityError
        The folder holds another run and ``overwrite`` is false.
    RunFolderError
        The folder holds other files but no run (no ``run.json``) and ``overwrite`` is false.
    """
    out = _folder(out_dir)
    foreign = foreign_entries(out)
    if foreign and not overwrite:
        shown = ", ".join(foreign[:5]) + (
            f" and {len(foreign) - 5} more" if len(foreign) > 5 else ""
        )
        raise RunFolderError(
            f"--out {out} is not empty and holds no evaluation run (no run.json; it has "
            f"{shown}); choose an empty or new folder, or pass --overwrite to write the run "
            "into it anyway"
        )
    with contextlib.ExitStack() as stack:
        stack.enter_context(_hold(out, "run folder"))
        if cache_path is not None:
            cache = Path(cache_path).resolve()
            if cache.parent != out.resolve():
                cache.parent.mkdir(parents=True, exist_ok=True)
                lock = cache.with_name(cache.name + ".lock")
                stack.enter_context(_flock(lock, f"response cache {cache}"))
        previous = _previous_identity(out)
        changed = identity_differences(previous, identity) if previous is not None else []
        if changed and not overwrite:
            what = "; ".join(_describe_field(f, previous or {}, identity) for f in changed)
            raise RunIdentityError(
                f"{out} holds another run ({what}); resume it with the same options, choose "
                "another --out, or pass --overwrite to replace it"
            )
        if changed:
            for name in RUN_FILES:
                (out / name).unlink(missing_ok=True)
        yield out


P = ParamSpec("P")
R = TypeVar("R")

_HELD: ContextVar[tuple[contextlib.ExitStack, list[Path]] | None] = ContextVar(
    "corr2cause_held_run", default=None
)


def mark_failed(out_dir: str | os.PathLike[str], reason: BaseException | str) -> None:
    """Rewrite a ``running`` ``run.json`` in ``out_dir`` as ``failed`` (or ``interrupted``).

    Best effort: on a full disk the atomic rewrite can fail, and then the file is rewritten in
    place (truncating first frees its blocks). A manifest that is missing or already final is
    left alone.
    """
    path = Path(out_dir) / "run.json"
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return
    if not isinstance(manifest, dict) or manifest.get("status") != "running":
        return
    interrupted = isinstance(reason, KeyboardInterrupt)
    manifest["status"] = "interrupted" if interrupted else "failed"
    manifest["stopped"] = datetime.now(UTC).isoformat(timespec="seconds")
    if not interrupted:
        text = reason if isinstance(reason, str) else f"{type(reason).__name__}: {reason}"
        manifest["error"] = text[:2000]
    text = json.dumps(manifest, indent=2) + "\n"
    from corr2cause.atomic import atomic_write_text

    try:
        atomic_write_text(path, text)
    except OSError:
        with contextlib.suppress(OSError), open(path, "w", encoding="utf-8") as fh:
            fh.write(text)


def guarded(fn: Callable[P, R]) -> Callable[P, R]:
    """Decorate a run function so that :func:`hold_run` inside it is released on return.

    On an exception every run folder it held whose ``run.json`` still says ``running`` is
    marked ``failed`` (``interrupted`` on Ctrl-C) with the reason.
    """

    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        held: list[Path] = []
        with contextlib.ExitStack() as stack:
            token = _HELD.set((stack, held))
            try:
                return fn(*args, **kwargs)
            except BaseException as exc:
                for out in held:
                    mark_failed(out, exc)
                raise
            finally:
                _HELD.reset(token)

    return wrapper


def hold_run(
    out_dir: str | os.PathLike[str],
    identity: dict[str, Any],
    *,
    cache_path: str | os.PathLike[str] | None = None,
    overwrite: bool = False,
) -> Path:
    """:func:`guard_run` for the rest of the enclosing :func:`guarded` call; one line to add."""
    current = _HELD.get()
    if current is None:
        raise RuntimeError("hold_run() needs an enclosing @guarded function")
    stack, held = current
    out = stack.enter_context(
        guard_run(out_dir, identity, cache_path=cache_path, overwrite=overwrite)
    )
    held.append(out)
    return out
