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
    e.g. the debiased relabeling, evaluated the same way;
``names-{theme}``
    the variables named from a theme (``names-medicine``: ``smoking``, ``type 2 diabetes``).
    Each themed variant's row also gets its **commonsense split**
    (:func:`corr2cause.evaluation.commonsense.commonsense_split`): the metrics on the items
    where world knowledge gives the right answer (``aligned``) and where the premise says the
    opposite (``conflicting``), with their change from ``aligned``.

Splits are identical across variants (same item ids), so each perturbed test set is the
original test set, perturbed; the report also gives, per variant, the share of items whose
prediction agrees with the prediction on the original wording.

Story sets
    ``stories=`` adds the verified story sets of ``corr2cause stories``
    (:mod:`corr2cause.evaluation.stories`): the same items with real-world names chosen by a
    model, labels re-derived by the solver. A story set covers only the items it was written
    for, so its row is compared **pairwise with its source items** in the original run (each
    story item's ``source_id``): ``sources`` holds the model's metrics on those items in their
    letter wording, ``delta`` the change on the matched items, and ``agreement_with_original``
    the share of matched items predicted alike. Free-form stories, whose labels are copied
    and unverified, are refused.

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
report goes to ``OUT/robustness.json`` and ``OUT/robustness.md``. The report records the
experiment's identity (model, data, variants, limit): rerunning it resumes, and another
experiment into the same folder is refused unless ``overwrite`` (the lock and the identity
comparison of :mod:`corr2cause.evaluation.run_guard`).

The public interface is :func:`run_robustness`, :func:`shortcut_analysis`,
:func:`discover_variants`, :func:`load_test_items` and :func:`render_markdown`.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from corr2cause import __version__
from corr2cause.atomic import atomic_write_text
from corr2cause.dataset.readers import EvalItem
from corr2cause.dataset.store import StoreError, open_dataset, read_items, variant_for_config
from corr2cause.errors import Corr2CauseError
from corr2cause.evaluation.commonsense import (
    GROUPS,
    commonsense_split,
    group_scores,
    read_commonsense,
)
from corr2cause.evaluation.metrics import METRIC_NAMES
from corr2cause.evaluation.run_guard import RunIdentityError, identity_differences, lock_folder
from corr2cause.evaluation.stories import (
    STORY_COLUMNS,
    discover_story_sets,
    verified_story_rows,
)
from corr2cause.solver.errors import ParseError
from corr2cause.solver.parse import parse_hypothesis, parse_premise

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


def _holds_stories(folder: Path) -> bool:
    """Whether a variant folder or export config holds story items (``export-hf --stories``).

    Read off the schema of its first Parquet file; generated variants never hold stories.
    """
    files = [f for f in open_dataset(folder).source_files() if f.suffix == ".parquet"]
    return bool(files) and set(STORY_COLUMNS) <= set(pq.read_schema(files[0]).names)


def _story_sources(file: Path) -> dict[str, str]:
    """``{story item id: source item id}`` of a verified story file's test split."""
    return {str(row["id"]): row["source_id"] for row in verified_story_rows(file, split="test")}


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


@functools.lru_cache(maxsize=4096)
def _declared_names(premise: str) -> tuple[str, ...] | None:
    try:
        return parse_premise(premise).names
    except ParseError:
        return None


def cause_and_effect(item: EvalItem) -> tuple[str, str] | None:
    """The (cause, effect) variable names of a directional hypothesis, else ``None``.

    The hypothesis is read as the solver reads it (:mod:`corr2cause.solver.parse`): against
    the names the premise declares ("closed system of N variables, A, B and C."), longest
    first, so names of several words (``"blood pressure"``, ``"type 2 diabetes"``) are found
    whole. ``None`` for a non-directional relation or text the parser cannot read.

    Examples
    --------
    >>> from corr2cause.dataset.readers import EvalItem
    >>> premise = ("Suppose there is a closed system of 2 variables, A and B. All the statistical "
    ...            "relations among these 2 variables are as follows: A correlates with B.")
    >>> cause_and_effect(EvalItem("x", premise, "B directly causes A.", "", 0, 2, "child"))
    ('B', 'A')
    >>> themed = ("Suppose there is a closed system of 2 variables, blood pressure and salt "
    ...           "intake. All the statistical relations among these 2 variables are as follows: "
    ...           "blood pressure correlates with salt intake.")
    >>> hypothesis = "salt intake directly causes blood pressure."
    >>> cause_and_effect(EvalItem("y", themed, hypothesis, "", 0, 2, "child"))
    ('salt intake', 'blood pressure')
    """
    if item.relation not in DIRECTIONAL_RELATIONS:
        return None
    names = _declared_names(item.premise)
    if names is None:
        return None
    try:
        parsed = parse_hypothesis(item.hypothesis, names)
    except ParseError:
        return None
    if parsed.relation not in DIRECTIONAL_RELATIONS:
        return None
    first, second = names[parsed.x], names[parsed.y]
    return (second, first) if parsed.relation in BACKWARD_RELATIONS else (first, second)


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
    back_block = group_scores([items[k].label for k in back], [preds[k] for k in back])
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
    return _agreement_of(pairs, aligned_by)


def _agreement_of(pairs: Sequence[tuple[int, int]], aligned_by: str) -> dict[str, Any]:
    """``agreement_with_original`` of aligned ``(prediction, original prediction)`` pairs."""
    same = sum(1 for a, b in pairs if a == b)
    return {"n": len(pairs), "agreement_pct": _share(same, len(pairs)), "aligned_by": aligned_by}


def _delta(row: Mapping[str, Any], base: Mapping[str, Any]) -> dict[str, float | None]:
    """``row``'s metrics minus ``base``'s, in points (``None`` where either is undefined)."""
    return {
        m: None if row[m] is None or base[m] is None else round(row[m] - base[m], 2)
        for m in METRIC_NAMES
    }


REPORT_FILES = ("robustness.json", "robustness.md")
"""The combined report in a robustness output folder."""


def _check_previous_report(out: Path, identity: dict[str, Any], *, overwrite: bool) -> None:
    """Refuse to replace the report of another experiment unless ``overwrite``."""
    path = out / REPORT_FILES[0]
    if not path.is_file():
        return
    try:
        previous = json.loads(path.read_text(encoding="utf-8")).get("identity")
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, AttributeError):
        previous = None
    if previous == identity:
        return
    if not overwrite:
        if not isinstance(previous, dict):
            what = "a report without a readable identity"
        else:
            changed = identity_differences(previous, identity)
            what = "another experiment (different " + ", ".join(changed) + ")"
        raise RunIdentityError(
            f"{out} holds {what}; rerun with the same options to resume it, choose another "
            "--out, or pass --overwrite to replace it"
        )
    for name in REPORT_FILES:
        (out / name).unlink(missing_ok=True)


