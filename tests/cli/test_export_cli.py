"""``corr2cause export-hf`` through the real CLI entry point."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from corr2cause.cli.app import app

runner = CliRunner()


def _generate(out) -> None:
    res = runner.invoke(
        app,
        ["generate", "--nodes", "2-3", "--out", str(out), "--variant", "original,relabel", "-q"],
    )
    assert res.exit_code == 0, res.output


def test_generate_then_export(tmp_path):
    gen, hf = tmp_path / "gen", tmp_path / "hf"
    _generate(gen)
    res = runner.invoke(app, ["export-hf", str(gen), "--out", str(hf), "--json", "-q"])
    assert res.exit_code == 0, res.output
    written = json.loads(res.stdout)
    assert list(written) == ["default", "relabel"]
    assert list(written["default"]) == ["validation", "test"]
    assert written["default"]["test"]["rows"] == 6 + 36
    assert written["default"]["test"]["files"] == ["data/default/test-00000-of-00001.parquet"]
    assert (hf / written["relabel"]["validation"]["files"][0]).is_file()
    assert "default" in res.stderr and "relabel" in res.stderr
    assert (hf / "README.md").read_text(encoding="utf-8").startswith("---\n")


def test_errors_name_the_file_and_exit_2(tmp_path):
    gen, hf = tmp_path / "gen", tmp_path / "hf"
    res = runner.invoke(app, ["export-hf", str(gen), "--out", str(hf), "-q"])
    assert res.exit_code == 2
    assert str(gen) in res.stderr and "no such folder" in res.stderr
    _generate(gen)
    hf.mkdir()
    (hf / "old.txt").write_text("x")
    res = runner.invoke(app, ["export-hf", str(gen), "--out", str(hf), "-q"])
    assert res.exit_code == 2 and "--overwrite" in res.stderr
    res = runner.invoke(app, ["export-hf", str(gen), "--out", str(hf), "-q", "--overwrite"])
    assert res.exit_code == 0, res.output
    assert not (hf / "old.txt").exists()
    res = runner.invoke(app, ["export-hf", str(gen), "--out", str(hf), "--max-shard-rows", "0"])
    assert res.exit_code == 2
