"""Figures for readers of a policy comparison: headline forest plot, fan charts as small multiples.

Layout only, like ``sim.results.plots``: numbers come from the stored tables.
Axes read in human units (4.1k child-years, £2.0m), the side of each panel
where the variant does better is shaded and labelled, panels whose every value
is zero are left out, and the footnote says how many intervals are drawn (so a
reader does not take one clear result among many as proof).
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from typing import Any

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import matplotlib.ticker as mticker
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from sim.results import layout, measures, narrative, plots

BETTER_SHADE = "#e3f4e8"
SMALL_MULTIPLES_FROM = 4  # variants: from this many, one panel per variant against the baseline


def human_axis(metric: str) -> mticker.Formatter:
    """Tick labels in the metric's human unit: 40k, £25m, 0.5 (months), 1.2% (shares)."""
    shape = narrative.shape_of(metric)

    def label(value: float, _: Any) -> str:
        if shape == "share":
            return _trim(f"{value * 100:.2f}")
        if shape == "length":
            return f"{value:g}"
        text = _trim(narrative.number(abs(value)))
        sign = "-" if value < 0 else ""
        return f"{sign}£{text}" if shape == "money" else f"{sign}{text}"

    return mticker.FuncFormatter(label)


def _trim(text: str) -> str:
    """'20.0k' -> '20k', '0.50' -> '0.5': tick labels without trailing zeros."""
    number = text.rstrip("kmbn")
    suffix = text[len(number) :]
    if "." in number:
        number = number.rstrip("0").rstrip(".")
    return f"{number or '0'}{suffix}"


def is_all_zero(rows: pd.DataFrame) -> bool:
    """True when a metric's differences and their intervals are all zero (or missing)."""
    values = rows[["mean_diff", "ci_low", "ci_high"]].to_numpy(dtype=float)
    finite = values[np.isfinite(values)]
    return finite.size == 0 or bool(np.all(finite == 0))


def _shade_better(ax: Axes, metric: str) -> None:
    """Shade and label the side of zero where the variant does better than the baseline."""
    better = measures.better(metric)
    if better == "neither":
        return
    low, high = ax.get_xlim()
    span = max(abs(low), abs(high))
    ax.set_xlim(-span, span)
    left = better == "lower"
    ax.axvspan(-span if left else 0, 0 if left else span, color=BETTER_SHADE, zorder=0)
    ax.text(
        0.02 if left else 0.98,
        0.02,
        "← better" if left else "better →",
        transform=ax.transAxes,
        ha="left" if left else "right",
        va="bottom",
        fontsize=9,
        color="#0b5d2a",
    )


def _unit_text(metric: str) -> str:
    shape = narrative.shape_of(metric)
    if shape == "share":
        return "percentage points"
    if shape == "money":
        return "£"
    return measures.unit(metric)


def _intervals(ax: Axes, rows: pd.DataFrame, variants: Sequence[str]) -> None:
    """Each variant's paired difference (a dot) and 95% CI (a line with caps), top to
    bottom: three artists for all the variants, not an error-bar container each."""
    colours = plots._colours(len(variants))
    table = rows.drop_duplicates("variant").set_index("variant").reindex(list(variants))
    y = np.flatnonzero(table["mean_diff"].notna().to_numpy())  # the variants with a row
    mean, low, high = (
        table[c].to_numpy(dtype=float)[y] for c in ("mean_diff", "ci_low", "ci_high")
    )
    missing = np.isnan(low)  # no interval: drawn as the point alone
    low, high = np.where(missing, mean, low), np.where(missing, mean, high)
    low, high = np.minimum(low, mean), np.maximum(high, mean)  # an interval holds its mean
    colour = [colours[i] for i in y]
    ax.hlines(y, low, high, colors=colour, linewidth=1.5)
    ax.scatter(np.r_[low, high], np.r_[y, y], marker="|", s=36, c=colour * 2, linewidths=1.5)
    ax.scatter(mean, y, s=36, c=colour, zorder=3)


