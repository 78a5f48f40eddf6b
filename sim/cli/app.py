"""The `sim` command: parse, call one library function, render.

Errors the user can act on (``SimError``) are printed as one located message
and exit with status 1, never a traceback.
"""

from __future__ import annotations

import enum
import os
import shlex
import sys
import typing
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, TypeVar

import typer

from sim.errors import ResultsError, SimError, os_error_message
from sim.scenario.paths import default_scenario_path
from sim.workflow.precision import DEFAULT_CAP, DEFAULT_METRIC, FIRST_BATCH

if TYPE_CHECKING:  # the libraries behind each command load when it runs, not for --help
    from rich.console import Console
    from rich.progress import Progress, TaskID

    from sim.experiments.execution import Execution
    from sim.workflow.precision import PrecisionTarget
    from sim.workflow.run import RunReport
    from sim.workflow.sweep import SweepReport

MAX_SEED = 2**63 - 1  # sim.scenario.fields.MAX_SEED, here without loading pydantic for --help

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Simulate England's regime for failing children's services.",
)
T = TypeVar("T")


@cache
def _console(stderr: bool = False) -> Console:
    """The rich console for results (stdout) or messages (stderr), made on first use."""
    from rich.console import Console

    return Console(stderr=stderr)


def console() -> Console:
    return _console(False)


def errors() -> Console:
    return _console(True)


