"""Common random numbers across sweep points, and sensitivity indices that know their noise."""

from __future__ import annotations

import math
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.experiments.designs import ParameterRange, design
from sim.experiments.sweep_file import load_sweep
from sim.results.sensitivity import (
    needed_replications,
    noise_share,
    noise_warnings,
    sensitivity,
)
from sim.workflow.sweep import run_sweep

# Emergency inspections switched off: the model never reads act_probability.
BASE = """
run: {horizon_months: 12, seed: 3}
policy:
  sharper_triggers: {enabled: false}
"""
NULL_SWEEP = """
scenario: base.yaml
parameters:
  - {path: policy.sharper_triggers.act_probability, low: 0.0, high: 1.0}
design: {method: sobol, points: 2, seed: 1}
replications: 2
metrics: [child_years_truly_inadequate, inspections_routine]
"""


def null_sweep(folder: Path, streams: str | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "base.yaml").write_text(BASE)
    text = NULL_SWEEP + (f"streams: {streams}\n" if streams else "")
    (folder / "sweep.yaml").write_text(textwrap.dedent(text).lstrip())
    return folder / "sweep.yaml"


def test_common_streams_share_seed_keys_across_points_and_keep_distinct_task_keys(tmp_path):
    sweep = load_sweep(null_sweep(tmp_path))
    tasks = sweep.tasks()
    assert {t.seed_key.point for t in tasks} == {0}
    assert len({t.key for t in tasks}) == len(tasks)
    independent = load_sweep(null_sweep(tmp_path / "ind", "independent")).tasks()
    assert [t.seed_key.point for t in independent] == [t.point for t in independent]
    # point 0 draws the same streams either way, so its stored parts are shared
    assert [t.key for t in tasks if t.point == 0] == [t.key for t in independent if t.point == 0]
    assert [t.key for t in tasks if t.point > 0] != [t.key for t in independent if t.point > 0]


@pytest.mark.parametrize("streams", ["common", "independent"])
def test_a_parameter_the_model_never_reads(tmp_path, streams):
    """Under CRN: same outcomes at every point of a replication, and indices of 0."""
    sweep = load_sweep(null_sweep(tmp_path, streams))
    report = run_sweep(sweep, tmp_path / "out", plots=False)
    reps = pd.read_parquet(report.directory / "replications.parquet")
    outcomes = reps.drop(columns=["variant", "point", "seed", sweep.parameters[0].path])
    spread = outcomes.groupby("replication").agg(lambda c: c.nunique(dropna=False)).max()
    across = reps.groupby("point")["child_years_truly_inadequate"].first()
    table = report.sensitivity
    assert table is not None
    if streams == "common":
        assert (spread == 1).all()  # identical at every point of a replication
        assert across.nunique() == 1
        for column in ("S1", "ST", "ST_net", "ST_low", "ST_high", "ST_net_high", "noise_share"):
            assert np.allclose(table[column].to_numpy(dtype=float), 0.0, atol=1e-12), column
        assert not table["noise_warning"].any()
    else:  # the test can fail: independent streams give the points different outcomes
        assert reps.groupby("replication")["child_years_truly_inadequate"].nunique().min() > 1
        truly = table[table["metric"] == "child_years_truly_inadequate"]
        assert float(truly["ST"].iloc[0]) > 1e-3  # luck alone gives the parameter an index
        assert float(truly["noise_share"].iloc[0]) > 0.5  # and it is all noise


def _sobol_replications(effect: float, noise: float, reps: int, seed: int) -> tuple:
    """A synthetic Sobol sweep: y = effect * x0 + noise (x1 does nothing), CRN-free noise."""
    params = [ParameterRange("a", low=0.0, high=1.0), ParameterRange("b", low=0.0, high=1.0)]
    points = design(params, "sobol", 32, seed=5)
    rng = np.random.default_rng(seed)
    rows = [
        {
            "variant": "baseline",
            "point": p,
            "replication": r,
            "y": effect * pt["a"] + noise * rng.standard_normal(),
        }
        for p, pt in enumerate(points)
        for r in range(reps)
    ]
    return pd.DataFrame(rows), params, points


def test_a_noise_dominated_index_is_flagged_with_the_replications_it_needs():
    reps, params, points = _sobol_replications(effect=0.05, noise=1.0, reps=3, seed=1)
    table = sensitivity(reps, params, points, "sobol", ["y"], seed=7).set_index("parameter")
    assert table["noise_share"].iloc[0] > 0.9  # the averages are mostly noise
    assert (table["ST"] > 0.5).all()  # which the raw total indices take for sensitivity
    assert table.loc["b", "noise_warning"]  # b does nothing: its interval reaches 0
    needed = table.loc["b", "replications_needed"]
    assert math.isinf(needed) or needed > 3
    lines = noise_warnings(table.reset_index())
    assert any(
        "b: ST_net" in line and "indistinguishable from replication noise" in line for line in lines
    )


def test_a_strong_effect_with_little_noise_is_not_flagged():
    reps, params, points = _sobol_replications(effect=10.0, noise=0.5, reps=4, seed=2)
    table = sensitivity(reps, params, points, "sobol", ["y"], seed=7).set_index("parameter")
    assert not table.loc["a", "noise_warning"]
    assert table.loc["a", "ST_net_low"] > 0.8
    assert table.loc["a", "ST_low"] <= table.loc["a", "ST"] <= table.loc["a", "ST_high"]
    assert table.loc["b", "ST_net_low"] < 0.05
    assert table.loc["a", "noise_share"] < 0.05


def test_noise_share_of_a_two_way_table():
    # point effect 0, 1, 2 plus a replication effect common to every point (CRN) and no noise
    matrix = np.array([[0.0, 5.0], [1.0, 6.0], [2.0, 7.0]])
    assert noise_share(matrix) == 0.0
    pure = np.array([[1.0, -1.0], [-1.0, 1.0]])  # only interaction: all noise
    assert noise_share(pure) == 1.0


def test_needed_replications_scales_with_the_square_of_the_half_width():
    assert needed_replications(0.1, -0.1, 0.3, 4) == 16.0  # half 0.2 = 2 x the estimate
    assert math.isinf(needed_replications(0.0, -0.1, 0.1, 4))
