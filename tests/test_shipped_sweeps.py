"""Every shipped sweep validates, and runs briefly (fewer points, one replication, 12 months)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from sim.experiments.sweep_file import load_sweep
from sim.workflow.sweep import run_sweep

SCENARIOS = Path(__file__).resolve().parent.parent / "scenarios"
SWEEPS = sorted(SCENARIOS.glob("sweep_*.yaml"))


def _brief(path: Path, folder: Path) -> Path:
    """A copy of a shipped sweep with a 12-month base, 1 replication and the fewest points."""
    sweep = yaml.safe_load(path.read_text())
    base = yaml.safe_load((path.parent / sweep["scenario"]).read_text())
    base["run"] = {**base.get("run", {}), "horizon_months": 12}
    for key in ("calibration", "base"):  # the files the base names, from where the copy is
        if key in base:
            base[key] = str((path.parent / base[key]).resolve())
    start = str(base["run"].get("start", "2016-01"))
    end = f"{int(start[:4]) + 1}{start[4:]}"  # entries after the 12 months would never apply
    base["timeline"] = [e for e in base.get("timeline", []) if str(e["at"]) < end]
    (folder / "base.yaml").write_text(yaml.safe_dump(base))
    sweep["scenario"] = "base.yaml"
    sweep["replications"] = 1
    smallest = {"sobol": 2, "lhs": len(sweep["parameters"]) + 3}
    if sweep["design"]["method"] in smallest:
        sweep["design"]["points"] = smallest[sweep["design"]["method"]]
    brief = folder / path.name
    brief.write_text(yaml.safe_dump(sweep, sort_keys=False))
    return brief


@pytest.mark.parametrize("path", SWEEPS, ids=[p.stem for p in SWEEPS])
def test_shipped_sweep_validates_and_runs_briefly(path, tmp_path):
    load_sweep(path)  # the shipped file itself validates
    sweep = load_sweep(_brief(path, tmp_path))
    report = run_sweep(sweep, tmp_path / "out", plots=False)
    assert report.tasks_run == len(sweep.points) * len(sweep.variants)
    assert (tmp_path / "out" / "points.parquet").exists()
    if sweep.spec.design.method != "grid":
        assert (tmp_path / "out" / "sensitivity.csv").exists()


def test_there_is_a_ready_deadline_and_capacity_sweep():
    assert SCENARIOS / "sweep_deadline_capacity.yaml" in SWEEPS