def _variant_row(
    name: str,
    folder: Path,
    items: list[EvalItem],
    preds: list[int],
    metrics: Mapping[str, Any],
    kind: str = "variant",
) -> dict[str, Any]:
    """One entry of ``robustness.json`` (without the comparisons with original).

    ``kind`` is ``"variant"``, or ``"stories"`` for a story set.
    """
    columns = read_commonsense(folder, split="test")
    split = None
    if columns is not None:
        missing = [item.id for item in items if item.id not in columns]
        if missing:
            raise RobustnessError(f"{folder}: test item {missing[0]!r} has no commonsense row")
        split = commonsense_split(
            [columns[item.id][0] for item in items],
            [columns[item.id][1] for item in items],
            [item.label for item in items],
            preds,
        )
    return {
        "kind": kind,
        "n": metrics["n"],
        **{m: metrics[m] for m in METRIC_NAMES},
        "ci95": metrics.get("ci95", {}),
        "gold_valid": metrics.get("gold_valid"),
        "predicted_valid": metrics.get("predicted_valid"),
        "request_failures": metrics.get("request_failures", 0),
        "by_relation": {
            rel: {k: block[k] for k in ("n", *METRIC_NAMES, "gold_valid", "predicted_valid")}
            for rel, block in metrics.get("by_relation", {}).items()
        },
        "by_num_variables": {
            str(n): {k: block[k] for k in ("n", *METRIC_NAMES)}
            for n, block in metrics.get("by_num_variables", {}).items()
        },
        "shortcut": shortcut_analysis(items, preds),
        "commonsense": split,
        "run_dir": name,
    }