def _panel(ax: Axes, rows: pd.DataFrame, metric: str, variants: Sequence[str]) -> None:
    """One metric: each variant's paired difference and 95% CI, top to bottom."""
    _intervals(ax, rows, variants)
    ax.axvline(0.0, color="0.35", linestyle="--", linewidth=1)
    ax.set_yticks(range(len(variants)), labels=list(variants))
    ax.set_ylim(len(variants) - 0.5, -0.5)
    ax.xaxis.set_major_formatter(human_axis(metric))
    ax.grid(axis="x", alpha=0.3)
    _shade_better(ax, metric)
    phrase = narrative.PHRASES.get(metric, (metric.replace("_", " "), ""))[0]
    if narrative.shape_of(metric) == "money":
        phrase = f"spending {phrase}"
    ax.set_title(f"{phrase[:1].upper()}{phrase[1:]}", fontsize=10, y=1.0)
    ax.set_xlabel(f"difference ({_unit_text(metric)})", fontsize=9)


def headline_forest(
    comparison: pd.DataFrame, metrics: Sequence[str], *, title: str, note: str = ""
) -> Figure:
    """Paired differences of the headline outcomes, two panels a row, all-zero panels left out.

    Args:
        comparison: ``variant, baseline, metric, mean_diff, ci_low, ci_high, n``.
        metrics: Outcomes to draw, in order (those whose values are all zero are skipped).
        title: Figure title.
        note: Footnote (e.g. how many intervals are drawn and whether they are adjusted).
    """
    shown = [m for m in metrics if not is_all_zero(comparison[comparison["metric"] == m])]
    shown = shown or list(metrics)[:1]
    variants = plots._ordered(comparison["variant"])
    ncols = 1 if len(shown) == 1 else 2
    nrows = math.ceil(len(shown) / ncols)
    fig = plt.figure(figsize=(6.2 * ncols, 0.9 + nrows * (0.9 + 0.32 * len(variants))))
    left = layout.widest(variants) + layout.TICK_ROOM + layout.line(10) + layout.LABEL_ROOM
    below = layout.x_side() - layout.line(layout.TICKS) + layout.line(9)  # 9-point x labels
    top = layout.line(layout.TITLE) + layout.title_side(10)
    bottom = below + (layout.line(8.5) if note else 0.0)
    gaps = (0.35, below + layout.title_side(10) + 0.08)  # tick labels overhang at the ends
    axes = layout.grid(fig, (nrows, ncols), (left, 0.2, top, bottom), gaps)
    for ax, metric in zip(axes.flat, shown, strict=False):
        _panel(ax, comparison[comparison["metric"] == metric], metric, variants)
    for index, ax in enumerate(axes.flat):
        if index >= len(shown):
            ax.remove()
        elif index % ncols:
            ax.set_yticklabels([])
        else:
            ax.set_ylabel("variant")
    layout.suptitle(fig, title)
    if note:
        layout.footnote(fig, note, fontsize=8.5, color="0.3")
    return fig


def fan_small_multiples(
    monthly: pd.DataFrame, series: str, *, baseline: str, label: str, unit: str
) -> Figure:
    """One panel per variant: its median and 50%/90% bands over the baseline's (in grey)."""
    return next(fan_panels(monthly, [(series, label, unit)], baseline=baseline))


def fan_panels(
    monthly: pd.DataFrame, series: Sequence[tuple[str, str, str]], *, baseline: str
) -> Iterator[Figure]:
    """``fan_small_multiples`` of each (series, label, unit) in turn, in one figure.

    The panels, their ticks, titles and axis labels are made once, and each series
    only replaces the bands and lines: a new figure per series cost as much again as
    drawing it. Save each figure before asking for the next; asking after the last
    closes the figure.
    """
    variants = [v for v in plots._ordered(monthly["variant"]) if v != baseline]
    ncols = min(3, len(variants))
    shape = (math.ceil(len(variants) / ncols), ncols)
    fig = plt.figure(figsize=(4.2 * ncols, 0.8 + 2.7 * shape[0]))
    top = layout.line(layout.TITLE) + layout.title_side(9.5)  # the figure's title, a panel's
    gaps = (0.12, layout.title_side(9.5) + layout.x_side(ticks=False) + 0.06)
    margins = (0.8, 0.05, top, layout.x_side())
    grid = layout.grid(fig, shape, margins, gaps, sharex=True, sharey=True)
    for ax in grid.flat[len(variants) :]:
        ax.remove()
    axes = list(grid.flat[: len(variants)])
    for ax, variant in zip(axes, variants, strict=True):
        ax.set_title(f"{variant} (colour) vs {baseline} (grey)", fontsize=9.5, y=1.0)
        ax.set_xlabel("date")
        ax.grid(alpha=0.3)
    dates = plots.month_dates(monthly, plots._start_month(monthly))
    for name, label, unit in series:
        panels = dict(zip(variants, axes, strict=True))
        _panels_of(panels, plots.bands(monthly, name), dates, baseline, ncols, unit)
        if monthly[name].min() >= 0:
            # once, after every panel is drawn: the panels share y, and a limit set
            # earlier would freeze the top at the panels drawn so far and cut later ones
            axes[0].set_ylim(bottom=0)
        text = f"{label[:1].upper()}{label[1:]} ({unit}): median, 50% and 90% bands over "
        layout.suptitle(fig, text + plots._replication_text(monthly))
        layout.place(fig, shape, (layout.y_side(axes[0]), *margins[1:]), gaps)
        yield fig
    plt.close(fig)


