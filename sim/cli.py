"""The `sim` command: parse, call one library function, render.

Errors the user can act on (``SimError``) are printed as one located message
and exit with status 1, never a traceback.
"""

from __future__ import annotations

import math
import shlex
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import pandas as pd
import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from sim.analysis import DERIVED_UNITS
from sim.errors import SimError
from sim.model.recorder import HEADLINE, OUTCOMES
from sim.params import parameter_table
from sim.results import default_directory
from sim.runs import RunReport, run_scenario
from sim.scenario import Scenario, default_scenario_path
from sim.timeline import load_scenario

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Simulate England's regime for failing children's services.",
)
console = Console()
errors = Console(stderr=True)
T = TypeVar("T")

ScenarioArg = Annotated[Path, typer.Argument(help="Scenario YAML file", show_default=True)]
Replications = Annotated[int | None, typer.Option(help="Replications per variant", min=1)]
Seed = Annotated[int | None, typer.Option(help="Root seed (overrides run.seed)", min=0)]
Workers = Annotated[int, typer.Option(help="Worker processes (same numbers for any count)", min=1)]
OutDir = Annotated[
    Path | None,
    typer.Option("--out", help="Results directory [default: results/<scenario>/<timestamp>]"),
]
Trace = Annotated[bool, typer.Option(help="Also store the full event log (events.parquet)")]
AllMetrics = Annotated[bool, typer.Option(help="Print every outcome, not only the headline ones")]


def guarded(action: Callable[[], T]) -> T:
    """Run a command body; print a SimError as one message and exit 1."""
    try:
        return action()
    except SimError as err:
        errors.print(f"[bold red]error:[/] {err}", highlight=False, soft_wrap=True)
        raise typer.Exit(1) from None


@app.command()
def run(
    scenario: ScenarioArg = default_scenario_path(),
    replications: Replications = None,
    seed: Seed = None,
    workers: Workers = 1,
    out: OutDir = None,
    trace: Trace = False,
    all_metrics: AllMetrics = False,
) -> None:
    """Run a scenario's variants and replications; write a results directory."""
    overrides: dict[str, Any] = {}
    if replications is not None:
        overrides["run.replications"] = replications
    if seed is not None:
        overrides["run.seed"] = seed
    loaded = guarded(lambda: load_scenario(scenario, overrides))
    directory = out or default_directory(Path("results"), loaded.name)
    command = shlex.join(["sim", *sys.argv[1:]])
    try:
        report = guarded(lambda: _run_with_progress(loaded, directory, workers, trace, command))
    except KeyboardInterrupt:
        errors.print(f"interrupted: finished replications are kept in {directory}/parts")
        raise typer.Exit(130) from None
    render_report(report, all_metrics)


def _run_with_progress(
    scenario: Scenario, directory: Path, workers: int, trace: bool, command: str
) -> RunReport:
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("ETA"),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=errors, transient=False) as bar:
        task = bar.add_task(f"{scenario.name}: replications", total=None)

        def advance(step: int, total: int) -> None:
            bar.update(task, advance=step, total=total)

        return run_scenario(
            scenario, directory, workers=workers, trace=trace, command=command, progress=advance
        )


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
    outcome = OUTCOMES.get(metric)
    if outcome is None or outcome.better == "neither" or math.isnan(low):
        return text
    lower, higher = high < 0, low > 0
    if not (lower or higher):
        return text
    good = lower if outcome.better == "lower" else higher
    return f"[green]{text}[/]" if good else f"[red]{text}[/]"


def shown_metrics(metrics: list[str], everything: bool) -> list[str]:
    return metrics if everything else [m for m in HEADLINE if m in metrics]


def by_metric_and_variant(
    frame: pd.DataFrame, columns: tuple[str, str, str]
) -> dict[tuple[str, str], tuple[float, float, float]]:
    """(metric, variant) -> the three numbers of a summary or comparison row."""
    return {
        (str(row["metric"]), str(row["variant"])): (
            float(row[columns[0]]),
            float(row[columns[1]]),
            float(row[columns[2]]),
        )
        for row in frame.to_dict("records")
    }


