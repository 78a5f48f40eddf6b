"""`sim calibrate` as a library call: fit, then write the results directory and plots."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from sim.calibration.fit import Progress, run_fit
from sim.calibration.outputs import write_outputs
from sim.calibration.plots import write_plots
from sim.calibration.spec import Calibration
from sim.experiments.executors import Execution


@dataclass(frozen=True)
class CalibrationReport:
    """What a finished calibration hands back to the CLI."""

    directory: Path
    fitted: dict[str, Any]
    fit: pd.DataFrame
    seconds: float


def calibrate(
    cal: Calibration,
    directory: Path,
    execution: Execution | None = None,
    *,
    resume: bool = False,
    progress: Progress | None = None,
    command: str = "",
    plots: bool = True,
) -> CalibrationReport:
    """Run (or continue) the fit in ``directory`` and write every output.

    Raises:
        ResultsError: If the directory holds another calibration, or --resume finds none.
    """
    began = time.perf_counter()
    history = run_fit(cal, directory, execution or Execution(), resume=resume, progress=progress)
    seconds = time.perf_counter() - began
    fitted = write_outputs(cal, history, directory, seconds, command)
    if plots:
        write_plots(cal, directory, fitted)
    return CalibrationReport(directory, fitted, pd.read_csv(directory / "fit.csv"), seconds)
