"""A persistent response cache: SQLite in WAL mode, one committed row per completed call.

Rows are keyed by :func:`~corr2cause.evaluation.backends.base.cache_key`, the SHA-256 of the
canonical JSON of backend name, model, output-relevant parameters and the exact model input
(the rendered prompt text). API keys are never part of a key or a row.

Durability: every :meth:`ResponseCache.put` is its own transaction. In WAL mode with
``synchronous=NORMAL`` a committed transaction is in the write-ahead log before ``put``
returns, so killing the process (even with SIGKILL) loses no completed response; only a power
failure or OS crash can lose the last few. Pass ``durable=True`` for ``synchronous=FULL``
(an fsync per response) when that matters more than speed.

Only successful responses are stored: failed calls are retried by the next run.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator
from pathlib import Path

from corr2cause.errors import Corr2CauseError
from corr2cause.evaluation.backends.base import Response

__all__ = ["CacheError", "ResponseCache"]


class CacheError(Corr2CauseError):
    """The response cache cannot be opened, read or written (full disk, read-only, corrupt)."""


@contextlib.contextmanager
def _database_errors(path: Path) -> Iterator[None]:
    try:
        yield
    except sqlite3.DatabaseError as exc:  # OperationalError (full, read-only, locked) included
        raise CacheError(
            f"response cache {path}: {exc} (free space, make it writable, or choose another "
            "--cache; completed responses already stored are kept)"
        ) from exc


_SCHEMA = """
CREATE TABLE IF NOT EXISTS responses (
    key TEXT PRIMARY KEY,
    backend TEXT NOT NULL,
    item_id TEXT,
    response TEXT NOT NULL,
    created REAL NOT NULL
)
"""


class ResponseCache:
    """Store and look up model responses.

    Parameters
    ----------
    path : str or Path
        SQLite file; created with its parent directory if missing.
    durable : bool
        fsync every commit (``synchronous=FULL``) instead of relying on the WAL alone.

    Examples
    --------
    >>> cache = ResponseCache(tmp_path / "cache.sqlite")  # doctest: +SKIP
    >>> cache.put("k", Response(text="Yes"), backend="openai:m", item_id="row-1")  # doctest: +SKIP
    >>> cache.get_many(["k"])["k"].text  # doctest: +SKIP
    'Yes'
    """

    def __init__(self, path: str | Path, *, durable: bool = False) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        with _database_errors(self.path):
            self._db = sqlite3.connect(
                self.path, isolation_level=None, check_same_thread=False, timeout=30.0
            )
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute(f"PRAGMA synchronous={'FULL' if durable else 'NORMAL'}")
            self._db.execute(_SCHEMA)

    def get_many(self, keys: Iterable[str]) -> dict[str, Response]:
        """The cached responses among ``keys``.

        Parameters
        ----------
        keys : iterable of str
            Cache keys.

        Returns
        -------
        dict
            Key -> response, for the keys found.
        """
        wanted = list(dict.fromkeys(keys))
        found: dict[str, Response] = {}
        with self._lock, _database_errors(self.path):
            for start in range(0, len(wanted), 500):
                chunk = wanted[start : start + 500]
                marks = ",".join("?" * len(chunk))
                rows = self._db.execute(
                    f"SELECT key, response FROM responses WHERE key IN ({marks})", chunk
                ).fetchall()
                for key, blob in rows:
                    found[key] = Response.from_dict(json.loads(blob))
        return found

    def put(self, key: str, response: Response, *, backend: str, item_id: str | None) -> None:
        """Store one successful response and commit it at once.

        Parameters
        ----------
        key : str
            Cache key.
        response : Response
            Must be successful (``response.ok``).
        backend : str
            Backend spec (informational).
        item_id : str, optional
            The item first asked (informational; the key does not depend on it).
        """
        if not response.ok:
            raise ValueError("only successful responses are cached")
        blob = json.dumps(response.to_dict(), ensure_ascii=False, separators=(",", ":"))
        with self._lock, _database_errors(self.path):
            self._db.execute(
                "INSERT OR REPLACE INTO responses (key, backend, item_id, response, created) "
                "VALUES (?, ?, ?, ?, ?)",
                (key, backend, item_id, blob, time.time()),
            )

    def item_ids(self) -> set[str]:
        """Item ids recorded with the stored responses."""
        with self._lock:
            rows = self._db.execute("SELECT item_id FROM responses").fetchall()
        return {r[0] for r in rows if r[0] is not None}

    def __len__(self) -> int:
        with self._lock:
            return int(self._db.execute("SELECT COUNT(*) FROM responses").fetchone()[0])

    def close(self) -> None:
        """Close the database (idempotent)."""
        with self._lock, contextlib.suppress(sqlite3.ProgrammingError):  # already closed
            self._db.close()

    def __enter__(self) -> ResponseCache:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
