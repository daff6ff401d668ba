"""Compare evaluation runs side by side: a Markdown and a self-contained HTML report.

The HTML file has no external assets (no scripts, fonts, stylesheets or images to fetch): its
CSS is inline and its plots, F1 by relation and F1 by number of variables, are inline SVG bar
charts with 95 % bootstrap intervals as error bars.

The public interface is :func:`load_run`, :func:`render_markdown`, :func:`render_html` and
:func:`write_report`.
"""

from __future__ import annotations

import html
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from corr2cause import __version__
from corr2cause.atomic import atomic_write_text
from corr2cause.errors import Corr2CauseError

__all__ = ["ReportError", "Run", "load_run", "render_html", "render_markdown", "write_report"]

_PALETTE = (
    "#4c72b0", "#dd8452", "#55a868", "#c44e52", "#8172b3",
    "#937860", "#da8bc3", "#8c8c8c", "#ccb974", "#64b5cd",
)  # fmt: skip


class ReportError(Corr2CauseError):
    """A run directory that cannot be reported (the message names it)."""


@dataclass(frozen=True, slots=True)
class Run:
    """One run directory's results.

    Attributes
    ----------
    label : str
        Short unique name in the report (the directory name, made unique).
    path : Path
        The run directory.
    metrics : dict
        Content of ``metrics.json``.
    manifest : dict
        Content of ``run.json`` (empty when absent).
    """

    label: str
    path: Path
    metrics: dict[str, Any]
    manifest: dict[str, Any]

    @property
    def backend(self) -> str:
        return str(self.metrics.get("run", {}).get("backend", "?"))

    @property
    def prompt(self) -> str:
        return str(self.metrics.get("run", {}).get("prompt") or "-")


def load_run(path: str | Path, label: str | None = None) -> Run:
    """Read a run directory written by :func:`~corr2cause.evaluation.evaluate`.

    Raises
    ------
    ReportError
        If ``metrics.json`` is missing or unreadable.
    """
    path = Path(path)
    metrics_path = path / "metrics.json"
    if not metrics_path.is_file():
        raise ReportError(f"{path}: no metrics.json (not a finished evaluation run)")
    try:
        metrics = json.loads(metrics_path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise ReportError(f"{metrics_path}: cannot read: {exc}") from None
    if not isinstance(metrics, dict) or "f1" not in metrics:
        raise ReportError(f"{metrics_path}: not a metrics file (no 'f1')")
    manifest: dict[str, Any] = {}
    manifest_path = path / "run.json"
    if manifest_path.is_file():
        try:
            manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError):
            manifest = {}
    return Run(label or path.resolve().name, path, metrics, manifest)


def _unique_labels(paths: Sequence[Path]) -> list[str]:
    labels = [p.resolve().name for p in paths]
    for k, path in enumerate(paths):
        if labels.count(labels[k]) > 1:
            parts = path.resolve().parts
            labels[k] = "/".join(parts[-2:]) if len(parts) > 1 else labels[k]
    seen: dict[str, int] = {}
    out = []
    for label in labels:
        seen[label] = seen.get(label, 0) + 1
        out.append(label if seen[label] == 1 else f"{label} ({seen[label]})")
    return out


def _fmt(value: Any) -> str:
    return "-" if value is None else f"{float(value):.2f}"


def _undefined_f1(block: dict[str, Any]) -> bool:
    """No valid item and no valid prediction: F1 is 0/0 (scikit-learn reports 0)."""
    return block.get("gold_valid") == 0 and block.get("predicted_valid") == 0


def _f1_text(block: dict[str, Any]) -> str:
    return "n/a" if _undefined_f1(block) else _fmt(block["f1"])


_NA_NOTE = (
    "n/a: the group has no valid item and no valid prediction, so F1 is undefined "
    "(metrics.json reports 0, as scikit-learn does)."
)


def _ci(block: dict[str, Any], metric: str) -> str:
    interval = block.get("ci95", {}).get(metric)
    return f" [{_fmt(interval[0])}, {_fmt(interval[1])}]" if interval else ""


def _groups(runs: Sequence[Run], key: str) -> list[str]:
    names: list[str] = []
    for run in runs:
        for name in run.metrics.get(key, {}):
            if name not in names:
                names.append(name)
    if key == "by_num_variables":
        names.sort(key=lambda s: (0, int(s)) if s.isdigit() else (1, s))
    return names


def _overall_rows(runs: Sequence[Run]) -> tuple[list[str], list[list[str]]]:
    header = [
        "run", "backend", "prompt", "n", "F1 [95% CI]", "precision", "recall", "accuracy",
        "parse failures", "request failures",
    ]  # fmt: skip
    rows = []
    for run in runs:
        m = run.metrics
        rows.append(
            [
                run.label,
                run.backend,
                run.prompt,
                str(m.get("n", "-")),
                _fmt(m.get("f1")) + _ci(m, "f1"),
                _fmt(m.get("precision")),
                _fmt(m.get("recall")),
                _fmt(m.get("accuracy")),
                str(m.get("parse_failures", 0)),
                str(m.get("request_failures", 0)),
            ]
        )
    return header, rows


