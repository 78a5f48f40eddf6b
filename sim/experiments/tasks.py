"""Plans of (variant, point, replication) tasks and the executors that run them.

Every executor maps the same pure task function over the plan, and results are
stored keyed by task and ordered by plan before they are combined, so the
stored data never depend on the executor, the number of workers, the chunk
size or the completion order. Variants of a scenario share the seed key of a
replication: they are compared under common random numbers.

A task's key is a hash of everything that determines its numbers (the
resolved scenario of its variant at its point, the seed key and the model
version), so a results directory can be resumed or extended by running only
the tasks whose key is not stored yet.
"""

from __future__ import annotations

import functools
import gc
import hashlib
import json
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from sim import __version__
from sim.calendar import month_labels
from sim.model.recorder import ReplicationResult
from sim.model.streams import SeedKey
from sim.model.world import run_replication
from sim.provenance import code_hash
from sim.scenario.councils import CouncilTable
from sim.scenario.schema import ResolvedScenario, Scenario

KEY_LENGTH = 20  # hex digits of sha256 kept in a task key (80 bits)
MAX_AUTO_CHUNK = 8  # replications per task when the chunk size is automatic
_FREEZE: dict[str, Any] = {"depth": 0, "ours": False}  # units of work running (threads)
_FREEZE_LOCK = threading.Lock()
# Inputs that label a run but do not change any replication's numbers.
NOT_IN_FINGERPRINT = {"run": ("name", "replications", "baseline"), "": ("variants", "calibration")}


def fingerprint(scenario: Scenario) -> str:
    """sha256 of the resolved inputs that determine a replication's numbers.

    The scenario's name, replication count, baseline name and list of variants
    are left out: adding replications or a variant must not change the keys
    of the tasks already stored.
    """
    data = scenario.model_dump(mode="json")
    for name in NOT_IN_FINGERPRINT[""]:
        data.pop(name, None)
    data["run"] = {k: v for k, v in data["run"].items() if k not in NOT_IN_FINGERPRINT["run"]}
    text = json.dumps(data, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True)
