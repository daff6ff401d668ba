"""Extra item columns written by ``generate`` in the same pass: the column-provider protocol.

The writers of :mod:`corr2cause.dataset.generate` (flat) and :mod:`corr2cause.dataset.sharded`
(normalized) write a fixed set of item columns. Some useful columns can only be computed by a
higher layer: the gold PC rationale of an item needs the solver, which the dataset layer must
not import (docs/architecture.md). A *column provider* closes that gap without breaking the
layering: the higher layer hands the writer an object that follows :class:`ItemColumns`, and
the writer calls it once per class, as it writes the class's rows. The new columns therefore
land in the same files, in the same atomic, deterministic, resumable pass as every other
column, for every variant (themes included) and both premise styles.

A provider

* names its columns and their Arrow types (``fields``): they are appended, in that order,
  after the writer's own columns of ``items.parquet`` / ``items.jsonl`` (the official CSV
  keeps its four columns);
* is a pure function of the rows it receives (``__call__``): the same rows give the same
  values, so output stays byte-identical given the arguments and the seed;
* describes itself for the manifest (``describe``): name, version and settings, recorded under
  ``extra_columns`` so that a reader knows which columns are present and how they were made;
* is picklable when the normalized layout runs it in worker processes.

Without a provider nothing changes: the writers' output is byte-identical to the output of a
version without this hook.

Examples
--------
A provider that adds the length of each hypothesis:

>>> import pyarrow as pa
>>> class HypothesisLength:
...     fields = (pa.field("hypothesis_chars", pa.int32()),)
...     def describe(self):
...         return {"hypothesis_chars": {"version": "1"}}
...     def __call__(self, rows):
...         return {"hypothesis_chars": [len(h) for h in rows["hypothesis"]]}
>>> provider = HypothesisLength()
>>> check_item_columns(provider, existing=("id", "hypothesis"))
>>> extra_values(provider, {"id": ["a", "b"], "hypothesis": ["A causes B.", "B causes A!"]})
{'hypothesis_chars': [11, 11]}
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol, runtime_checkable

import pyarrow as pa

from corr2cause.errors import Corr2CauseError, quote

__all__ = ["ItemColumns", "ItemColumnsError", "check_item_columns", "extra_values"]


class ItemColumnsError(Corr2CauseError):
    """A column provider that clashes with the writer's columns or returns malformed values."""


@runtime_checkable
class ItemColumns(Protocol):
    """Computes extra item columns for the rows of one class."""

    @property
    def fields(self) -> Sequence[pa.Field]:
        """The columns it adds, in order, with their Arrow types."""
        ...

    def describe(self) -> dict[str, Any]:
        """What the manifest records under ``extra_columns``: column name -> settings."""
        ...

    def __call__(self, rows: Mapping[str, Sequence[Any]]) -> Mapping[str, Sequence[Any]]:
        """The extra columns of one class's rows.

        ``rows`` maps every item column of the writer (``id``, ``premise``, ``hypothesis``,
        ``relation``, ``node_i``, ``node_j``, ``label``, ...) to one value per item of the
        class, in writing order. The result maps each name of ``fields`` to as many values.
        """
        ...


def check_item_columns(provider: ItemColumns, *, existing: Sequence[str]) -> None:
    """Raise :class:`ItemColumnsError` if ``provider``'s names are empty, repeated or taken."""
    names = [f.name for f in provider.fields]
    if not names:
        raise ItemColumnsError(f"the column provider {type(provider).__name__} adds no column")
    clash = sorted({n for n in names if n in existing or names.count(n) > 1})
    if clash:
        raise ItemColumnsError(
            f"the column provider {type(provider).__name__} adds column(s) "
            f"{', '.join(quote(c) for c in clash)} that already exist or repeat"
        )


def extra_values(provider: ItemColumns, rows: Mapping[str, Sequence[Any]]) -> dict[str, list[Any]]:
    """Call ``provider`` on one class's rows and check the shape of what it returns."""
    k = len(rows["id"])
    values = provider(rows)
    out: dict[str, list[Any]] = {}
    for f in provider.fields:
        got = values.get(f.name)
        if got is None or len(got) != k:
            raise ItemColumnsError(
                f"the column provider {type(provider).__name__} returned "
                f"{'no' if got is None else len(got)} value(s) of {quote(f.name)} "
                f"for {k} rows"
            )
        out[f.name] = list(got)
    return out
