"""Compose benchmark items: one premise per class, one hypothesis per (pair, relation).

For every Markov equivalence class (SPEC section 3) the premise is verbalized from the
d-separation statements of its representative; for every pair ``i < j`` and every relation
(SPEC section 5) one item carries the hypothesis sentence, the binary and 3-class labels and
the fraction of class members in which the relation holds.

*Variants* change the wording, never the labels: ``original`` (official templates, seeded
50/50 swap forms), ``paraphrase`` (the paper's paraphrased hypotheses) and ``refactor``
(variables renamed ``A, B, C, ... -> Z, Y, X, ...``) and ``relabel`` (debiased: each class
gets a seeded random assignment of letters to nodes, so that "a later letter causes an earlier
one" is no longer always invalid; SPEC section 8), and one ``names-{theme}`` variant per
built-in theme of :mod:`corr2cause.dataset.themes` (real-world or nonsense names, drawn per
class with a seed; official templates and swap forms). The swap-form choice of an item depends
only on the seed and the item, so every variant and every node range sees the same choices.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from math import comb
from typing import Any

import numpy as np

from corr2cause.causal.d_separation import (
    Statement,
    d_separation_statements,
    minimal_separating_statements,
)
from corr2cause.causal.mec_classes import LABEL3_NAMES, MecClass, mec_classes
from corr2cause.causal.relations import RELATIONS
from corr2cause.dataset.templates import ORIGINAL_HYPOTHESES, official_template_id
from corr2cause.dataset.themes import (
    Theme,
    ThemeError,
    assign_names,
    assign_names_many,
    builtin_themes,
    commonsense,
    commonsense_conflict,
    load_theme,
)
from corr2cause.dataset.verbalize import verbalize_hypothesis, verbalize_premise
from corr2cause.errors import quote
from corr2cause.graphs.dag import Parents, node_name, pairs, relabel


def refactored_name(i: int) -> str:
    """Name of node ``i`` under variable refactorization: ``chr(90 - i)`` (Z, Y, X, ...)."""
    if not 0 <= i < 26:
        raise ValueError("refactorization supports at most 26 variables")
    return chr(90 - i)


@dataclass(frozen=True)
class Variant:
    """A wording of the benchmark.

    Attributes
    ----------
    name : str
        Variant id used in folder names and the ``variant`` column.
    name_of : callable
        Node index -> variable name.
    paraphrase : bool
        Use the paraphrased hypothesis templates.
    description : str
        One line for manifests and docs.
    relabel : bool
        Rename the variables of every class by a seeded random permutation (the debiased
        variant): the premise is rewritten for the permuted graph and the labels follow.
    theme : Theme, optional
        Name the variables of every class from this vocabulary
        (:func:`~corr2cause.dataset.themes.assign_names`); ``name_of`` is then unused and
        the items carry the ``commonsense`` columns.
    """

    name: str
    name_of: Callable[[int], str]
    paraphrase: bool
    description: str
    relabel: bool = False
    theme: Theme | None = None

    def names(self, n: int) -> list[str]:
        """Variable names of nodes ``0 .. n-1`` (the same for every class unless themed)."""
        return [self.name_of(i) for i in range(n)]

    def class_names(self, mec_id: str, n: int, *, seed: int) -> list[str]:
        """Variable names of nodes ``0 .. n-1`` in class ``mec_id``."""
        if self.theme is None:
            return self.names(n)
        return assign_names(self.theme, mec_id, n, seed=seed)

    def class_names_many(self, mec_ids: Sequence[str], n: int, *, seed: int) -> list[list[str]]:
        """:meth:`class_names` of many classes on ``n`` nodes, drawn together (same names)."""
        if self.theme is None:
            return [self.names(n)] * len(mec_ids)
        return assign_names_many(self.theme, mec_ids, n, seed=seed)


THEME_VARIANT_PREFIX = "names-"
"""Themed variants are named ``names-{theme}``."""


def theme_variant(theme: Theme) -> Variant:
    """The variant that writes the official templates with ``theme``'s names."""
    return Variant(
        THEME_VARIANT_PREFIX + theme.name,
        node_name,
        False,
        f"variables named from the theme {theme.label} ({theme.description}), seeded per "
        f"class; theme sha256 {theme.sha256[:12]}",
        theme=theme,
    )


