"""Resumable and extendable results: kill -9 mid-sweep, resume, and get the uninterrupted data."""

from __future__ import annotations

import contextlib
import os
import signal
import time
from pathlib import Path

import pandas as pd
import pytest

from sim.errors import ResultsError
from sim.experiments.execution import Execution
from sim.experiments.sweep_file import load_sweep
from sim.experiments.tasks import EncodedOutput, Task
from sim.results import parts
from sim.results.directory import RunDirectory
from sim.workflow.run import run_scenario
from sim.workflow.sweep import run_sweep
from tests.conftest import make_scenario
from tests.sweeps import finished_parts, sim_command, stored_files, tables, write_sweep

ATTEMPTS = 3  # each retry doubles the sweep, so that the kill lands part way


def _kill_part_way(sweep_file: Path, out: Path, total: int) -> bool:
    """Start the sweep in a subprocess and SIGKILL it once some but not all tasks are stored.

    Returns:
        True if it was killed part way; False if it finished first.
    """
    args = ("sweep", str(sweep_file), "--out", str(out), "--workers", "2", "--no-plots")
    process = sim_command(*args)
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and process.poll() is None:
            if 1 <= len(finished_parts(out)) < total:
                os.kill(process.pid, signal.SIGKILL)
                process.wait(timeout=30)
                return True
            time.sleep(0.02)
        return False
    finally:
        with contextlib.suppress(ProcessLookupError):  # the pool's workers, orphaned by the kill
            os.killpg(process.pid, signal.SIGKILL)
        process.communicate(timeout=30)


def test_kill_and_resume_gives_the_uninterrupted_data(tmp_path):
    points = 12
    for attempt in range(ATTEMPTS):
        folder = tmp_path / f"attempt{attempt}"
        sweep_file = write_sweep(folder, points=points, replications=2, horizon=12, variants=False)
        total = points * 2
        out = folder / "killed"
        if _kill_part_way(sweep_file, out, total):
            break
        points *= 2
    else:
        pytest.fail(f"the sweep finished before it could be killed, {ATTEMPTS} times")
    stored_before = len(finished_parts(out))
    assert 1 <= stored_before < total
    resumed = sim_command("sweep", str(sweep_file), "--out", str(out), "--resume", "--no-plots")
    stdout, stderr = resumed.communicate(timeout=180)
    assert resumed.returncode == 0, stderr.decode()
    assert f"({stored_before} already stored)" in stdout.decode()

    sweep = load_sweep(sweep_file)
    run_sweep(sweep, folder / "whole", execution=Execution(workers=1), plots=False)
    expected, got = tables(folder / "whole"), tables(out)
    for name, frame in expected.items():
        pd.testing.assert_frame_equal(got[name], frame, check_exact=True)
    keys = got["replications"][["variant", "point", "replication"]]
    assert not keys.duplicated().any() and len(keys) == total
    assert finished_parts(out) == finished_parts(folder / "whole")
    assert stored_files(out) == stored_files(folder / "whole")
    assert not list((out / "parts").glob(".tmp-*"))


def test_a_half_written_part_is_never_read_as_finished(tmp_path):
    sweep = load_sweep(write_sweep(tmp_path / "def", points=5, replications=1, variants=False))
    run_dir = RunDirectory(tmp_path / "out")
    run_sweep(sweep, run_dir.path, plots=False)
    before = stored_files(run_dir.path)
    last = sweep.tasks()[-1]
    (run_dir.parts / f"{last.key}.part").rename(half := run_dir.parts / f".tmp-{last.key}-999.part")
    half.write_bytes(half.read_bytes()[:100])  # cut short by kill -9 while it was written
    assert last.key not in run_dir.finished()
    report = run_sweep(sweep, run_dir.path, plots=False)
    assert report.tasks_run == 1 and not half.exists()
    assert stored_files(run_dir.path) == before


def test_a_crash_mid_run_then_a_rerun_runs_only_the_rest(tmp_path):
    class Crash:
        def __init__(self) -> None:
            self.seen = 0

        def start(self, done: int, total: int) -> None:
            pass

        def advance(self, step: int) -> None:
            self.seen += step
            if self.seen == 3:
                raise KeyboardInterrupt

    scenario = make_scenario(**{"run.horizon_months": 6, "run.replications": 5})
    with pytest.raises(KeyboardInterrupt):
        run_scenario(scenario, tmp_path / "r", progress=Crash(), plots=False)
    assert len(finished_parts(tmp_path / "r")) == 3
    report = run_scenario(scenario, tmp_path / "r", plots=False)
    whole = run_scenario(scenario, tmp_path / "whole", plots=False)
    assert (report.tasks_run, whole.tasks_run) == (2, 5)
    assert stored_files(tmp_path / "r") == stored_files(tmp_path / "whole")


