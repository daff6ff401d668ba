"""Figures of the evaluation report, drawn with matplotlib (the ``report`` extra).

Every function takes plain data (the blocks of ``metrics.json``, loaded
:class:`~corr2cause.evaluation.runs.Run` objects, comparison dicts) and returns a
:class:`matplotlib.figure.Figure`; :func:`to_svg`, :func:`save` turn it into inline SVG for
the HTML report and PNG/PDF files for a paper. Conventions of every plot:

* axes carry titles with units (metrics are ×100 on the valid class);
* an **undefined** value (0/0, e.g. F1 of a group without valid items and valid
  predictions) is never drawn as 0: curves show it as a hollow marker on a separate
  "undefined" lane below the axis, bar charts as a hatched grey placeholder labelled
  *undef.*; a true 0 is a visible stub labelled ``0``;
* intervals are 95 % bootstrap percentiles (premise-level when the run recorded it).

Graphs (CPDAG, witness DAG, the model's own graph) are laid out with networkx
(``circular_layout``; deterministic, no graphviz needed) and drawn with matplotlib:
directed edges as arrows, undirected edges as plain lines.

Output is deterministic: fixed SVG hash salt, no dates in SVG/PDF/PNG metadata.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import matplotlib as mpl
import networkx as nx
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from corr2cause.atomic import atomic_write_bytes, atomic_write_text

__all__ = [
    "confusion_matrices",
    "draw_graph",
    "failure_card",
    "graph_metrics_by_n",
    "metric_by_n",
    "metric_by_relation",
    "paired_forest",
    "save",
    "to_svg",
    "tokens_vs_f1",
    "valid_rate_by_n",
]

PALETTE = (
    "#4c72b0", "#dd8452", "#55a868", "#c44e52", "#8172b3",
    "#937860", "#da8bc3", "#8c8c8c", "#ccb974", "#64b5cd",
)  # fmt: skip
_UNDEF_Y = -9.0
_RC: dict[str, Any] = {
    "svg.fonttype": "none",
    "svg.hashsalt": "corr2cause",
    "font.size": 9,
    "axes.titlesize": 10,
    "axes.grid": True,
    "grid.color": "#e6e6e6",
    "axes.spines.top": False,
    "axes.spines.right": False,
}


def _figure(width: float, height: float) -> Figure:
    with mpl.rc_context(_RC):  # type: ignore[arg-type]
        fig = Figure(figsize=(width, height), dpi=110, layout="constrained")
    return fig


def to_svg(fig: Figure, *, prefix: str = "") -> str:
    """The figure as an inline ``<svg>`` element (no XML prolog, no date, stable ids).

    ``prefix`` is put before every ``id`` (and the references to it), so that several
    figures can share one HTML page without id clashes.
    """
    with mpl.rc_context(_RC):  # type: ignore[arg-type]
        buf = io.StringIO()
        fig.savefig(buf, format="svg", metadata={"Date": None})
    text = buf.getvalue()
    text = text[text.index("<svg") :]
    if prefix:
        text = re.sub(r'\bid="([^"]+)"', rf'id="{prefix}\1"', text)
        text = re.sub(r"url\(#([^)]+)\)", rf"url(#{prefix}\1)", text)
        text = re.sub(r'href="#([^"]+)"', rf'href="#{prefix}\1"', text)
    return text


def save(fig: Figure, stem: Path, *, formats: Sequence[str] = ("png", "pdf")) -> list[Path]:
    """Write ``stem.png`` / ``stem.pdf`` (atomically, without dates); return the paths."""
    out = []
    for fmt in formats:
        buf = io.BytesIO()
        metadata: dict[str, Any] = {"png": {"Software": None}, "pdf": {"CreationDate": None}}.get(
            fmt, {}
        )
        with mpl.rc_context(_RC):  # type: ignore[arg-type]
            fig.savefig(buf, format=fmt, dpi=200, metadata=metadata)
        path = stem.with_suffix(f".{fmt}")
        if fmt == "svg":
            atomic_write_text(path, buf.getvalue().decode("utf-8"))
        else:
            atomic_write_bytes(path, buf.getvalue())
        out.append(path)
    return out


def _metric_name(metric: str) -> str:
    return "F1" if metric == "f1" else metric.capitalize()


def _color(k: int) -> str:
    return PALETTE[k % len(PALETTE)]


def _n_order(keys: Sequence[str]) -> list[str]:
    return sorted(keys, key=lambda s: (0, int(s)) if s.isdigit() else (1, s))


def _lane(ax: Any, *, show: bool) -> None:
    """Y axis 0-100 with, when needed, an 'undefined' lane below the axis."""
    ax.set_ylim(_UNDEF_Y - 5 if show else -3, 104)
    ticks: list[float] = [0, 25, 50, 75, 100]
    labels = [str(t) for t in ticks]
    if show:
        ax.axhspan(_UNDEF_Y - 4, _UNDEF_Y + 4, color="#f3f3f3", zorder=0)
        ticks = [_UNDEF_Y, *ticks]
        labels = ["undefined", *labels]
    ax.set_yticks(ticks, labels)


def metric_by_n(
    series: Sequence[tuple[str, dict[str, Any]]], *, metric: str = "f1", title: str | None = None
) -> Figure:
    """A metric by number of variables, one curve per run, with 95 % interval bars.

    Parameters
    ----------
    series : sequence of (label, by_num_variables)
        Run label and its ``by_num_variables`` block of ``metrics.json``.
    metric : str
        ``f1``, ``precision``, ``recall`` or ``accuracy``.
    """
    fig = _figure(6.4, 3.4)
    ax = fig.add_subplot()
    sizes = _n_order(sorted({n for _, groups in series for n in groups}))
    any_undefined = False
    for k, (label, groups) in enumerate(series):
        xs: list[int] = []
        ys: list[float] = []
        lo: list[float] = []
        hi: list[float] = []
        undef: list[int] = []
        for n in sizes:
            if not n.isdigit():
                continue
            block = groups.get(n)
            if block is None:
                continue
            value = block.get(metric)
            if value is None:
                undef.append(int(n))
                continue
            xs.append(int(n))
            ys.append(float(value))
            interval = (block.get("ci95") or {}).get(metric)
            lo.append(float(value) - interval[0] if interval else 0.0)
            hi.append(interval[1] - float(value) if interval else 0.0)
        offset = (k - (len(series) - 1) / 2) * 0.06
        ax.errorbar(
            [x + offset for x in xs], ys, yerr=[lo, hi], marker="o", ms=4, capsize=3,
            color=_color(k), label=label, lw=1.4,
        )  # fmt: skip
        if undef:
            any_undefined = True
            ax.plot(
                [x + offset for x in undef], [_UNDEF_Y] * len(undef), "o", mfc="white",
                mec=_color(k), ms=6, ls="none",
            )  # fmt: skip
    _lane(ax, show=any_undefined)
    ax.set_xlabel("number of variables N")
    ax.set_ylabel(f"{_metric_name(metric)} (valid class, ×100)")
    ax.set_xticks([int(n) for n in sizes if n.isdigit()])
    ax.set_title(title or f"{_metric_name(metric)} by N")
    if series:
        ax.legend(loc="best", fontsize=8, frameon=False)
    return fig


def valid_rate_by_n(series: Sequence[tuple[str, dict[str, Any]]]) -> Figure:
    """Share of items predicted valid by N, per run, against the gold valid share (dashed)."""
    fig = _figure(6.4, 3.2)
    ax = fig.add_subplot()
    sizes = _n_order(sorted({n for _, groups in series for n in groups}))
    gold: dict[str, float] = {}
    for k, (label, groups) in enumerate(series):
        xs, ys = [], []
        for n in sizes:
            block = groups.get(n)
            if not block or not block.get("n"):
                continue
            xs.append(int(n))
            ys.append(100 * block["predicted_valid"] / block["n"])
            gold.setdefault(n, 100 * block["gold_valid"] / block["n"])
        ax.plot(xs, ys, marker="o", ms=4, color=_color(k), label=f"{label}: predicted valid")
    if gold:
        ax.plot(
            [int(n) for n in gold], list(gold.values()), ls="--", color="black", marker="s",
            ms=3, label="gold valid share",
        )  # fmt: skip
    ax.set_ylim(-3, 104)
    ax.set_xlabel("number of variables N")
    ax.set_ylabel("items predicted valid (%)")
    ax.set_xticks([int(n) for n in sizes if n.isdigit()])
    ax.set_title("Valid rate by N")
    ax.legend(loc="best", fontsize=8, frameon=False)
    return fig


def metric_by_relation(
    series: Sequence[tuple[str, dict[str, Any]]], *, metric: str = "f1"
) -> Figure:
    """Grouped bars of a metric by relation, with intervals; undefined and zero told apart."""
    relations = sorted({r for _, groups in series for r in groups})
    fig = _figure(max(6.4, 1.1 * len(relations) + 2), 3.6)
    ax = fig.add_subplot()
    width = 0.8 / max(1, len(series))
    any_undefined = False
    for k, (_, groups) in enumerate(series):
        for c, relation in enumerate(relations):
            block = groups.get(relation)
            if block is None:
                continue
            x = c - 0.4 + width * (k + 0.5)
            value = block.get(metric)
            if value is None:
                any_undefined = True
                ax.bar(x, 100, width * 0.9, color="none", edgecolor="#d5d5d5", hatch="//", lw=0)
                ax.text(x, 2, "undef.", rotation=90, ha="center", va="bottom", fontsize=7,
                        color="#777777")  # fmt: skip
                continue
            ax.bar(x, max(float(value), 0.8), width * 0.9, color=_color(k))
            if float(value) == 0:
                ax.text(x, 1.5, "0", ha="center", va="bottom", fontsize=7)
            interval = (block.get("ci95") or {}).get(metric)
            if interval:
                ax.plot([x, x], interval, color="#222222", lw=1)
    handles: list[Any] = [Patch(facecolor=_color(k)) for k in range(len(series))]
    labels = [label for label, _ in series]
    if any_undefined:
        handles.append(Patch(facecolor="none", edgecolor="#bbbbbb", hatch="///"))
        labels.append("undefined (0/0)")
    if handles:
        ax.legend(handles, labels, loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8,
                  frameon=False)  # fmt: skip
    ax.set_xticks(range(len(relations)), [r.replace(" ", "\n") for r in relations])
    ax.set_ylim(0, 104)
    ax.set_xlabel("relation asked about in the hypothesis")
    ax.set_ylabel(f"{_metric_name(metric)} (valid class, ×100)")
    ax.set_title(f"{_metric_name(metric)} by relation")
    return fig


def confusion_matrices(series: Sequence[tuple[str, list[list[int]]]]) -> Figure:
    """One 2×2 confusion matrix per run: counts and row shares (rows gold, columns predicted)."""
    cols = min(4, max(1, len(series)))
    rows = (len(series) + cols - 1) // cols
    fig = _figure(2.6 * cols + 0.4, 2.5 * rows)
    for k, (label, matrix) in enumerate(series):
        ax = fig.add_subplot(rows, cols, k + 1)
        ax.grid(False)
        shares = [[v / max(1, sum(row)) for v in row] for row in matrix]
        ax.imshow(shares, cmap="Blues", vmin=0, vmax=1)
        for i in range(2):
            for j in range(2):
                ax.text(j, i, f"{matrix[i][j]}\n({100 * shares[i][j]:.0f}%)", ha="center",
                        va="center", color="white" if shares[i][j] > 0.6 else "black",
                        fontsize=8)  # fmt: skip
        ax.set_xticks([0, 1], ["invalid", "valid"])
        ax.set_yticks([0, 1], ["invalid", "valid"])
        ax.set_xlabel("predicted")
        ax.set_ylabel("gold")
        ax.set_title(label, fontsize=9)
    return fig


def tokens_vs_f1(series: Sequence[tuple[str, list[tuple[int, float, float | None]]]]) -> Figure:
    """Mean completion tokens per item against F1, one point per N (labelled), per run.

    Parameters
    ----------
    series : sequence of (label, points)
        ``points`` are ``(N, mean tokens, F1 or None)``.
    """
    fig = _figure(6.4, 3.4)
    ax = fig.add_subplot()
    any_undefined = False
    for k, (label, points) in enumerate(series):
        defined = [(n, t, f) for n, t, f in points if f is not None]
        ax.plot([t for _, t, _ in defined], [f for _, _, f in defined], marker="o", ms=4,
                color=_color(k), label=label)  # fmt: skip
        for n, t, f in points:
            y = _UNDEF_Y if f is None else f
            any_undefined |= f is None
            if f is None:
                ax.plot([t], [y], "o", mfc="white", mec=_color(k), ms=6)
            ax.annotate(f"N={n}", (t, y), textcoords="offset points", xytext=(4, 4), fontsize=7)
    _lane(ax, show=any_undefined)
    ax.set_xlabel("mean completion tokens per item (reasoning included)")
    ax.set_ylabel("F1 (valid class, ×100)")
    ax.set_title("Tokens vs F1 by N")
    ax.legend(loc="best", fontsize=8, frameon=False)
    return fig


def paired_forest(comparisons: Sequence[dict[str, Any]]) -> Figure:
    """F1 difference (A − B) with its paired-bootstrap interval, overall and by N."""
    rows: list[tuple[str, dict[str, Any]]] = []
    for comp in comparisons:
        rows.append((f"{comp['a']} − {comp['b']}: all", comp["f1"]))
        for n, block in comp.get("by_num_variables", {}).items():
            rows.append((f"    N={n}", block["f1"]))
    fig = _figure(6.4, 0.8 + 0.28 * len(rows))
    ax = fig.add_subplot()
    for k, (_label, block) in enumerate(rows):
        y = len(rows) - 1 - k
        if block["diff"] is None:
            ax.text(0, y, "undefined", ha="center", va="center", fontsize=7, color="#777777")
            continue
        interval = block.get("ci95")
        if interval:
            ax.plot(interval, [y, y], color="#333333", lw=1.2)
        ax.plot([block["diff"]], [y], "D", color=_color(0), ms=4)
    ax.axvline(0, color="#999999", lw=0.8, ls="--")
    ax.set_yticks(range(len(rows)), [label for label, _ in reversed(rows)])
    ax.set_xlabel("F1 difference A − B (points, 95 % paired premise bootstrap)")
    ax.set_title("Paired differences")
    return fig


def graph_metrics_by_n(series: Sequence[tuple[str, dict[str, Any]]]) -> Figure:
    """The graph task's metrics by N (one panel per metric, one curve per run)."""
    names = ("skeleton_f1", "v_structure_f1", "orientation_accuracy", "exact_cpdag", "consistent")
    titles = ("skeleton F1", "v-structure F1", "orientation accuracy", "exact CPDAG (%)",
              "answer follows\nown graph (%)")  # fmt: skip
    fig = _figure(11, 2.9)
    axes = fig.subplots(1, len(names), sharey=True)
    any_undefined = any(
        block.get(name) is None
        for _, groups in series
        for block in groups.values()
        for name in names
    )
    sizes_all = sorted({int(n) for _, groups in series for n in groups if n.isdigit()})
    for ax, name, title in zip(axes, names, titles, strict=True):
        for k, (label, groups) in enumerate(series):
            sizes = [n for n in _n_order(list(groups)) if n.isdigit()]
            xs = [int(n) for n in sizes if groups[n].get(name) is not None]
            ys = [groups[n][name] for n in sizes if groups[n].get(name) is not None]
            undef = [int(n) for n in sizes if groups[n].get(name) is None]
            ax.plot(xs, ys, marker="o", ms=4, color=_color(k), label=label)
            if undef:
                ax.plot(undef, [_UNDEF_Y] * len(undef), "o", mfc="white", mec=_color(k), ms=6)
        ax.set_title(title)
        ax.set_xlabel("number of variables N")
        ax.set_xticks(sizes_all)
    _lane(axes[0], show=any_undefined)  # the y axis is shared: set it once
    for ax in axes[1:] if any_undefined else ():
        ax.axhspan(_UNDEF_Y - 4, _UNDEF_Y + 4, color="#f3f3f3", zorder=0)
    axes[0].set_ylabel("×100")
    axes[-1].legend(loc="best", fontsize=7, frameon=False)
    return fig


