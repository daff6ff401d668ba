"""``dataset.compose`` contracts on small N, each value derived independently of the code.

Fast tests (a few ms each, N = 2..4 built here, not taken from a session cache) so that
``make mutation`` judges the mutants of ``compose`` in a fresh worker without rebuilding
``mec_classes(6)``. Expected values come from the SPEC (sections 3-6, the verbatim templates
and the variable names), from the independent oracle ``tests/oracle.py`` (labels, fractions
and the premise re-rendered with networkx d-separation), or by hand.
"""

from __future__ import annotations

import itertools
from math import comb

import numpy as np
import pytest

import oracle
from corr2cause.dataset import compose
from corr2cause.dataset.compose import (
    COMMONSENSE_COLUMNS,
    ITEM_COLUMNS,
    VARIANTS,
    ClassData,
    build_classes,
    class_columns,
    hypothesis_table,
    item_columns,
    refactored_name,
    relabel_class,
    relabel_permutation,
    swap_forms,
)
from corr2cause.dataset.themes import ThemeError, load_theme

RELATIONS = (
    "parent",
    "non-parent ancestor",
    "child",
    "non-child descendant",
    "has_collider",
    "has_confounder",
)
"""SPEC section 5, in the order of the official template table."""

LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
CLASSES = {2: 2, 3: 5, 4: 20}
"""MECs up to isomorphism, SPEC section 3."""


@pytest.fixture(scope="module")
def small() -> dict[int, list[ClassData]]:
    """All classes of N = 2..4, built in this module (about 50 ms)."""
    return {n: build_classes(n) for n in (2, 3, 4)}


# --- names ----------------------------------------------------------------------------------


def test_refactored_names_follow_spec() -> None:
    # SPEC section 5: index i (1-based) -> chr(91 - i): A, B, C, ... become Z, Y, X, ...
    assert [refactored_name(i) for i in range(26)] == list(reversed(LETTERS))
    for bad in (-1, 26):
        with pytest.raises(ValueError, match="26 variables"):
            refactored_name(bad)
    assert VARIANTS["refactor"].names(4) == ["Z", "Y", "X", "W"]
    assert VARIANTS["original"].names(3) == ["A", "B", "C"]
    assert VARIANTS["refactor"].class_names("n3-m0000006", 3, seed=5) == ["Z", "Y", "X"]


def test_variant_flags() -> None:
    flags = {name: (v.paraphrase, v.relabel, v.theme is None) for name, v in VARIANTS.items()}
    assert flags["original"] == (False, False, True)
    assert flags["paraphrase"] == (True, False, True)
    assert flags["refactor"] == (False, False, True)
    assert flags["relabel"] == (False, True, True)
    themed = [name for name in VARIANTS if name.startswith("names-")]
    assert themed and all(flags[name] == (False, False, False) for name in themed)
    assert all(VARIANTS[name].name == name for name in VARIANTS)


def test_item_columns() -> None:
    assert item_columns(VARIANTS["original"]) == ITEM_COLUMNS
    assert item_columns(VARIANTS["names-medicine"]) == (
        *ITEM_COLUMNS,
        "commonsense",
        "commonsense_conflict",
    )
    assert COMMONSENSE_COLUMNS == ("commonsense", "commonsense_conflict")


# --- class data ------------------------------------------------------------------------------


def test_class_counts_and_members_match_the_oracle(small: dict[int, list[ClassData]]) -> None:
    for n, classes in small.items():
        assert len(classes) == CLASSES[n]
        for data in classes:
            assert data.n == n and data.num_items == 6 * comb(n, 2)
            assert data.mec_id.startswith(f"n{n}-m")
            premise = data.premise(LETTERS[:n])
            assert data.num_members == len(oracle.members(premise))
            assert data.counts.shape == (comb(n, 2), 6)


def test_build_classes_reports_progress() -> None:
    calls: list[tuple[int, int]] = []
    build_classes(3, progress=lambda done, total: calls.append((done, total)))
    # every 128th class from the first, then the end: 5 classes -> (0, 5), (5, 5)
    assert calls == [(0, 5), (5, 5)]


