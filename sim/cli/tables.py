"""The command line's tables: rich renderables built from results (printed by ``sim.cli``).

Every table is long: one per outcome, with variants as rows, so it reads the same
at 80 columns as at 200 (a wide table with a column per variant cannot). Numbers
are compact (722.4k, 16.7M) and never wrap; intervals show as '[low, high]', and a
missing interval (fewer than two replications) as nothing. Paired differences are
green when their interval shows the variant better, red when worse.
"""

from __future__ import annotations

import math

import pandas as pd
from rich import box
from rich.table import Table

from sim.results import long, measures
from sim.results.compare import DirectoryComparison
from sim.results.narrative import verdict
from sim.workflow.run import RunReport


def compact(value: float) -> str:
    """A number in at most about six characters: 722.4k, 16.7M, 38.4, 0.138."""
    if math.isnan(value):
        return "-"
    size = abs(value)
    for limit, suffix in ((1e9, "G"), (1e6, "M"), (1e4, "k")):
        if size >= limit:
            return f"{value / limit:.1f}{suffix}" if suffix != "k" else f"{value / 1e3:.1f}k"
    if 0 < size < 1e-3:
        return f"{value:.1e}"
    return f"{value:.0f}" if size >= 1000 else f"{value:.1f}" if size >= 10 else f"{value:.3g}"


def shown(metrics: list[str], everything: bool) -> list[str]:
    """Every metric, or the headline ones in their registry order."""
    return metrics if everything else measures.headline(metrics)


FIRST_COLUMN_MAX = 24  # variant names longer than this fold; numbers never do


def _narrow(title: str, columns: list[str], names: list[str] | None = None) -> Table:
    """A table that fits 80 columns: the first column (as wide as its longest name, up to
    ``FIRST_COLUMN_MAX``) folds, numbers never wrap."""
    width = min(max((len(n) for n in names or [columns[0]]), default=8), FIRST_COLUMN_MAX)
    table = Table(title=title, box=box.SIMPLE_HEAD, title_justify="left")
    table.add_column(columns[0], overflow="fold", min_width=width)
    for column in columns[1:]:
        table.add_column(column, justify="right", no_wrap=True)
    return table


def bracket(low: float, high: float) -> str:
    """'[low, high]' of an interval, or '' when there is none."""
    if math.isnan(low) or math.isnan(high):
        return ""
    return f"[{compact(low)}, {compact(high)}]"


def _coloured(text: str, metric: str, low: float, high: float) -> str:
    found = verdict(metric, low, high)
    return (
        f"[green]{text}[/]"
        if found == "better"
        else f"[red]{text}[/]"
        if found == "worse"
        else text
    )


def _title(metric: str) -> str:
    """'metric (unit; lower is better)' from the registry of measures."""
    unit, better = measures.unit(metric), measures.better(metric)
    if not unit:
        return metric
    return f"{metric} ({unit}{'' if better == 'neither' else f'; {better} is better'})"


def outcome_tables(
    summary: pd.DataFrame, comparison: pd.DataFrame | None, everything: bool = False
) -> list[Table]:
    """One table per outcome, variants as rows: mean [95% CI] and the paired difference."""
    rows = long.outcome_rows(summary, comparison)
    paired = comparison is not None and not comparison.empty
    columns = ["variant", "mean\n[95% CI]", *(["change\n[95% CI]"] if paired else [])]
    names = [str(v) for v in dict.fromkeys(rows["variant"])]
    tables = []
    for metric in shown(list(dict.fromkeys(rows["metric"])), everything):
        table = _narrow(_title(metric), columns, names)
        for row in rows[rows["metric"] == metric].to_dict("records"):
            mean = compact(row["mean"])
            cells = [str(row["variant"]), f"{mean}\n{bracket(row['ci_low'], row['ci_high'])}"]
            if paired and not math.isnan(row["diff"]):
                low, high = row["diff_low"], row["diff_high"]
                text = f"{compact(row['diff'])}\n{bracket(low, high)}"
                cells.append(_coloured(text, metric, low, high))
            table.add_row(*cells)
        tables.append(table)
    return tables


def outcomes_heading(report: RunReport) -> str:
    """What the outcome tables show, printed once above them."""
    text = f"Outcomes: mean [95% CI] over {report.replications} replications"
    if report.comparison is not None:
        baseline = report.comparison["baseline"].iloc[0]
        text += (
            f"; change: each variant minus baseline '{baseline}', paired by replication "
            "(green: better, red: worse)"
        )
    return text


def derived(frame: pd.DataFrame) -> list[Table]:
    """What the graduate programmes bought against the variant without them: one table each."""
    reference = frame["reference"].iloc[0]
    tables = []
    for metric, rows in frame.groupby("metric", sort=False):
        unit = measures.unit(str(metric))
        title = f"Graduate programmes against '{reference}': {metric} ({unit})"
        names = list(map(str, rows["variant"]))
        table = _narrow(title, ["variant", "paired mean\n[95% CI]"], names)
        for row in rows.to_dict("records"):
            text = f"{compact(row['mean'])}\n{bracket(row['ci_low'], row['ci_high'])}"
            table.add_row(str(row["variant"]), text)
        tables.append(table)
    return tables


