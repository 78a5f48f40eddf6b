"""Hostile results directories and environments: damaged tables, full disks, a held lock.

Each is a one-line message naming the file or option, exit 1, never a traceback.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sim.cli.app import app
from sim.errors import ResultsError
from sim.results.directory import RunDirectory
from sim.results.lock import locked
from sim.workflow.run import run_scenario
from tests.conftest import make_scenario

SCENARIO = {
    "run.horizon_months": 2,
    "run.replications": 2,
    "variants": {"no_triggers": {"policy.sharper_triggers.enabled": False}},
}
SMALL = "run: {horizon_months: 2, replications: 1}\n"


@pytest.fixture(scope="module")
def finished(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("finished") / "run"
    run_scenario(make_scenario(**SCENARIO), out, plots=False)
    return out


def _copy(finished: Path, tmp_path: Path) -> Path:
    target = tmp_path / "run"
    shutil.copytree(finished, target)
    return target


def _invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args))
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"traceback: {result.exception!r}\n{result.output}")
    return result.exit_code, result.output


def _truncate(file: Path) -> None:
    file.write_bytes(file.read_bytes()[:100])


def test_plot_on_a_truncated_table(finished: Path, tmp_path: Path) -> None:
    run = _copy(finished, tmp_path)
    _truncate(run / "monthly.parquet")
    code, output = _invoke("plot", str(run))
    assert code == 1 and "monthly.parquet: damaged or not a table" in output
    assert "Traceback" not in output


def test_plot_on_a_manifest_that_is_not_an_object(finished: Path, tmp_path: Path) -> None:
    run = _copy(finished, tmp_path)
    (run / "manifest.json").write_text("[1, 2]")
    code, output = _invoke("plot", str(run))
    assert code == 1 and "manifest.json: not a results manifest" in output


def test_plot_on_a_sweep_without_points(finished: Path, tmp_path: Path) -> None:
    run = _copy(finished, tmp_path)
    manifest = json.loads((run / "manifest.json").read_text())
    (run / "manifest.json").write_text(json.dumps({**manifest, "kind": "sweep"}))
    code, output = _invoke("plot", str(run))
    assert code == 1 and "points.parquet: missing" in output


def test_compare_on_a_truncated_table(finished: Path, tmp_path: Path) -> None:
    run = _copy(finished, tmp_path)
    _truncate(run / "replications.parquet")
    code, output = _invoke("compare", str(finished), str(run))
    assert code == 1 and "replications.parquet: damaged or not a table" in output


def test_compare_with_an_unknown_metric(finished: Path) -> None:
    code, output = _invoke("compare", str(finished), str(finished), "--metric", "child_yeras")
    assert code == 1 and "--metric 'child_yeras': no such outcome" in output


def test_compare_out_at_a_file(finished: Path, tmp_path: Path) -> None:
    file = tmp_path / "afile"
    file.write_text("mine")
    code, output = _invoke("compare", str(finished), str(finished), "--out", str(file))
    assert code == 1 and f"{file}: --out is a file" in output
    assert file.read_text() == "mine"


def test_compare_of_different_inputs_needs_force(finished: Path, tmp_path: Path) -> None:
    other = tmp_path / "other"
    fewer = make_scenario(**SCENARIO, **{"policy.regime.commissioners": 7})
    run_scenario(fewer, other, plots=False)
    differ = "policy.regime.commissioners: 12 in A, 7 in B"
    code, output = _invoke("compare", str(finished), str(other))
    assert code == 1 and differ in output and "--force" in output
    code, output = _invoke("compare", str(finished), str(other), "--force")
    assert code == 0 and f"inputs differ: scenario.{differ}" in output


def test_compare_of_runs_differing_only_in_variants_needs_no_force(
    finished: Path, tmp_path: Path
) -> None:
    other = tmp_path / "other"
    fewer = {**SCENARIO, "variants": {}}
    run_scenario(make_scenario(**fewer), other, plots=False)
    code, output = _invoke("compare", str(finished), str(other))
    assert code == 0, output


def _no_space(*args: object, **kwargs: object) -> None:
    raise OSError(errno.ENOSPC, "No space left on device")


def test_disk_full_while_writing_a_part(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "s.yaml").write_text(SMALL)
    out = tmp_path / "out"
    monkeypatch.setattr(os, "writev", _no_space)  # a part's one write
    code, output = _invoke("run", str(tmp_path / "s.yaml"), "--out", str(out), "--no-plots")
    assert code == 1 and ".part: cannot write or read (No space left" in output
    assert not list((out / "parts").iterdir())  # nothing half-written left behind
    assert "--resume" in output
    monkeypatch.undo()
    code, output = _invoke(
        "run", str(tmp_path / "s.yaml"), "--out", str(out), "--resume", "--no-plots"
    )
    assert code == 0, output


def test_disk_full_while_writing_a_plot(
    finished: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from matplotlib.figure import Figure

    run = _copy(finished, tmp_path)
    monkeypatch.setattr(Figure, "savefig", _no_space)
    code, output = _invoke("plot", str(run))
    assert code == 1 and "No space left on device" in output


def test_a_held_directory_names_its_holder(tmp_path: Path) -> None:
    (tmp_path / "s.yaml").write_text(SMALL)
    out = tmp_path / "out"
    with locked(RunDirectory(out), "sim run first.yaml"):
        code, output = _invoke("run", str(tmp_path / "s.yaml"), "--out", str(out), "--no-plots")
    assert code == 1
    assert f"in use by another sim (process {os.getpid()}" in output
    assert "sim run first.yaml" in output
    assert not (out / "manifest.json").exists()  # the second run did nothing


def test_workers_are_capped_at_the_cores(tmp_path: Path) -> None:
    (tmp_path / "s.yaml").write_text(SMALL)
    out = tmp_path / "out"
    code, output = _invoke(
        "run", str(tmp_path / "s.yaml"), "--out", str(out), "--workers", "1000", "--no-plots"
    )
    assert code == 0, output
    assert f"--workers 1000 capped at {len(os.sched_getaffinity(0))}" in output
    assert json.loads((out / "manifest.json").read_text())["workers"] < 1000


def test_nothing_is_written_outside_the_directory(tmp_path: Path) -> None:
    run_dir = RunDirectory(tmp_path / "run")
    with pytest.raises(ResultsError, match="outside the directory"):
        run_dir.inside("../escape")
    with pytest.raises(ResultsError, match="outside the directory"):
        run_dir.inside("/tmp/escape")
    assert run_dir.inside("response_x__baseline") == tmp_path / "run" / "response_x__baseline"
