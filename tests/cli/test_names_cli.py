"""``corr2cause generate --names`` through the real CLI entry point."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from typer.testing import CliRunner

from corr2cause.cli.app import app
from corr2cause.dataset.compose import VARIANTS
from corr2cause.solver import Solver

runner = CliRunner()


@pytest.fixture()
def registry() -> Iterator[None]:
    """Unregister the variants a theme file registers, so later tests see the built-ins only."""
    before = set(VARIANTS)
    yield
    for name in set(VARIANTS) - before:
        del VARIANTS[name]


def test_generate_with_names_and_a_theme_file(tmp_path, registry):
    theme = tmp_path / "lab.toml"
    theme.write_text('name = "lab"\nversion = 1\nnames = ["x-ray dose", "cell count", "pH"]\n')
    out = tmp_path / "data"
    res = runner.invoke(
        app,
        ["generate", "--nodes", "2-3", "--out", str(out), "--names", f"medicine,{theme}",
         "--format", "jsonl", "-q"],
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    assert sorted(p.name for p in out.iterdir()) == [
        "manifest.json", "names-lab", "names-medicine", "original"
    ]  # fmt: skip
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["arguments"]["variants"] == ["original", "names-medicine", "names-lab"]
    assert manifest["themes"]["names-lab"]["version"] == 1
    solver = Solver()
    letters = [json.loads(x) for x in (out / "original/items.jsonl").read_text().splitlines()]
    rows = [json.loads(x) for x in (out / "names-lab/items.jsonl").read_text().splitlines()]
    assert [r["label"] for r in rows] == [r["label"] for r in letters]
    for row in rows:
        assert solver.solve(row["premise"], row["hypothesis"]).label == row["label"]


def test_unknown_theme_is_one_message(tmp_path):
    res = runner.invoke(app, ["generate", "--out", str(tmp_path / "d"), "--names", "astrology"])
    assert res.exit_code == 2
    assert "unknown theme 'astrology'" in res.output
