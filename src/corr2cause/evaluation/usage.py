"""What a run cost and how its answers read: tokens, latency, cost, parse failures, truncation.

Reasoning models change what an evaluation must report besides F1: how many tokens the
verdicts cost (reasoning included), how long they took, how often an answer could not be read
or was cut off before its verdict, and how many items failed outright. Failed items are not
wrong answers: :func:`answer_summary` also scores the answered items alone, so that a run
where the server failed a third of the requests is not mistaken for a weak model.

Both functions read the per-item records the runner writes to ``predictions.jsonl`` and
return the ``usage`` and ``answers`` sections of ``metrics.json``.
"""

from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence
from typing import Any

from corr2cause.evaluation.metrics import confusion_counts, scores

__all__ = ["answer_summary", "usage_summary"]


def _total(values: Sequence[int | float | None]) -> int | float | None:
    known = [v for v in values if v is not None]
    return sum(known) if known else None


def _mean(total: float | None, count: int) -> float | None:
    return round(total / count, 3) if total is not None and count else None


def usage_summary(
    records: Sequence[Mapping[str, Any]],
    *,
    price_in: float | None = None,
    price_out: float | None = None,
) -> dict[str, Any]:
    """Token, latency and cost totals of a run.

    Parameters
    ----------
    records : sequence of dict
        Per-item records (``prompt_tokens``, ``completion_tokens``, ``reasoning_tokens``,
        ``latency_s``, ``cached``).
    price_in, price_out : float, optional
        USD per million prompt / completion tokens; with both, ``cost_usd`` is estimated
        (reasoning tokens are billed as completion tokens).

    Returns
    -------
    dict
        ``tokens`` (totals and per-item means of prompt, completion and reasoning tokens;
        ``None`` where the backend reported none), ``latency_s`` (mean, median, p90, max of
        the items answered in this run, cached ones excluded) and ``cost_usd``.

    Examples
    --------
    >>> rows = [{"prompt_tokens": 10, "completion_tokens": 30, "reasoning_tokens": 20,
    ...          "latency_s": 1.0, "cached": False}] * 2
    >>> usage_summary(rows, price_in=1.0, price_out=2.0)["tokens"]["completion"]
    {'total': 60, 'per_item': 30.0}
    """
    n = len(records)
    tokens: dict[str, Any] = {}
    totals: dict[str, Any] = {}
    for name in ("prompt", "completion", "reasoning"):
        total = _total([r.get(f"{name}_tokens") for r in records])
        totals[name] = total
        tokens[name] = {"total": total, "per_item": _mean(total, n)}
    latencies = sorted(
        float(r["latency_s"])
        for r in records
        if r.get("latency_s") is not None and not r.get("cached")
    )
    latency: dict[str, Any] = {"n": len(latencies)}
    if latencies:
        latency.update(
            mean=round(statistics.fmean(latencies), 4),
            median=round(statistics.median(latencies), 4),
            p90=round(latencies[min(len(latencies) - 1, int(0.9 * len(latencies)))], 4),
            max=round(latencies[-1], 4),
        )
    cost = None
    if price_in is not None and price_out is not None and totals["prompt"] is not None:
        cost = round(
            (totals["prompt"] * price_in + (totals["completion"] or 0) * price_out) / 1e6, 6
        )
    return {
        "tokens": tokens,
        "latency_s": latency,
        "cost_usd": cost,
        "prices_usd_per_mtok": {"input": price_in, "output": price_out},
    }


def answer_summary(records: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """How the answers read: parse failures, truncations, failed requests, answered-only F1.

    Parameters
    ----------
    records : sequence of dict
        Per-item records (``parsed``, ``truncated``, ``error``, ``gold``, ``pred``,
        ``reasoning``).

    Returns
    -------
    dict
        Counts and rates (×100) of ``parse_failures`` (no verdict, not truncated),
        ``truncated`` (cut off before the verdict), ``request_failures``, ``with_reasoning``;
        and ``answered_only``: the metrics on the items whose request succeeded (``None``
        when there is none).

    Examples
    --------
    >>> rows = [{"parsed": "yes", "truncated": False, "error": None, "gold": 1, "pred": 1},
    ...         {"parsed": None, "truncated": True, "error": None, "gold": 0, "pred": 0},
    ...         {"parsed": None, "truncated": False, "error": "timeout", "gold": 1, "pred": 0}]
    >>> summary = answer_summary(rows)
    >>> summary["truncated"], summary["request_failures"], summary["answered_only"]["f1"]
    (1, 1, 100.0)
    """
    n = len(records)
    failed = [r for r in records if r.get("error") is not None]
    answered = [r for r in records if r.get("error") is None]
    truncated = sum(1 for r in answered if r.get("truncated"))
    unparsed = sum(1 for r in answered if r.get("parsed") is None and not r.get("truncated"))
    reasoning = sum(1 for r in answered if r.get("reasoning"))

    def rate(count: int) -> float | None:
        return round(100 * count / n, 2) if n else None

    only = None
    if answered:
        counts = confusion_counts(
            [int(r["gold"]) for r in answered], [int(r["pred"]) for r in answered]
        )
        only = {"n": len(answered), **scores(counts)}
    return {
        "n": n,
        "parse_failures": unparsed,
        "parse_failure_rate": rate(unparsed),
        "truncated": truncated,
        "truncation_rate": rate(truncated),
        "request_failures": len(failed),
        "request_failure_rate": rate(len(failed)),
        "with_reasoning": reasoning,
        "answered_only": only,
    }
