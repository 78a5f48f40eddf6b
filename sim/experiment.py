"""Plans of (variant, point, replication) tasks and the executors that run them.

Every executor maps the same pure task function over the plan, and results are
stored keyed by task and sorted before they are combined, so the stored data
never depend on the executor, the number of workers or the completion order.
Variants of a scenario share the seed key of a replication: they are compared
under common random numbers.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass
from multiprocessing import get_context

import numpy as np
import pandas as pd

from sim.model.world import run_replication
from sim.population import CouncilTable
from sim.scenario import Scenario
from sim.streams import SeedKey


@dataclass(frozen=True)
class Task:
    """One replication of one variant at one sweep point."""

    variant: str
    point: int
    replication: int
    seed: int

    @property
    def key(self) -> str:
        """A file-system-safe name, unique within a run."""
        return f"{self.variant}__p{self.point:05d}__r{self.replication:06d}"

    @property
    def seed_key(self) -> SeedKey:
        return SeedKey(self.seed, self.point, self.replication)


@dataclass(frozen=True)
class TaskOutput:
    """A finished task's tidy tables (pickles cleanly between processes)."""

    task: Task
    replication: pd.DataFrame
    monthly: pd.DataFrame
    councils: pd.DataFrame
    events: pd.DataFrame | None


def plan(variants: Iterable[str], replications: range, seed: int, point: int = 0) -> list[Task]:
    """Tasks in a fixed order: replication-major, so early results cover every variant."""
    names = list(variants)
    return [Task(v, point, r, seed) for r in replications for v in names]


def month_dates(start: str, months: np.ndarray) -> list[str]:
    """Calendar month 'YYYY-MM' of each whole simulated month."""
    year, month = (int(part) for part in start.split("-"))
    first = year * 12 + month - 1
    return [f"{(first + int(m)) // 12:04d}-{(first + int(m)) % 12 + 1:02d}" for m in months]


def run_task(task: Task, scenario: Scenario, table: CouncilTable, trace: bool) -> TaskOutput:
    """Run one task and shape its result into tables that carry their inputs."""
    result = run_replication(scenario, task.seed_key, table, trace=trace)
    ids: dict[str, str | int] = {
        "variant": task.variant,
        "point": task.point,
        "replication": task.replication,
    }
    replication = pd.DataFrame([{**ids, "seed": task.seed, **result.metrics}])
    monthly = pd.DataFrame(result.monthly)
    monthly.insert(1, "date", month_dates(scenario.run.start, result.monthly["month"]))
    councils = pd.DataFrame(result.councils)
    events = None
    if result.events is not None:
        events = pd.DataFrame(result.events, columns=["time", "council", "event", "details"])
    return TaskOutput(
        task,
        replication,
        _front(monthly, ids),
        _front(councils, ids),
        None if events is None else _front(events, ids),
    )


def _front(frame: pd.DataFrame, ids: dict[str, str | int]) -> pd.DataFrame:
    """Put the identifying columns first."""
    for position, (name, value) in enumerate(ids.items()):
        frame.insert(position, name, value)
    return frame


Submit = Callable[[Task], TaskOutput]


def execute(
    tasks: list[Task],
    scenarios: dict[str, Scenario],
    table: CouncilTable,
    *,
    workers: int = 1,
    trace: bool = False,
) -> Iterator[TaskOutput]:
    """Run tasks and yield each output as it finishes (any order: callers store by key)."""
    if workers <= 1 or len(tasks) <= 1:
        for task in tasks:
            yield run_task(task, scenarios[task.variant], table, trace)
        return
    context = get_context("forkserver" if os.name == "posix" else "spawn")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        pending: set[Future[TaskOutput]] = set()
        queue = iter(tasks)
        for task in queue:
            pending.add(pool.submit(run_task, task, scenarios[task.variant], table, trace))
            if len(pending) >= 2 * workers:
                break
        while pending:
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                yield future.result()
                following = next(queue, None)
                if following is not None:
                    pending.add(
                        pool.submit(run_task, following, scenarios[following.variant], table, trace)
                    )
