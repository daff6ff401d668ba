"""Run a backend over items with the paper's protocol, resumably, and write the results.

:func:`evaluate` is the library entry point used by ``corr2cause evaluate`` (and by other
commands such as ``pipeline`` and ``robustness``). For each prompt step it

1. renders one :class:`~corr2cause.evaluation.backends.base.Request` per item,
2. computes every request's cache key and serves the keys already in the response cache,
3. sends the rest to the backend and **commits each response to the cache as it arrives**,

then parses the answers, computes the metrics and writes, in ``out_dir``:

``predictions.jsonl``
    one line per item: ``id``, ``prompt`` (what the model saw at the final step), ``raw``,
    ``parsed`` (``yes`` / ``no`` / ``null``), ``pred``, ``gold``, ``correct``,
    ``num_variables``, ``relation``, ``latency_s``, ``prompt_tokens``, ``completion_tokens``,
    ``error``, ``cached``, and ``steps`` (earlier step outputs, for multi-step prompts);
``metrics.json``
    :func:`~corr2cause.evaluation.metrics.compute_metrics` plus a ``run`` block;
``run.json``
    the manifest (backend, prompt, data, counts, times, status), written at the start
    (``running``) and at the end (``complete`` or ``interrupted``);
``cache.sqlite``
    the response cache, unless another cache is given.

Running the same evaluation again re-queries nothing that completed: after a crash, Ctrl-C or
SIGKILL, rerun the command to resume. Failed calls are not cached and are retried on rerun.
"""

from __future__ import annotations

import contextlib
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from corr2cause import __version__
from corr2cause.atomic import write_json, write_jsonl
from corr2cause.dataset.readers import EvalItem
from corr2cause.dataset.store import read_items
from corr2cause.evaluation.answers import normalize_answer
from corr2cause.evaluation.backends import load_backend
from corr2cause.evaluation.backends.base import Backend, Request, Response, cache_key, key_prefix
from corr2cause.evaluation.cache import ResponseCache
from corr2cause.evaluation.metrics import compute_metrics
from corr2cause.evaluation.prompts import PromptTemplate, load_prompt

__all__ = ["evaluate"]

Progress = Callable[[int, int], None]


@dataclass(slots=True)
class _Trace:
    """Everything the run learned about one item."""

    outputs: list[Response] = field(default_factory=list)
    cached: list[bool] = field(default_factory=list)
    last_payload: Any = None

    @property
    def failed(self) -> bool:
        return bool(self.outputs) and not self.outputs[-1].ok


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _run_step(
    backend: Backend,
    requests: list[Request],
    traces: list[_Trace],
    positions: list[int],
    *,
    cache: ResponseCache,
    prefix: str,
    concurrency: int,
    tick: Callable[[int], None],
) -> tuple[int, int]:
    """Answer ``requests`` (one per item ``positions[k]``); returns (queried, from cache)."""
    keys = [cache_key(backend, r, prefix=prefix) for r in requests]
    hits = cache.get_many(keys)
    first: dict[str, int] = {}
    todo: list[int] = []
    for k, key in enumerate(keys):
        if key not in hits and key not in first:
            first[key] = k
            todo.append(k)
    answers: dict[str, Response] = dict(hits)
    multiplicity = Counter(keys)
    tick(sum(1 for key in keys if key in hits))
    sent = [requests[k] for k in todo]
    stream = backend.stream(sent, concurrency=concurrency)
    with contextlib.closing(stream):  # type: ignore[type-var]
        for j, response in stream:
            k = todo[j]
            key = keys[k]
            if response.ok:
                cache.put(key, response, backend=backend.spec, item_id=requests[k].item.id)
            answers[key] = response
            tick(multiplicity[key])
    for k, key in enumerate(keys):
        trace = traces[positions[k]]
        trace.outputs.append(answers[key])
        trace.cached.append(key in hits)
        trace.last_payload = backend.payload(requests[k])
    return len(todo), len(keys) - len(todo)


