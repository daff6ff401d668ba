"""Named, versioned generation presets ("tiers") that a paper can cite.

``hard`` (version ``hard-v1``)
    Large graphs, every label exact: ``N`` in 7, 10, 15, 20, 25, 30; DAGs from the
    edge-density sampler (``p = 0.1``, sparse enough for large equivalence classes), classes
    deduplicated up to isomorphism and **stratified by class size** (bins 1, 2-9, 10-99,
    100-999, >= 1000 members; 20 classes per bin, at most 20,000 draws per ``N``, short bins
    stay short and the manifest records their counts); minimal premises; 3-class labels exact
    from the CPDAG, fractions exact up to 1,000 members and estimated (with a Wilson interval)
    beyond. The manifest carries ``"tier": "hard-v1"``; a changed preset gets a new version.

Examples
--------
>>> cfg = tier_config("hard")
>>> cfg.nodes, cfg.premise_style, cfg.per_stratum
([7, 10, 15, 20, 25, 30], 'minimal', 20)
"""

from __future__ import annotations

from typing import Any

from corr2cause.dataset.sharded import TIERS, ShardedConfig, UnknownTierError

__all__ = ["TIERS", "UnknownTierError", "tier_config"]


def tier_config(name: str, **overrides: Any) -> ShardedConfig:
    """The :class:`~corr2cause.dataset.sharded.ShardedConfig` of tier ``name``.

    ``overrides`` set fields the tier leaves free (``seed``, ``variants``, ``formats``,
    ``shard_size``). The presets themselves are :data:`corr2cause.dataset.sharded.TIERS`.
    """
    if name not in TIERS:
        raise UnknownTierError(f"unknown tier {name!r}; choose from {', '.join(TIERS)}")
    fields = {k: v for k, v in TIERS[name].items() if k != "version"}
    return ShardedConfig(**fields, tier=name, **overrides)
