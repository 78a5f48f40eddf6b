"""A run's plots drawn on its own pool: the same files as `sim plot`, errors located."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from itertools import pairwise
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from sim.calibration.evaluate import parent_alive
from sim.errors import ResultsError
from sim.experiments.execution import Execution
from sim.experiments.executors import Executor
from sim.results import figures
from sim.workflow.run import run_scenario
from tests.conftest import make_scenario
from tests.test_calibration_workers import descendants

ROOT = Path(__file__).resolve().parent.parent

VARIANTS = {  # four variants: the fan charts are small multiples, one figure reused
    "no_triggers": {"policy.sharper_triggers.enabled": False},
    "more_commissioners": {"policy.regime.commissioners": 8},
    "fewer_commissioners": {"policy.regime.commissioners": 2},
}


@pytest.fixture(scope="module")
def pooled(tmp_path_factory) -> Path:
    """A run on two workers, its plots drawn on its pool (checked: ``map`` saw the pool)."""
    scenario = make_scenario(
        **{"run.horizon_months": 24, "run.replications": 2, "run.seed": 5, "variants": VARIANTS}
    )
    out = tmp_path_factory.mktemp("pooled") / "r"
    seen: list[int] = []
    original = Executor.map

    def spy(self: Executor, function: Any, items: Any) -> Any:
        seen.append(self.pool_workers)
        return original(self, function, items)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Executor, "map", spy)
        run_scenario(scenario, out, execution=Execution(workers=2))
    assert seen == [2]
    return out


def test_plots_drawn_on_the_pool_are_the_serial_path_s_files(pooled: Path, tmp_path: Path) -> None:
    serial = tmp_path / "serial"
    shutil.copytree(pooled, serial, ignore=shutil.ignore_patterns("*.png", "report.html"))
    written = figures.write_plots(serial)
    names = sorted(p.name for p in pooled.glob("*.png"))
    assert names == sorted(p.name for p in written) and len(names) >= 4
    for name in names:
        a, b = (np.asarray(Image.open(d / name)) for d in (pooled, serial))
        assert a.shape == b.shape and (a == b).all(), name  # the same pixels
        assert (pooled / name).read_bytes() == (serial / name).read_bytes(), name
    assert (pooled / "report.html").read_text().count("data:image/png") == len(names)


def test_the_fan_charts_split_into_shares_that_cover_each_series_once() -> None:
    assert figures._shares(1, True) == [(0.0, 1.0)]
    for parts in (2, 3, 5):
        for lighter in (True, False):
            shares = figures._shares(parts, lighter)
            assert shares[0][0] == 0.0 and shares[-1][1] == 1.0
            assert all(a[1] == b[0] for a, b in pairwise(shares))


def test_plan_has_a_fan_job_per_part_before_the_forest_plot(pooled: Path) -> None:
    jobs = figures.plan(pooled, parts=2)
    assert [j.figure for j in jobs] == ["fans", "fans", "comparison", "councils"]
    assert [j.share for j in jobs[:2]] == [(0.0, 2 / 3), (2 / 3, 1.0)]


def test_a_damaged_table_is_a_located_error_from_a_worker(pooled: Path, tmp_path: Path) -> None:
    damaged = tmp_path / "damaged"
    shutil.copytree(pooled, damaged, ignore=shutil.ignore_patterns("*.png"))
    comparison = pd.read_csv(damaged / "comparison.csv")
    comparison.drop(columns=["baseline"]).to_csv(damaged / "comparison.csv", index=False)
    with Executor(Execution(workers=2)) as executor:
        executor._started_pool()
        with pytest.raises(ResultsError, match="incomplete or damaged results") as caught:
            executor.map(figures.draw, figures.plan(damaged, parts=executor.pool_workers))
    assert str(caught.value).startswith(f"{damaged}: ")


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads the process tree from /proc")
def test_ctrl_c_while_plotting_leaves_no_workers_behind(tmp_path: Path) -> None:
    out = tmp_path / "r"
    command = [sys.executable, "-m", "sim", "run", str(ROOT / "scenarios" / "reform_2015.yaml")]
    options = ["--replications", "2", "--horizon", "24", "--workers", "2", "--out", str(out)]
    child = subprocess.Popen(
        [*command, *options],
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        start_new_session=True,  # its own process group: Ctrl-C reaches it and its workers
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 120
    while not (out / "summary.csv").exists() and time.monotonic() < deadline:
        time.sleep(0.02)  # written just before the plots
    time.sleep(0.3)
    below = descendants(child.pid)
    os.killpg(child.pid, signal.SIGINT)  # what a terminal sends on Ctrl-C
    _, errors = child.communicate(timeout=60)
    deadline = time.monotonic() + 15
    while any(parent_alive(p) for p in below) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert child.returncode == 130 and "interrupted" in errors and "Traceback" not in errors
    assert not [p for p in below if parent_alive(p)]
    assert not (out / "report.html").exists()


def test_neither_the_workers_preload_nor_a_run_s_process_imports_matplotlib() -> None:
    """A worker imports it on its first figure: the fork server's preload must not (every
    worker would pay before its first task), nor the run's own process (it only plans)."""
    code = (
        "import sys, sim.experiments.preload, sim.workflow.run, sim.workflow.sweep; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'matplotlib'))"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