VARIANTS: dict[str, Variant] = {
    "original": Variant("original", node_name, False, "official templates, seeded swap forms"),
    "paraphrase": Variant(
        "paraphrase", node_name, True, "the paper's paraphrased hypothesis templates"
    ),
    "refactor": Variant(
        "refactor", refactored_name, False, "variables renamed A, B, C, ... -> Z, Y, X, ..."
    ),
    "relabel": Variant(
        "relabel",
        node_name,
        False,
        "debiased: seeded random assignment of letters to nodes, per class",
        relabel=True,
    ),
    **{THEME_VARIANT_PREFIX + t: theme_variant(theme) for t, theme in builtin_themes().items()},
}
"""Registered variants by name."""


def names_variants(themes: Sequence[str | Theme]) -> list[str]:
    """The variant names for ``--names``: ``names-{theme}`` per built-in theme or theme file.

    A theme read from a file is registered in :data:`VARIANTS` (under ``names-{name}``; a
    different theme already registered under that name is an error).

    Raises
    ------
    ThemeError
        On an unknown theme, an unreadable file, or a clash with a registered variant.
    """
    out = []
    for spec in themes:
        theme = load_theme(spec)
        vname = THEME_VARIANT_PREFIX + theme.name
        registered = VARIANTS.get(vname)
        if registered is None:
            VARIANTS[vname] = theme_variant(theme)
        elif registered.theme is None or registered.theme.sha256 != theme.sha256:
            raise ThemeError(
                f"the theme {theme.name!r} from {spec} clashes with the registered variant "
                f"{vname!r}; rename the theme"
            )
        if vname not in out:
            out.append(vname)
    return out


@dataclass(frozen=True)
class ClassData:
    """Everything needed to write the items of one class.

    Attributes
    ----------
    n : int
        Number of variables.
    mec_id : str
        Stable id of the class, ``n{N}-m{mask:07d}``.
    parents : tuple of int
        The representative DAG (in the labeling the premise is written in).
    statements : list of (i, j, z_mask)
        All d-separation statements of the class.
    counts : numpy.ndarray
        ``(C(n, 2), 6)`` number of members in which each (pair, relation) holds.
    num_members : int
        Size of the Markov equivalence class (0 when it was not enumerated).
    label3_codes : numpy.ndarray, optional
        For classes too large to enumerate whose every item the CPDAG decides
        (:func:`~corr2cause.causal.cpdag_decisions.decide_from_cpdag`): the 3-class codes
        ``(C(n, 2), 6)``; ``counts`` is then unused and fractions are unknown.
    fraction_table : numpy.ndarray, optional
        For sampled classes labeled by :func:`~corr2cause.dataset.class_labels.label_class`:
        ``(C(n, 2), 6, 3)`` fraction, lower and upper 95 % bound (equal when exact).
    """

    n: int
    mec_id: str
    parents: Parents
    statements: list[Statement]
    counts: np.ndarray
    num_members: int
    label3_codes: np.ndarray | None = None
    fraction_table: np.ndarray | None = None

    @property
    def num_items(self) -> int:
        """Items of this class: ``6 * C(n, 2)``."""
        return len(RELATIONS) * comb(self.n, 2)

    def premise(self, names: Sequence[str], *, style: str = "full") -> str:
        """The premise with the given variable names.

        ``style="full"`` lists every independence (official); ``"minimal"`` lists, for each
        non-adjacent pair, only its inclusion-minimal separating sets.
        """
        if style == "full":
            return verbalize_premise(self.statements, names)
        if style == "minimal":
            return verbalize_premise(
                minimal_separating_statements(self.statements),
                names,
                correlations=self.correlations(),
            )
        raise ValueError(f"unknown premise style {quote(style)}; choose from {PREMISE_STYLES}")

    def correlations(self) -> list[tuple[int, int]]:
        """Pairs ``i < j`` that are not marginally independent."""
        marginal = {(i, j) for i, j, z in self.statements if z == 0}
        return [(i, j) for i, j in pairs(self.n) if (i, j) not in marginal]


PREMISE_STYLES: tuple[str, ...] = ("full", "minimal")
"""Premise styles: every independence (official) or only minimal separating sets."""

# Relation columns after swapping the roles of i and j: parent <-> child, ancestor <->
# descendant; collider and confounder are symmetric.
_SWAPPED_RELATION_COLUMNS = (2, 3, 0, 1, 4, 5)