def draw_graph(
    ax: Any,
    names: Sequence[str],
    directed: Sequence[tuple[int, int]],
    undirected: Sequence[tuple[int, int]],
    *,
    title: str,
    highlight: Sequence[int] = (),
) -> None:
    """Draw a partially directed graph on ``ax`` (circular layout; arrows and plain lines)."""
    graph = nx.DiGraph()
    graph.add_nodes_from(range(len(names)))
    pos = nx.circular_layout(graph)
    colors = ["#f2c572" if v in highlight else "#dde6f3" for v in range(len(names))]
    nx.draw_networkx_nodes(graph, pos, ax=ax, node_color=colors, node_size=420,
                           edgecolors="#333333", linewidths=0.8)  # fmt: skip
    nx.draw_networkx_labels(graph, pos, {v: str(names[v]) for v in range(len(names))}, ax=ax,
                            font_size=8)  # fmt: skip
    if directed:
        nx.draw_networkx_edges(graph, pos, edgelist=list(directed), ax=ax, arrows=True,
                               arrowsize=12, node_size=420, width=1.2)  # fmt: skip
    if undirected:
        nx.draw_networkx_edges(graph, pos, edgelist=list(undirected), ax=ax, arrows=False,
                               width=1.2, style="dashed", edge_color="#555555")  # fmt: skip
    ax.set_title(title, fontsize=8)
    ax.set_axis_off()
    ax.margins(0.18)


