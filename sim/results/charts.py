"""Figures for readers of a policy comparison: headline forest plot, fan charts as small multiples.

Layout only, like ``sim.results.plots``: numbers come from the stored tables.
Axes read in human units (4.1k child-years, £2.0m), the side of each panel
where the variant does better is shaded and labelled, panels whose every value
is zero are left out, and the footnote says how many intervals are drawn (so a
reader does not take one clear result among many as proof).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import matplotlib.ticker as mticker
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from sim.results import measures, narrative, plots

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


def _panel(ax: Axes, rows: pd.DataFrame, metric: str, variants: Sequence[str]) -> None:
    """One metric: each variant's paired difference and 95% CI, top to bottom."""
    colours = plots._colours(len(variants))
    for i, variant in enumerate(variants):
        row = rows[rows["variant"] == variant]
        if row.empty:
            continue
        mean, low, high = (float(row[c].iloc[0]) for c in ("mean_diff", "ci_low", "ci_high"))
        if math.isnan(low):
            low = high = mean
        err = [[max(mean - low, 0.0)], [max(high - mean, 0.0)]]
        ax.errorbar([mean], [i], xerr=err, fmt="o", color=colours[i], capsize=3)
    ax.axvline(0.0, color="0.35", linestyle="--", linewidth=1)
    ax.set_yticks(range(len(variants)), labels=list(variants))
    ax.set_ylim(len(variants) - 0.5, -0.5)
    ax.xaxis.set_major_formatter(human_axis(metric))
    ax.grid(axis="x", alpha=0.3)
    _shade_better(ax, metric)
    phrase = narrative.PHRASES.get(metric, (metric.replace("_", " "), ""))[0]
    if narrative.shape_of(metric) == "money":
        phrase = f"spending {phrase}"
    ax.set_title(f"{phrase[:1].upper()}{phrase[1:]}", fontsize=10)
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
    fig, axes = plt.subplots(
        nrows,
        ncols,
        figsize=(6.2 * ncols, 0.9 + nrows * (0.9 + 0.32 * len(variants))),
        layout="constrained",
        squeeze=False,
    )
    for ax, metric in zip(axes.flat, shown, strict=False):
        _panel(ax, comparison[comparison["metric"] == metric], metric, variants)
    for index, ax in enumerate(axes.flat):
        if index >= len(shown):
            ax.remove()
        elif index % ncols:
            ax.set_yticklabels([])
        else:
            ax.set_ylabel("variant")
    fig.suptitle(title)
    if note:
        fig.supxlabel(note, fontsize=8.5, color="0.3")
    return fig


def fan_small_multiples(
    monthly: pd.DataFrame, series: str, *, baseline: str, label: str, unit: str
) -> Figure:
    """One panel per variant: its median and 50%/90% bands over the baseline's (in grey)."""
    variants = [v for v in plots._ordered(monthly["variant"]) if v != baseline]
    ncols = min(3, len(variants))
    nrows = math.ceil(len(variants) / ncols)
    fig, axes = plt.subplots(
        nrows,
        ncols,
        figsize=(4.2 * ncols, 0.8 + 2.7 * nrows),
        layout="constrained",
        squeeze=False,
        sharex=True,
        sharey=True,
    )
    base = monthly[monthly["variant"] == baseline]
    start = plots._start_month(monthly)
    colours = plots._colours(len(variants))  # each variant's colour in the forest plot too
    for index, (ax, variant) in enumerate(zip(axes.flat, variants, strict=False)):
        plots._fan(ax, base.assign(variant=baseline), series, start, "0.55", 1)
        rows = monthly[monthly["variant"] == variant]
        plots._fan(ax, rows, series, start, colours[index], 1)
        ax.set_title(f"{variant} (colour) vs {baseline} (grey)", fontsize=9.5)
        ax.set_xlabel("date")
        if index % ncols == 0:
            ax.set_ylabel(unit)
        ax.grid(alpha=0.3)
    if monthly[series].min() >= 0:
        # once, after every panel is drawn: the panels share y, and a limit set earlier
        # would freeze the top at the panels drawn so far and cut the later ones
        axes.flat[0].set_ylim(bottom=0)
    for ax in axes.flat[len(variants) :]:
        ax.remove()
    fig.suptitle(
        f"{label[:1].upper()}{label[1:]} ({unit}): median, 50% and 90% bands over "
        f"{plots._replication_text(monthly)}"
    )
    return fig


def council_ranking(summary: pd.DataFrame, variant: str, top: int = 20) -> Figure:
    """The councils with the most months truly inadequate (mean over replications), with the
    months judged inadequate beside them and the share of replications taken over."""
    rows = summary[summary["variant"] == variant].nlargest(top, "months_truly_inadequate_mean")
    fig, ax = plt.subplots(figsize=(8.5, 0.9 + 0.3 * len(rows)), layout="constrained")
    positions = np.arange(len(rows))
    ax.barh(
        positions - 0.2,
        rows["months_truly_inadequate_mean"],
        height=0.4,
        color="#b1361e",
        label="truly inadequate",
    )
    ax.barh(
        positions + 0.2,
        rows["months_judged_inadequate_mean"],
        height=0.4,
        color="#7a8a99",
        label="judged inadequate",
    )
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
    ax.set_title(f"Councils with the most months truly inadequate ('{variant}')")
    longest = float(
        np.nanmax(rows[["months_truly_inadequate_mean", "months_judged_inadequate_mean"]])
    )
    ax.set_xlim(0, 1.3 * longest if longest > 0 else 1.0)  # room for the labels inside the axes
    fig.legend(loc="outside lower center", ncols=2, frameon=False)  # over no bar or label
    ax.grid(axis="x", alpha=0.3)
    return fig
