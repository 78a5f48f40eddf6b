"""`sim select` as a library call: the best variant with a stated probability of correct selection.

Replications are run in stages into a results directory, like `sim run`: every
variant gets ``first_stage`` replications, then only the variants KN++ has not
eliminated get more (``sim.results.selection``), a batch at a time, until one is
left or the cap is reached. Replications are tasks keyed like any run's, so an
interrupted selection continues where it stopped and re-running it into the same
directory runs nothing new, and the decisions are a replay of the stored
replications, so they do not depend on batch size or workers.

Writes ``selection.csv`` (per variant: replications run, mean, mean paired
difference from the selected variant over the replications both have, the stage it
was eliminated at, whether selected) besides the usual tables. A variant may
have a few more replications than the stage it was eliminated at: they were run
in the batch that eliminated it.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim import __version__
from sim.defaults import DEFAULT_INDIFFERENCE
from sim.errors import SimError
from sim.experiments.execution import Execution, ProgressReceiver
from sim.experiments.executors import Executor
from sim.experiments.tasks import Task
from sim.model.recorder import OUTCOMES
from sim.results import measures
from sim.results.directory import RunDirectory
from sim.results.lock import locked
from sim.results.measures import with_units
from sim.results.selection import Screening, kn_plus_plus
from sim.results.tableio import write_table
from sim.scenario.councils import load_councils
from sim.scenario.schema import Scenario
from sim.scenario.timeline import variant_scenarios
from sim.scenario.yamlio import suggest
from sim.workflow.run import Silent, Variants, fill, manifest, scenario_identity


@dataclass(frozen=True)
class SelectionGoal:
    """What to select on and how sure to be.

    Attributes:
        metric: Outcome to rank the variants by (its registry direction says which way).
        indifference: Smallest difference worth finding, in the outcome's unit; None for
            ``DEFAULT_INDIFFERENCE`` of the baseline's first-stage mean.
        pcs: Probability of correct selection to guarantee, e.g. 0.95.
        first_stage: Replications of every variant before the first screening (n0).
        max_replications: Cap per variant; at the cap the best survivor is reported
            without the guarantee.
        batch: Replications added per survivor between screenings.
    """

    metric: str
    indifference: float | None = None
    pcs: float = 0.95
    first_stage: int = 10
    max_replications: int = 200
    batch: int = 4

    def __post_init__(self) -> None:
        """Refuse goals that cannot be pursued, naming the option."""
        if self.metric not in OUTCOMES:
            guess = suggest(self.metric, OUTCOMES)
            hint = f"; did you mean {guess!r}?" if guess else ""
            raise SimError(f"--metric {self.metric!r}: unknown outcome{hint}")
        if OUTCOMES[self.metric].better == "neither":
            raise SimError(f"--metric {self.metric!r}: neither lower nor higher is better")
        if self.indifference is not None and not 0 < self.indifference < math.inf:
            raise SimError(
                f"--indifference: expected a positive difference, got {self.indifference}"
            )
        if not 0.5 < self.pcs < 1:
            raise SimError(f"--pcs: expected a probability between 0.5 and 1, got {self.pcs}")
        if self.first_stage < 2 or self.max_replications < self.first_stage:
            raise SimError("--first-stage: expected at least 2, and at most --max-replications")


@dataclass(frozen=True)
class SelectionReport:
    """What a finished selection hands back to its caller."""

    directory: Path
    selected: str
    guaranteed: bool  # False when the cap stopped it with several survivors
    pcs: float
    indifference: float
    table: pd.DataFrame  # variant, replications, mean, eliminated_at, selected
    seconds: float
    tasks_run: int


def _identity(scenario: Scenario) -> dict[str, Any]:
    """What must match to continue a selection directory.

    The goal (metric, indifference, PCS) is left out: stored replications are the same
    whatever is asked of them, so a tighter indifference zone reuses them and runs more.
    """
    return {
        "kind": "select",
        "model_version": __version__,
        "trace": False,
        "scenario": scenario_identity(scenario),
    }


def _values(run_dir: RunDirectory, tasks: list[Task], metric: str) -> dict[str, np.ndarray]:
    table = run_dir.read_parts(tasks, "replication")  # plan order: variant, replication
    return {
        str(v): g[metric].to_numpy(dtype=float) for v, g in table.groupby("variant", sort=False)
    }


def select_variant(
    scenario: Scenario,
    directory: Path,
    goal: SelectionGoal,
    *,
    execution: Execution | None = None,
    command: str = "",
    progress: ProgressReceiver | None = None,
) -> SelectionReport:
    """Run KN++ over the scenario's variants into ``directory`` and report the selection.

    Raises:
        SimError: If the scenario has one variant, or a variant's outcome is missing.
        ResultsError: If ``directory`` holds results of other inputs, or another process
            holds it (``sim.results.lock``).
    """
    with locked(RunDirectory(directory), command):
        return _select(scenario, directory, goal, execution, command, progress)


def _select(
    scenario: Scenario,
    directory: Path,
    goal: SelectionGoal,
    execution: Execution | None,
    command: str,
    progress: ProgressReceiver | None,
) -> SelectionReport:
    """The body of ``select_variant``, with the directory locked."""
    began, execution = time.perf_counter(), execution or Execution()
    scenarios = variant_scenarios(scenario)
    if len(scenarios) < 2:
        raise SimError(f"{scenario.name}: one variant only; selection needs two or more")
    variants = Variants.of(scenarios)  # resolved once per variant
    run_dir = RunDirectory(directory)
    info = manifest("select", scenario.name, scenario.run.seed, command, execution)
    info = {**info, "selection": dict(goal.__dict__)}
    documents = {"scenario.yaml": scenario.model_dump(mode="json")}
    run_dir.prepare(_identity(scenario), documents, info)
    table, receiver = load_councils(), progress or Silent()
    with Executor(execution) as executor:  # one pool for every stage

        def run(tasks: list[Task]) -> int:
            return fill(run_dir, tasks, variants.scenario_of, table, executor, receiver)

        state, values, delta, ran, tasks = _screen(run_dir, variants, goal, scenario, run)
    return _finish(run_dir, goal, state, values, delta, began, ran, tasks)


def _screen(
    run_dir: RunDirectory,
    variants: Variants,
    goal: SelectionGoal,
    scenario: Scenario,
    run: Callable[[list[Task]], int],
) -> tuple[Screening, dict[str, np.ndarray], float, int, list[Task]]:
    """KN++ stage by stage: each survivor's next batch, until the screening is done or
    every survivor has the most replications ``goal`` allows.

    Args:
        run: Runs the tasks not yet stored; returns how many ran.

    Returns:
        The last screening, each variant's values, the indifference zone, how many tasks
        ran and every task planned.
    """
    counts = dict.fromkeys(variants.scenarios, goal.first_stage)
    tasks: dict[str, Task] = {}
    ran, lower, seed = 0, OUTCOMES[goal.metric].better == "lower", scenario.run.seed
    while True:
        wanted = [t for v, n in counts.items() for t in variants.plan(range(n), seed, [v])]
        ran += run(wanted)
        tasks.update({t.key: t for t in wanted})
        values = _values(run_dir, list(tasks.values()), goal.metric)
        delta = _delta(goal, values, scenario.run.baseline)
        state = kn_plus_plus(values, delta, 1 - goal.pcs, goal.first_stage, lower)
        if state.done or all(counts[v] >= goal.max_replications for v in state.survivors):
            return state, values, delta, ran, list(tasks.values())
        for v in state.survivors:
            counts[v] = min(goal.max_replications, max(counts[v], state.stage + goal.batch))


def _delta(goal: SelectionGoal, values: dict[str, np.ndarray], baseline: str) -> float:
    """The indifference zone: given, or a share of the baseline's first-stage mean."""
    if goal.indifference is not None:
        return goal.indifference
    first = values[baseline][: goal.first_stage]
    delta = DEFAULT_INDIFFERENCE * abs(float(np.mean(first)))
    if not (math.isfinite(delta) and delta > 0):
        raise SimError(f"--indifference: needed, the baseline's mean {goal.metric} is 0 or missing")
    return delta


