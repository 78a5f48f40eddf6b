"""The command line's tables: rich renderables built from results (printed by ``sim.cli``).

Numbers are shown with readable digits and 95% confidence intervals in brackets;
a missing interval (fewer than two replications) shows the mean alone.
"""

from __future__ import annotations

import math

import pandas as pd
from rich.table import Table

from sim.model.recorder import OUTCOMES
from sim.report import DirectoryComparison
from sim.runs import RunReport


def number(value: float) -> str:
    """Readable digits: thousands separators for large values, 2 decimals for small ones."""
    size = abs(value)
    return f"{value:,.0f}" if size >= 1000 else f"{value:.1f}" if size >= 10 else f"{value:.2f}"


def cell(mean: float, low: float = math.nan, high: float = math.nan) -> str:
    """'mean [low, high]', or the mean alone, or '-' when there is none."""
    if math.isnan(mean):
        return "-"
    if math.isnan(low):
        return number(mean)
    return f"{number(mean)} [{number(low)}, {number(high)}]"


def unit(metric: str) -> str:
    outcome = OUTCOMES.get(metric)
    return outcome.unit if outcome else ""


def outcomes(report: RunReport) -> Table:
    """Each outcome's mean and 95% CI, one column per variant."""
    table = Table(title=f"Outcomes: mean [95% CI] over {report.replications} replications")
    table.add_column("outcome", no_wrap=True)
    table.add_column("unit")
    for variant in report.variants:
        table.add_column(variant, justify="right")
    summary = report.summary.set_index(["metric", "variant"])
    for metric in dict.fromkeys(report.summary["metric"]):
        row = [summary.loc[(metric, v)] for v in report.variants]
        table.add_row(
            metric, unit(metric), *(cell(r["mean"], r["ci_low"], r["ci_high"]) for r in row)
        )
    return table


def comparison(frame: pd.DataFrame) -> Table:
    """Paired differences from the baseline, one column per variant."""
    variants = list(dict.fromkeys(frame["variant"]))
    baseline = frame["baseline"].iloc[0]
    table = Table(title=f"Difference from baseline '{baseline}': paired mean [95% CI]")
    table.add_column("outcome", no_wrap=True)
    for variant in variants:
        table.add_column(variant, justify="right")
    indexed = frame.set_index(["metric", "variant"])
    for metric in dict.fromkeys(frame["metric"]):
        cells = [indexed.loc[(metric, v)] for v in variants]
        table.add_row(metric, *(cell(c["mean_diff"], c["ci_low"], c["ci_high"]) for c in cells))
    return table


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


def directories(result: DirectoryComparison, first: str, second: str) -> Table:
    """B minus A per outcome and variant, with the means of both."""
    how = "paired by replication (same seeds)" if result.paired else "Welch t interval"
    table = Table(title=f"{second} minus {first}: mean [95% CI], {how}")
    for column in ("outcome", "variant", "A", "B", "B - A"):
        table.add_column(column, justify="left" if column in ("outcome", "variant") else "right")
    for row in result.table.to_dict("records"):
        a, b, diff, low, high = (
            float(row[k]) for k in ("mean_a", "mean_b", "mean_diff", "ci_low", "ci_high")
        )
        table.add_row(
            str(row["metric"]), str(row["variant"]), cell(a), cell(b), cell(diff, low, high)
        )
    return table