def test_correlations_and_premise_styles(small: dict[int, list[ClassData]]) -> None:
    chain = next(d for d in small[3] if len(d.statements) == 1 and d.statements[0][2] != 0)
    # B - A - C (edges A-B and A-C: mask 0b011, the smallest of the path's labelings): B and C
    # are independent given A, every pair correlates
    assert chain.statements == [(1, 2, 0b001)]
    assert chain.correlations() == [(0, 1), (0, 2), (1, 2)]
    collider = next(d for d in small[3] if d.statements == [(0, 1, 0)])
    assert collider.correlations() == [(0, 2), (1, 2)]
    head = (
        "Suppose there is a closed system of 3 variables, A, B and C. All the statistical "
        "relations among these 3 variables are as follows: "
    )
    assert collider.premise(["A", "B", "C"]) == (
        head + "A correlates with C. B correlates with C. However, A is independent of B."
    )
    assert collider.premise(["A", "B", "C"], style="minimal") == collider.premise(["A", "B", "C"])
    with pytest.raises(ValueError, match="premise style"):
        collider.premise(["A", "B", "C"], style="short")


def test_minimal_premise_keeps_only_minimal_separating_sets(
    small: dict[int, list[ClassData]],
) -> None:
    # the empty graph on 3 nodes: every pair independent given every subset of the rest
    empty = next(d for d in small[3] if d.num_members == 1 and len(d.statements) == 6)
    head = (
        "Suppose there is a closed system of 3 variables, A, B and C. All the statistical "
        "relations among these 3 variables are as follows: "
    )
    assert empty.premise(["A", "B", "C"], style="minimal") == head + (
        "A is independent of B. A is independent of C. B is independent of C."
    )
    # the chain keeps its correlations (computed from all statements, not the minimal ones)
    fork = next(d for d in small[4] if d.statements and all(z for _, _, z in d.statements))
    full, minimal = fork.premise(list("ABCD")), fork.premise(list("ABCD"), style="minimal")
    assert full.split(" However, ")[0] == minimal.split(" However, ")[0]


# --- items against the oracle ---------------------------------------------------------------


def _expected_suffix(i: int, j: int, relation: str) -> str:
    return f"/{LETTERS[i]}-{LETTERS[j]}/{relation.replace(' ', '-')}"


@pytest.mark.parametrize("variant", ["original", "paraphrase", "refactor", "relabel"])
def test_class_columns_against_the_oracle(small: dict[int, list[ClassData]], variant: str) -> None:
    v = VARIANTS[variant]
    for n, classes in small.items():
        table = hypothesis_table(n, v)
        prs = list(itertools.combinations(range(n), 2))
        for data in classes:
            cols = class_columns(data, v, table, split="dev", seed=3)
            k = 6 * comb(n, 2)
            assert list(cols) == list(ITEM_COLUMNS)
            assert all(len(values) == k for values in cols.values())
            assert cols["split"] == ["dev"] * k
            assert cols["num_variables"] == [n] * k
            assert cols["mec_id"] == [data.mec_id] * k
            assert cols["variant"] == [variant] * k
            assert cols["relation"] == list(RELATIONS) * comb(n, 2)
            assert len(set(cols["premise"])) == 1
            premise = cols["premise"][0]
            names = list(oracle.parse_premise(premise).names)
            expected_names = [chr(90 - i) for i in range(n)] if variant == "refactor" else None
            assert names == (expected_names or list(LETTERS[:n]))
            members = oracle.members(premise)
            assert premise == oracle.render_premise(members[0], names)
            assert len(members) == data.num_members
            for q, (i, j) in enumerate(prs):
                for r, rel in enumerate(RELATIONS):
                    row = 6 * q + r
                    hyp = cols["hypothesis"][row]
                    assert cols["id"][row] == data.mec_id + _expected_suffix(i, j, rel)
                    assert (cols["node_i"][row], cols["node_j"][row]) == (names[i], names[j])
                    oracle.check_relation_columns(hyp, rel, names[i], names[j])
                    assert cols["template"][row] == oracle.expected_template(
                        hyp, names, paraphrase=v.paraphrase
                    )
                    got = oracle.verdict(premise, hyp)
                    assert (cols["label"][row], cols["label3"][row], cols["fraction"][row]) == (
                        got.label,
                        got.label3,
                        got.fraction,
                    ), (cols["id"][row], premise, hyp)
                    assert type(cols["label"][row]) is int
                    assert type(cols["fraction"][row]) is float


def test_label3_names_all_occur(small: dict[int, list[ClassData]]) -> None:
    v = VARIANTS["original"]
    seen = set()
    for data in small[4]:
        seen.update(class_columns(data, v, hypothesis_table(4, v), split="test", seed=0)["label3"])
    assert seen == {"entailment", "neutral", "contradiction"}


# --- swap forms -------------------------------------------------------------------------------

