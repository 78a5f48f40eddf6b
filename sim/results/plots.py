"""Figures from the project's stored result tables.

Layout only: every number drawn comes from the tables, except quantiles over
replications for fan-chart bands and averages over the other swept parameters for
grid response curves. All functions return a ``Figure``; ``save`` writes PNG (and SVG).
Names are shown through ``labels`` (fallback: underscores as spaces) and axis labels
carry units from ``units`` where known.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping, Sequence
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")

import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import matplotlib.ticker as mticker
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.collections import PolyCollection
from matplotlib.figure import Figure

from sim.calendar import month_index, month_timestamps, year_month
from sim.results import layout

Names = Mapping[str, str] | None
BAND_QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)
Bands = dict[str, tuple[np.ndarray, np.ndarray]]  # variant -> months, quantiles by month
PANEL_COLUMNS = 3  # response-curve panels per row
DPI, WIDTH = 120, 1200  # PNG pixels per inch, and at least: the report shows 1,116 px


def _label(name: str, labels: Names, *, capital: bool = False) -> str:
    """Readable name for a series/metric/parameter: ``labels`` entry or underscores as spaces."""
    text = (labels or {}).get(name, name.replace("_", " "))
    return text[:1].upper() + text[1:] if capital else text


def _with_unit(text: str, name: str, units: Names) -> str:
    """Append ``(unit)`` when ``units`` knows the name, so every axis states its unit."""
    unit = (units or {}).get(name)
    return f"{text} ({unit})" if unit else text


GREYS = {"tab10": (7,), "tab20": (14, 15)}  # left out: the baseline is drawn in grey


def _colours(n: int) -> list[Any]:
    """Distinct qualitative colours for ``n`` variants (tab10, tab20 beyond nine), never
    grey: a variant drawn in grey over the grey baseline could not be told from it."""
    name = "tab10" if n <= 9 else "tab20"
    cmap = plt.get_cmap(name)
    palette = [cmap(i) for i in range(cmap.N) if i not in GREYS[name]]
    return [palette[i % len(palette)] for i in range(n)]


def _ordered(values: pd.Series) -> list[Any]:
    """Unique values in order of first appearance (keeps the table's variant order)."""
    return list(dict.fromkeys(values.tolist()))


def _start_month(monthly: pd.DataFrame) -> str:
    """The calendar month of ``month == 0``, from the ``date`` the run stored with each month."""
    if "date" not in monthly.columns or monthly.empty:
        return "2016-01"
    row = monthly.iloc[0]
    return year_month(month_index(str(row["date"])) - int(row["month"]))


def _replication_text(monthly: pd.DataFrame) -> str:
    """'N replications' (or a range when variants differ) for fan-chart titles."""
    counts = monthly.groupby("variant")["replication"].nunique()
    low, high = int(counts.min()), int(counts.max())
    return f"{low} replications" if low == high else f"{low}-{high} replications"


def bands(monthly: pd.DataFrame, series: str) -> Bands:
    """Each variant's months and quantiles of a series by month (a column per quantile in
    ``BAND_QUANTILES``), from one grouping of the whole table."""
    grouped = monthly.groupby(["variant", "month"], sort=True)[series]
    table = grouped.quantile(np.array(BAND_QUANTILES)).unstack()
    variants = table.index.get_level_values("variant")
    months = table.index.get_level_values("month").to_numpy(dtype=float)
    values = table.to_numpy(dtype=float)
    return {str(v): (months[variants == v], values[variants == v]) for v in variants.unique()}


def month_dates(monthly: pd.DataFrame, start: str) -> pd.Series:
    """The date of every month the table holds (month -> timestamp), once per figure."""
    months = np.unique(monthly["month"].to_numpy(dtype=float))
    return pd.Series(month_timestamps(start, months), index=months)


def _fan(ax: Axes, q: Bands, variant: str, dates: pd.Series, colour: Any, faint: float) -> None:
    """One variant's 90% and 50% bands and median line (labelled by variant): polygons in
    date numbers (``fill_between`` cost more: it converts dates, checks gaps, per band)
    and a line, drawn first, that makes the axis a date axis."""
    months, quantiles = q[str(variant)]
    x = dates.to_numpy()[np.searchsorted(dates.index.to_numpy(), months)]
    ax.plot(x, quantiles[:, 2], color=colour, linewidth=1.8, label=str(variant))
    days = np.r_[mdates.date2num(x), mdates.date2num(x[::-1])]
    for low, high, alpha in ((0, 4, faint), (1, 3, 2 * faint)):
        edge = np.r_[quantiles[:, low], quantiles[::-1, high]]
        polygon = [np.column_stack([days, edge])]
        ax.add_collection(PolyCollection(polygon, facecolors=[colour], linewidths=0, alpha=alpha))


def fan_chart(
    monthly: pd.DataFrame,
    series: str,
    *,
    units: Names = None,
    labels: Names = None,
    start: str | None = None,
) -> Figure:
    """Median and 50%/90% bands over replications of one monthly series, per variant.

    Args:
        monthly: Monthly table (``variant``, ``replication``, ``month``, series columns).
        series: Column to show, e.g. ``judged_inadequate`` (councils).
        units: Unit labels by series name, shown on the y axis.
        labels: Readable names by series name.
        start: Calendar month of ``month == 0`` ("YYYY-MM"), for the date axis; by
            default read from the table's ``date`` column (2016-01 without one).
    """
    if series not in monthly.columns:
        raise ValueError(f"series {series!r} not in monthly table columns")
    start = start or _start_month(monthly)
    fig = plt.figure(figsize=(9, 4.8))
    ax = layout.grid(fig, (1, 1), (0.8, 2.0, 0.4, 0.6))[0, 0]
    variants = _ordered(monthly["variant"])
    q, dates = bands(monthly, series), month_dates(monthly, start)
    faint = 0.15 if len(variants) <= 3 else 0.08
    for variant, colour in zip(variants, _colours(len(variants)), strict=True):
        _fan(ax, q, variant, dates, colour, faint)
    name = _label(series, labels, capital=True)
    ax.set_title(f"{name}: median, 50% and 90% bands over {_replication_text(monthly)}", y=1.0)
    ax.set_ylabel(_with_unit(name, series, units))
    ax.set_xlabel("Date")
    locator = mdates.AutoDateLocator(minticks=4, maxticks=10)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    if monthly[series].min() >= 0:
        ax.set_ylim(bottom=0)
    ax.grid(alpha=0.3)
    _legend_right(fig, ax)
    return fig


def _legend_right(fig: Figure, ax: Axes) -> None:
    """The variants' legend right of the axes, the margins fitted to it and the ticks."""
    legend = ax.legend(title="Variant (line: median)", loc="upper left", bbox_to_anchor=(1.01, 1))
    width = fig.get_size_inches()[0]
    right = layout.legend_width(fig, legend) + 0.01 * width  # anchored 1% of the axes out
    layout.place(fig, (1, 1), (layout.y_side(ax), right, layout.title_side(), layout.x_side()))


def _forest_panel(
    ax: Axes, rows: pd.DataFrame, variants: Sequence[str], colours: Sequence[Any]
) -> None:
    """One metric: a point and 95% CI line per variant, top to bottom in table order."""
    for i, (variant, colour) in enumerate(zip(variants, colours, strict=True)):
        row = rows[rows["variant"] == variant]
        if row.empty:
            continue
        mean, low, high = (float(row[c].iloc[0]) for c in ("mean_diff", "ci_low", "ci_high"))
        err = [[max(mean - low, 0.0)], [max(high - mean, 0.0)]]
        ax.errorbar([mean], [i], xerr=err, fmt="o", color=colour, capsize=3, label=variant)
    ax.axvline(0.0, color="0.4", linestyle="--", linewidth=1)
    ax.set_yticks(range(len(variants)), labels=list(variants))
    ax.set_ylim(len(variants) - 0.5, -0.5)
    ax.grid(axis="x", alpha=0.3)


def forest_plot(
    comparison: pd.DataFrame,
    *,
    metrics: Sequence[str] | None = None,
    units: Names = None,
    labels: Names = None,
    title: str | None = None,
) -> Figure:
    """Paired differences from the baseline with 95% CIs, one row panel per metric.

    Args:
        comparison: Table with ``variant, baseline, metric, mean_diff, ci_low, ci_high, n``.
        metrics: Metrics to show, in order (default: all, in table order).
        units: Unit labels by metric (differences share the metric's unit).
        labels: Readable names by metric.
        title: Figure title (default: difference from the baseline, paired, 95% CI).
    """
    metrics = list(metrics) if metrics is not None else _ordered(comparison["metric"])
    variants = _ordered(comparison["variant"])
    height = 0.9 + len(metrics) * (0.75 + 0.3 * len(variants))
    fig, axes = plt.subplots(
        len(metrics), 1, figsize=(8, height), layout="constrained", squeeze=False
    )
    for ax, metric in zip(axes[:, 0], metrics, strict=True):
        _forest_panel(
            ax, comparison[comparison["metric"] == metric], variants, _colours(len(variants))
        )
        text = f"{_label(metric, labels, capital=True)}: difference"
        ax.set_xlabel(_with_unit(text, metric, units))
        ax.set_ylabel("Variant")
    baselines = "', '".join(str(b) for b in _ordered(comparison["baseline"]))
    fig.suptitle(title or f"Difference from baseline '{baselines}' (paired, 95% CI)")
    return fig


def _is_grid(points: pd.DataFrame, parameters: Sequence[str]) -> bool:
    """True when the points are a full cartesian product of the parameters' values."""
    combos = math.prod(int(points[p].nunique()) for p in parameters)
    return combos == len(points) and not points.duplicated(list(parameters)).any()


def _response_panel(
    ax: Axes, points: pd.DataFrame, parameter: str, metric: str, grid: bool, log: bool | None
) -> None:
    """Mean and CI against one parameter: averaged line (grid) or scatter (LHS/Sobol)."""
    cols = [f"{metric}_mean", f"{metric}_ci_low", f"{metric}_ci_high"]
    numeric = pd.api.types.is_numeric_dtype(points[parameter])
    data = points[[parameter, *cols]]
    if grid:
        data = data.groupby(parameter, sort=numeric)[cols].mean().reset_index()
    elif numeric:
        data = data.sort_values(parameter)
    mean, low, high = (data[c].to_numpy(dtype=float) for c in cols)
    err = np.clip([mean - low, high - mean], 0.0, None)
    x = data[parameter].to_numpy() if numeric else data[parameter].astype(str).to_numpy()
    style: dict[str, Any] = (
        {"fmt": "o-", "capsize": 3}
        if grid
        else {"fmt": "o", "ms": 3, "alpha": 0.6, "elinewidth": 0.7}
    )
    ax.errorbar(x, mean, yerr=err, color="tab:blue", **style)
    positive = numeric and (points[parameter] > 0).all()
    if log is None:  # not told: guess from the spread of the values
        log = bool(positive and points[parameter].max() >= 50 * points[parameter].min())
    if log and positive:
        ax.set_xscale("log")  # ticks at 1, 2, 5 x 10^k in plain numbers, no crowded minors
        ax.xaxis.set_major_locator(mticker.LogLocator(subs=(1.0, 2.0, 5.0)))
        ax.xaxis.set_major_formatter(mticker.FuncFormatter(lambda v, _: f"{v:g}"))
        ax.xaxis.set_minor_formatter(mticker.NullFormatter())
    ax.grid(alpha=0.3)


def _panel_grid(n: int) -> tuple[Figure, list[Axes]]:
    """Up to three panels per row with a shared y axis; unused grid cells removed."""
    ncols = min(PANEL_COLUMNS, n)
    nrows = math.ceil(n / ncols)
    fig, axes = plt.subplots(
        nrows,
        ncols,
        figsize=(4.3 * ncols, 3.3 * nrows + 0.6),
        layout="constrained",
        squeeze=False,
        sharey=True,
    )
    for ax in axes.flat[n:]:
        ax.remove()
    return fig, list(axes.flat[:n])


def response_curves(
    points: pd.DataFrame,
    parameters: list[str],
    metric: str,
    *,
    units: Names = None,
    labels: Names = None,
    log_x: Collection[str] | None = None,
) -> Figure:
    """Metric mean (with 95% CI) against each swept parameter, one panel per parameter.

    For a full grid the points sharing a parameter value are averaged over the other
    parameters (mean and CI bounds alike, a display summary rather than a new CI) and
    joined by a line; LHS/Sobol points are shown as a scatter. Panels share the y axis
    so effect sizes compare directly.

    Args:
        points: Sweep table: ``point``, one column per parameter path, and
            ``<metric>_mean``, ``<metric>_ci_low``, ``<metric>_ci_high``.
        parameters: Parameter columns to plot (dotted paths).
        metric: Metric name (column prefix).
        units: Unit labels by metric or parameter name.
        labels: Readable names by metric or parameter name.
        log_x: Parameters to show on a log axis (those sampled in log space); None: a
            log axis where the values span 50 times or more.
    """
    wanted = (*parameters, f"{metric}_mean", f"{metric}_ci_low", f"{metric}_ci_high")
    missing = [c for c in wanted if c not in points.columns]
    if missing or not parameters:
        raise ValueError(f"response_curves: missing columns {missing} or no parameters")
    grid = _is_grid(points, parameters)
    fig, axes = _panel_grid(len(parameters))
    for i, (ax, parameter) in enumerate(zip(axes, parameters, strict=True)):
        log = None if log_x is None else parameter in log_x
        _response_panel(ax, points, parameter, metric, grid, log)
        ax.set_xlabel(_with_unit(_label(parameter, labels), parameter, units))
        if i % PANEL_COLUMNS == 0:  # y axis is shared along each row: label it once
            ax.set_ylabel(_with_unit(_label(metric, labels, capital=True), metric, units))
    fig.suptitle(f"{_label(metric, labels, capital=True)}: {_summarised(grid, len(parameters))}")
    return fig


def _summarised(grid: bool, parameters: int) -> str:
    """How the panels summarise the points, for the title: a reader must know that a grid's
    line is an average over the other parameters, not a slice at fixed values."""
    how = "one point per design point"
    if grid:
        how = "averaged over the other parameters" if parameters > 1 else "by value"
    return f"mean and 95% CI, {how}"


def _bar_pair(ax: Axes, rows: pd.DataFrame, keys: tuple[str, str], sobol: bool) -> None:
    """Two grouped horizontal bar series (S1/ST or SRC/PRCC) with CI or p-value labels."""
    y, h = np.arange(len(rows)), 0.38
    names = {"S1": "First order (S1)", "ST": "Total (ST)", "src": "SRC", "prcc": "PRCC"}
    for offset, key, colour in ((-h / 2, keys[0], "tab:blue"), (h / 2, keys[1], "tab:orange")):
        err = rows[f"{key}_conf"].to_numpy(dtype=float) if sobol else None
        bars = ax.barh(
            y + offset,
            rows[key].to_numpy(dtype=float),
            height=h,
            xerr=err,
            color=colour,
            capsize=3,
            label=names[key],
        )
        if not sobol and key == "prcc":
            text = [f"p={p:.2f}" if p >= 0.001 else "p<0.001" for p in rows["prcc_p"]]
            ax.bar_label(bars, labels=text, padding=3, fontsize=7)
    ax.axvline(0.0, color="0.3", linewidth=0.8)
    ax.margins(x=0.12)


def sensitivity_bars(sensitivity: pd.DataFrame, metric: str, *, labels: Names = None) -> Figure:
    """Grouped horizontal bars of Sobol' S1/ST (95% CI) or LHS SRC/PRCC for one metric.

    Parameters are sorted by total effect (ST) or |PRCC|, largest at the top.

    Args:
        sensitivity: Sensitivity table (Sobol or LHS form), with a ``metric`` column.
        metric: Metric to show.
        labels: Readable names by metric or parameter.
    """
    rows = sensitivity[sensitivity["metric"] == metric]
    if rows.empty:
        raise ValueError(f"no sensitivity rows for metric {metric!r}")
    sobol = "ST" in rows.columns and bool(rows["ST"].notna().any())
    keys = ("S1", "ST") if sobol else ("src", "prcc")
    rows = rows.sort_values(keys[1], key=lambda s: s.abs(), ascending=False)
    fig, ax = plt.subplots(figsize=(9, 1.8 + 0.55 * len(rows)), layout="constrained")
    _bar_pair(ax, rows, keys, sobol)
    ax.set_yticks(range(len(rows)), labels=[_label(p, labels) for p in rows["parameter"]])
    ax.set_ylim(len(rows) - 0.5, -0.5)
    ax.set_ylabel("Parameter")
    name = _label(metric, labels)
    if sobol:
        ax.set_xlabel("Sobol index (share of output variance)")
        ax.set_title(
            f"Sensitivity of {name}\nSobol first-order (S1) and total (ST) indices, 95% CI"
        )
    else:
        ax.set_xlabel("Coefficient (dimensionless, -1 to 1)")
        ax.set_title(f"Sensitivity of {name}\nStandardised regression (SRC), partial rank (PRCC)")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1))
    ax.grid(axis="x", alpha=0.3)
    return fig


def save(
    fig: Figure, path_without_suffix: str | Path, *, svg: bool = False, close: bool = True
) -> list[Path]:
    """Write ``<path>.png`` (``DPI``, or ``WIDTH`` px across) and ``<path>.svg`` if asked;
    close the figure unless told not (drawn again with the next series). SVG is on
    request: a second drawing doubles the cost. zlib level 3: 6 took 15% longer.

    Returns:
        The paths written (parent directories are created).
    """
    base = Path(path_without_suffix)
    base = base.with_suffix("") if base.suffix.lower() in (".png", ".svg") else base
    base.parent.mkdir(parents=True, exist_ok=True)
    written = [base.with_name(base.name + ".png")]
    dpi = max(DPI, WIDTH / fig.get_size_inches()[0])  # never shown smaller than before
    fig.savefig(written[0], dpi=dpi, pil_kwargs={"compress_level": 3})
    if svg:
        written.append(base.with_name(base.name + ".svg"))
        fig.savefig(written[1], metadata={"Date": None})  # no timestamp: reproducible files
    if close:
        plt.close(fig)
    return written
