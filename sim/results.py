"""The results directory: written as tasks finish, read back for analysis and plots.

Layout of a run directory::

    scenario.yaml          the resolved scenario (every default filled in)
    manifest.json          version, seed, command, timings, platform
    parts/<task key>/      one finished task: replication, monthly, councils (, events) .parquet
    replications.parquet   one row per variant and replication: ids, seed, outcomes
    monthly.parquet        variant, replication, month, date, counts
    councils.parquet       variant, replication, council, per-council outcomes
    events.parquet         the event log, when traced
    summary.csv            variant, metric, mean, ci_low, ci_high, sd, n
    comparison.csv         paired differences against the baseline, when there are variants
    derived.csv            cross-variant figures against the variant without graduate
                           programmes (child-years averted, cost per child-year averted)

Each task is written to a temporary directory and renamed into ``parts/`` in one
step, so an interrupted run keeps every finished task and never leaves a
half-written one where it would be read as finished.
"""

from __future__ import annotations

import json
import os
import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from sim.errors import ResultsError
from sim.experiment import Task, TaskOutput

TABLES = ("replication", "monthly", "councils", "events")
COMBINED = {
    "replication": "replications.parquet",
    "monthly": "monthly.parquet",
    "councils": "councils.parquet",
    "events": "events.parquet",
}


def default_directory(root: Path, scenario_name: str) -> Path:
    """results/<scenario-name>/<UTC timestamp>/ (a new directory for each run)."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    return root / scenario_name / stamp


class RunDirectory:
    """A results directory being written or read."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.parts = self.path / "parts"

    def create(self, scenario_dump: dict[str, Any], manifest: dict[str, Any]) -> None:
        """Make the directory and write the resolved scenario and the manifest."""
        self.parts.mkdir(parents=True, exist_ok=True)
        text = yaml.safe_dump(scenario_dump, sort_keys=False, allow_unicode=True)
        _atomic_write(self.path / "scenario.yaml", text)
        self.write_manifest(manifest)

    def write_manifest(self, manifest: dict[str, Any]) -> None:
        _atomic_write(self.path / "manifest.json", json.dumps(manifest, indent=2, default=str))

    def manifest(self) -> dict[str, Any]:
        try:
            return dict(json.loads((self.path / "manifest.json").read_text()))
        except (OSError, ValueError) as err:
            raise ResultsError(f"{self.path}: not a readable results directory ({err})") from None

    def finished(self) -> set[str]:
        """Keys of the tasks already stored."""
        if not self.parts.is_dir():
            return set()
        return {p.name for p in self.parts.iterdir() if p.is_dir() and not p.name.startswith(".")}

    def write_part(self, output: TaskOutput) -> None:
        """Store one finished task atomically (temporary directory, then one rename)."""
        final = self.parts / output.task.key
        temporary = self.parts / f".tmp-{output.task.key}-{os.getpid()}"
        if temporary.exists():
            shutil.rmtree(temporary)
        temporary.mkdir(parents=True)
        for name in TABLES:
            frame = getattr(output, name)
            if frame is not None:
                frame.to_parquet(temporary / f"{name}.parquet", index=False)
        if final.exists():
            shutil.rmtree(temporary)
            return
        temporary.rename(final)

    def combine(self, tasks: list[Task]) -> dict[str, pd.DataFrame]:
        """Concatenate the stored parts of ``tasks`` in plan order and write the combined tables."""
        frames: dict[str, pd.DataFrame] = {}
        for name in TABLES:
            files = [self.parts / t.key / f"{name}.parquet" for t in tasks]
            present = [f for f in files if f.exists()]
            if not present:
                continue
            frame = pd.concat([pd.read_parquet(f) for f in present], ignore_index=True)
            frame = frame.sort_values(
                ["variant", "point", "replication"], kind="stable", key=_plan_order(tasks)
            )
            frame = frame.reset_index(drop=True)
            frame.to_parquet(self.path / COMBINED[name], index=False)
            frames[name] = frame
        return frames

    def table(self, name: str) -> pd.DataFrame:
        """Read one combined table (``replications``, ``monthly``, ``councils``, ``events``)."""
        path = self.path / f"{name}.parquet"
        if not path.exists():
            raise ResultsError(f"{path}: missing; expected a finished run directory")
        return pd.read_parquet(path)


def _plan_order(tasks: list[Task]) -> Any:
    """Sort key that puts variants in the order the plan names them (baseline first)."""
    order = {v: i for i, v in enumerate(dict.fromkeys(t.variant for t in tasks))}

    def key(column: pd.Series) -> pd.Series:
        return column.map(order) if column.name == "variant" else column

    return key


def _atomic_write(path: Path, text: str) -> None:
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_text(text)
    temporary.replace(path)
