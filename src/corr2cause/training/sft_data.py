"""Supervised fine-tuning data: chat-format examples whose answer is the exact derivation.

Each example is a conversation in the layout TRL's ``SFTTrainer`` (prompt-completion) and
``GRPOTrainer`` read directly:

``prompt``
    ``[{"role": "system", ...}, {"role": "user", ...}]`` rendered from a versioned prompt
    template (:mod:`corr2cause.evaluation.prompts`): the paper's ``direct`` prompt, ``derive``
    (asks for the PC derivation), or a user's file;
``completion``
    ``[{"role": "assistant", "content": ...}]``: with ``target="rationale"`` the gold
    derivation of :mod:`corr2cause.solver.rationale` followed by ``Answer: Yes|No`` (optionally
    inside ``<think>...</think>`` for reasoning models); with ``target="answer"`` only the
    verdict (``Yes`` / ``No`` after a prompt that ends in ``Answer:``, as the paper's does, else
    ``Answer: Yes`` / ``Answer: No``).

plus the columns the rewards of :mod:`corr2cause.rewards` read (``label``, ``premise``,
``hypothesis``, ``semantics``) and provenance (``id``, ``split``, ``num_variables``,
``relation``, ``gold_label``). The label is the **exact** one; ``gold_label`` is the file's,
and the manifest counts where they differ (the official release has 18 wrong test labels).

:func:`export_sft` writes one ``{split}.jsonl`` and/or ``{split}.parquet`` per split plus
``manifest.json``; load them with ``datasets.load_dataset("json", data_files=...)`` or
``load_dataset("parquet", ...)``. Output is deterministic: same data and settings give
byte-identical files.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from corr2cause import __version__
from corr2cause.atomic import atomic_write_text, atomic_writer
from corr2cause.dataset.readers import EvalItem
from corr2cause.errors import Corr2CauseError
from corr2cause.evaluation.prompts import PromptError, PromptTemplate, load_prompt
from corr2cause.solver.errors import SolverError
from corr2cause.solver.rationale import DEFAULT_VERSION, load_templates, rationale, read_item
from corr2cause.solver.semantics import check_semantics, detect_semantics
from corr2cause.training.finetune import (
    FinetuneError,
    find_split_file,
    load_split,
    stratified_subset,
)

__all__ = [
    "SFT_MANIFEST",
    "TARGETS",
    "SftExportConfig",
    "SftExportError",
    "build_example",
    "build_examples",
    "export_sft",
]

TARGETS = ("rationale", "answer")
"""What the assistant turn holds: the derivation and the answer, or the answer alone."""

SFT_MANIFEST = "manifest.json"
"""Written last in an export folder: settings, counts and file hashes."""

_FORMATS = ("jsonl", "parquet")


class SftExportError(Corr2CauseError):
    """Settings or an output folder an SFT export cannot use."""


@dataclass(frozen=True)
class SftExportConfig:
    """Settings of :func:`export_sft`.

    Attributes
    ----------
    splits : tuple of str
        Splits to export (those missing from the data are an error).
    variant : str
        Dataset variant folder to read (``original``, ``paraphrase``, ...).
    prompt : str, optional
        Prompt template name or file; default ``derive`` for the rationale target and
        ``direct`` (the paper's) for the answer target.
    target : {"rationale", "answer"}
    style, version : str
        Rationale template style and version.
    think : bool
        Wrap the derivation in ``<think>...</think>`` (reasoning-model format).
    semantics : {"auto", "corr2cause", "textbook"}
        Hypothesis reading (``auto``: from the wording).
    formats : tuple of str
        ``jsonl`` and/or ``parquet``.
    max_items : int, optional
        Per split, a seeded stratified subset of this size.
    seed : int
    """

    splits: tuple[str, ...] = ("train", "dev", "test")
    variant: str = "original"
    prompt: str | None = None
    target: str = "rationale"
    style: str = "full"
    version: str = DEFAULT_VERSION
    think: bool = False
    semantics: str = "auto"
    formats: tuple[str, ...] = ("jsonl", "parquet")
    max_items: int | None = None
    seed: int = 0

    def validate(self) -> None:
        """Raise :class:`SftExportError` naming the first bad setting."""
        if self.target not in TARGETS:
            raise SftExportError(f"target must be one of {', '.join(TARGETS)}, not {self.target!r}")
        bad = [f for f in self.formats if f not in _FORMATS]
        if bad or not self.formats:
            raise SftExportError(f"formats must be among {', '.join(_FORMATS)}")
        if not self.splits:
            raise SftExportError("at least one split is needed")
        if self.max_items is not None and self.max_items < 1:
            raise SftExportError("max_items must be at least 1")
        check_semantics(self.semantics)
        load_templates(self.version, self.style)

    def prompt_template(self) -> PromptTemplate:
        """The prompt template to render."""
        name = self.prompt or ("derive" if self.target == "rationale" else "direct")
        try:
            return load_prompt(name)
        except PromptError as exc:
            raise SftExportError(str(exc)) from None


def build_example(
    item: EvalItem,
    prompt: PromptTemplate,
    *,
    target: str = "rationale",
    style: str = "full",
    version: str = DEFAULT_VERSION,
    think: bool = False,
    semantics: str = "auto",
    split: str | None = None,
) -> dict[str, Any]:
    """One chat example for an item.

    Raises
    ------
    SolverError
        If the item cannot be solved (unreadable text, or a premise no DAG satisfies).

    Examples
    --------
    >>> from corr2cause.dataset.readers import EvalItem
    >>> premise = ("Suppose there is a closed system of 2 variables, A and B. All the statistical "
    ...            "relations among these 2 variables are as follows: A correlates with B.")
    >>> item = EvalItem("x", premise, "A directly causes B.", "", 0, 2, "parent")
    >>> ex = build_example(item, load_prompt("direct"), target="answer")
    >>> ex["prompt"][0]["role"], ex["completion"], ex["label"]
    ('system', [{'role': 'assistant', 'content': 'No'}], 0)
    """
    rec, relation, x, y, hyp_text = read_item(item.premise, item.hypothesis)
    chosen = detect_semantics(hyp_text) if semantics == "auto" else semantics
    r = rationale(rec, relation, x, y, semantics=chosen, version=version, style=style)
    messages = prompt.messages(item)
    if target == "rationale":
        reasoning = f"<think>\n{r.reasoning}\n</think>" if think else r.reasoning
        content = f"{reasoning}\nAnswer: {r.answer}"
    elif messages[-1]["content"].rstrip().endswith("Answer:"):
        content = r.answer
    else:
        content = f"Answer: {r.answer}"
    return {
        "id": item.id,
        "split": split or "",
        "prompt": messages,
        "completion": [{"role": "assistant", "content": content}],
        "label": r.label,
        "gold_label": item.label,
        "premise": item.premise,
        "hypothesis": item.hypothesis,
        "semantics": chosen,
        "num_variables": item.num_variables,
        "relation": relation,
        "target": target,
        "prompt_id": prompt.id,
        "rationale_version": f"{version}/{style}",
    }


def build_examples(
    items: Sequence[EvalItem], config: SftExportConfig, *, split: str | None = None
) -> tuple[list[dict[str, Any]], list[dict[str, str]]]:
    """Examples for ``items``; returns them and the items that could not be solved."""
    prompt = config.prompt_template()
    examples, skipped = [], []
    for item in items:
        try:
            examples.append(
                build_example(
                    item,
                    prompt,
                    target=config.target,
                    style=config.style,
                    version=config.version,
                    think=config.think,
                    semantics=config.semantics,
                    split=split,
                )
            )
        except SolverError as err:
            skipped.append({"id": item.id, "error": str(err)})
    return examples, skipped


def _write_parquet(path: Path, rows: list[dict[str, Any]]) -> None:
    with atomic_writer(path, binary=True) as fh:
        pq.write_table(pa.Table.from_pylist(rows), fh)


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def export_sft(
    data: str | Path,
    out: str | Path,
    config: SftExportConfig | None = None,
    *,
    overwrite: bool = False,
    progress: Callable[[str, int], None] | None = None,
) -> dict[str, Any]:
    """Write chat-format SFT / GRPO data for the splits of a generated dataset.

    Parameters
    ----------
    data : str or Path
        A generated dataset folder (``DATA/{variant}/{split}.csv`` or ``items.parquet``).
    out : str or Path
        Output folder: ``{split}.jsonl`` / ``{split}.parquet`` and ``manifest.json``.
    config : SftExportConfig, optional
    overwrite : bool
        Replace an existing export in ``out``.
    progress : callable, optional
        Called as ``progress(split, examples_written)`` after each split.

    Returns
    -------
    dict
        The manifest.

    Raises
    ------
    SftExportError
        On bad settings, a missing split, or an output folder that holds other files.
    """
    config = config or SftExportConfig()
    config.validate()
    prompt = config.prompt_template()
    out = Path(out)
    if out.exists() and any(out.iterdir()):
        if not (out / SFT_MANIFEST).is_file():
            raise SftExportError(
                f"{out} is not empty and holds no SFT export; choose another --out"
            )
        if not overwrite:
            raise SftExportError(
                f"{out} already holds an SFT export; use --overwrite to replace it"
            )
    out.mkdir(parents=True, exist_ok=True)
    (out / SFT_MANIFEST).unlink(missing_ok=True)
    manifest: dict[str, Any] = {
        "corr2cause_version": __version__,
        "settings": {**asdict(config), "prompt": prompt.id},
        "columns": [
            "id",
            "split",
            "prompt",
            "completion",
            "label",
            "gold_label",
            "premise",
            "hypothesis",
            "semantics",
            "num_variables",
            "relation",
            "target",
            "prompt_id",
            "rationale_version",
        ],
        "splits": {},
    }
    for split in config.splits:
        try:
            items = load_split(data, split, variant=config.variant)
            source = find_split_file(data, split, variant=config.variant)
        except FinetuneError as exc:
            raise SftExportError(str(exc)) from None
        if config.max_items and config.max_items < len(items):
            items = stratified_subset(items, config.max_items, seed=config.seed)
        examples, skipped = build_examples(items, config, split=split)
        files = {}
        if "jsonl" in config.formats:
            path = out / f"{split}.jsonl"
            atomic_write_text(
                path, "".join(json.dumps(e, ensure_ascii=False) + "\n" for e in examples)
            )
            files["jsonl"] = {"file": path.name, "sha256": _sha256(path)}
        if "parquet" in config.formats:
            path = out / f"{split}.parquet"
            _write_parquet(path, examples)
            files["parquet"] = {"file": path.name, "sha256": _sha256(path)}
        manifest["splits"][split] = {
            "source": str(source),
            "items": len(items),
            "examples": len(examples),
            "skipped": skipped,
            "valid": sum(e["label"] for e in examples),
            "gold_label_differs": sum(e["label"] != e["gold_label"] for e in examples),
            "by_num_variables": dict(
                sorted(Counter(str(e["num_variables"]) for e in examples).items())
            ),
            "files": files,
        }
        if progress is not None:
            progress(split, len(examples))
    atomic_write_text(out / SFT_MANIFEST, json.dumps(manifest, indent=2) + "\n")
    return manifest
