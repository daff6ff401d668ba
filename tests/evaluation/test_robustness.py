"""The robustness experiment: variant discovery, the shortcut analysis and the full report.

Model behaviour is simulated with label backends whose output is known exactly: the exact
solver (``oracle``, robust by construction) and a fake "shortcut learner" that answers with
the gold label except that it calls every hypothesis in which a later letter causes an
earlier one invalid. On the original wording the two are indistinguishable; refactoring the
variable names exposes the shortcut, which is the paper's point.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

from corr2cause.dataset.readers import EvalItem, read_items
from corr2cause.evaluation.backends import register_backend
from corr2cause.evaluation.backends.base import Backend, Request, Response
from corr2cause.evaluation.robustness import (
    BACKWARD_RELATIONS,
    DIRECTIONAL_RELATIONS,
    RobustnessError,
    cause_and_effect,
    discover_variants,
    load_test_items,
    run_robustness,
    shortcut_analysis,
)

FORWARD = ("parent", "non-parent ancestor")


class ShortcutLearner(Backend):
    """Gold label, except "later letter causes earlier letter" is always invalid."""

    name = "fake-shortcut-learner"

    def stream(
        self, requests: Sequence[Request], *, concurrency: int = 1
    ) -> Iterator[tuple[int, Response]]:
        for index, request in enumerate(requests):
            pair = cause_and_effect(request.item)
            label = 0 if pair is not None and pair[0] > pair[1] else request.item.label
            yield index, Response(text=str(label), label=label)


register_backend(ShortcutLearner.name, ShortcutLearner)


def test_variants_are_found_in_report_order(dataset_dir: Path, tmp_path: Path):
    assert list(discover_variants(dataset_dir)) == ["original", "paraphrase", "refactor"]
    with pytest.raises(RobustnessError, match="no variant folders"):
        discover_variants(tmp_path)
    with pytest.raises(RobustnessError, match="no such dataset folder"):
        discover_variants(tmp_path / "missing")


def test_test_items_share_ids_across_variants(dataset_dir: Path):
    tests = {v: load_test_items(dataset_dir / v) for v in ("original", "paraphrase", "refactor")}
    ids = [item.id for item in tests["original"]]
    assert len(ids) == 114
    for items in tests.values():
        assert [item.id for item in items] == ids
        assert [item.label for item in items] == [item.label for item in tests["original"]]
    assert tests["refactor"][0].premise != tests["original"][0].premise


def test_the_normalized_layout_gives_the_same_test_items(dataset_dir: Path, tmp_path: Path):
    from typer.testing import CliRunner

    from corr2cause.cli.app import app

    out = tmp_path / "normalized"
    res = CliRunner().invoke(
        app,
        ["generate", "--nodes", "2-4", "--out", str(out), "--layout", "normalized",
         "--variant", "original,refactor", "-q"],
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    assert (out / "refactor" / "items").is_dir()
    assert list(discover_variants(out)) == ["original", "refactor"]
    for variant in ("original", "refactor"):
        assert load_test_items(out / variant) == load_test_items(dataset_dir / variant)


@pytest.mark.parametrize("variant", ["original", "paraphrase", "refactor"])
def test_cause_and_effect_reads_every_directional_template(dataset_dir: Path, variant: str):
    items = read_items(dataset_dir / variant / "items.parquet")
    directional = [item for item in items if item.relation in DIRECTIONAL_RELATIONS]
    assert len(directional) == 4 * len(items) // 6
    for item in items:
        pair = cause_and_effect(item)
        if item.relation not in DIRECTIONAL_RELATIONS:
            assert pair is None
            continue
        assert pair is not None and pair[0] != pair[1]
        later_causes_earlier = pair[0] > pair[1]
        # the letters run A, B, C, ... in original and paraphrase, Z, Y, X, ... refactored
        backward = item.relation in BACKWARD_RELATIONS
        assert later_causes_earlier == (backward if variant != "refactor" else not backward)


def _item(k: int, hypothesis: str, relation: str, label: int) -> EvalItem:
    premise = (
        "Suppose there is a closed system of 3 variables, A, B and C. All the statistical "
        "relations among these 3 variables are as follows: A correlates with B. A correlates "
        "with C. B correlates with C."
    )
    return EvalItem(f"i{k}", premise, hypothesis, "", label, 3, relation)


def test_shortcut_analysis_counts():
    items = [
        _item(0, "A directly causes B.", "parent", 1),
        _item(1, "A causes something else which causes C.", "non-parent ancestor", 0),
        _item(2, "B directly causes A.", "child", 0),
        _item(3, "C is a cause for A, but not a direct one.", "non-child descendant", 0),
        _item(4, "C influences B through some mediator(s).", "non-child descendant", 0),
        _item(5, "There exists at least one collider (i.e., common effect) of A and B.",
              "has_collider", 1),
    ]  # fmt: skip
    preds = [1, 0, 1, 0, 0, 1]
    result = shortcut_analysis(items, preds)
    back = result["backward_relations"]
    assert (back["n"], back["gold_valid"], back["predicted_valid"]) == (3, 0, 1)
    assert back["accuracy"] == pytest.approx(66.67) and back["predicted_valid_pct"] == 33.33
    rule = result["later_causes_earlier_rule"]
    assert (rule["n"], rule["gold_valid"], rule["rule_accuracy"]) == (3, 0, 100.0)
    assert rule["coverage_pct"] == 50.0 and rule["model_accuracy"] == pytest.approx(66.67)
    other = result["earlier_causes_later"]
    assert (other["n"], other["gold_valid"], other["model_accuracy"]) == (2, 1, 100.0)
    assert "rule_accuracy" not in other
    with pytest.raises(ValueError, match="differ in length"):
        shortcut_analysis(items, preds[:-1])


def test_the_exact_solver_is_robust(dataset_dir: Path, tmp_path: Path):
    report = run_robustness("oracle", dataset_dir, tmp_path / "rob")
    assert list(report["variants"]) == ["original", "paraphrase", "refactor"]
    for row in report["variants"].values():
        assert (row["f1"], row["accuracy"]) == (100.0, 100.0)
        assert row["delta"] == {"f1": 0.0, "precision": 0.0, "recall": 0.0, "accuracy": 0.0}
        assert row["agreement_with_original"] == {
            "n": 114, "agreement_pct": 100.0, "aligned_by": "id"
        }  # fmt: skip
    for name in ("original", "paraphrase", "refactor"):
        assert (tmp_path / "rob" / name / "metrics.json").is_file()
        assert (tmp_path / "rob" / name / "predictions.jsonl").is_file()
    on_disk = json.loads((tmp_path / "rob" / "robustness.json").read_text())
    assert on_disk["variants"]["refactor"]["f1"] == 100.0
    markdown = (tmp_path / "rob" / "robustness.md").read_text()
    assert "| refactor | 114 | 100.00 |" in markdown and "## Alphabetical shortcut" in markdown


def test_a_shortcut_learner_collapses_under_refactoring(dataset_dir: Path, tmp_path: Path):
    report = run_robustness(ShortcutLearner.name, dataset_dir, tmp_path / "rob")
    rows = report["variants"]
    test = load_test_items(dataset_dir / "original")
    valid = sum(item.label for item in test)
    forward_valid = sum(item.label for item in test if item.relation in FORWARD)
    forward = sum(1 for item in test if item.relation in FORWARD)
    assert valid > forward_valid > 0
    # original and paraphrase: the shortcut never fires on a valid item
    for name in ("original", "paraphrase"):
        assert rows[name]["f1"] == 100.0
        assert rows[name]["shortcut"]["later_causes_earlier_rule"]["rule_accuracy"] == 100.0
    # refactored: every valid parent / ancestor item is now rejected
    recall = round(100 * (valid - forward_valid) / valid, 2)
    assert rows["refactor"]["recall"] == recall and rows["refactor"]["precision"] == 100.0
    assert rows["refactor"]["delta"]["recall"] == round(recall - 100.0, 2)
    assert rows["refactor"]["by_relation"]["parent"]["predicted_valid"] == 0
    rule = rows["refactor"]["shortcut"]["later_causes_earlier_rule"]
    assert rule["n"] == forward
    assert rule["rule_accuracy"] == round(100 * (forward - forward_valid) / forward, 2)
    assert rows["refactor"]["agreement_with_original"]["agreement_pct"] == round(
        100 * (len(test) - forward_valid) / len(test), 2
    )


def test_variant_selection_and_limit(dataset_dir: Path, tmp_path: Path):
    report = run_robustness(
        "majority", dataset_dir, tmp_path / "rob", variants=["refactor"], limit=10
    )
    assert list(report["variants"]) == ["refactor"]
    row = report["variants"]["refactor"]
    assert row["n"] == 10 and row["delta"] is None and row["agreement_with_original"] is None
    with pytest.raises(RobustnessError, match=r"no variant folder\(s\) \['relabel'\]"):
        run_robustness("majority", dataset_dir, tmp_path / "x", variants=["relabel"])


def test_a_trained_classifier_runs_through_the_report(
    dataset_dir: Path, tiny_encoder_dir: Path, tmp_path: Path
):
    from corr2cause.training.finetune import FinetuneConfig, finetune

    model = tmp_path / "model"
    finetune(
        FinetuneConfig(
            data=str(dataset_dir), out=str(model), model=str(tiny_encoder_dir), max_train=32,
            max_dev=16, max_steps=2, batch_size=8, max_length=64, lr=1e-3,
        ),
        progress=False,
    )  # fmt: skip
    report = run_robustness(str(model), dataset_dir, tmp_path / "rob", limit=30)
    assert report["model"] == f"classifier:{model}"
    assert set(report["variants"]) == {"original", "paraphrase", "refactor"}
    for name, row in report["variants"].items():
        preds = [json.loads(line)["pred"] for line in (tmp_path / "rob" / name /
                 "predictions.jsonl").open()]  # fmt: skip
        assert row["n"] == len(preds) == 30 and row["request_failures"] == 0
        assert row["predicted_valid"] == sum(preds)


def test_the_old_training_names_still_resolve_with_a_warning():
    import corr2cause.evaluation.robustness as robustness
    import corr2cause.training as training

    for name in ("RobustnessError", "run_robustness", "shortcut_analysis"):
        with pytest.warns(DeprecationWarning, match=f"evaluation.robustness.{name}"):
            assert getattr(training, name) is getattr(robustness, name)
    with pytest.raises(AttributeError):
        _ = training.no_such_name
