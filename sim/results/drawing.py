"""The figures of a results directory, drawn from its stored tables (imports matplotlib).

``sim.results.figures`` decides which figures a directory gets and splits them into
jobs; each function here draws one job's figures and saves them (``sim.results.plots``
and ``sim.results.charts`` lay them out). Kept apart from the plan so that whoever only
plans (the parent of a run's pool) never imports matplotlib: a worker does, on its
first figure.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from sim.errors import ResultsError
from sim.results import charts, measures, plots
from sim.results.directory import RunDirectory
from sim.results.tableio import read_table
from sim.scenario.fields import parameter_table
from sim.scenario.schema import Scenario

if TYPE_CHECKING:
    import pandas as pd


def forest(
    run_dir: RunDirectory,
    comparison: pd.DataFrame,
    metrics: list[str],
    text: tuple[str, str],
    svg: bool,
) -> list[Path]:
    """The headline forest plot (``comparison``) of ``metrics``, with (title, note)."""
    figure = charts.headline_forest(comparison, metrics, title=text[0], note=text[1])
    return plots.save(figure, run_dir.inside("comparison"), svg=svg)


def forest_all(
    run_dir: RunDirectory, comparison: pd.DataFrame, title: str, svg: bool
) -> list[Path]:
    """The forest plot of every outcome (``comparison_all``)."""
    every = list(dict.fromkeys(comparison["metric"]))
    figure = plots.forest_plot(comparison, metrics=every, units=measures.units(), title=title)
    return plots.save(figure, run_dir.inside("comparison_all"), svg=svg)


def council_ranking(run_dir: RunDirectory, svg: bool) -> list[Path]:
    """The ranked chart of councils (``councils.png``) from ``councils.csv``, if written."""
    file = run_dir.path / "councils.csv"
    if not file.exists():
        return []
    summary = measures.without_units(read_table(file))
    baseline = str(run_dir.document("scenario.yaml")["run"].get("baseline", "baseline"))
    variant = baseline if (summary["variant"] == baseline).any() else summary["variant"].iloc[0]
    return plots.save(charts.council_ranking(summary, variant), run_dir.inside("councils"), svg=svg)


def fan_charts(
    run_dir: RunDirectory, svg: bool, share: tuple[float, float] = (0.0, 1.0)
) -> list[Path]:
    """A fan chart per headline monthly series the run has (``measures.FAN_SERIES``), none
    all zero: those in ``share`` of the list (from, to: 0 to 1), in order. With more than three
    variants, each variant gets its own panel over the baseline's bands (overlaid bands of
    many variants merge into one), the part's series drawn in turn into the same panels."""
    monthly = run_dir.table("monthly")
    units, labels = measures.units("series"), measures.labels("series")
    baseline = str(run_dir.document("scenario.yaml")["run"].get("baseline", "baseline"))
    several = monthly["variant"].nunique() >= charts.SMALL_MULTIPLES_FROM
    names = [n for n in measures.FAN_SERIES if n in monthly.columns and monthly[n].fillna(0).any()]
    names = names[round(share[0] * len(names)) : round(share[1] * len(names))]
    written: list[Path] = []
    if several and (monthly["variant"] == baseline).any():
        series = [(n, labels[n], units[n]) for n in names]
        figures = charts.fan_panels(monthly, series, baseline=baseline)
        for name, figure in zip(names, figures, strict=True):  # the last next() closes it
            written += plots.save(figure, run_dir.inside(name), svg=svg, close=False)
        return written
    for name in names:
        figure = plots.fan_chart(monthly, name, units=units, labels=labels)
        written += plots.save(figure, run_dir.inside(name), svg=svg)
    return written


def _parameter_names(run_dir: RunDirectory) -> tuple[dict[str, str], dict[str, str]]:
    """Units and readable labels of every scenario input, by dotted path."""
    try:
        scenario = Scenario.model_validate(run_dir.document("scenario.yaml"))
    except (ResultsError, ValueError):
        return {}, {}  # a directory of another model version: plot without parameter units
    rows = parameter_table(scenario)
    labels = {r.path: " ".join(r.path.split(".")[-2:]).replace("_", " ") for r in rows}
    return {r.path: r.unit for r in rows}, labels


def sweep_plots(
    run_dir: RunDirectory, manifest: dict[str, Any], metric: str, svg: bool
) -> list[Path]:
    """The response curves and sensitivity bars of one metric (per variant when crossed)."""
    points = read_table(run_dir.path / "points.parquet")
    parameters = list(manifest["parameters"])
    spec = run_dir.document("sweep.yaml")
    log_x = {p["path"] for p in spec["parameters"] if p.get("log")}
    parameter_units, labels = _parameter_names(run_dir)
    units = {**measures.units(), **parameter_units}
    sensitivity_file = run_dir.path / "sensitivity.csv"
    sensitivity = read_table(sensitivity_file) if sensitivity_file.exists() else None
    variants = list(dict.fromkeys(points["variant"]))
    written: list[Path] = []
    for variant in variants:
        suffix = f"__{variant}" if len(variants) > 1 else ""
        rows = points[points["variant"] == variant]
        if rows[f"{metric}_mean"].notna().any():
            figure = plots.response_curves(
                rows, parameters, metric, units=units, labels=labels, log_x=log_x
            )
            if len(variants) > 1:
                figure.suptitle(f"{figure.get_suptitle()} (variant '{variant}')")
            written += plots.save(figure, run_dir.inside(f"response_{metric}{suffix}"), svg=svg)
        if sensitivity is None:
            continue
        subset = sensitivity[(sensitivity["variant"] == variant)]
        if (subset["metric"] == metric).any():
            figure = plots.sensitivity_bars(subset, metric, labels=labels)
            written += plots.save(figure, run_dir.inside(f"sensitivity_{metric}{suffix}"), svg=svg)
    return written