def _panels_of(
    panels: dict[str, Axes],
    q: plots.Bands,
    dates: pd.Series,
    baseline: str,
    ncols: int,
    unit: str,
) -> None:
    """Replace each variant's panel's bands and lines with one series' (``plots.bands``),
    the limits found again from the new data alone."""
    colours = plots._colours(len(panels))  # each variant's colour in the forest plot too
    for index, (variant, ax) in enumerate(panels.items()):
        for artist in [*ax.collections, *ax.lines]:
            artist.remove()
        ax.relim()  # the limits forget the previous series
        ax.set_autoscaley_on(True)
        plots._fan(ax, q, baseline, dates, "0.55", 0.15)
        plots._fan(ax, q, variant, dates, colours[index], 0.15)
        if index % ncols == 0:
            ax.set_ylabel(unit)


def council_ranking(summary: pd.DataFrame, variant: str, top: int = 20) -> Figure:
    """The councils with the most months truly inadequate (mean over replications), with the
    months judged inadequate beside them and the share of replications taken over."""
    rows = summary[summary["variant"] == variant].nlargest(top, "months_truly_inadequate_mean")
    fig = plt.figure(figsize=(8.5, 0.9 + 0.3 * len(rows)))
    legend_row = layout.line(layout.TICKS) + 0.1  # the legend below the axes, over no bar
    left = layout.widest(rows["council"].astype(str)) + layout.TICK_ROOM
    margins = (left + layout.line(layout.TICKS) + layout.LABEL_ROOM, 0.2, layout.title_side())
    ax = layout.grid(fig, (1, 1), (*margins, layout.x_side() + legend_row))[0, 0]
    positions = np.arange(len(rows))
    _months_bars(ax, rows, positions)
    ax.set_yticks(positions, labels=list(rows["council"]))
    ax.invert_yaxis()
    if "share_taken_over" in rows.columns:
        for y, (share, months) in enumerate(
            zip(rows["share_taken_over"], rows["months_truly_inadequate_mean"], strict=True)
        ):
            if share > 0:
                ax.text(months, y - 0.2, f"  taken over in {share:.0%}", va="center", fontsize=8)
    ax.set_xlabel(f"months (mean over {int(rows['replications'].max())} replications)")
    ax.set_ylabel("council")
    ax.set_title(f"Councils with the most months truly inadequate ('{variant}')", y=1.0)
    longest = float(
        np.nanmax(rows[["months_truly_inadequate_mean", "months_judged_inadequate_mean"]])
    )
    ax.set_xlim(0, 1.3 * longest if longest > 0 else 1.0)  # room for the labels inside the axes
    bottom = layout.PAD / fig.get_size_inches()[1]
    fig.legend(loc="lower center", bbox_to_anchor=(0.5, bottom), ncols=2, frameon=False)
    ax.grid(axis="x", alpha=0.3)
    return fig


def _months_bars(ax: Axes, rows: pd.DataFrame, positions: np.ndarray) -> None:
    """Each council's mean months truly (red) and judged (grey) inadequate, side by side."""
    for offset, column, colour, label in (
        (-0.2, "months_truly_inadequate_mean", "#b1361e", "truly inadequate"),
        (0.2, "months_judged_inadequate_mean", "#7a8a99", "judged inadequate"),
    ):
        ax.barh(positions + offset, rows[column], height=0.4, color=colour, label=label)