def available_cores() -> int:
    """Cores this process may run on (its CPU affinity), the default number of workers."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


ScenarioArg = Annotated[Path, typer.Argument(help="Scenario YAML file", show_default=True)]
Replications = Annotated[int | None, typer.Option(help="Replications per variant", min=1)]
Seed = Annotated[
    int | None, typer.Option(help="Root seed (overrides run.seed)", min=0, max=MAX_SEED)
]
Horizon = Annotated[
    float | None, typer.Option(help="Simulated months (overrides run.horizon_months)")
]
Workers = Annotated[
    int,
    typer.Option(
        help="Worker processes, or LocalCluster workers for Dask (default: the cores this "
        "process may use)",
        min=1,
        show_default=False,
    ),
]
OutDir = Annotated[
    Path | None,
    typer.Option(
        "--out",
        help="Results directory; an existing one of the same inputs is continued "
        "(default: results/<name>/<timestamp>)",
    ),
]
Trace = Annotated[bool, typer.Option(help="Also store the full event log (events.parquet)")]
Plots = Annotated[bool, typer.Option(help="Draw the plots (PNG); later: sim plot DIR")]
Svg = Annotated[bool, typer.Option(help="Also save every plot as SVG (doubles the plotting time)")]


class ExecutorName(enum.StrEnum):
    """Where tasks run (the numbers are the same either way)."""

    process = "process"
    dask = "dask"


ExecutorOpt = Annotated[
    ExecutorName | None,
    typer.Option(
        help="process: a local pool of --workers; dask: a Dask distributed cluster "
        "(default: process, or dask with --scheduler)"
    ),
]
Scheduler = Annotated[
    str | None,
    typer.Option(
        help="Dask scheduler address, e.g. tcp://host:8786 (implies --executor dask); "
        "without it, --executor dask starts a LocalCluster of --workers"
    ),
]
Chunk = Annotated[
    int | None,
    typer.Option(min=1, help="Replications per task sent to a worker (default: from the load)"),
]
Resume = Annotated[
    bool,
    typer.Option(help="Continue the latest results directory of this name (or --out)"),
]
Metrics = Annotated[
    list[str] | None,
    typer.Option("--metric", help=f"Outcome to reach the precision on (default: {DEFAULT_METRIC})"),
]


def guarded(action: Callable[[], T]) -> T:
    """Run a command body; print a SimError or an OS error as one message and exit 1.

    An OS error here is the user's disk or path (full, read-only, a name too long, a file
    where a directory was expected): it is named with its file and what to do.
    """
    try:
        return action()
    except SimError as err:
        _fail(str(err))
    except OSError as err:
        _fail(os_error_message(err))


def _fail(message: str) -> typing.NoReturn:
    errors().print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)
    raise typer.Exit(1)


def _usable_workers(workers: int) -> int:
    """``workers`` capped at the cores this process may use (more only queue), saying so."""
    usable = available_cores()
    if workers > usable:
        errors().print(
            f"note: --workers {workers} capped at {usable}, the cores available", soft_wrap=True
        )
        return usable
    return workers


@app.command()
def run(
    scenario: ScenarioArg = default_scenario_path(),
    replications: Replications = None,
    seed: Seed = None,
    horizon: Horizon = None,
    workers: Workers = available_cores(),
    executor: ExecutorOpt = None,
    scheduler: Scheduler = None,
    chunk: Chunk = None,
    out: OutDir = None,
    resume: Resume = False,
    trace: Trace = False,
    plots: Plots = True,
    svg: Svg = False,
    precision: Annotated[
        float | None,
        typer.Option(
            help="Add replications until each --metric's 95% CI half-width is within this "
            "fraction of its mean (of the paired difference when there are variants)"
        ),
    ] = None,
    metric: Metrics = None,
    max_replications: Annotated[
        int | None,
        typer.Option(help=f"Cap for --precision (default: {DEFAULT_CAP})", min=2),
    ] = None,
    all_metrics: Annotated[
        bool, typer.Option(help="Print every outcome, not only the headline ones")
    ] = False,
) -> None:
    """Run a scenario's variants and replications; write a results directory."""
    from sim.scenario.loading import load_scenario
    from sim.workflow.run import run_scenario

    settings = {"run.seed": seed, "run.horizon_months": horizon}
    if precision is None:
        settings["run.replications"] = replications
    overrides = {path: value for path, value in settings.items() if value is not None}
    loaded = guarded(lambda: load_scenario(scenario, overrides))
    target = guarded(lambda: _target(precision, metric, max_replications, replications))
    execution = guarded(lambda: _execution(workers, executor, scheduler, chunk, trace))
    directory = guarded(lambda: _directory(out, resume, loaded.name))
    command = shlex.join(["sim", *sys.argv[1:]])
    report = _with_progress(
        directory,
        f"{loaded.name}: replications",
        lambda bar: run_scenario(
            loaded,
            directory,
            execution=execution,
            command=command,
            progress=bar,
            precision=target,
            plots=plots,
            svg=svg,
        ),
    )
    render_report(report, all_metrics)


def _target(
    precision: float | None, metrics: list[str] | None, cap: int | None, first: int | None
) -> PrecisionTarget | None:
    """The precision target of `sim run`, or None (then --metric and the cap make no sense)."""
    from sim.workflow.precision import PrecisionTarget

    if precision is None:
        if metrics or cap is not None:
            raise SimError("--metric and --max-replications apply only with --precision")
        return None
    return PrecisionTarget(
        precision,
        tuple(metrics or (DEFAULT_METRIC,)),
        DEFAULT_CAP if cap is None else cap,
        FIRST_BATCH if first is None else first,
    )


def _execution(
    workers: int,
    executor: ExecutorName | None,
    scheduler: str | None,
    chunk: int | None,
    trace: bool,
) -> Execution:
    """Executor settings; a scheduler address means Dask."""
    from sim.experiments.execution import Execution

    if scheduler is not None and executor is ExecutorName.process:
        raise SimError("--scheduler is a Dask address; use it with --executor dask")
    dask = executor is ExecutorName.dask or scheduler is not None
    if scheduler is None:  # local processes: more than the cores only queue
        workers = _usable_workers(workers)
    return Execution(workers, "dask" if dask else "process", scheduler, chunk, trace)


