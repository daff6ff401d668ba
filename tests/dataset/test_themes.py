"""Themes: vocabulary files, seeded name assignment, exact labels and the commonsense columns."""

from __future__ import annotations

import json
import zlib
from math import comb

import numpy as np
import pyarrow.parquet as pq
import pytest

from corr2cause.causal.relations import RELATIONS
from corr2cause.dataset import themes as themes_module
from corr2cause.dataset.compose import (
    VARIANTS,
    class_columns,
    hypothesis_table,
    item_columns,
    swap_forms,
    theme_variant,
)
from corr2cause.dataset.generate import GenerationConfig, generate_dataset
from corr2cause.dataset.templates import name_problem
from corr2cause.dataset.themes import (
    ThemeError,
    assign_names,
    assign_names_many,
    builtin_themes,
    commonsense,
    commonsense_conflict,
    load_theme,
    parse_theme,
)
from corr2cause.dataset.verbalize import verbalize_hypothesis, verbalize_premise
from corr2cause.graphs.dag import pairs
from corr2cause.solver import Solver, parse_hypothesis, parse_premise

THEMES = tuple(builtin_themes())
REQUIRED = ("medicine", "economics", "ecology", "education", "everyday", "nonsense", "symbols")


def test_builtin_themes_are_complete_and_valid():
    assert set(REQUIRED) <= set(THEMES)
    for name, theme in builtin_themes().items():
        assert theme.name == name and theme.version >= 1 and len(theme.sha256) == 64
        assert len(theme.names) >= 26, name  # enough for sampled N up to 26
        assert len({n.casefold() for n in theme.names}) == len(theme.names)
        assert all(name_problem(n) is None for n in theme.names)
        for link in theme.links:
            assert {link.cause, link.effect} <= set(theme.names) and link.source.strip()
        assert f"names-{name}" in VARIANTS
    assert any(" " in n for n in builtin_themes()["medicine"].names)  # multi-word names in use
    assert sum(len(t.links) for t in builtin_themes().values()) >= 20


GOOD = 'name = "t"\nversion = 1\nnames = ["blood pressure", "heart rate", "stress"]\n'


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("name = ", "not valid TOML"),
        ('version = 1\nnames = ["a", "b"]', "missing key 'name'"),
        ('name = "t"\nversion = "1"\nnames = ["a", "b"]', "'version' must be a int"),
        (GOOD.replace("stress", "supply and demand"), "the word 'and'"),
        (GOOD.replace("stress", "Heart rate"), "repeats 'heart rate'"),
        (GOOD.replace("stress", "x, y"), "names[2] = 'x, y'"),
        (GOOD + 'assignment = "random"', "unknown assignment 'random'"),
        (GOOD + '[[links]]\ncause = "stress"\neffect = "coffee"\nsource = "s"', "'coffee' is not"),
        (GOOD + '[[links]]\ncause = "stress"\neffect = "heart rate"\nsource = " "', "a source"),
        (
            GOOD + '[[links]]\ncause = "stress"\neffect = "heart rate"\nsource = "s"\n'
            '[[links]]\ncause = "heart rate"\neffect = "stress"\nsource = "s"',
            "a second link",
        ),
    ],
)
def test_bad_theme_files_are_rejected_with_the_reason(text, message):
    with pytest.raises(ThemeError, match=message.replace("(", r"\(").replace("[", r"\[")):
        parse_theme(text, source="t.toml")


def test_unknown_theme_and_theme_files(tmp_path):
    with pytest.raises(ThemeError, match="unknown theme 'astrology'"):
        load_theme("astrology")
    with pytest.raises(ThemeError, match="cannot read the theme file"):
        load_theme(tmp_path / "missing.toml")
    path = tmp_path / "mine.toml"
    path.write_text(GOOD)
    theme = load_theme(path)
    assert theme.names == ("blood pressure", "heart rate", "stress")
    with pytest.raises(ThemeError, match="has 3 names; 4 variables need more"):
        assign_names(theme, "n4-m0000001", 4, seed=0)


