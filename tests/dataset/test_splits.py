"""Split sizes per N, written down independently of :func:`split_targets` (SPEC section 6).

SPEC section 6 gives the authors' rule restated on the released item counts: test/dev/train =
6/6/0, 45/45/0, 72/72/576, 500/500/7,520 and 500/500/197,090 for N = 2..6. Classes are cut
whole (6 * C(N, 2) items each, all classes of one N the same size), greedily while a class
brings the split strictly closer to its target; the exact sizes below follow by hand:

- N=3: 18-item classes, target 45: 36 (|−9|) and 54 (|+9|) tie, so the cut stops at 36 and
  dev takes the other 54;
- N=5: 60-item classes, target 500: 480 (−20) beats 540 (+40);
- N=6: 90-item classes, target 500: 540 (+40) beats 450 (−50).
"""

from __future__ import annotations

from collections import Counter

import pytest

from corr2cause.dataset.splits import assign_splits

CLASSES = {2: 2, 3: 5, 4: 20, 5: 142, 6: 2201}
"""MECs up to isomorphism (SPEC section 3)."""

SPEC_TARGETS = {
    2: (6, 6, 0),
    3: (45, 45, 0),
    4: (72, 72, 576),
    5: (500, 500, 7_520),
    6: (500, 500, 197_090),
}
"""(test, dev, train) of SPEC section 6."""

EXACT = {
    2: (6, 6, 0),
    3: (36, 54, 0),
    4: (72, 72, 576),
    5: (480, 480, 7_560),
    6: (540, 540, 197_010),
}
"""(test, dev, train) after cutting at class boundaries (module docstring)."""


def sizes(n: int) -> list[int]:
    return [6 * n * (n - 1) // 2] * CLASSES[n]


@pytest.mark.parametrize("n", sorted(CLASSES))
@pytest.mark.parametrize("seed", [0, 1, 12345])
def test_split_sizes_per_n(n, seed):
    per_class = sizes(n)
    counts = Counter()
    for split, size in zip(assign_splits(per_class, seed=seed, n=n), per_class, strict=True):
        counts[split] += size
    got = (counts["test"], counts["dev"], counts["train"])
    assert got == EXACT[n]
    for size, target in zip(got, SPEC_TARGETS[n], strict=True):
        assert abs(size - target) < per_class[0]  # within one class of SPEC's numbers
    assert sum(got) == sum(per_class)


def test_split_depends_on_the_seed_but_not_on_other_n():
    per_class = sizes(4)
    a = assign_splits(per_class, seed=0, n=4)
    assert a == assign_splits(list(per_class), seed=0, n=4)
    assert a != assign_splits(per_class, seed=1, n=4)
    assert a != assign_splits(per_class, seed=0, n=5)  # each N is shuffled independently
    assert Counter(a) == Counter(assign_splits(per_class, seed=1, n=4))