SWAPPED = {
    # SPEC section 5, the swap form of each relation that has one ("names swapped")
    "non-parent ancestor": "{i} is a cause for {j}, but not a direct one.",
    "non-child descendant": "{j} causes something else which causes {i}.",
    "has_collider": "There exists at least one collider (i.e., common effect) of {j} and {i}.",
    "has_confounder": "There exists at least one confounder (i.e., common cause) of {j} and {i}.",
}


def test_swap_forms_shape_and_relations_without_a_swap_form(
    small: dict[int, list[ClassData]],
) -> None:
    for n, classes in small.items():
        stacked = np.stack([swap_forms(d.mec_id, n, seed=0) for d in classes])
        assert stacked.shape == (len(classes), comb(n, 2), 6)
        assert stacked.dtype == np.int8
        assert not stacked[:, :, 0].any() and not stacked[:, :, 2].any()  # parent, child
        assert set(np.unique(stacked)) <= {0, 1}
    bits = np.concatenate([swap_forms(d.mec_id, 4, seed=0)[:, [1, 3, 4, 5]] for d in small[4]])
    assert set(np.unique(bits)) == {0, 1}  # 480 draws; all equal has probability 2**-479


def test_swap_forms_depend_on_seed_and_class_only(small: dict[int, list[ClassData]]) -> None:
    a = [swap_forms(d.mec_id, 4, seed=0) for d in small[4]]
    again = [swap_forms(d.mec_id, 4, seed=0) for d in reversed(small[4])][::-1]
    assert all((x == y).all() for x, y in zip(a, again, strict=True))
    other = [swap_forms(d.mec_id, 4, seed=1) for d in small[4]]
    assert any((x != y).any() for x, y in zip(a, other, strict=True))
    first, second = (swap_forms(d.mec_id, 4, seed=0) for d in small[4][:2])
    assert (first != second).any()


def test_hypotheses_follow_the_swap_forms(small: dict[int, list[ClassData]]) -> None:
    v = VARIANTS["original"]
    for n, classes in small.items():
        table = hypothesis_table(n, v)
        prs = list(itertools.combinations(range(n), 2))
        for data in classes:
            cols = class_columns(data, v, table, split="test", seed=11)
            forms = swap_forms(data.mec_id, n, seed=11)
            for q, (i, j) in enumerate(prs):
                for r, rel in enumerate(RELATIONS):
                    hyp = cols["hypothesis"][6 * q + r]
                    if forms[q, r]:
                        assert hyp == SWAPPED[rel].format(i=LETTERS[i], j=LETTERS[j])
                    else:
                        assert hyp != SWAPPED.get(rel, "").format(i=LETTERS[i], j=LETTERS[j])


def test_every_variant_sees_the_same_swap_forms(small: dict[int, list[ClassData]]) -> None:
    # refactor and the themes only rename: their form choice per item equals the original's
    tables = {name: hypothesis_table(4, VARIANTS[name]) for name in ("original", "refactor")}
    for data in small[4]:
        orig = class_columns(data, VARIANTS["original"], tables["original"], split="test", seed=2)
        ref = class_columns(data, VARIANTS["refactor"], tables["refactor"], split="test", seed=2)
        rename = str.maketrans("ABCD", "ZYXW")
        assert [h.translate(rename) for h in orig["hypothesis"]] == ref["hypothesis"]
        assert orig["template"] == ref["template"]


# --- relabel ---------------------------------------------------------------------------------


def test_relabel_permutation_is_a_seeded_permutation(small: dict[int, list[ClassData]]) -> None:
    perms = {d.mec_id: relabel_permutation(d.mec_id, 4, seed=0) for d in small[4]}
    assert all(sorted(p) == [0, 1, 2, 3] for p in perms.values())
    assert all(type(v) is int for p in perms.values() for v in p)
    assert len({tuple(p) for p in perms.values()}) > 1
    assert perms == {d.mec_id: relabel_permutation(d.mec_id, 4, seed=0) for d in small[4]}
    assert perms != {d.mec_id: relabel_permutation(d.mec_id, 4, seed=1) for d in small[4]}


def _unordered(independencies: frozenset[oracle.Independence]) -> set[tuple[frozenset[str], ...]]:
    return {(frozenset((x, y)), z) for x, y, z in independencies}