def test_more_replications_into_a_directory_adds_only_the_missing_ones(tmp_path):
    small = make_scenario(
        **{
            "run.horizon_months": 6,
            "run.replications": 2,
            "variants": {"more_teams": {"policy.regime.commissioners": 8}},
        }
    )
    bigger = small.model_copy(update={"run": small.run.model_copy(update={"replications": 4})})
    assert run_scenario(small, tmp_path / "r", plots=False).tasks_run == 4
    extended = run_scenario(bigger, tmp_path / "r", plots=False)
    assert extended.tasks_run == 4 and extended.replications == 4
    fresh = run_scenario(bigger, tmp_path / "fresh", plots=False)
    reps = pd.read_parquet(tmp_path / "r" / "replications.parquet")
    assert len(reps) == 8 and not reps[["variant", "replication"]].duplicated().any()
    fresh_reps = pd.read_parquet(tmp_path / "fresh" / "replications.parquet")
    pd.testing.assert_frame_equal(reps, fresh_reps)
    assert fresh.tasks_run == 8
    fewer = run_scenario(small, tmp_path / "r", plots=False)
    assert fewer.tasks_run == 0
    assert len(pd.read_parquet(tmp_path / "r" / "replications.parquet")) == 4


def test_a_directory_of_other_inputs_is_refused(tmp_path):
    scenario = make_scenario(**{"run.horizon_months": 3, "run.replications": 1})
    run_scenario(scenario, tmp_path / "r", plots=False)
    other = make_scenario(**{"run.horizon_months": 3, "policy.regime.commissioners": 7})
    with pytest.raises(ResultsError, match=r"policy\.regime\.commissioners is 12 there, 7 now"):
        run_scenario(other, tmp_path / "r", plots=False)
    (tmp_path / "junk").mkdir()
    (tmp_path / "junk" / "notes.txt").write_text("mine")
    with pytest.raises(ResultsError, match="not a results directory"):
        run_scenario(scenario, tmp_path / "junk", plots=False)


def test_write_part_keeps_the_first_copy(tmp_path):
    run_dir = RunDirectory(tmp_path)
    task = Task("baseline", 0, 0, 1, "f")
    run_dir.write_part(EncodedOutput(task, {"replication": b"first"}))
    run_dir.write_part(EncodedOutput(task, {"replication": b"second"}))
    stored = parts.load(run_dir.parts / f"{task.key}.part", task)
    assert stored.data("replication").to_pybytes() == b"first"
    assert run_dir.finished() == {task.key}


def test_cli_resume_and_executor_mistakes_are_messages(tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from sim.cli.app import app

    runner = CliRunner()
    scenario = tmp_path / "s.yaml"
    scenario.write_text("run: {horizon_months: 3, replications: 1}\n")
    monkeypatch.chdir(tmp_path)
    nothing = runner.invoke(app, ["run", str(scenario), "--resume"])
    assert nothing.exit_code == 1 and "no results directory to resume" in nothing.output
    missing = runner.invoke(app, ["run", str(scenario), "--resume", "--out", "nope"])
    assert missing.exit_code == 1 and "nope: no results to resume" in missing.output
    args = ["run", str(scenario), "--executor", "process", "--scheduler", "tcp://h:8786"]
    clash = runner.invoke(app, args)
    assert clash.exit_code == 1 and "use it with --executor dask" in clash.output
    first = runner.invoke(app, ["run", str(scenario), "--no-plots"])
    assert first.exit_code == 0, first.output
    again = runner.invoke(app, ["run", str(scenario), "--resume", "--no-plots"])
    assert again.exit_code == 0, again.output
    assert len(list((tmp_path / "results" / "s").iterdir())) == 1  # continued, not a new one


def test_a_part_is_written_whole_when_the_kernel_writes_it_in_pieces(tmp_path, monkeypatch):
    real = os.writev

    def short(fd: int, buffers: list[memoryview]) -> int:
        return real(fd, [bytes(b"".join(buffers)[:7])])  # at most 7 bytes a call

    task = Task("baseline", 0, 0, 1, "f")
    chunks = parts.encode(task, {"replication": b"first" * 50, "monthly": b"second"})
    monkeypatch.setattr(os, "writev", short)
    with open(tmp_path / "p.part", "wb") as file:
        parts.write_all(file.fileno(), chunks)
    assert (tmp_path / "p.part").read_bytes() == b"".join(chunks)
    stored = parts.load(tmp_path / "p.part", task)
    assert stored.data("monthly").to_pybytes() == b"second"
