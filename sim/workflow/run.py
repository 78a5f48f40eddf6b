"""`sim run` as a library call: plan, execute, store, summarise, plot.

The CLI parses arguments, calls ``run_scenario`` with a progress receiver, and
renders what it returns. Every finished replication is on disk before the
next is counted, so an interrupted run loses nothing that was finished, and
running again into the same directory runs only what is missing: the
replications of an interrupted run, or the extra ones of ``--replications M``.
"""

from __future__ import annotations

import dataclasses
import platform
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from sim import __version__
from sim.experiments.execution import Execution, ProgressReceiver, ScenarioOf
from sim.experiments.executors import Executor
from sim.experiments.tasks import Task, fingerprint, plan
from sim.provenance import code_hash, package_versions
from sim.results import analysis, figures
from sim.results.directory import RunDirectory
from sim.results.economics import cost_effectiveness, programme_value
from sim.results.explain import write_council_summary
from sim.results.lock import locked
from sim.results.measures import with_units
from sim.results.report import write_report
from sim.results.tableio import write_table
from sim.scenario.councils import CouncilTable, load_councils
from sim.scenario.schema import ResolvedScenario, Scenario
from sim.scenario.timeline import resolve, variant_scenarios
from sim.workflow.posterior import ParticleDraws
from sim.workflow.precision import PrecisionOutcome, PrecisionTarget, check

RunTo = Callable[[int], tuple[list[Task], int]]  # run to N replications: (tasks, how many ran)


@dataclass(frozen=True)
class RunReport:
    """What a finished run hands back to its caller."""

    directory: Path
    summary: pd.DataFrame
    comparison: pd.DataFrame | None
    seconds: float
    replications: int
    variants: list[str]
    tasks_run: int = 0
    precision: PrecisionOutcome | None = None
    derived: pd.DataFrame | None = None  # cross-variant figures (cost per child-year)
    damaged: tuple[str, ...] = ()  # stored parts that failed their check and were run again


class Silent:
    """A progress receiver that ignores everything."""

    def start(self, done: int, total: int) -> None:
        """Ignore the start."""

    def advance(self, step: int) -> None:
        """Ignore a step."""


def manifest(kind: str, name: str, seed: int, command: str, execution: Execution) -> dict:
    """Provenance of a run or sweep: enough to reproduce it."""
    return {
        "kind": kind,
        "model_version": __version__,
        "code_hash": code_hash(),
        "scenario": name,
        "seed": seed,
        "command": command,
        "executor": execution.executor,
        "scheduler": execution.scheduler,
        "workers": execution.workers,
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "started": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "packages": package_versions(),
    }


def scenario_identity(scenario: Scenario) -> dict[str, Any]:
    """The resolved scenario without the inputs a continued run may change (name, count)."""
    data = scenario.model_dump(mode="json")
    data["run"] = {k: v for k, v in data["run"].items() if k not in ("name", "replications")}
    return data


def fill(
    run_dir: RunDirectory,
    tasks: Sequence[Task],
    scenario_of: ScenarioOf,
    table: CouncilTable,
    executor: Executor,
    progress: ProgressReceiver,
    damaged: list[str] | None = None,
) -> int:
    """Run the tasks whose parts are not stored (or fail their check), storing each as it ends.

    Args:
        damaged: Receives a description of each stored part that failed its check (by
            variant, point and replication); those tasks are run again.

    Returns:
        How many tasks ran.
    """
    done, found = run_dir.sound(tasks)
    if damaged is not None:
        damaged.extend(found)
    todo = [t for t in tasks if t.key not in done]
    progress.start(len(tasks) - len(todo), len(tasks))
    for outputs in executor.run(todo, scenario_of, table):
        for output in outputs:
            run_dir.write_part(output)
        progress.advance(len(outputs))
    return len(todo)


def run_scenario(
    scenario: Scenario,
    directory: Path,
    *,
    execution: Execution | None = None,
    command: str = "",
    progress: ProgressReceiver | None = None,
    precision: PrecisionTarget | None = None,
    plots: bool = True,
    svg: bool = False,
) -> RunReport:
    """Run every variant's replications into ``directory``; write tables and plots.

    An existing directory of the same scenario is continued: stored replications are
    checked and reused and only missing or damaged ones run. With ``precision``,
    replications are added in batches until the target is met or the cap reached
    (``sim.workflow.precision``). The directory is locked for the run
    (``sim.results.lock``).

    Raises:
        ResultsError: If ``directory`` holds results of another scenario or version, or
            another run holds it.
    """
    with locked(RunDirectory(directory), command):
        return _run_scenario(
            scenario,
            directory,
            execution=execution,
            command=command,
            progress=progress,
            precision=precision,
            plots=plots,
            svg=svg,
        )