@pytest.mark.parametrize("n", [3, 4])
def test_relabel_class_renames_every_node(small: dict[int, list[ClassData]], n: int) -> None:
    for data in small[n]:
        for perm in itertools.permutations(range(n)):
            moved = relabel_class(data, perm)
            assert moved.n == n and moved.mec_id == data.mec_id
            assert moved.num_members == data.num_members
            # the premise with node v renamed perm[v] is the same text as before, up to order
            names = [LETTERS[perm[v]] for v in range(n)]
            before = oracle.parse_premise(data.premise(names))
            after = oracle.parse_premise(moved.premise(LETTERS[:n]))
            assert set(before.correlations) == set(after.correlations)
            assert _unordered(before.independencies) == _unordered(after.independencies)
            assert moved.statements == sorted(moved.statements)
            # the representative DAG: edge u -> v becomes perm[u] -> perm[v]
            for v in range(n):
                for u in range(n):
                    assert (data.parents[v] >> u & 1) == (moved.parents[perm[v]] >> perm[u] & 1)
            # counts of (pair, relation) follow the renamed pair, i/j roles swapped if needed
            for q, (i, j) in enumerate(itertools.combinations(range(n), 2)):
                a, b = perm[i], perm[j]
                target = list(itertools.combinations(range(n), 2)).index((min(a, b), max(a, b)))
                if a < b:
                    assert (moved.counts[target] == data.counts[q]).all()
                else:
                    swapped = data.counts[q][[2, 3, 0, 1, 4, 5]]
                    assert (moved.counts[target] == swapped).all()


def test_relabel_class_remaps_optional_tables(small: dict[int, list[ClassData]]) -> None:
    data = next(d for d in small[3] if d.statements == [(0, 1, 0)])  # collider A -> C <- B
    codes = np.arange(18).reshape(3, 6)
    table = np.arange(54, dtype=float).reshape(3, 6, 3)
    with_tables = ClassData(
        n=3,
        mec_id=data.mec_id,
        parents=data.parents,
        statements=data.statements,
        counts=np.zeros((0, 6), dtype=np.int64),
        num_members=0,
        label3_codes=codes,
        fraction_table=table,
    )
    moved = relabel_class(with_tables, [2, 1, 0])  # A <-> C
    # pairs (A,B) (A,C) (B,C) -> (C,B)=(B,C) swapped, (C,A)=(A,C) swapped, (B,A)=(A,B) swapped
    assert moved.counts.shape == (0, 6)
    assert moved.label3_codes is not None and moved.fraction_table is not None
    assert moved.label3_codes.tolist() == [
        [14, 15, 12, 13, 16, 17],
        [8, 9, 6, 7, 10, 11],
        [2, 3, 0, 1, 4, 5],
    ]
    assert (moved.fraction_table[2] == table[0][[2, 3, 0, 1, 4, 5]]).all()
    assert moved.statements == [(1, 2, 0)]
    plain = relabel_class(data, [2, 1, 0])
    assert plain.label3_codes is None and plain.fraction_table is None


def test_relabel_variant_relabels_per_class(small: dict[int, list[ClassData]]) -> None:
    v = VARIANTS["relabel"]
    table = hypothesis_table(4, v)
    changed = 0
    for data in small[4]:
        cols = class_columns(data, v, table, split="test", seed=0)
        perm = relabel_permutation(data.mec_id, 4, seed=0)
        assert cols["premise"][0] == relabel_class(data, perm).premise(list("ABCD"))
        changed += cols["premise"][0] != data.premise(list("ABCD"))
    assert changed > 0


# --- hypothesis table -----------------------------------------------------------------------


def test_hypothesis_table_by_hand() -> None:
    table = hypothesis_table(2, VARIANTS["original"])
    assert table.node_i == ("A",) and table.node_j == ("B",)
    assert table.id_suffix == (
        (
            "/A-B/parent",
            "/A-B/non-parent-ancestor",
            "/A-B/child",
            "/A-B/non-child-descendant",
            "/A-B/has_collider",
            "/A-B/has_confounder",
        ),
    )
    assert table.text[0][1] == (
        "A causes something else which causes B.",
        "A is a cause for B, but not a direct one.",
    )
    assert table.text[0][0] == ("A directly causes B.", "A directly causes B.")
    assert table.template[1] == ("non-parent ancestor", "non-child descendant")
    assert table.template[3] == ("non-child descendant", "non-parent ancestor")
    assert table.template[0] == ("parent", "parent")
    para = hypothesis_table(3, VARIANTS["paraphrase"])
    assert para.template == tuple((rel, rel) for rel in RELATIONS)
    assert para.text[2][4] == ("B and C together cause some other variable(s).",) * 2
    assert para.node_i == ("A", "A", "B") and para.node_j == ("B", "C", "C")
    ref = hypothesis_table(3, VARIANTS["refactor"])
    assert ref.text[1][2][0] == "X directly causes Z."
    assert ref.id_suffix[1][2] == "/A-C/child"
    themed = hypothesis_table(2, VARIANTS["names-medicine"])
    assert themed.text[0][0][0] == "{0} directly causes {1}."
    assert themed.node_i == ("{0}",)


