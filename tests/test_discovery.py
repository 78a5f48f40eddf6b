"""Scenario discovery: bad points, the PRIM box, the files and `sim discover`."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from sim.cli.app import app
from sim.errors import ResultsError
from sim.experiments.sweep_file import load_sweep
from sim.results.discovery import bad_points, find_box
from sim.workflow.sweep import run_sweep
from tests.sweeps import write_sweep


def test_prim_finds_the_corner_where_the_outcome_is_bad():
    rng = np.random.default_rng(3)
    design = pd.DataFrame(
        {"point": range(200), "a": rng.uniform(0, 1, 200), "b": rng.uniform(0, 10, 200)}
    )
    bad = pd.Series((design["a"] > 0.7) & (design["b"] < 4), index=design["point"])
    found, figure = find_box(design, bad, 0.9)
    box = found.box.set_index("parameter")
    assert box.loc["a", "restricted"] and box.loc["b", "restricted"]
    assert 0.6 < box.loc["a", "low"] < 0.8 and 3 < box.loc["b", "high"] < 5
    stats = found.trajectory.loc[found.chosen]
    assert stats["density"] >= 0.9 and stats["coverage"] > 0.7
    assert figure.axes[0].get_xlabel().startswith("Coverage")


def _reps():
    rows = []
    for point in range(3):
        for r in range(2):
            rows.append(
                {
                    "variant": "baseline",
                    "point": point,
                    "replication": r,
                    "child_years_truly_inadequate": 10.0 * point + r,
                }
            )
            rows.append(
                {
                    "variant": "other",
                    "point": point,
                    "replication": r,
                    "child_years_truly_inadequate": 10.0 + r,
                }
            )
    return pd.DataFrame(rows)


def test_bad_points_against_a_value_and_against_a_variant():
    bad, rule = bad_points(_reps(), "child_years_truly_inadequate", "5", "baseline")
    assert list(bad) == [False, True, True] and "above 5" in rule
    bad, rule = bad_points(_reps(), "child_years_truly_inadequate", "other", "baseline")
    assert list(bad) == [False, False, True] and "worse than 'other'" in rule
    with pytest.raises(ResultsError, match="no variant 'nope'"):
        bad_points(_reps(), "child_years_truly_inadequate", "nope", "baseline")


def test_sim_discover_writes_the_box_and_its_plot(tmp_path):
    sweep = load_sweep(
        write_sweep(tmp_path / "s", points=8, replications=1, horizon=9, variants=False)
    )
    out = tmp_path / "out"
    run_sweep(sweep, out, plots=False)
    means = (
        pd.read_parquet(out / "replications.parquet")
        .groupby("point")["inspections_emergency"]
        .mean()
    )
    value = str(float(means.median()))
    args = ["discover", str(out), "--metric", "inspections_emergency", "--worse-than", value]
    result = CliRunner().invoke(app, args)
    assert means.nunique() > 2  # emergency inspections follow act_probability (seed 11, 9 months)
    assert result.exit_code == 0, result.output
    assert "PRIM's box" in result.output and "coverage" in result.output
    table = pd.read_csv(out / "discovery_inspections_emergency.csv")
    assert set(table["parameter"]) == {p.path for p in sweep.parameters}
    units = {
        "policy.sharper_triggers.act_probability": "probability",
        "world.signals.slope": "1/score",
    }
    assert dict(zip(table["parameter"], table["unit"], strict=True)) == units  # from design.csv
    assert "coverage [share of bad points]" in table.columns
    peeling = pd.read_csv(out / "peeling_inspections_emergency.csv")
    assert list(peeling.columns) == [
        "step",
        "coverage [share of bad points]",
        "density [share of the box's points]",
        "mass [share of points]",
        "restricted",
    ]
    assert (out / "discovery_inspections_emergency.png").stat().st_size > 0
    bad = CliRunner().invoke(
        app, ["discover", str(out), "--metric", "inspections_emergency", "--worse-than", "1e12"]
    )
    assert bad.exit_code == 1 and "no point has" in bad.output