def test_assignment_is_seeded_per_class_and_distinct():
    medicine = load_theme("medicine")
    draws = {m: assign_names(medicine, m, 6, seed=0) for m in (f"n6-m{k:07d}" for k in range(50))}
    assert all(
        len(set(names)) == 6 and set(names) <= set(medicine.names) for names in draws.values()
    )
    assert len({tuple(v) for v in draws.values()}) == 50  # classes get different names
    # the draw depends only on (seed, n, theme, class): asking in another order changes nothing
    assert all(assign_names(medicine, m, 6, seed=0) == v for m, v in reversed(draws.items()))
    other_seed = [assign_names(medicine, m, 6, seed=1) for m in draws]
    assert other_seed != list(draws.values())
    assert assign_names(load_theme("symbols"), "n5-m0000003", 5, seed=9) == list("ABCDE")


def _reference_names(theme, mec_id, n, seed):
    """The documented draw, one generator per class: the names the released data carries."""
    if theme.assignment == "in order":
        return list(theme.names[:n])
    key = [seed, n, zlib.crc32(theme.name.encode()), zlib.crc32(mec_id.encode()), 0x7E3E]
    picks = np.random.default_rng(key).choice(len(theme.names), size=n, replace=False)
    return [theme.names[int(k)] for k in picks]


def _reference_items(data, theme, labels, seed):
    """Premise, names, hypotheses and commonsense columns of one class, item by item."""
    names = _reference_names(theme, data.mec_id, data.n, seed)
    forms = swap_forms(data.mec_id, data.n, seed=seed)
    out = {c: [] for c in ("hypothesis", "node_i", "node_j", "commonsense")}
    out["commonsense_conflict"] = []
    t = 0
    for p, (i, j) in enumerate(pairs(data.n)):
        a, b = names[i], names[j]
        for r, rel in enumerate(RELATIONS):
            out["hypothesis"].append(verbalize_hypothesis(rel, a, b, form=int(forms[p, r])))
            out["node_i"].append(a)
            out["node_j"].append(b)
            value = commonsense(theme, rel, a, b)
            out["commonsense"].append(value)
            out["commonsense_conflict"].append(commonsense_conflict(value, labels[t]))
            t += 1
    out["premise"] = [verbalize_premise(data.statements, names)] * len(labels)
    return out


@pytest.mark.parametrize("theme_name", THEMES)
def test_fast_naming_equals_the_item_by_item_reference(theme_name, classes_2_to_6):
    # The writers draw the names of all classes of an N at once (assign_names_many replays
    # NumPy's draw on arrays) and class_columns looks names' sentences up per pair
    # (NamedPairs); the reference draws one class at a time and writes every item on its
    # own. The names of every class; the items of every class of N = 2..5 and every 9th of
    # N = 6. Three seeds (one above 2**32): the draw and the swap forms move.
    variant = VARIANTS[f"names-{theme_name}"]
    theme = variant.theme
    for seed in (0, 7, 2**32 + 3):
        for n in range(2, 7):
            table = hypothesis_table(n, variant)
            letters = hypothesis_table(n, VARIANTS["original"])
            many = variant.class_names_many([c.mec_id for c in classes_2_to_6[n]], n, seed=seed)
            for k, data in enumerate(classes_2_to_6[n]):
                names = _reference_names(theme, data.mec_id, n, seed)
                assert many[k] == names, (theme_name, data.mec_id, seed)
                if (n == 6 and k % 9) or seed > 7:
                    continue
                cols = class_columns(data, variant, table, split="dev", seed=seed, names=many[k])
                plain = class_columns(data, VARIANTS["original"], letters, split="dev", seed=seed)
                labels = plain["label"]
                assert cols["label"] == labels
                for column, expected in _reference_items(data, theme, labels, seed).items():
                    assert cols[column] == expected, (theme_name, data.mec_id, column)


@pytest.mark.parametrize("size", [2, 3, 7, 26, 300])
def test_array_draw_equals_numpy_choice(size):
    # every n up to the population, n == size included (its last Floyd bound is 0: no draw)
    rows = 64
    for n in range(1, min(size, 9) + 1):
        entropy = [
            np.arange(rows, dtype=np.uint32) * np.uint32(2654435761),
            np.full(rows, n, dtype=np.uint32),
            np.full(rows, 2**32 - 1, dtype=np.uint32),
        ]
        picks, decided = themes_module._seeded_choices(entropy, size, n)
        for r in range(rows):
            key = [r * 2654435761 % 2**32, n, 2**32 - 1]
            expected = np.random.default_rng(key).choice(size, size=n, replace=False)
            assert decided[r] and picks[r].tolist() == expected.tolist(), (size, n, r)


