"""What the commands print: results as rich tables (or text for tools), one console each.

``sim.cli.app`` parses and calls the library; these functions render what it
returned, on stdout (``console``) or, for messages around machine-readable
output, on stderr (``errors``). The library and pandas are imported inside the
functions, so that importing this module (as ``sim --help`` does) stays cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.console import Console

from sim.cli.options import OutputFormat

if TYPE_CHECKING:
    from sim.workflow.run import RunReport
    from sim.workflow.sweep import SweepReport

console = Console()
errors = Console(stderr=True)


def render_damaged(damaged: tuple[str, ...]) -> None:
    """Say which stored parts failed their check and were run again."""
    for item in damaged:
        errors.print(f"damaged part redone: {item}", soft_wrap=True, highlight=False)


def render_report(
    report: RunReport, everything: bool = False, form: OutputFormat = OutputFormat.table
) -> None:
    """Print the outcome tables (or CSV, JSON, markdown) and where the results are."""
    from sim.cli import tables
    from sim.results import long
    from sim.results.multiplicity import family_note
    from sim.results.report import REPORT_FILE

    render_damaged(report.damaged)
    if form is not OutputFormat.table:
        rows = long.outcome_rows(report.summary, report.comparison)
        if not everything:
            rows = rows[rows["metric"].isin(tables.shown(list(rows["metric"]), False))]
        console.out(long.write(rows, form.value), highlight=False)  # type: ignore[arg-type]
        errors.print(f"results: {report.directory}", soft_wrap=True)
        return
    console.print(tables.outcomes_heading(report), soft_wrap=True)
    for table in tables.outcome_tables(report.summary, report.comparison, everything):
        console.print(table)
    if report.comparison is not None:
        console.print(family_note(report.comparison), highlight=False)
    for table in tables.derived(report.derived) if report.derived is not None else []:
        console.print(table)
    if not everything:
        console.print("(headline outcomes; --all-metrics shows every one; all are in the files)")
    if report.precision is not None:
        console.print(
            f"precision: stopped after {report.replications} replications per variant "
            f"({report.tasks_run} run now): {report.precision.reason}",
            soft_wrap=True,
        )
    console.print(f"results: {report.directory}  ({report.seconds:.1f} s)", soft_wrap=True)
    console.print(f"report: {report.directory / REPORT_FILE}", soft_wrap=True)


def render_sweep(report: SweepReport) -> None:
    """Print the sensitivity indices (if any), the work done and where the results are."""
    from sim.cli import tables
    from sim.results.sensitivity import noise_warnings

    render_damaged(report.damaged)
    if report.sensitivity is not None:
        for table in tables.sensitivity(report.sensitivity):
            console.print(table)
        for line in noise_warnings(report.sensitivity):
            console.print(f"[bold yellow]warning:[/] {line}", soft_wrap=True)
    reused = report.tasks - report.tasks_run
    console.print(
        f"ran {report.tasks_run} replications ({reused} already stored) in "
        f"{report.seconds:.1f} s\nresults: {report.directory}",
        soft_wrap=True,
    )
