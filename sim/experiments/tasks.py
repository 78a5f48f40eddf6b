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

import hashlib
import io
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import pandas as pd

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

    @property
    def key(self) -> str:
        """Directory-safe hash of the resolved point, variant, seed key, model version and
        the model's code hash (so a part stored by other code is never taken as done)."""
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


@dataclass(frozen=True)
class EncodedOutput:
    """A finished task's tables as parquet bytes, encoded where the task ran.

    Encoding on the worker keeps the client's share of the work (writing files)
    small, and the bytes are what is stored, whichever executor ran the task.
    """

    task: Task
    tables: dict[str, bytes]


def encode(output: TaskOutput) -> EncodedOutput:
    """Parquet bytes of each table of a task's output (events only when traced)."""
    tables = {}
    for name in TABLES:
        frame = getattr(output, name)
        if frame is not None:
            buffer = io.BytesIO()
            frame.to_parquet(buffer, index=False)
            tables[name] = buffer.getvalue()
    return EncodedOutput(output.task, tables)


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
    return [encode(run_task(task, scenario, table, trace)) for task in tasks]


def _front(frame: pd.DataFrame, ids: dict[str, str | int]) -> pd.DataFrame:
    """Put the identifying columns first."""
    for position, (name, value) in enumerate(ids.items()):
        frame.insert(position, name, value)
    return frame