class Task:
    """One replication of one variant at one sweep point.

    Attributes:
        variant: Variant name (the baseline is one).
        point: Sweep point index (0 for a plain run); part of the seed key, unless
            ``stream_point`` is set.
        replication: Replication index; part of the seed key.
        seed: Root seed of the scenario.
        fingerprint: ``fingerprint()`` of the variant's resolved scenario at the point.
        stream_point: The point whose random streams the task draws; None for its own
            point (independent streams). Sweeps with common random numbers give every
            point ``stream_point=0``, so replication r of every point draws the same
            streams and differences between points are paired.
    """

    variant: str
    point: int
    replication: int
    seed: int
    fingerprint: str = ""
    stream_point: int | None = None

    @functools.cached_property
    def key(self) -> str:
        """Directory-safe hash of the resolved point, variant, seed key, model version and
        the model's code hash (so a part stored by other code is never taken as done).

        Computed once per task (storing, checking and combining a part ask for it ~15 times).
        """
        ident: list[object] = [self.fingerprint, self.variant, self.point, self.replication]
        ident.append(self.seed)
        if self.seed_key.point != self.point:  # keys of independent streams stay as they were
            ident.append(["streams", self.seed_key.point])
        text = json.dumps([*ident, __version__, code_hash()], separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()[:KEY_LENGTH]

    @property
    def seed_key(self) -> SeedKey:
        """The streams the task draws: of its own point, or of ``stream_point``."""
        point = self.point if self.stream_point is None else self.stream_point
        return SeedKey(self.seed, point, self.replication)


@dataclass(frozen=True)
class TaskOutput:
    """A finished task's tidy tables (pickles cleanly between processes)."""

    task: Task
    replication: pd.DataFrame
    monthly: pd.DataFrame
    councils: pd.DataFrame
    events: pd.DataFrame | None
    judgements: pd.DataFrame | None = None


# The tables of a task, as stored. judgements: one row per graded judgement, columns
# council (index), month, framework, kind, grade (0 inadequate .. 3), previous_grade (-1 none).
TABLES = ("replication", "monthly", "councils", "events", "judgements")
# A stored part's tables are Arrow IPC bytes (``sim.results.parts``): written and read
# with next to no work (a parquet file costs ~40 us per column to write, ~4 ms a
# replication); the combined tables of a results directory are parquet.
EVENT_COLUMNS = ("time", "council", "event", "details")
LARGE_TABLE = 1 << 20  # bytes of a table's arrays from which its IPC file is sized first


@dataclass(frozen=True)
class EncodedOutput:
    """A finished task's tables as parquet bytes, encoded where the task ran.

    Encoding on the worker keeps the client's share of the work (writing files)
    small, and the bytes are what is stored, whichever executor ran the task.
    """

    task: Task
    tables: dict[str, bytes]
    rows: dict[str, int] = field(default_factory=dict)  # per table, when the encoder knows


def encode(output: TaskOutput) -> EncodedOutput:
    """Arrow IPC bytes of each table of a task's output (events only when traced)."""
    tables = {}
    for name in TABLES:
        frame = getattr(output, name)
        if frame is not None:
            tables[name] = ipc_bytes(pa.Table.from_pandas(frame, preserve_index=False))
    return EncodedOutput(output.task, tables)


def encode_result(
    task: Task, scenario: ResolvedScenario | Scenario, result: ReplicationResult
) -> EncodedOutput:
    """``encode(task_output(...))`` without pandas: the same columns, order and types.

    The worker's path (``run_chunk``): building data frames only to convert them to
    Arrow cost more than the tables' encoding itself (tests/test_experiment_layer.py
    checks that both give equal tables).
    """
    ids: dict[str, str | int] = {
        "variant": task.variant, "point": task.point, "replication": task.replication,
    }
    row = {"seed": [task.seed], **{k: [v] for k, v in result.metrics.items()}}
    monthly: dict[str, Any] = dict(result.monthly)
    labels = _month_labels(scenario.run.start, tuple(result.monthly["month"].tolist()))
    monthly = {"month": monthly.pop("month"), "date": labels, **monthly}
    tables = {
        "replication": _table(ids, row),
        "monthly": _table(ids, monthly),
        "councils": _table(ids, result.councils),
        "judgements": _table(ids, result.judgements),
    }
    if result.events is not None:
        columns = list(zip(*result.events, strict=True)) or [()] * len(EVENT_COLUMNS)
        events = dict(zip(EVENT_COLUMNS, columns, strict=True))
        typed = {name: pa.large_string() for name in EVENT_COLUMNS} | {"time": pa.float64()}
        tables["events"] = _table(ids, events, typed)
    present = [name for name in TABLES if name in tables]
    return EncodedOutput(
        task,
        {name: ipc_bytes(tables[name]) for name in present},
        {name: tables[name].num_rows for name in present},
    )


def _table(
    ids: dict[str, str | int],
    columns: Mapping[str, Any],
    types: Mapping[str, pa.DataType] | None = None,
) -> pa.Table:
    """The identifying columns, then ``columns`` (arrays or lists), typed as pandas would."""
    rows, types = len(next(iter(columns.values()))), types or {}
    data = {
        name: pa.array([value] * rows, pa.large_string() if isinstance(value, str) else pa.int64())
        for name, value in ids.items()
    }
    for name, values in columns.items():
        if name in types:
            data[name] = pa.array(list(values), types[name])
            continue
        array = np.asarray(values)
        if array.dtype.kind in "UO":  # text: as pandas (3) stores str columns
            data[name] = pa.array(array.tolist(), pa.large_string())
        else:
            data[name] = pa.array(array)
    return pa.table(data)


@functools.lru_cache(maxsize=16)
def _month_labels(start: str, months: tuple[float, ...]) -> tuple[str, ...]:
    """``month_labels``, once per start and months (the same for every replication of a run)."""
    return tuple(month_labels(start, months))


def ipc_bytes(table: pa.Table) -> bytes:
    """A table as the bytes of an Arrow IPC file (what a stored part holds).

    A large table (a traced event log) is sized first and written into a buffer of that
    size: a growing stream would hold up to twice the file while it grows (the trace of
    1000 councils x 50 years: ~20 MiB of file).
    """
    if table.get_total_buffer_size() < LARGE_TABLE:  # (nbytes costs ~50 us a table)
        sink = pa.BufferOutputStream()
        _write_ipc(sink, table)
        return sink.getvalue().to_pybytes()
    counter = pa.MockOutputStream()
    _write_ipc(counter, table)
    buffer = pa.allocate_buffer(counter.size())
    _write_ipc(pa.FixedSizeBufferWriter(buffer), table)
    return buffer.to_pybytes()


def _write_ipc(sink: pa.NativeFile, table: pa.Table) -> None:
    with pa.ipc.new_file(sink, table.schema) as writer:
        writer.write_table(table)


def plan(
    variants: Iterable[str],
    replications: range,
    seed: int,
    point: int = 0,
    fingerprints: Mapping[str, str] | None = None,
) -> list[Task]:
    """Tasks in a fixed order: replication-major, so early results cover every variant."""
    names = list(variants)
    prints = fingerprints or {}
    return [Task(v, point, r, seed, prints.get(v, "")) for r in replications for v in names]


def plan_order(tasks: Sequence[Task]) -> list[Task]:
    """Tasks in the order of stored tables: variant (as first planned), point, replication."""
    order = {v: i for i, v in enumerate(dict.fromkeys(t.variant for t in tasks))}
    return sorted(tasks, key=lambda t: (order[t.variant], t.point, t.replication))


def run_task(
    task: Task, scenario: ResolvedScenario | Scenario, table: CouncilTable, trace: bool
) -> TaskOutput:
    """Run one task and shape its result into tables that carry their inputs."""
    result = run_replication(scenario, task.seed_key, table, trace=trace)
    return task_output(task, scenario, result)


def task_output(
    task: Task, scenario: ResolvedScenario | Scenario, result: ReplicationResult
) -> TaskOutput:
    """A replication's result as tidy tables whose rows carry the task's identity."""
    ids: dict[str, str | int] = {
        "variant": task.variant,
        "point": task.point,
        "replication": task.replication,
    }
    replication = pd.DataFrame([{**ids, "seed": task.seed, **result.metrics}])
    monthly = pd.DataFrame(result.monthly)
    monthly.insert(1, "date", month_labels(scenario.run.start, result.monthly["month"]))
    councils = pd.DataFrame(result.councils)
    events = None
    if result.events is not None:
        events = pd.DataFrame(result.events, columns=["time", "council", "event", "details"])
    judgements = pd.DataFrame(result.judgements)
    return TaskOutput(
        task,
        replication,
        _front(monthly, ids),
        _front(councils, ids),
        None if events is None else _front(events, ids),
        _front(judgements, ids),
    )


def run_chunk(
    tasks: tuple[Task, ...], scenario: ResolvedScenario, table: CouncilTable, trace: bool
) -> list[EncodedOutput]:
    """Run several replications of one variant at one point (one unit of work)."""
    outputs = []
    with heap_frozen():
        for task in tasks:
            result = run_replication(scenario, task.seed_key, table, trace=trace)
            outputs.append(encode_result(task, scenario, result))
    return outputs


@contextmanager
def heap_frozen() -> Iterator[None]:
    """Run a unit of work with the objects that exist already frozen (``gc.freeze``).

    A fresh worker holds about 85,000 objects from its imports (pandas, pyarrow, numpy,
    the scenario) that the cyclic collector's full passes would walk again and again
    while replications allocate; frozen, they are left out of every pass. On the way
    out one full pass, which walks only what the unit made, frees its worlds' cycles
    before the unfreeze: frozen at the next unit's start they would never be freed
    (about 5,800 objects a unit). run_chunk's replications in fresh processes (chunks of
    4) went from 85-94 to 79-81 ms of CPU, and a worker's peak memory after 40 chunks
    from 163 to 140 MiB. The worker does it, not the model (which has no process-wide
    effects); the outermost of overlapping units (threads of one Dask worker) unfreezes,
    and a heap the caller froze is left alone, so an in-process run leaves the process
    as it was. It never changes a number.
    """
    with _FREEZE_LOCK:
        if not _FREEZE["depth"]:
            _FREEZE["ours"] = gc.get_freeze_count() == 0
            if _FREEZE["ours"]:
                gc.freeze()
        _FREEZE["depth"] += 1
    try:
        yield
    finally:
        with _FREEZE_LOCK:
            _FREEZE["depth"] -= 1
            if not _FREEZE["depth"] and _FREEZE["ours"]:
                gc.collect()  # the unit's own cycles (its worlds), or the next freeze keeps them
                gc.unfreeze()


def _front(frame: pd.DataFrame, ids: dict[str, str | int]) -> pd.DataFrame:
    """Put the identifying columns first."""
    for position, (name, value) in enumerate(ids.items()):
        frame.insert(position, name, value)
    return frame
