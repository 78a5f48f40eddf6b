"""How tasks are executed, and what they report while running: shared by every executor.

A module of its own so that the Dask executor (``cluster.py``) and the local
ones (``executors.py``) both depend on it and ``executors`` alone chooses
between them: the arrows go one way, executors -> cluster -> execution.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal, Protocol

from sim.experiments.tasks import Task
from sim.scenario.schema import ResolvedScenario


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


class ProgressReceiver(Protocol):
    """Receives progress: ``start`` with (already done, total), then each step finished."""

    def start(self, done: int, total: int) -> None: ...

    def advance(self, step: int) -> None: ...


ScenarioOf = Callable[[Task], ResolvedScenario]  # the resolved scenario of a task's variant, point