def _compare_with_original(
    results: dict[str, Any], loaded: Mapping[str, tuple[list[EvalItem], list[int]]]
) -> None:
    """Add ``delta`` (points from original) and ``agreement_with_original`` to every row."""
    base = results.get("original")
    for name, row in results.items():
        row["delta"] = _delta(row, base) if base is not None else None
        row["agreement_with_original"] = (
            _agreement(*loaded[name], *loaded["original"]) if "original" in loaded else None
        )


def _compare_story_with_sources(
    row: dict[str, Any],
    items: Sequence[EvalItem],
    preds: Sequence[int],
    sources: Mapping[str, str],
    original: tuple[list[EvalItem], list[int]] | None,
) -> None:
    """``sources``, ``delta`` and ``agreement_with_original`` of a story row, item by item.

    The story items are matched to their source items in the original run by ``source_id``;
    ``delta`` is the story metrics minus the source metrics on the matched items.
    """
    row["sources"] = row["delta"] = row["agreement_with_original"] = None
    if original is None:
        return
    by_id = {item.id: (item, pred) for item, pred in zip(*original, strict=True)}
    matched = [
        (item, pred, *by_id[sources[item.id]])
        for item, pred in zip(items, preds, strict=True)
        if sources[item.id] in by_id
    ]
    if not matched:
        row["sources"] = {"n": 0, "unmatched": len(items)}
        return
    story = group_scores([m[0].label for m in matched], [m[1] for m in matched])
    source = group_scores([m[2].label for m in matched], [m[3] for m in matched])
    row["sources"] = {**source, "unmatched": len(items) - len(matched), "stories": story}
    row["delta"] = _delta(story, source)
    row["agreement_with_original"] = _agreement_of([(m[1], m[3]) for m in matched], "source_id")


