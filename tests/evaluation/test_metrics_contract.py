"""The metrics' promises, each checked against a computation that does not use the module.

Point metrics are compared with scikit-learn (``zero_division=nan``: 0/0 is undefined) and with
fractions written by hand; bootstrap intervals with the metric formulas applied by hand to the
resampled totals of :func:`corr2cause.evaluation.statistics.bootstrap_totals` (the resampling
primitive, tested in ``test_statistics.py``), cut with :func:`numpy.quantile`.
"""

from __future__ import annotations

import math
import warnings
from fractions import Fraction
from typing import Any

import numpy as np
import pytest
from sklearn.metrics import confusion_matrix, f1_score, precision_score, recall_score

from corr2cause.evaluation.metrics import (
    METRIC_NAMES,
    bootstrap_details,
    bootstrap_intervals,
    compute_metrics,
    confusion_counts,
    scores,
    valid_class_metrics,
)
from corr2cause.evaluation.statistics import bootstrap_totals


def _fractions(tp: int, fp: int, fn: int, tn: int) -> dict[str, Fraction | None]:
    """The four metrics as exact fractions, ``None`` for 0/0 (SPEC section 7)."""

    def ratio(num: int, den: int) -> Fraction | None:
        return Fraction(num, den) if den else None

    return {
        "f1": ratio(2 * tp, 2 * tp + fp + fn),
        "precision": ratio(tp, tp + fp),
        "recall": ratio(tp, tp + fn),
        "accuracy": ratio(tp + tn, tp + fp + fn + tn),
    }


def _by_hand_interval(
    rows: np.ndarray, *, n_boot: int, seed: int, level: float
) -> dict[str, dict[str, Any]]:
    """Percentile intervals (×100, two decimals) of one row per cluster, formulas by hand."""
    totals = bootstrap_totals(rows, n_boot=n_boot, seed=seed)
    point = _fractions(*(int(v) for v in rows.sum(axis=0)))
    out: dict[str, dict[str, Any]] = {}
    for name in METRIC_NAMES:
        values = [_fractions(*(int(v) for v in row))[name] for row in totals]
        defined = np.array([float(v) for v in values if v is not None])
        undefined = n_boot - defined.size
        if point[name] is None or defined.size == 0:
            out[name] = {"ci": None, "undefined_resamples": undefined}
        else:
            low, high = np.quantile(defined, [(1 - level) / 2, 1 - (1 - level) / 2])
            out[name] = {
                "ci": [round(100 * float(low), 2), round(100 * float(high), 2)],
                "undefined_resamples": undefined,
            }
    return out


# -- confusion counts --------------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(4))
def test_confusion_counts_equal_sklearn(seed: int) -> None:
    rng = np.random.default_rng(seed)
    gold = rng.integers(0, 2, 37)
    pred = rng.integers(0, 2, 37)
    (tn, fp), (fn, tp) = confusion_matrix(gold, pred, labels=[0, 1]).tolist()
    assert confusion_counts(gold, pred) == (tp, fp, fn, tn)
    assert confusion_counts(gold.tolist(), pred.astype(bool).tolist()) == (tp, fp, fn, tn)


def test_confusion_counts_by_hand() -> None:
    assert confusion_counts([1, 1, 0, 0, 1], [1, 0, 1, 0, 1]) == (2, 1, 1, 1)
    assert confusion_counts([], []) == (0, 0, 0, 0)
    assert confusion_counts([0], [0]) == (0, 0, 0, 1)
    assert all(type(v) is int for v in confusion_counts([1, 0], [1, 1]))


