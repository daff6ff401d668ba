"""The dataset card (``README.md``) of a Hugging Face export.

A Hub dataset card is Markdown with a YAML header. The header is machine-read: ``configs``
tells ``datasets.load_dataset`` (and the Hub viewer) which Parquet files make up each config
and split, and ``dataset_info`` records the feature types and split sizes, which
``load_dataset`` checks. The body is for people: what the data is, how it was made, how it
differs from the official release, an example instance, limitations and known biases,
license and citation (the sections of the Hub's ``datasetcard.md`` template). Every number
in the body (split sizes, the valid share per N, the alphabetical-shortcut counts) and the
example instance come from the exported rows, through :class:`ExportResult`.

The YAML is written by hand so that exporting needs no YAML library; every string goes
through :func:`json.dumps`, whose output is a valid YAML double-quoted scalar.

The public interface is :func:`render_card` and the link constants.
"""

from __future__ import annotations

import json
from typing import Any

from corr2cause import __version__
from corr2cause.integrations.hf_schema import (
    FEATURE_DESCRIPTIONS,
    ConfigSummary,
    ExportResult,
    config_features,
)

__all__ = ["CITATION", "OFFICIAL_CODE", "OFFICIAL_DATA", "PAPER_URL", "render_card"]

PAPER_URL = "https://arxiv.org/abs/2306.05836"
"""The paper that introduced the benchmark (arXiv 2306.05836; ICLR 2024)."""

OFFICIAL_CODE = "https://github.com/causalNLP/corr2cause"
"""The authors' generator and experiments."""

OFFICIAL_DATA = "https://huggingface.co/datasets/causalnlp/corr2cause"
"""The official release on the Hugging Face Hub."""

CITATION = """@inproceedings{jin2024can,
  title     = {Can Large Language Models Infer Causation from Correlation?},
  author    = {Jin, Zhijing and Liu, Jiarui and Lyu, Zhiheng and Poff, Spencer and
               Sachan, Mrinmaya and Mihalcea, Rada and Diab, Mona and Sch{\\"o}lkopf, Bernhard},
  booktitle = {The Twelfth International Conference on Learning Representations (ICLR)},
  year      = {2024}
}"""
"""BibTeX of the paper that introduced the benchmark."""