def _record(item: EvalItem, trace: _Trace) -> dict[str, Any]:
    final = trace.outputs[-1]
    if not final.ok:
        pred, verdict, parse_failed = 0, None, False
    elif final.label is not None:
        pred = int(final.label)
        verdict, parse_failed = ("yes" if pred else "no"), False
    else:
        parsed = normalize_answer(final.text)
        pred, verdict, parse_failed = parsed.label, parsed.verdict, not parsed.parsed
    latencies = [r.latency_s for r in trace.outputs if r.latency_s is not None]
    prompt_tokens = [r.prompt_tokens for r in trace.outputs]
    completion_tokens = [r.completion_tokens for r in trace.outputs]
    row: dict[str, Any] = {
        "id": item.id,
        "prompt": trace.last_payload,
        "raw": final.text,
        "parsed": verdict,
        "pred": pred,
        "gold": item.label,
        "correct": pred == item.label,
        "num_variables": item.num_variables,
        "relation": item.relation,
        "latency_s": round(sum(latencies), 6) if latencies else None,
        "prompt_tokens": sum(prompt_tokens) if None not in prompt_tokens else None,
        "completion_tokens": sum(completion_tokens) if None not in completion_tokens else None,
        "error": final.error,
        "cached": all(trace.cached),
        "parse_failed": parse_failed,
    }
    if len(trace.outputs) > 1:
        row["steps"] = [r.text for r in trace.outputs[:-1]]
    if final.details:
        row["details"] = dict(final.details)
    return row


