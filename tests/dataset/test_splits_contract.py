"""``dataset.splits`` contracts with hand-computed sizes (SPEC section 6), fast and cache-free.

The rule restated on item counts ``k`` of one N: ``k < 500``: test = ``k // 2``, dev = the
rest, no train; otherwise test = dev = ``min(500, k // 10)`` and train the rest. Classes are
cut whole, greedily, while a class brings the split *strictly* closer to its target. Every
expected value below is worked out by hand from that rule.
"""

from __future__ import annotations

from collections import Counter

import pytest

from corr2cause.dataset.splits import SPLITS, assign_splits, split_targets


@pytest.mark.parametrize(
    ("total", "expected"),
    [
        (0, (0, -1)),
        (1, (0, -1)),
        (12, (6, -1)),  # N = 2: 12 items
        (90, (45, -1)),  # N = 3
        (499, (249, -1)),
        (500, (50, 50)),  # the boundary: 500 items get a train split
        (720, (72, 72)),  # N = 4
        (4_999, (499, 499)),
        (5_000, (500, 500)),
        (5_009, (500, 500)),
        (8_520, (500, 500)),  # N = 5
        (198_090, (500, 500)),  # N = 6
    ],
)
def test_split_targets_by_hand(total: int, expected: tuple[int, int]) -> None:
    assert split_targets(total) == expected


def _sizes(assignment: list[str], class_sizes: list[int]) -> tuple[int, int, int]:
    counts: Counter[str] = Counter()
    for split, size in zip(assignment, class_sizes, strict=True):
        counts[split] += size
    assert set(counts) <= set(SPLITS)
    return counts["test"], counts["dev"], counts["train"]


@pytest.mark.parametrize(
    ("class_sizes", "expected"),
    [
        # one-item classes: every target is met exactly
        ([1] * 10, (5, 5, 0)),
        ([1] * 499, (249, 250, 0)),
        ([1] * 500, (50, 50, 400)),
        ([1] * 1_000, (100, 100, 800)),
        ([1] * 6_000, (500, 500, 5_000)),
        # a tie (|2 - 3| == |4 - 3|) stops the cut: test 2, dev the rest
        ([2, 2, 2], (2, 4, 0)),
        # 12-item classes (N = 2 in the official sizes): target 6, 0 (6 off) vs 12 (6 off)
        ([12], (0, 12, 0)),
        ([6, 6], (6, 6, 0)),
        # 36-item classes (N = 4), 20 of them: target 72 = two classes each, train the rest
        ([36] * 20, (72, 72, 576)),
        # 100-item classes, 10 000 items: target 500 = five classes each
        ([100] * 100, (500, 500, 9_000)),
        ([], (0, 0, 0)),
    ],
)
def test_assign_splits_sizes_by_hand(
    class_sizes: list[int], expected: tuple[int, int, int]
) -> None:
    for seed in (0, 7):
        out = assign_splits(class_sizes, seed=seed, n=4)
        assert len(out) == len(class_sizes)
        assert _sizes(out, class_sizes) == expected


def test_assignment_is_seeded_per_n() -> None:
    sizes = [1] * 40
    base = assign_splits(sizes, seed=0, n=4)
    assert base == assign_splits(sizes, seed=0, n=4)
    assert base != assign_splits(sizes, seed=1, n=4)
    assert base != assign_splits(sizes, seed=0, n=5)
    # the split of each class is a function of the shuffled order: the first 20 are test
    assert Counter(base) == {"test": 20, "dev": 20}
