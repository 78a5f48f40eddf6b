"""Executors: the same pure task function mapped over a plan, in process, on a pool or on Dask.

Every executor yields each unit's outputs as it finishes; callers store them by
task key and combine in plan order, so the stored data never depend on the
executor, the number of workers, the chunk size or the completion order.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from contextlib import ExitStack
from itertools import islice
from multiprocessing import get_context
from multiprocessing.context import BaseContext
from typing import Any, ParamSpec, TypeVar

from sim.experiments.execution import Execution, ScenarioOf
from sim.experiments.tasks import MAX_AUTO_CHUNK, EncodedOutput, Task, run_chunk
from sim.scenario.councils import CouncilTable

T = TypeVar("T")
R = TypeVar("R")
P = ParamSpec("P")


def chunk_size(tasks: int, workers: int, requested: int | None) -> int:
    """Replications per unit of work: as asked, else enough units to keep workers busy.

    Small units balance load and lose little on interruption; larger ones save
    scheduling overhead on a cluster. About 16 units per worker, at most 8
    replications each.
    """
    if requested is not None:
        return max(1, requested)
    return max(1, min(MAX_AUTO_CHUNK, tasks // (max(workers, 1) * 16)))


def chunks(tasks: Sequence[Task], size: int) -> list[tuple[Task, ...]]:
    """Group tasks of one (variant, point) into units of ``size``, in plan order."""
    groups: dict[tuple[int, str], list[Task]] = {}
    for task in tasks:
        groups.setdefault((task.point, task.variant), []).append(task)
    units = [tuple(g[i : i + size]) for g in groups.values() for i in range(0, len(g), size)]
    order = {v: i for i, v in enumerate(dict.fromkeys(t.variant for t in tasks))}
    return sorted(units, key=lambda u: (u[0].point, u[0].replication, order[u[0].variant]))


class Executor:
    """Runs units of tasks in process, on a local pool or on Dask, for the whole of a run.

    The pool (or the Dask client and its cluster) starts the first time there is
    parallel work and is kept until ``close``, so a run that adds replications in
    batches (``--precision``) pays for starting workers once. Workers fork from a
    server that has imported and warmed up everything a task uses
    (``sim.experiments.preload``), so a fresh worker's first task costs what its
    later ones do.
    """

    def __init__(self, execution: Execution) -> None:
        self.execution = execution
        self._stack = ExitStack()
        self._pool: ProcessPoolExecutor | None = None
        self._client: Any = None

    def __enter__(self) -> Executor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Stop the pool or cluster, if one was started."""
        self._stack.close()
        self._pool = self._client = None

    def run(
        self, tasks: Sequence[Task], scenario_of: ScenarioOf, table: CouncilTable
    ) -> Iterator[list[EncodedOutput]]:
        """Run tasks and yield each unit's outputs as it finishes (any order: store by key).

        Args:
            tasks: The tasks to run (already-stored ones left out by the caller).
            scenario_of: The resolved scenario of a task's variant and point.
            table: The starting councils.
        """
        execution = self.execution
        units = chunks(tasks, chunk_size(len(tasks), execution.workers, execution.chunk))
        if execution.executor == "dask":
            from sim.experiments import cluster  # lazy: plain runs do not import Dask

            if self._client is None:
                self._client = cluster.connect(self._stack, execution)
            yield from cluster.dask_execute(self._client, units, scenario_of, table, execution)
        elif execution.workers <= 1 or len(units) <= 1:
            for unit in units:
                yield run_chunk(unit, scenario_of(unit[0]), table, execution.trace)
        else:
            yield from _pool_execute(self._started_pool(), units, scenario_of, table, execution)

    @property
    def pool_workers(self) -> int:
        """Workers of the local pool if one is running (else 1: ``map`` runs in process)."""
        return self.execution.workers if self._pool is not None else 1

    def map(self, function: Callable[[T], R], items: Sequence[T]) -> list[R]:
        """``function`` of each item, in order: on the run's pool if one is running (all
        submitted at once, started in order), else here one after another. A pool is never
        started for this: work that is not a task (a run's plots) uses it only if the
        tasks did. ``function`` and the items must pickle.

        Raises:
            Exception: The first item's error, in item order, once the items before it
                are done; the items not started are cancelled (also on an interrupt).
        """
        if self._pool is None:
            return [function(item) for item in items]
        futures = [self._pool.submit(interruptible, function, item) for item in items]
        try:
            return [future.result() for future in futures]
        finally:
            for future in futures:
                future.cancel()

    def _started_pool(self) -> ProcessPoolExecutor:
        if self._pool is None:
            context: BaseContext = get_context("spawn")
            if os.name == "posix":
                server = get_context("forkserver")
                # the main module too: else every worker runs it again before its first task
                server.set_forkserver_preload(["__main__", "sim.experiments.preload"])
                context = server
            pool = ProcessPoolExecutor(
                max_workers=self.execution.workers, mp_context=context, initializer=quiet_when_idle
            )
            self._pool = self._stack.enter_context(pool)
        return self._pool


def quiet_when_idle() -> None:
    """A worker's start: Ctrl-C (sent to the whole process group) is ignored between tasks,
    where it would only print a traceback from the queue the worker waits on; the parent
    stops the pool. ``interruptible`` lets it interrupt a task, as before."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def interruptible(function: Callable[P, R], *args: P.args, **kwargs: P.kwargs) -> R:
    """``function(*args, **kwargs)`` with Ctrl-C raising KeyboardInterrupt in it (a worker's
    task: the parent receives it as the task's error), ignored again once it returns."""
    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        return function(*args, **kwargs)
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)


def execute(
    tasks: Sequence[Task],
    scenario_of: ScenarioOf,
    table: CouncilTable,
    execution: Execution,
) -> Iterator[list[EncodedOutput]]:
    """Run tasks on a pool started for this call alone (see ``Executor`` for a whole run)."""
    with Executor(execution) as executor:
        yield from executor.run(tasks, scenario_of, table)


def _pool_execute(
    pool: ProcessPoolExecutor,
    units: list[tuple[Task, ...]],
    scenario_of: ScenarioOf,
    table: CouncilTable,
    execution: Execution,
) -> Iterator[list[EncodedOutput]]:
    """At most two units per worker in flight (bounded memory), the next sent as one ends."""

    def submit(unit: tuple[Task, ...]) -> Future[list[EncodedOutput]]:
        scenario = scenario_of(unit[0])
        return pool.submit(interruptible, run_chunk, unit, scenario, table, execution.trace)

    queue = iter(units)
    pending = {submit(unit) for unit in islice(queue, 2 * execution.workers)}
    try:
        while pending:
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                yield future.result()
                following = next(queue, None)
                if following is not None:
                    pending.add(submit(following))
    finally:
        for future in pending:  # an interrupted run: do not leave work queued on the pool
            future.cancel()