def _breakdown_rows(runs: Sequence[Run], key: str, first: str) -> tuple[list[str], list[list[str]]]:
    header = [first, *(run.label for run in runs)]
    rows = []
    for group in _groups(runs, key):
        row = [group]
        for run in runs:
            block = run.metrics.get(key, {}).get(group)
            if block is None:
                row.append("-")
            else:
                row.append(f"{_f1_text(block)} (n={block['n']})")
        rows.append(row)
    return header, rows


def _md_table(header: list[str], rows: list[list[str]], *, left: int = 1) -> str:
    def esc(cell: str) -> str:
        return cell.replace("|", "\\|").replace("\n", " ")

    lines = ["| " + " | ".join(map(esc, header)) + " |"]
    lines.append("|" + "|".join("---" if k < left else "---:" for k in range(len(header))) + "|")
    lines += ["| " + " | ".join(map(esc, row)) + " |" for row in rows]
    return "\n".join(lines)


def render_markdown(runs: Sequence[Run], *, generated: str | None = None) -> str:
    """The Markdown report for ``runs``."""
    stamp = generated or datetime.now(UTC).isoformat(timespec="seconds")
    parts = [
        "# Corr2Cause evaluation report",
        "",
        f"{len(runs)} run(s); corr2cause {__version__}; generated {stamp}. Metrics are on the "
        "valid class, ×100; intervals are 95 % bootstrap percentiles.",
        "",
        "## Overall",
        "",
        _md_table(*_overall_rows(runs), left=3),
        "",
        "## F1 by relation",
        "",
        _md_table(*_breakdown_rows(runs, "by_relation", "relation")),
        "",
        "## F1 by number of variables",
        "",
        _md_table(*_breakdown_rows(runs, "by_num_variables", "N")),
        "",
        _NA_NOTE,
        "",
        "## Runs",
        "",
    ]
    for run in runs:
        data = run.metrics.get("run", {}).get("data") or run.manifest.get("data") or "-"
        parts.append(f"- **{run.label}**: `{run.path}`, data `{data}`")
    parts.append("")
    return "\n".join(parts)


def _wrap(label: str, width: int = 16) -> list[str]:
    """Split a category label into at most two lines of about ``width`` characters."""
    if len(label) <= width or " " not in label.replace("_", " "):
        return [label]
    words = label.replace("_", "_ ").split(" ")
    best = min(
        range(1, len(words)),
        key=lambda k: abs(len(" ".join(words[:k])) - len(" ".join(words[k:]))),
    )
    first = " ".join(words[:best]).replace("_ ", "_")
    second = " ".join(words[best:]).replace("_ ", "_")
    return [first, second]