def failure_card(
    names: Sequence[str],
    cpdag: tuple[Sequence[tuple[int, int]], Sequence[tuple[int, int]]],
    witness: Sequence[tuple[int, int]] | None,
    *,
    witness_title: str,
    model_graph: tuple[Sequence[tuple[int, int]], Sequence[tuple[int, int]]] | None = None,
    highlight: Sequence[int] = (),
) -> Figure:
    """The class (CPDAG), a witness DAG and, if given, the model's own graph, side by side."""
    panels = 2 + (model_graph is not None)
    fig = _figure(2.3 * panels, 2.3)
    axes = fig.subplots(1, panels)
    draw_graph(axes[0], names, cpdag[0], cpdag[1], title="class (CPDAG)", highlight=highlight)
    if witness is None:
        axes[1].set_axis_off()
        axes[1].set_title("no witness", fontsize=8)
    else:
        draw_graph(axes[1], names, witness, (), title=witness_title, highlight=highlight)
    if model_graph is not None:
        draw_graph(axes[2], names, model_graph[0], model_graph[1], title="model's graph",
                   highlight=highlight)  # fmt: skip
    return fig


def svg_ids_unique(svg: str) -> bool:
    """Whether an SVG's ``id`` attributes are distinct (for tests)."""
    ids = re.findall(r'\bid="([^"]+)"', svg)
    return len(ids) == len(set(ids))