def relabel_class(data: ClassData, new_label: Sequence[int]) -> ClassData:
    """The same class with node ``v`` renamed ``new_label[v]``; labels are remapped exactly."""
    n = data.n
    index = {pr: k for k, pr in enumerate(pairs(n))}

    def remap(table: np.ndarray) -> np.ndarray:
        out = np.empty_like(table)
        for k, (u, v) in enumerate(pairs(n)):
            a, b = new_label[u], new_label[v]
            if a < b:
                out[index[(a, b)]] = table[k]
            else:
                out[index[(b, a)]] = table[k][list(_SWAPPED_RELATION_COLUMNS)]
        return out

    statements = []
    for i, j, z in data.statements:
        a, b = sorted((new_label[i], new_label[j]))
        zm = sum(1 << new_label[v] for v in range(n) if z >> v & 1)
        statements.append((a, b, zm))
    statements.sort()
    return ClassData(
        n=n,
        mec_id=data.mec_id,
        parents=relabel(data.parents, new_label),
        statements=statements,
        counts=remap(data.counts) if data.counts.size else data.counts,  # sampled: unused
        num_members=data.num_members,
        label3_codes=None if data.label3_codes is None else remap(data.label3_codes),
        fraction_table=None if data.fraction_table is None else remap(data.fraction_table),
    )


def relabel_permutation(mec_id: str, n: int, *, seed: int) -> list[int]:
    """Seeded random relabeling of one class (``new_label[v]``) for the ``relabel`` variant."""
    rng = np.random.default_rng([seed, n, zlib.crc32(mec_id.encode()), 0xDEB1A5])
    return [int(v) for v in rng.permutation(n)]


def class_data(cls: MecClass) -> ClassData:
    """Compute the premise statements and label counts of one class."""
    return ClassData(
        n=cls.n,
        mec_id=cls.mec_id,
        parents=cls.parents,
        statements=d_separation_statements(cls.parents),
        counts=cls.holds_counts(),
        num_members=len(cls.members),
    )


def build_classes(n: int, *, progress: Callable[[int, int], None] | None = None) -> list[ClassData]:
    """All classes on ``n`` nodes, ready to verbalize (``2 <= n <= 7``)."""
    classes = mec_classes(n)
    out = []
    for k, cls in enumerate(classes):
        out.append(class_data(cls))
        if progress is not None and k % 128 == 0:
            progress(k, len(classes))
    if progress is not None:
        progress(len(classes), len(classes))
    return out


def swap_forms(mec_id: str, n: int, *, seed: int) -> np.ndarray:
    """Seeded 0/1 swap-form choice for each (pair, relation) of a class.

    Relations without a swap form get 0. The generator is keyed by the seed and the class id,
    so the choice does not depend on which other classes or variants are generated.
    """
    key = [seed, n, zlib.crc32(mec_id.encode())]
    bits = np.random.default_rng(key).integers(0, 2, size=(comb(n, 2), len(RELATIONS)))
    for r, rel in enumerate(RELATIONS):
        if len(ORIGINAL_HYPOTHESES[rel]) < 2:
            bits[:, r] = 0
    return bits.astype(np.int8)


PairText = tuple[tuple[str, str], ...]
"""The hypotheses of one pair: ``text[r][form]`` for relation ``r`` and form 0 or 1."""


class NamedPairs:
    """The hypotheses and commonsense values of a themed variant, computed once per name pair.

    The names of a themed variant differ per class, but a hypothesis depends only on its
    relation, its form and the two names of its pair, and a theme has few ordered pairs of
    names (26 names: 650 pairs, against about 34,000 pair occurrences among the classes of
    N = 6). Each pair's sentences are written by
    :func:`~corr2cause.dataset.verbalize.verbalize_hypothesis` and its commonsense values by
    :func:`~corr2cause.dataset.themes.commonsense` the first time the pair is asked for;
    every later class reuses the same string objects, as the letter variants reuse their
    :class:`HypothesisTable`.

    Examples
    --------
    >>> named = NamedPairs(load_theme("medicine"), paraphrase=False)
    >>> text, values = named("smoking", "lung cancer")
    >>> text[0][0], values[0]
    ('smoking directly causes lung cancer.', 'agrees')
    >>> named("smoking", "lung cancer")[0] is text, named("anxiety", "age")[1]
    (True, None)
    >>> [entry[0] is text for entry in named.of_class(["smoking", "lung cancer"], [(0, 1)])]
    [True]
    """

    def __init__(self, theme: Theme, *, paraphrase: bool) -> None:
        self.theme = theme
        self.paraphrase = paraphrase
        self._memo: dict[tuple[str, str], tuple[PairText, tuple[str | None, ...] | None]] = {}

    def __call__(self, a: str, b: str) -> tuple[PairText, tuple[str | None, ...] | None]:
        """``(text, values)`` of the pair named ``(a, b)``, ``a`` the lower node.

        ``text[r][form]`` is the hypothesis of relation ``r``; ``values[r]`` its
        ``commonsense`` value, or ``values`` is ``None`` when the theme has no link
        between ``a`` and ``b``.
        """
        entry = self._memo.get((a, b))
        if entry is None:
            text = tuple(
                (
                    verbalize_hypothesis(rel, a, b, form=0, paraphrase=self.paraphrase),
                    verbalize_hypothesis(rel, a, b, form=1, paraphrase=self.paraphrase),
                )
                for rel in RELATIONS
            )
            values = (
                tuple(commonsense(self.theme, rel, a, b) for rel in RELATIONS)
                if self.theme.link(a, b)
                else None
            )
            entry = self._memo[(a, b)] = (text, values)
        return entry

    def of_class(
        self, names: Sequence[str], prs: Sequence[tuple[int, int]]
    ) -> list[tuple[PairText, tuple[str | None, ...] | None]]:
        """``(text, values)`` of each pair ``(i, j)`` of ``prs`` under one class's ``names``.

        The same as calling the object per pair, but a pair seen before (most of them) is
        looked up without a call, which both writers do for every pair of every class.
        """
        get = self._memo.get
        return [get((names[i], names[j])) or self(names[i], names[j]) for i, j in prs]


