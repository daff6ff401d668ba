"""Compare evaluation runs in a report a researcher can put in a paper.

:func:`write_report` reads finished run directories and writes, into one folder:

``report.html``
    one self-contained page (inline CSS and inline SVG figures; no script, no external
    asset) with the sections *Overall*, *F1 and valid rate by N*, *By relation*,
    *Confusion matrices*, *Reasoning cost* (tokens vs F1 vs N, when the predictions record
    token counts), *Paired differences* (every run against the first, on the same items:
    paired premise-level bootstrap of the F1 difference and McNemar's test, see
    :mod:`corr2cause.evaluation.compare`), *Graph task* (when a run has
    ``graph_metrics.json``, see :mod:`corr2cause.evaluation.graph_task`), *Failing items*
    (a gallery: the item, the model's answer, the class's CPDAG and a witness DAG drawn
    next to it) and *Runs*;
``report.md``
    the same tables in Markdown;
``figures/*.png``, ``figures/*.pdf``
    every figure, for a paper;
``tables/*.csv``, ``tables/*.tex``
    every table, as CSV and as a LaTeX ``tabular`` (booktabs).

Conventions: metrics are ×100 on the valid class; an undefined metric (0/0) is written
``undefined`` and drawn apart from 0 (:mod:`corr2cause.evaluation.figures`); intervals are
95 % bootstrap percentiles, premise-level when the run recorded it. Runs on different data
(another data file or split) get a warning at the top, and are not paired unless
``allow_different_data`` is set.

Figures need matplotlib (``pip install 'corr2cause[report]'``). Without it the report is
still written, with every table and a note where each figure would be.

The public interface is :func:`write_report`, :func:`render_markdown`, :func:`render_html`
and :func:`load_run`.
"""

from __future__ import annotations

import csv
import html
import io
import json
import os
import shutil
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from corr2cause import __version__
from corr2cause.atomic import atomic_write_text
from corr2cause.dataset.readers import EvalItem
from corr2cause.dataset.store import read_items
from corr2cause.evaluation.compare import ComparisonError, compare_runs
from corr2cause.evaluation.runs import Run, RunError, load_run, unique_labels

__all__ = [
    "SECTIONS",
    "ReportError",
    "Run",
    "load_run",
    "render_html",
    "render_markdown",
    "write_report",
]

ReportError = RunError
"""Raised for run directories that cannot be reported (alias of :class:`RunError`)."""

SECTIONS = (
    ("overall", "Overall"),
    ("by-n", "F1 and valid rate by N"),
    ("by-relation", "By relation"),
    ("confusion", "Confusion matrices"),
    ("reasoning", "Reasoning cost: tokens vs F1 vs N"),
    ("paired", "Paired differences"),
    ("graph-task", "Graph task"),
    ("failures", "Failing items"),
    ("runs", "Runs"),
)
"""``(id, title)`` of every section of the HTML report, in order."""

UNDEFINED = "undefined"


def _fmt(value: Any) -> str:
    return UNDEFINED if value is None else f"{float(value):.2f}"


def _ci(block: dict[str, Any], metric: str) -> str:
    interval = (block.get("ci95") or {}).get(metric)
    return f" [{interval[0]:.2f}, {interval[1]:.2f}]" if interval else ""


# ---------------------------------------------------------------------------------- tables


