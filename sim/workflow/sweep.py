"""`sim sweep` as a library call: run a checked sweep into a results directory.

Tasks are (variant, point, replication); units of several replications go to
the executor and each replication is stored as it finishes, keyed by a hash of
its resolved inputs, so an interrupted sweep resumes where it stopped and
re-running into the same directory runs only what is missing. Tables are
streamed from the stored parts; nothing held in memory grows with the number
of points except one row per task (ids and outcomes).

Besides the run tables, a sweep writes ``design.csv`` (its points, before
running), ``points.parquet`` (per variant and point: parameters, n, mean and
95% CI of every outcome), ``sensitivity.csv`` (LHS and Sobol designs) and
``comparison.csv`` (with variants: paired by point and replication).

With the base scenario's ``run.parameter_uncertainty: posterior``, replication r of
every variant and every point runs with the same posterior particle
(``sim.workflow.posterior``; the swept paths keep the point's values), recorded in
``particles.csv``, so differences between variants and points stay paired.
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from sim import __version__
from sim.experiments.execution import Execution, ProgressReceiver, ScenarioOf
from sim.experiments.executors import Executor
from sim.experiments.sweep_file import Sweep
from sim.experiments.tasks import Task
from sim.provenance import code_hash
from sim.results import analysis
from sim.results import sensitivity as indices
from sim.results.directory import RunDirectory
from sim.results.lock import locked
from sim.results.measures import parameter_units, with_units
from sim.results.tableio import write_table
from sim.scenario.councils import load_councils
from sim.scenario.schema import Scenario
from sim.scenario.timeline import resolve
from sim.workflow.posterior import ParticleDraws
from sim.workflow.run import Silent, close_directory, fill, manifest, scenario_identity


@dataclass(frozen=True)
class SweepReport:
    """What a finished sweep hands back to its caller."""

    directory: Path
    name: str
    points: pd.DataFrame
    sensitivity: pd.DataFrame | None
    comparison: pd.DataFrame | None
    seconds: float
    tasks: int
    tasks_run: int
    damaged: tuple[str, ...] = ()  # stored parts that failed their check and were run again


def sweep_identity(sweep: Sweep, execution: Execution) -> dict[str, Any]:
    """What must match to continue a sweep directory (replications and metrics may change)."""
    spec = sweep.spec.model_dump(mode="json", exclude={"name", "replications", "metrics"})
    spec.pop("scenario")  # the file's location does not matter, its content does
    return {
        "kind": "sweep",
        "model_version": __version__,
        "code_hash": code_hash(),
        "trace": execution.trace,
        "scenario": scenario_identity(sweep.base),
        "sweep": spec,
    }


def _sweep_manifest(sweep: Sweep, command: str, execution: Execution) -> dict[str, Any]:
    info = manifest("sweep", sweep.name, sweep.base.run.seed, command, execution)
    return {
        **info,
        "base_scenario": sweep.base.name,
        "parameters": [p.path for p in sweep.parameters],
        "metrics": list(sweep.spec.metrics),
        "design": sweep.spec.design.model_dump(mode="json"),
        "points": len(sweep.points),
        "replications": sweep.spec.replications,
        "variants": list(sweep.variants),
        "baseline": sweep.base.run.baseline,
    }


def run_sweep(
    sweep: Sweep,
    directory: Path,
    *,
    execution: Execution | None = None,
    command: str = "",
    progress: ProgressReceiver | None = None,
    plots: bool = True,
    svg: bool = False,
) -> SweepReport:
    """Run every (variant, point, replication) not yet soundly stored; analyse; plot.

    The directory is locked for the sweep (``sim.results.lock``).

    Raises:
        ResultsError: If ``directory`` holds results of another sweep or model version, or
            another run holds it.
    """
    with locked(RunDirectory(directory), command):
        return _run_sweep(
            sweep,
            directory,
            execution=execution,
            command=command,
            progress=progress,
            plots=plots,
            svg=svg,
        )


def _run_sweep(
    sweep: Sweep,
    directory: Path,
    *,
    execution: Execution | None = None,
    command: str = "",
    progress: ProgressReceiver | None = None,
    plots: bool = True,
    svg: bool = False,
) -> SweepReport:
    """The body of ``run_sweep``, with the directory locked."""
    began, execution = time.perf_counter(), execution or Execution()
    run_dir = RunDirectory(directory)
    info = _sweep_manifest(sweep, command, execution)
    run_dir.prepare(sweep_identity(sweep, execution), _documents(sweep), info)
    tasks, scenario_of, draws = _with_particles(sweep, sweep.tasks())
    if draws is not None:  # one scenario per replication: one task per unit of work
        execution = dataclasses.replace(execution, chunk=1)
    receiver, damaged = progress or Silent(), list[str]()
    with Executor(execution) as executor:  # the sweep's pool, for its tasks and its plots
        ran = fill(run_dir, tasks, scenario_of, load_councils(), executor, receiver, damaged)
        run_dir.combine(tasks, sweep.design_table())
        if draws is not None:
            draws.write(run_dir.path, sweep.spec.replications)
        points, sensitivity, comparison = _analyse(run_dir, sweep)
        counts = {"tasks": len(tasks), "tasks_run": ran}
        seconds = close_directory(run_dir, began, counts, plots=plots, svg=svg, executor=executor)
    return SweepReport(
        run_dir.path, sweep.name, points, sensitivity, comparison, seconds, len(tasks), ran,
        tuple(damaged),
    )  # fmt: skip


def _units(sweep: Sweep) -> dict[str, str]:
    """The unit of each swept parameter, from the base scenario's schema."""
    return parameter_units(sweep.base, [p.path for p in sweep.parameters])


