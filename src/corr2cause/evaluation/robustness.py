"""The paper's robustness experiment: one model, every dataset variant, the drop from original.

Jin et al. (ICLR 2024, section 5.3) show that fine-tuned classifiers which look strong on the
original test set collapse when the same test items are reworded. This module evaluates one
model on the **test split of every variant present** in a generated dataset folder:

``original``
    the benchmark as released;
``paraphrase``
    the hypotheses reworded (SPEC section 5, "perturbation by paraphrasing");
``refactor``
    the variables renamed A, B, C, ... -> Z, Y, X, ... ("perturbation by refactorization");
``relabel`` (or any other variant folder)
    e.g. the debiased relabeling, evaluated the same way.

Splits are identical across variants (same item ids), so each perturbed test set is the
original test set, perturbed; the report also gives, per variant, the share of items whose
prediction agrees with the prediction on the original wording.

The alphabetical shortcut
    In the released data every representative DAG has its edges from earlier to later letters
    (SPEC section 8), so a hypothesis in which a **later letter causes an earlier one** is
    never valid: ``child`` and ``non-child descendant`` items are all invalid. A model can
    score well by learning this shortcut instead of causal inference. :func:`shortcut_analysis`
    measures it: the trivial rule "later letter causes earlier letter -> invalid" (its
    coverage and its accuracy on the items it fires on), and the model's behaviour on those
    items and on the ``child`` / ``non-child descendant`` items. Refactorization reverses the
    alphabet, so the rule fires on the *other* half of the directional hypotheses; a model
    that learned the shortcut then rejects valid ``parent`` / ``ancestor`` items.

Each variant is evaluated with :func:`corr2cause.evaluation.evaluate` (resumable, cached) into
``OUT/{variant}/`` (``predictions.jsonl``, ``metrics.json``, ``run.json``); the combined
report goes to ``OUT/robustness.json`` and ``OUT/robustness.md``.

The public interface is :func:`run_robustness`, :func:`shortcut_analysis`,
:func:`discover_variants`, :func:`load_test_items` and :func:`render_markdown`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from corr2cause import __version__
from corr2cause.atomic import atomic_write_text
from corr2cause.dataset.readers import EvalItem
from corr2cause.dataset.store import StoreError, open_dataset, read_items, variant_for_config
from corr2cause.errors import Corr2CauseError
from corr2cause.evaluation.metrics import METRIC_NAMES, confusion_counts, scores

__all__ = [
    "BACKWARD_RELATIONS",
    "DIRECTIONAL_RELATIONS",
    "PAPER_REFERENCE",
    "RobustnessError",
    "cause_and_effect",
    "discover_variants",
    "load_test_items",
    "render_markdown",
    "run_robustness",
    "shortcut_analysis",
]

VARIANT_ORDER = ("original", "paraphrase", "refactor", "relabel")
"""Report order of the known variants; other variant folders follow alphabetically."""

DIRECTIONAL_RELATIONS = ("parent", "non-parent ancestor", "child", "non-child descendant")
"""Relations whose hypothesis says that one variable causes the other."""

BACKWARD_RELATIONS = ("child", "non-child descendant")
"""Relations whose hypothesis names the later variable (index j) as the cause."""

PAPER_REFERENCE = {
    "model": "RoBERTa-Large-MNLI, fine-tuned (Jin et al., ICLR 2024)",
    "f1": {"original": "94.74", "paraphrase": "about 55-57", "refactor": "67.87"},
}
"""The paper's robustness numbers (test F1 ×100), as quoted in SPEC section 7."""

_NAMES = re.compile(r"closed system of \d+ variables, (.+?)\. All the statistical")
_WORD = re.compile(r"[A-Za-z]\w*")


class RobustnessError(Corr2CauseError):
    """A dataset folder or a variant that the robustness experiment cannot use."""


def _variant_key(name: str) -> tuple[int, str]:
    return (VARIANT_ORDER.index(name), "") if name in VARIANT_ORDER else (len(VARIANT_ORDER), name)


def discover_variants(data: str | Path) -> dict[str, Path]:
    """The variant folders of a generated dataset (or an export's configs), in report order.

    ``data`` is a generated root of either layout or a Hugging Face export, opened with
    :func:`corr2cause.dataset.store.open_dataset`.

    Raises
    ------
    RobustnessError
        If ``data`` is not a folder or has no variant folder.
    """
    root = Path(data)
    if not root.is_dir():
        raise RobustnessError(f"{root}: no such dataset folder")
    try:
        dataset = open_dataset(root)
    except StoreError:
        dataset = None
    if dataset is None or dataset.kind not in ("root", "hf-export"):
        raise RobustnessError(
            f"{root}: no variant folders (subfolders with items.parquet or test.csv); "
            "generate them with `corr2cause generate --variant original,paraphrase,refactor`"
        )
    found = {
        variant_for_config(name) if dataset.kind == "hf-export" else name: dataset.variant_path(
            name
        )
        for name in dataset.variants
    }
    return {name: found[name] for name in sorted(found, key=_variant_key)}


