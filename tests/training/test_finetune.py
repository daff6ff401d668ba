"""Fine-tuning: data selection, class weights, the weighted loss, and the real Trainer path.

The end-to-end tests train tiny random BERTs (see ``conftest.py``) for a few steps on the real
generator's output and check what the command promises: the saved folder loads in the
``classifier:`` evaluation backend and reproduces the best dev F1, runs resume from their
checkpoints to the same weights, and output folders are never silently mixed.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from corr2cause.dataset.readers import EvalItem
from corr2cause.training.finetune import (
    CONFIG_FILE,
    SUMMARY_FILE,
    FinetuneConfig,
    FinetuneError,
    class_weights,
    find_split_file,
    load_split,
    stratified_subset,
)


def _item(k: int, label: int, n: int = 5, relation: str = "parent") -> EvalItem:
    return EvalItem(str(k), "p", "h", f"Premise: p\nHypothesis: h{k}", label, n, relation)


# --- class weights ---------------------------------------------------------------------------


def test_class_weights_are_inverse_frequency():
    labels = [0] * 80 + [1] * 20
    w = class_weights(labels)
    assert w == pytest.approx([100 / (2 * 80), 100 / (2 * 20)])
    # the weighted class totals are equal and the weights average to 1 over the samples
    assert 80 * w[0] == pytest.approx(20 * w[1])
    assert (80 * w[0] + 20 * w[1]) / 100 == pytest.approx(1.0)


def test_class_weights_match_scikit_learn():
    sklearn_utils = pytest.importorskip("sklearn.utils")
    labels = np.random.default_rng(3).choice([0, 1], size=257, p=[0.83, 0.17])
    expected = sklearn_utils.compute_class_weight("balanced", classes=np.array([0, 1]), y=labels)
    assert class_weights(labels.tolist()) == pytest.approx(expected.tolist())


@pytest.mark.parametrize(
    ("labels", "message"),
    [([0, 0, 0], r"class\(es\) \[1\] do not occur"), ([0, 1, 2], r"outside 0\.\.1")],
)
def test_class_weights_reject_missing_or_unknown_classes(labels, message):
    with pytest.raises(FinetuneError, match=message):
        class_weights(labels)


# --- stratified subsets ----------------------------------------------------------------------


def test_stratified_subset_keeps_strata_proportions_and_is_seeded():
    pool = [_item(k, int(k % 5 == 0), n=4 + k % 2, relation=("parent", "child")[k % 3 == 0])
            for k in range(1000)]  # fmt: skip
    sample = stratified_subset(pool, 137, seed=7)
    assert len(sample) == 137
    assert len({item.id for item in sample}) == 137
    assert [int(i.id) for i in sample] == sorted(int(i.id) for i in sample)  # file order
    strata = Counter((i.num_variables, i.relation, i.label) for i in pool)
    got = Counter((i.num_variables, i.relation, i.label) for i in sample)
    for key, size in strata.items():
        assert abs(got[key] - 137 * size / 1000) < 1  # largest remainder: within one
    assert stratified_subset(pool, 137, seed=7) == sample
    assert stratified_subset(pool, 137, seed=8) != sample
    assert stratified_subset(pool, 5000, seed=0) == pool


def test_load_split_finds_generated_files(dataset_dir: Path):
    assert find_split_file(dataset_dir, "train") == dataset_dir / "original" / "train.csv"
    train = load_split(dataset_dir, "train")
    assert len(train) == 576 and {i.num_variables for i in train} == {4}
    # a variant folder given directly works too
    assert len(load_split(dataset_dir / "refactor", "dev")) == len(load_split(dataset_dir, "dev"))
    with pytest.raises(FinetuneError, match="no test split"):
        load_split(dataset_dir.parent, "test")


# --- the weighted loss -------------------------------------------------------------------------


def test_weighted_loss_is_the_weighted_mean_of_the_per_example_losses():
    torch = pytest.importorskip("torch")
    pytest.importorskip("accelerate")
    from types import SimpleNamespace

    from corr2cause.training._trainer import WeightedLossTrainer

    logits = torch.tensor([[2.0, -1.0], [0.5, 0.3], [-1.0, 1.5], [0.0, 0.0]])
    labels = torch.tensor([0, 1, 1, 0])

    def model(**inputs):
        assert "labels" not in inputs
        return SimpleNamespace(logits=logits)

    weights = [0.6, 3.0]
    fake = SimpleNamespace(class_weights=torch.tensor(weights))
    loss = WeightedLossTrainer.compute_loss(fake, model, {"input_ids": None, "labels": labels})
    nll = -torch.log_softmax(logits, dim=-1)[torch.arange(4), labels]
    w = torch.tensor([weights[y] for y in labels.tolist()])
    assert loss.item() == pytest.approx(float((w * nll).sum() / w.sum()), rel=1e-6)
    plain = WeightedLossTrainer.compute_loss(
        SimpleNamespace(class_weights=None), model, {"labels": labels}
    )
    assert plain.item() == pytest.approx(float(nll.mean()), rel=1e-6)
    assert not math.isclose(plain.item(), loss.item(), rel_tol=1e-3)


# --- the real Trainer path ---------------------------------------------------------------------


def _config(data: Path, out: Path, model: Path, **overrides) -> FinetuneConfig:
    values = dict(
        data=str(data),
        out=str(out),
        model=str(model),
        max_train=48,
        max_dev=40,
        max_steps=4,
        eval_steps=2,
        batch_size=8,
        max_length=64,
        lr=5e-4,
        seed=0,
    )
    values.update(overrides)
    return FinetuneConfig(**values)


def _weights(folder: Path) -> dict[str, np.ndarray]:
    from safetensors.numpy import load_file

    return load_file(str(folder / "model.safetensors"))


@pytest.fixture(scope="module")
def trained(dataset_dir: Path, tiny_encoder_dir: Path, tmp_path_factory) -> tuple[Path, dict]:
    """A tiny model fine-tuned for 4 steps, checkpoints kept."""
    from corr2cause.training.finetune import finetune

    out = tmp_path_factory.mktemp("ft") / "model"
    config = _config(dataset_dir, out, tiny_encoder_dir, keep_checkpoints=True)
    return out, finetune(config, progress=False)


def test_finetune_writes_a_complete_model_folder(trained, dataset_dir: Path):
    out, summary = trained
    assert json.loads((out / SUMMARY_FILE).read_text()) == summary
    config = json.loads((out / "config.json").read_text())
    assert config["id2label"] == {"0": "invalid", "1": "valid"}
    assert config["label2id"] == {"invalid": 0, "valid": 1}
    tok = json.loads((out / "tokenizer_config.json").read_text())
    assert tok["truncation_side"] == "left" and tok["model_max_length"] == 64

    assert summary["steps"] == 4
    assert summary["data"]["train_used"] == 48 and summary["data"]["dev_used"] == 40
    # class weights as specified, on the subset actually trained on
    train = stratified_subset(load_split(dataset_dir, "train"), 48, seed=0)
    assert summary["data"]["train_valid"] == sum(i.label for i in train)
    assert summary["class_weights"] == pytest.approx(class_weights([i.label for i in train]))
    # dev evaluated every 2 steps; the best is the maximum of the curve
    assert [e["step"] for e in summary["dev_curve"]] == [2, 4]
    assert summary["best_dev_f1"] == max(e["eval_f1"] for e in summary["dev_curve"])
    assert summary["settings"]["model"] == str(Path(summary["settings"]["model"]).resolve())


def test_saved_model_is_the_best_dev_checkpoint(trained):
    out, summary = trained
    best = out / "checkpoints" / f"checkpoint-{summary['best_checkpoint_step']}"
    saved, kept = _weights(out), _weights(best)
    assert saved.keys() == kept.keys()
    for name in saved:
        np.testing.assert_array_equal(saved[name], kept[name], err_msg=name)


def test_round_trip_through_the_classifier_backend(trained, dataset_dir: Path, tmp_path):
    """save -> load -> evaluate: the backend reproduces the best dev F1 exactly."""
    from corr2cause.evaluation import evaluate, load_backend

    out, summary = trained
    dev = stratified_subset(load_split(dataset_dir, "dev"), 40, seed=1)
    backend = load_backend(f"classifier:{out}", batch_size=7)
    assert backend.max_length == 64 and backend.params()["truncation_side"] == "left"
    metrics = evaluate(backend, dev, out_dir=tmp_path / "dev-eval", n_boot=0)
    backend.close()
    assert metrics["n"] == 40 and metrics["request_failures"] == 0
    best = summary["best_dev"]
    for name in ("f1", "precision", "recall", "accuracy"):
        assert metrics[name] == best[f"eval_{name}"], name
    rows = [json.loads(line) for line in (tmp_path / "dev-eval" / "predictions.jsonl").open()]
    assert {r["prompt"]["input"] for r in rows} == {i.input for i in dev}


class _Interrupt(Exception):
    pass


def _interrupt_after_save(step: int):
    from transformers import TrainerCallback

    class Stop(TrainerCallback):
        def on_save(self, args, state, control, **kwargs):
            if state.global_step == step:
                raise _Interrupt

    return Stop()


def test_resume_from_checkpoint_reaches_the_same_model(dataset_dir, tiny_encoder_dir, tmp_path):
    from corr2cause.training.finetune import finetune

    straight = finetune(
        _config(dataset_dir, tmp_path / "a", tiny_encoder_dir, max_steps=6), progress=False
    )
    config = _config(dataset_dir, tmp_path / "b", tiny_encoder_dir, max_steps=6)
    with pytest.raises(_Interrupt):
        finetune(config, progress=False, callbacks=[_interrupt_after_save(4)])
    assert (tmp_path / "b" / CONFIG_FILE).is_file()
    assert not (tmp_path / "b" / SUMMARY_FILE).exists()
    assert (tmp_path / "b" / "checkpoints" / "checkpoint-4").is_dir()

    resumed = finetune(config, progress=False)
    assert resumed["resumed_from"].endswith("checkpoint-4")
    assert resumed["steps"] == straight["steps"] == 6
    assert [e["step"] for e in resumed["dev_curve"]] == [2, 4, 6]
    assert [e["eval_f1"] for e in resumed["dev_curve"]] == [
        e["eval_f1"] for e in straight["dev_curve"]
    ]
    a, b = _weights(tmp_path / "a"), _weights(tmp_path / "b")
    for name in a:
        np.testing.assert_allclose(a[name], b[name], rtol=1e-5, atol=1e-6, err_msg=name)
    assert not (tmp_path / "b" / "checkpoints").exists()  # removed after success by default


def test_output_folders_are_never_mixed(trained, dataset_dir, tiny_encoder_dir, tmp_path):
    from corr2cause.training.finetune import finetune

    out, _ = trained
    with pytest.raises(FinetuneError, match="already holds a finished model"):
        finetune(_config(dataset_dir, out, tiny_encoder_dir), progress=False)

    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("mine")
    with pytest.raises(FinetuneError, match="not a fine-tuning output folder"):
        finetune(_config(dataset_dir, foreign, tiny_encoder_dir), progress=False, overwrite=True)
    assert (foreign / "notes.txt").read_text() == "mine"

    unfinished = tmp_path / "unfinished"
    config = _config(dataset_dir, unfinished, tiny_encoder_dir)
    with pytest.raises(_Interrupt):
        finetune(config, progress=False, callbacks=[_interrupt_after_save(2)])
    other = _config(dataset_dir, unfinished, tiny_encoder_dir, lr=1e-3)
    with pytest.raises(FinetuneError, match=r"other settings \(lr: 0\.0005 -> 0\.001\)"):
        finetune(other, progress=False)
    summary = finetune(other, progress=False, overwrite=True)
    assert summary["resumed_from"] is None and summary["settings"]["lr"] == 1e-3


def test_a_three_way_mnli_head_is_replaced_by_two_labels(dataset_dir, tmp_path):
    pytest.importorskip("accelerate")
    from corr2cause.training.finetune import finetune
    from fixtures.tiny_models import NLI_LABELS, build_tiny_sequence_classifier

    nli = build_tiny_sequence_classifier(tmp_path / "nli", NLI_LABELS, max_position_embeddings=128)
    summary = finetune(
        _config(dataset_dir, tmp_path / "out", nli, max_steps=1, eval_steps=1), progress=False
    )
    config = json.loads((tmp_path / "out" / "config.json").read_text())
    assert config["id2label"] == {"0": "invalid", "1": "valid"}
    assert summary["model"]["base_architectures"] == ["BertForSequenceClassification"]


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"max_length": 4096}, "exceeds the model's limit of 128"),
        ({"model": "/nonexistent/model"}, "not a local Hugging Face model folder"),
        ({"lr": 0.0}, "lr must be positive"),
        ({"warmup_ratio": 1.0}, r"warmup_ratio must be in \[0, 1\)"),
        ({"truncation_side": "middle"}, "truncation_side must be one of left, right"),
        ({"max_train": 3}, r"class\(es\) \[1\] do not occur"),
    ],
)
def test_bad_settings_fail_clearly(overrides, message, dataset_dir, tiny_encoder_dir, tmp_path):
    from corr2cause.training.finetune import finetune

    settings = dict(overrides)
    model = settings.pop("model", tiny_encoder_dir)
    config = _config(dataset_dir, tmp_path / "out", model, **settings)
    with pytest.raises(FinetuneError, match=message):
        finetune(config, progress=False)


def test_importing_the_package_and_cli_does_not_import_torch():
    import subprocess
    import sys

    code = (
        "import sys, corr2cause.cli.app, corr2cause.training, corr2cause.cli.train_cmd;"
        "heavy = [m for m in ('torch', 'transformers', 'accelerate') if m in sys.modules];"
        "assert not heavy, heavy"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
