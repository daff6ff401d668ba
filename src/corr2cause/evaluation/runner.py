"""Run a backend over items with the paper's protocol, resumably, and write the results.

:func:`evaluate` is the library entry point used by ``corr2cause evaluate`` (and by other
commands such as ``pipeline`` and ``robustness``). For each prompt step it

1. renders one :class:`~corr2cause.evaluation.backends.base.Request` per item,
2. computes every request's cache key and serves the keys already in the response cache,
3. sends the rest to the backend and **commits each response to the cache as it arrives**,

then parses the answers, computes the metrics and writes, in ``out_dir``:

``predictions.jsonl``
    one line per item: ``id``, ``prompt`` (what the model saw at the final step), ``raw``,
    ``reasoning`` (the reasoning, split off the answer or returned apart by the server),
    ``answer`` (the text read for the verdict), ``parsed`` (``yes`` / ``no`` / ``null``),
    ``truncated``, ``rule`` (the extraction rule that found the verdict), ``pred``, ``gold``,
    ``correct``, ``num_variables``, ``relation``, ``premise_id`` (cluster key of the premise),
    ``latency_s``, ``prompt_tokens``,
    ``completion_tokens``, ``reasoning_tokens``, ``error``, ``cached``, ``steps`` (earlier
    step outputs, for multi-step prompts) and, with ``samples > 1``, ``samples`` (one record
    per sample) and ``votes``;
``metrics.json``
    :func:`~corr2cause.evaluation.metrics.compute_metrics`, plus ``answers`` (parse failures,
    truncations, failed requests, metrics on answered items alone) and ``usage`` (tokens,
    latency, cost) from :mod:`corr2cause.evaluation.usage`, plus a ``run`` block;
``run.json``
    the manifest (backend with every request option, prompt, strategy, samples, few-shot
    exemplars, data, counts, times, status), written at the start (``running``) and at the end
    (``complete``, ``interrupted`` or ``failed`` with the ``error``), plus the run's
    ``identity`` (see :mod:`corr2cause.evaluation.run_guard`);
``run.lock``
    held by the process running the evaluation (a second one refuses);
``cache.sqlite``
    the response cache, unless another cache is given.

Running the same evaluation again re-queries nothing that completed: after a crash, Ctrl-C or
SIGKILL, rerun the command to resume. Failed calls are not cached and are retried on rerun.

Strategies
    A multi-step template (``cot``, ``staged``) sends one call per step; every step is cached
    on its own, so a staged run resumes step by step. A few-shot template gets its exemplars
    from :func:`~corr2cause.evaluation.fewshot.select_exemplars`. ``samples = n`` asks every
    item ``n`` times (self-consistency, Wang et al. 2023; use a temperature above 0) and takes
    the majority verdict; a tie, or no readable sample, reads as *invalid*.
Failures
    A fatal backend error (refused key, unknown model, nothing listening) stops the run at
    once. Otherwise, once more than ``max_failures`` requests have failed the run stops; the
    manifest then says ``failed`` and :class:`EvaluationFailed` is raised. Completed responses
    stay cached either way, so rerunning resumes.
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
from corr2cause.errors import Corr2CauseError
from corr2cause.evaluation.answers import AnswerExtractor, ParsedAnswer
from corr2cause.evaluation.backends import load_backend
from corr2cause.evaluation.backends.base import (
    Backend,
    BackendFatalError,
    Request,
    Response,
    cache_key,
    key_prefix,
)
from corr2cause.evaluation.cache import ResponseCache
from corr2cause.evaluation.fewshot import exemplars_for
from corr2cause.evaluation.metrics import compute_metrics
from corr2cause.evaluation.prompts import PromptTemplate, load_prompt
from corr2cause.evaluation.run_guard import guarded, hold_run, items_fingerprint, run_identity
from corr2cause.evaluation.runs import premise_key
from corr2cause.evaluation.usage import answer_summary, usage_summary

__all__ = ["EvaluationFailed", "evaluate"]

Progress = Callable[[int, int], None]
Status = Callable[[dict[str, Any]], None]


class EvaluationFailed(Corr2CauseError):
    """The run stopped: a fatal backend error, or more failed requests than allowed.

    Attributes
    ----------
    out_dir : Path
        The run directory (its ``run.json`` says ``failed`` and why).
    failures : int
        Requests that failed.
    """

    def __init__(self, message: str, *, out_dir: Path, failures: int) -> None:
        super().__init__(message)
        self.out_dir = out_dir
        self.failures = failures


class _TooManyFailures(Exception):
    pass


@dataclass(slots=True)
class _Counters:
    """Live state of a run, for the progress display and the stopping rule."""

    max_failures: int | None
    final_step: int
    live: bool = False
    failures: int = 0
    retries: int = 0
    first_error: str | None = None
    counts: list[int] = field(default_factory=lambda: [0, 0, 0, 0])  # tp fp fn tn

    def see(self, request: Request, response: Response, extractor: AnswerExtractor) -> None:
        attempts = response.details.get("attempts") if response.details else None
        if isinstance(attempts, int) and attempts > 1:
            self.retries += attempts - 1
        if not response.ok:
            self.failures += 1
            self.first_error = self.first_error or response.error
            if self.max_failures is not None and self.failures > self.max_failures:
                raise _TooManyFailures
            return
        if not self.live or request.step != self.final_step or request.sample:
            return
        pred = _read(response, extractor).label if response.label is None else response.label
        gold = request.item.label
        self.counts[0 if gold and pred else 1 if pred else 2 if gold else 3] += 1

    def status(self) -> dict[str, Any]:
        tp, fp, fn, _ = self.counts
        f1 = round(100 * 2 * tp / (2 * tp + fp + fn), 2) if 2 * tp + fp + fn else None
        return {
            "f1": f1,
            "answered": sum(self.counts),
            "failures": self.failures,
            "retries": self.retries,
        }


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


def answer_requests(
    backend: Backend,
    requests: list[Request],
    *,
    cache: ResponseCache,
    concurrency: int,
    tick: Callable[[int], None] | None = None,
) -> tuple[list[Response], int, int]:
    """Answer single-step ``requests`` through ``cache`` exactly as an evaluation run does.

    Returns one response per request, in order, plus the numbers of requests sent to the
    model and answered from the cache. Used by tools built on the harness (model-written
    stories) so they share its caching, resumption, retries and concurrency.
    """
    traces = [_Trace() for _ in requests]
    queried, from_cache = _run_step(
        backend,
        requests,
        traces,
        list(range(len(requests))),
        cache=cache,
        prefix=key_prefix(backend),
        concurrency=concurrency,
        tick=tick or (lambda count: None),
        counters=_Counters(max_failures=None, final_step=0),
        extractor=AnswerExtractor(),
    )
    return [trace.outputs[-1] for trace in traces], queried, from_cache


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
    counters: _Counters,
    extractor: AnswerExtractor,
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
            counters.see(requests[k], response, extractor)
            tick(multiplicity[key])
    for k, key in enumerate(keys):
        trace = traces[positions[k]]
        trace.outputs.append(answers[key])
        trace.cached.append(key in hits)
        trace.last_payload = backend.payload(requests[k])
    return len(todo), len(keys) - len(todo)


def _read(response: Response, extractor: AnswerExtractor) -> ParsedAnswer:
    finish = response.details.get("finish_reason") if response.details else None
    return extractor(response.text, finish_reason=finish if isinstance(finish, str) else None)


def _sample_record(trace: _Trace, extractor: AnswerExtractor) -> dict[str, Any]:
    """Verdict, reasoning and usage of one sample (one chain of calls)."""
    final = trace.outputs[-1]
    reasoning = final.reasoning
    answer_text = final.text
    truncated = False
    if not final.ok:
        pred, verdict, rule = 0, None, None
    elif final.label is not None:
        pred = int(final.label)
        verdict, rule = ("yes" if pred else "no"), "backend"
    else:
        finish = final.details.get("finish_reason") if final.details else None
        parsed, split = extractor.read(
            final.text, finish_reason=finish if isinstance(finish, str) else None
        )
        pred, verdict, truncated, rule = parsed.label, parsed.verdict, parsed.truncated, parsed.rule
        if extractor.strip_reasoning and final.text:
            answer_text = split.answer
            if split.reasoning:
                reasoning = f"{reasoning}\n\n{split.reasoning}" if reasoning else split.reasoning
    latencies = [r.latency_s for r in trace.outputs if r.latency_s is not None]

    def total(name: str) -> int | None:
        values = [getattr(r, name) for r in trace.outputs]
        return sum(values) if values and None not in values else None

    finish = final.details.get("finish_reason") if final.details else None
    return {
        "raw": final.text,
        "reasoning": reasoning,
        "answer": answer_text,
        "parsed": verdict,
        "truncated": truncated,
        "rule": rule,
        "pred": pred,
        "latency_s": round(sum(latencies), 6) if latencies else None,
        "prompt_tokens": total("prompt_tokens"),
        "completion_tokens": total("completion_tokens"),
        "reasoning_tokens": total("reasoning_tokens"),
        "finish_reason": finish,
        "error": final.error,
        "cached": all(trace.cached),
    }


def _record(item: EvalItem, traces: Sequence[_Trace], extractor: AnswerExtractor) -> dict[str, Any]:
    samples = [_sample_record(t, extractor) for t in traces]
    first = samples[0]
    votes = {"yes": 0, "no": 0, "none": 0}
    for sample in samples:
        votes[sample["parsed"] or "none"] += 1
    errors = [s["error"] for s in samples if s["error"] is not None]
    if len(samples) == 1:
        verdict, pred = first["parsed"], first["pred"]
    elif votes["yes"] > votes["no"]:
        verdict, pred = "yes", 1
    elif votes["no"] > votes["yes"] or votes["no"]:
        verdict, pred = "no", 0
    else:
        verdict, pred = None, 0
    if errors:
        verdict, pred = None, 0

    def total(name: str) -> int | float | None:
        values = [s[name] for s in samples]
        return sum(values) if None not in values else None

    row: dict[str, Any] = {
        "id": item.id,
        "prompt": traces[0].last_payload,
        "raw": first["raw"],
        "reasoning": first["reasoning"],
        "answer": first["answer"],
        "parsed": verdict,
        "truncated": all(s["truncated"] for s in samples) and verdict is None,
        "rule": first["rule"] if len(samples) == 1 else "majority",
        "pred": pred,
        "gold": item.label,
        "correct": pred == item.label,
        "num_variables": item.num_variables,
        "relation": item.relation,
        "premise_id": premise_key(item.premise),
        "latency_s": round(total("latency_s"), 6) if total("latency_s") is not None else None,  # type: ignore[arg-type]
        "prompt_tokens": total("prompt_tokens"),
        "completion_tokens": total("completion_tokens"),
        "reasoning_tokens": total("reasoning_tokens"),
        "finish_reason": first["finish_reason"],
        "error": errors[0] if errors else None,
        "cached": all(s["cached"] for s in samples),
        "parse_failed": not errors and verdict is None,
    }
    outputs = traces[0].outputs
    if len(outputs) > 1:
        row["steps"] = [r.text for r in outputs[:-1]]
    if outputs[-1].details:
        row["details"] = dict(outputs[-1].details)
    if len(samples) > 1:
        row["votes"] = votes
        row["samples"] = samples
    return row


@guarded
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
    samples: int = 1,
    fewshot_pool: Sequence[EvalItem] | str | Path | None = None,
    max_failures: int | None = None,
    status: Status | None = None,
    overwrite: bool = False,
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
        Extra fields for the manifest (e.g. the data file and its hash, the ``split``).
    samples : int
        Samples per item (self-consistency by majority vote); 1 by default.
    fewshot_pool : sequence of EvalItem, str or Path, optional
        Exemplar pool of a few-shot prompt (default: the prompt's split, ``train``, of the
        data file); items under evaluation are never used.
    max_failures : int, optional
        Stop the run once more requests than this have failed (``None``: never stop).
    status : callable, optional
        ``status(dict)`` after every response, with the running ``f1`` of the answered items,
        ``answered``, ``failures`` and ``retries`` (for live progress displays).
    overwrite : bool
        Reuse ``out_dir`` although it holds a run of another identity (model, items, prompt,
        bootstrap settings; see :mod:`corr2cause.evaluation.run_guard`), deleting that run.

    Returns
    -------
    dict
        The content of ``metrics.json``: ``f1``, ``precision``, ``recall``, ``accuracy``
        (×100), ``n``, ``parse_failures``, ``request_failures``, ``ci95``,
        ``confusion_matrix``, ``by_num_variables``, ``by_relation`` and ``run``.

    Raises
    ------
    ValueError
        On duplicate item ids or a bad ``limit`` / ``concurrency`` / ``samples``.
    EvaluationFailed
        When a fatal backend error or too many failed requests stopped the run.
    RunLockedError
        Another process is evaluating into ``out_dir`` or with the same cache file.
    RunIdentityError
        ``out_dir`` holds another run and ``overwrite`` is false.
    """
    if limit is not None and limit < 0:
        raise ValueError("limit must be >= 0")
    if concurrency < 1:
        raise ValueError("concurrency must be >= 1")
    if samples < 1:
        raise ValueError("samples must be >= 1")
    if max_failures is not None and max_failures < 0:
        raise ValueError("max_failures must be >= 0")
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
    exemplars = (
        exemplars_for(
            template,
            fewshot_pool if fewshot_pool is not None else info.get("data"),
            evaluated=selected,
            split=info.get("split"),
        )
        if template
        else []
    )
    extractor = template.answer if template is not None else AnswerExtractor()
    out = Path(out_dir)
    identity = run_identity(
        backend=engine.describe(),
        prompt=template.to_dict() if template is not None else None,
        items_sha256=items_fingerprint(selected),
        n_boot=n_boot,
        seed=seed,
        samples=samples,
        exemplar_ids=[e.id for e in exemplars],
    )
    cache_file = None if isinstance(cache, ResponseCache) else Path(cache or out / "cache.sqlite")
    hold_run(out, identity, cache_path=cache_file, overwrite=overwrite)
    owns_cache = not isinstance(cache, ResponseCache)
    store = (
        cache if isinstance(cache, ResponseCache) else ResponseCache(cache or out / "cache.sqlite")
    )

    steps = len(template.steps) if template is not None else 1
    units = [(k, sample) for k in range(len(selected)) for sample in range(samples)]
    total = len(units) * steps
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
        "strategy": template.strategy if template is not None else None,
        "samples": samples,
        "fewshot": (
            {**template.fewshot.to_dict(), "exemplar_ids": [e.id for e in exemplars]}
            if template is not None and template.fewshot is not None
            else None
        ),
        "max_failures": max_failures,
        "n_items": len(selected),
        "limit": limit,
        "concurrency": concurrency,
        "cache": str(store.path),
        "started": _now(),
        **info,
        "identity": identity,
    }
    write_json(out / "run.json", manifest)
    traces = [_Trace() for _ in units]
    queried = from_cache = 0
    counters = _Counters(max_failures=max_failures, final_step=steps - 1, live=status is not None)

    def tick_and_report(count: int) -> None:
        tick(count)
        if status is not None:
            status(counters.status())

    def finish(state: str, **extra: Any) -> None:
        manifest.update(status=state, stopped=_now(), queried=queried, **extra)
        write_json(out / "run.json", manifest)
        if owns_cache:
            store.close()
        if owns_backend:
            engine.close()

    try:
        prefix = key_prefix(engine)
        for step in range(steps):
            positions = [u for u, t in enumerate(traces) if not t.failed]
            tick(len(units) - len(positions) if step else 0)
            requests = []
            for u in positions:
                k, sample = units[u]
                item = selected[k]
                if template is None:
                    requests.append(Request(item=item, sample=sample))
                    continue
                previous = [r.text or "" for r in traces[u].outputs]
                requests.append(
                    Request(
                        item=item,
                        messages=tuple(template.messages(item, previous, exemplars=exemplars)),
                        max_tokens=template.max_tokens(step),
                        step=step,
                        sample=sample,
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
                tick=tick_and_report,
                counters=counters,
                extractor=extractor,
            )
            queried += q
            from_cache += c
    except BackendFatalError as exc:
        finish("failed", error=str(exc), request_failures=counters.failures)
        raise EvaluationFailed(
            f"{exc}\nthe run stopped; completed responses are cached in {store.path}",
            out_dir=out,
            failures=counters.failures,
        ) from None
    except _TooManyFailures:
        message = (
            f"{counters.failures} request(s) failed, more than the {max_failures} allowed "
            f"(first error: {counters.first_error}); the run stopped. Completed responses are "
            f"cached in {store.path}: rerun to retry the failed ones, or allow failures "
            "(--max-failures N)"
        )
        finish("failed", error=message, request_failures=counters.failures)
        raise EvaluationFailed(message, out_dir=out, failures=counters.failures) from None
    except BaseException as exc:
        if isinstance(exc, KeyboardInterrupt):
            finish("interrupted")
        else:
            finish("failed", error=f"{type(exc).__name__}: {exc}"[:2000])
        raise
    if owns_cache:
        store.close()
    if owns_backend:
        engine.close()

    by_item: list[list[_Trace]] = [[] for _ in selected]
    for (k, _), trace in zip(units, traces, strict=True):
        by_item[k].append(trace)
    records = [
        _record(item, item_traces, extractor)
        for item, item_traces in zip(selected, by_item, strict=True)
    ]
    write_jsonl(out / "predictions.jsonl", records)
    metrics = compute_metrics(
        [r["gold"] for r in records],
        [r["pred"] for r in records],
        num_variables=[item.num_variables for item in selected],
        relations=[item.relation for item in selected],
        parse_failed=[r["parse_failed"] for r in records],
        request_failed=[r["error"] is not None for r in records],
        clusters=[item.premise for item in selected],  # premise-level bootstrap
        n_boot=n_boot,
        seed=seed,
    )
    settings = getattr(engine, "settings", None)
    metrics["answers"] = answer_summary(records)
    metrics["usage"] = usage_summary(
        records,
        price_in=getattr(settings, "price_in", None),
        price_out=getattr(settings, "price_out", None),
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
        truncated=metrics["answers"]["truncated"],
        retries=counters.retries,
    )
    metrics["run"] = {
        "backend": engine.spec,
        "prompt": template.id if template is not None else None,
        "strategy": template.strategy if template is not None else None,
        "samples": samples,
        "n_items": len(selected),
        "queried": queried,
        "retries": counters.retries,
        "from_cache": from_cache,
        "wall_s": round(wall, 3),
        "bootstrap": {"n_boot": n_boot, "seed": seed, "level": 0.95, "unit": "premise"},
        **{k: v for k, v in info.items() if k in ("data", "data_sha256", "label", "split")},
    }
    write_json(out / "metrics.json", metrics)
    write_json(out / "run.json", manifest)
    return metrics
