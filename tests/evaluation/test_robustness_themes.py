"""The robustness report on themed variants: one row per theme, and the commonsense split.

The data are the real generator's ``original``, ``names-medicine`` and ``names-everyday``
variants for N = 2..5 (medicine names have several words: ``lung cancer``, ``type 2
diabetes``). The model is scripted: it answers from world knowledge where the pair carries a
known link (yes to a hypothesis that *agrees* with the link, no to one that *contradicts* it)
and by a fixed coin elsewhere, so every expected number below is counted by hand from the
items file, independently of :mod:`corr2cause.evaluation.metrics`; the gold labels of the
linked items are re-derived by the independent oracle (``tests/oracle.py``).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

import oracle
from corr2cause.dataset.generate import GenerationConfig, generate_dataset
from corr2cause.dataset.readers import EvalItem
from corr2cause.evaluation.backends.base import Backend, Request, Response
from corr2cause.evaluation.robustness import (
    BACKWARD_RELATIONS,
    DIRECTIONAL_RELATIONS,
    cause_and_effect,
    load_test_items,
    render_markdown,
    run_robustness,
)
from corr2cause.evaluation.run_guard import RunIdentityError

from .conftest import hand_scores

THEMES = ("names-medicine", "names-everyday")
GROUPS = ("aligned", "conflicting", "agrees", "contradicts", "unrelated", "no_link")


@pytest.fixture(scope="module")
def themed_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("themes") / "data"
    config = GenerationConfig(nodes=[2, 3, 4, 5], variants=["original", *THEMES], formats=["jsonl"])
    generate_dataset(out, config)
    return out


def _test_rows(data: Path, variant: str) -> list[dict[str, Any]]:
    lines = (data / variant / "items.jsonl").read_text(encoding="utf-8").splitlines()
    return [row for row in map(json.loads, lines) if row["split"] == "test"]


def _coin(text: str) -> int:
    return hashlib.sha256(text.encode()).digest()[0] & 1


def _world(row: dict[str, Any]) -> int:
    """What the scripted model answers: world knowledge where there is a link, else a coin."""
    return {"agrees": 1, "contradicts": 0}.get(row["commonsense"], _coin(row["id"]))


class Scripted(Backend):
    """Answers ``preds[item.id]``."""

    name = "fake-scripted"

    def __init__(self, preds: dict[str, int]) -> None:
        super().__init__("")
        self.preds = preds

    def stream(
        self, requests: Sequence[Request], *, concurrency: int = 1
    ) -> Iterator[tuple[int, Response]]:
        for index, request in enumerate(requests):
            label = self.preds[request.item.id]
            yield index, Response(text=str(label), label=label)


def _in_group(row: dict[str, Any], group: str) -> bool:
    value, conflict = row["commonsense"], row["commonsense_conflict"]
    if group == "aligned":
        return conflict is False
    if group == "conflicting":
        return conflict is True
    if group == "no_link":
        return value is None
    return value == group


def test_cause_and_effect_reads_multi_word_names(themed_dir: Path):
    """Every directional themed item: the (cause, effect) the generator's columns name."""
    multi_word = 0
    for variant in THEMES:
        items = {item.id: item for item in load_test_items(themed_dir / variant)}
        for row in _test_rows(themed_dir, variant):
            pair = cause_and_effect(items[row["id"]])
            if row["relation"] not in DIRECTIONAL_RELATIONS:
                assert pair is None
                continue
            i, j = row["node_i"], row["node_j"]
            assert pair == ((j, i) if row["relation"] in BACKWARD_RELATIONS else (i, j)), row["id"]
            multi_word += " " in pair[0] or " " in pair[1]
    assert multi_word > 100  # the point of the test: names of several words


def test_cause_and_effect_takes_the_longest_declared_name():
    """``lung cancer risk`` is not ``lung cancer``: names are matched whole, as declared."""
    premise = (
        "Suppose there is a closed system of 3 variables, lung cancer, lung cancer risk and "
        "smoking. All the statistical relations among these 3 variables are as follows: lung "
        "cancer correlates with lung cancer risk. lung cancer correlates with smoking. lung "
        "cancer risk correlates with smoking. However, lung cancer risk and smoking are "
        "independent given lung cancer."
    )
    item = EvalItem("x", premise, "smoking is a cause for lung cancer risk, but not a direct one.",
                    "", 0, 3, "non-child descendant")  # fmt: skip
    assert cause_and_effect(item) == ("smoking", "lung cancer risk")
    unreadable = EvalItem("y", "Once upon a time.", "smoking directly causes lung cancer.", "",
                          0, 2, "parent")  # fmt: skip
    assert cause_and_effect(unreadable) is None