@dataclass
class Table:
    """A named table rendered to HTML, Markdown, CSV and LaTeX."""

    name: str
    header: list[str]
    rows: list[list[str]]
    caption: str = ""

    def markdown(self) -> str:
        def esc(cell: str) -> str:
            return cell.replace("|", "\\|").replace("\n", " ")

        lines = ["| " + " | ".join(map(esc, self.header)) + " |"]
        lines.append(
            "|" + "|".join("---" if k == 0 else "---:" for k in range(len(self.header))) + "|"
        )
        lines += ["| " + " | ".join(map(esc, row)) + " |" for row in self.rows]
        return "\n".join(lines)

    def html(self) -> str:
        e = html.escape
        head = "".join(f"<th>{e(h)}</th>" for h in self.header)
        body = "".join(
            "<tr>"
            + "".join(
                f'<td class="undef">{e(c)}</td>' if c.startswith(UNDEFINED) else f"<td>{e(c)}</td>"
                for c in row
            )
            + "</tr>"
            for row in self.rows
        )
        return (
            f'<table id="table-{e(self.name)}"><thead><tr>{head}</tr></thead>'
            f"<tbody>{body}</tbody></table>"
        )

    def csv(self) -> str:
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(self.header)
        writer.writerows(self.rows)
        return buf.getvalue()

    def latex(self) -> str:
        def esc(cell: str) -> str:
            out = cell
            for a, b in (("\\", r"\textbackslash{}"), ("&", r"\&"), ("%", r"\%"), ("$", r"\$"),
                         ("#", r"\#"), ("_", r"\_"), ("{", r"\{"), ("}", r"\}"),
                         ("~", r"\textasciitilde{}"), ("^", r"\textasciicircum{}"),
                         ("×", r"$\times$"), ("−", "-"), ("—", "--")):  # fmt: skip
                out = out.replace(a, b) if a != "\\" else out.replace(a, "\x00")
            return out.replace("\x00", r"\textbackslash{}")

        spec = "l" + "r" * (len(self.header) - 1)
        lines = [
            f"% {self.caption}" if self.caption else "%",
            f"\\begin{{tabular}}{{{spec}}}",
            "\\toprule",
            " & ".join(map(esc, self.header)) + " \\\\",
            "\\midrule",
            *(" & ".join(map(esc, row)) + " \\\\" for row in self.rows),
            "\\bottomrule",
            "\\end{tabular}",
        ]
        return "\n".join(lines) + "\n"


def _overall_table(runs: Sequence[Run]) -> Table:
    header = [
        "run", "backend", "prompt", "n", "F1 [95% CI]", "precision", "recall", "accuracy",
        "parse failures", "request failures", "bootstrap unit",
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
                "premise" if m.get("bootstrap_unit") == "cluster" else "item",
            ]
        )
    return Table("overall", header, rows, "Valid-class metrics x100 with 95% bootstrap CI.")


def _groups(runs: Sequence[Run], key: str) -> list[str]:
    names: list[str] = []
    for run in runs:
        for name in run.metrics.get(key, {}):
            if name not in names:
                names.append(name)
    if key == "by_num_variables":
        names.sort(key=lambda s: (0, int(s)) if s.isdigit() else (1, s))
    else:
        names.sort()
    return names


def _breakdown_table(runs: Sequence[Run], key: str, first: str, name: str) -> Table:
    header = [first, *(f"{run.label}: F1 [95% CI]" for run in runs), "n", "gold valid"]
    rows = []
    for group in _groups(runs, key):
        row = [group]
        n = gold = "-"
        for run in runs:
            block = run.metrics.get(key, {}).get(group)
            if block is None:
                row.append("-")
                continue
            row.append(_fmt(block.get("f1")) + _ci(block, "f1"))
            n, gold = str(block.get("n", "-")), str(block.get("gold_valid", "-"))
        rows.append([*row, n, gold])
    return Table(name, header, rows, f"F1 x100 by {first}; undefined = 0/0.")


# ------------------------------------------------------------------------- run contents


@dataclass
class _Context:
    runs: list[Run]
    items: dict[str, dict[str, EvalItem]] = field(default_factory=dict)
    graph: dict[str, dict[str, Any]] = field(default_factory=dict)
    comparisons: list[dict[str, Any]] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    data_warning: str | None = None


def _read_graph_metrics(run: Run) -> dict[str, Any] | None:

    path = run.path / "graph_metrics.json"
    if not path.is_file():
        return None
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return value if isinstance(value, dict) else None


def _items_of(run: Run, data: str | Path | None) -> dict[str, EvalItem]:
    info = run.metrics.get("run", {})
    source = data or info.get("data")
    if not source or not Path(source).exists():
        return {}
    try:
        items = read_items(source, split=None if data else info.get("split"))
    except (ValueError, OSError):
        return {}
    return {item.id: item for item in items}


