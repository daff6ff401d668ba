"""What a Hugging Face export contains: its feature types and the summary of what was written.

The exporter (:mod:`corr2cause.integrations.hf_export`) writes Parquet shards with these
features and fills the summary; the dataset card (:mod:`corr2cause.integrations.hf_card`) is
rendered from the same two. Both import this module and neither imports the other's
internals, so the card can be rendered (and tested) from a summary alone.

``EXPORT_FEATURES`` is written as ``datasets.Features.to_dict()`` writes it: ``label`` is
``ClassLabel(names=["invalid", "valid"])`` with the official values (1 = valid), and
``label3`` is ``ClassLabel(names=["entailment", "neutral", "contradiction"])``.

Themed configs (``names-{theme}``) carry two more columns, :data:`OPTIONAL_FEATURES`
(``commonsense``, ``commonsense_conflict``), after the common ones: each config has its own
features (:func:`config_features`, :func:`export_schema`), as configs may on the Hub.

The public interface is :data:`EXPORT_FEATURES`, :data:`OPTIONAL_FEATURES`,
:data:`FEATURE_DESCRIPTIONS`, :data:`EXPORT_SCHEMA`, :func:`config_features`,
:func:`export_schema`, :class:`SplitSummary`, :class:`ConfigSummary` and
:class:`ExportResult`.

Examples
--------
>>> EXPORT_FEATURES["label"]
{'names': ['invalid', 'valid'], '_type': 'ClassLabel'}
>>> EXPORT_SCHEMA.field("label3").type
DataType(int64)
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa

from corr2cause.dataset.readers import LABEL3_VALUES
from corr2cause.integrations.sources import LABEL_NAMES

__all__ = [
    "EXPORT_FEATURES",
    "EXPORT_SCHEMA",
    "FEATURE_DESCRIPTIONS",
    "OPTIONAL_FEATURES",
    "ConfigSummary",
    "ExportResult",
    "SplitSummary",
    "config_features",
    "export_schema",
]


def _value(dtype: str) -> dict[str, Any]:
    return {"dtype": dtype, "_type": "Value"}


def _class_label(names: tuple[str, ...]) -> dict[str, Any]:
    return {"names": list(names), "_type": "ClassLabel"}


EXPORT_FEATURES: dict[str, dict[str, Any]] = {
    "id": _value("string"),
    "input": _value("string"),
    "label": _class_label(LABEL_NAMES),
    "num_variables": _value("int8"),
    "template": _value("string"),
    "premise": _value("string"),
    "hypothesis": _value("string"),
    "relation": _value("string"),
    "node_i": _value("string"),
    "node_j": _value("string"),
    "label3": _class_label(LABEL3_VALUES),
    "fraction": _value("float64"),
    "mec_id": _value("string"),
    "variant": _value("string"),
}
"""Exported columns in order, as ``datasets.Features.to_dict()`` writes them."""

OPTIONAL_FEATURES: dict[str, dict[str, Any]] = {
    "commonsense": _value("string"),
    "commonsense_conflict": _value("bool"),
    "source_id": _value("string"),
    "story_id": _value("string"),
    "context": _value("string"),
    "names": _value("string"),
    "verified": _value("bool"),
}
"""Columns exported after :data:`EXPORT_FEATURES` for the configs whose items have them: the
themed variants' (``names-{theme}``) ``commonsense`` columns, null where the pair of names
has no known link, and the story configs' columns (``corr2cause export-hf --stories``)."""

FEATURE_DESCRIPTIONS: dict[str, str] = {
    "id": "stable item id: `n{N}-m{class}/{X}-{Y}/{relation}`",
    "input": 'official model input: `"Premise: {premise}\\nHypothesis: {hypothesis}"`',
    "label": "1 = valid (the relation holds in every DAG of the class), 0 = invalid",
    "num_variables": "number of variables N of the premise",
    "template": "official template id (`parent`, `non-parent ancestor`, ...)",
    "premise": "the premise: correlations and every conditional independence",
    "hypothesis": "the hypothesis sentence",
    "relation": "relation the hypothesis states (same ids as `template`)",
    "node_i": "first variable of the pair, as named in the text",
    "node_j": "second variable of the pair, as named in the text",
    "label3": "3-class label: holds in all (entailment), some (neutral) or no (contradiction) "
    "member DAG",
    "fraction": "share of the class's member DAGs in which the relation holds",
    "mec_id": "Markov equivalence class (one premise per class)",
    "variant": "generator variant (`original`, `paraphrase`, `refactor`, `relabel`, "
    "`names-{theme}`)",
    "commonsense": "themed configs only: `agrees` / `contradicts` when the hypothesis claims the "
    "direction of the theme's known causal link between the pair, or the reverse; `unrelated` "
    "for a collider / confounder hypothesis on a linked pair; null without a known link",
    "commonsense_conflict": "themed configs only: true when answering from world knowledge "
    "alone is wrong (an anti-commonsense item), false when it is right, null otherwise",
    "source_id": "story configs only: the `id` of the letter item the story item rewrites "
    "(same label, same class)",
    "story_id": "story configs only: the story (one per premise), a hash of its premise",
    "context": "story configs only: the model's short real-world context paragraph (not "
    "part of `input`)",
    "names": 'story configs only: the story name of each letter, as JSON text (`{"A": '
    '"rain", ...}`)',
    "verified": "story configs only: true (the solver re-derived every label from the story text)",
}
"""One line per exported column, for the dataset card."""