def test_array_draw_falls_back_to_one_class_at_a_time(monkeypatch):
    medicine = load_theme("medicine")
    ids = [f"n4-m{k:07d}" for k in range(30)]
    expected = [assign_names(medicine, m, 4, seed=2) for m in ids]
    real = themes_module._seeded_choices

    def undecided(entropy, size, n):  # rows 3 and 17 "rejected" a draw: their picks are junk
        picks, decided = real(entropy, size, n)
        picks[[3, 17]] = np.arange(n)[::-1]
        decided[[3, 17]] = False
        return picks, decided

    monkeypatch.setattr(themes_module, "_seeded_choices", undecided)
    assert assign_names_many(medicine, ids, 4, seed=2) == expected

    def changed(entropy, size, n):  # a NumPy whose choice() draws differently
        picks, decided = real(entropy, size, n)
        return (picks + 1) % size, decided

    monkeypatch.setattr(themes_module, "_seeded_choices", changed)
    assert assign_names_many(medicine, ids, 4, seed=2) == expected
    with pytest.raises(ThemeError, match="has 26 names; 27 variables need more"):
        assign_names_many(medicine, ids, 27, seed=0)


def _solve_and_compare(data, variant, letters_table, table, solver, seed=0):
    """Themed items of one class equal the letter items except in the names; the solver agrees."""
    letters = class_columns(data, VARIANTS["original"], letters_table, split="train", seed=seed)
    named = class_columns(data, variant, table, split="train", seed=seed)
    for column in ("id", "mec_id", "relation", "template", "label", "label3", "fraction"):
        assert named[column] == letters[column], column
    assert set(item_columns(variant)) == set(named)
    premise = named["premise"][0]
    parsed = parse_premise(premise)
    assert parsed.key[1:] == parse_premise(letters["premise"][0]).key[1:]  # same facts
    names = list(parsed.names)
    assert len(set(names)) == data.n
    for k, hypothesis in enumerate(named["hypothesis"]):
        sol = solver.solve(premise, hypothesis)
        assert (sol.label, sol.label3) == (named["label"][k], named["label3"][k])
        h = parse_hypothesis(hypothesis, names)
        assert h.relation == named["relation"][k]
        assert (names[h.x], names[h.y]) == (named["node_i"][k], named["node_j"][k])


def _check_theme(theme_name, classes_by_n, ns, every=1):
    variant = VARIANTS[f"names-{theme_name}"]
    solver = Solver()
    for n in ns:
        letters_table = hypothesis_table(n, VARIANTS["original"])
        table = hypothesis_table(n, variant)
        for data in classes_by_n[n][::every]:
            _solve_and_compare(data, variant, letters_table, table, solver)


@pytest.mark.parametrize("theme_name", REQUIRED)
def test_every_theme_keeps_the_labels_and_the_solver_agrees(theme_name, classes_2_to_6):
    # all items of N = 2..4, every 8th class of N = 5 and every 150th of N = 6 (the slow test
    # checks every item of N = 5 and 6)
    _check_theme(theme_name, classes_2_to_6, (2, 3, 4))
    _check_theme(theme_name, classes_2_to_6, (5,), every=8)
    _check_theme(theme_name, classes_2_to_6, (6,), every=150)


@pytest.mark.slow
@pytest.mark.parametrize("theme_name", REQUIRED)
def test_every_theme_every_n5_and_n6_item(theme_name, classes_2_to_6):
    _check_theme(theme_name, classes_2_to_6, (5, 6))


def test_symbols_theme_writes_the_original_text(classes_2_to_6):
    for n in (3, 5):
        t_orig = hypothesis_table(n, VARIANTS["original"])
        t_sym = hypothesis_table(n, VARIANTS["names-symbols"])
        for data in classes_2_to_6[n][:30]:
            a = class_columns(data, VARIANTS["original"], t_orig, split="dev", seed=3)
            b = class_columns(data, VARIANTS["names-symbols"], t_sym, split="dev", seed=3)
            assert all(a[c] == b[c] for c in a if c != "variant")