def _bar_chart(title: str, categories: list[str], runs: Sequence[Run], key: str) -> str:
    """A grouped bar chart (SVG) of F1 per category, one colour per run."""
    n_series = max(1, len(runs))
    bar_w = max(6, min(22, 120 // n_series))
    group_w = max(bar_w * n_series + 18, 120)
    left, top, plot_h = 46, 34, 220
    width = max(360, left + 20 + group_w * max(1, len(categories)))
    legend_h = 18 * ((len(runs) + 2) // 3)
    height = top + plot_h + 62 + legend_h
    e = html.escape
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="{e(title)}">',
        f'<text x="{left}" y="20" class="t">{e(title)}</text>',
    ]
    for tick in (0, 25, 50, 75, 100):
        y = top + plot_h - plot_h * tick / 100
        out.append(
            f'<line x1="{left}" x2="{width - 10}" y1="{y:.1f}" y2="{y:.1f}" class="g"/>'
            f'<text x="{left - 6}" y="{y + 4:.1f}" class="a" text-anchor="end">{tick}</text>'
        )
    for c, category in enumerate(categories):
        x0 = left + 10 + c * group_w
        for s, run in enumerate(runs):
            block = run.metrics.get(key, {}).get(category)
            if block is None or _undefined_f1(block):
                continue
            value = float(block["f1"])
            h = plot_h * value / 100
            x = x0 + s * bar_w
            color = _PALETTE[s % len(_PALETTE)]
            out.append(
                f'<rect x="{x}" y="{top + plot_h - h:.1f}" width="{bar_w - 2}" height="{h:.1f}" '
                f'fill="{color}"><title>{e(run.label)} / {e(category)}: F1 {value:.2f} '
                f"(n={block['n']})</title></rect>"
            )
            interval = block.get("ci95", {}).get("f1")
            if interval:
                lo = top + plot_h - plot_h * interval[0] / 100
                hi = top + plot_h - plot_h * interval[1] / 100
                mid = x + (bar_w - 2) / 2
                out.append(
                    f'<line x1="{mid:.1f}" x2="{mid:.1f}" y1="{lo:.1f}" y2="{hi:.1f}" class="e"/>'
                )
        label_x = x0 + (bar_w * n_series) / 2
        lines = _wrap(category)
        spans = "".join(
            f'<tspan x="{label_x:.1f}" dy="{0 if k == 0 else 13}">{e(line)}</tspan>'
            for k, line in enumerate(lines)
        )
        out.append(
            f'<text x="{label_x:.1f}" y="{top + plot_h + 16}" class="a" '
            f'text-anchor="middle">{spans}</text>'
        )
    for s, run in enumerate(runs):
        lx = left + (s % 3) * 220
        ly = top + plot_h + 52 + 18 * (s // 3)
        out.append(
            f'<rect x="{lx}" y="{ly - 10}" width="12" height="12" '
            f'fill="{_PALETTE[s % len(_PALETTE)]}"/>'
            f'<text x="{lx + 18}" y="{ly}" class="a">{e(run.label)}</text>'
        )
    out.append("</svg>")
    return "".join(out)


def _html_table(header: list[str], rows: list[list[str]]) -> str:
    e = html.escape
    head = "".join(f"<th>{e(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{e(c)}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Helvetica,Arial,sans-serif;margin:2em;
color:#222;max-width:1200px}
table{border-collapse:collapse;margin:1em 0}
th,td{border:1px solid #ccc;padding:4px 8px;text-align:right}
th:first-child,td:first-child,th:nth-child(2),td:nth-child(2),th:nth-child(3),
td:nth-child(3){text-align:left}
th{background:#f3f3f3}
svg .t{font-size:14px;font-weight:600}
svg .a{font-size:11px;fill:#333}
svg .g{stroke:#e3e3e3}
svg .e{stroke:#222;stroke-width:1.2}
.note{color:#555}
"""


def render_html(runs: Sequence[Run], *, generated: str | None = None) -> str:
    """The self-contained HTML report for ``runs``."""
    stamp = generated or datetime.now(UTC).isoformat(timespec="seconds")
    e = html.escape
    relations = _groups(runs, "by_relation")
    sizes = _groups(runs, "by_num_variables")
    runs_list = "".join(
        f"<li><b>{e(run.label)}</b>: <code>{e(str(run.path))}</code>, backend "
        f"<code>{e(run.backend)}</code>, prompt <code>{e(run.prompt)}</code></li>"
        for run in runs
    )
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        "<title>Corr2Cause evaluation report</title>"
        f"<style>{_CSS}</style></head><body>"
        "<h1>Corr2Cause evaluation report</h1>"
        f'<p class="note">{len(runs)} run(s); corr2cause {e(__version__)}; generated '
        f"{e(stamp)}. Metrics are on the valid class, ×100; intervals and error bars are 95 % "
        "bootstrap percentiles.</p>"
        "<h2>Overall</h2>"
        f"{_html_table(*_overall_rows(runs))}"
        "<h2>F1 by relation</h2>"
        f"{_bar_chart('F1 by relation', relations, runs, 'by_relation')}"
        f"{_html_table(*_breakdown_rows(runs, 'by_relation', 'relation'))}"
        "<h2>F1 by number of variables</h2>"
        f"{_bar_chart('F1 by number of variables N', sizes, runs, 'by_num_variables')}"
        f"{_html_table(*_breakdown_rows(runs, 'by_num_variables', 'N'))}"
        f'<p class="note">{e(_NA_NOTE)}</p>'
        f"<h2>Runs</h2><ul>{runs_list}</ul>"
        "</body></html>\n"
    )


def write_report(run_dirs: Sequence[str | Path], out_dir: str | Path) -> tuple[Path, Path]:
    """Write ``report.md`` and ``report.html`` comparing the runs.

    Parameters
    ----------
    run_dirs : sequence of path
        Run directories written by :func:`~corr2cause.evaluation.evaluate`.
    out_dir : path
        Where to write the two files (created if missing).

    Returns
    -------
    (Path, Path)
        The Markdown and HTML files.

    Raises
    ------
    ReportError
        If no run is given or a directory holds no finished run.
    """
    if not run_dirs:
        raise ReportError("no run directories given")
    paths = [Path(p) for p in run_dirs]
    runs = [load_run(p, label) for p, label in zip(paths, _unique_labels(paths), strict=True)]
    stamp = datetime.now(UTC).isoformat(timespec="seconds")
    out = Path(out_dir)
    md, page = out / "report.md", out / "report.html"
    atomic_write_text(md, render_markdown(runs, generated=stamp))
    atomic_write_text(page, render_html(runs, generated=stamp))
    return md, page
