"""Find Corr2Cause items wherever they live: one loader behind every integration.

The inspect-ai task and the lm-eval tasks accept the same ``data`` argument, resolved by
:func:`load_items` into :class:`~corr2cause.dataset.readers.EvalItem` objects:

a single file (``.csv``, ``.parquet``, ``.jsonl``)
    The official CSV (``input,label,num_variables,template``), or a rich table written by
    ``corr2cause generate``. ``split`` filters on the file's ``split`` column; without a
    ``split`` every row is used.
a generated folder (``corr2cause generate --out DIR``)
    ``DIR/{variant}/items.parquet`` (or ``items.jsonl``, or the official ``{split}.csv``).
    ``config`` picks the variant, by its own name or by the official config name.
a Hugging Face export (``corr2cause export-hf DIR --out HF_DIR``)
    The Parquet shards ``HF_DIR/data/{config}/{split}-*.parquet``, read with pyarrow alone
    (the ``datasets`` package is not needed).

For folders the split defaults to ``test``. Splits may be named either way: the generator's
``dev`` is the Hugging Face ``validation``.

Config names follow the official Hub release ``causalnlp/corr2cause``:

=================================== ==================
config                              generator variant
=================================== ==================
``default``                         ``original``
``perturbation_by_paraphrasing``    ``paraphrase``
``perturbation_by_refactorization`` ``refactor``
any other name                      the same name
=================================== ==================
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from corr2cause.dataset.readers import LABEL3_VALUES, EvalItem, read_items

__all__ = [
    "DATA_ENV_VAR",
    "LABEL_NAMES",
    "OFFICIAL_CONFIGS",
    "config_for_variant",
    "hf_split_name",
    "load_items",
    "resolve_data",
    "variant_for_config",
]

DATA_ENV_VAR = "CORR2CAUSE_DATA"
"""Environment variable read when no ``data`` argument is given."""

OFFICIAL_CONFIGS: dict[str, str] = {
    "default": "original",
    "perturbation_by_paraphrasing": "paraphrase",
    "perturbation_by_refactorization": "refactor",
}
"""Official Hub config name -> generator variant."""

LABEL_NAMES: tuple[str, str] = ("invalid", "valid")
"""Names of the binary label values 0 and 1 (the ClassLabel of the Hugging Face export)."""

_GENERATOR_SPLITS = {"validation": "dev"}
_HF_SPLITS = {"dev": "validation"}


def variant_for_config(config: str) -> str:
    """The generator variant of a config name (official names are translated).

    Examples
    --------
    >>> variant_for_config("perturbation_by_refactorization")
    'refactor'
    >>> variant_for_config("relabel")
    'relabel'
    """
    return OFFICIAL_CONFIGS.get(config, config)


def config_for_variant(variant: str) -> str:
    """The config name a generator variant is published under.

    Examples
    --------
    >>> config_for_variant("original")
    'default'
    >>> config_for_variant("relabel")
    'relabel'
    """
    for config, name in OFFICIAL_CONFIGS.items():
        if name == variant:
            return config
    return variant


def hf_split_name(split: str) -> str:
    """The Hugging Face name of a split: ``dev`` becomes ``validation``, others are kept."""
    return _HF_SPLITS.get(split, split)


def _generator_split(split: str) -> str:
    return _GENERATOR_SPLITS.get(split, split)


def resolve_data(data: str | os.PathLike[str] | None) -> Path:
    """The data location to read: ``data``, else ``$CORR2CAUSE_DATA``.

    Raises
    ------
    ValueError
        If neither is set.
    FileNotFoundError
        If the location does not exist.
    """
    if data is None or str(data) == "":
        data = os.environ.get(DATA_ENV_VAR) or None
    if data is None:
        raise ValueError(
            "no Corr2Cause data given: pass a generated folder, a Hugging Face export or a "
            f"CSV/Parquet/JSONL file (or set {DATA_ENV_VAR})"
        )
    path = Path(data).expanduser()
    if not path.exists():
        raise FileNotFoundError(f"{path}: no such file or folder")
    return path


def load_items(
    data: str | os.PathLike[str] | None,
    *,
    config: str = "default",
    split: str | None = None,
) -> list[EvalItem]:
    """Read the items of one config and split from any supported location.

    Parameters
    ----------
    data : path-like or None
        A file, a generated folder, one variant folder of it, or a Hugging Face export
        (see the module docstring). ``None`` reads ``$CORR2CAUSE_DATA``.
    config : str
        Config (or variant) name; ignored for single files.
    split : str, optional
        ``train``, ``dev``/``validation`` or ``test``. Folders default to ``test``; for a
        single file ``None`` keeps every row.

    Returns
    -------
    list of EvalItem
        In file order.

    Raises
    ------
    ValueError
        When no data is given, or the config or split does not exist (the message lists
        what does).
    FileNotFoundError
        When the location does not exist.
    corr2cause.dataset.readers.DatasetFormatError
        On a malformed file.
    """
    path = resolve_data(data)
    if path.is_file():
        return read_items(path, split=None if split is None else _generator_split(split))
    split = split or "test"
    if (path / "data").is_dir() and (path / "README.md").is_file():
        return _read_hf_export(path, config, split)
    if any((path / name).is_file() for name in ("items.parquet", "items.jsonl")):
        return _read_variant_dir(path, split)
    variant = variant_for_config(config)
    vdir = path / variant
    if not vdir.is_dir():
        found = sorted(p.name for p in path.iterdir() if p.is_dir() and not p.name.startswith("."))
        listing = ", ".join(found) or "none"
        raise ValueError(f"{path}: no config {config!r} (folder {variant!r}); found: {listing}")
    return _read_variant_dir(vdir, split)


def _read_variant_dir(vdir: Path, split: str) -> list[EvalItem]:
    """Items of one split of a generated variant folder."""
    gen_split = _generator_split(split)
    for name in ("items.parquet", "items.jsonl"):
        if (vdir / name).is_file():
            items = read_items(vdir / name, split=gen_split)
            if not items:
                raise ValueError(f"{vdir / name}: split {split!r} is empty or does not exist")
            return items
    csv_path = vdir / f"{gen_split}.csv"
    if csv_path.is_file():
        return read_items(csv_path)
    raise ValueError(f"{vdir}: no items.parquet, items.jsonl or {gen_split}.csv")


def _read_hf_export(root: Path, config: str, split: str) -> list[EvalItem]:
    """Items of one config and split of a ``corr2cause export-hf`` folder."""
    import pyarrow.parquet as pq

    cdir = root / "data" / config
    if not cdir.is_dir():
        found = sorted(p.name for p in (root / "data").iterdir() if p.is_dir())
        raise ValueError(f"{root}: no config {config!r}; found: {', '.join(found) or 'none'}")
    hf_split = hf_split_name(split)
    shards = sorted(cdir.glob(f"{hf_split}-*.parquet"))
    if not shards:
        found = sorted({p.name.split("-", 1)[0] for p in cdir.glob("*.parquet")})
        raise ValueError(f"{cdir}: no split {hf_split!r}; found: {', '.join(found) or 'none'}")
    items: list[EvalItem] = []
    for shard in shards:
        table = pq.read_table(shard)
        label3_names = _class_names(table.schema, "label3") or LABEL3_VALUES
        for row in table.to_pylist():
            label3 = row.get("label3")
            items.append(
                EvalItem(
                    id=row["id"],
                    premise=row["premise"],
                    hypothesis=row["hypothesis"],
                    input=row["input"],
                    label=int(row["label"]),
                    num_variables=int(row["num_variables"]),
                    relation=row["relation"],
                    label3=None if label3 is None else label3_names[int(label3)],
                    variant=row.get("variant"),
                    template=row.get("template"),
                )
            )
    return items


def _class_names(schema: object, column: str) -> tuple[str, ...] | None:
    """ClassLabel names of ``column`` recorded in a Parquet schema's ``huggingface`` metadata."""
    metadata = getattr(schema, "metadata", None) or {}
    raw = metadata.get(b"huggingface")
    if raw is None:
        return None
    feature = json.loads(raw).get("info", {}).get("features", {}).get(column, {})
    names = feature.get("names")
    return tuple(names) if names else None
