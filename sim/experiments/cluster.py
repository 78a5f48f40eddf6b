"""Running tasks on a Dask distributed cluster (imported only when asked for).

The cluster runs the same ``run_chunk`` function as the local pool, so its
results are the same to the byte. With a scheduler address the tasks go to
that cluster (its workers must run the same model code: the check compares
the code hash of ``sim.provenance``, since the version string is bumped by hand
and two states of the code can share it); without
one, a ``LocalCluster`` of single-threaded worker processes is started and
closed again. At most two units per worker thread are in flight, so the
client's memory does not grow with the size of the sweep.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import ExitStack
from itertools import islice
from typing import Any

from sim.errors import ExecutionError
from sim.experiments.execution import Execution, ScenarioOf
from sim.experiments.tasks import EncodedOutput, Task, run_chunk
from sim.provenance import code_hash
from sim.scenario.councils import CouncilTable

CONNECT_SECONDS = 20  # how long to wait for a remote scheduler before giving up


def _worker_code() -> tuple[str, str]:
    """The model version and code hash installed on a worker (run there by ``Client.run``)."""
    import sim
    from sim.provenance import code_hash

    return sim.__version__, code_hash()


def connect(stack: ExitStack, execution: Execution) -> Any:
    """A client of the given scheduler, or of a new LocalCluster, closed with ``stack``.

    Its workers are checked to run this model's code (the same code hash).
    """
    client = _client(stack, execution)
    _check_versions(client)
    return client


def _client(stack: ExitStack, execution: Execution) -> Any:
    """A client of the given scheduler, or of a new LocalCluster closed with ``stack``."""
    from dask.distributed import Client, LocalCluster

    if execution.scheduler is None:
        cluster = stack.enter_context(
            LocalCluster(
                n_workers=max(execution.workers, 1),
                threads_per_worker=1,
                processes=True,
                dashboard_address=None,
                silence_logs=logging.ERROR,
            )
        )
        return stack.enter_context(Client(cluster))
    try:
        return stack.enter_context(Client(execution.scheduler, timeout=CONNECT_SECONDS))
    except (OSError, TimeoutError) as err:
        raise ExecutionError(
            f"cannot reach the Dask scheduler at {execution.scheduler} ({err}); "
            "expected an address like tcp://host:8786 of a running `dask scheduler`"
        ) from None


def _check_versions(client: Any) -> None:
    """Refuse workers running other model code: their numbers would differ.

    Compares the code hash (the key of stored results), not the version string,
    which stays the same across edits until someone bumps it.
    """
    check_workers(client.run(_worker_code), code_hash())


def check_workers(found: dict[str, tuple[str, str]], expected: str) -> None:
    """Raise naming the workers whose code hash is not ``expected`` (worker -> version, hash).

    Raises:
        ExecutionError: When any worker runs other model code.
    """
    other = {worker: code for worker, code in found.items() if code[1] != expected}
    if other:
        seen = ", ".join(
            f"{worker} (sim {version}, code {digest})"
            for worker, (version, digest) in sorted(other.items())
        )
        raise ExecutionError(
            f"Dask workers run other model code: {seen}; this client's code hash is "
            f"{expected}; install this same checkout of sim on every worker"
        )


def dask_execute(
    client: Any,
    units: list[tuple[Task, ...]],
    scenario_of: ScenarioOf,
    table: CouncilTable,
    execution: Execution,
) -> Iterator[list[EncodedOutput]]:
    """Run units of tasks on a connected client; yield each unit's outputs as it finishes."""
    from dask.distributed import as_completed

    shared = client.scatter(table, broadcast=True)
    in_flight = 2 * max(sum(client.nthreads().values()), 1)
    queue = iter(units)

    def submit(unit: tuple[Task, ...]) -> Any:
        scenario = scenario_of(unit[0])
        return client.submit(run_chunk, unit, scenario, shared, execution.trace, pure=False)

    running = as_completed([submit(unit) for unit in islice(queue, in_flight)])
    for future in running:
        outputs: list[EncodedOutput] = future.result()
        future.release()
        following = next(queue, None)
        if following is not None:
            running.add(submit(following))
        yield outputs
