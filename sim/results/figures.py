"""Every plot of a results directory: the one place that decides which figures it gets.

``write_plots`` is the one place that decides which figures a directory gets,
so ``sim run``, ``sim sweep`` and ``sim plot DIR`` draw the same ones from the
stored tables (``sim.results.plots`` only lays them out):

- runs: a fan chart of each headline monthly series per variant (``<series>.png``);
- runs and sweeps with variants: a forest plot of paired differences from the
  baseline (``comparison.png``);
- sweeps: response curves of each metric against each parameter
  (``response_<metric>.png``) and, for LHS and Sobol designs, sensitivity bars
  (``sensitivity_<metric>.png``); with variants, one of each per variant
  (``..._<metric>__<variant>.png``).

Units and labels come from the registry of measures (``sim.results.measures``) and
the scenario schema (each parameter's unit). Every figure is saved as PNG, and as
SVG when asked (``svg=True``).
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


def headline_metrics(metrics: list[str]) -> list[str]:
    """Headline outcomes with a better direction (the policy targets), in registry order."""
    chosen = [m for m in measures.headline(metrics) if measures.better(m) != "neither"]
    return chosen or metrics


def _parameter_names(run_dir: RunDirectory) -> tuple[dict[str, str], dict[str, str]]:
    """Units and readable labels of every scenario input, by dotted path."""
    try:
        scenario = Scenario.model_validate(run_dir.document("scenario.yaml"))
    except (ResultsError, ValueError):
        return {}, {}  # a directory of another model version: plot without parameter units
    rows = parameter_table(scenario)
    labels = {r.path: " ".join(r.path.split(".")[-2:]).replace("_", " ") for r in rows}
    return {r.path: r.unit for r in rows}, labels


def write_plots(directory: Path, everything: bool = False, *, svg: bool = False) -> list[Path]:
    """Draw every plot that applies to a results directory; return the files written.

    The directory may have been damaged or written by someone else: a table that is
    missing, truncated or lacks a column, or a manifest without an entry, is reported as
    such, and no file is written outside the directory. With ``everything``, also
    ``comparison_all.png``, the forest plot of every outcome.

    Raises:
        ResultsError: If the directory or a table it needs is missing or damaged.
    """
    run_dir = RunDirectory(directory)
    manifest = run_dir.manifest()
    try:
        return _write_plots(run_dir, manifest, everything, svg)
    except (KeyError, TypeError, IndexError) as err:
        raise ResultsError(
            f"{run_dir.path}: incomplete or damaged results (no {err} where expected); "
            "rebuild it by running again with --resume"
        ) from None


def _write_plots(
    run_dir: RunDirectory, manifest: dict[str, Any], everything: bool, svg: bool
) -> list[Path]:
    kind = manifest.get("kind", "run")
    written: list[Path] = []
    if kind == "run":
        written += _fan_charts(run_dir, svg)
        written += _council_ranking(run_dir, svg)
    comparison_file = run_dir.path / "comparison.csv"
    if comparison_file.exists():
        comparison = read_table(comparison_file)
        baseline, n = comparison["baseline"].iloc[0], int(comparison["n"].max())
        pairs = "point and replication over the whole design" if kind == "sweep" else "replication"
        title = f"Each variant minus baseline '{baseline}', paired by {pairs}, n = {n}, 95% CI"
        written += _forest(run_dir, comparison, title, everything, svg)
    if kind == "sweep":
        written += _sweep_plots(run_dir, manifest, svg)
    return written


def _forest(
    run_dir: RunDirectory, comparison: pd.DataFrame, title: str, everything: bool, svg: bool
) -> list[Path]:
    """The headline forest plot (``comparison``), and every outcome's on request."""
    metrics = headline_metrics(list(dict.fromkeys(comparison["metric"])))
    count = comparison["variant"].nunique() * len(metrics)
    holm = any("holm" in c.lower() for c in comparison.columns)
    note = f"Up to {count} intervals, each at 95%: about 1 in 20 could exclude zero by chance" + (
        " (Holm-adjusted p-values in comparison.csv)." if holm else "; none is adjusted."
    )
    figure = charts.headline_forest(comparison, metrics, title=title, note=note)
    written = plots.save(figure, run_dir.inside("comparison"), svg=svg)
    if everything:
        every = list(dict.fromkeys(comparison["metric"]))
        figure = plots.forest_plot(comparison, metrics=every, units=measures.units(), title=title)
        written += plots.save(figure, run_dir.inside("comparison_all"), svg=svg)
    return written


def _council_ranking(run_dir: RunDirectory, svg: bool) -> list[Path]:
    """The ranked chart of councils (``councils.png``) from ``councils.csv``, if written."""
    file = run_dir.path / "councils.csv"
    if not file.exists():
        return []
    summary = measures.without_units(read_table(file))
    baseline = str(run_dir.document("scenario.yaml")["run"].get("baseline", "baseline"))
    variant = baseline if (summary["variant"] == baseline).any() else summary["variant"].iloc[0]
    return plots.save(charts.council_ranking(summary, variant), run_dir.inside("councils"), svg=svg)


def _fan_charts(run_dir: RunDirectory, svg: bool) -> list[Path]:
    """A fan chart per headline monthly series the run has (``measures.FAN_SERIES``), none
    all zero. With more than three variants, each variant gets its own panel over the
    baseline's bands (overlaid bands of many variants merge into one), every series drawn
    in turn into the same panels."""
    monthly = run_dir.table("monthly")
    units, labels = measures.units("series"), measures.labels("series")
    baseline = str(run_dir.document("scenario.yaml")["run"].get("baseline", "baseline"))
    several = monthly["variant"].nunique() >= charts.SMALL_MULTIPLES_FROM
    names = [n for n in measures.FAN_SERIES if n in monthly.columns and monthly[n].fillna(0).any()]
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


def _sweep_plots(run_dir: RunDirectory, manifest: dict[str, Any], svg: bool) -> list[Path]:
    """Response curves and sensitivity bars of each metric (per variant when crossed)."""
    points = read_table(run_dir.path / "points.parquet")
    parameters, metrics = list(manifest["parameters"]), list(manifest["metrics"])
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
        for metric in metrics:
            if not rows[f"{metric}_mean"].notna().any():
                continue
            figure = plots.response_curves(
                rows, parameters, metric, units=units, labels=labels, log_x=log_x
            )
            if len(variants) > 1:
                figure.suptitle(f"{figure.get_suptitle()} (variant '{variant}')")
            written += plots.save(figure, run_dir.inside(f"response_{metric}{suffix}"), svg=svg)
        if sensitivity is None:
            continue
        for metric in metrics:
            subset = sensitivity[(sensitivity["variant"] == variant)]
            if (subset["metric"] == metric).any():
                figure = plots.sensitivity_bars(subset, metric, labels=labels)
                path = run_dir.inside(f"sensitivity_{metric}{suffix}")
                written += plots.save(figure, path, svg=svg)
    return written
