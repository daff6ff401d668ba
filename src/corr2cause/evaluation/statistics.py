"""Resampling and tests for confusion-count metrics: cluster bootstrap, paired bootstrap, McNemar.

Why a cluster bootstrap
    Corr2Cause items are not independent: every item of a premise shares its causal graph,
    and an N = 6 premise carries about 90 hypotheses. A model that misreads one graph tends to
    get many of its hypotheses wrong together. Resampling *items* then treats 90 correlated
    answers as 90 independent ones and gives intervals that are too narrow. The *cluster*
    (here: premise-level) bootstrap resamples whole premises with replacement, keeping every
    item of a drawn premise, which is the standard remedy for clustered data (Davison &
    Hinkley 1997, section 3.8; Field & Welsh 2007). With one item per cluster it is the
    ordinary item bootstrap.

Why it is cheap
    Every metric here is a function of the summed confusion counts ``(tp, fp, fn, tn)``.
    A cluster enters the sum only through its own count vector, so clusters with the same
    vector are interchangeable. Drawing ``K`` clusters uniformly with replacement is the
    same as drawing how many of each distinct vector ("type") to take from
    ``Multinomial(K, type_share)``; the resampled totals are those draws times the type
    vectors. The cost is ``O(n_boot * types)``, and items carry only four types, so the
    item bootstrap costs ``O(n_boot)`` whatever the number of items.

Undefined values
    A metric can be 0/0 in a resample (no valid item and no valid prediction drawn, for F1).
    Those resamples are *not* counted as 0 (which would drag the interval of a perfect model
    on three valid items down to [0, 100]); they are left out, and how many were left out is
    reported beside the interval. A point estimate that is itself undefined has no interval.

Paired comparison
    Two runs on the same items are compared on the same resampled clusters (the paired
    bootstrap of the difference; Koehn 2004, Berg-Kirkpatrick et al. 2012), and with
    McNemar's test on the discordant items (McNemar 1947; exact binomial version, Fagerland
    et al. 2013). McNemar assumes independent items, so with clustered items prefer the
    paired cluster bootstrap interval; both are reported.

The public interface is :func:`cluster_counts`, :func:`bootstrap_totals`,
:func:`percentile_interval` and :func:`mcnemar`.

References
----------
.. [1] A. C. Davison and D. V. Hinkley, *Bootstrap Methods and their Application*,
   Cambridge University Press, 1997.
.. [2] C. A. Field and A. H. Welsh, "Bootstrapping clustered data", *JRSS B* 69(3), 2007.
.. [3] P. Koehn, "Statistical significance tests for machine translation evaluation",
   EMNLP 2004.
.. [4] Q. McNemar, "Note on the sampling error of the difference between correlated
   proportions or percentages", *Psychometrika* 12(2), 1947.
.. [5] M. W. Fagerland, S. Lydersen and P. Laake, "The McNemar test for binary matched-pairs
   data: mid-p and asymptotic are better than exact conditional", *BMC Med. Res. Methodol.*
   13:91, 2013.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Sequence
from fractions import Fraction
from typing import Any

import numpy as np
import numpy.typing as npt

__all__ = ["bootstrap_totals", "cluster_counts", "mcnemar", "percentile_interval"]

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]


def cluster_counts(
    rows: npt.ArrayLike,
    clusters: Sequence[Hashable] | npt.NDArray[np.integer[Any]] | None = None,
) -> IntArray:
    """Sum per-item count rows within each cluster.

    Parameters
    ----------
    rows : array_like of shape (n, k)
        One count vector per item (e.g. one-hot ``(tp, fp, fn, tn)``).
    clusters : sequence of hashable or integer array, optional
        Cluster key of each item (e.g. its premise). ``None``: every item is its own cluster.
        An integer NumPy array of codes is grouped without a Python loop.

    Returns
    -------
    numpy.ndarray of shape (K, k)
        One row per cluster, in order of first appearance.

    Examples
    --------
    >>> cluster_counts([[1, 0], [0, 1], [1, 0]], ["a", "b", "a"]).tolist()
    [[2, 0], [0, 1]]
    """
    data = np.asarray(rows, dtype=np.int64)
    if data.ndim != 2:
        raise ValueError("rows must be a 2-d array of counts")
    if clusters is None:
        return data
    if len(clusters) != data.shape[0]:
        raise ValueError(f"{len(clusters)} cluster keys for {data.shape[0]} items")
    if isinstance(clusters, np.ndarray) and clusters.dtype.kind in "iu":
        # integer codes: clusters in order of first appearance, without a Python loop
        uniq, first, inverse = np.unique(clusters, return_index=True, return_inverse=True)
        rank = np.empty(uniq.size, np.int64)
        rank[np.argsort(first, kind="stable")] = np.arange(uniq.size)
        codes, size = rank[inverse.reshape(-1)], int(uniq.size)
    else:
        index: dict[Hashable, int] = {}
        codes = np.fromiter(
            (index.setdefault(c, len(index)) for c in clusters), np.int64, len(clusters)
        )
        size = len(index)
    out = np.zeros((size, data.shape[1]), dtype=np.int64)
    np.add.at(out, codes, data)
    return out


def bootstrap_totals(
    counts: npt.ArrayLike,
    *,
    n_boot: int,
    seed: int,
    multiplicity: npt.ArrayLike | None = None,
) -> IntArray:
    """Resampled totals of cluster count vectors (the cluster bootstrap).

    Each of the ``n_boot`` resamples draws ``K`` clusters (``K`` = number of rows) uniformly
    with replacement and sums their rows.

    Parameters
    ----------
    counts : array_like of shape (K, k)
        One count vector per cluster (:func:`cluster_counts`).
    n_boot : int
        Number of resamples.
    seed : int
        Seed of the resampling.
    multiplicity : array_like of int, optional
        How many clusters each row stands for (rows are then distinct types; ``K`` is the
        sum). The item bootstrap passes the four one-hot rows with the confusion counts.

    Returns
    -------
    numpy.ndarray of shape (n_boot, k)

    Notes
    -----
    Identical rows are merged into types first and the number drawn of each type comes from
    one multinomial draw, which has exactly the distribution of summing ``K`` uniform draws.
    With more than 256 distinct rows the clusters are drawn one by one instead (the same
    distribution, cheaper there).
    """
    data = np.asarray(counts, dtype=np.int64)
    if data.ndim != 2 or data.shape[0] == 0:
        raise ValueError("need at least one cluster")
    rng = np.random.default_rng(seed)
    if multiplicity is None:
        types, freq = np.unique(data, axis=0, return_counts=True)
        if types.shape[0] > _MAX_TYPES:  # many distinct clusters: draw them directly
            return _direct_totals(data, n_boot=n_boot, rng=rng)
    else:
        freq = np.asarray(multiplicity, dtype=np.int64)
        keep = freq > 0
        types, freq = data[keep], freq[keep]
        order = np.lexsort(types.T[::-1])  # np.unique's row order: same draws either way
        types, freq = types[order], freq[order]
    draws = rng.multinomial(int(freq.sum()), freq / freq.sum(), size=n_boot)
    # float64 matmul (BLAS) is exact for counts below 2**53 and far faster than int64
    totals = draws.astype(np.float64) @ types.astype(np.float64)
    return np.rint(totals).astype(np.int64)


_MAX_TYPES = 256
"""Above this many distinct cluster vectors, clusters are drawn directly (cheaper)."""


def _direct_totals(data: IntArray, *, n_boot: int, rng: np.random.Generator) -> IntArray:
    """Totals of ``K`` clusters drawn uniformly with replacement, ``n_boot`` times."""
    k = data.shape[0]
    out = np.empty((n_boot, data.shape[1]), dtype=np.int64)
    values = data.astype(np.float64)
    step = max(1, 8_000_000 // k)
    for start in range(0, n_boot, step):
        rows = min(n_boot, start + step) - start
        idx = rng.integers(0, k, size=(rows, k)) + (np.arange(rows) * k)[:, None]
        times = np.bincount(idx.reshape(-1), minlength=rows * k).reshape(rows, k)
        out[start : start + rows] = np.rint(times.astype(np.float64) @ values).astype(np.int64)
    return out


def percentile_interval(
    values: npt.ArrayLike, *, level: float = 0.95
) -> tuple[list[float] | None, int]:
    """Percentile interval of the defined (non-NaN) resampled values.

    Parameters
    ----------
    values : array_like of float
        One value per resample; NaN marks a resample where the statistic is undefined.
    level : float
        Coverage, e.g. 0.95.

    Returns
    -------
    (interval, undefined)
        ``[low, high]`` (``None`` when no resample is defined) and the number of undefined
        resamples left out.

    Examples
    --------
    >>> percentile_interval([0.5, float("nan"), 0.5])
    ([0.5, 0.5], 1)
    """
    arr = np.asarray(values, dtype=np.float64)
    defined = arr[~np.isnan(arr)]
    undefined = int(arr.size - defined.size)
    if defined.size == 0:
        return None, undefined
    alpha = (1.0 - level) / 2.0
    lo, hi = np.quantile(defined, [alpha, 1.0 - alpha])
    return [float(lo), float(hi)], undefined


def _binom_two_sided(k: int, n: int) -> float:
    """Exact two-sided p-value of ``k`` successes in ``n`` fair coin flips (doubled tail)."""
    if n == 0:
        return 1.0
    low = min(k, n - k)
    tail = sum(math.comb(n, j) for j in range(low + 1))
    return min(1.0, float(Fraction(2 * tail, 2**n)))


def mcnemar(correct_a: Sequence[bool], correct_b: Sequence[bool]) -> dict[str, Any]:
    """McNemar's test of two classifiers' accuracy on the same items.

    Parameters
    ----------
    correct_a, correct_b : sequence of bool
        Per item, whether run A (B) answered it correctly; same items, same order.

    Returns
    -------
    dict
        ``n``, ``only_a`` (A right, B wrong), ``only_b`` (B right, A wrong), ``both``,
        ``neither``, ``p_exact`` (two-sided exact binomial test on the discordant items),
        ``chi2`` and ``p_chi2`` (with continuity correction; ``None`` without discordant
        items).

    Examples
    --------
    >>> r = mcnemar([True] * 10 + [False] * 2, [False] * 10 + [True] * 2)
    >>> r["only_a"], r["only_b"], round(r["p_exact"], 4)
    (10, 2, 0.0386)
    """
    a = np.asarray(correct_a, dtype=bool)
    b = np.asarray(correct_b, dtype=bool)
    if a.shape != b.shape or a.ndim != 1:
        raise ValueError(f"the two runs differ in shape: {a.shape} vs {b.shape}")
    only_a = int(np.sum(a & ~b))
    only_b = int(np.sum(~a & b))
    discordant = only_a + only_b
    out: dict[str, Any] = {
        "n": int(a.size),
        "only_a": only_a,
        "only_b": only_b,
        "both": int(np.sum(a & b)),
        "neither": int(np.sum(~a & ~b)),
        "p_exact": _binom_two_sided(only_a, discordant),
        "chi2": None,
        "p_chi2": None,
    }
    if discordant:
        chi2 = (abs(only_a - only_b) - 1) ** 2 / discordant
        out["chi2"] = chi2
        out["p_chi2"] = math.erfc(math.sqrt(chi2 / 2))  # chi-square survival with 1 dof
    return out
