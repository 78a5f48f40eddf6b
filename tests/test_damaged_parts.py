"""Damaged results parts: each kind of damage is reported by its task and redone on resume.

One uninterrupted run is the reference; each test damages a copy of it, continues it, and
asserts that every stored data file (parts and combined tables) is byte-identical to the
reference, and that the damage was named by variant, point and replication.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sim.cli.app import app
from sim.errors import ResultsError
from sim.experiments.tasks import Task, fingerprint, plan
from sim.results.directory import RunDirectory
from sim.scenario.timeline import variant_scenarios
from sim.workflow.run import run_scenario
from tests.conftest import make_scenario
from tests.sweeps import stored_files

SCENARIO = {
    "run.horizon_months": 3,
    "run.replications": 3,
    "variants": {"no_triggers": {"policy.sharper_triggers.enabled": False}},
}


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An uninterrupted run (3 replications of 2 variants, 3 months)."""
    out = tmp_path_factory.mktemp("reference") / "run"
    run_scenario(make_scenario(**SCENARIO), out, plots=False)
    return out


def _tasks() -> list[Task]:
    scenario = make_scenario(**SCENARIO)
    prints = {name: fingerprint(s) for name, s in variant_scenarios(scenario).items()}
    return plan(prints, range(3), scenario.run.seed, fingerprints=prints)


def _part(directory: Path, variant: str, replication: int) -> Path:
    task = next(t for t in _tasks() if (t.variant, t.replication) == (variant, replication))
    return directory / "parts" / task.key


def _delete(d: Path) -> None:
    (_part(d, "baseline", 1) / "monthly.arrow").unlink()


def _truncate(d: Path) -> None:
    file = _part(d, "baseline", 1) / "monthly.arrow"
    file.write_bytes(file.read_bytes()[: file.stat().st_size // 2])


def _flip(d: Path) -> None:
    file = _part(d, "baseline", 1) / "monthly.arrow"
    data = bytearray(file.read_bytes())
    data[len(data) // 2] ^= 0xFF
    file.write_bytes(bytes(data))


def _swap_file(d: Path) -> None:
    source = _part(d, "baseline", 2) / "monthly.arrow"
    shutil.copyfile(source, _part(d, "baseline", 1) / "monthly.arrow")


def _swap_part(d: Path) -> None:
    target = _part(d, "baseline", 1)
    shutil.rmtree(target)
    shutil.copytree(_part(d, "baseline", 2), target)


def _no_manifest(d: Path) -> None:
    (_part(d, "baseline", 1) / "part.json").unlink()


DAMAGE: dict[str, Callable[[Path], None]] = {
    "deleted": _delete,
    "truncated": _truncate,
    "flipped bytes": _flip,
    "file swapped": _swap_file,
    "part swapped": _swap_part,
    "manifest deleted": _no_manifest,
}


@pytest.mark.parametrize("kind", list(DAMAGE))
def test_damage_is_named_by_task_and_redone(kind: str, reference: Path, tmp_path: Path) -> None:
    damaged = tmp_path / "run"
    shutil.copytree(reference, damaged)
    DAMAGE[kind](damaged)
    with pytest.raises(ResultsError, match=r"variant 'baseline', point 0, replication 1"):
        RunDirectory(damaged).combine(_tasks())  # checked on read: never trusted
    report = run_scenario(make_scenario(**SCENARIO), damaged, plots=False)
    assert len(report.damaged) == 1
    assert report.damaged[0].startswith("variant 'baseline', point 0, replication 1: ")
    assert report.tasks_run == 1
    assert stored_files(damaged) == stored_files(reference)


def test_cli_resume_names_the_damaged_part(reference: Path, tmp_path: Path) -> None:
    damaged = tmp_path / "run"
    shutil.copytree(reference, damaged)
    _flip(damaged)
    scenario = tmp_path / "s.yaml"
    scenario.write_text(
        "run: {horizon_months: 3, replications: 3}\n"
        "variants:\n  no_triggers: {policy.sharper_triggers.enabled: false}\n"
    )
    result = CliRunner().invoke(
        app, ["run", str(scenario), "--out", str(damaged), "--resume", "--no-plots"]
    )
    assert result.exit_code == 0, result.output
    assert "damaged part redone: variant 'baseline', point 0, replication 1" in result.output
    assert stored_files(damaged) == stored_files(reference)
