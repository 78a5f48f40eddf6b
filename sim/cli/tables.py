"""The command line's tables: rich renderables built from results (printed by ``sim.cli``).

Outcomes and paired differences show the headline outcomes (every one with
``everything``) as 'mean ± half-width' of the symmetric 95% t interval, in compact
digits; ratios show their (asymmetric) interval in brackets; a missing interval
(fewer than two replications) shows the mean alone.
"""

from __future__ import annotations

import math

import pandas as pd
from rich.table import Table

from sim.results import measures
from sim.results.compare import DirectoryComparison
from sim.workflow.run import RunReport


def compact(value: float) -> str:
    """A number in at most about six characters: 722.4k, 16.7M, 38.4, 0.138."""
    if math.isnan(value):
        return "-"
    size = abs(value)
    for limit, suffix in ((1e9, "G"), (1e6, "M"), (1e4, "k")):
        if size >= limit:
            return f"{value / limit:.1f}{suffix}" if suffix != "k" else f"{value / 1e3:.1f}k"
    return f"{value:.0f}" if size >= 1000 else f"{value:.1f}" if size >= 10 else f"{value:.3g}"


def estimate(mean: float, low: float, high: float) -> str:
    """'mean ± half-width' of a symmetric 95% interval, or the mean alone when there is none."""
    if math.isnan(low) or math.isnan(high):
        return compact(mean)
    return f"{compact(mean)} ± {compact((high - low) / 2)}"


def interval(mean: float, low: float, high: float) -> str:
    """'mean [low, high]', for intervals that need not be symmetric (Fieller's for ratios)."""
    if math.isnan(low) or math.isnan(high):
        return compact(mean)
    return f"{compact(mean)} [{compact(low)}, {compact(high)}]"


def difference(metric: str, mean: float, low: float, high: float) -> str:
    """A paired difference, green when its interval shows the variant better, red when worse."""
    text = estimate(mean, low, high)
    direction = measures.better(metric)
    if direction == "neither" or math.isnan(low):
        return text
    lower, higher = high < 0, low > 0
    if not (lower or higher):
        return text
    good = lower if direction == "lower" else higher
    return f"[green]{text}[/]" if good else f"[red]{text}[/]"


def shown(metrics: list[str], everything: bool) -> list[str]:
    """Every metric, or the headline ones in their registry order."""
    return metrics if everything else measures.headline(metrics)


def by_metric_and_variant(
    frame: pd.DataFrame, columns: tuple[str, str, str]
) -> dict[tuple[str, str], tuple[float, float, float]]:
    """(metric, variant) -> the three numbers of a summary, comparison or derived row."""
    return {
        (str(row["metric"]), str(row["variant"])): (
            float(row[columns[0]]),
            float(row[columns[1]]),
            float(row[columns[2]]),
        )
        for row in frame.to_dict("records")
    }


def outcomes(report: RunReport, everything: bool = False) -> Table:
    """Each outcome's mean ± 95% CI half-width, one column per variant."""
    table = Table(title=f"Outcomes: mean ± 95% CI half-width, {report.replications} replications")
    table.add_column("outcome", no_wrap=True)
    table.add_column("unit")
    for variant in report.variants:
        table.add_column(variant, justify="right")
    values = by_metric_and_variant(report.summary, ("mean", "ci_low", "ci_high"))
    for metric in shown(list(dict.fromkeys(report.summary["metric"])), everything):
        cells = [estimate(*values[(metric, v)]) for v in report.variants]
        table.add_row(metric, measures.unit(metric), *cells)
    return table


def comparison(frame: pd.DataFrame, everything: bool = False) -> Table:
    """Paired differences from the baseline, one column per variant, coloured by direction."""
    variants = list(dict.fromkeys(frame["variant"]))
    baseline = frame["baseline"].iloc[0]
    table = Table(
        title=f"Variant minus baseline '{baseline}', paired by replication: mean ± 95% CI "
        "(green: better, red: worse)"
    )
    table.add_column("outcome", no_wrap=True)
    for variant in variants:
        table.add_column(variant, justify="right")
    values = by_metric_and_variant(frame, ("mean_diff", "ci_low", "ci_high"))
    for metric in shown(list(dict.fromkeys(frame["metric"])), everything):
        table.add_row(metric, *(difference(metric, *values[(metric, v)]) for v in variants))
    return table


def derived(frame: pd.DataFrame) -> Table:
    """What the graduate programmes bought against the variant without them."""
    variants = list(dict.fromkeys(frame["variant"]))
    reference = frame["reference"].iloc[0]
    table = Table(title=f"Graduate programmes against '{reference}': paired mean [95% CI]")
    table.add_column("figure", no_wrap=True)
    table.add_column("unit")
    for variant in variants:
        table.add_column(variant, justify="right")
    values = by_metric_and_variant(frame, ("mean", "ci_low", "ci_high"))
    for metric in dict.fromkeys(frame["metric"]):
        cells = [interval(*values[(metric, v)]) for v in variants]
        table.add_row(metric, measures.unit(metric), *cells)
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
            str(row["metric"]),
            str(row["variant"]),
            compact(a),
            compact(b),
            interval(diff, low, high),
        )
    return table
