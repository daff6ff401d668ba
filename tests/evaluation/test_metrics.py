"""Metrics equal scikit-learn's; bootstrap intervals are sane and reproducible."""

from __future__ import annotations

import json

import numpy as np
import pytest
from sklearn.metrics import (
    accuracy_score,
    confusion_matrix,
    f1_score,
    precision_score,
    recall_score,
)

from corr2cause.evaluation.metrics import bootstrap_intervals, compute_metrics, confusion_counts


def _pct(value: float) -> float | None:
    return None if np.isnan(value) else round(100 * float(value), 2)


def _sk(gold: np.ndarray, pred: np.ndarray) -> dict[str, float | None]:
    """scikit-learn's metrics with ``zero_division=nan``: 0/0 is undefined (None), not 0."""
    kw = {"zero_division": np.nan}
    return {
        "f1": _pct(f1_score(gold, pred, **kw)),
        "precision": _pct(precision_score(gold, pred, **kw)),
        "recall": _pct(recall_score(gold, pred, **kw)),
        "accuracy": _pct(accuracy_score(gold, pred)),
    }


@pytest.mark.parametrize("seed", range(12))
def test_metrics_equal_sklearn_on_random_predictions(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 3000))
    gold = (rng.random(n) < rng.uniform(0.05, 0.5)).astype(int)
    pred = (rng.random(n) < rng.uniform(0.0, 0.6)).astype(int)
    sizes = rng.integers(2, 7, n)
    relations = rng.choice(["parent", "child", "has_collider"], n)
    got = compute_metrics(gold, pred, num_variables=sizes, relations=relations, n_boot=50)
    assert {k: got[k] for k in ("f1", "precision", "recall", "accuracy")} == _sk(gold, pred)
    assert got["n"] == n
    assert got["confusion_matrix"] == confusion_matrix(gold, pred, labels=[0, 1]).tolist()
    for size in np.unique(sizes):
        mask = sizes == size
        block = got["by_num_variables"][str(size)]
        assert block["n"] == int(mask.sum())
        assert {k: block[k] for k in ("f1", "precision", "recall", "accuracy")} == _sk(
            gold[mask], pred[mask]
        )
    for relation in np.unique(relations):
        mask = relations == relation
        block = got["by_relation"][str(relation)]
        assert {k: block[k] for k in ("f1", "precision", "recall", "accuracy")} == _sk(
            gold[mask], pred[mask]
        )


@pytest.mark.parametrize(
    ("gold", "pred"),
    [([0, 0, 0], [0, 0, 0]), ([1, 1], [0, 0]), ([0, 0], [1, 1]), ([1], [1]), ([], [])],
)
def test_degenerate_cases_match_sklearn(gold: list[int], pred: list[int]) -> None:
    got = compute_metrics(gold, pred, n_boot=20)
    if gold:
        assert {k: got[k] for k in ("f1", "precision", "recall", "accuracy")} == _sk(
            np.array(gold), np.array(pred)
        )
    else:
        assert got["n"] == 0 and got["f1"] is None and got["ci95"] == {}


def test_failure_counts_and_group_order() -> None:
    got = compute_metrics(
        [1, 0, 1, 0],
        [1, 0, 0, 0],
        num_variables=[10, 2, 3, 2],
        relations=["b", "a", "b", "a"],
        parse_failed=[False, True, False, False],
        request_failed=[False, False, True, False],
        n_boot=0,
    )
    assert (got["parse_failures"], got["request_failures"]) == (1, 1)
    assert list(got["by_num_variables"]) == ["2", "3", "10"]
    assert got["by_num_variables"]["2"]["parse_failures"] == 1
    assert got["ci95"] == {}


def test_bootstrap_intervals_bracket_the_estimate_and_are_seeded() -> None:
    counts = (80, 20, 15, 885)
    a = bootstrap_intervals(counts, n_boot=2000, seed=1)
    assert a == bootstrap_intervals(counts, n_boot=2000, seed=1)
    got = compute_metrics([1] * 95 + [0] * 905, [1] * 80 + [0] * 15 + [1] * 20 + [0] * 885)
    for name in ("f1", "precision", "recall", "accuracy"):
        low, high = a[name]
        assert low <= got[name] <= high
        assert high - low < 20


def test_bootstrap_seed_changes_the_draw() -> None:
    """Another seed gives another resample: a seed that is ignored would pass the test above."""
    counts = (40, 25, 30, 905)
    intervals = [bootstrap_intervals(counts, n_boot=300, seed=s) for s in range(6)]
    assert len({json.dumps(i, sort_keys=True) for i in intervals}) == 6
    assert bootstrap_intervals(counts, n_boot=300, seed=3) == intervals[3]
    assert bootstrap_intervals(counts, n_boot=0, seed=3) == {}
    assert bootstrap_intervals((0, 0, 0, 0), n_boot=300) == {}


def test_multinomial_bootstrap_matches_item_resampling() -> None:
    """The count-level bootstrap has the same spread as resampling items."""
    rng = np.random.default_rng(0)
    gold = (rng.random(400) < 0.2).astype(int)
    pred = np.where(rng.random(400) < 0.8, gold, 1 - gold)
    fast = bootstrap_intervals(confusion_counts(gold, pred), n_boot=4000, seed=0)["f1"]
    idx = rng.integers(0, 400, (4000, 400))  # resample items, vectorised
    g, p = gold[idx], pred[idx]
    tp = ((g == 1) & (p == 1)).sum(1)
    wrong = (g != p).sum(1)
    slow = np.quantile(100 * 2 * tp / (2 * tp + wrong), [0.025, 0.975])
    assert abs(fast[0] - slow[0]) < 1.5 and abs(fast[1] - slow[1]) < 1.5


