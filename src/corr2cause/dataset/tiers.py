"""Named, versioned generation presets ("tiers") that a paper can cite.

``hard`` (version ``hard-v2``)
    Large graphs, every label exact, balanced labels: ``N`` in 7, 10, 15, 20, 25, 30; DAGs
    from the edge-density sampler (``p = 0.1``, sparse enough for large equivalence classes),
    classes deduplicated up to isomorphism and **stratified by class size** (bins 1, 2-9,
    10-99, 100-999, >= 1000 members; 100 classes per bin, at most 20,000 draws per ``N``;
    short bins stay short and the manifest records their counts); minimal premises; 3-class
    labels exact from the CPDAG, fractions exact up to 1,000 members and estimated (with a
    Wilson interval) beyond; then the **balanced selection** of
    :mod:`corr2cause.dataset.balance` per ``N``: every relation has as many valid as invalid
    items, every relation as many items as every other, within each class-size bin too; all
    classes in the ``test`` split (an evaluation tier). The manifest carries
    ``"tier": "hard-v2"`` and the selection (rule, seed, per ``N`` and bin the capacities and
    the items kept); a changed preset gets a new version.

    ``hard-v1`` (20 classes per bin, every item kept, the paper's split rule) is superseded.

Examples
--------
>>> cfg = tier_config("hard")
>>> cfg.nodes, cfg.premise_style, cfg.per_stratum, cfg.balance, cfg.split
([7, 10, 15, 20, 25, 30], 'minimal', 100, True, 'test')
"""

from __future__ import annotations

from typing import Any

from corr2cause.dataset.sharded import TIERS, ShardedConfig, UnknownTierError

__all__ = ["TIERS", "UnknownTierError", "tier_config"]


def tier_config(name: str, **overrides: Any) -> ShardedConfig:
    """The :class:`~corr2cause.dataset.sharded.ShardedConfig` of tier ``name``.

    ``overrides`` set fields the tier leaves free (``seed``, ``variants``, ``formats``,
    ``shard_size``) or, for small trial runs, change preset fields; a run whose preset fields
    differ from the tier's records its tier as ``"hard-v2+modified"`` in the manifest (the
    arguments say what changed). The presets themselves are
    :data:`corr2cause.dataset.sharded.TIERS`.
    """
    if name not in TIERS:
        raise UnknownTierError(f"unknown tier {name!r}; choose from {', '.join(TIERS)}")
    fields = {k: v for k, v in TIERS[name].items() if k != "version"}
    return ShardedConfig(**(fields | overrides), tier=name)
