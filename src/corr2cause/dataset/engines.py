"""Execution engines: run independent shards on a process pool or on a Ray cluster.

An engine maps a picklable function over a list of work items and yields ``(index, result)``
pairs as they complete. The work must be deterministic per item and write its own outputs, so
the order of completion never changes what ends up on disk: the local and the Ray engine
produce byte-identical files.

- :class:`LocalEngine` uses :class:`concurrent.futures.ProcessPoolExecutor` (or runs in
  process with ``workers=1``).
- :class:`RayEngine` submits Ray core tasks. Without ``address`` it starts a local Ray
  instance; with ``address="auto"`` or ``RAY_ADDRESS`` set it joins an existing cluster, so
  the same command scales from a laptop to many machines. Ray is an optional extra
  (``pip install corr2cause[ray]``).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from typing import Any, Protocol

from corr2cause.errors import Corr2CauseError

ENGINES: tuple[str, ...] = ("local", "ray")


class Engine(Protocol):
    """Protocol of execution engines."""

    name: str

    def map_unordered(
        self, fn: Callable[[Any], Any], items: Sequence[Any]
    ) -> Iterator[tuple[int, Any]]:
        """Yield ``(index, fn(items[index]))`` as results complete."""
        ...

    def close(self) -> None:
        """Release workers."""
        ...


class LocalEngine:
    """Process-pool engine (``workers=1`` runs in the calling process)."""

    name = "local"

    def __init__(self, workers: int | None = None) -> None:
        self.workers = workers or os.cpu_count() or 1

    def map_unordered(
        self, fn: Callable[[Any], Any], items: Sequence[Any]
    ) -> Iterator[tuple[int, Any]]:
        """Yield ``(index, fn(items[index]))`` as results complete."""
        if self.workers <= 1 or len(items) <= 1:
            for k, item in enumerate(items):
                yield k, fn(item)
            return
        with ProcessPoolExecutor(max_workers=min(self.workers, len(items))) as pool:
            pending = {pool.submit(fn, item): k for k, item in enumerate(items)}
            while pending:
                done, _ = wait(pending, return_when=FIRST_COMPLETED)
                for fut in done:
                    k = pending.pop(fut)
                    yield k, fut.result()

    def close(self) -> None:
        """Nothing to release (the pool lives inside :meth:`map_unordered`)."""


class RayEngine:
    """Ray core tasks; a local Ray instance unless ``address`` / ``RAY_ADDRESS`` names a cluster."""

    name = "ray"

    def __init__(self, workers: int | None = None, *, address: str | None = None) -> None:
        try:
            import ray
        except ImportError as exc:  # pragma: no cover - depends on the environment
            raise Corr2CauseError(
                "the ray engine needs Ray: pip install 'corr2cause[ray]'"
            ) from exc
        self._ray = ray
        self._owns = False
        if not ray.is_initialized():
            address = address or os.environ.get("RAY_ADDRESS")
            kwargs: dict[str, Any] = {
                "include_dashboard": False,
                "log_to_driver": False,
                "configure_logging": False,
            }
            if address:
                ray.init(address=address, **kwargs)
            else:
                ray.init(num_cpus=workers or os.cpu_count() or 1, **kwargs)
            self._owns = True

    def map_unordered(
        self, fn: Callable[[Any], Any], items: Sequence[Any]
    ) -> Iterator[tuple[int, Any]]:
        """Yield ``(index, fn(items[index]))`` as Ray tasks complete."""
        ray = self._ray
        remote = ray.remote(fn)
        refs = {remote.remote(item): k for k, item in enumerate(items)}
        while refs:
            ready, _ = ray.wait(list(refs), num_returns=1)
            for ref in ready:
                k = refs.pop(ref)
                yield k, ray.get(ref)

    def close(self) -> None:
        """Shut down the Ray instance if this engine started it."""
        if self._owns:
            self._ray.shutdown()
            self._owns = False


def make_engine(name: str, *, workers: int | None = None) -> Engine:
    """Build an engine by name (``"local"`` or ``"ray"``)."""
    if name == "local":
        return LocalEngine(workers)
    if name == "ray":
        return RayEngine(workers)
    raise Corr2CauseError(f"unknown engine {name!r}; choose from {list(ENGINES)}")