def sensitivity(frame: pd.DataFrame) -> list[Table]:
    """One table per variant and metric: Sobol' S1 and ST with 95% CI half-widths, or
    SRC and PRCC with p-values."""
    several = frame["variant"].nunique() > 1
    found = []
    for (variant, metric), rows in frame.groupby(["variant", "metric"], sort=False):
        sobol = "ST" in rows.columns
        what = f"{metric}, {variant}" if several else str(metric)
        table = Table(title=f"Sensitivity of {what} (per-point means)")
        table.add_column("parameter", overflow="fold")
        for column in ("S1 ± 95%", "ST ± 95%") if sobol else ("SRC", "PRCC (p)"):
            table.add_column(column, justify="right")
        for row in rows.to_dict("records"):
            cells = (
                (f"{row['S1']:.2f} ±{row['S1_conf']:.2f}", f"{row['ST']:.2f} ±{row['ST_conf']:.2f}")
                if sobol
                else (f"{row['src']:.2f}", f"{row['prcc']:.2f} ({row['prcc_p']:.3f})")
            )
            table.add_row(str(row["parameter"]), *cells)
        found.append(table)
    return found


def directories(result: DirectoryComparison, first: str, second: str) -> list[Table]:
    """B minus A, one table per outcome with variants as rows, with the means of both."""
    how = "paired by replication (same seeds)" if result.paired else "Welch t interval"
    tables = []
    for metric, rows in result.table.groupby("metric", sort=False):
        title = f"{_title(str(metric))}: {second} minus {first}, {how}"
        columns = ["variant", "A", "B", "B - A\n[95% CI]"]
        table = _narrow(title, columns, list(map(str, rows["variant"])))
        for row in rows.to_dict("records"):
            low, high = float(row["ci_low"]), float(row["ci_high"])
            text = f"{compact(float(row['mean_diff']))}\n{bracket(low, high)}"
            table.add_row(
                str(row["variant"]),
                compact(float(row["mean_a"])),
                compact(float(row["mean_b"])),
                _coloured(text, str(metric), low, high),
            )
        tables.append(table)
    return tables


def parameter_sections(rows: pd.DataFrame, name: str) -> list[Table]:
    """One table per section of inputs: name in the section, value, unit, kind, source."""
    tables = []
    for section, members in rows.groupby("section", sort=False):
        table = Table(
            title=f"{name}: {section} ({len(members)})",
            box=box.SIMPLE_HEAD,
            title_justify="left",
            pad_edge=False,
            expand=True,
        )
        table.add_column("input, then its source or reason", overflow="fold", ratio=3)
        table.add_column("value", overflow="fold", ratio=1)
        table.add_column("kind", no_wrap=True)
        for row in members.to_dict("records"):
            inner = str(row["path"])[len(str(section)) :].lstrip(".") or str(row["path"])
            unit = "" if row["unit"] in ("", "text", "choice", "on/off") else f" {row['unit']}"
            text = f"[bold]{inner}[/]\n[dim]{row['source']}[/]" if row["source"] else inner
            calibrate = row.get("calibrate") and row["kind"] != "fitted"
            kind = f"{row['kind']} (calibrate)" if calibrate else str(row["kind"])
            table.add_row(text, f"{row['value']}{unit}", kind)
        tables.append(table)
    return tables


def fit(frame: pd.DataFrame) -> Table:
    """The calibration's fit: observed against simulated mean and 90% band, per target."""
    inside = int(frame["inside"].sum())
    table = Table(title=f"Fit: {inside} of {len(frame)} targets inside their 90% band")
    for column in ("target", "observed", "simulated (90% band)", "inside", "loss"):
        table.add_column(column, overflow="fold")
    for row in frame.to_dict("records"):
        band = bracket(float(row["band_low"]), float(row["band_high"]))
        table.add_row(
            str(row["target"]),
            compact(float(row["observed"])),
            f"{compact(float(row['simulated_mean']))} {band}",
            "yes" if row["inside"] else "no",
            compact(float(row["loss"])),
        )
    return table


def fitted(document: dict) -> Table:
    """The fitted values: posterior median and 90% interval of each parameter."""
    used = document["budget_used"]
    table = Table(
        title=f"Fitted ({used['generations']} generations, {used['model_runs']} model runs)"
    )
    for column in ("parameter", "value (90% interval)", "prior"):
        table.add_column(column, overflow="fold")
    for path, entry in document["parameters"].items():
        value = f"{compact(entry['value'])} {bracket(entry['low'], entry['high'])}"
        table.add_row(path, value, entry["prior"])
    return table