def load_test_items(folder: str | Path) -> list[EvalItem]:
    """The test items of one variant folder (or export config), through the dataset store.

    The rich tables are preferred, whose item ids are shared by all variants; a folder with only
    the official CSVs falls back to ``test.csv`` (ids then depend on the row and its text).
    """
    folder = Path(folder)
    try:
        items = read_items(folder, split="test")
    except StoreError as exc:
        raise RobustnessError(str(exc)) from None
    if not items:
        raise RobustnessError(f"{folder}: the test split is empty")
    return items


def cause_and_effect(item: EvalItem) -> tuple[str, str] | None:
    """The (cause, effect) variable names of a directional hypothesis, else ``None``.

    In every original and paraphrased template of a directional relation the cause is named
    first (``"B directly causes A."``, ``"A influences C through some mediator(s)."``).
    Variable names are taken from the premise ("closed system of N variables, A, B and C.").

    Examples
    --------
    >>> from corr2cause.dataset.readers import EvalItem
    >>> premise = "Suppose there is a closed system of 2 variables, A and B. All the statistical"
    >>> item = EvalItem("x", premise, "B directly causes A.", "", 0, 2, "child")
    >>> cause_and_effect(item)
    ('B', 'A')
    """
    if item.relation not in DIRECTIONAL_RELATIONS:
        return None
    match = _NAMES.search(item.premise)
    if match is None:
        return None
    names = set(re.split(r", | and ", match.group(1)))
    mentioned = [w for w in _WORD.findall(item.hypothesis) if w in names]
    if len(mentioned) < 2:
        return None
    return mentioned[0], mentioned[1]


def _block(gold: Sequence[int], pred: Sequence[int]) -> dict[str, Any]:
    counts = confusion_counts(list(gold), list(pred))
    tp, fp, fn, _ = counts
    return {"n": len(gold), **scores(counts), "gold_valid": tp + fn, "predicted_valid": tp + fp}


def _share(part: int, whole: int) -> float | None:
    return round(100.0 * part / whole, 2) if whole else None


def shortcut_analysis(items: Sequence[EvalItem], preds: Sequence[int]) -> dict[str, Any]:
    """Measure the alphabetical shortcut on one test set.

    Parameters
    ----------
    items : sequence of EvalItem
        The test items.
    preds : sequence of int
        The model's predictions (1 = valid), aligned with ``items``.

    Returns
    -------
    dict
        ``backward_relations``: metrics of the model on the ``child`` and
        ``non-child descendant`` items (``n``, ``f1``, ..., ``gold_valid``,
        ``predicted_valid``, ``predicted_valid_pct``);
        ``later_causes_earlier_rule``: on the directional items whose cause is the
        alphabetically later letter, ``fires`` (count), ``coverage_pct`` (of all items),
        ``rule_accuracy`` (share of them that are invalid: the rule's accuracy),
        ``model_accuracy`` and ``model_predicted_valid_pct`` on the same items;
        ``earlier_causes_later``: the same counts for the other directional items.
        Percentages ×100; ``None`` where undefined.
    """
    if len(items) != len(preds):
        raise ValueError("items and preds differ in length")
    back = [k for k, item in enumerate(items) if item.relation in BACKWARD_RELATIONS]
    back_block = _block([items[k].label for k in back], [preds[k] for k in back])
    back_block["predicted_valid_pct"] = _share(back_block["predicted_valid"], len(back))

    fires: list[int] = []
    other: list[int] = []
    for k, item in enumerate(items):
        pair = cause_and_effect(item)
        if pair is None:
            continue
        (fires if pair[0] > pair[1] else other).append(k)

    def side(indices: list[int]) -> dict[str, Any]:
        gold = [items[k].label for k in indices]
        pred = [preds[k] for k in indices]
        return {
            "n": len(indices),
            "coverage_pct": _share(len(indices), len(items)),
            "gold_valid": sum(gold),
            "rule_accuracy": _share(sum(1 for g in gold if g == 0), len(indices)),
            "model_accuracy": _share(
                sum(1 for g, p in zip(gold, pred, strict=True) if g == p), len(indices)
            ),
            "model_predicted_valid_pct": _share(sum(pred), len(indices)),
        }

    later = side(fires)
    earlier = side(other)
    del earlier["rule_accuracy"]  # the rule says nothing about these
    return {
        "backward_relations": back_block,
        "later_causes_earlier_rule": later,
        "earlier_causes_later": earlier,
    }


