"""The results directory: written as tasks finish, read back for analysis and plots.

Layout of a run directory::

    manifest.json          kind, version, seed, command, platform, identity (at the start)
    scenario.yaml          the resolved scenario (a run: at the end, with the replications held)
    sweep.yaml, design.csv a sweep's resolved definition and its points (sweeps only)
    timings.json           seconds, tasks, tasks run (written when the run finishes)
    parts/<task key>.part  one finished replication, one file (``sim.results.parts``): its
                           header, then its tables as Arrow IPC: replication, monthly,
                           councils, judgements (, events), then its sha256
    replications.parquet   one row per variant, point and replication: ids, seed, a sweep
                           point's parameter values, outcomes
    monthly.parquet        variant, point, replication, month, date, counts
    councils.parquet       variant, point, replication, council, per-council outcomes
    events.parquet         the event log, when traced
    judgements.parquet     variant, point, replication, then one row per graded judgement:
                           council (index), month, framework, kind, grade, previous_grade,
                           vacancy_rate, agency_rate (the council's, as it is published)
    summary.csv            variant, metric, unit, mean, ci_low, ci_high, sd, n (runs)
    comparison.csv         paired differences against the baseline, when there are variants
    derived.csv            cross-variant figures against the variant without graduate
                           programmes (child-years averted, cost per child-year averted)
    points.parquet         per variant and sweep point: parameters, n, mean and 95% CI (sweeps)
    sensitivity.csv        Sobol or regression sensitivity indices (LHS and Sobol sweeps)
    selection.csv          `sim select`: per variant, metric, unit, replications, mean, fate
    councils.csv           per variant and council across replications (headers with units)
    discovery_<metric>.csv `sim discover`: the PRIM box; peeling_<metric>.csv its trajectory

A task's key is a hash of its resolved inputs (``Task.key``), so a directory
can be resumed or extended by running only the keys it lacks. Each task is
written to a temporary file and renamed into ``parts/`` in one step:
an interrupted run (even ``kill -9``) keeps every finished task and never
leaves a half-written one where it would be read as finished. Combined
tables are streamed from the parts in plan order, so memory does not grow
with the number of tasks. Each file is written once per run (or sweep).
CSV files carry their units from ``sim.results.measures`` (``with_units``).
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from sim.errors import ResultsError
from sim.experiments.tasks import TABLES, EncodedOutput, Task, plan_order
from sim.results import parts
from sim.results.naming import first_difference
from sim.results.tableio import atomic_write, read_table, stream, with_inputs

COMBINED = {
    "replication": "replications.parquet",
    "monthly": "monthly.parquet",
    "councils": "councils.parquet",
    "events": "events.parquet",
    "judgements": "judgements.parquet",
}
# Identity keys checked before the inputs, each with the refusal when a continued directory
# differs in it ({there}: stored, {here}: this run): parts of two model versions, or of two
# versions of the model's code, must never be combined into one table.
VERSION_KEYS = {
    "model_version": "written by model version {there}, this is {here}; results of two "
    "versions cannot be combined, choose another --out",
    "code_hash": "written by other model code (code hash {there} there, {here} now); results "
    "of two versions of the code cannot be combined: choose another --out to run them again",
}


class RunDirectory:
    """A results directory being written or read."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.parts = self.path / "parts"
        # parts whose content this object wrote or hashed: checked by size alone before they
        # are combined (each part is hashed once per run, not twice)
        self._hashed: set[str] = set()

    def prepare(
        self, identity: dict[str, Any], documents: dict[str, Any], manifest: dict[str, Any]
    ) -> bool:
        """Create the directory, or check that an existing one holds the same experiment.

        Args:
            identity: Plain inputs that must match to continue a directory (the resolved
                scenario and sweep without replication counts, model version, tracing).
            documents: File name -> plain data written as YAML (or text for ``.csv``).
            manifest: Provenance written to ``manifest.json`` with the identity (once:
                what happens later goes to ``timings.json``).

        Returns:
            True when an existing directory is continued.

        Raises:
            ResultsError: If the directory holds something else.
        """
        continuing = (self.path / "manifest.json").exists()
        if continuing:
            self.check_layout()
            self._check_identity(identity)
        else:
            self.check_target()
        self.parts.mkdir(parents=True, exist_ok=True)
        self.clean_temporary()
        for name, content in documents.items():
            self.write_document(name, content)
        atomic_write(
            self.path / "manifest.json",
            json.dumps({**manifest, "identity": identity}, indent=2, default=str),
        )
        return continuing

    def check_target(self) -> None:
        """Refuse an ``--out`` that is a file, or a directory holding something else.

        Raises:
            ResultsError: Naming the path and what to do.
        """
        if self.path.exists() and not self.path.is_dir():
            raise ResultsError(f"{self.path}: is a file, not a directory; choose another --out")
        if (self.path / "manifest.json").exists() or not self.path.is_dir():
            return
        if any(not p.name.startswith(".lock") for p in self.path.iterdir()):
            raise ResultsError(
                f"{self.path}: exists and is not a results directory; choose another --out"
            )

    def check_layout(self) -> None:
        """Refuse parts stored in the layout of an older sim (a directory per replication).

        Raises:
            ResultsError: Naming the directory and what to do.
        """
        if not self.parts.is_dir():
            return
        old = [p for p in self.parts.iterdir() if p.is_dir() and not p.name.startswith(".")]
        if old:
            raise ResultsError(
                f"{self.parts}: holds {len(old)} parts in the layout of an older sim (a "
                f"directory per replication, part format 1; this sim reads format "
                f"{parts.FORMAT}, one file per replication); choose another --out, or delete "
                f"{self.parts} to run every replication again"
            )

    def inside(self, name: str) -> Path:
        """``path/name``, refused if it would resolve outside the results directory.

        Names in a results directory's tables (variants, series) end up in file names; a
        directory written by someone else must not make ``sim plot`` write elsewhere.
        """
        target = self.path / name
        root = self.path.resolve()
        if not target.resolve().is_relative_to(root) or target.resolve() == root:
            raise ResultsError(
                f"{self.path}: refusing to write {name!r}, which is outside the directory"
            )
        return target

    def write_document(self, name: str, content: Any) -> None:
        """Write text as is, or plain data as YAML, atomically."""
        text = content if isinstance(content, str) else _yaml(content)
        atomic_write(self.path / name, text)

    def _check_identity(self, identity: dict[str, Any]) -> None:
        stored = self.manifest().get("identity")
        if stored is None:
            raise ResultsError(f"{self.path}: written by an older sim; choose another --out")
        for key, message in VERSION_KEYS.items():
            there, here = stored.get(key), identity.get(key)
            if there != here:
                raise ResultsError(f"{self.path}: " + message.format(there=there, here=here))
        difference = first_difference(stored, identity)
        if difference:
            raise ResultsError(
                f"{self.path}: holds results of different inputs ({difference}); "
                "continue it with the same inputs, or choose another --out"
            )

    def clean_temporary(self) -> None:
        """Remove half-written parts left by an interrupted run (never read as finished)."""
        if self.parts.is_dir():
            for stale in self.parts.glob(".tmp-*"):
                if stale.is_dir():
                    shutil.rmtree(stale, ignore_errors=True)
                else:
                    stale.unlink(missing_ok=True)

    def write_timings(self, timings: dict[str, Any]) -> None:
        """Record how the run went (seconds, tasks) when it has finished."""
        atomic_write(self.path / "timings.json", json.dumps(timings, indent=2, default=str))

    def manifest(self) -> dict[str, Any]:
        file = self.path / "manifest.json"
        try:
            data = json.loads(file.read_text())
        except FileNotFoundError:
            raise ResultsError(f"{file}: missing; not a readable results directory") from None
        except (OSError, ValueError) as err:
            raise ResultsError(f"{file}: not a readable results manifest ({err})") from None
        if not isinstance(data, dict):
            raise ResultsError(f"{file}: not a results manifest (expected a JSON object)")
        return data

    def document(self, name: str) -> Any:
        """A YAML document written by ``prepare`` (e.g. ``scenario.yaml``)."""
        try:
            return yaml.safe_load((self.path / name).read_text())
        except (OSError, ValueError, yaml.YAMLError) as err:
            raise ResultsError(f"{self.path / name}: cannot read ({err})") from None

    def finished(self) -> set[str]:
        """Keys of the tasks already stored."""
        if not self.parts.is_dir():
            return set()
        cut = len(parts.SUFFIX)
        return {
            name[:-cut]
            for name in os.listdir(self.parts)
            if name.endswith(parts.SUFFIX) and not name.startswith(".")
        }

    def _file(self, task: Task) -> Path:
        return self.parts / f"{task.key}{parts.SUFFIX}"

    def sound(self, tasks: Sequence[Task]) -> tuple[set[str], list[str]]:
        """Keys of the tasks whose stored part passes its check, and the damaged ones.

        A damaged part (``parts.problem``) is removed so that it is run again; each is
        described by its task, e.g. ``variant 'baseline', point 0, replication 3: ...``.
        """
        stored, good, damaged = self.finished(), set(), []
        for task in tasks:
            if task.key not in stored:
                continue
            found = parts.problem(self._file(task), task)
            if found is None:
                good.add(task.key)
                self._hashed.add(task.key)
            else:
                damaged.append(f"{parts.describe(task)}: {found}")
                self._file(task).unlink(missing_ok=True)
        return good, damaged

    def write_part(self, output: EncodedOutput) -> None:
        """Store one finished task atomically: one file under a temporary name, then renamed
        (no fsync: a part survives ``kill -9``, not a power cut). The first copy is kept."""
        key = output.task.key
        final = self._file(output.task)
        temporary = self.parts / f".tmp-{key}-{os.getpid()}{parts.SUFFIX}"
        chunks = parts.encode(output.task, output.tables, output.rows)
        fd = _create(temporary)
        try:
            parts.write_all(fd, chunks)
        except OSError as err:
            temporary.unlink(missing_ok=True)
            raise OSError(err.errno, err.strerror, str(temporary)) from None
        finally:
            os.close(fd)
        if final.exists():
            temporary.unlink()
            return
        temporary.rename(final)
        self._hashed.add(key)

    def read_parts(self, tasks: Sequence[Task], name: str = "replication") -> pd.DataFrame:
        """One table of the stored parts of ``tasks``, in plan order (small tables only)."""
        stored = [self._load(t) for t in plan_order(tasks)]
        return pd.concat([p.read(name).to_pandas() for p in stored], ignore_index=True)

    def _load(self, task: Task) -> parts.StoredPart:
        """The checked part of ``task`` (by its hash if this run has not hashed it yet)."""
        file = self._file(task)
        try:
            stored = parts.load(file, task, content=task.key not in self._hashed)
        except parts.PartError as err:
            if not file.exists():
                self.check_layout()
                raise ResultsError(
                    f"{file}: missing; the {parts.describe(task)} has not finished "
                    f"(run again with --resume --out {self.path})"
                ) from None
            raise ResultsError(
                f"{file}: the part of {parts.describe(task)} is damaged "
                f"({err}); run again with --resume --out {self.path} to redo it"
            ) from None
        self._hashed.add(task.key)
        return stored

    def combine(self, tasks: Sequence[Task], design: pd.DataFrame | None = None) -> None:
        """Stream the stored parts of ``tasks`` into the combined tables, in plan order.

        Rows are ordered by variant (as planned, baseline first), point and replication;
        memory holds at most one row group (``ROWS_PER_GROUP`` rows or ``PARTS_PER_GROUP``
        parts) at a time. With a sweep's ``design`` (``point``, one column per parameter),
        each replication row also carries its point's parameter values, after ``seed``.
        """
        stored = [self._load(t) for t in plan_order(tasks)]
        inputs = None if design is None else with_inputs(design)
        for name in TABLES:
            present = [p.table(name) for p in stored if name in p.tables]
            target = self.path / COMBINED[name]
            if present:
                stream(present, target, inputs if name == "replication" else None)
            elif target.exists():
                target.unlink()  # left by an earlier, traced run of other tasks

    def table(self, name: str) -> pd.DataFrame:
        """Read one combined table (``replications``, ``monthly``, ``councils``, ``events``)."""
        return read_table(self.path / f"{name}.parquet")


def _create(file: Path) -> int:
    """A new file's descriptor for writing (its folder made only if it is missing)."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC
    try:
        return os.open(file, flags, 0o666)
    except FileNotFoundError:
        file.parent.mkdir(parents=True, exist_ok=True)
        return os.open(file, flags, 0o666)


def _yaml(data: Any) -> str:
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
