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
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from sim.cli import tables
from sim.errors import ResultsError, SimError, os_error_message
from sim.experiments.execution import Execution
from sim.experiments.sweep_file import load_sweep
from sim.results.compare import compare_directories
from sim.results.directory import default_directory, latest_directory
from sim.results.discovery import DEFAULT_DENSITY, describe
from sim.results.discovery import discover as find_bad_box
from sim.results.figures import write_plots
from sim.results.multiplicity import family_note
from sim.results.sensitivity import noise_warnings
from sim.scenario.fields import MAX_SEED, parameter_table
from sim.scenario.fitted import mark_fitted
from sim.scenario.loading import load_scenario
from sim.scenario.schema import default_scenario_path
from sim.workflow.precision import DEFAULT_CAP, DEFAULT_METRIC, FIRST_BATCH, PrecisionTarget
from sim.workflow.run import RunReport, run_scenario
from sim.workflow.select import (
    DEFAULT_INDIFFERENCE,
    SelectionGoal,
    select_variant,
    selection_sentence,
)
from sim.workflow.sweep import SweepReport, run_sweep

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
Seed = Annotated[
    int | None, typer.Option(help="Root seed (overrides run.seed)", min=0, max=MAX_SEED)
]
Horizon = Annotated[
    float | None, typer.Option(help="Simulated months (overrides run.horizon_months)")
]
Workers = Annotated[
    int, typer.Option(help="Worker processes, or LocalCluster workers for Dask", min=1)
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
Plots = Annotated[bool, typer.Option(help="Draw the plots (PNG and SVG); later: sim plot DIR")]


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
    errors.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)
    raise typer.Exit(1)


def _usable_workers(workers: int) -> int:
    """``workers`` capped at the cores this process may use (more only queue), saying so."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    usable = max(1, cores or 1)
    if workers > usable:
        errors.print(
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
    workers: Workers = 1,
    executor: ExecutorOpt = None,
    scheduler: Scheduler = None,
    chunk: Chunk = None,
    out: OutDir = None,
    resume: Resume = False,
    trace: Trace = False,
    plots: Plots = True,
    precision: Annotated[
        float | None,
        typer.Option(
            help="Add replications until each --metric's 95% CI half-width is within this "
            "fraction of its mean (of the paired difference when there are variants)"
        ),
    ] = None,
    metric: Metrics = None,
    absolute: Annotated[
        bool,
        typer.Option(
            help="--precision is a half-width in each --metric's own unit (e.g. 1000 "
            "child-years), not a fraction of its mean; for effects near zero"
        ),
    ] = False,
    max_replications: Annotated[
        int | None,
        typer.Option(help=f"Cap for --precision (default: {DEFAULT_CAP})", min=2),
    ] = None,
    all_metrics: Annotated[
        bool, typer.Option(help="Print every outcome, not only the headline ones")
    ] = False,
) -> None:
    """Run a scenario's variants and replications; write a results directory."""
    settings = {"run.seed": seed, "run.horizon_months": horizon}
    if precision is None:
        settings["run.replications"] = replications
    overrides = {path: value for path, value in settings.items() if value is not None}
    loaded = guarded(lambda: load_scenario(scenario, overrides))
    target = guarded(lambda: _target(precision, metric, max_replications, replications, absolute))
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
        ),
    )
    render_report(report, all_metrics)


def _target(
    precision: float | None,
    metrics: list[str] | None,
    cap: int | None,
    first: int | None,
    absolute: bool = False,
) -> PrecisionTarget | None:
    """The precision target of `sim run`, or None (then --metric and the cap make no sense)."""
    if precision is None:
        if metrics or cap is not None or absolute:
            raise SimError(
                "--metric, --absolute and --max-replications apply only with --precision"
            )
        return None
    return PrecisionTarget(
        precision,
        tuple(metrics or (DEFAULT_METRIC,)),
        DEFAULT_CAP if cap is None else cap,
        FIRST_BATCH if first is None else first,
        absolute,
    )


def _execution(
    workers: int,
    executor: ExecutorName | None,
    scheduler: str | None,
    chunk: int | None,
    trace: bool,
) -> Execution:
    """Executor settings; a scheduler address means Dask."""
    if scheduler is not None and executor is ExecutorName.process:
        raise SimError("--scheduler is a Dask address; use it with --executor dask")
    dask = executor is ExecutorName.dask or scheduler is not None
    if scheduler is None:  # local processes: more than the cores only queue
        workers = _usable_workers(workers)
    return Execution(workers, "dask" if dask else "process", scheduler, chunk, trace)