def _read_predictions(path: Path) -> dict[str, int]:
    preds: dict[str, int] = {}
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                row = json.loads(line)
                preds[str(row["id"])] = int(row["pred"])
    return preds


def _agreement(
    items: Sequence[EvalItem],
    preds: Sequence[int],
    ref_items: Sequence[EvalItem],
    ref_preds: Sequence[int],
) -> dict[str, Any] | None:
    """Share of items predicted as on the original wording (aligned by id, else by row)."""
    ref = {item.id: p for item, p in zip(ref_items, ref_preds, strict=True)}
    pairs = [(p, ref[item.id]) for item, p in zip(items, preds, strict=True) if item.id in ref]
    aligned_by = "id"
    if len(pairs) != len(items):
        if len(items) != len(ref_items):
            return None
        pairs = list(zip(preds, ref_preds, strict=True))
        aligned_by = "row"
    same = sum(1 for a, b in pairs if a == b)
    return {"n": len(pairs), "agreement_pct": _share(same, len(pairs)), "aligned_by": aligned_by}


def run_robustness(
    model: Any,
    data: str | Path,
    out: str | Path,
    *,
    variants: Sequence[str] | None = None,
    backend_options: Mapping[str, Any] | None = None,
    limit: int | None = None,
    progress: Callable[[str], Callable[[int, int], None] | None] | None = None,
) -> dict[str, Any]:
    """Evaluate one model on the test split of every variant and write the robustness report.

    Parameters
    ----------
    model : str or Backend
        A backend spec (``classifier:DIR``, ``nli:DIR``, ``oracle``, ...) or a built backend.
        A bare folder path means ``classifier:PATH``. A spec is built once and reused for
        every variant.
    data : str or Path
        A generated dataset folder with variant subfolders.
    out : str or Path
        Output folder: ``{variant}/`` run folders plus ``robustness.json`` and
        ``robustness.md``. Rerunning resumes from the response caches.
    variants : sequence of str, optional
        Evaluate only these variants (default: all present).
    backend_options : mapping, optional
        Options for :func:`corr2cause.evaluation.load_backend` (``batch_size``, ``device``).
    limit : int, optional
        Evaluate only the first ``limit`` test items of each variant.
    progress : callable, optional
        ``progress(variant)`` returns a ``(done, total)`` callback for that variant, or None.

    Returns
    -------
    dict
        The content of ``robustness.json``: ``variants`` (per variant: metrics, ``delta`` from
        original, ``agreement_with_original``, ``by_relation``, ``by_num_variables``,
        ``shortcut``), ``reference`` (the paper's numbers) and run information.

    Raises
    ------
    RobustnessError
        On a missing dataset or variant.
    corr2cause.evaluation.BackendError
        If the model cannot be loaded.
    """
    from corr2cause.evaluation.backends import load_backend
    from corr2cause.evaluation.runner import evaluate

    found = discover_variants(data)
    if variants:
        missing = [v for v in variants if v not in found]
        if missing:
            raise RobustnessError(
                f"{data}: no variant folder(s) {missing}; present: {', '.join(found)}"
            )
        found = {v: found[v] for v in sorted(variants, key=_variant_key)}
    if limit is not None and limit < 1:
        raise RobustnessError("limit must be at least 1")
    spec = model
    if isinstance(model, str) and ":" not in model and Path(model).is_dir():
        spec = f"classifier:{model}"
    out_dir = Path(out)
    out_dir.mkdir(parents=True, exist_ok=True)
    started = datetime.now(UTC).isoformat(timespec="seconds")

    owns_backend = isinstance(spec, str)
    backend = load_backend(spec, **dict(backend_options or {})) if owns_backend else spec
    results: dict[str, Any] = {}
    loaded: dict[str, tuple[list[EvalItem], list[int]]] = {}
    try:
        for name, folder in found.items():
            items = load_test_items(folder)
            if limit is not None:
                items = items[:limit]
            metrics = evaluate(
                backend,
                items,
                out_dir=out_dir / name,
                progress=progress(name) if progress else None,
                run_info={"data": str(folder), "split": "test", "label": name},
            )
            by_id = _read_predictions(out_dir / name / "predictions.jsonl")
            preds = [by_id[item.id] for item in items]
            loaded[name] = (items, preds)
            results[name] = {
                "n": metrics["n"],
                **{m: metrics[m] for m in METRIC_NAMES},
                "ci95": metrics.get("ci95", {}),
                "gold_valid": metrics.get("gold_valid"),
                "predicted_valid": metrics.get("predicted_valid"),
                "request_failures": metrics.get("request_failures", 0),
                "by_relation": {
                    rel: {
                        k: block[k] for k in ("n", *METRIC_NAMES, "gold_valid", "predicted_valid")
                    }
                    for rel, block in metrics.get("by_relation", {}).items()
                },
                "by_num_variables": {
                    str(n): {k: block[k] for k in ("n", *METRIC_NAMES)}
                    for n, block in metrics.get("by_num_variables", {}).items()
                },
                "shortcut": shortcut_analysis(items, preds),
                "run_dir": name,
            }
    finally:
        if owns_backend:
            backend.close()

    base = results.get("original")
    for name, row in results.items():
        row["delta"] = (
            {m: round(row[m] - base[m], 2) for m in METRIC_NAMES} if base is not None else None
        )
        row["agreement_with_original"] = (
            _agreement(*loaded[name], *loaded["original"]) if "original" in loaded else None
        )
    report = {
        "corr2cause_version": __version__,
        "model": backend.spec if hasattr(backend, "spec") else str(spec),
        "data": str(Path(data).resolve()),
        "split": "test",
        "limit": limit,
        "started": started,
        "finished": datetime.now(UTC).isoformat(timespec="seconds"),
        "variants": results,
        "reference": PAPER_REFERENCE,
    }
    atomic_write_text(out_dir / "robustness.json", json.dumps(report, indent=2) + "\n")
    atomic_write_text(out_dir / "robustness.md", render_markdown(report))
    return report