def _context(
    runs: list[Run], *, data: str | Path | None, allow_different_data: bool, n_boot: int
) -> _Context:
    ctx = _Context(runs)
    keys = {run.label: run.data_key for run in runs}
    known = {k for k in keys.values() if k[0] is not None}
    if len(known) > 1:
        listing = "; ".join(
            f"{label}: {k[0][:12] if k[0] else '?'} / split {k[1] or '-'}"
            for label, k in keys.items()
        )
        ctx.data_warning = (
            "These runs were evaluated on different data (data file hash / split): "
            f"{listing}. Their numbers are not directly comparable."
        )
    for run in runs:
        ctx.items[run.label] = _items_of(run, data)
        graph = _read_graph_metrics(run)
        if graph is not None:
            ctx.graph[run.label] = graph
    for other in runs[1:]:
        try:
            ctx.comparisons.append(
                compare_runs(
                    runs[0], other, allow_different_data=allow_different_data, n_boot=n_boot
                )
            )
        except (ComparisonError, RunError) as exc:
            ctx.refused.append(f"{runs[0].label} vs {other.label}: {exc}")
    return ctx


def _token_points(run: Run) -> list[tuple[int, float, float | None]]:
    """``(N, mean completion tokens, F1)`` per N, from the predictions (empty if unrecorded)."""
    try:
        records = run.records()
    except RunError:
        return []
    sums: dict[int, list[float]] = {}
    for r in records:
        tokens = r.get("completion_tokens")
        n = r.get("num_variables")
        if tokens is None or n is None:
            return []
        sums.setdefault(int(n), []).append(float(tokens))
    by_n = run.metrics.get("by_num_variables", {})
    return [
        (n, sum(v) / len(v), (by_n.get(str(n)) or {}).get("f1")) for n, v in sorted(sums.items())
    ]


def _paired_table(ctx: _Context) -> Table:
    header = ["A − B", "group", "n", "F1 A", "F1 B", "ΔF1 [95% CI]", "P(A better)",
              "Δaccuracy [95% CI]", "McNemar A only / B only", "McNemar p (exact)"]  # fmt: skip
    rows = []
    for comp in ctx.comparisons:
        for group, block in [("all", comp), *comp.get("by_num_variables", {}).items()]:
            f1, acc, mc = block["f1"], block["accuracy"], block["mcnemar"]
            rows.append(
                [
                    f"{comp['a']} − {comp['b']}",
                    group if group == "all" else f"N={group}",
                    str(block["n"]),
                    _fmt(f1["a"]),
                    _fmt(f1["b"]),
                    _fmt(f1["diff"]) + _interval(f1),
                    "-" if f1["share_a_better"] is None else f"{f1['share_a_better']:.3f}",
                    _fmt(acc["diff"]) + _interval(acc),
                    f"{mc['only_a']} / {mc['only_b']}",
                    f"{mc['p_exact']:.3g}",
                ]
            )
    return Table("paired", header, rows, "Paired premise-level bootstrap and McNemar.")


def _interval(block: dict[str, Any]) -> str:
    interval = block.get("ci95")
    return f" [{interval[0]:.2f}, {interval[1]:.2f}]" if interval else ""


def _graph_table(ctx: _Context) -> Table:
    from corr2cause.evaluation.graph_task import GRAPH_METRICS

    header = ["run", "group", "n", "graphs parsed", *GRAPH_METRICS]
    rows = []
    for label, result in ctx.graph.items():
        groups = [("all", result["overall"])]
        groups += [(f"N={k}", v) for k, v in result.get("by_num_variables", {}).items()]
        for group, block in groups:
            rows.append(
                [label, group, str(block["n"]), str(block["graphs_parsed"])]
                + [_fmt(block.get(name)) for name in GRAPH_METRICS]
            )
    return Table("graph_task", header, rows, "Graph task metrics x100 (means over items).")


# ------------------------------------------------------------------------------ figures


def _load_figures() -> Any:
    try:
        from corr2cause.evaluation import figures
    except ImportError:
        return None
    return figures