def _claimed_cause(hypothesis: str, names: list[str]) -> str | None:
    """Which name the sentence says causes the other (read from the text, not the columns)."""
    h = parse_hypothesis(hypothesis, names)
    if h.relation in ("parent", "non-parent ancestor"):
        return names[h.x]
    if h.relation in ("child", "non-child descendant"):
        return names[h.y]
    return None


def test_commonsense_columns_match_the_links_read_from_the_text(classes_2_to_6):
    medicine = load_theme("medicine")
    known = {(link.cause, link.effect) for link in medicine.links}
    variant = VARIANTS["names-medicine"]
    seen = {"agrees": 0, "contradicts": 0, "unrelated": 0, None: 0}
    conflicts = 0
    for n in (4, 5, 6):
        table = hypothesis_table(n, variant)
        for data in classes_2_to_6[n][:: {4: 1, 5: 2, 6: 25}[n]]:
            cols = class_columns(data, variant, table, split="test", seed=0)
            names = list(parse_premise(cols["premise"][0]).names)
            for k, hypothesis in enumerate(cols["hypothesis"]):
                a, b = cols["node_i"][k], cols["node_j"][k]
                cause = _claimed_cause(hypothesis, names)
                if (a, b) not in known and (b, a) not in known:
                    expected = None
                elif cause is None:
                    expected = "unrelated"
                else:
                    effect = b if cause == a else a
                    expected = "agrees" if (cause, effect) in known else "contradicts"
                assert cols["commonsense"][k] == expected
                label = cols["label"][k]
                conflict = {"agrees": label == 0, "contradicts": label == 1}.get(expected)
                assert cols["commonsense_conflict"][k] == conflict
                seen[expected] += 1
                conflicts += conflict is True
    assert min(seen.values()) > 0 and conflicts > 0


def test_generate_writes_themed_variants_deterministically(tmp_path, classes_2_to_4):
    config = GenerationConfig(
        nodes=[2, 3, 4],
        variants=["original", "names-medicine"],
        formats=["csv", "parquet", "jsonl"],
    )
    m1 = generate_dataset(tmp_path / "a", config, classes_by_n=classes_2_to_4)
    m2 = generate_dataset(tmp_path / "b", config, classes_by_n=classes_2_to_4)
    assert m1["sha256"] == m2["sha256"]
    medicine = load_theme("medicine")
    assert m1["themes"] == {
        "names-medicine": {
            "name": "medicine",
            "version": medicine.version,
            "sha256": medicine.sha256,
        }
    }
    assert m1["items"]["names-medicine"] == m1["items"]["original"]
    named = pq.read_table(tmp_path / "a/names-medicine/items.parquet").to_pylist()
    letters = pq.read_table(tmp_path / "a/original/items.parquet").to_pylist()
    assert [r["label"] for r in named] == [r["label"] for r in letters]
    assert {"commonsense", "commonsense_conflict"} <= set(named[0])
    first = json.loads((tmp_path / "a/names-medicine/items.jsonl").read_text().splitlines()[0])
    assert first["id"] == named[0]["id"] and "commonsense" in first
    # another node range gives the N = 3 classes the same names
    m3 = generate_dataset(
        tmp_path / "c",
        GenerationConfig(nodes=[3], variants=["names-medicine"]),
        classes_by_n=classes_2_to_4,
    )
    only3 = pq.read_table(tmp_path / "c/names-medicine/items.parquet").to_pylist()
    assert only3 == [r for r in named if r["num_variables"] == 3]
    assert m3["items"]["names-medicine"] == len(only3) == 6 * comb(3, 2) * 5


def test_custom_theme_variant(classes_2_to_6):
    theme = parse_theme(
        'name = "lab"\nversion = 2\nnames = ["x-ray dose", "cell count", "O\'Brien index", '
        '"café visits", "Blutdruck"]\n[[links]]\ncause = "x-ray dose"\neffect = "cell count"\n'
        'source = "s"\n'
    )
    variant = theme_variant(theme)
    assert variant.name == "names-lab" and "lab v2" in variant.description
    table = hypothesis_table(5, variant)
    solver = Solver()
    for data in classes_2_to_6[5][::200]:
        _solve_and_compare(data, variant, hypothesis_table(5, VARIANTS["original"]), table, solver)