@pytest.mark.parametrize(
    ("gold", "pred", "message"),
    [
        ([0, 1], [0], r"^gold and pred differ in shape: \(2,\) vs \(1,\)$"),
        ([[0, 1]], [[0, 1]], r"^gold and pred differ in shape: \(1, 2\) vs \(1, 2\)$"),
        ([0, -1], [0, 1], r"^labels must be 0 or 1$"),
        ([0, 2], [0, 1], r"^labels must be 0 or 1$"),
        ([0, 1], [-1, 1], r"^labels must be 0 or 1$"),
        ([0, 1], [0, 2], r"^labels must be 0 or 1$"),
    ],
)
def test_confusion_counts_refuse(gold: Any, pred: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        confusion_counts(gold, pred)


# -- point metrics -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "counts",
    [
        (1, 2, 3, 4),
        (8, 2, 4, 86),
        (0, 1, 0, 0),
        (0, 0, 1, 0),
        (1, 0, 0, 0),
        (0, 0, 0, 1),
        (0, 0, 0, 0),
        (0, 3, 0, 7),
        (0, 0, 5, 5),
        (7, 0, 0, 0),
        (2, 1, 0, 0),
        (1, 1, 1, 0),
    ],
)
def test_valid_class_metrics_and_scores_by_hand(counts: tuple[int, int, int, int]) -> None:
    exact = _fractions(*counts)
    got = valid_class_metrics(counts)
    assert list(got) == list(METRIC_NAMES) == ["f1", "precision", "recall", "accuracy"]
    for name in METRIC_NAMES:
        value = exact[name]
        if value is None:
            assert got[name] is None and scores(counts)[name] is None
        else:
            assert got[name] == pytest.approx(float(value), abs=1e-15)
            assert scores(counts)[name] == round(100 * float(value), 2)


@pytest.mark.parametrize("seed", range(6))
def test_point_metrics_equal_sklearn(seed: int) -> None:
    rng = np.random.default_rng(100 + seed)
    n = int(rng.integers(1, 12))  # small samples reach every 0/0 case
    gold = rng.integers(0, 2, n)
    pred = rng.integers(0, 2, n)
    kw: dict[str, Any] = {"zero_division": np.nan}
    expected = {
        "f1": f1_score(gold, pred, labels=[0, 1], **kw),
        "precision": precision_score(gold, pred, labels=[0, 1], **kw),
        "recall": recall_score(gold, pred, labels=[0, 1], **kw),
        "accuracy": float(np.mean(gold == pred)),
    }
    got = valid_class_metrics(confusion_counts(gold, pred))
    for name, value in expected.items():
        if math.isnan(value):
            assert got[name] is None
        else:
            assert got[name] == pytest.approx(value, abs=1e-12)


def test_scores_round_to_two_decimals() -> None:
    # 2/3 -> 66.67, 1/3 -> 33.33, 2 * 1 / (2 + 1 + 0) = 2/3, accuracy 1/3 + ... by hand
    assert scores((1, 0, 2, 0)) == {
        "f1": 50.0,
        "precision": 100.0,
        "recall": 33.33,
        "accuracy": 33.33,
    }
    assert scores((2, 1, 0, 0)) == {
        "f1": 80.0,
        "precision": 66.67,
        "recall": 100.0,
        "accuracy": 66.67,
    }
    assert scores((1, 6, 0, 0)) == {
        "f1": 25.0,
        "precision": 14.29,
        "recall": 100.0,
        "accuracy": 14.29,
    }


@pytest.mark.parametrize("counts", [(1, 2, 3), (1, 2, 3, 4, 5), ()])
def test_valid_class_metrics_need_four_counts(counts: tuple[int, ...]) -> None:
    with pytest.raises(ValueError, match=r"^counts must be \(tp, fp, fn, tn\)$"):
        valid_class_metrics(counts)


