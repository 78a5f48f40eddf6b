"""The body of `sim calibrate`: load the spec, run the fit with progress, render the result.

The typer signature lives with the other commands (``sim.cli.app``); this module keeps
the calibration's rendering and its directory choice out of it.
"""

from __future__ import annotations

import shlex
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import typer
from rich.console import Console

from sim.calibration.fit import FitState
from sim.calibration.run import calibrate
from sim.calibration.spec import load_spec
from sim.cli import tables
from sim.errors import ResultsError
from sim.experiments.executors import Execution
from sim.results.naming import default_directory

T = TypeVar("T")
Guard = Callable[[Callable[[], Any]], Any]


def latest_calibration(name: str) -> Path:
    """The latest calibration directory of this name (for --resume without --out)."""
    found = sorted(Path("results", name).glob("*/calibration.json"))
    if not found:
        raise ResultsError(f"results/{name}: no calibration to resume; give --out DIR")
    return found[-1].parent


def run_calibrate(
    spec: Path,
    overrides: dict[str, Any],
    execution: Callable[[], Execution],
    out: Path | None,
    resume: bool,
    plots: bool,
    guarded: Guard,
    console: Console,
    errors: Console,
) -> None:
    """Load, fit (printing each generation), then print the fit and the fitted values."""
    loaded = guarded(lambda: load_spec(spec, overrides))
    chosen = guarded(execution)
    if resume and out is None:
        directory = guarded(lambda: latest_calibration(loaded.name))
    else:
        directory = out or default_directory(Path("results"), loaded.name)
    command = shlex.join(["sim", *sys.argv[1:]])

    def show(state: FitState) -> None:
        errors.print(
            f"generation {state.generation}: temperature {state.epsilon:.4g}, "
            f"acceptance {state.acceptance_rate:.2f}, {state.evaluations} evaluations "
            f"x {loaded.spec.replications} replications, {state.seconds:.0f} s",
            highlight=False,
        )

    try:
        report = guarded(
            lambda: calibrate(loaded, directory, chosen, resume=resume, progress=show,
                              command=command, plots=plots)
        )
    except KeyboardInterrupt:
        errors.print(f"interrupted: finished generations are kept; continue with "
                     f"--resume --out {directory}", soft_wrap=True)
        raise typer.Exit(130) from None
    console.print(tables.fit(report.fit))
    console.print(tables.fitted(report.fitted))
    console.print(f"results: {report.directory}  ({report.seconds:.1f} s)", soft_wrap=True)
