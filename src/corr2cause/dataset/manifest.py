"""The one manifest schema of generated datasets (``DIR/manifest.json``).

Both writers — the flat layout (:mod:`corr2cause.dataset.generate`, N <= 6) and the
normalized, sharded layout (:mod:`corr2cause.dataset.sharded`, N >= 7 and sampled N) — write a
manifest with these fields:

=====================  ========================================================================
field                  meaning
=====================  ========================================================================
``generator``          always ``"corr2cause"``
``version``            package version that wrote the data
``manifest_version``   this schema's version, :data:`MANIFEST_VERSION` (absent in version 1)
``layout``             ``"flat"`` or ``"normalized"`` (absent in flat version-1 manifests)
``arguments``          the generation arguments, enough to rerun the same command
``variants``           variant name -> description
``items``              items per variant: a count (flat) or a count per split (normalized)
``sha256``             relative file path -> SHA-256 of every data file
=====================  ========================================================================

Layout-specific fields follow: ``classes`` and ``counts`` (flat: classes per N; items, valid
items and classes per variant, N and split), ``nodes``, ``shards``,
``skipped_over_member_bound`` and ``labeled_from_cpdag`` (normalized). ``extra_columns``
(either layout) is present only when a column provider (:mod:`corr2cause.dataset.columns`,
e.g. ``generate --rationale``) added columns: column name -> the provider's settings.

:func:`load_manifest` opens any version and reports it as the current one, so old generated
folders stay readable.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from corr2cause import __version__
from corr2cause.errors import Corr2CauseError, quote

__all__ = [
    "MANIFEST_VERSION",
    "ManifestError",
    "item_totals",
    "load_manifest",
    "new_manifest",
]

MANIFEST_VERSION = 2
"""Version of the manifest schema written now (1: before the field existed)."""


class ManifestError(Corr2CauseError):
    """A ``manifest.json`` that is not a generated dataset's manifest."""


def new_manifest(layout: str, arguments: Mapping[str, Any], **fields: Any) -> dict[str, Any]:
    """The common head of a manifest, followed by the writer's own ``fields`` in order."""
    return {
        "generator": "corr2cause",
        "version": __version__,
        "manifest_version": MANIFEST_VERSION,
        "layout": layout,
        "arguments": dict(arguments),
        **fields,
    }


def load_manifest(path: str | Path) -> dict[str, Any]:
    """Read a manifest of any version; version-1 manifests get ``manifest_version`` and ``layout``.

    Raises
    ------
    ManifestError
        If the file is not UTF-8 JSON, not an object, or lacks ``arguments`` / ``items``.
    """
    path = Path(path)
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ManifestError(f"{path}: cannot read the manifest ({exc.strerror or exc})") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ManifestError(f"{path}: not a JSON manifest ({exc})") from None
    if not isinstance(manifest, dict):
        raise ManifestError(
            f"{path}: a manifest must be a JSON object, not {type(manifest).__name__}"
        )
    missing = [k for k in ("arguments", "items") if not isinstance(manifest.get(k), dict)]
    if missing:
        raise ManifestError(f"{path}: not a corr2cause manifest (no {', '.join(missing)})")
    version = manifest.get("manifest_version", 1)
    if not isinstance(version, int) or version > MANIFEST_VERSION:
        raise ManifestError(
            f"{path}: manifest version {quote(version)} is newer than this corr2cause "
            f"({MANIFEST_VERSION}); upgrade the package"
        )
    manifest.setdefault("manifest_version", 1)
    manifest.setdefault("layout", "flat")
    return manifest


def item_totals(manifest: Mapping[str, Any]) -> dict[str, int]:
    """Items per variant over every split, for either layout's ``items`` field.

    Examples
    --------
    >>> item_totals({"items": {"original": 102}})
    {'original': 102}
    >>> item_totals({"items": {"original": {"train": 0, "dev": 51, "test": 51, "valid": 9}}})
    {'original': 102}
    """
    out: dict[str, int] = {}
    for variant, count in manifest["items"].items():
        if isinstance(count, dict):  # per split; "valid" counts a subset, not more items
            out[variant] = int(sum(v for k, v in count.items() if k in ("train", "dev", "test")))
        else:
            out[variant] = int(count)
    return out
