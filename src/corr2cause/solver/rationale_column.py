"""The gold rationale as an optional item column of ``corr2cause generate --rationale``.

:class:`RationaleColumn` is a column provider in the sense of
:mod:`corr2cause.dataset.columns`: the dataset writers call it once per class, with the rows
they are about to write, and it returns one ``rationale`` string per row, the derivation of
:mod:`corr2cause.solver.rationale` (PC skeleton, unshielded triples, Meek rules, CPDAG, member
count, decision, ``Answer: Yes|No``). The dataset layer never imports the solver; the command
line hands the provider to :class:`~corr2cause.dataset.generate.GenerationConfig`.

Each rationale is derived **from the text of the row** (premise and hypothesis, read back by
the solver's parser), not from the generator's graph, so a generated rationale is an
independent re-derivation: its answer is compared with the row's ``label`` and a disagreement
stops the run (:class:`~corr2cause.solver.rationale.RationaleError`, naming the item). Items
are read under the ``corr2cause`` semantics (SPEC section 2), the semantics of the generated
labels, whatever the wording (paraphrases and themed names included). The premise of a class
is parsed once for all of its rows.

The manifest records the column, its template version and style
(``extra_columns.rationale``), the version string that ``export-sft`` writes too
(``rationale_version``, e.g. ``v1/full``).

Examples
--------
>>> column = RationaleColumn(style="compact")
>>> column.describe()["rationale"]["rationale_version"]
'v1/compact'
>>> premise = ("Suppose there is a closed system of 2 variables, A and B. All the statistical "
...            "relations among these 2 variables are as follows: A correlates with B.")
>>> rows = {"id": ["x"], "premise": [premise], "hypothesis": ["A directly causes B."],
...         "label": [0]}
>>> print(column(rows)["rationale"][0])
PC algorithm on the stated independencies.
Skeleton: A - B.
No unshielded triples.
No Meek rule applies.
CPDAG: A - B.
Members: 2.
Hypothesis: parent(A, B), corr2cause semantics.
Holds in 1 of 2 members, not in B -> A: not entailed.
Answer: No
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

import pyarrow as pa

from corr2cause.errors import quote
from corr2cause.solver.ccpp import parse_ccpp_hypothesis
from corr2cause.solver.rationale import (
    DEFAULT_STYLE,
    DEFAULT_VERSION,
    RationaleError,
    load_templates,
    rationale,
    read_item,
)
from corr2cause.solver.reconstruct import Reconstruction

__all__ = ["RATIONALE_COLUMN", "RATIONALE_SEMANTICS", "RationaleColumn"]

RATIONALE_COLUMN: Final = "rationale"
"""Name of the column."""
RATIONALE_SEMANTICS: Final = "corr2cause"
"""The hypothesis semantics of generated items (SPEC section 2)."""


@dataclass(frozen=True)
class RationaleColumn:
    """Column provider: the gold rationale of every generated item.

    Parameters
    ----------
    style : {"full", "compact"}
        Template style (``full`` sentences or ``compact`` notation).
    version : str
        Template version (``templates/rationale_<version>.toml``).

    Raises
    ------
    RationaleError
        On construction, if the version or style does not exist; when called, if a row's
        rationale answer disagrees with its ``label``.
    """

    style: str = DEFAULT_STYLE
    version: str = DEFAULT_VERSION

    def __post_init__(self) -> None:
        load_templates(self.version, self.style)

    @property
    def fields(self) -> Sequence[pa.Field]:
        """One string column, ``rationale``."""
        return (pa.field(RATIONALE_COLUMN, pa.string()),)

    def describe(self) -> dict[str, Any]:
        """The manifest entry: template version, style and semantics of the column."""
        return {
            RATIONALE_COLUMN: {
                "rationale_version": f"{self.version}/{self.style}",
                "template_version": self.version,
                "style": self.style,
                "semantics": RATIONALE_SEMANTICS,
                "checker": "corr2cause.solver.rationale_check.check_rationale",
            }
        }

    def __call__(self, rows: Mapping[str, Sequence[Any]]) -> dict[str, list[str]]:
        """The rationale of every row (see :mod:`corr2cause.dataset.columns`)."""
        out: list[str] = []
        premise: str | None = None
        rec: Reconstruction | None = None
        for k, hypothesis in enumerate(rows["hypothesis"]):
            if rows["premise"][k] != premise:
                premise = rows["premise"][k]
                rec = read_item(premise, hypothesis)[0]
            assert rec is not None
            h = parse_ccpp_hypothesis(hypothesis, rec.names)
            r = rationale(
                rec,
                h.relation,
                h.x,
                h.y,
                semantics=RATIONALE_SEMANTICS,
                version=self.version,
                style=self.style,
            )
            if "label" in rows and r.label != int(rows["label"][k]):
                item = rows["id"][k] if "id" in rows else f"row {k + 1}"
                raise RationaleError(
                    f"item {quote(item)}: the rationale answers {r.answer} but the label is "
                    f"{rows['label'][k]}; the premise or hypothesis does not read back as written"
                )
            out.append(r.text)
        return {RATIONALE_COLUMN: out}