def test_confusion_counts_validate() -> None:
    with pytest.raises(ValueError, match="shape"):
        confusion_counts([0, 1], [0])
    with pytest.raises(ValueError, match="0 or 1"):
        confusion_counts([0, 2], [0, 1])


def test_undefined_metrics_are_none_not_zero() -> None:
    got = compute_metrics([0, 0, 1], [0, 0, 0], relations=["a", "a", "b"], n_boot=100)
    assert got["precision"] is None and got["f1"] == 0.0 and got["recall"] == 0.0
    group = got["by_relation"]["a"]  # no valid item, none predicted valid
    assert group["f1"] is None and group["precision"] is None and group["recall"] is None
    assert group["accuracy"] == 100.0
    assert group["ci95"]["f1"] is None and group["ci95"]["accuracy"] == [100.0, 100.0]


def test_perfect_model_on_three_valid_items_has_a_degenerate_interval() -> None:
    """0/0 resamples are left out (and counted), not scored 0: the interval is [100, 100]."""
    gold = [1, 1, 1] + [0] * 97
    got = compute_metrics(gold, gold, n_boot=2000, seed=3)
    assert got["f1"] == 100.0 and got["ci95"]["f1"] == [100.0, 100.0]
    # P(no valid item among 100 draws) = 0.97**100 ~ 4.8 %: about 95 of 2000 resamples
    left_out = got["ci95_undefined_resamples"]["f1"]
    assert 50 < left_out < 150


def test_cluster_bootstrap_matches_explicit_cluster_resampling() -> None:
    """Resampling count types equals drawing whole premises with replacement, by brute force."""
    rng = np.random.default_rng(11)
    sizes = rng.integers(1, 30, 60)  # 60 premises with 1..29 items
    clusters = np.repeat(np.arange(60), sizes)
    hard = rng.random(60) < 0.3  # a misread premise gets most of its items wrong
    gold = (rng.random(clusters.size) < 0.2).astype(int)
    wrong = rng.random(clusters.size) < np.where(hard[clusters], 0.7, 0.05)
    pred = np.where(wrong, 1 - gold, gold)
    fast = compute_metrics(gold, pred, clusters=clusters.tolist(), n_boot=4000, seed=0)
    members = [np.flatnonzero(clusters == c) for c in range(60)]
    f1s = []
    for _ in range(4000):
        idx = np.concatenate([members[c] for c in rng.integers(0, 60, 60)])
        g, p = gold[idx], pred[idx]
        tp = int(((g == 1) & (p == 1)).sum())
        wrong_count = int((g != p).sum())
        if 2 * tp + wrong_count:
            f1s.append(100 * 2 * tp / (2 * tp + wrong_count))
    slow = np.quantile(f1s, [0.025, 0.975])
    low, high = fast["ci95"]["f1"]
    assert abs(low - slow[0]) < 2.0 and abs(high - slow[1]) < 2.0
    assert fast["bootstrap_unit"] == "cluster" and fast["clusters"] == 60
    # clustered errors: the premise-level interval is wider than the item-level one
    items = compute_metrics(gold, pred, n_boot=4000, seed=0)["ci95"]["f1"]
    assert high - low > 1.3 * (items[1] - items[0])


def test_singleton_clusters_equal_the_item_bootstrap() -> None:
    rng = np.random.default_rng(2)
    gold = (rng.random(300) < 0.3).astype(int)
    pred = np.where(rng.random(300) < 0.8, gold, 1 - gold)
    a = compute_metrics(gold, pred, clusters=list(range(300)), n_boot=500, seed=4)
    b = compute_metrics(gold, pred, n_boot=500, seed=4)
    assert a["ci95"] == b["ci95"]


def test_compute_metrics_bootstrap_uses_the_seed() -> None:
    gold = [1] * 30 + [0] * 70
    pred = [1] * 20 + [0] * 10 + [1] * 15 + [0] * 55
    a = compute_metrics(gold, pred, n_boot=200, seed=4)
    assert a["ci95"] == compute_metrics(gold, pred, n_boot=200, seed=4)["ci95"]
    assert a["ci95"] != compute_metrics(gold, pred, n_boot=200, seed=5)["ci95"]


def test_interval_bounds_have_two_decimals_and_reach_100() -> None:
    perfect = bootstrap_intervals((50, 0, 0, 50), n_boot=100, seed=0)
    assert all(bounds == [100.0, 100.0] for bounds in perfect.values())
    mixed = bootstrap_intervals((40, 25, 30, 905), n_boot=300, seed=1)
    values = [v for bounds in mixed.values() for v in bounds]
    assert all(abs(v * 100 - round(v * 100)) < 1e-6 for v in values)
    assert any(v != int(v) for bounds in mixed.values() for v in bounds[1:])


def test_groups_are_ordered_numerically() -> None:
    keys = [10, 2, 10, 3, 2, 10]
    got = compute_metrics([1, 0, 1, 0, 1, 0], [1, 0, 0, 0, 1, 1], num_variables=keys, n_boot=0)
    assert list(got["by_num_variables"]) == ["2", "3", "10"]
    assert got["by_num_variables"]["10"]["n"] == 3


def test_empty_and_degenerate_inputs_raise_no_warnings() -> None:
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = compute_metrics([0, 0], [0, 0], n_boot=50)
    # no valid item and none predicted: F1, precision and recall are 0/0, undefined (None)
    assert (got["f1"], got["precision"], got["recall"], got["accuracy"]) == (
        None,
        None,
        None,
        100.0,
    )


def test_bad_labels_are_named() -> None:
    with pytest.raises(ValueError, match=r"^labels must be 0 or 1$"):
        confusion_counts([0, 2], [0, 1])