@dataclass(frozen=True)
class Variants:
    """A scenario's variants, each fingerprinted and resolved once (not per replication).

    The fingerprints go into the task keys, so that a continued run reuses only parts of
    the same inputs; the resolved scenarios (timeline states computed) go to the model.
    """

    scenarios: dict[str, Scenario]
    fingerprints: dict[str, str]
    resolved: dict[str, ResolvedScenario]

    @classmethod
    def of(cls, scenarios: dict[str, Scenario]) -> Variants:
        """Fingerprint and resolve each of ``scenarios`` (variant name -> scenario)."""
        prints = {name: fingerprint(s) for name, s in scenarios.items()}
        return cls(scenarios, prints, {name: resolve(s) for name, s in scenarios.items()})

    def plan(self, replications: range, seed: int, names: Iterable[str] = ()) -> list[Task]:
        """The tasks of ``replications`` of ``names`` (default: every variant), in plan order."""
        variants = list(names) or list(self.scenarios)
        return plan(variants, replications, seed, fingerprints=self.fingerprints)

    def scenario_of(self, task: Task) -> ResolvedScenario:
        """The resolved scenario of the task's variant."""
        return self.resolved[task.variant]


@dataclass(frozen=True)
class _Work:
    """A run's tasks and their scenarios: each variant's, or with posterior draws each
    replication's particle applied to it (then a task's fingerprint is its particle's)."""

    variants: Variants
    draws: ParticleDraws | None
    seed: int

    def tasks(self, count: int) -> list[Task]:
        """The first ``count`` replications of every variant."""
        tasks = self.variants.plan(range(count), self.seed)
        return tasks if self.draws is None else self.draws.tasks(tasks, self.drawn)

    def drawn(self, task: Task) -> Scenario:
        """The task's variant with its replication's particle (posterior draws only)."""
        assert self.draws is not None
        return self.draws.scenario(self.variants.scenarios[task.variant], task.replication)

    def scenario_of(self, task: Task) -> ResolvedScenario:
        """The resolved scenario a task runs."""
        if self.draws is None:
            return self.variants.scenario_of(task)
        return resolve(self.drawn(task))


@dataclass(frozen=True)
class _Ran:
    """What the executor did: the tasks of the final count, how many ran now, the
    precision outcome (with --precision) and the damaged parts that were run again."""

    tasks: list[Task]
    ran: int
    outcome: PrecisionOutcome | None
    damaged: list[str]


def _run_scenario(
    scenario: Scenario,
    directory: Path,
    *,
    execution: Execution | None = None,
    command: str = "",
    progress: ProgressReceiver | None = None,
    precision: PrecisionTarget | None = None,
    plots: bool = True,
    svg: bool = False,
) -> RunReport:
    """The body of ``run_scenario``, with the directory locked."""
    began, execution = time.perf_counter(), execution or Execution()
    variants = Variants.of(variant_scenarios(scenario))
    run_dir = RunDirectory(directory)
    info = manifest("run", scenario.name, scenario.run.seed, command, execution)
    run_dir.prepare(_identity(scenario, execution), {}, info)  # scenario.yaml: at the end
    table = load_councils()
    work = _Work(variants, ParticleDraws.of(scenario), scenario.run.seed)
    if work.draws is not None:  # one scenario per replication: one task per unit of work
        execution = dataclasses.replace(execution, chunk=1)
    with Executor(execution) as executor:  # one pool for every batch of the run, and the plots
        ran = _execute(run_dir, work, table, executor, precision, scenario, progress or Silent())
        return _conclude(run_dir, scenario, work, ran, began, executor, plots=plots, svg=svg)


def _execute(
    run_dir: RunDirectory,
    work: _Work,
    table: CouncilTable,
    executor: Executor,
    precision: PrecisionTarget | None,
    scenario: Scenario,
    receiver: ProgressReceiver,
) -> _Ran:
    """Run the scenario's count of replications, or batches until ``precision`` is met."""
    damaged: list[str] = []

    def run_to(count: int) -> tuple[list[Task], int]:
        tasks = work.tasks(count)
        return tasks, fill(run_dir, tasks, work.scenario_of, table, executor, receiver, damaged)

    if precision is None:
        return _Ran(*run_to(scenario.run.replications), None, damaged)
    return _Ran(*_to_precision(run_dir, run_to, precision, scenario.run.baseline), damaged)