def _directory(out: Path | None, resume: bool, name: str) -> Path:
    """Where results go: --out, the latest directory of this name (--resume), or a new one."""
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
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("ETA"),
        TimeRemainingColumn(),
    )
    try:
        with Progress(*columns, console=errors, transient=False) as bar:
            return guarded(lambda: body(_Bar(bar, description)))
    except KeyboardInterrupt:
        errors.print(
            f"interrupted: finished replications are kept in {directory}/parts; "
            f"continue with --out {directory}",
            soft_wrap=True,
        )
        raise typer.Exit(130) from None


def render_damaged(damaged: tuple[str, ...]) -> None:
    """Say which stored parts failed their check and were run again."""
    for item in damaged:
        errors.print(f"damaged part redone: {item}", soft_wrap=True, highlight=False)


def render_report(report: RunReport, everything: bool = False) -> None:
    """Print the outcome table, the comparison (if any) and where the results are."""
    render_damaged(report.damaged)
    console.print(tables.outcomes(report, everything))
    if report.comparison is not None:
        console.print(tables.comparison(report.comparison, everything))
        console.print(family_note(report.comparison), soft_wrap=True)
    if report.derived is not None:
        console.print(tables.derived(report.derived))
    if not everything:
        console.print("(headline outcomes; --all-metrics shows every one; all are in the files)")
    if report.precision is not None:
        console.print(
            f"precision: stopped after {report.replications} replications per variant "
            f"({report.tasks_run} run now): {report.precision.reason}",
            soft_wrap=True,
        )
    console.print(f"results: {report.directory}  ({report.seconds:.1f} s)", soft_wrap=True)


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
    """List every input with its value, unit, kind (fact, assumption, fitted, lever), source.

    Assumptions that calibration may fit are marked "(calibrate)".
    """
    loaded = guarded(lambda: load_scenario(scenario))
    table = Table(title=f"Parameters of {loaded.name}")
    for column in ("path", "value", "unit", "kind", "source or reason"):
        table.add_column(column, overflow="fold")
    for row in mark_fitted(loaded, parameter_table(loaded)):
        kind = f"{row.kind} (calibrate)" if row.calibrate and row.kind != "fitted" else row.kind
        table.add_row(row.path, str(row.value), row.unit, kind, row.note or row.description)
    console.print(table)


@app.command()
def sweep(
    sweep_file: Annotated[Path, typer.Argument(help="Sweep YAML file")],
    workers: Workers = 1,
    executor: ExecutorOpt = None,
    scheduler: Scheduler = None,
    chunk: Chunk = None,
    out: OutDir = None,
    resume: Resume = False,
    trace: Trace = False,
    plots: Plots = True,
    check: Annotated[bool, typer.Option(help="Only check the sweep; run nothing")] = False,
) -> None:
    """Run a parameter sweep (grid, LHS or Sobol): points, sensitivity, plots."""
    loaded = guarded(lambda: load_sweep(sweep_file))
    size = len(loaded.points) * loaded.spec.replications * len(loaded.variants)
    shape = (
        f"{len(loaded.points)} points x {loaded.spec.replications} replications x "
        f"{len(loaded.variants)} variants = {size} replications"
    )
    if check:
        console.print(f"{sweep_file}: valid ({shape})", soft_wrap=True)
        return
    execution = guarded(lambda: _execution(workers, executor, scheduler, chunk, trace))
    directory = guarded(lambda: _directory(out, resume, loaded.name))
    command = shlex.join(["sim", *sys.argv[1:]])
    report = _with_progress(
        directory,
        f"{loaded.name}: replications",
        lambda bar: run_sweep(
            loaded, directory, execution=execution, command=command, progress=bar, plots=plots
        ),
    )
    console.print(f"sweep {report.name}: {shape}", soft_wrap=True)
    render_sweep(report)


def render_sweep(report: SweepReport) -> None:
    """Print the sensitivity indices (if any), the work done and where the results are."""
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


@app.command(name="select")
def select_best(
    scenario: ScenarioArg,
    metric: Annotated[str, typer.Option(help="Outcome to select the best variant by")],
    indifference: Annotated[
        float | None,
        typer.Option(
            help="Smallest difference worth finding, in the outcome's unit "
            f"(default: {DEFAULT_INDIFFERENCE:.0%} of the baseline's first-stage mean)"
        ),
    ] = None,
    pcs: Annotated[float, typer.Option(help="Probability of correct selection")] = 0.95,
    first_stage: Annotated[int, typer.Option(help="Replications of every variant first")] = 10,
    max_replications: Annotated[int, typer.Option(help="Cap per variant", min=2)] = 200,
    seed: Seed = None,
    workers: Workers = 1,
    out: OutDir = None,
    resume: Resume = False,
) -> None:
    """Select the best variant (KN++) with a guaranteed probability of correct selection."""
    overrides: dict[str, Any] = {} if seed is None else {"run.seed": seed}
    loaded = guarded(lambda: load_scenario(scenario, overrides))
    goal = guarded(
        lambda: SelectionGoal(metric, indifference, pcs, first_stage, max_replications, 2 * workers)
    )
    directory = guarded(lambda: _directory(out, resume, f"{loaded.name}-select"))
    command = shlex.join(["sim", *sys.argv[1:]])
    report = _with_progress(
        directory,
        f"{loaded.name}: selection",
        lambda bar: select_variant(
            loaded, directory, goal, execution=Execution(workers), command=command, progress=bar
        ),
    )
    console.print(_selection_table(report.table, metric))
    console.print(selection_sentence(report, metric), soft_wrap=True)
    console.print(f"results: {report.directory}  ({report.seconds:.1f} s)", soft_wrap=True)