def _finish(
    run_dir: RunDirectory,
    goal: SelectionGoal,
    state: Screening,
    values: dict[str, np.ndarray],
    delta: float,
    began: float,
    ran: int,
    tasks: list[Task],
) -> SelectionReport:
    """Write selection.csv and the combined tables; name the selection."""
    for variant, data in values.items():
        if not np.isfinite(data).all():
            raise SimError(f"{goal.metric} is missing in some replications of {variant!r}")
    sign = 1.0 if OUTCOMES[goal.metric].better == "lower" else -1.0
    means = {v: float(values[v].mean()) for v in values}
    selected = min(state.survivors, key=lambda v: sign * means[v])
    rows = [
        {
            "variant": v,
            "metric": goal.metric,
            "replications": len(values[v]),
            "mean": means[v],
            "minus_selected": _paired_difference(values[v], values[selected]),
            "eliminated_at": state.eliminated.get(v, math.nan),
            "selected": v == selected,
        }
        for v in values
    ]
    table = pd.DataFrame(rows)
    write_table(with_units(table), run_dir.path / "selection.csv")
    run_dir.combine(tasks)
    seconds = time.perf_counter() - began
    result = {"selected": selected, "guaranteed": state.done, "indifference": delta}
    timings = {"seconds": round(seconds, 3), "tasks": len(tasks), "tasks_run": ran}
    run_dir.write_timings({**timings, **result})
    return SelectionReport(run_dir.path, selected, state.done, goal.pcs, delta, table, seconds, ran)


def _paired_difference(mine: np.ndarray, best: np.ndarray) -> float:
    """Mean of ``mine - best`` over the replications both have (means of unequal counts
    of replications differ by the luck of the extra replications; paired ones do not)."""
    n = min(len(mine), len(best))
    return float((mine[:n] - best[:n]).mean())


def selection_sentence(report: SelectionReport, metric: str) -> str:
    """What the selection means, in one or two sentences."""
    spent = int(report.table["replications"].sum())
    unit = measures.unit(metric)
    if report.guaranteed:
        return (
            f"selected {report.selected!r}: with probability at least {report.pcs:.0%} it is "
            f"the variant with the best mean {metric}, provided the best is at least "
            f"{_number(report.indifference)} {unit} (the indifference zone) better than every "
            f"other; {spent} replications in all"
        )
    return (
        f"cap reached with several variants left: {report.selected!r} has the best mean "
        f"{metric} among them, but no probability of correct selection is guaranteed "
        f"(raise --max-replications or --indifference); {spent} replications in all"
    )


def _number(value: float) -> str:
    """A difference as a modeller reads it: thousands separated, four significant digits."""
    return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.4g}"
