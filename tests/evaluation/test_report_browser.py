"""The HTML report in a real headless browser (Chromium): it renders, and every section is there.

Skipped with a reason when no Chromium is installed (``apt-get install chromium``).
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from corr2cause.evaluation import evaluate, write_report
from corr2cause.evaluation.report import SECTIONS

from .conftest import make_items

pytest.importorskip("matplotlib")
Image = pytest.importorskip("PIL.Image", reason="Pillow (a matplotlib dependency) is needed")

BROWSER = next(
    (p for p in map(shutil.which, ("chromium", "chromium-browser", "google-chrome")) if p), None
)
pytestmark = pytest.mark.skipif(BROWSER is None, reason="no headless Chromium on PATH")


def _chromium(*args: str) -> subprocess.CompletedProcess[str]:
    command = [BROWSER, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
               "--no-first-run", "--disable-extensions", *args]  # fmt: skip
    return subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)


def test_report_renders_in_chromium(tmp_path: Path) -> None:
    items = make_items(8)
    runs = [tmp_path / "uniform", tmp_path / "majority"]
    evaluate("random-uniform", items, out_dir=runs[0], n_boot=50)
    evaluate("majority", items, out_dir=runs[1], n_boot=50)
    _, page = write_report(runs, tmp_path / "report", n_boot=50, figure_formats=())
    url = page.resolve().as_uri()

    shot = tmp_path / "shot.png"
    result = _chromium("--window-size=1280,2400", f"--screenshot={shot}", url)
    assert shot.is_file(), result.stderr[-2000:]
    image = Image.open(shot).convert("L")
    assert image.size == (1280, 2400)
    pixels = np.asarray(image)
    ink = float((pixels < 200).mean())
    assert ink > 0.01, f"screenshot is nearly blank ({ink:.2%} dark pixels)"
    assert np.unique(pixels).size > 20  # text, lines and fills, not a flat page

    dom = _chromium("--dump-dom", url)
    assert dom.returncode == 0, dom.stderr[-2000:]
    html = dom.stdout
    for sid, title in SECTIONS:
        assert f'<section id="{sid}"><h2>{title}</h2>' in html, sid
    assert html.count("<svg") >= 4  # figures are parsed as inline SVG by the browser