def run_robustness(
    model: Any,
    data: str | Path,
    out: str | Path,
    *,
    variants: Sequence[str] | None = None,
    backend_options: Mapping[str, Any] | None = None,
    limit: int | None = None,
    overwrite: bool = False,
    progress: Callable[[str], Callable[[int, int], None] | None] | None = None,
    stories: Sequence[str | Path] = (),
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
        ``robustness.md``. Rerunning the same experiment (model, data, variants, limit)
        resumes from the response caches; another experiment is refused unless ``overwrite``.
    variants : sequence of str, optional
        Evaluate only these variants (default: all present).
    backend_options : mapping, optional
        Options for :func:`corr2cause.evaluation.load_backend` (``batch_size``, ``device``).
    limit : int, optional
        Evaluate only the first ``limit`` test items of each variant.
    overwrite : bool, keyword-only
        Replace a report (and variant runs) of another experiment in ``out``.
    progress : callable, optional
        ``progress(variant)`` returns a ``(done, total)`` callback for that variant, or None.
    stories : sequence of path-like, keyword-only
        Verified story sets (``corr2cause stories`` output folders or their
        ``stories.jsonl``) to evaluate too, one row each, named after their folders
        (:func:`~corr2cause.evaluation.stories.discover_story_sets`),
        compared with their source items in the original run. The story configs of a
        Hugging Face export (``export-hf --stories``) in ``data`` are story rows too.

    Returns
    -------
    dict
        The content of ``robustness.json``: ``variants`` (per variant: metrics, ``delta`` from
        original, ``agreement_with_original``, ``by_relation``, ``by_num_variables``,
        ``shortcut``, and ``commonsense`` for a themed variant:
        :func:`~corr2cause.evaluation.commonsense.commonsense_split`, else ``None``; a story
        set's row also has ``kind`` = ``"stories"`` and ``sources``, and its ``delta`` and
        agreement are on its matched source items),
        ``reference`` (the paper's numbers), ``identity`` (what a rerun must match) and run
        information.

    Raises
    ------
    RobustnessError
        On a missing dataset or variant.
    corr2cause.evaluation.run_guard.RunIdentityError
        If ``out`` holds the report of another experiment and ``overwrite`` is false.
    corr2cause.evaluation.run_guard.RunLockedError
        If another process is writing to ``out``.
    corr2cause.evaluation.BackendError
        If the model cannot be loaded.
    """
    from corr2cause.evaluation.backends import load_backend
    from corr2cause.evaluation.runner import evaluate

    found = discover_variants(data)
    # the story configs of an export (export-hf --stories) are story sets, not variants
    exported = {name: path for name, path in found.items() if _holds_stories(path)}
    found = {name: path for name, path in found.items() if name not in exported}
    if variants:
        missing = [v for v in variants if v not in found and v not in exported]
        if missing:
            present = ", ".join([*found, *exported])
            raise RobustnessError(f"{data}: no variant folder(s) {missing}; present: {present}")
        found = {v: found[v] for v in sorted(variants, key=_variant_key) if v in found}
        exported = {v: exported[v] for v in variants if v in exported}
    if limit is not None and limit < 1:
        raise RobustnessError("limit must be at least 1")
    given = discover_story_sets(stories)
    clash = sorted(set(given) & (set(found) | set(exported)))
    if clash:
        raise RobustnessError(f"story set {clash[0]!r} has the name of a config of {data}")
    story_sets = {**exported, **given}
    story_sources = {name: _story_sources(file) for name, file in story_sets.items()}
    spec = model
    if isinstance(model, str) and ":" not in model and Path(model).is_dir():
        spec = f"classifier:{model}"
    out_dir = Path(out)
    out_dir.mkdir(parents=True, exist_ok=True)
    started = datetime.now(UTC).isoformat(timespec="seconds")

    owns_backend = isinstance(spec, str)
    backend = load_backend(spec, **dict(backend_options or {})) if owns_backend else spec
    identity = {
        "model": backend.describe() if hasattr(backend, "describe") else str(spec),
        "data": str(Path(data).resolve()),
        "variants": list(found),
        "limit": limit,
    }
    if story_sets:  # only then, so that reports without stories keep their identity
        identity["stories"] = {name: str(file.resolve()) for name, file in story_sets.items()}
    identity = json.loads(json.dumps(identity, sort_keys=True, default=str))
    results: dict[str, Any] = {}
    loaded: dict[str, tuple[list[EvalItem], list[int]]] = {}
    try:
        with lock_folder(out_dir):  # the report's identity is checked here
            _check_previous_report(out_dir, identity, overwrite=overwrite)
            for name, folder in [*found.items(), *story_sets.items()]:
                items = load_test_items(folder)
                if limit is not None:
                    items = items[:limit]
                metrics = evaluate(
                    backend,
                    items,
                    out_dir=out_dir / name,
                    progress=progress(name) if progress else None,
                    run_info={"data": str(folder), "split": "test", "label": name},
                    overwrite=overwrite,
                )
                by_id = _read_predictions(out_dir / name / "predictions.jsonl")
                preds = [by_id[item.id] for item in items]
                loaded[name] = (items, preds)
                kind = "stories" if name in story_sets else "variant"
                results[name] = _variant_row(name, folder, items, preds, metrics, kind)
            _compare_with_original({k: v for k, v in results.items() if k in found}, loaded)
            for name in story_sets:
                _compare_story_with_sources(
                    results[name], *loaded[name], story_sources[name], loaded.get("original")
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
                "identity": identity,
            }
            atomic_write_text(out_dir / "robustness.json", json.dumps(report, indent=2) + "\n")
            atomic_write_text(out_dir / "robustness.md", render_markdown(report))
    finally:
        if owns_backend:
            backend.close()
    return report


def _fmt(value: Any, signed: bool = False) -> str:
    if value is None:
        return "-"
    if isinstance(value, float | int) and not isinstance(value, bool):
        return f"{value:+.2f}" if signed else f"{value:.2f}"
    return str(value)


def _delta_and_agreement(row: Mapping[str, Any]) -> tuple[Mapping[str, Any], float | None]:
    """A report row's ``delta`` (``{}`` without one) and its agreement in percent, or None."""
    agreement = row.get("agreement_with_original") or {}
    return row.get("delta") or {}, agreement.get("agreement_pct")


def render_markdown(report: Mapping[str, Any]) -> str:
    """The robustness report as Markdown: main table, per-relation F1, shortcut, commonsense."""
    variants: Mapping[str, Any] = report["variants"]
    names = list(variants)
    paper = report.get("reference", PAPER_REFERENCE)["f1"]
    lines = [
        f"# Robustness of `{report['model']}`",
        "",
        f"Test split of every variant of `{report['data']}`"
        + (f" (first {report['limit']} items per variant)" if report.get("limit") else "")
        + ". Metrics ×100 on the valid class; Δ = change from original (points)"
        + (
            "; for a story set, Δ and agreement are on its source items (below)."
            if any(row.get("kind") == "stories" for row in variants.values())
            else "."
        ),
        "",
        "| variant | n | F1 | precision | recall | accuracy | ΔF1 | ΔP | ΔR | ΔAcc "
        "| agreement with original (%) | paper F1 (RoBERTa-L-MNLI) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name in names:
        row = variants[name]
        delta, agree = _delta_and_agreement(row)
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
                else f"{_fmt(block['f1']) if block['f1'] is not None else 'n/a'} "
                f"(valid {block['gold_valid']}/{block['n']}, "
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
    story_rows = [name for name in names if variants[name].get("kind") == "stories"]
    if story_rows:
        lines += [
            "",
            "## Story sets",
            "",
            "Verified stories (`corr2cause stories`): the same items with a model's real-world "
            "names, labels re-derived by the solver. Each story item is matched to its source "
            "item in the original run; Δ = story minus letters on the matched items (points).",
            "",
            "| story set | n | matched | F1 letters | F1 story | ΔF1 | acc. letters | acc. story "
            "| ΔAcc | agreement (%) |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for name in story_rows:
            row = variants[name]
            src = row.get("sources") or {}
            story = src.get("stories") or {}
            delta, agree = _delta_and_agreement(row)
            lines.append(
                f"| {name} | {row['n']} | {src.get('n', '-')} | {_fmt(src.get('f1'))} | "
                f"{_fmt(story.get('f1'))} | {_fmt(delta.get('f1'), signed=True)} | "
                f"{_fmt(src.get('accuracy'))} | {_fmt(story.get('accuracy'))} | "
                f"{_fmt(delta.get('accuracy'), signed=True)} | {_fmt(agree)} |"
            )
        if any(variants[name].get("sources") is None for name in story_rows):
            lines += ["", "(no original variant was evaluated: story sets are not compared)"]
    themed = [name for name in names if variants[name].get("commonsense")]
    if themed:
        lines += [
            "",
            "## Commonsense split",
            "",
            "Themed variants only. *aligned*: world knowledge gives the gold label; "
            "*conflicting*: the premise says the opposite of what the world says "
            "(anti-commonsense); *agrees* / *contradicts* / *unrelated*: the hypothesis claims "
            "the known direction, the reverse, or no direction; *no link*: the pair has no known "
            "link. Δ = change from *aligned* (points).",
            "",
            "| variant | group | n | valid | pred. valid | F1 | precision | recall | accuracy "
            "| ΔF1 | ΔAcc |",
            "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for name in themed:
            split = variants[name]["commonsense"]
            for group in GROUPS:
                block = split[group]
                delta = block.get("delta") or {}
                lines.append(
                    f"| {name} | {group.replace('_', ' ')} | {block['n']} | "
                    f"{block['gold_valid']} | {block['predicted_valid']} | "
                    + " | ".join(_fmt(block[m]) for m in METRIC_NAMES)
                    + f" | {_fmt(delta.get('f1'), signed=True)} "
                    f"| {_fmt(delta.get('accuracy'), signed=True)} |"
                )
    lines.append("")
    return "\n".join(lines)