# --- themed variants (tests only; the naming code is owned elsewhere) --------------------------


def test_themed_columns_use_the_class_names(small: dict[int, list[ClassData]]) -> None:
    v = VARIANTS["names-medicine"]
    theme = load_theme("medicine")
    table = hypothesis_table(3, v)
    for data in small[3]:
        cols = class_columns(data, v, table, split="train", seed=4)
        names = v.class_names(data.mec_id, 3, seed=4)
        assert list(cols) == [*ITEM_COLUMNS, "commonsense", "commonsense_conflict"]
        assert list(oracle.parse_premise(cols["premise"][0]).names) == names
        assert cols["node_i"] == [names[i] for i, _ in [(0, 1), (0, 2), (1, 2)] for _ in range(6)]
        assert cols["node_j"] == [names[j] for _, j in [(0, 1), (0, 2), (1, 2)] for _ in range(6)]
        for row, hyp in enumerate(cols["hypothesis"]):
            oracle.check_relation_columns(
                hyp, cols["relation"][row], cols["node_i"][row], cols["node_j"][row]
            )
        assert len(cols["commonsense"]) == 18 and len(cols["commonsense_conflict"]) == 18
        assert all(name in theme.names for name in names)


def test_names_variants_registers_and_deduplicates() -> None:
    assert compose.names_variants(["medicine", "medicine"]) == ["names-medicine"]


THEME_TOML = """name = "mdata-test"
version = 1
description = "three made-up words"
assignment = "in order"
names = ["alpha", "beta", "gamma"]
{links}"""
LINK = """
[[links]]
cause = "alpha"
effect = "beta"
source = "made up for a test"
"""


