"""A stand-in sweep of any size for the benchmarks (paths that exist in every branch).

The shape follows ``scenarios/sweep_inspection_triggers.yaml``: an LHS over Ofsted's
capacity multiplier, the triggers' probability of acting and their minimum gap, on the
December 2015 scenario with a chosen horizon.
"""

from __future__ import annotations

import resource
from pathlib import Path

import yaml

from sim.calendar import month_index
from sim.scenario.schema import default_scenario_path

PARAMETERS = [
    {"path": "policy.ofsted.capacity_multiplier", "low": 0.5, "high": 2.0},
    {"path": "policy.sharper_triggers.act_probability", "low": 0.0, "high": 1.0},
    {"path": "policy.sharper_triggers.min_gap_months", "low": 3, "high": 24},
]


def write_sweep(folder: Path, points: int, replications: int, horizon: float) -> Path:
    """Write base.yaml and sweep.yaml into ``folder``; return the sweep file."""
    folder.mkdir(parents=True, exist_ok=True)
    base = yaml.safe_load(default_scenario_path().read_text())
    base["run"] = {**base.get("run", {}), "horizon_months": horizon}
    for key in ("calibration", "base"):  # files the scenario names, from where the copy is
        if key in base:
            base[key] = str((default_scenario_path().parent / base[key]).resolve())
    start = month_index(str(base["run"].get("start", "2016-01")))
    base["timeline"] = [  # entries past a short horizon would never apply (and are refused)
        entry for entry in base.get("timeline", []) if month_index(entry["at"]) - start < horizon
    ]
    (folder / "base.yaml").write_text(yaml.safe_dump(base))
    sweep = {
        "name": "benchmark",
        "scenario": "base.yaml",
        "parameters": PARAMETERS,
        "design": {"method": "lhs", "points": points, "seed": 1},
        "replications": replications,
    }
    path = folder / "sweep.yaml"
    path.write_text(yaml.safe_dump(sweep, sort_keys=False))
    return path


def peak_rss_mb() -> tuple[float, float]:
    """Peak resident memory (MB) of this process and of its largest finished child."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return own, children


def disk_mb(directory: Path) -> float:
    """Size of a results directory on disk (MB)."""
    return sum(p.stat().st_size for p in directory.rglob("*") if p.is_file()) / 1e6