def _selection_table(frame: Any, metric: str) -> Table:
    """Replications spent, mean and fate of each variant in a selection."""
    table = Table(title=f"Selection by {metric} (KN++)")
    columns = ("variant", "replications", "mean", "minus selected (paired)", "eliminated after")
    for column in columns:
        table.add_column(column, justify="left" if column == "variant" else "right")
    for row in frame.itertuples(index=False):
        fate = "selected" if row.selected else (
            "survived" if row.eliminated_at != row.eliminated_at else f"{int(row.eliminated_at)}"
        )
        cells = (f"{row.mean:,.1f}", f"{row.minus_selected:+,.1f}")
        table.add_row(str(row.variant), str(row.replications), *cells, fate)
    return table


@app.command()
def discover(
    directory: Annotated[Path, typer.Argument(help="Sweep results directory")],
    metric: Annotated[str, typer.Option(help="Outcome that is bad")],
    worse_than: Annotated[
        str,
        typer.Option(
            help="A value in the outcome's unit, or another variant of the sweep: a point is "
            "bad when its mean is worse (by the outcome's direction)"
        ),
    ],
    variant: Annotated[
        str | None, typer.Option(help="Variant judged (default: the sweep's baseline)")
    ] = None,
    min_density: Annotated[
        float,
        typer.Option(help="Report the widest box at least this dense (share of bad points)"),
    ] = DEFAULT_DENSITY,
) -> None:
    """Find where in a sweep's parameter space the outcome is bad (PRIM scenario discovery)."""
    found = guarded(lambda: find_bad_box(directory, metric, worse_than, variant, min_density))
    for line in describe(found):
        console.print(line, soft_wrap=True)
    console.print(f"written: {', '.join(str(f) for f in found.files)}", soft_wrap=True)


@app.command()
def plot(directory: Annotated[Path, typer.Argument(help="Results directory")]) -> None:
    """Draw every plot of a run or sweep results directory again (PNG and SVG)."""
    files = guarded(lambda: write_plots(directory))
    names = sorted({f.stem for f in files})
    console.print(
        f"{directory}: {len(files)} files ({', '.join(names)}; .png and .svg)", soft_wrap=True
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
    force: Annotated[
        bool, typer.Option(help="Compare even when more than the variants' inputs differ")
    ] = False,
) -> None:
    """Compare two results directories of one model version: B minus A, per variant."""
    result = guarded(lambda: compare_directories(first, second, out, metric, force))
    for difference in result.differences:
        errors.print(f"inputs differ: {difference}", soft_wrap=True, highlight=False)
    console.print(tables.directories(result, first.name, second.name))
    console.print(f"written: {', '.join(str(f) for f in result.files)}", soft_wrap=True)


@app.command()
def calibrate(
    spec: Annotated[Path, typer.Argument(help="Calibration spec YAML (calibration/spec.yaml)")],
    workers: Workers = 1,
    executor: ExecutorOpt = None,
    scheduler: Scheduler = None,
    out: OutDir = None,
    resume: Resume = False,
    population: Annotated[
        int | None, typer.Option(help="Particles per generation (overrides budget.population)")
    ] = None,
    generations: Annotated[
        int | None, typer.Option(help="Most generations (overrides budget.generations)")
    ] = None,
    budget: Annotated[
        int | None,
        typer.Option(help="Most parameter vectors evaluated (overrides budget.max_evaluations)"),
    ] = None,
    replications: Replications = None,
    plots: Plots = True,
) -> None:
    """Fit the spec's parameters to its targets (ABC-SMC); write the posterior and fitted.yaml."""
    from sim.cli.calibrate import run_calibrate  # lazy: plain runs do not import pyABC

    settings = {
        "budget.population": population,
        "budget.generations": generations,
        "budget.max_evaluations": budget,
        "replications": replications,
    }
    overrides = {k: v for k, v in settings.items() if v is not None}
    run_calibrate(
        spec, overrides, lambda: _execution(workers, executor, scheduler, None, False), out,
        resume, plots, guarded, console, errors,
    )


def main() -> None:
    """Console-script entry point."""
    app()