# -- bootstrap -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("counts", "seed", "level"),
    [
        ((8, 2, 4, 6), 0, 0.95),
        ((8, 2, 4, 6), 1, 0.95),
        ((8, 2, 4, 6), 1, 0.5),
        ((3, 0, 1, 2), 7, 0.9),
        ((1, 1, 0, 0), 3, 0.95),  # recall is 0/0 in some resamples
        ((0, 2, 0, 3), 2, 0.95),  # recall undefined on the run: no interval
    ],
)
def test_item_bootstrap_by_hand(counts: tuple[int, int, int, int], seed: int, level: float) -> None:
    # the item bootstrap is the cluster bootstrap with every item a cluster of its own
    items = np.repeat(np.eye(4, dtype=np.int64), counts, axis=0)
    expected = _by_hand_interval(items, n_boot=300, seed=seed, level=level)
    got = bootstrap_details(counts, n_boot=300, seed=seed, level=level)
    assert got == expected
    assert bootstrap_intervals(counts, n_boot=300, seed=seed, level=level) == {
        name: d["ci"] for name, d in expected.items()
    }


@pytest.mark.parametrize(("seed", "level"), [(0, 0.95), (5, 0.8)])
def test_cluster_bootstrap_by_hand(seed: int, level: float) -> None:
    rows = np.array([[3, 0, 1, 5], [0, 2, 0, 4], [1, 1, 1, 1], [0, 0, 0, 6], [2, 0, 0, 0]])
    expected = _by_hand_interval(rows, n_boot=250, seed=seed, level=level)
    assert bootstrap_details(rows, n_boot=250, seed=seed, level=level) == expected
    assert bootstrap_details(rows.tolist(), n_boot=250, seed=seed, level=level) == expected


def test_bootstrap_defaults() -> None:
    # 1000 resamples at seed 0 and level 0.95; a run of 1000 items has enough distinct F1
    # values that one resample more or another seed moves the interval
    counts = (40, 25, 30, 905)
    items = np.repeat(np.eye(4, dtype=np.int64), counts, axis=0)
    expected = _by_hand_interval(items, n_boot=1000, seed=0, level=0.95)
    assert bootstrap_details(counts) == expected
    assert bootstrap_intervals(counts) == {k: v["ci"] for k, v in expected.items()}


def test_every_resample_undefined_is_counted() -> None:
    # no valid item and none predicted: F1, precision, recall are 0/0 in all 40 resamples
    got = bootstrap_details((0, 0, 0, 5), n_boot=40, seed=1)
    assert got == {
        "f1": {"ci": None, "undefined_resamples": 40},
        "precision": {"ci": None, "undefined_resamples": 40},
        "recall": {"ci": None, "undefined_resamples": 40},
        "accuracy": {"ci": [100.0, 100.0], "undefined_resamples": 0},
    }
    perfect = bootstrap_details((3, 0, 0, 0), n_boot=40, seed=1)
    assert perfect == {
        name: {"ci": [100.0, 100.0], "undefined_resamples": 0} for name in METRIC_NAMES
    }


def test_undefined_metrics_warn_nothing() -> None:
    # 0/0 is an expected outcome (None), not a numerical accident worth a RuntimeWarning
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert valid_class_metrics((0, 0, 0, 0)) == dict.fromkeys(METRIC_NAMES)
        assert scores((0, 0, 0, 2))["f1"] is None
        assert bootstrap_details((0, 0, 0, 2), n_boot=5)["f1"]["ci"] is None


@pytest.mark.parametrize("counts", [(0, 0, 0, 0), [[0, 0, 0, 0], [0, 0, 0, 0]], np.zeros((0, 4))])
def test_no_items_no_intervals(counts: Any) -> None:
    assert bootstrap_details(counts, n_boot=50) == {}
    assert bootstrap_intervals(counts, n_boot=50) == {}


@pytest.mark.parametrize("n_boot", [0, -1])
def test_no_resamples_no_intervals(n_boot: int) -> None:
    assert bootstrap_details((3, 1, 1, 3), n_boot=n_boot) == {}


def test_one_resample_is_a_point_interval() -> None:
    got = bootstrap_details((3, 1, 1, 3), n_boot=1, seed=0)
    assert all(d["ci"][0] == d["ci"][1] for d in got.values() if d["ci"] is not None)
    assert len(got) == 4