@dataclass(frozen=True)
class HypothesisTable:
    """Hypotheses of one (n, variant), independent of the class.

    ``text[p][r][form]`` is the sentence for pair ``p``, relation ``r`` and form;
    ``template[r][form]`` the official ``template`` column value. A themed variant's table
    holds placeholders in ``text`` (see :func:`hypothesis_table`) and its :class:`NamedPairs`
    in ``named``.
    """

    text: tuple[PairText, ...]
    template: tuple[tuple[str, str], ...]
    node_i: tuple[str, ...]
    node_j: tuple[str, ...]
    id_suffix: tuple[tuple[str, ...], ...]
    named: NamedPairs | None = field(default=None, compare=False, repr=False)


def hypothesis_table(
    n: int, variant: Variant, *, named: NamedPairs | None = None
) -> HypothesisTable:
    """Precompute every hypothesis sentence of ``n`` variables in ``variant``.

    For a themed variant the names differ per class: the sentences then hold ``{0}``,
    ``{1}``, ... for the names of nodes 0, 1, ..., and the table's :class:`NamedPairs` gives
    each class its sentences. A pair's sentences do not depend on ``n``, so a writer passes
    one ``named`` for all the tables of a variant (a new one is made otherwise).
    """
    names = variant.names(n) if variant.theme is None else [f"{{{i}}}" for i in range(n)]
    base = [node_name(i) for i in range(n)]
    text: list[PairText] = []
    suffix = []
    for i, j in pairs(n):
        text.append(
            tuple(
                (
                    verbalize_hypothesis(
                        rel, names[i], names[j], form=0, paraphrase=variant.paraphrase
                    ),
                    verbalize_hypothesis(
                        rel, names[i], names[j], form=1, paraphrase=variant.paraphrase
                    ),
                )
                for rel in RELATIONS
            )
        )
        suffix.append(tuple(f"/{base[i]}-{base[j]}/{rel.replace(' ', '-')}" for rel in RELATIONS))
    if variant.paraphrase:
        template = tuple((rel, rel) for rel in RELATIONS)
    else:
        template = tuple(
            (official_template_id(rel, 0), official_template_id(rel, 1)) for rel in RELATIONS
        )
    prs = pairs(n)
    return HypothesisTable(
        text=tuple(text),
        template=template,
        node_i=tuple(names[i] for i, _ in prs),
        node_j=tuple(names[j] for _, j in prs),
        id_suffix=tuple(suffix),
        named=(
            None
            if variant.theme is None
            else named or NamedPairs(variant.theme, paraphrase=variant.paraphrase)
        ),
    )


ITEM_COLUMNS: tuple[str, ...] = (
    "id",
    "split",
    "num_variables",
    "mec_id",
    "premise",
    "hypothesis",
    "template",
    "relation",
    "node_i",
    "node_j",
    "label",
    "label3",
    "fraction",
    "variant",
)
"""Columns of the rich items table; the official ``input`` is ``Premise: ...\\nHypothesis: ...``."""

COMMONSENSE_COLUMNS: tuple[str, ...] = ("commonsense", "commonsense_conflict")
"""Extra columns of themed variants (:func:`corr2cause.dataset.themes.commonsense`)."""


