"""Every shipped sweep validates, and runs briefly (fewer points, one replication, 12 months).

``sweep_deadline_capacity.yaml`` sweeps paths that the intervention-regime work adds
(``policy.regime``, ``policy.sponsors``). Until that is merged its test skips, with the
reason, when loading fails on exactly those paths; after the merge it runs like the others.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from sim.errors import ScenarioError
from sim.experiments.sweep_file import load_sweep
from sim.workflow.sweep import run_sweep

SCENARIOS = Path(__file__).resolve().parent.parent / "scenarios"
SWEEPS = sorted(SCENARIOS.glob("sweep_*.yaml"))
PENDING = ("policy.regime", "policy.sponsors")  # added by the regime branch


def _load_or_skip(path: Path) -> None:
    try:
        load_sweep(path)
    except ScenarioError as err:
        pending = [p for p in PENDING if f"{p}." in str(err)]
        if pending:
            pytest.skip(
                f"{path.name} sweeps {', '.join(pending)}, which the intervention-regime "
                f"branch adds; this test runs once that is merged ({err.errors[0].describe()})"
            )
        raise


def _brief(path: Path, folder: Path) -> Path:
    """A copy of a shipped sweep with a 12-month base, 1 replication and the fewest points."""
    sweep = yaml.safe_load(path.read_text())
    base = yaml.safe_load((path.parent / sweep["scenario"]).read_text())
    base["run"] = {**base.get("run", {}), "horizon_months": 12}
    if "calibration" in base:  # the fitted file the base names, from where the copy is
        base["calibration"] = str((path.parent / base["calibration"]).resolve())
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
    _load_or_skip(path)
    sweep = load_sweep(_brief(path, tmp_path))
    report = run_sweep(sweep, tmp_path / "out", plots=False)
    assert report.tasks_run == len(sweep.points) * len(sweep.variants)
    assert (tmp_path / "out" / "points.parquet").exists()
    if sweep.spec.design.method != "grid":
        assert (tmp_path / "out" / "sensitivity.csv").exists()


def test_there_is_a_ready_deadline_and_capacity_sweep():
    assert SCENARIOS / "sweep_deadline_capacity.yaml" in SWEEPS