def test_rows_per_theme_and_the_commonsense_split(themed_dir: Path, tmp_path: Path):
    rows = {v: _test_rows(themed_dir, v) for v in ("original", *THEMES)}
    preds = {row["id"]: _world(row) for row in rows["names-medicine"]}
    linked = [row for row in rows["names-medicine"] if row["commonsense"] is not None]
    assert len(linked) >= 20
    for row in linked:  # gold of the linked items, re-derived from the text alone
        assert oracle.verdict(row["premise"], row["hypothesis"]).label == row["label"], row["id"]

    report = run_robustness(Scripted(preds), themed_dir, tmp_path / "rob")
    variants = report["variants"]
    assert list(variants) == ["original", "names-everyday", "names-medicine"]
    assert variants["original"]["commonsense"] is None
    for variant in THEMES:
        row = variants[variant]
        expected = hand_scores([(r["label"], preds[r["id"]]) for r in rows[variant]])
        assert {k: row[k] for k in expected} == expected
        assert row["agreement_with_original"]["agreement_pct"] == 100.0  # same ids, same preds
        assert row["delta"] == {"f1": 0.0, "precision": 0.0, "recall": 0.0, "accuracy": 0.0}
        split = row["commonsense"]
        aligned = hand_scores(
            [(r["label"], preds[r["id"]]) for r in rows[variant] if _in_group(r, "aligned")]
        )
        for group in GROUPS:
            members = [r for r in rows[variant] if _in_group(r, group)]
            want = hand_scores([(r["label"], preds[r["id"]]) for r in members])
            assert {k: split[group][k] for k in want} == want, (variant, group)
            for m in ("f1", "precision", "recall", "accuracy"):
                a, b = want[m], aligned[m]
                assert split[group]["delta"][m] == (
                    None if a is None or b is None else round(a - b, 2)
                ), (variant, group, m)
    medicine = variants["names-medicine"]["commonsense"]
    # world knowledge is right on every aligned item and wrong on every conflicting one
    assert medicine["aligned"]["accuracy"] == 100.0 and medicine["conflicting"]["accuracy"] == 0.0
    assert medicine["conflicting"]["n"] == sum(r["commonsense_conflict"] is True for r in linked)
    assert medicine["f1_gap"] == round(medicine["aligned"]["f1"] - medicine["conflicting"]["f1"], 2)
    assert sum(medicine[g]["n"] for g in GROUPS[2:]) == len(rows["names-medicine"])

    markdown = (tmp_path / "rob" / "robustness.md").read_text(encoding="utf-8")
    assert markdown == render_markdown(report)
    assert "| names-medicine | 594 |" in markdown and "## Commonsense split" in markdown
    conflicting = medicine["conflicting"]
    assert (
        f"| names-medicine | conflicting | {conflicting['n']} | {conflicting['gold_valid']} | "
        f"{conflicting['predicted_valid']} | {conflicting['f1']:.2f} |"
    ) in markdown
    assert "| original | aligned |" not in markdown


def test_the_exact_solver_reads_every_themed_item(themed_dir: Path, tmp_path: Path):
    report = run_robustness("oracle", themed_dir, tmp_path / "rob", variants=list(THEMES))
    for variant in THEMES:
        row = report["variants"][variant]
        assert (row["f1"], row["accuracy"], row["n"]) == (100.0, 100.0, 594)
        split = row["commonsense"]
        assert split["f1_gap"] in (0.0, None)
        assert all(split[g]["accuracy"] in (100.0, None) for g in GROUPS)


def test_a_report_of_another_experiment_is_not_overwritten(themed_dir: Path, tmp_path: Path):
    out = tmp_path / "rob"
    first = run_robustness("majority", themed_dir, out, variants=["names-medicine"], limit=20)
    before = (out / "robustness.json").read_bytes()
    again = run_robustness("majority", themed_dir, out, variants=["names-medicine"], limit=20)
    assert again["variants"] == first["variants"]  # the same experiment resumes
    for change in ({"variants": ["original"], "limit": 20},
                   {"variants": ["names-medicine"], "limit": 10}):  # fmt: skip
        with pytest.raises(RunIdentityError, match="--overwrite"):
            run_robustness("majority", themed_dir, out, **change)
    with pytest.raises(RunIdentityError, match="another experiment"):
        run_robustness("oracle", themed_dir, out, variants=["names-medicine"], limit=20)
    assert (
        json.loads(before)["variants"]
        == json.loads((out / "robustness.json").read_bytes())["variants"]
    )
    replaced = run_robustness(
        "majority", themed_dir, out, variants=["original"], limit=10, overwrite=True
    )
    assert list(replaced["variants"]) == ["original"]
    on_disk = json.loads((out / "robustness.json").read_text(encoding="utf-8"))
    assert on_disk["identity"]["variants"] == ["original"] and on_disk["identity"]["limit"] == 10
    (out / "robustness.json").write_text("not json", encoding="utf-8")
    with pytest.raises(RunIdentityError, match="without a readable identity"):
        run_robustness("majority", themed_dir, out, variants=["original"], limit=10)


def test_the_cli_refuses_to_overwrite_without_the_option(themed_dir: Path, tmp_path: Path):
    from typer.testing import CliRunner

    from corr2cause.cli.app import app

    out = tmp_path / "rob"
    base = ["robustness", "--model", "majority", "--data", str(themed_dir), "--out", str(out),
            "--variant", "names-everyday", "-q"]  # fmt: skip
    runner = CliRunner()
    first = runner.invoke(app, [*base, "--limit", "12"])
    assert first.exit_code == 0, first.output
    refused = runner.invoke(app, [*base, "--limit", "6"])
    assert refused.exit_code == 2 and "--overwrite" in refused.output
    replaced = runner.invoke(app, [*base, "--limit", "6", "--overwrite"])
    assert replaced.exit_code == 0, replaced.output
    assert json.loads((out / "robustness.json").read_text())["variants"]["names-everyday"]["n"] == 6
