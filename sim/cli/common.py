"""What every command shares: errors as messages, workers, results directories, progress.

The module level imports nothing heavier than typer and rich's console, so that
``sim --help`` starts at once (tests/test_startup.py): the library is imported
inside the functions that call it.
"""

from __future__ import annotations

import os
import shlex
import sys
import typing
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

import typer

from sim.cli.options import ExecutorName, RunOptions
from sim.cli.render import errors
from sim.errors import ResultsError, SimError, os_error_message
from sim.workflow.precision import DEFAULT_CAP, DEFAULT_METRIC, FIRST_BATCH, PrecisionTarget

if TYPE_CHECKING:
    from rich.progress import Progress, TaskID

    from sim.experiments.execution import Execution

T = TypeVar("T")


class Finished(Protocol):
    """What a finished run or sweep report tells `launch`: where its results are."""

    @property
    def directory(self) -> Path:
        """The results directory."""
        ...


R = TypeVar("R", bound=Finished)
R_co = TypeVar("R_co", bound=Finished, covariant=True)


class Work(Protocol[R_co]):
    """A run or sweep of a loaded scenario: ``run_scenario`` or ``run_sweep`` with it bound."""

    def __call__(
        self,
        directory: Path,
        *,
        execution: Execution,
        command: str,
        progress: Bar,
        plots: bool,
        svg: bool,
    ) -> R_co: ...


def guarded(action: Callable[[], T]) -> T:
    """Run a command body; print a SimError or an OS error as one message and exit 1.

    An OS error here is the user's disk or path (full, read-only, a name too long, a file
    where a directory was expected): it is named with its file and what to do.
    """
    try:
        return action()
    except SimError as err:
        fail(str(err))
    except OSError as err:
        fail(os_error_message(err))


def fail(message: str) -> typing.NoReturn:
    errors.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)
    raise typer.Exit(1)


def usable_workers(workers: int) -> int:
    """``workers`` capped at the cores this process may use (more only queue), saying so."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    usable = max(1, cores or 1)
    if workers > usable:
        errors.print(
            f"note: --workers {workers} capped at {usable}, the cores available", soft_wrap=True
        )
        return usable
    return workers


def precision_target(
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


def execution_for(
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
        workers = usable_workers(workers)
    return Execution(workers, "dask" if dask else "process", scheduler, chunk, trace)


def directory_for(out: Path | None, resume: bool, name: str) -> Path:
    """Where results go: --out, the latest directory of this name (--resume), or a new one."""
    from sim.results.naming import default_directory, latest_directory

    if not resume:
        return out or default_directory(Path("results"), name)
    if out is None:
        return latest_directory(Path("results"), name)
    if not (out / "manifest.json").exists():
        raise ResultsError(f"{out}: no results to resume; run without --resume to start it")
    return out


class Bar:
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


def with_progress(directory: Path, description: str, body: Callable[[Bar], T]) -> T:
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
        with Progress(*columns, console=errors, transient=False) as bar:
            return guarded(lambda: body(Bar(bar, description)))
    except KeyboardInterrupt:
        errors.print(
            f"interrupted: finished replications are kept in {directory}/parts; "
            f"continue with --out {directory}",
            soft_wrap=True,
        )
        raise typer.Exit(130) from None


def overrides_for(settings: list[str] | None, given: Mapping[str, Any]) -> dict[str, Any]:
    """The --set overrides, then the options given by name (``given``, None where not given),
    which win over a --set of the same path."""
    from sim.scenario.settings import parse_settings

    overrides: dict[str, Any] = guarded(lambda: parse_settings(settings))
    overrides.update({path: value for path, value in given.items() if value is not None})
    return overrides


def launch(options: RunOptions, name: str, xlsx: bool, work: Work[R]) -> R:
    """Run ``work`` under a progress bar with the executor and directory ``options`` ask for.

    The steps `sim run` and `sim sweep` share, in the order their errors are reported:
    the executor, the results directory, the run itself, then ``results.xlsx`` (--xlsx).
    """
    from sim.results.workbook import write_workbook

    o = options
    execution = guarded(lambda: execution_for(o.workers, o.executor, o.scheduler, o.chunk, o.trace))
    directory = guarded(lambda: directory_for(o.out, o.resume, name))
    command = shlex.join(["sim", *sys.argv[1:]])
    report = with_progress(
        directory,
        f"{name}: replications",
        lambda bar: work(
            directory, execution=execution, command=command, progress=bar, plots=o.plots, svg=o.svg
        ),
    )
    if xlsx:
        errors.print(f"written: {guarded(lambda: write_workbook(report.directory))}")
    return report
