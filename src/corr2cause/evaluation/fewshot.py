"""Few-shot exemplars: drawn with a seed, balanced by label, never from the evaluated items.

In-context examples change what a model answers more than most prompt wording does, so the
draw must be reproducible and fair (Brown et al. 2020; Zhao et al. 2021 on majority-label
bias). :func:`select_exemplars` therefore

* draws from a **pool** that shares no item (by id, nor by premise and hypothesis) with the
  items under evaluation, normally the train split of the same dataset;
* **balances** the labels: ``k // 2`` valid and ``k - k // 2`` invalid exemplars, although
  only about 15 % of Corr2Cause items are valid (a label-proportional draw would teach the
  majority answer);
* is **deterministic**: the pool is ordered by id before a seeded draw, so the same pool, ``k``
  and seed give the same exemplars in the same order on every machine.

References
----------
.. [1] Brown et al., "Language Models are Few-Shot Learners", NeurIPS 2020.
.. [2] Zhao et al., "Calibrate Before Use: Improving Few-Shot Performance of Language
   Models", ICML 2021.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from corr2cause.dataset.readers import DatasetFormatError, EvalItem
from corr2cause.dataset.store import read_items
from corr2cause.errors import Corr2CauseError

if TYPE_CHECKING:
    from corr2cause.evaluation.prompts import PromptTemplate

__all__ = ["FewShotError", "exemplars_for", "select_exemplars"]


class FewShotError(Corr2CauseError):
    """The pool cannot supply the exemplars asked for."""


def select_exemplars(
    pool: Iterable[EvalItem],
    *,
    k: int,
    seed: int = 0,
    exclude: Sequence[EvalItem] = (),
) -> list[EvalItem]:
    """Draw ``k`` exemplars from ``pool``, balanced by label, avoiding ``exclude``.

    Parameters
    ----------
    pool : iterable of EvalItem
        Candidate exemplars (the train split).
    k : int
        Number of exemplars.
    seed : int
        Seed of the draw.
    exclude : sequence of EvalItem
        The items under evaluation; no exemplar has the id, or the premise and hypothesis,
        of one of them.

    Returns
    -------
    list of EvalItem
        ``k`` items, ``k // 2`` of them valid, in a seeded order.

    Raises
    ------
    FewShotError
        When the pool (after exclusion) has too few items of a label.

    Examples
    --------
    >>> from corr2cause.dataset.readers import EvalItem
    >>> pool = [EvalItem(f"t{i}", f"P{i}.", "H.", f"P{i}. H.", int(i % 4 == 0), 2, "parent")
    ...         for i in range(20)]
    >>> shots = select_exemplars(pool, k=4, seed=1)
    >>> sorted(int(s.label) for s in shots)
    [0, 0, 1, 1]
    >>> shots == select_exemplars(list(reversed(pool)), k=4, seed=1)
    True
    """
    if k < 1:
        raise FewShotError("a few-shot prompt needs k >= 1 exemplars")
    banned_ids = {item.id for item in exclude}
    banned_text = {(item.premise, item.hypothesis) for item in exclude}
    candidates = sorted(
        (
            item
            for item in pool
            if item.id not in banned_ids and (item.premise, item.hypothesis) not in banned_text
        ),
        key=lambda item: item.id,
    )
    by_label = {1: [i for i in candidates if i.label], 0: [i for i in candidates if not i.label]}
    want = {1: k // 2, 0: k - k // 2}
    rng = random.Random(seed)
    chosen: list[EvalItem] = []
    for label in (1, 0):
        if len(by_label[label]) < want[label]:
            name = "valid" if label else "invalid"
            raise FewShotError(
                f"the few-shot pool has {len(by_label[label])} {name} item(s) outside the "
                f"evaluated items; {want[label]} needed for k={k}"
            )
        chosen.extend(rng.sample(by_label[label], want[label]))
    rng.shuffle(chosen)
    return chosen


def exemplars_for(
    template: PromptTemplate,
    pool: Sequence[EvalItem] | str | Path | None,
    *,
    evaluated: Sequence[EvalItem],
    split: str | None = None,
) -> list[EvalItem]:
    """The exemplars of a few-shot ``template`` (``[]`` for other templates).

    Parameters
    ----------
    template : PromptTemplate
        The prompt; its ``fewshot`` table gives ``k``, the seed and the pool's split.
    pool : sequence of EvalItem, str or Path, optional
        Candidate exemplars, or a data file whose ``fewshot.split`` split (``train``) is read.
    evaluated : sequence of EvalItem
        The items under evaluation (never used as exemplars).
    split : str, optional
        The split under evaluation; the same split as the pool's is refused.

    Raises
    ------
    FewShotError
        No pool, a pool from the evaluated split, a file without that split, or too few items.
    """
    shots = template.fewshot
    if shots is None:
        return []
    if split is not None and str(split) == shots.split:
        raise FewShotError(
            f"prompt {template.id} draws its exemplars from the {shots.split!r} split, which is "
            "the split under evaluation; evaluate another split or pass another pool"
        )
    if pool is None:
        raise FewShotError(
            f"prompt {template.id} needs a pool of exemplars: pass the train split "
            "(fewshot_pool, --fewshot-data FILE) or the data file"
        )
    if isinstance(pool, str | Path):
        try:
            pool = read_items(pool, split=shots.split)
        except (DatasetFormatError, FileNotFoundError) as exc:
            raise FewShotError(
                f"few-shot exemplars come from the {shots.split!r} split of {pool}: {exc}; "
                "pass another pool (--fewshot-data FILE)"
            ) from None
    return select_exemplars(pool, k=shots.k, seed=shots.seed, exclude=evaluated)
