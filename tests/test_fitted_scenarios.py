"""Fitted files as scenario defaults, `sim params` kind fitted, and posterior propagation."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

from sim.cli.app import app
from sim.errors import ScenarioError
from sim.scenario.loading import load_scenario
from sim.workflow.run import run_scenario

NOISE, VOLATILITY = "world.performance.judgement_noise_sd", "world.performance.volatility"


def fitted_case(tmp_path: Path, uncertainty: str = "fixed", own: dict | None = None) -> Path:
    """A fitted file (two far-apart particles), its posterior and a scenario naming it."""
    fitted = {
        "calibration": "test_fit",
        "date": "2026-12-01T00:00:00Z",
        "posterior": "posterior.parquet",
        "parameters": {
            NOISE: {"value": 0.35, "low": 0.2, "high": 0.5},
            VOLATILITY: {"value": 0.3, "low": 0.02, "high": 0.6},
        },
    }
    (tmp_path / "fitted.yaml").write_text(yaml.safe_dump(fitted))
    pd.DataFrame(
        {"particle": [0, 1], "weight": [0.5, 0.5], "distance": [1.0, 1.0],
         NOISE: [0.35, 0.35], VOLATILITY: [0.02, 0.6]}
    ).to_parquet(tmp_path / "posterior.parquet")
    scenario = {
        "run": {"name": "fitted_case", "horizon_months": 36, "replications": 10, "seed": 3,
                "parameter_uncertainty": uncertainty},
        "world": {"population": {"source": "synthetic", "councils": 30}, **(own or {})},
        "calibration": "fitted.yaml",
        "variants": {"dearer_inspections": {"world.costs.inspection_gbp": 90_000}},
    }
    path = tmp_path / "scenario.yaml"
    path.write_text(yaml.safe_dump(scenario, sort_keys=False))
    return path


def test_fitted_values_are_defaults_under_the_scenario_settings(tmp_path: Path) -> None:
    own = {"performance": {"judgement_noise_sd": 0.7}}
    scenario = load_scenario(fitted_case(tmp_path, own=own))
    assert scenario.world.performance.volatility == 0.3  # from the fitted file
    assert scenario.world.performance.judgement_noise_sd == 0.7  # the scenario's own


def test_params_shows_fitted_kind_interval_and_source(tmp_path: Path) -> None:
    own = {"performance": {"judgement_noise_sd": 0.7}}
    args = ["params", str(fitted_case(tmp_path, own=own)), "--format", "csv"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    rows = {row["path"]: row for row in csv.DictReader(io.StringIO(result.stdout))}
    volatility = rows["world.performance.volatility"]
    assert volatility["kind"] == "fitted"
    assert "0.02 to 0.6" in volatility["source"] and "test_fit" in volatility["source"]
    noise = rows["world.performance.judgement_noise_sd"]
    assert noise["kind"] != "fitted"  # the scenario's own value is not the fit


def test_missing_fitted_file_is_located(tmp_path: Path) -> None:
    path = fitted_case(tmp_path)
    (tmp_path / "fitted.yaml").unlink()
    with pytest.raises(ScenarioError, match="no fitted file") as caught:
        load_scenario(path)
    assert caught.value.path == str(path) and caught.value.line is not None


def test_posterior_particles_are_shared_by_variants_and_widen_the_ci(tmp_path: Path) -> None:
    fixed_dir, posterior_dir = tmp_path / "fixed", tmp_path / "posterior"
    fixed = run_scenario(load_scenario(fitted_case(tmp_path)), fixed_dir, plots=False)
    drawn = run_scenario(load_scenario(fitted_case(tmp_path, "posterior")), posterior_dir,
                         plots=False)
    particles = pd.read_csv(posterior_dir / "particles.csv")
    assert list(particles["replication"]) == list(range(10))
    assert set(particles["particle"]) == {0, 1}  # both particles drawn
    reps = pd.read_parquet(posterior_dir / "replications.parquet")
    metric = "child_years_truly_inadequate"
    by_variant = reps.pivot(index="replication", columns="variant", values=metric)
    # the variant changes a cost only: with the same particle and seeds the children's
    # outcome is the same replication by replication
    assert (by_variant["baseline"] == by_variant["dearer_inspections"]).all()
    low = particles.set_index("replication")[VOLATILITY] < 0.1
    assert by_variant["baseline"][low].mean() != by_variant["baseline"][~low].mean()

    def width(report) -> float:
        summary = report.summary
        row = summary[(summary["variant"] == "baseline") & (summary["metric"] == metric)].iloc[0]
        return float(row["ci_high"] - row["ci_low"])

    assert width(drawn) > 1.5 * width(fixed)


def posterior_sweep(tmp_path: Path, uncertainty: str, path: str = "world.costs.trust_setup_gbp",
                    values: tuple[float, float] = (1e6, 2e6)) -> Path:
    """A 2-point grid over ``path`` on the fitted case, 8 replications."""
    fitted_case(tmp_path, uncertainty)
    sweep = {
        "scenario": "scenario.yaml",
        "parameters": [{"path": path, "values": list(values)}],
        "design": {"method": "grid"},
        "replications": 8,
        "variants": ["dearer_inspections"],
        "metrics": ["child_years_truly_inadequate"],
    }
    file = tmp_path / f"sweep_{uncertainty}.yaml"
    file.write_text(yaml.safe_dump(sweep, sort_keys=False))
    return file


def test_sweep_replications_share_their_particle_across_points_and_variants(
    tmp_path: Path,
) -> None:
    from sim.experiments.sweep_file import load_sweep
    from sim.workflow.sweep import run_sweep

    fixed = run_sweep(load_sweep(posterior_sweep(tmp_path, "fixed")), tmp_path / "f", plots=False)
    drawn = run_sweep(load_sweep(posterior_sweep(tmp_path, "posterior")), tmp_path / "p",
                      plots=False)
    particles = pd.read_csv(tmp_path / "p" / "particles.csv")
    assert list(particles["replication"]) == list(range(8))
    assert set(particles["particle"]) == {0, 1}
    assert not (tmp_path / "f" / "particles.csv").exists()
    reps = pd.read_parquet(tmp_path / "p" / "replications.parquet")
    metric = "child_years_truly_inadequate"
    # the swept cost and the variant's cost leave the children's outcome alone: with the
    # same particle and common streams it is equal across points and variants, per replication
    per_rep = reps.groupby("replication")[metric].nunique()
    assert (per_rep == 1).all()
    outcome = reps.groupby("replication")[metric].first()
    low = particles.set_index("replication")[VOLATILITY] < 0.1
    assert outcome[low].mean() != outcome[~low].mean()

    def width(points: pd.DataFrame) -> float:
        row = points[(points["variant"] == "baseline") & (points["point"] == 0)].iloc[0]
        return float(row[f"{metric}_ci_high"] - row[f"{metric}_ci_low"])

    assert width(drawn.points) > 1.5 * width(fixed.points)


def test_a_swept_fitted_path_keeps_the_points_value(tmp_path: Path) -> None:
    from sim.experiments.sweep_file import load_sweep
    from sim.scenario.validation import get_path
    from sim.workflow.sweep import _with_particles

    sweep = load_sweep(posterior_sweep(tmp_path, "posterior", VOLATILITY, (0.05, 0.5)))
    tasks, scenario_of, draws = _with_particles(sweep, sweep.tasks())
    assert draws is not None and len({t.fingerprint for t in tasks}) > 2
    for task in tasks:
        assert get_path(scenario_of(task).initial, VOLATILITY) == (0.05, 0.5)[task.point]