def _fmt(value: Any, signed: bool = False) -> str:
    if value is None:
        return "-"
    if isinstance(value, float | int) and not isinstance(value, bool):
        return f"{value:+.2f}" if signed else f"{value:.2f}"
    return str(value)


def render_markdown(report: Mapping[str, Any]) -> str:
    """The robustness report as Markdown: main table, per-relation F1, shortcut check."""
    variants: Mapping[str, Any] = report["variants"]
    names = list(variants)
    paper = report.get("reference", PAPER_REFERENCE)["f1"]
    lines = [
        f"# Robustness of `{report['model']}`",
        "",
        f"Test split of every variant of `{report['data']}`"
        + (f" (first {report['limit']} items per variant)" if report.get("limit") else "")
        + ". Metrics ×100 on the valid class; Δ = change from original (points).",
        "",
        "| variant | n | F1 | precision | recall | accuracy | ΔF1 | ΔP | ΔR | ΔAcc "
        "| agreement with original (%) | paper F1 (RoBERTa-L-MNLI) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name in names:
        row = variants[name]
        delta = row.get("delta") or {}
        agree = (row.get("agreement_with_original") or {}).get("agreement_pct")
        lines.append(
            f"| {name} | {row['n']} | "
            + " | ".join(_fmt(row[m]) for m in METRIC_NAMES)
            + " | "
            + " | ".join(_fmt(delta.get(m), signed=True) for m in METRIC_NAMES)
            + f" | {_fmt(agree)} | {paper.get(name, '-')} |"
        )
    relations = sorted({rel for name in names for rel in variants[name]["by_relation"]})
    lines += [
        "",
        "## F1 by relation",
        "",
        "| relation | " + " | ".join(names) + " |",
        "|---|" + "---:|" * len(names),
    ]
    for rel in relations:
        cells = []
        for name in names:
            block = variants[name]["by_relation"].get(rel)
            cells.append(
                "-"
                if block is None
                else f"{block['f1']:.2f} (valid {block['gold_valid']}/{block['n']}, "
                f"pred. {block['predicted_valid']})"
            )
        lines.append(f"| {rel} | " + " | ".join(cells) + " |")
    lines += [
        "",
        "## Alphabetical shortcut",
        "",
        "Rule: a hypothesis in which the alphabetically later letter causes the earlier one "
        "is invalid. *Backward relations* = `child` and `non-child descendant` (F1 is n/a "
        "when none of them is valid; then *pred. valid* shows the false alarms).",
        "",
        "| variant | backward: n | valid | F1 | acc. | pred. valid (%) | rule fires on | "
        "rule accuracy (%) | model acc. there (%) | model pred. valid there (%) | "
        "model acc. on other directional (%) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name in names:
        sc = variants[name]["shortcut"]
        back, rule, other = (
            sc["backward_relations"],
            sc["later_causes_earlier_rule"],
            sc["earlier_causes_later"],
        )
        lines.append(
            f"| {name} | {back['n']} | {back['gold_valid']} | "
            f"{_fmt(back['f1']) if back['gold_valid'] else 'n/a'} | "
            f"{_fmt(back['accuracy'])} | {_fmt(back['predicted_valid_pct'])} | "
            f"{rule['n']} | {_fmt(rule['rule_accuracy'])} | {_fmt(rule['model_accuracy'])} | "
            f"{_fmt(rule['model_predicted_valid_pct'])} | {_fmt(other['model_accuracy'])} |"
        )
    lines.append("")
    return "\n".join(lines)