def evaluate(
    backend: Backend | str,
    items: Sequence[EvalItem] | str | Path,
    *,
    prompt: str | Path | PromptTemplate = "direct",
    out_dir: str | Path,
    limit: int | None = None,
    concurrency: int = 8,
    cache: str | Path | ResponseCache | None = None,
    progress: Progress | None = None,
    n_boot: int = 1000,
    seed: int = 0,
    backend_options: dict[str, Any] | None = None,
    run_info: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Evaluate a backend on items; write predictions, metrics and a manifest to ``out_dir``.

    Parameters
    ----------
    backend : Backend or str
        A backend, or a spec such as ``"oracle"``, ``"openai:gpt-4o-mini"``, ``"hf:./model"``
        (then built with ``backend_options`` and closed at the end).
    items : sequence of EvalItem, str or Path
        The items, or a data file for :func:`~corr2cause.dataset.readers.read_items`.
    prompt : str, Path or PromptTemplate
        Prompt template name (``direct``, ``cot``) or TOML file; ignored by backends that do
        not read a prompt.
    out_dir : str or Path
        Run directory (created if missing).
    limit : int, optional
        Evaluate only the first ``limit`` items.
    concurrency : int
        Requests in flight at once (server backends).
    cache : str, Path or ResponseCache, optional
        Response cache (default: ``out_dir/cache.sqlite``); share one across runs to reuse
        responses.
    progress : callable, optional
        ``progress(done, total)`` after every answered request.
    n_boot : int
        Bootstrap resamples for the 95 % intervals.
    seed : int
        Bootstrap seed.
    backend_options : dict, optional
        Options for :func:`~corr2cause.evaluation.backends.load_backend` when ``backend`` is
        a spec.
    run_info : dict, optional
        Extra fields for the manifest (e.g. the data file and its hash).

    Returns
    -------
    dict
        The content of ``metrics.json``: ``f1``, ``precision``, ``recall``, ``accuracy``
        (×100), ``n``, ``parse_failures``, ``request_failures``, ``ci95``,
        ``confusion_matrix``, ``by_num_variables``, ``by_relation`` and ``run``.

    Raises
    ------
    ValueError
        On duplicate item ids or a bad ``limit`` / ``concurrency``.
    """
    if limit is not None and limit < 0:
        raise ValueError("limit must be >= 0")
    if concurrency < 1:
        raise ValueError("concurrency must be >= 1")
    info: dict[str, Any] = dict(run_info or {})
    if isinstance(items, str | Path):
        info.setdefault("data", str(items))
        items = read_items(items)
    selected = list(items)[:limit] if limit is not None else list(items)
    ids = [item.id for item in selected]
    if len(set(ids)) != len(ids):
        raise ValueError("item ids must be unique")
    owns_backend = isinstance(backend, str)
    engine = (
        load_backend(backend, **(backend_options or {})) if isinstance(backend, str) else backend
    )
    template = load_prompt(prompt) if engine.uses_prompt else None
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    owns_cache = not isinstance(cache, ResponseCache)
    store = (
        cache if isinstance(cache, ResponseCache) else ResponseCache(cache or out / "cache.sqlite")
    )

    steps = len(template.steps) if template is not None else 1
    total = len(selected) * steps
    done = 0

    def tick(count: int) -> None:
        nonlocal done
        done += count
        if progress is not None:
            progress(done, total)

    started = time.perf_counter()
    manifest: dict[str, Any] = {
        "status": "running",
        "corr2cause_version": __version__,
        "backend": engine.describe(),
        "prompt": template.to_dict() if template is not None else None,
        "n_items": len(selected),
        "limit": limit,
        "concurrency": concurrency,
        "cache": str(store.path),
        "started": _now(),
        **info,
    }
    write_json(out / "run.json", manifest)
    traces = [_Trace() for _ in selected]
    queried = from_cache = 0
    try:
        prefix = key_prefix(engine)
        for step in range(steps):
            positions = [k for k, t in enumerate(traces) if not t.failed]
            tick(len(selected) - len(positions) if step else 0)
            requests = []
            for k in positions:
                item = selected[k]
                if template is None:
                    requests.append(Request(item=item))
                    continue
                previous = [r.text or "" for r in traces[k].outputs]
                requests.append(
                    Request(
                        item=item,
                        messages=tuple(template.messages(item, previous)),
                        max_tokens=template.steps[step].max_tokens,
                        step=step,
                    )
                )
            q, c = _run_step(
                engine,
                requests,
                traces,
                positions,
                cache=store,
                prefix=prefix,
                concurrency=concurrency,
                tick=tick,
            )
            queried += q
            from_cache += c
    except BaseException:
        manifest.update(status="interrupted", stopped=_now(), queried=queried)
        write_json(out / "run.json", manifest)
        if owns_cache:
            store.close()
        if owns_backend:
            engine.close()
        raise
    if owns_cache:
        store.close()
    if owns_backend:
        engine.close()

    records = [_record(item, trace) for item, trace in zip(selected, traces, strict=True)]
    write_jsonl(out / "predictions.jsonl", records)
    metrics = compute_metrics(
        [r["gold"] for r in records],
        [r["pred"] for r in records],
        num_variables=[item.num_variables for item in selected],
        relations=[item.relation for item in selected],
        parse_failed=[r["parse_failed"] for r in records],
        request_failed=[r["error"] is not None for r in records],
        n_boot=n_boot,
        seed=seed,
    )
    wall = time.perf_counter() - started
    manifest.update(
        status="complete",
        finished=_now(),
        wall_s=round(wall, 3),
        queried=queried,
        from_cache=from_cache,
        request_failures=metrics["request_failures"],
        parse_failures=metrics["parse_failures"],
    )
    metrics["run"] = {
        "backend": engine.spec,
        "prompt": template.id if template is not None else None,
        "n_items": len(selected),
        "queried": queried,
        "from_cache": from_cache,
        "wall_s": round(wall, 3),
        "bootstrap": {"n_boot": n_boot, "seed": seed, "level": 0.95},
        **{k: v for k, v in info.items() if k in ("data", "data_sha256", "label", "split")},
    }
    write_json(out / "metrics.json", metrics)
    write_json(out / "run.json", manifest)
    return metrics