@dataclass
class _Figures:
    """Figures rendered once: inline SVG per name, and the files written."""

    module: Any
    out: Path | None
    formats: Sequence[str] = ("png", "pdf")
    svg: dict[str, str] = field(default_factory=dict)
    files: list[Path] = field(default_factory=list)

    def add(self, name: str, build: Callable[[], Any]) -> str:
        if self.module is None:
            return (
                '<p class="note missing">Figure not drawn: matplotlib is not installed '
                "(pip install 'corr2cause[report]').</p>"
            )
        fig = build()
        self.svg[name] = self.module.to_svg(fig, prefix=f"{name}-")
        if self.out is not None and self.formats:
            self.files += self.module.save(fig, self.out / "figures" / name, formats=self.formats)
        return f'<figure id="fig-{name}">{self.svg[name]}</figure>'


def _failures(ctx: _Context, per_run: int) -> list[dict[str, Any]]:
    """Failing items to show: per run, distinct (N, relation) first, in id order."""
    from corr2cause.solver import Solver, SolverError

    solver = Solver()
    cards = []
    for run in ctx.runs:
        items = ctx.items.get(run.label) or {}
        if not items or per_run <= 0:
            continue
        try:
            records = sorted(run.records(), key=lambda r: str(r["id"]))
        except RunError:
            continue
        wrong = [r for r in records if int(r["pred"]) != int(r["gold"]) and str(r["id"]) in items]
        seen: set[tuple[Any, Any]] = set()
        chosen: list[dict[str, Any]] = []
        for pass_ in (0, 1):
            for r in wrong:
                key = (r.get("num_variables"), r.get("relation"))
                if len(chosen) >= per_run:
                    break
                if (pass_ == 0 and key in seen) or r in chosen:
                    continue
                seen.add(key)
                chosen.append(r)
        graph_items = {g["id"]: g for g in ctx.graph.get(run.label, {}).get("items", [])}
        for r in chosen:
            item = items[str(r["id"])]
            try:
                sol = solver.solve(item.premise, item.hypothesis)
            except SolverError:
                continue
            graded = graph_items.get(item.id, {})
            cards.append({"run": run.label, "record": r, "item": item, "solution": sol,
                          "graph": graded.get("graph"), "graph_answer": graded.get("answer"),
                          "implied": graded.get("implied")})  # fmt: skip
    return cards


def _card_html(card: dict[str, Any], figs: _Figures, k: int) -> str:
    from corr2cause.graphs.dag import edges

    e = html.escape
    item, sol, record = card["item"], card["solution"], card["record"]
    rec = sol.reconstruction
    names = rec.names
    if item.label == 1:
        witness, title = sol.witness_holds, "a member DAG (holds in all)"
    else:
        witness, title = sol.witness_fails, "witness DAG: relation fails"
    model = None
    if card["graph"]:
        index = {name: v for v, name in enumerate(names)}
        model = (
            [(index[a], index[b]) for a, b in card["graph"]["directed"]],
            [(index[a], index[b]) for a, b in card["graph"]["undirected"]],
        )
    pair = [names.index(sol.x), names.index(sol.y)]
    drawing = figs.add(
        f"failure-{k}",
        lambda: figs.module.failure_card(
            names,
            (rec.cpdag.directed_edges(), rec.cpdag.undirected_edges()),
            None if witness is None else edges(witness),
            witness_title=title,
            model_graph=model,
            highlight=pair,
        ),
    )
    raw = str(record.get("raw") or "")
    raw = raw if len(raw) <= 400 else raw[:400] + " …"
    return (
        f'<div class="card"><h3>{e(card["run"])}: {e(item.id)} '
        f"(N={item.num_variables}, {e(item.relation)})</h3>"
        f'<p class="premise">{e(item.premise)}</p>'
        f"<p><b>Hypothesis:</b> {e(item.hypothesis)}<br><b>Gold:</b> "
        f"{'valid' if item.label else 'invalid'} ({e(sol.label3)}; holds in {sol.holds} of "
        f"{sol.members} member DAGs) · <b>Model:</b> "
        f"{'valid' if int(record['pred']) else 'invalid'}"
        f" (read as {e(str(record.get('parsed')))})"
        + (
            ""
            if card.get("graph_answer") is None
            else f" · <b>Graph task:</b> JSON answer {'yes' if card['graph_answer'] else 'no'}"
            + (
                ""
                if card.get("implied") is None
                else f", its own graph implies {'yes' if card['implied'] else 'no'}"
            )
        )
        + "</p>"
        f"<pre>{e(raw)}</pre>{drawing}</div>"
    )