def item_columns(variant: Variant) -> tuple[str, ...]:
    """Columns of ``variant``'s items: :data:`ITEM_COLUMNS`, plus the commonsense ones if themed."""
    return ITEM_COLUMNS + COMMONSENSE_COLUMNS if variant.theme is not None else ITEM_COLUMNS


def class_columns(
    data: ClassData,
    variant: Variant,
    table: HypothesisTable,
    *,
    split: str,
    seed: int,
    premise_style: str = "full",
    names: Sequence[str] | None = None,
) -> dict[str, list[Any]]:
    """The items of one class as column lists (order: pair, then relation).

    ``names`` are the class's variable names when the caller drew them already
    (:meth:`Variant.class_names_many`); by default :meth:`Variant.class_names`.
    """
    if variant.relabel:
        data = relabel_class(data, relabel_permutation(data.mec_id, data.n, seed=seed))
    forms = swap_forms(data.mec_id, data.n, seed=seed)
    if names is None:
        names = variant.class_names(data.mec_id, data.n, seed=seed)
    premise = data.premise(names, style=premise_style)
    # a themed class looks its names' sentences up pair by pair (NamedPairs)
    named = None
    if variant.theme is not None:
        named = table.named or NamedPairs(variant.theme, paraphrase=variant.paraphrase)
    prs = pairs(data.n)
    m = data.num_members
    counts = data.counts.tolist()
    ids, hyps, templates, rels, ni, nj, labels, label3, fracs = ([] for _ in range(9))
    pair_values: list[tuple[str | None, ...] | None] = []
    if named is None:
        by_pair = list(zip(table.text, table.node_i, table.node_j, strict=True))
    else:  # each pair's sentences, from the memo (a pair of names recurs in many classes)
        by_pair = []
        for (i, j), (row_text, values) in zip(prs, named.of_class(names, prs), strict=True):
            by_pair.append((row_text, names[i], names[j]))
            pair_values.append(values)
    for p, (row_text, a, b) in enumerate(by_pair):
        row_counts = counts[p]
        row_forms = forms[p]
        for r, rel in enumerate(RELATIONS):
            f = int(row_forms[r])
            c = row_counts[r]
            ids.append(data.mec_id + table.id_suffix[p][r])
            hyps.append(row_text[r][f])
            templates.append(table.template[r][f])
            rels.append(rel)
            ni.append(a)
            nj.append(b)
            labels.append(1 if c == m else 0)
            label3.append(LABEL3_NAMES[0 if c == m else (2 if c == 0 else 1)])
            fracs.append(c / m)
    k = len(ids)
    columns: dict[str, list[Any]] = {
        "id": ids,
        "split": [split] * k,
        "num_variables": [data.n] * k,
        "mec_id": [data.mec_id] * k,
        "premise": [premise] * k,
        "hypothesis": hyps,
        "template": templates,
        "relation": rels,
        "node_i": ni,
        "node_j": nj,
        "label": labels,
        "label3": label3,
        "fraction": fracs,
        "variant": [variant.name] * k,
    }
    if named is not None:
        columns["commonsense"], columns["commonsense_conflict"] = commonsense_items(
            pair_values, labels
        )
    return columns


def commonsense_items(
    pair_values: Sequence[tuple[str | None, ...] | None], labels: Sequence[int]
) -> tuple[list[str | None], list[bool | None]]:
    """The ``commonsense`` and ``commonsense_conflict`` columns of one class's items.

    ``pair_values`` are the commonsense values of each pair, one per relation, as
    :class:`NamedPairs` gives them (``None``: the pair has no known link); ``labels`` the
    class's binary labels in item order (pair, then relation). Both writers build the
    columns here.

    Examples
    --------
    >>> values = ("agrees", "contradicts", None, None, None, None)  # one linked pair
    >>> commonsense_items([values], [1, 1, 0, 0, 0, 0])
    (['agrees', 'contradicts', None, None, None, None], [False, True, None, None, None, None])
    """
    width = len(RELATIONS)
    values_col: list[str | None] = [None] * (len(pair_values) * width)
    conflicts: list[bool | None] = [None] * len(values_col)
    for p, values in enumerate(pair_values):
        if values is None:  # most pairs have no known link
            continue
        for r, value in enumerate(values):
            t = p * width + r
            values_col[t] = value
            conflicts[t] = commonsense_conflict(value, labels[t])
    return values_col, conflicts