def _documents(sweep: Sweep) -> dict[str, str | dict[str, Any]]:
    """What a sweep directory holds before it runs: its base scenario, the sweep, the design."""
    return {
        "scenario.yaml": sweep.base.model_dump(mode="json"),
        "sweep.yaml": sweep.spec.model_dump(mode="json"),
        "design.csv": with_units(sweep.design_table(), _units(sweep)).to_csv(index=False),
    }


def _with_particles(
    sweep: Sweep, tasks: list[Task]
) -> tuple[list[Task], ScenarioOf, ParticleDraws | None]:
    """The tasks and their scenarios, with each replication's posterior particle if the
    base scenario asks for parameter uncertainty (the swept paths keep the point's value)."""
    draws = ParticleDraws.of(sweep.base)
    if draws is None:
        return tasks, sweep.scenario_of, None
    swept = [p.path for p in sweep.parameters]

    def drawn(task: Task) -> Scenario:
        assert draws is not None
        return draws.scenario(sweep.scenario(task.variant, task.point), task.replication, swept)

    return draws.tasks(tasks, drawn), lambda t: resolve(drawn(t)), draws


def _analyse(
    run_dir: RunDirectory, sweep: Sweep
) -> tuple[pd.DataFrame, pd.DataFrame | None, pd.DataFrame | None]:
    """Write points.parquet, sensitivity.csv and comparison.csv (where they apply)."""
    design = sweep.design_table()
    replications = run_dir.table("replications")  # its rows carry their parameter values
    outcomes = replications.drop(columns=[c for c in design.columns if c != "point"])
    points = analysis.point_summary(outcomes, design)
    write_table(points, run_dir.path / "points.parquet")
    sensitivity = None
    method = sweep.spec.design.method
    if method != "grid":
        sensitivity = indices.sensitivity(
            outcomes,
            sweep.parameters,
            sweep.points,
            method,
            sweep.spec.metrics,
            sweep.spec.design.seed,
        )
        # indices are shares of variance or correlations: no unit (no with_units)
        write_table(sensitivity, run_dir.path / "sensitivity.csv")
    comparison = None
    if len(sweep.variants) > 1:
        comparison = analysis.compare(outcomes, sweep.base.run.baseline)
        write_table(with_units(comparison), run_dir.path / "comparison.csv")
    return points, sensitivity, comparison