def _conclude(
    run_dir: RunDirectory,
    scenario: Scenario,
    work: _Work,
    ran: _Ran,
    began: float,
    executor: Executor,
    *,
    plots: bool,
    svg: bool,
) -> RunReport:
    """Store the count and the particles, write the tables, plots and report; report back."""
    names = list(work.variants.scenarios)
    count = len(ran.tasks) // len(names)
    _store_count(run_dir, scenario, count)
    if work.draws is not None:
        work.draws.write(run_dir.path, count)
    summary, comparison, derived = _finish(
        run_dir, ran.tasks, scenario.run.baseline, len(names) > 1
    )
    counts = {"tasks": len(ran.tasks), "tasks_run": ran.ran}
    extra = {"precision": ran.outcome.reason} if ran.outcome else {}
    seconds = close_directory(
        run_dir, began, {**counts, **extra}, plots=plots, svg=svg, executor=executor
    )
    return RunReport(
        run_dir.path, summary, comparison, seconds, count, names, ran.ran, ran.outcome, derived,
        tuple(ran.damaged),
    )  # fmt: skip


def close_directory(
    run_dir: RunDirectory,
    began: float,
    counts: dict[str, Any],
    *,
    plots: bool,
    svg: bool,
    executor: Executor,
) -> float:
    """The last steps of a run or sweep: the plots, timings.json, then the report (which
    embeds the plots and reads the timings).

    The plots are drawn on the run's pool when it has one (``executor``), in parallel:
    the fan charts in as many jobs as it has workers; else in this process, one after
    another (``Executor.map``). The same files either way (``sim.results.figures``).

    Args:
        began: ``time.perf_counter()`` at the start.
        counts: Written into timings.json after ``seconds`` (tasks, tasks run, ...).
        executor: The run's executor, still open (it is closed after the plots).

    Returns:
        The seconds since ``began``, measured before the report is written.
    """
    if plots:
        jobs = figures.plan(run_dir.path, svg=svg, parts=executor.pool_workers)
        executor.map(figures.draw, jobs)
    seconds = time.perf_counter() - began
    run_dir.write_timings({"seconds": round(seconds, 3), **counts})
    write_report(run_dir.path)
    return seconds


def _identity(scenario: Scenario, execution: Execution) -> dict[str, Any]:
    """What must match to continue a run directory (the replication count may change)."""
    return {
        "kind": "run",
        "model_version": __version__,
        "code_hash": code_hash(),
        "trace": execution.trace,
        "scenario": scenario_identity(scenario),
    }


def _store_count(run_dir: RunDirectory, scenario: Scenario, count: int) -> None:
    """Write scenario.yaml with the replications the combined tables hold."""
    stored = scenario.model_dump(mode="json")
    stored["run"]["replications"] = count
    run_dir.write_document("scenario.yaml", stored)


def _to_precision(
    run_dir: RunDirectory, run_to: RunTo, target: PrecisionTarget, baseline: str
) -> tuple[list[Task], int, PrecisionOutcome]:
    """Run batches of replications until ``target`` is met or its cap is reached."""
    ran_total, batches = 0, target.batches()
    for number, count in enumerate(batches):
        tasks, ran = run_to(count)
        ran_total += ran
        replications = run_dir.read_parts(tasks, "replication")
        outcome = check(target, replications, baseline, count, number == len(batches) - 1)
        if outcome is not None:
            return tasks, ran_total, outcome
    raise AssertionError("the last batch always stops")  # pragma: no cover


def _finish(
    run_dir: RunDirectory, tasks: list[Task], baseline: str, has_variants: bool
) -> tuple[pd.DataFrame, pd.DataFrame | None, pd.DataFrame | None]:
    """Combine the parts; write the summary, the comparison and the programmes' value."""
    run_dir.combine(tasks)
    replications = run_dir.table("replications")
    summary = analysis.summarise(replications)
    write_table(with_units(summary), run_dir.path / "summary.csv")
    write_council_summary(run_dir.path)
    comparison = None
    if has_variants:
        comparison = analysis.compare(replications, baseline)
        write_table(with_units(comparison), run_dir.path / "comparison.csv")
        value = cost_effectiveness(replications, baseline)
        if not value.empty:
            write_table(with_units(value), run_dir.path / "cost_effectiveness.csv")
    derived = programme_value(replications) if has_variants else None
    if derived is not None and not derived.empty:
        write_table(with_units(derived), run_dir.path / "derived.csv")
    else:
        derived = None
    return summary, comparison, derived