def test_names_variants_registers_a_theme_file(
    tmp_path: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(compose, "VARIANTS", dict(compose.VARIANTS))
    path = tmp_path / "mdata-test.toml"  # type: ignore[operator]
    path.write_text(THEME_TOML.format(links=LINK))
    assert compose.names_variants([str(path), "symbols", str(path)]) == [
        "names-mdata-test",
        "names-symbols",
    ]
    variant = compose.VARIANTS["names-mdata-test"]
    assert variant.name == "names-mdata-test" and variant.theme is not None
    assert variant.theme.names == ("alpha", "beta", "gamma")
    assert not variant.paraphrase and not variant.relabel
    assert variant.class_names("n3-m0000001", 3, seed=0) == ["alpha", "beta", "gamma"]
    # the manifest line names the theme file by the first 12 hex digits of its sha256
    assert variant.description.endswith(f"; theme sha256 {variant.theme.sha256[:12]}")
    # the same file again is the same theme; another file under the same name is refused
    assert compose.names_variants([str(path)]) == ["names-mdata-test"]
    other = tmp_path / "other.toml"  # type: ignore[operator]
    other.write_text(THEME_TOML.format(links=""))
    with pytest.raises(ThemeError, match="clashes"):
        compose.names_variants([str(other)])
    # a theme named like a built-in variant that has no theme ("original") clashes too
    plain = tmp_path / "plain.toml"  # type: ignore[operator]
    plain.write_text(THEME_TOML.format(links="").replace("mdata-test", "x"))
    monkeypatch.setitem(compose.VARIANTS, "names-x", VARIANTS["original"])
    with pytest.raises(ThemeError, match="clashes"):
        compose.names_variants([str(plain)])


def test_commonsense_columns_of_a_class_with_a_known_link(
    small: dict[int, list[ClassData]], tmp_path: pytest.TempPathFactory
) -> None:
    path = tmp_path / "mdata-test.toml"  # type: ignore[operator]
    path.write_text(THEME_TOML.format(links=LINK))
    theme = load_theme(path)
    variant = compose.theme_variant(theme)
    # N = 2, the class with the edge: alpha -> beta is the stated link, in order
    data = next(d for d in small[2] if not d.statements)
    cols = class_columns(data, variant, hypothesis_table(2, variant), split="test", seed=0)
    assert cols["hypothesis"][0] == "alpha directly causes beta."
    # by SPEC section 2 and the link alpha -> beta: parent and non-parent ancestor claim the
    # known direction, child and non-child descendant the reverse, collider/confounder neither
    assert cols["commonsense"] == [
        "agrees",
        "agrees",
        "contradicts",
        "contradicts",
        "unrelated",
        "unrelated",
    ]
    # the edge is undirected in the class: nothing is entailed, so answering "yes" from the
    # known direction is wrong (a conflict), answering "no" to the reverse right; collider and
    # confounder claim no direction (None)
    assert cols["label"] == [0, 0, 0, 0, 0, 0]
    assert cols["commonsense_conflict"] == [True, True, False, False, None, None]
    # a theme without links knows nothing about the pair
    none = compose.theme_variant(load_theme(_without_links(tmp_path)))
    cols = class_columns(data, none, hypothesis_table(2, none), split="test", seed=0)
    assert cols["commonsense"] == [None] * 6 and cols["commonsense_conflict"] == [None] * 6


def _without_links(tmp_path: pytest.TempPathFactory) -> str:
    path = tmp_path / "plain.toml"  # type: ignore[operator]
    path.write_text(THEME_TOML.format(links=""))
    return str(path)


def test_build_classes_reports_progress_every_128_classes() -> None:
    calls: list[tuple[int, int]] = []
    classes = build_classes(5, progress=lambda done, total: calls.append((done, total)))
    assert len(classes) == 142  # SPEC section 3
    assert calls == [(0, 142), (128, 142), (142, 142)]


def test_class_columns_write_the_premise_in_the_requested_style(
    small: dict[int, list[ClassData]],
) -> None:
    # the empty graph on 3 nodes: the full premise lists 6 independences, the minimal one the
    # 3 marginal ones
    empty = next(d for d in small[3] if d.num_members == 1 and len(d.statements) == 6)
    v = VARIANTS["original"]
    table = hypothesis_table(3, v)
    full = class_columns(empty, v, table, split="dev", seed=0)["premise"]
    minimal = class_columns(empty, v, table, split="dev", seed=0, premise_style="minimal")
    assert set(full) == {empty.premise(list("ABC"))}
    assert full[0].count(" is independent of ") == 3  # marginal, SPEC wording
    assert full[0].count(" are independent given ") == 3  # conditional
    assert set(minimal["premise"]) == {empty.premise(list("ABC"), style="minimal")}
    assert minimal["premise"][0].count(" is independent of ") == 3
    assert " given " not in minimal["premise"][0]


def test_named_pairs_writes_each_pairs_sentences_once_with_the_themes_links() -> None:
    """``NamedPairs``: the sentences of ``verbalize_hypothesis`` and the values of
    ``commonsense`` for a pair, memoised (every later class gets the same objects), and no
    values at all for a pair the theme has no link for."""
    from corr2cause.causal.relations import RELATIONS
    from corr2cause.dataset.compose import NamedPairs
    from corr2cause.dataset.themes import commonsense
    from corr2cause.dataset.verbalize import verbalize_hypothesis

    theme = load_theme("medicine")
    a, b = "smoking", "lung cancer"  # a curated link of the medicine vocabulary: a -> b
    for paraphrase in (False, True):
        named = NamedPairs(theme, paraphrase=paraphrase)
        text, values = named(a, b)
        assert text == tuple(
            (
                verbalize_hypothesis(r, a, b, form=0, paraphrase=paraphrase),
                verbalize_hypothesis(r, a, b, form=1, paraphrase=paraphrase),
            )
            for r in RELATIONS
        )
        assert values == tuple(commonsense(theme, r, a, b) for r in RELATIONS)
        again = named(a, b)
        assert again[0] is text and again[1] is values  # the memo: the same objects
        assert named("anxiety", "age")[1] is None  # no link between them in the vocabulary
    # the link's direction, read off SPEC-style: "a is a parent of b" agrees, "child" reverses
    values = dict(zip(RELATIONS, NamedPairs(theme, paraphrase=False)(a, b)[1], strict=True))
    assert values["parent"] == "agrees" and values["child"] == "contradicts"
    assert values["non-parent ancestor"] == "agrees"
    assert values["has_collider"] == values["has_confounder"] == "unrelated"
    plain = NamedPairs(theme, paraphrase=False)(a, b)[0]
    assert NamedPairs(theme, paraphrase=True)(a, b)[0] != plain