def _directory(out: Path | None, resume: bool, name: str) -> Path:
    """Where results go: --out, the latest directory of this name (--resume), or a new one."""
    from sim.results.directory import default_directory, latest_directory

    if not resume:
        return out or default_directory(Path("results"), name)
    if out is None:
        return latest_directory(Path("results"), name)
    if not (out / "manifest.json").exists():
        raise ResultsError(f"{out}: no results to resume; run without --resume to start it")
    return out


class _Bar:
    """Adapts a rich progress bar to the library's progress receiver (done/total, ETA)."""

    def __init__(self, bar: Progress, description: str) -> None:
        self.bar, self.description = bar, description
        self.task: TaskID | None = None

    def start(self, done: int, total: int) -> None:
        # a fresh task, so replications found on disk do not count towards the speed (ETA)
        if self.task is None:
            self.task = self.bar.add_task(self.description, total=total, completed=done)
        else:
            self.bar.reset(self.task, total=total, completed=done)

    def advance(self, step: int) -> None:
        if self.task is not None:
            self.bar.update(self.task, advance=step)


def _with_progress(directory: Path, description: str, body: Callable[[_Bar], T]) -> T:
    """Run ``body`` under a progress bar; a SimError or Ctrl-C becomes a message and an exit."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )

    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("ETA"),
        TimeRemainingColumn(),
    )
    try:
        with Progress(*columns, console=errors(), transient=False) as bar:
            return guarded(lambda: body(_Bar(bar, description)))
    except KeyboardInterrupt:
        errors().print(
            f"interrupted: finished replications are kept in {directory}/parts; "
            f"continue with --out {directory}",
            soft_wrap=True,
        )
        raise typer.Exit(130) from None


def render_damaged(damaged: tuple[str, ...]) -> None:
    """Say which stored parts failed their check and were run again."""
    for item in damaged:
        errors().print(f"damaged part redone: {item}", soft_wrap=True, highlight=False)


def render_report(report: RunReport, everything: bool = False) -> None:
    """Print the outcome table, the comparison (if any) and where the results are."""
    from sim.cli import tables

    render_damaged(report.damaged)
    console().print(tables.outcomes(report, everything))
    if report.comparison is not None:
        console().print(tables.comparison(report.comparison, everything))
    if report.derived is not None:
        console().print(tables.derived(report.derived))
    if not everything:
        console().print("(headline outcomes; --all-metrics shows every one; all are in the files)")
    if report.precision is not None:
        console().print(
            f"precision: stopped after {report.replications} replications per variant "
            f"({report.tasks_run} run now): {report.precision.reason}",
            soft_wrap=True,
        )
    console().print(f"results: {report.directory}  ({report.seconds:.1f} s)", soft_wrap=True)


@app.command()
def validate(scenario: ScenarioArg) -> None:
    """Check a scenario file (schema, variants, timeline) without running it."""
    from sim.scenario.loading import load_scenario

    loaded = guarded(lambda: load_scenario(scenario))
    console().print(
        f"{scenario}: valid ({len(loaded.variants)} variants, "
        f"{len(loaded.timeline)} timeline entries)",
        soft_wrap=True,
    )


@app.command()
def params(scenario: ScenarioArg = default_scenario_path()) -> None:
    """List every input with its value, unit, kind (fact, assumption, lever) and source.

    Assumptions that calibration may fit are marked "(calibrate)".
    """
    from rich.table import Table

    from sim.scenario.fields import parameter_table
    from sim.scenario.loading import load_scenario

    loaded = guarded(lambda: load_scenario(scenario))
    table = Table(title=f"Parameters of {loaded.name}")
    for column in ("path", "value", "unit", "kind", "source or reason"):
        table.add_column(column, overflow="fold")
    for row in parameter_table(loaded):
        kind = f"{row.kind} (calibrate)" if row.calibrate else row.kind
        table.add_row(row.path, str(row.value), row.unit, kind, row.note or row.description)
    console().print(table)


@app.command()
def sweep(
    sweep_file: Annotated[Path, typer.Argument(help="Sweep YAML file")],
    workers: Workers = available_cores(),
    executor: ExecutorOpt = None,
    scheduler: Scheduler = None,
    chunk: Chunk = None,
    out: OutDir = None,
    resume: Resume = False,
    trace: Trace = False,
    plots: Plots = True,
    svg: Svg = False,
    check: Annotated[bool, typer.Option(help="Only check the sweep; run nothing")] = False,
) -> None:
    """Run a parameter sweep (grid, LHS or Sobol): points, sensitivity, plots."""
    from sim.experiments.sweep_file import load_sweep
    from sim.workflow.sweep import run_sweep

    loaded = guarded(lambda: load_sweep(sweep_file))
    size = len(loaded.points) * loaded.spec.replications * len(loaded.variants)
    shape = (
        f"{len(loaded.points)} points x {loaded.spec.replications} replications x "
        f"{len(loaded.variants)} variants = {size} replications"
    )
    if check:
        console().print(f"{sweep_file}: valid ({shape})", soft_wrap=True)
        return
    execution = guarded(lambda: _execution(workers, executor, scheduler, chunk, trace))
    directory = guarded(lambda: _directory(out, resume, loaded.name))
    command = shlex.join(["sim", *sys.argv[1:]])
    report = _with_progress(
        directory,
        f"{loaded.name}: replications",
        lambda bar: run_sweep(
            loaded,
            directory,
            execution=execution,
            command=command,
            progress=bar,
            plots=plots,
            svg=svg,
        ),
    )
    console().print(f"sweep {report.name}: {shape}", soft_wrap=True)
    render_sweep(report)


def render_sweep(report: SweepReport) -> None:
    """Print the sensitivity indices (if any), the work done and where the results are."""
    from sim.cli import tables

    render_damaged(report.damaged)
    if report.sensitivity is not None:
        for table in tables.sensitivity(report.sensitivity):
            console().print(table)
    reused = report.tasks - report.tasks_run
    console().print(
        f"ran {report.tasks_run} replications ({reused} already stored) in "
        f"{report.seconds:.1f} s\nresults: {report.directory}",
        soft_wrap=True,
    )


@app.command()
def plot(
    directory: Annotated[Path, typer.Argument(help="Results directory")], svg: Svg = False
) -> None:
    """Draw every plot of a run or sweep results directory again."""
    from sim.results.figures import write_plots

    files = guarded(lambda: write_plots(directory, svg=svg))
    names = sorted({f.stem for f in files})
    console().print(
        f"{directory}: {len(files)} files ({', '.join(names)}; "
        f"{'.png and .svg' if svg else '.png'})",
        soft_wrap=True,
    )


@app.command()
def compare(
    first: Annotated[Path, typer.Argument(help="Results directory A (the reference)")],
    second: Annotated[Path, typer.Argument(help="Results directory B")],
    out: Annotated[
        Path | None, typer.Option("--out", help="Where to write compare.csv/.png (default: B)")
    ] = None,
    metric: Annotated[
        list[str] | None, typer.Option("--metric", help="Outcomes to compare (default: all)")
    ] = None,
    svg: Svg = False,
    force: Annotated[
        bool, typer.Option(help="Compare even when more than the variants' inputs differ")
    ] = False,
) -> None:
    """Compare two results directories of one model version: B minus A, per variant."""
    from sim.cli import tables
    from sim.results.compare import compare_directories

    result = guarded(
        lambda: compare_directories(first, second, out, metric, svg=svg, force=force)
    )
    for difference in result.differences:
        errors().print(f"inputs differ: {difference}", soft_wrap=True, highlight=False)
    console().print(tables.directories(result, first.name, second.name))
    console().print(f"written: {', '.join(str(f) for f in result.files)}", soft_wrap=True)


def main() -> None:
    """Console-script entry point."""
    app()
