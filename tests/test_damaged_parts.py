"""Damaged results parts: each kind of damage is reported by its task and redone on resume.

One uninterrupted run is the reference; each test damages a copy of it, continues it, and
asserts that every stored data file (parts and combined tables) is byte-identical to the
reference, and that the damage was named by variant, point and replication.
"""

from __future__ import annotations

import json
import shutil
import struct
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
    return directory / "parts" / f"{task.key}.part"


def _span(file: Path, name: str) -> tuple[int, int]:
    """(start, end) of one table's bytes in a part file, read from its header here (not by
    the code under test): magic, length, JSON header, then tables at multiples of 64 bytes."""
    data = file.read_bytes()
    (length,) = struct.unpack_from("<I", data, 8)
    header = json.loads(data[12 : 12 + length])
    start = -(-(12 + length) // 64) * 64
    for table, entry in header["tables"].items():
        if table == name:
            return start, start + entry["bytes"]
        start += -(-entry["bytes"] // 64) * 64
    raise AssertionError(f"no {name} table in {file}")


def _delete(d: Path) -> None:
    """A table's bytes cut out of the part (the old layout's deleted file)."""
    file = _part(d, "baseline", 1)
    start, end = _span(file, "monthly")
    data = file.read_bytes()
    file.write_bytes(data[:start] + data[end:])


def _truncate(d: Path) -> None:
    file = _part(d, "baseline", 1)
    file.write_bytes(file.read_bytes()[: file.stat().st_size // 2])


def _flip(d: Path) -> None:
    file = _part(d, "baseline", 1)
    start, end = _span(file, "monthly")
    data = bytearray(file.read_bytes())
    data[(start + end) // 2] ^= 0xFF
    file.write_bytes(bytes(data))


def _swap_file(d: Path) -> None:
    """Another replication's monthly table put in its place (the same size: same months)."""
    source, target = _part(d, "baseline", 2), _part(d, "baseline", 1)
    (start, end), (other, stop) = _span(target, "monthly"), _span(source, "monthly")
    assert end - start == stop - other
    data = bytearray(target.read_bytes())
    replaced = source.read_bytes()[other:stop]
    assert replaced != data[start:end]
    data[start:end] = replaced
    target.write_bytes(bytes(data))


def _swap_part(d: Path) -> None:
    shutil.copyfile(_part(d, "baseline", 2), _part(d, "baseline", 1))


def _no_manifest(d: Path) -> None:
    """The header gone: the part starts at its first table."""
    file = _part(d, "baseline", 1)
    start, _ = _span(file, "replication")
    file.write_bytes(file.read_bytes()[start:])


def _alter_header(d: Path) -> None:
    """A row count in the header changed, the header still valid JSON of the same size."""
    file = _part(d, "baseline", 1)
    data = file.read_bytes()
    at = data.index(b'"rows":') + len(b'"rows":')
    digit = data[at : at + 1]
    assert digit.isdigit()
    file.write_bytes(data[:at] + (b"8" if digit == b"9" else b"9") + data[at + 1 :])


DAMAGE: dict[str, Callable[[Path], None]] = {
    "deleted": _delete,
    "truncated": _truncate,
    "flipped bytes": _flip,
    "file swapped": _swap_file,
    "part swapped": _swap_part,
    "manifest deleted": _no_manifest,
    "manifest altered": _alter_header,
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


def _old_layout(d: Path) -> None:
    """Parts as an older sim stored them: a directory per replication, Arrow files and part.json."""
    for file in (d / "parts").glob("*.part"):
        folder = file.with_suffix("")
        folder.mkdir()
        (folder / "part.json").write_text('{"format": 1}')
        (folder / "replication.arrow").write_bytes(file.read_bytes())
        file.unlink()


def test_parts_of_the_old_layout_are_refused_with_what_to_do(
    reference: Path, tmp_path: Path
) -> None:
    old = tmp_path / "run"
    shutil.copytree(reference, old)
    _old_layout(old)
    message = r"holds 6 parts in the layout of an older sim .* choose another --out"
    with pytest.raises(ResultsError, match=message):
        run_scenario(make_scenario(**SCENARIO), old, plots=False)
    with pytest.raises(ResultsError, match=message):
        RunDirectory(old).combine(_tasks())
    scenario = tmp_path / "s.yaml"
    scenario.write_text("run: {horizon_months: 3, replications: 3}\n")
    result = CliRunner().invoke(
        app, ["run", str(scenario), "--out", str(old), "--resume", "--no-plots"]
    )
    assert result.exit_code == 1 and "layout of an older sim" in result.output
    assert "Traceback" not in result.output
