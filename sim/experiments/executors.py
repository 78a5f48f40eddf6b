"""Executors: the same pure task function mapped over a plan, in process, on a pool or on Dask.

Every executor yields each unit's outputs as it finishes; callers store them by
task key and combine in plan order, so the stored data never depend on the
executor, the number of workers, the chunk size or the completion order.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from itertools import islice
from multiprocessing import get_context
from multiprocessing.context import BaseContext

from sim.experiments.execution import Execution, ScenarioOf
from sim.experiments.tasks import MAX_AUTO_CHUNK, EncodedOutput, Task, run_chunk
from sim.scenario.councils import CouncilTable


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


def execute(
    tasks: Sequence[Task],
    scenario_of: ScenarioOf,
    table: CouncilTable,
    execution: Execution,
) -> Iterator[list[EncodedOutput]]:
    """Run tasks and yield each unit's outputs as it finishes (any order: callers store by key).

    Args:
        tasks: The tasks to run (already-stored ones left out by the caller).
        scenario_of: The resolved scenario of a task's variant and point.
        table: The starting councils.
        execution: Executor, workers, chunk size and tracing.
    """
    units = chunks(tasks, chunk_size(len(tasks), execution.workers, execution.chunk))
    if execution.executor == "dask":
        from sim.experiments.cluster import dask_execute  # lazy: plain runs do not import Dask

        yield from dask_execute(units, scenario_of, table, execution)
    elif execution.workers <= 1 or len(units) <= 1:
        for unit in units:
            yield run_chunk(unit, scenario_of(unit[0]), table, execution.trace)
    else:
        yield from _pool_execute(units, scenario_of, table, execution)


def _pool_execute(
    units: list[tuple[Task, ...]],
    scenario_of: ScenarioOf,
    table: CouncilTable,
    execution: Execution,
) -> Iterator[list[EncodedOutput]]:
    """A local process pool with at most two units per worker in flight (bounded memory)."""
    context: BaseContext = get_context("spawn")
    if os.name == "posix":
        server = get_context("forkserver")
        server.set_forkserver_preload([__name__])  # import once, then fork each worker
        context = server
    workers = min(execution.workers, len(units))  # a process per unit at most
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:

        def submit(unit: tuple[Task, ...]) -> Future[list[EncodedOutput]]:
            return pool.submit(run_chunk, unit, scenario_of(unit[0]), table, execution.trace)

        queue = iter(units)
        pending = {submit(unit) for unit in islice(queue, 2 * workers)}
        while pending:
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                yield future.result()
                following = next(queue, None)
                if following is not None:
                    pending.add(submit(following))
