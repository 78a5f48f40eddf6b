"""Evaluating a parameter vector: its common-random-number replications on our executors.

Every evaluation runs the same replication seed keys (``SeedKey(seed, 0, r)`` for
``r < replications``), so two parameter vectors are compared under common random
numbers and the same vector always gives the same simulated targets. The
replications of one evaluation run in parallel on a long-lived process pool or
Dask cluster (``Execution``); each worker returns only the targets' statistics.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor
from contextlib import ExitStack
from multiprocessing import get_context
from multiprocessing.context import BaseContext
from types import TracebackType
from typing import Any

import numpy as np
import pandas as pd

from sim.calibration.judgements import judgements_of, starting_judgements
from sim.calibration.spec import TargetSpec
from sim.calibration.statistics import NEEDS_TRACE, STATISTICS, ReplicationTables
from sim.experiments.executors import Execution
from sim.experiments.tasks import Task, run_task
from sim.model.streams import SeedKey
from sim.scenario.councils import CouncilTable
from sim.scenario.schema import Scenario
from sim.scenario.timeline import resolve
from sim.scenario.validation import with_overrides
from sim.scenario.yamlio import Marks

Stats = dict[str, np.ndarray]  # target name -> one replication's values


def replication_statistics(
    scenario: Scenario, key: SeedKey, table: CouncilTable, targets: tuple[TargetSpec, ...]
) -> Stats:
    """Run one replication and compute every target's statistic from its tables.

    The replication runs untraced unless a target's statistic reads the event log
    (``needs_trace``): the judgements and monthly tables are recorded either way.
    """
    task = Task("calibration", key.point, key.replication, key.seed)
    output = run_task(task, resolve(scenario), table, trace=needs_trace(targets))
    start = starting_judgements(scenario.world.population.source, scenario.run.start)
    tables = ReplicationTables(
        judgements_of(output, scenario), start, output.monthly, scenario.run.start
    )
    return {t.name: STATISTICS[t.statistic](tables, t.options()) for t in targets}


def needs_trace(targets: Sequence[TargetSpec]) -> bool:
    """Whether any target's statistic reads the traced event log."""
    return any(t.statistic in NEEDS_TRACE for t in targets)


def with_parameters(base: Scenario, values: Mapping[str, float]) -> Scenario:
    """The base scenario with fitted paths set (validated again)."""
    return with_overrides(base, dict(values), path="<calibration>", marks=Marks())


def seed_keys(seed: int, replications: int) -> list[SeedKey]:
    """The common random numbers of every evaluation."""
    return [SeedKey(seed, 0, r) for r in range(replications)]


class Evaluator:
    """Runs the replications of one parameter vector; keeps its pool open between vectors."""

    def __init__(
        self, table: CouncilTable, targets: Sequence[TargetSpec], execution: Execution
    ) -> None:
        self.table, self.targets, self.execution = table, tuple(targets), execution
        self._stack = ExitStack()
        self._pool: Executor | None = None
        self._client: Any = None
        self._shared: Any = table

    def __enter__(self) -> Evaluator:
        if self.execution.executor == "dask":
            from sim.experiments.cluster import _check_versions, _client

            self._client = _client(self._stack, self.execution)
            _check_versions(self._client)
            self._shared = self._client.scatter(self.table, broadcast=True)
        elif self.execution.workers > 1:
            self._pool = self._stack.enter_context(
                ProcessPoolExecutor(
                    self.execution.workers, mp_context=_context(),
                    initializer=watch_parent, initargs=(os.getpid(),),
                )
            )
        return self

    def __exit__(
        self, kind: type[BaseException] | None, err: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._stack.close()

    def run(self, scenario: Scenario, keys: Sequence[SeedKey]) -> list[Stats]:
        """Every key's statistics, in key order (whatever the executor)."""
        call: Callable[[SeedKey], Any]
        if self._client is not None:
            futures = [
                self._client.submit(
                    replication_statistics, scenario, k, self._shared, self.targets, pure=False
                )
                for k in keys
            ]
            return [f.result() for f in futures]
        if self._pool is not None:
            pool = self._pool
            futures = [
                pool.submit(replication_statistics, scenario, k, self.table, self.targets)
                for k in keys
            ]
            return [f.result() for f in futures]
        call = lambda k: replication_statistics(scenario, k, self.table, self.targets)  # noqa: E731
        return [call(k) for k in keys]


PARENT_POLL_SECONDS = 0.5  # how often a worker checks that the fit is still running


def parent_alive(pid: int) -> bool:
    """Whether process ``pid`` still runs (a zombie, killed but not yet reaped, does not)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:  # no /proc (not Linux): the signal test is all there is
        return True


def watch_parent(pid: int) -> None:
    """A pool worker's initializer: exit when the fit's process ``pid`` is gone.

    Why: forkserver workers are children of the fork server, not of the fit, and each
    holds both ends of its call queue and the server's liveness pipe, so when the fit
    dies without shutting its pool down (SIGTERM, SIGKILL, a killed test) nothing ever
    tells them: the workers, the fork server and the resource tracker were left
    behind. A daemon thread polls the parent and ends the worker; the fork server
    and the tracker then see their pipes close and exit by themselves.
    """

    def watch() -> None:
        while parent_alive(pid):
            time.sleep(PARENT_POLL_SECONDS)
        os._exit(1)

    threading.Thread(target=watch, name="watch-parent", daemon=True).start()


def _context() -> BaseContext:
    """forkserver where available (import once, fork each worker), else spawn."""
    if os.name == "posix":
        server = get_context("forkserver")
        server.set_forkserver_preload([__name__])
        return server
    return get_context("spawn")


def combine(stats: Sequence[Stats]) -> dict[str, Any]:
    """pyABC's summary statistics of an evaluation: per target the replications' mean
    (``name``) and every replication's values (``name#reps``, replications x values)."""
    out: dict[str, Any] = {}
    for name in stats[0]:
        reps = np.vstack([s[name] for s in stats])
        with np.errstate(all="ignore"):
            valid = ~np.isnan(reps)
            counts = valid.sum(axis=0)
            total = np.where(valid, reps, 0.0).sum(axis=0)
            out[name] = np.where(counts > 0, total / np.maximum(counts, 1), np.nan)
        out[f"{name}#reps"] = reps
    return out


def frame_of(stats: Sequence[Stats]) -> pd.DataFrame:
    """Replications x (target, index) as a long table (for tests and inspection)."""
    rows = [
        (r, name, i, float(v))
        for r, s in enumerate(stats)
        for name, values in s.items()
        for i, v in enumerate(values)
    ]
    return pd.DataFrame(rows, columns=["replication", "target", "index", "value"])