@pytest.mark.parametrize(
    ("counts", "message"),
    [
        ((1, 2, 3), r"^counts must be \(tp, fp, fn, tn\)$"),
        ((1, 2, 3, 4, 5), r"^counts must be \(tp, fp, fn, tn\)$"),
        ([[1, 2, 3]], r"^cluster counts must have shape \(K, 4\)$"),
        (np.zeros((2, 4, 1)), r"^cluster counts must have shape \(K, 4\)$"),
    ],
)
def test_bootstrap_refuses_bad_shapes(counts: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        bootstrap_details(counts, n_boot=10)


# -- compute_metrics -------------------------------------------------------------------------

GOLD = [1, 1, 0, 0, 1, 0, 1, 0, 0, 1]
PRED = [1, 0, 1, 0, 1, 0, 0, 0, 1, 1]
SIZES = [3, 3, 10, 10, 2, 2, 3, 10, 2, 3]
RELATIONS = ["parent", "child", "parent", "child", "parent", "parent", "b", "b", "child", "b"]
PREMISES = ["p1", "p1", "p2", "p2", "p3", "p3", "p4", "p4", "p5", "p5"]


def _block_by_hand(idx: list[int], *, clustered: bool, n_boot: int, seed: int) -> dict[str, Any]:
    gold = [GOLD[i] for i in idx]
    pred = [PRED[i] for i in idx]
    tp = sum(g == 1 and p == 1 for g, p in zip(gold, pred, strict=True))
    fp = sum(g == 0 and p == 1 for g, p in zip(gold, pred, strict=True))
    fn = sum(g == 1 and p == 0 for g, p in zip(gold, pred, strict=True))
    tn = len(idx) - tp - fp - fn
    exact = _fractions(tp, fp, fn, tn)
    kinds = {(1, 1): 0, (0, 1): 1, (1, 0): 2, (0, 0): 3}
    if clustered:
        order: list[str] = []
        for i in idx:
            if PREMISES[i] not in order:
                order.append(PREMISES[i])
        rows = np.zeros((len(order), 4), np.int64)
        for i in idx:
            rows[order.index(PREMISES[i]), kinds[(GOLD[i], PRED[i])]] += 1
    else:
        rows = np.repeat(np.eye(4, dtype=np.int64), (tp, fp, fn, tn), axis=0)
    details = _by_hand_interval(rows, n_boot=n_boot, seed=seed, level=0.95) if n_boot else {}
    return {
        "n": len(idx),
        **{k: None if v is None else round(100 * float(v), 2) for k, v in exact.items()},
        "parse_failures": sum(i in (2, 6) for i in idx),
        "request_failures": sum(i in (6, 9) for i in idx),
        "gold_valid": tp + fn,
        "predicted_valid": tp + fp,
        "ci95": {k: v["ci"] for k, v in details.items()},
        "ci95_undefined_resamples": {
            k: v["undefined_resamples"] for k, v in details.items() if v["undefined_resamples"]
        },
        "clusters": rows.shape[0],
        "confusion_matrix": [[tn, fp], [fn, tp]],
    }


@pytest.mark.parametrize(
    ("clustered", "n_boot", "seed"), [(False, 200, 3), (True, 200, 4), (True, 0, 0)]
)
def test_compute_metrics_blocks_by_hand(clustered: bool, n_boot: int, seed: int) -> None:
    got = compute_metrics(
        GOLD,
        PRED,
        num_variables=SIZES,
        relations=RELATIONS,
        parse_failed=[i in (2, 6) for i in range(10)],
        request_failed=[i in (6, 9) for i in range(10)],
        clusters=PREMISES if clustered else None,
        n_boot=n_boot,
        seed=seed,
    )
    kw = {"clustered": clustered, "n_boot": n_boot, "seed": seed}
    expected = _block_by_hand(list(range(10)), **kw)
    expected["bootstrap_unit"] = "cluster" if clustered else "item"
    expected["by_num_variables"] = {
        str(size): _block_by_hand([i for i in range(10) if SIZES[i] == size], **kw)
        for size in (2, 3, 10)
    }
    expected["by_relation"] = {
        name: _block_by_hand([i for i in range(10) if RELATIONS[i] == name], **kw)
        for name in ("b", "child", "parent")
    }
    assert got == expected
    assert list(got["by_num_variables"]) == ["2", "3", "10"]
    assert list(got["by_relation"]) == ["b", "child", "parent"]


def test_groups_only_when_asked() -> None:
    got = compute_metrics(GOLD, PRED, n_boot=0)
    assert "by_num_variables" not in got and "by_relation" not in got
    assert got["ci95"] == {} and got["ci95_undefined_resamples"] == {}
    assert got["clusters"] == 10 and got["bootstrap_unit"] == "item"
    only = compute_metrics(GOLD, PRED, relations=RELATIONS, n_boot=0)
    assert "by_num_variables" not in only and list(only["by_relation"]) == ["b", "child", "parent"]


def test_integer_groups_come_first_in_numeric_order() -> None:
    # ints (numerically, NumPy integers with them), then the other keys alphabetically
    keys: list[Any] = [10, "x", 2, np.int64(3), "b", 2, "a", 10, 3, "x"]
    got = compute_metrics(GOLD, PRED, num_variables=np.array(keys, dtype=object), n_boot=0)
    groups = got["by_num_variables"]
    assert list(groups) == ["2", "3", "10", "a", "b", "x"]
    assert [groups[k]["n"] for k in groups] == [2, 2, 2, 1, 1, 2]
    # index 3 (np.int64(3)) and index 8 (3) are one group: gold 0, 0; pred 0, 1
    assert groups["3"]["confusion_matrix"] == [[1, 1], [0, 0]]
    # a group is named by its key's text, so text that spells a whole number sorts with them
    text = compute_metrics(GOLD[:3], PRED[:3], relations=["10", "9", "10"], n_boot=0)
    assert list(text["by_relation"]) == ["9", "10"]


def test_a_number_and_its_text_are_one_group() -> None:
    # one file read as numbers and one as text: 10 and "10" are reported under one name, so
    # they must be one block (before, the later block replaced the earlier one)
    keys: list[Any] = [10, "10", 2, "2", 10, "x", "10", 2, "-1", -1]
    got = compute_metrics(
        GOLD,
        PRED,
        num_variables=np.array(keys, dtype=object),
        parse_failed=[i in (2, 6) for i in range(10)],
        request_failed=[i in (6, 9) for i in range(10)],
        n_boot=0,
    )
    groups = got["by_num_variables"]
    assert list(groups) == ["-1", "2", "10", "x"]
    members = {"-1": [8, 9], "2": [2, 3, 7], "10": [0, 1, 4, 6], "x": [5]}
    for name, idx in members.items():
        assert groups[name] == _block_by_hand(idx, clustered=False, n_boot=0, seed=0), name
    assert sum(g["n"] for g in groups.values()) == len(GOLD)


def test_parse_and_request_failures_default_to_none() -> None:
    got = compute_metrics([1, 0], [0, 0], n_boot=0)
    assert (got["parse_failures"], got["request_failures"]) == (0, 0)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"clusters": ["a"]}, r"^clusters: 1 keys for 2 items$"),
        ({"num_variables": [2, 3, 4]}, r"^by_num_variables: 3 keys for 2 items$"),
        ({"relations": ["a"]}, r"^by_relation: 1 keys for 2 items$"),
    ],
)
def test_compute_metrics_refuses_mismatched_keys(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        compute_metrics([1, 0], [1, 1], n_boot=0, **kwargs)


def test_empty_run() -> None:
    got = compute_metrics([], [], relations=[], n_boot=100)
    assert got == {
        "n": 0,
        "f1": None,
        "precision": None,
        "recall": None,
        "accuracy": None,
        "parse_failures": 0,
        "request_failures": 0,
        "gold_valid": 0,
        "predicted_valid": 0,
        "ci95": {},
        "ci95_undefined_resamples": {},
        "clusters": 0,
        "confusion_matrix": [[0, 0], [0, 0]],
        "bootstrap_unit": "item",
        "by_relation": {},
    }


@pytest.mark.parametrize("bad", [[0.9, 1], [1.5, 0], [float("nan"), 1]])
def test_fractional_labels_are_refused_not_truncated(bad):
    with pytest.raises(ValueError, match="labels must be 0 or 1"):
        confusion_counts(bad, [1, 1])
    with pytest.raises(ValueError, match="labels must be 0 or 1"):
        compute_metrics(bad, [1, 1], n_boot=0)
    with pytest.raises(ValueError, match="labels must be 0 or 1"):
        compute_metrics([1, 1], bad, n_boot=0)


def test_whole_float_and_bool_labels_count_as_ints():
    assert confusion_counts([1.0, 0.0, 1.0], [True, False, False]) == (1, 0, 1, 1)


# -- survivors of the mutation run (tests/mutation, issue 17) ------------------------------------

GOLD6 = [1, 0, 1, 1, 0, 0]
PRED6 = [1, 1, 0, 1, 0, 0]  # tp 2, fp 1, fn 1, tn 2


def test_the_default_bootstrap_is_1000_resamples_with_seed_0() -> None:
    """The documented defaults: ``n_boot=1000, seed=0``."""
    gold, pred = [1, 0, 1, 1, 0, 0, 1, 0, 1, 1] * 4, [1, 1, 0, 1, 0, 0, 0, 0, 1, 0] * 4
    default = compute_metrics(gold, pred)
    assert default == compute_metrics(gold, pred, n_boot=1000, seed=0)
    # 40 items: the percentile ends move with the draws, so another seed or count shows
    assert default["ci95"] != compute_metrics(gold, pred, n_boot=1000, seed=1)["ci95"]
    assert default["ci95"] != compute_metrics(gold, pred, n_boot=1001, seed=0)["ci95"]


def test_failure_flags_may_be_0_and_1_and_labels_a_column() -> None:
    """Flags given as integers mean what the same booleans mean (not positions), and a
    column of labels (shape (n, 1), as a DataFrame column's values) is read as a flat one."""
    flags = compute_metrics(
        GOLD6, PRED6, parse_failed=[0, 1, 0, 0, 0, 0], request_failed=[0, 0, 0, 0, 1, 0]
    )
    bools = compute_metrics(
        GOLD6,
        PRED6,
        parse_failed=[False, True, False, False, False, False],
        request_failed=[False, False, False, False, True, False],
    )
    assert flags == bools
    assert (flags["parse_failures"], flags["request_failures"]) == (1, 1)
    column = compute_metrics([[g] for g in GOLD6], [[p] for p in PRED6])
    assert column == compute_metrics(GOLD6, PRED6)
    assert (
        column["n"] == 6
        and column["confusion_matrix"] == compute_metrics(GOLD6, PRED6)["confusion_matrix"]
    )


def test_one_cluster_still_has_an_interval_of_its_own_value() -> None:
    """A single row (one cluster) resamples to itself: every interval is the point value
    (tp 3, fp 1, fn 1, tn 5: precision = recall = F1 = 3/4, accuracy 8/10)."""
    details = bootstrap_details([[3, 1, 1, 5]], n_boot=50)
    assert {k: v["ci"] for k, v in details.items()} == {
        "f1": [75.0, 75.0],
        "precision": [75.0, 75.0],
        "recall": [75.0, 75.0],
        "accuracy": [80.0, 80.0],
    }