_ARROW_TYPES = {
    "string": pa.string(),
    "int8": pa.int8(),
    "float64": pa.float64(),
    "bool": pa.bool_(),
}


def config_features(extra: tuple[str, ...] = ()) -> dict[str, dict[str, Any]]:
    """The features of a config: :data:`EXPORT_FEATURES`, then the ``extra`` optional ones.

    Examples
    --------
    >>> list(config_features(("commonsense",)))[-2:]
    ['variant', 'commonsense']
    """
    unknown = [name for name in extra if name not in OPTIONAL_FEATURES]
    if unknown:
        raise ValueError(f"no optional feature(s) {unknown}; known: {list(OPTIONAL_FEATURES)}")
    return {**EXPORT_FEATURES, **{name: OPTIONAL_FEATURES[name] for name in extra}}


def export_schema(extra: tuple[str, ...] = ()) -> pa.Schema:
    """Arrow schema of a config's shards, with the ``huggingface`` feature metadata."""
    features = config_features(extra)
    fields = []
    for name, feature in features.items():
        if feature["_type"] == "ClassLabel":
            fields.append(pa.field(name, pa.int64()))
        else:
            fields.append(pa.field(name, _ARROW_TYPES[feature["dtype"]]))
    metadata = {"huggingface": json.dumps({"info": {"features": features}})}
    return pa.schema(fields, metadata=metadata)


EXPORT_SCHEMA = export_schema()
"""Arrow schema of the shards of a config without optional columns."""


def _pair() -> list[int]:
    return [0, 0]


@dataclass
class SplitSummary:
    """What was written for one split of one config.

    Attributes
    ----------
    name : str
        Hugging Face split name (``train``, ``validation``, ``test``).
    rows, valid : int
        Items, and items labeled valid.
    num_bytes : int
        Size of the rows as Arrow data in memory (what ``datasets`` records as the split's
        ``num_bytes``).
    download_size : int
        Size of the Parquet shards on disk.
    files : list of str
        Shard paths relative to the export folder.
    by_num_variables : dict
        ``{N: [rows, valid]}``.
    later_cause, earlier_cause : list of int
        ``[rows, valid]`` of the directional items (``parent``, ``child``, ``non-parent
        ancestor``, ``non-child descendant``) whose hypothesis names the alphabetically later,
        respectively earlier, variable as the cause: the two sides of the alphabetical
        shortcut (SPEC section 8).
    """

    name: str
    rows: int = 0
    valid: int = 0
    num_bytes: int = 0
    download_size: int = 0
    files: list[str] = field(default_factory=list)
    by_num_variables: dict[int, list[int]] = field(default_factory=dict)
    later_cause: list[int] = field(default_factory=_pair)
    earlier_cause: list[int] = field(default_factory=_pair)


@dataclass
class ConfigSummary:
    """One exported config.

    Attributes
    ----------
    name : str
        Config name (``default``, ``perturbation_by_paraphrasing``, ...).
    variant : str
        Generator variant it was made from.
    description : str
        The generator's one-line description of the variant.
    splits : list of SplitSummary
        Non-empty splits in ``train, validation, test`` order.
    columns : tuple of str
        Optional columns (:data:`OPTIONAL_FEATURES`) the config carries after the common ones.
    kind : {"variant", "stories"}
        A generator variant, or a story set (``export-hf --stories``).
    """

    name: str
    variant: str
    description: str
    splits: list[SplitSummary]
    columns: tuple[str, ...] = ()
    kind: str = "variant"

    @property
    def features(self) -> dict[str, dict[str, Any]]:
        """The config's features, as ``datasets.Features.to_dict()`` writes them."""
        return config_features(self.columns)

    @property
    def rows(self) -> int:
        """Items over all splits."""
        return sum(s.rows for s in self.splits)


@dataclass
class ExportResult:
    """Summary of an export, also rendered into the dataset card.

    Attributes
    ----------
    out_dir : Path
        The export folder.
    configs : list of ConfigSummary
        ``default`` first, then the other official configs, then the rest.
    manifest : dict
        The generator's ``manifest.json``.
    example : dict, optional
        One exported row (column -> value, class labels as indices), shown in the card.
    example_file : str, optional
        The shard ``example`` is the first row of, relative to the export folder.
    """

    out_dir: Path
    configs: list[ConfigSummary]
    manifest: dict[str, Any]
    example: dict[str, Any] | None = None
    example_file: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-friendly summary: ``{config: {split: {rows, valid, files}}}``."""
        return {
            c.name: {s.name: {"rows": s.rows, "valid": s.valid, "files": s.files} for s in c.splits}
            for c in self.configs
        }
