"""How a run's tasks are executed (settings shared by the executors and the Dask cluster)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from sim.experiments.tasks import Task
from sim.scenario.schema import Scenario

ScenarioOf = Callable[[Task], Scenario]  # the resolved scenario of a task's variant and point


@dataclass(frozen=True)
class Execution:
    """How tasks are executed; never changes what they compute.

    Attributes:
        workers: Local worker processes (or LocalCluster workers for Dask).
        executor: ``process`` (a local pool; in-process when workers is 1) or ``dask``.
        scheduler: Dask scheduler address (``tcp://host:8786``); None starts a LocalCluster.
        chunk: Replications per task sent to a worker; None chooses from the workload.
        trace: Also return the full event log of every replication.
    """

    workers: int = 1
    executor: Literal["process", "dask"] = "process"
    scheduler: str | None = None
    chunk: int | None = None
    trace: bool = False