def render_report(report: RunReport, everything: bool = False) -> None:
    """Print the outcome table, the comparison (if any) and where the results are."""
    table = Table(title=f"Outcomes: mean ± 95% CI half-width, {report.replications} replications")
    table.add_column("outcome", no_wrap=True)
    table.add_column("unit")
    for variant in report.variants:
        table.add_column(variant, justify="right")
    values = by_metric_and_variant(report.summary, ("mean", "ci_low", "ci_high"))
    for metric in shown_metrics(list(dict.fromkeys(report.summary["metric"])), everything):
        cells = [estimate(*values[(metric, v)]) for v in report.variants]
        table.add_row(metric, _unit(metric), *cells)
    console.print(table)
    if report.comparison is not None:
        render_comparison(report.comparison, everything)
    if report.derived is not None:
        render_derived(report.derived)
    if not everything:
        console.print("(headline outcomes; --all-metrics shows every one; all are in the files)")
    console.print(f"results: {report.directory}  ({report.seconds:.1f} s)", soft_wrap=True)


def render_comparison(comparison: pd.DataFrame, everything: bool = False) -> None:
    """Paired differences from the baseline, one column per variant."""
    variants = list(dict.fromkeys(comparison["variant"]))
    baseline = comparison["baseline"].iloc[0]
    table = Table(
        title=f"Variant minus baseline '{baseline}', paired by replication: mean ± 95% CI "
        "(green: better, red: worse)"
    )
    table.add_column("outcome", no_wrap=True)
    for variant in variants:
        table.add_column(variant, justify="right")
    values = by_metric_and_variant(comparison, ("mean_diff", "ci_low", "ci_high"))
    for metric in shown_metrics(list(dict.fromkeys(comparison["metric"])), everything):
        table.add_row(metric, *(difference(metric, *values[(metric, v)]) for v in variants))
    console.print(table)


def render_derived(derived: pd.DataFrame) -> None:
    """What the graduate programmes bought against the variant without them."""
    variants = list(dict.fromkeys(derived["variant"]))
    reference = derived["reference"].iloc[0]
    table = Table(title=f"Graduate programmes against '{reference}': paired mean [95% CI]")
    table.add_column("figure", no_wrap=True)
    table.add_column("unit")
    for variant in variants:
        table.add_column(variant, justify="right")
    values = by_metric_and_variant(derived, ("mean", "ci_low", "ci_high"))
    for metric in dict.fromkeys(derived["metric"]):
        unit = DERIVED_UNITS.get(metric, "")
        table.add_row(metric, unit, *(interval(*values[(metric, v)]) for v in variants))
    console.print(table)


def _unit(metric: str) -> str:
    outcome = OUTCOMES.get(metric)
    return outcome.unit if outcome else ""


@app.command()
def validate(scenario: ScenarioArg) -> None:
    """Check a scenario file (schema, variants, timeline) without running it."""
    loaded = guarded(lambda: load_scenario(scenario))
    console.print(
        f"{scenario}: valid ({len(loaded.variants)} variants, "
        f"{len(loaded.timeline)} timeline entries)",
        soft_wrap=True,
    )


@app.command()
def params(scenario: ScenarioArg = default_scenario_path()) -> None:
    """List every input with its value, unit, kind (fact, assumption, lever) and source."""
    loaded = guarded(lambda: load_scenario(scenario))
    table = Table(title=f"Parameters of {loaded.name}")
    for column in ("path", "value", "unit", "kind", "source or reason"):
        table.add_column(column, overflow="fold")
    for row in parameter_table(loaded):
        table.add_row(row.path, str(row.value), row.unit, row.kind, row.note or row.description)
    console.print(table)


def main() -> None:
    """Console-script entry point."""
    app()
