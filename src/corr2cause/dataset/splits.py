"""Train / dev / test splits by class, following the authors' rule (SPEC section 6).

Splits are made per number of variables ``N`` and **by class**: all items of a premise go to the
same split, so no premise is seen in two splits. Classes are shuffled with a seeded generator
and cut greedily at class boundaries. With ``k`` items for ``N``:

- ``k < 500``: ``test = k // 2``, ``dev`` = the rest, no train;
- otherwise: ``test = dev = min(500, k // 10)``, ``train`` = the rest.

A class is added to the split being filled while doing so brings the split's size strictly
closer to its target, so sizes differ from the targets by less than one class's items.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

SPLITS: tuple[str, str, str] = ("train", "dev", "test")


def split_targets(total_items: int) -> tuple[int, int]:
    """Target item counts ``(test, dev)`` for ``total_items`` items; dev ``-1`` means the rest."""
    if total_items < 500:
        return total_items // 2, -1
    t = min(500, total_items // 10)
    return t, t


def assign_splits(class_sizes: Sequence[int], *, seed: int, n: int) -> list[str]:
    """Assign each class of one ``N`` to a split.

    Parameters
    ----------
    class_sizes : sequence of int
        Items per class, in class order.
    seed : int
        Seed of the shuffle (combined with ``n``, so each ``N`` is shuffled independently).
    n : int
        Number of variables, mixed into the seed.

    Returns
    -------
    list of str
        ``"train"``, ``"dev"`` or ``"test"`` for each class, in class order.
    """
    total = int(sum(class_sizes))
    test_target, dev_target = split_targets(total)
    order = np.random.default_rng([seed, n, 0x5B117]).permutation(len(class_sizes))
    out = ["train"] * len(class_sizes)
    pos = 0

    def fill(name: str, target: int) -> None:
        nonlocal pos
        size = 0
        while pos < len(order):
            c = int(order[pos])
            grown = size + class_sizes[c]
            if abs(grown - target) >= abs(size - target):
                break
            out[c] = name
            size = grown
            pos += 1

    fill("test", test_target)
    if dev_target < 0:
        for c in order[pos:]:
            out[int(c)] = "dev"
    else:
        fill("dev", dev_target)
    return out
