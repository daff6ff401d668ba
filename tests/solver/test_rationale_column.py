"""``generate --rationale``: the gold rationale as an item column, written in the same pass.

Evidence (issue 16, "available as an optional column in generate"):

* every stored rationale of a ``--nodes 2-4`` run in all variants (the four wordings and two
  themes; full and minimal premises; both template styles) passes the step checker, which
  re-derives each line from the row's premise, and answers the row's label (N = 5-6: slow);
* the checker catches broken stored rationales: the 25 broken derivations of the checker's own
  tests applied to the provider's output, and generic corruptions of every stored N = 3 row;
* without the option the output is byte-identical to the release before the option existed
  (SHA-256 digests recorded from commit 37b017c), and with it only ``items.parquet`` /
  ``items.jsonl`` gain the column: the CSV bytes and every other column are unchanged;
* ``export-sft`` recomputes its completions; they equal the stored column.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from corr2cause.cli.app import app
from corr2cause.dataset.columns import ItemColumnsError, check_item_columns
from corr2cause.dataset.compose import ITEM_COLUMNS
from corr2cause.dataset.generate import GenerationConfig, GenerationError
from corr2cause.dataset.sharded import ShardedConfig, plan_shards, run_shard
from corr2cause.dataset.store import generate, open_dataset
from corr2cause.solver.ccpp import parse_ccpp_hypothesis
from corr2cause.solver.rationale import RationaleError, read_item
from corr2cause.solver.rationale_check import check_rationale, check_reconstructed
from corr2cause.solver.rationale_column import RationaleColumn
from release_pins import (
    BASELINE_MANIFEST,
    BASELINE_PARQUET,
    BASELINE_PYARROW,
    BASELINE_TEXT,
    BASELINE_VARIANTS,
    FORMATS,
    manifest_digest,
    versionless_manifest_digest,
)

from .test_rationale import BROKEN_R2, R2_DAG

VARIANTS = ["original", "paraphrase", "refactor", "relabel", "names-medicine", "names-nonsense"]


def _rows(folder: Path, variant: str) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = pq.read_table(folder / variant / "items.parquet").to_pylist()
    return rows


@pytest.fixture(scope="module")
def plain(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("plain") / "data"
    generate(GenerationConfig(nodes=[2, 3, 4], variants=BASELINE_VARIANTS, formats=FORMATS), out)
    return out


@pytest.fixture(scope="module")
def with_rationale(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("rationale") / "data"
    config = GenerationConfig(
        nodes=[2, 3, 4], variants=VARIANTS, formats=FORMATS, extra_columns=RationaleColumn()
    )
    generate(config, out)
    return out


def _check_every_row(folder: Path, variants: list[str]) -> int:
    """Check every stored rationale; the premise is read back once per class (as
    :func:`check_rationale` does per item), then each line is re-derived."""
    checked = 0
    for v in variants:
        premise, rec = None, None
        for row in _rows(folder, v):
            if row["premise"] != premise:
                premise, rec = row["premise"], read_item(row["premise"], row["hypothesis"])[0]
            assert rec is not None
            h = parse_ccpp_hypothesis(row["hypothesis"], rec.names)
            result = check_reconstructed(
                rec, h.relation, h.x, h.y, row["rationale"], semantics="corr2cause"
            )
            assert result.ok, (v, row["id"], result.errors)
            assert result.credit == 1.0
            assert result.answer == ("Yes" if row["label"] else "No"), (v, row["id"])
            checked += 1
    return checked


def test_every_stored_rationale_passes_the_checker(with_rationale: Path) -> None:
    assert _check_every_row(with_rationale, VARIANTS) == 822 * len(VARIANTS)


def test_minimal_premises_and_compact_style(tmp_path: Path) -> None:
    config = GenerationConfig(
        nodes=[2, 3, 4],
        variants=["original", "relabel", "names-ecology"],
        formats=["parquet"],
        premise_style="minimal",
        extra_columns=RationaleColumn(style="compact"),
    )
    manifest = generate(config, tmp_path / "m")
    assert manifest["extra_columns"]["rationale"]["rationale_version"] == "v1/compact"
    assert _check_every_row(tmp_path / "m", ["original", "relabel", "names-ecology"]) == 3 * 822
    row = _rows(tmp_path / "m", "original")[-1]
    assert row["rationale"].startswith("PC algorithm on the stated independencies.\nSkeleton: ")


@pytest.mark.slow
@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("n", [5, 6])
def test_every_stored_rationale_passes_slow(tmp_path: Path, n: int, variant: str) -> None:
    config = GenerationConfig(
        nodes=[n], variants=[variant], formats=["parquet"], extra_columns=RationaleColumn()
    )
    generate(config, tmp_path / "d")
    assert _check_every_row(tmp_path / "d", [variant]) == {5: 8520, 6: 198_090}[n]


def test_default_output_is_byte_identical_to_before(plain: Path) -> None:
    manifest = json.loads((plain / "manifest.json").read_text())
    for rel, sha in manifest["sha256"].items():
        assert hashlib.sha256((plain / rel).read_bytes()).hexdigest() == sha, rel
    assert manifest_digest(manifest, lambda k: not k.endswith(".parquet")) == BASELINE_TEXT
    if pa.__version__ == BASELINE_PYARROW:
        assert manifest_digest(manifest, lambda k: k.endswith(".parquet")) == BASELINE_PARQUET
    assert "extra_columns" not in manifest
    assert versionless_manifest_digest(manifest) == BASELINE_MANIFEST


def test_the_column_changes_nothing_else(plain: Path, with_rationale: Path) -> None:
    m0 = json.loads((plain / "manifest.json").read_text())
    m1 = json.loads((with_rationale / "manifest.json").read_text())
    for v in BASELINE_VARIANTS:
        for s in ("train", "dev", "test"):
            assert m1["sha256"][f"{v}/{s}.csv"] == m0["sha256"][f"{v}/{s}.csv"]
        before, after = _rows(plain, v), _rows(with_rationale, v)
        assert list(after[0]) == [*before[0], "rationale"]
        assert [{k: r[k] for k in before[0]} for r in after] == before
        jsonl = (with_rationale / v / "items.jsonl").read_text().splitlines()
        assert [json.loads(line) for line in jsonl] == after
    assert m1["extra_columns"] == {
        "rationale": {
            "rationale_version": "v1/full",
            "template_version": "v1",
            "style": "full",
            "semantics": "corr2cause",
            "checker": "corr2cause.solver.rationale_check.check_rationale",
        }
    }
    assert [k for k in m1 if k != "extra_columns"] == list(m0)
    for key in ("items", "counts", "variants", "themes"):
        assert {v: m1[key][v] for v in m0[key]} == m0[key]
    assert m1["classes"] == m0["classes"]
    # the store still reads the folder (the extra column is carried, not parsed)
    items = open_dataset(with_rationale).items(variant="original", split="test")
    assert len(items) == sum(r["split"] == "test" for r in _rows(with_rationale, "original"))


def test_generation_with_the_column_is_deterministic(tmp_path: Path, with_rationale: Path) -> None:
    config = GenerationConfig(
        nodes=[2, 3, 4], variants=VARIANTS, formats=FORMATS, extra_columns=RationaleColumn()
    )
    again = generate(config, tmp_path / "again")
    first = json.loads((with_rationale / "manifest.json").read_text())
    assert again["sha256"] == first["sha256"]


def test_broken_rationales_of_the_provider_are_caught(premise_of: Callable[..., str]) -> None:
    premise, hyp = premise_of(R2_DAG), "A directly causes B."
    text = RationaleColumn()({"id": ["r2"], "premise": [premise], "hypothesis": [hyp]})
    stored = text["rationale"][0]
    assert "Meek rule R1" in stored and "Meek rule R2" in stored
    assert check_rationale(premise, hyp, stored).ok
    for what, corrupt, message in BROKEN_R2:
        result = check_rationale(premise, hyp, corrupt(stored))
        assert not result.ok, what
        assert any(message in e for e in result.errors), (what, result.errors)


def _flip_answer(t: str) -> str:
    return re.sub(r"Answer: (Yes|No)$", lambda m: "Answer: " + {"Yes": "No", "No": "Yes"}[m[1]], t)


def _wrong_count(t: str) -> str:
    return re.sub(r"has (\d+) member", lambda m: f"has {int(m[1]) + 1} member", t)


def _drop_line(prefix: str) -> Callable[[str], str]:
    return lambda t: "\n".join(ln for ln in t.splitlines() if not ln.startswith(prefix))


def _flip_verdict(t: str) -> str:
    collider = re.search(r"which does not contain (\w+), so \1 is a collider: [^\n]*", t)
    if collider:
        c = collider[1]
        return t.replace(collider[0], f"which contains {c}, so {c} is not a collider.", 1)
    return re.sub(
        r"which contains (\w+), so \1 is not a collider\.",
        "which does not contain "
        r"\1, so \1 is a collider: A -> \1 <- B.",
        t,
        count=1,
    )


CORRUPTIONS: list[tuple[str, Callable[[str], str]]] = [
    ("answer flipped", _flip_answer),
    ("member count off by one", _wrong_count),
    ("skeleton line dropped", _drop_line("Skeleton:")),
    ("CPDAG line dropped", _drop_line("CPDAG")),
    ("decision line dropped", _drop_line("It holds")),
    ("first collider verdict flipped", _flip_verdict),
]


@pytest.mark.parametrize(("what", "corrupt"), CORRUPTIONS, ids=[c[0] for c in CORRUPTIONS])
def test_corrupted_stored_rationales_fail(
    with_rationale: Path, what: str, corrupt: Callable[[str], str]
) -> None:
    rows = [r for r in _rows(with_rationale, "relabel") if r["num_variables"] == 3]
    tried = 0
    for row in rows:
        broken = corrupt(row["rationale"])
        if broken == row["rationale"]:
            continue  # e.g. no triple to flip
        tried += 1
        result = check_rationale(row["premise"], row["hypothesis"], broken, semantics="corr2cause")
        assert not result.ok, (what, row["id"])
    assert tried >= 18, what


def test_a_label_that_does_not_read_back_is_an_error(with_rationale: Path) -> None:
    row = _rows(with_rationale, "original")[0]
    rows = {k: [row[k]] for k in ("id", "premise", "hypothesis")} | {"label": [1 - row["label"]]}
    with pytest.raises(RationaleError, match=re.escape(row["id"])):
        RationaleColumn()(rows)


def test_bad_settings_are_refused() -> None:
    with pytest.raises(RationaleError, match="unknown rationale style"):
        RationaleColumn(style="poetic")
    with pytest.raises(ItemColumnsError, match="'label'"):

        class Clash:
            fields = (pa.field("label", pa.int8()),)

            def describe(self) -> dict[str, Any]:
                return {}

            def __call__(self, rows: Any) -> dict[str, list[Any]]:
                return {}

        check_item_columns(Clash(), existing=ITEM_COLUMNS)
    config = GenerationConfig(nodes=[8], samples=5, extra_columns=RationaleColumn())
    with pytest.raises(GenerationError, match="need exhaustive classes"):
        ShardedConfig.from_generation(config)


def test_cli_option(tmp_path: Path) -> None:
    runner = CliRunner()
    out = tmp_path / "cli"
    args = ["generate", "--nodes", "2-3", "--out", str(out), "-q", "--format", "parquet"]
    res = runner.invoke(app, [*args, "--rationale", "--rationale-style", "compact"])
    assert res.exit_code == 0, res.output
    rows = _rows(out, "original")
    assert len(rows) == 102 and all(r["rationale"].endswith(("Yes", "No")) for r in rows)
    assert rows[0]["rationale"].splitlines()[0] == "PC algorithm on the stated independencies."
    res = runner.invoke(app, [*args, "--overwrite", "--rationale", "--rationale-style", "x"])
    assert res.exit_code == 2 and "unknown rationale style" in res.output
    res = runner.invoke(
        app, [*args, "--overwrite", "--rationale", "--samples", "3", "--nodes", "8"]
    )
    assert res.exit_code == 2 and "need exhaustive classes" in res.output


def test_export_sft_recomputes_the_stored_column(tmp_path: Path, with_rationale: Path) -> None:
    from corr2cause.training.sft_data import SftExportConfig, export_sft

    config = SftExportConfig(splits=("test",), formats=("jsonl",), semantics="corr2cause")
    export_sft(with_rationale, tmp_path / "sft", config)
    rows = _rows(with_rationale, "original")
    stored = {(r["premise"], r["hypothesis"]): r["rationale"] for r in rows}
    examples = [json.loads(x) for x in (tmp_path / "sft" / "test.jsonl").read_text().splitlines()]
    assert len(examples) == sum(r["split"] == "test" for r in rows)
    for e in examples:
        assert e["completion"][0]["content"] == stored[(e["premise"], e["hypothesis"])]


def test_the_normalized_layout_writes_the_same_column(tmp_path: Path, with_rationale: Path) -> None:
    config = GenerationConfig(
        nodes=[3, 4],
        variants=["original", "relabel"],
        layout="normalized",
        formats=["parquet", "csv"],
        shard_size=7,
        extra_columns=RationaleColumn(),
    )
    sharded = ShardedConfig.from_generation(config)
    # resumable: a shard finished by an interrupted run is kept, the result is the same
    work = tmp_path / ".norm.partial"
    (work / "done").mkdir(parents=True)
    (work / "arguments.json").write_text(json.dumps(sharded.arguments(), sort_keys=True) + "\n")
    specs, _ = plan_shards(sharded, work)
    run_shard(specs[0])
    manifest = generate(config, tmp_path / "norm")
    clean = generate(config, tmp_path / "clean")
    assert manifest["sha256"] == clean["sha256"]
    assert manifest["arguments"]["extra_columns"] == manifest["extra_columns"]
    assert manifest["extra_columns"]["rationale"]["rationale_version"] == "v1/full"
    for v in ("original", "relabel"):
        flat = {r["id"]: r["rationale"] for r in _rows(with_rationale, v)}
        items = pq.read_table(tmp_path / "norm" / v / "items").to_pylist()
        assert len(items) == 90 + 720
        # the same derivation as the flat layout's, item by item
        assert all(r["rationale"] == flat[r["id"]] for r in items)
        header = (tmp_path / "norm" / v / "test.csv").read_text().splitlines()[0]
        assert header == "input,label,num_variables,template"