def _q(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def _size_category(rows: int) -> str:
    bounds = [
        (1_000, "n<1K"),
        (10_000, "1K<n<10K"),
        (100_000, "10K<n<100K"),
        (1_000_000, "100K<n<1M"),
        (10_000_000, "1M<n<10M"),
    ]
    for bound, name in bounds:
        if rows < bound:
            return name
    return "10M<n<100M"


def _node_range(nodes: list[int]) -> str:
    if nodes and nodes == list(range(nodes[0], nodes[-1] + 1)) and len(nodes) > 1:
        return f"{nodes[0]}-{nodes[-1]}"
    return ",".join(str(n) for n in nodes)


def _yaml_features(lines: list[str], features: dict[str, dict[str, Any]]) -> None:
    lines.append("  features:")
    for name, feature in features.items():
        lines.append(f"  - name: {name}")
        if feature["_type"] == "ClassLabel":
            lines += ["    dtype:", "      class_label:", "        names:"]
            lines += [f"          '{k}': {_q(n)}" for k, n in enumerate(feature["names"])]
        else:
            lines.append(f"    dtype: {feature['dtype']}")


def _front_matter(result: ExportResult) -> str:
    largest = max((c.rows for c in result.configs), default=0)
    lines = [
        "---",
        f"pretty_name: {_q('Corr2Cause (regenerated with corr2cause)')}",
        "license: mit",
        "language:",
        "- en",
        "annotations_creators:",
        "- machine-generated",
        "language_creators:",
        "- machine-generated",
        "multilinguality:",
        "- monolingual",
        "source_datasets:",
        "- original",
        "task_categories:",
        "- text-classification",
        "task_ids:",
        "- natural-language-inference",
        "size_categories:",
        f"- {_size_category(largest)}",
        "tags:",
        "- causal-inference",
        "- causal-discovery",
        "- reasoning",
        "- corr2cause",
        "configs:",
    ]
    for config in result.configs:
        lines.append(f"- config_name: {_q(config.name)}")
        if config.name == "default":
            lines.append("  default: true")
        lines.append("  data_files:")
        for split in config.splits:
            lines.append(f"  - split: {split.name}")
            lines.append(f"    path: {_q(f'data/{config.name}/{split.name}-*')}")
    lines.append("dataset_info:")
    for config in result.configs:
        lines.append(f"- config_name: {_q(config.name)}")
        _yaml_features(lines, config.features)
        lines.append("  splits:")
        for split in config.splits:
            lines.append(f"  - name: {split.name}")
            lines.append(f"    num_bytes: {split.num_bytes}")
            lines.append(f"    num_examples: {split.rows}")
        lines.append(f"  download_size: {sum(s.download_size for s in config.splits)}")
        lines.append(f"  dataset_size: {sum(s.num_bytes for s in config.splits)}")
    lines.append("---")
    return "\n".join(lines) + "\n"


def _pct(part: int, whole: int) -> str:
    return f"{100 * part / whole:.2f}" if whole else "-"


def _splits_table(result: ExportResult) -> list[str]:
    names = ["train", "validation", "test"]
    out = [
        "| config | variant | " + " | ".join(names) + " | % valid |",
        "|---|---|" + "---:|" * (len(names) + 1),
    ]
    for c in result.configs:
        by = {s.name: s for s in c.splits}
        cells = [f"{by[n].rows:,}" if n in by else "-" for n in names]
        valid = sum(s.valid for s in c.splits)
        out.append(
            f"| `{c.name}` | `{c.variant}` | " + " | ".join(cells) + f" | {_pct(valid, c.rows)} |"
        )
    return out


def _by_n_table(result: ExportResult, manifest: dict[str, Any]) -> list[str]:
    config = result.configs[0]
    ns = sorted({n for s in config.splits for n in s.by_num_variables})
    classes = _classes_per_n(manifest)
    out = [
        "| N | classes | " + " | ".join(s.name for s in config.splits) + " | % valid |",
        "|---:|---:|" + "---:|" * (len(config.splits) + 1),
    ]
    for n in ns:
        cells, rows, valid = [], 0, 0
        for s in config.splits:
            r, v = s.by_num_variables.get(n, [0, 0])
            cells.append(f"{r:,}")
            rows, valid = rows + r, valid + v
        n_classes = classes.get(str(n), "-")
        out.append(f"| {n} | {n_classes} | " + " | ".join(cells) + f" | {_pct(valid, rows)} |")
    return out


def _classes_per_n(manifest: dict[str, Any]) -> dict[str, Any]:
    """``{N: classes}`` from either manifest layout (flat: ``classes``; normalized: ``nodes``)."""
    if "classes" in manifest:
        return dict(manifest["classes"])
    return {n: info.get("classes", "-") for n, info in manifest.get("nodes", {}).items()}


def _sampled_nodes(manifest: dict[str, Any]) -> list[str]:
    """Node counts whose classes were sampled rather than enumerated."""
    return [
        n
        for n, info in manifest.get("nodes", {}).items()
        if info.get("mode", "exhaustive") != "exhaustive"
    ]


def _generate_command(manifest: dict[str, Any], variants: list[str]) -> str:
    args = manifest.get("arguments", {})
    nodes = [int(n) for n in args.get("nodes", [])]
    parts = [
        f"corr2cause generate --nodes {_node_range(nodes)} --variant {','.join(variants)}",
        f"--seed {args.get('seed', 0)}",
    ]
    if args.get("premise_style", "full") != "full":
        parts.append(f"--premise-style {args['premise_style']}")
    if manifest.get("layout") == "normalized":
        parts.append("--layout normalized")
    if args.get("samples"):
        parts.append(f"--samples {args['samples']} --edge-density {args.get('edge_density')}")
        if args.get("max_members") is not None:
            parts.append(f"--max-members {args['max_members']}")
    parts.append("--out DIR")
    return " ".join(parts)


def _provenance(manifest: dict[str, Any], variants: list[str]) -> list[str]:
    sha = manifest.get("sha256", {})
    tables = [
        (path, digest)
        for path, digest in sorted(sha.items())
        if path.split("/", 1)[0] in variants
        and (path.endswith(("items.parquet", "items.jsonl")) or "/items/" in path)
    ]
    if not tables:
        return ["- (no checksums recorded)"]
    if len(tables) > 12:
        return [f"- {len(tables)} item tables; their sha256 are in `generation_manifest.json`."]
    return [f"- `{path}`: sha256 `{digest}`" for path, digest in tables]


def _optional_columns(result: ExportResult) -> tuple[str, ...]:
    """The optional columns of any config, in their order."""
    seen: dict[str, None] = {}
    for config in result.configs:
        seen.update(dict.fromkeys(config.columns))
    return tuple(seen)


def _fields_table(result: ExportResult) -> list[str]:
    out = ["| field | type | description |", "|---|---|---|"]
    for name, feature in config_features(_optional_columns(result)).items():
        if feature["_type"] == "ClassLabel":
            kind = (
                "ClassLabel(" + ", ".join(f"{k}={n}" for k, n in enumerate(feature["names"])) + ")"
            )
        else:
            kind = feature["dtype"]
        out.append(f"| `{name}` | {kind} | {FEATURE_DESCRIPTIONS[name]} |")
    return out


def _example(result: ExportResult) -> list[str]:
    if result.example is None:
        return ["(The export holds no rows.)"]
    return [
        f"The first row of `{result.example_file}` (`label` and `label3` are class indices, "
        "see *Fields*):",
        "",
        "```json",
        json.dumps(result.example, indent=2, ensure_ascii=False),
        "```",
    ]


def _valid_share(config: ConfigSummary) -> str:
    """``X % of the items are valid (from a % at N = .. to b % at N = ..)``, from the rows."""
    by_n: dict[int, list[int]] = {}
    for split in config.splits:
        for n, (rows, valid) in split.by_num_variables.items():
            counts = by_n.setdefault(n, [0, 0])
            counts[0], counts[1] = counts[0] + rows, counts[1] + valid
    valid = sum(s.valid for s in config.splits)
    text = f"{_pct(valid, config.rows)} % of the {config.rows:,} items of `{config.name}` are valid"
    shares = {n: 100 * v / r for n, (r, v) in by_n.items() if r}
    if len(shares) > 1:
        low, high = min(shares, key=shares.__getitem__), max(shares, key=shares.__getitem__)
        text += (
            f" (from {shares[low]:.2f} % at N = {low} to {shares[high]:.2f} % at N = {high}, "
            "see the table by N above)"
        )
    invalid = 100 - 100 * valid / config.rows if config.rows else 0.0
    return (
        text + f". Answering *invalid* to everything scores an accuracy of {invalid:.2f} % "
        "and an F1 of 0, so report the F1 of the valid class, the paper's headline metric."
    )


def _shortcut_rows(result: ExportResult) -> list[str]:
    out = [
        "| config | later letter causes earlier: items | of them valid | earlier causes later: "
        "items | of them valid |",
        "|---|---:|---:|---:|---:|",
    ]
    for c in result.configs:
        later = [sum(s.later_cause[k] for s in c.splits) for k in (0, 1)]
        earlier = [sum(s.earlier_cause[k] for s in c.splits) for k in (0, 1)]
        out.append(
            f"| `{c.name}` | {later[0]:,} | {later[1]:,} ({_pct(later[1], later[0])} %) | "
            f"{earlier[0]:,} | {earlier[1]:,} ({_pct(earlier[1], earlier[0])} %) |"
        )
    return out


def _names(names: list[str]) -> str:
    quoted = [f"`{n}`" for n in names]
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " and " + quoted[-1]


def _shortcut_finding(result: ExportResult) -> str:
    """Which configs the letter rule decides without error, read off the counts."""
    sides: dict[str, list[str]] = {"later": [], "earlier": []}
    for c in result.configs:
        for side, attr in (("later", "later_cause"), ("earlier", "earlier_cause")):
            rows = sum(getattr(s, attr)[0] for s in c.splits)
            valid = sum(getattr(s, attr)[1] for s in c.splits)
            if rows and not valid:
                sides[side].append(c.name)
    sentences = []
    if sides["later"]:
        sentences.append(
            f"In {_names(sides['later'])} no hypothesis in which a later letter causes an "
            'earlier one is valid: the rule "later letter causes earlier letter → invalid" is '
            "never wrong there."
        )
    if sides["earlier"]:
        sentences.append(
            f"In {_names(sides['earlier'])} the rule is reversed: no hypothesis in which an "
            "earlier letter causes a later one is valid."
        )
    if not sentences:
        return "In this export the letters decide no directional hypothesis without error."
    return " ".join(sentences)


def _limitations(result: ExportResult) -> list[str]:
    return [
        f"- **Class imbalance.** {_valid_share(result.configs[0])}",
        "- **The alphabetical shortcut** (SPEC §8). Every class is named through its "
        "representative DAG, whose edges run from earlier to later letters, so the direction "
        "of a causal hypothesis can be read off the letters. Directional hypotheses (`parent`, "
        "`child`, `non-parent ancestor`, `non-child descendant`) counted on the exported rows:",
        "",
        *_shortcut_rows(result),
        "",
        _shortcut_finding(result) + " A fine-tuned model can learn this rule instead of "
        "causal inference; the paper's refactorization (A, B, C, … → Z, Y, X, …) reverses it, "
        "and the `relabel` variant of `corr2cause generate` removes it. Evaluate on "
        "`perturbation_by_refactorization` (and `relabel`) before crediting a model with "
        "causal reasoning; `corr2cause robustness` reports the drop.",
        "- **Synthetic, templated language.** Premises and hypotheses come from a handful of "
        "sentence templates over letter-named variables: the data tests formal reasoning, not "
        "causal knowledge about the world, and the wording varies only as much as the "
        "templates (and the paraphrase config) do.",
        "- **Idealized assumptions.** The premise is given, not estimated: causal sufficiency "
        "(no hidden variables), the Markov condition and faithfulness are assumed, and every "
        "conditional independence is listed without statistical error.",
        "- **Long inputs.** An N = 6 premise lists dozens of independencies (about 424 tokens "
        "on average in the official data); models with short context windows must cut from "
        "the left so that the hypothesis survives.",
    ]


def _themes(result: ExportResult) -> list[str]:
    """The themed configs: theme files, and the commonsense counts on the exported rows."""
    themes = result.manifest.get("themes", {})
    themed = [
        c
        for c in result.configs
        if c.kind == "variant" and (c.variant in themes or "commonsense" in c.columns)
    ]
    if not themed:
        return []
    lines = [
        "- **Themed configs** (not in the official release): the variables of every class are "
        "named from a built-in vocabulary (`corr2cause generate --names THEME`; names may have "
        "several words, written without quotes); texts, ids and labels are otherwise those of "
        "`default`, item by item. Theme files:"
    ]
    for config in themed:
        theme = themes.get(config.variant, {})
        digest = str(theme.get("sha256", ""))[:12]
        lines.append(
            f"  - `{config.name}`: theme `{theme.get('name', '?')}` version "
            f"{theme.get('version', '?')}, sha256 `{digest}`"
            + (f"; columns {', '.join(f'`{c}`' for c in config.columns)}" if config.columns else "")
        )
    lines.append(
        "  Filter `commonsense_conflict == true` for an anti-commonsense test set (the premise "
        "says the opposite of what the world says)."
    )
    return lines


def _story_configs(result: ExportResult) -> list[str]:
    """The story configs (``export-hf --stories``): what they are and where they came from."""
    stories = [c for c in result.configs if c.kind == "stories"]
    if not stories:
        return []
    lines = [
        "- **Story configs** (not in the official release): the same items with real-world "
        "variable names and a short context chosen by a language model "
        "(`corr2cause stories`). Only the names come from the model: the premise and the "
        "hypothesis are written by the benchmark's templates, and the exact solver re-derived "
        "every label from the story text; stories whose names changed the class or could not "
        "be read were dropped. `source_id` links each row to the letter item it rewrites. "
        "The names may carry the model's world knowledge, which is the point: compare with "
        "`source_id`'s letter item to see whether a model reasons from the premise."
    ]
    for config in stories:
        lines.append(f"  - `{config.name}` ({config.rows:,} items): {config.description}")
    return lines


def _license() -> list[str]:
    return [
        "MIT, the license of the `corr2cause` toolkit that generated the data. Every row is "
        "computed by the toolkit from the benchmark's definitions (all DAGs, d-separation, the "
        "relation definitions); no file or row of the official release is copied, so no "
        "other license travels with the data. The sentence templates and the `input` format "
        f"follow the paper ([arXiv 2306.05836]({PAPER_URL})) so that results stay comparable. "
        f"The official release ([code]({OFFICIAL_CODE}), [data]({OFFICIAL_DATA})) declares no "
        "license of its own (no license file in the repository, no `license` field on its "
        "card); check its terms before mixing its files with these, and cite the paper when "
        "you use either.",
    ]


def render_card(result: ExportResult) -> str:
    """The full ``README.md`` of an export: YAML header, then the card body.

    Parameters
    ----------
    result : ExportResult
        What :func:`~corr2cause.integrations.hf_export.export_hf` wrote.

    Returns
    -------
    str
    """
    manifest = result.manifest
    args = manifest.get("arguments", {})
    seed = args.get("seed", 0)
    variants = [c.variant for c in result.configs if c.kind == "variant"]
    first = result.configs[0].name
    sampled = _sampled_nodes(manifest)
    how_dags = "sampled DAGs for some N (see below)" if sampled else "exact enumeration of the DAGs"
    body = [
        "# Corr2Cause (regenerated)",
        "",
        "Corr2Cause (Jin et al., *Can Large Language Models Infer Causation from Correlation?*, "
        "ICLR 2024) tests pure causal inference: a **premise** lists, for a closed system of "
        "N variables, every correlation and every conditional independence; a **hypothesis** "
        "states one causal relation between two of the variables. The label is **valid (1)** "
        "iff the relation holds in every DAG of the Markov equivalence class that the premise "
        "describes, and **invalid (0)** otherwise.",
        "",
        f"- **Paper:** [arXiv 2306.05836]({PAPER_URL}) (Jin et al., ICLR 2024)",
        f"- **Official code:** <{OFFICIAL_CODE}>",
        f"- **Official data:** <{OFFICIAL_DATA}>",
        "",
        "This copy was regenerated from first principles by the `corr2cause` toolkit "
        f"(version {manifest.get('version', __version__)}): {how_dags}, "
        "exact d-separation and exact labels. It keeps the official config names and the "
        "official `input` and `label` columns, so it is a drop-in replacement for "
        "`causalnlp/corr2cause`, and adds richer columns.",
        "",
        "## Loading",
        "",
        "```python",
        "from datasets import load_dataset",
        "",
        f'ds = load_dataset("path/to/this/folder", "{first}")',
        'print(ds["test"][0]["input"], ds["test"].features["label"])',
        "```",
        "",
        "## Configs and splits",
        "",
        *_splits_table(result),
        "",
        f"Items of `{first}` by number of variables N (classes = Markov equivalence classes, "
        "one premise each):",
        "",
        *_by_n_table(result, manifest),
        "",
        "Splits are made per N and by class (no premise appears in two splits) with the "
        "authors' rule restated on the released item counts: with k items, if k < 500 then "
        "test = k // 2 and dev = the rest; otherwise test = dev = min(500, k // 10) and "
        "train = the rest, cut at class boundaries. `validation` is the official `dev`.",
        "",
        "## Fields",
        "",
        *_fields_table(result),
        "",
        "## Example instance",
        "",
        *_example(result),
        "",
        "## How it was generated",
        "",
        "```bash",
        _generate_command(manifest, variants),
        *(
            [
                "corr2cause stories DIR/original/items.jsonl --model MODEL --out STORIES",
                "corr2cause export-hf DIR --out HF_DIR --stories STORIES",
            ]
            if any(c.kind == "stories" for c in result.configs)
            else ["corr2cause export-hf DIR --out HF_DIR"]
        ),
        "```",
        "",
        "The generator's `manifest.json` is kept next to this card as "
        "`generation_manifest.json`. Source tables:",
        "",
        *_provenance(manifest, variants),
        "",
        "Generation is deterministic: the same arguments and seed give the same bytes.",
        "",
        "**Source data and annotations.** No text was collected or written by people: the "
        "causal graphs are enumerated, the premises and hypotheses are filled into the "
        "paper's templates, and each label is computed exactly from the Markov equivalence "
        "class (machine-generated annotations).",
        "",
        "## Known differences from the official release",
        "",
        "- **Corrected labels.** The official generator has two bugs (a wrong permutation when "
        "reading class members and a loop typo in the confounder check). On the official test "
        "split 18 of 1,162 gold labels disagree with the benchmark's own definitions (15 "
        "entailed items labeled 0, 3 non-entailed items labeled 1). Labels here follow the "
        "definitions; an exact solver scores F1 = 100 on this data but about 95 on the "
        "official test gold.",
        "- **2,201 vs 2,207 classes at N = 6.** The official release has 23 premises that no "
        "DAG has (a d-separation bug) and misses 17 true classes; the true number of Markov "
        "equivalence classes of 6-node DAGs up to isomorphism is 2,201. For N = 2..6 this "
        "gives 207,432 items.",
        "- **Splits and swap forms.** Classes are assigned to splits, and the equivalent "
        "wording of some hypotheses (`A causes something else which causes B.` vs `A is a "
        "cause for B, but not a direct one.`) is chosen, with this generator's seed "
        f"({seed}); the items of a split therefore differ from the official files. To compare "
        "with published numbers, also evaluate on the official test file.",
        "- **Types and columns.** `label` is a `ClassLabel` (`invalid`, `valid`) with the "
        "official values (1 = valid). `label3` gives the 3-class version, and `id`, "
        "`premise`, `hypothesis`, `relation`, `node_i`, `node_j`, `fraction`, `mec_id` and "
        "`variant` are new.",
    ]
    if "paraphrase" in variants:
        body.append(
            "- **Paraphrasing config.** The official card points `perturbation_by_paraphrasing` "
            "at files that do not exist; here it holds every item with the paper's paraphrased "
            "hypothesis templates, in all three splits, with the binary label and `label3`."
        )
    if args.get("premise_style", "full") != "full":
        body.append(
            f"- **Premise style `{args['premise_style']}`** (not the official format): each "
            "premise lists only the minimal separating sets of every non-adjacent pair instead "
            "of every conditional independence. Labels are unchanged."
        )
    if sampled:
        body.append(
            f"- **Sampled classes for N = {', '.join(sampled)}**: the classes come from "
            "random DAGs rather than full enumeration (see `generation_manifest.json`), so "
            "these node counts are a sample of the classes, not all of them."
        )
    body += _themes(result)
    body += _story_configs(result)
    if "relabel" in variants:
        body.append(
            "- **`relabel` config** (not in the official release): every class gets a "
            "seeded random assignment of letters to nodes, which removes the alphabetical "
            "artifact of the official data (there, a later letter never causes an earlier one)."
        )
    body += [
        "",
        "## Limitations and known biases",
        "",
        *_limitations(result),
        "",
        "## License",
        "",
        *_license(),
        "",
        "## Citation",
        "",
        "```bibtex",
        CITATION,
        "```",
        "",
    ]
    return _front_matter(result) + "\n" + "\n".join(body)
