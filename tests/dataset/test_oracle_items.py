"""Generated items against the independent oracle (``tests/oracle.py``), every N and variant.

The oracle reads only the text of an item: it parses the premise, enumerates the orientations
of its skeleton, keeps those with exactly the stated d-separations (networkx) and decides the
hypothesis by path enumeration. So a relation definition or a label rule that the generator
and the solver *share* (say, "collider" read as "common child") still fails here.
"""

from __future__ import annotations

import csv
import random

import pytest

import oracle
from corr2cause.dataset.compose import VARIANTS, class_columns, hypothesis_table
from corr2cause.dataset.generate import GenerationConfig, generate_dataset

SAMPLE_SIZES = {2: None, 3: None, 4: None, 5: 8, 6: 3}
"""Classes checked per N (``None``: all of them), drawn with a fixed seed."""


def sampled(classes_2_to_6, n):
    classes = list(classes_2_to_6[n])
    k = SAMPLE_SIZES[n]
    return classes if k is None else random.Random(1000 + n).sample(classes, k)


@pytest.mark.parametrize("variant", sorted(VARIANTS))
@pytest.mark.parametrize("n", sorted(SAMPLE_SIZES))
def test_items_agree_with_the_oracle(classes_2_to_6, n, variant):
    v = VARIANTS[variant]
    table = hypothesis_table(n, v)
    checked = 0
    for data in sampled(classes_2_to_6, n):
        cols = class_columns(data, v, table, split="test", seed=0)
        premise = cols["premise"][0]
        names = oracle.parse_premise(premise).names
        # themed variants draw names per class; relabeled ones permute the letters
        assert names == tuple(v.names(n)) or v.relabel or v.theme is not None
        members = oracle.members(premise)
        # the premise is word for word what networkx d-separation of a member says
        assert premise == oracle.render_premise(members[0], names)
        assert len(cols["hypothesis"]) == 6 * n * (n - 1) // 2
        for k, hyp in enumerate(cols["hypothesis"]):
            got = oracle.verdict(premise, hyp)
            item = (cols["label"][k], cols["label3"][k], cols["fraction"][k])
            assert item == (got.label, got.label3, got.fraction), (cols["id"][k], premise, hyp)
            oracle.check_relation_columns(
                hyp, cols["relation"][k], cols["node_i"][k], cols["node_j"][k]
            )
            assert cols["template"][k] == oracle.expected_template(
                hyp, names, paraphrase=v.paraphrase
            )
            checked += 1
    assert checked > 0


def test_every_hypothesis_of_a_class_is_distinct(classes_2_to_6):
    """One item per (pair, relation): no sentence repeats within a class (all variants, N=4)."""
    for v in VARIANTS.values():
        table = hypothesis_table(4, v)
        cols = class_columns(classes_2_to_6[4][7], v, table, split="test", seed=3)
        claims = {oracle.parse_hypothesis(h) for h in cols["hypothesis"]}
        keys = {
            (p, x, y) if p in ("direct", "indirect") else (p, *sorted((x, y))) for p, x, y in claims
        }
        assert len(keys) == len(cols["hypothesis"]) == 36


def test_official_csv_files_agree_with_the_oracle(tmp_path, classes_2_to_4):
    """What users download: every row of every CSV split, N = 2..4, all variants."""
    out = tmp_path / "gen"
    config = GenerationConfig(nodes=[2, 3, 4], variants=sorted(VARIANTS), formats=["csv"])
    generate_dataset(out, config, classes_by_n=classes_2_to_4)
    for variant in sorted(VARIANTS):
        rows = []
        for split in ("train", "dev", "test"):
            with open(out / variant / f"{split}.csv", newline="", encoding="utf-8") as fh:
                rows += list(csv.DictReader(fh))
        assert len(rows) == 6 * (1 * 2 + 3 * 5 + 6 * 20)
        for row in rows:
            premise, hyp = oracle.split_input(row["input"])
            names = oracle.parse_premise(premise).names
            assert int(row["num_variables"]) == len(names)
            assert int(row["label"]) == oracle.verdict(premise, hyp).label, row["input"]
            assert row["template"] == oracle.expected_template(
                hyp, names, paraphrase=VARIANTS[variant].paraphrase
            )
