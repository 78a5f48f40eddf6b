"""Executor invariance: 1 worker, 2 workers and a Dask LocalCluster store the same bytes.

Chunk sizes differ between the three runs on purpose: how replications are
grouped into units of work must not change what is stored either.
"""

from __future__ import annotations

import gc
import weakref

import pytest

from sim.experiments.execution import Execution
from sim.experiments.executors import chunk_size, chunks
from sim.experiments.sweep_file import load_sweep
from sim.experiments.tasks import (
    Task,
    fingerprint,
    heap_frozen,
    plan,
    plan_order,
)
from sim.results.parts import load
from sim.workflow.sweep import run_sweep
from tests.conftest import make_scenario
from tests.sweeps import finished_parts, stored_files, write_sweep


def test_sweep_is_byte_identical_across_executors(tmp_path):
    sweep = load_sweep(write_sweep(tmp_path / "def"))
    executions = {
        "one": Execution(workers=1),
        "two": Execution(workers=2, chunk=3),
        "dask": Execution(workers=2, executor="dask", chunk=2),
    }
    stored = {}
    for name, execution in executions.items():
        report = run_sweep(sweep, tmp_path / name, execution=execution, plots=False)
        assert report.tasks == report.tasks_run == 5 * 2 * 2
        stored[name] = stored_files(tmp_path / name)
    parts = [k for k in stored["one"] if k.startswith("parts/")]
    assert len(parts) == 20  # one file per task
    for task in sweep.tasks():  # replication, monthly, councils and judgements of every task
        part = load(tmp_path / "one" / "parts" / f"{task.key}.part", task)
        assert list(part.tables) == ["replication", "monthly", "councils", "judgements"]
    for table in ("replications.parquet", "points.parquet", "sensitivity.csv", "comparison.csv"):
        assert table in stored["one"]
    assert stored["two"] == stored["one"]
    assert stored["dask"] == stored["one"]
    assert finished_parts(tmp_path / "dask") == sorted(t.key for t in sweep.tasks())


def test_task_keys_change_with_every_input_and_only_those():
    base = Task("baseline", 0, 0, 1, "f")
    others = [
        Task("other", 0, 0, 1, "f"),
        Task("baseline", 1, 0, 1, "f"),
        Task("baseline", 0, 1, 1, "f"),
        Task("baseline", 0, 0, 2, "f"),
        Task("baseline", 0, 0, 1, "g"),
    ]
    assert base.key == Task("baseline", 0, 0, 1, "f").key
    assert len({base.key, *(t.key for t in others)}) == 6


def test_fingerprint_ignores_labels_and_counts_but_not_inputs():
    scenario = make_scenario()
    same = make_scenario(**{"run.replications": 99, "run.name": "renamed"})
    changed = make_scenario(**{"policy.regime.commissioners": 5})
    reseeded = make_scenario(**{"run.seed": 1})
    assert fingerprint(scenario) == fingerprint(same)
    assert fingerprint(scenario) != fingerprint(changed)
    assert fingerprint(scenario) != fingerprint(reseeded)


@pytest.mark.parametrize("size", [1, 2, 3, 7])
def test_chunks_cover_every_task_once_within_one_variant_and_point(size):
    tasks = [*plan(["a", "b"], range(5), 1, point=0), *plan(["a", "b"], range(5), 1, point=1)]
    units = chunks(tasks, size)
    flat = [t for unit in units for t in unit]
    assert sorted(flat, key=repr) == sorted(tasks, key=repr)
    for unit in units:
        assert len(unit) <= size and len({(t.variant, t.point) for t in unit}) == 1
    assert plan_order(tasks)[:5] == [Task("a", 0, r, 1) for r in range(5)]


def test_automatic_chunks_keep_workers_busy():
    assert chunk_size(10, 2, None) == 1
    assert chunk_size(4000, 2, None) == 8
    assert chunk_size(4000, 100, None) == 2
    assert chunk_size(10, 2, 4) == 4


class _Workers:
    """A stand-in for a Dask client: ``run`` returns what each worker reports."""

    def __init__(self, reports):
        self.reports = reports

    def run(self, function):
        return self.reports


def test_dask_workers_are_checked_by_code_hash_not_version():
    from sim import __version__
    from sim.errors import ExecutionError
    from sim.experiments.cluster import _check_versions
    from sim.provenance import code_hash

    # Same version string, other code (an edit not yet bumped): refused, naming the worker.
    stale = _Workers(
        {"tcp://a:1": (__version__, code_hash()), "tcp://b:2": (__version__, "0" * 16)}
    )
    with pytest.raises(ExecutionError, match=r"tcp://b:2 \(sim .*, code 0{16}\)") as refused:
        _check_versions(stale)
    assert "tcp://a:1" not in str(refused.value)
    # Another version string but the same code: accepted (the hash decides the numbers).
    _check_versions(_Workers({"tcp://a:1": ("0.0.0+other", code_hash())}))


def test_frozen_heap_is_unfrozen_after_and_a_callers_frozen_heap_left_alone():
    frozen = gc.get_freeze_count()
    with heap_frozen():
        with heap_frozen():  # overlapping units (threads of a Dask worker)
            pass
        assert gc.get_freeze_count() > 0  # only the outermost unfreezes
    assert (gc.get_freeze_count() > 0) == (frozen > 0)
    gc.freeze()
    try:
        with heap_frozen():
            pass
        assert gc.get_freeze_count() > 0  # the caller's freeze is not undone
    finally:
        gc.unfreeze()


class _Node:
    """An object that can sit in a reference cycle (and be weakly referenced)."""


def test_a_units_cycles_are_freed_not_frozen_into_the_next_unit():
    with heap_frozen():
        node = _Node()
        node.self = node  # type: ignore[attr-defined]  # a cycle, as a replication's world is
        ref = weakref.ref(node)
        del node
    assert ref() is None