# ------------------------------------------------------------------------------- render

_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Helvetica,Arial,sans-serif;margin:2em;
color:#222;max-width:1200px}
table{border-collapse:collapse;margin:1em 0;font-size:13px}
th,td{border:1px solid #ccc;padding:4px 8px;text-align:right}
th:first-child,td:first-child{text-align:left}
th{background:#f3f3f3}
td.undef{color:#888;font-style:italic}
figure{margin:1em 0}
figure svg{max-width:100%;height:auto}
.note{color:#555}
.warning{background:#fff4e0;border:1px solid #e0a040;padding:.6em 1em}
.card{border:1px solid #ddd;border-radius:6px;padding:.5em 1em;margin:1em 0}
.card h3{font-size:14px;margin:.3em 0}
.premise{font-size:12px;color:#444}
pre{white-space:pre-wrap;background:#f7f7f7;padding:.5em;font-size:12px}
"""


def _sections(
    ctx: _Context, figs: _Figures, *, gallery: int
) -> tuple[dict[str, str], dict[str, Table]]:
    """The HTML of every section, and the tables to export."""
    runs = ctx.runs
    e = html.escape
    by_n = [(run.label, run.metrics.get("by_num_variables", {})) for run in runs]
    by_rel = [(run.label, run.metrics.get("by_relation", {})) for run in runs]
    tables: dict[str, Table] = {}
    out: dict[str, str] = {}

    overall = tables["overall"] = _overall_table(runs)
    out["overall"] = overall.html() + (
        f'<p class="note">Metrics ×100 on the valid class; {UNDEFINED} = 0/0 (e.g. F1 with no '
        "valid item and no valid prediction), never shown as 0.</p>"
    )
    n_table = tables["f1_by_n"] = _breakdown_table(runs, "by_num_variables", "N", "f1_by_n")
    out["by-n"] = (
        (
            figs.add("f1_by_n", lambda: figs.module.metric_by_n(by_n))
            if any(g for _, g in by_n)
            else '<p class="note">No breakdown by N in these runs.</p>'
        )
        + (
            figs.add("valid_rate_by_n", lambda: figs.module.valid_rate_by_n(by_n))
            if any(g for _, g in by_n)
            else ""
        )
        + n_table.html()
    )
    rel_table = tables["f1_by_relation"] = _breakdown_table(
        runs, "by_relation", "relation", "f1_by_relation"
    )
    out["by-relation"] = (
        figs.add("f1_by_relation", lambda: figs.module.metric_by_relation(by_rel))
        if any(g for _, g in by_rel)
        else '<p class="note">No breakdown by relation in these runs.</p>'
    ) + rel_table.html()
    matrices = [
        (run.label, run.metrics["confusion_matrix"])
        for run in runs
        if "confusion_matrix" in run.metrics
    ]
    out["confusion"] = (
        figs.add("confusion", lambda: figs.module.confusion_matrices(matrices))
        if matrices
        else '<p class="note">No confusion matrix recorded.</p>'
    ) + '<p class="note">Rows: gold label; columns: prediction; shares are of the row.</p>'
    tokens = [(run.label, pts) for run in runs if (pts := _token_points(run))]
    usage_rows = [
        [
            run.label,
            *(
                str(run.metrics["usage"].get(k, "-"))
                for k in ("prompt_tokens", "completion_tokens", "reasoning_tokens")
            ),
        ]
        for run in runs
        if isinstance(run.metrics.get("usage"), dict)
    ]
    reasoning = ""
    if tokens:
        reasoning += figs.add("tokens_vs_f1", lambda: figs.module.tokens_vs_f1(tokens))
    if usage_rows:
        usage = tables["usage"] = Table(
            "usage", ["run", "prompt tokens", "completion tokens", "reasoning tokens"], usage_rows
        )
        reasoning += usage.html()
    out["reasoning"] = reasoning or (
        '<p class="note">No token counts recorded in these runs (backends without usage, '
        "such as the baselines and the oracle).</p>"
    )
    paired = ""
    if ctx.comparisons:
        paired += figs.add("paired", lambda: figs.module.paired_forest(ctx.comparisons))
        tables["paired"] = _paired_table(ctx)
        paired += tables["paired"].html()
        paired += (
            '<p class="note">Each run against the first on the same items. Intervals: paired '
            "bootstrap resampling whole premises; McNemar treats items as independent and is "
            "optimistic when errors cluster by premise.</p>"
        )
    for reason in ctx.refused:
        paired += f'<p class="warning">Not compared: {e(reason)}</p>'
    out["paired"] = paired or '<p class="note">Only one run: nothing to pair.</p>'
    if ctx.graph:
        series = [(label, g.get("by_num_variables", {})) for label, g in ctx.graph.items()]
        tables["graph_task"] = _graph_table(ctx)
        out["graph-task"] = (
            figs.add("graph_task_by_n", lambda: figs.module.graph_metrics_by_n(series))
            + tables["graph_task"].html()
        )
    else:
        out["graph-task"] = (
            '<p class="note">No run of the graph task (grade one with '
            "<code>corr2cause.evaluation.graph_task.grade_run</code>).</p>"
        )
    cards = _failures(ctx, gallery)
    if cards:
        out["failures"] = "".join(_card_html(card, figs, k) for k, card in enumerate(cards))
    else:
        out["failures"] = (
            '<p class="note">No failing item to show (no errors, or the items file of the run '
            "is not readable here: pass <code>data</code>).</p>"
        )
    out["runs"] = (
        "<ul>"
        + "".join(
            f"<li><b>{e(run.label)}</b>: <code>{e(str(run.path))}</code>, backend "
            f"<code>{e(run.backend)}</code>, prompt <code>{e(run.prompt)}</code>, data "
            f"<code>{e(str(run.metrics.get('run', {}).get('data') or '-'))}</code> "
            f"(sha256 {e(str(run.data_key[0] or '-')[:12])}, "
            f"split {e(str(run.data_key[1] or '-'))})</li>"
            for run in runs
        )
        + "</ul>"
    )
    return out, tables


def render_markdown(runs: Sequence[Run], *, generated: str | None = None) -> str:
    """The Markdown report for ``runs`` (tables only)."""
    stamp = generated or datetime.now(UTC).isoformat(timespec="seconds")
    runs = list(runs)
    parts = [
        "# Corr2Cause evaluation report",
        "",
        f"{len(runs)} run(s); corr2cause {__version__}; generated {stamp}. Metrics are on the "
        "valid class, ×100; intervals are 95 % bootstrap percentiles; "
        f"{UNDEFINED} = 0/0.",
        "",
        "## Overall",
        "",
        _overall_table(runs).markdown(),
        "",
        "## F1 by relation",
        "",
        _breakdown_table(runs, "by_relation", "relation", "f1_by_relation").markdown(),
        "",
        "## F1 by number of variables",
        "",
        _breakdown_table(runs, "by_num_variables", "N", "f1_by_n").markdown(),
        "",
        "## Runs",
        "",
    ]
    for run in runs:
        data = run.metrics.get("run", {}).get("data") or run.manifest.get("data") or "-"
        parts.append(f"- **{run.label}**: `{run.path}`, data `{data}`")
    parts.append("")
    return "\n".join(parts)


def _page(ctx: _Context, sections: dict[str, str], stamp: str) -> str:
    e = html.escape
    warning = (
        f'<p class="warning" id="data-warning">{e(ctx.data_warning)}</p>'
        if ctx.data_warning
        else ""
    )
    toc = " · ".join(f'<a href="#{sid}">{e(title)}</a>' for sid, title in SECTIONS)
    body = "".join(
        f'<section id="{sid}"><h2>{e(title)}</h2>{sections[sid]}</section>'
        for sid, title in SECTIONS
    )
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        "<title>Corr2Cause evaluation report</title>"
        f"<style>{_CSS}</style></head><body>"
        "<h1>Corr2Cause evaluation report</h1>"
        f'<p class="note">{len(ctx.runs)} run(s); corr2cause {e(__version__)}; generated '
        f"{e(stamp)}. Metrics are on the valid class, ×100; intervals and error bars are 95 % "
        f"bootstrap percentiles.</p>{warning}<nav>{toc}</nav>{body}</body></html>\n"
    )


def render_html(
    runs: Sequence[Run],
    *,
    generated: str | None = None,
    data: str | Path | None = None,
    allow_different_data: bool = False,
    gallery: int = 4,
    n_boot: int = 1000,
) -> str:
    """The self-contained HTML report for ``runs`` (figures inline; nothing written)."""
    stamp = generated or datetime.now(UTC).isoformat(timespec="seconds")
    ctx = _context(list(runs), data=data, allow_different_data=allow_different_data, n_boot=n_boot)
    figs = _Figures(_load_figures(), None)
    sections, _ = _sections(ctx, figs, gallery=gallery)
    return _page(ctx, sections, stamp)


def write_report(
    run_dirs: Sequence[str | Path],
    out_dir: str | Path,
    *,
    data: str | Path | None = None,
    allow_different_data: bool = False,
    gallery: int = 4,
    n_boot: int = 1000,
    generated: str | None = None,
    figure_formats: Sequence[str] = ("png", "pdf"),
) -> tuple[Path, Path]:
    """Write the report (HTML, Markdown, figures and tables) comparing the runs.

    Parameters
    ----------
    run_dirs : sequence of path
        Run directories written by :func:`~corr2cause.evaluation.evaluate`; the first is
        the reference of the paired comparisons.
    out_dir : path
        Where to write ``report.html``, ``report.md``, ``figures/`` and ``tables/``
        (created if missing; files of an earlier report are replaced).
    data : path, optional
        The items file, for the gallery of failing items when the runs' recorded data file
        is not readable from here.
    allow_different_data : bool
        Pair runs on different data anyway (on their shared items; a warning says so).
    gallery : int
        Failing items shown per run (0: none).
    n_boot : int
        Bootstrap resamples of the paired comparisons.
    generated : str, optional
        Time stamp printed in the report (default: now); fix it for byte-identical output.
    figure_formats : sequence of str
        Files written for every figure into ``figures/`` (``png``, ``pdf``, ``svg``; empty:
        none, the HTML keeps its inline figures).

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
    runs = [load_run(p, label) for p, label in zip(paths, unique_labels(paths), strict=True)]
    stamp = generated or datetime.now(UTC).isoformat(timespec="seconds")
    out = Path(out_dir)
    (out / "figures").mkdir(parents=True, exist_ok=True)
    (out / "tables").mkdir(parents=True, exist_ok=True)
    ctx = _context(runs, data=data, allow_different_data=allow_different_data, n_boot=n_boot)
    figs = _Figures(_load_figures(), out, tuple(figure_formats))
    sections, tables = _sections(ctx, figs, gallery=gallery)
    for name, table in tables.items():
        atomic_write_text(out / "tables" / f"{name}.csv", table.csv())
        atomic_write_text(out / "tables" / f"{name}.tex", table.latex())
    md, page = out / "report.md", out / "report.html"
    texts = {
        md.name: render_markdown(runs, generated=stamp),
        page.name: _page(ctx, sections, stamp),
    }
    # both files are complete on disk before either replaces a previous report
    stage = Path(tempfile.mkdtemp(prefix=".report.partial-", dir=out))
    try:
        for name, text in texts.items():
            atomic_write_text(stage / name, text)
        for name in texts:
            os.replace(stage / name, out / name)
    finally:
        shutil.rmtree(stage, ignore_errors=True)
    return md, page
