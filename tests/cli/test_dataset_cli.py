"""``corr2cause generate`` and ``corr2cause stats`` through the real CLI entry point."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from corr2cause.cli.app import app

runner = CliRunner()


def test_generate_then_stats(tmp_path):
    out = tmp_path / "data"
    res = runner.invoke(
        app,
        ["generate", "--nodes", "2-4", "--out", str(out), "--variant", "original,refactor", "-q"],
    )
    assert res.exit_code == 0, res.output
    assert sorted(p.name for p in out.iterdir()) == ["manifest.json", "original", "refactor"]
    res = runner.invoke(app, ["stats", str(out), "--json"])
    assert res.exit_code == 0, res.output
    stats = json.loads(res.stdout)
    assert stats["original"]["overall"]["items"] == 822
    assert set(stats["original"]["by_num_variables"]) == {"2", "3", "4"}
    # alphabetical artifact of the official labeling (SPEC section 8)
    assert stats["original"]["by_relation"]["child"]["valid_pct"] == 0.0
    assert stats["original"]["by_relation"]["parent"]["valid_pct"] > 0.0


def test_generate_errors_are_clear_and_write_nothing(tmp_path):
    out = tmp_path / "data"
    for args, message in [
        (["--nodes", "9"], "out of range"),
        (["--nodes", "two"], "cannot read node range"),
        (["--variant", "shuffled"], "unknown variant"),
        (["--format", "xlsx"], "unknown format"),
    ]:
        res = runner.invoke(app, ["generate", "--out", str(out), "-q", *args])
        assert res.exit_code != 0
        assert message in res.output, res.output
        assert not out.exists()
    out.mkdir()
    (out / "x").write_text("x")
    res = runner.invoke(app, ["generate", "--nodes", "2", "--out", str(out), "-q"])
    assert res.exit_code == 2 and "not empty" in res.output
    blocker = tmp_path / "file"
    blocker.write_text("")
    res = runner.invoke(app, ["generate", "--nodes", "2", "--out", str(blocker / "sub"), "-q"])
    assert res.exit_code == 2 and "error" in res.output


def test_stats_on_missing_folder(tmp_path):
    res = runner.invoke(app, ["stats", str(tmp_path / "nope")])
    assert res.exit_code == 2 and "no such file" in res.output


def test_generate_normalized_layout_and_sampling(tmp_path):
    out = tmp_path / "norm"
    res = runner.invoke(
        app,
        [
            "generate",
            "--nodes",
            "3-4",
            "--out",
            str(out),
            "--layout",
            "normalized",
            "--variant",
            "original,relabel",
            "--workers",
            "1",
            "-q",
        ],
    )
    assert res.exit_code == 0, res.output
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["layout"] == "normalized" and manifest["nodes"]["4"]["classes"] == 20
    res = runner.invoke(app, ["stats", str(out), "--json"])
    assert res.exit_code == 0, res.output
    stats = json.loads(res.stdout)
    assert stats["relabel"]["overall"]["items"] == 90 + 720
    assert stats["relabel"]["by_relation"]["child"]["valid_pct"] > 0.0

    sampled = tmp_path / "sampled"
    res = runner.invoke(
        app,
        [
            "generate",
            "--nodes",
            "9",
            "--samples",
            "5",
            "--premise-style",
            "minimal",
            "--out",
            str(sampled),
            "--workers",
            "1",
            "-q",
        ],
    )
    assert res.exit_code == 0, res.output
    assert json.loads((sampled / "manifest.json").read_text())["nodes"]["9"]["mode"] == "sampled"
    res = runner.invoke(app, ["generate", "--nodes", "9", "--out", str(tmp_path / "x"), "-q"])
    assert res.exit_code == 2 and "out of range" in res.output
    res = runner.invoke(
        app, ["generate", "--nodes", "3", "--engine", "spark", "--out", str(tmp_path / "y"), "-q"]
    )
    assert res.exit_code == 2 and "unknown engine" in res.output
