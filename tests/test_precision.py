"""Replications to a precision target: batches, the stopping rule, determinism, the CLI."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from sim.cli.app import app
from sim.errors import SimError
from sim.results.analysis import relative_precision
from sim.workflow.precision import PrecisionTarget
from sim.workflow.run import run_scenario
from tests.conftest import make_scenario


def test_batches_double_up_to_the_cap():
    assert PrecisionTarget(0.05).batches() == [10, 20, 40, 80, 160, 200]
    assert PrecisionTarget(0.05, max_replications=10).batches() == [10]
    assert PrecisionTarget(0.05, max_replications=12, first_batch=5).batches() == [5, 10, 12]


def test_bad_targets_are_refused():
    with pytest.raises(SimError, match="positive fraction"):
        PrecisionTarget(0.0)
    with pytest.raises(SimError, match="did you mean 'signals'"):
        PrecisionTarget(0.1, metrics=("signal",))


def _reps(values: dict[str, list[float]]) -> pd.DataFrame:
    rows = [
        {"variant": v, "point": 0, "replication": r, "seed": 1, "x": x}
        for v, xs in values.items()
        for r, x in enumerate(xs)
    ]
    return pd.DataFrame(rows)


def test_relative_precision_of_a_single_variant_and_of_paired_differences():
    one = relative_precision(_reps({"baseline": [9.0, 10.0, 11.0]}), "baseline", ["x"])
    half = 2.0 * 4.302652729911275 / math.sqrt(3) / 2  # t(0.975, 2) * sd / sqrt(n)
    assert one["relative"].iloc[0] == pytest.approx(half / 10.0)
    # the variant is the baseline plus exactly 2: the paired difference has zero width
    paired = _reps({"baseline": [9.0, 10.0, 14.0], "alt": [11.0, 12.0, 16.0]})
    row = relative_precision(paired, "baseline", ["x"]).iloc[0]
    assert (row["variant"], row["mean"], row["relative"]) == ("alt", 2.0, 0.0)
    zero = relative_precision(_reps({"baseline": [-1.0, 1.0]}), "baseline", ["x"])
    assert np.isinf(zero["relative"].iloc[0])


SMALL = {"run.horizon_months": 6, "run.seed": 3}


def test_stops_when_the_target_is_met_and_says_so(tmp_path):
    target = PrecisionTarget(0.5, ("inspections_routine",), max_replications=40, first_batch=4)
    report = run_scenario(make_scenario(**SMALL), tmp_path / "r", precision=target, plots=False)
    assert report.precision is not None and report.precision.met
    assert report.replications == 4 and "target met" in report.precision.reason
    assert (report.precision.table["relative"] <= 0.5).all()


def test_stops_at_the_cap_deterministically(tmp_path):
    # signals vary between replications (routine inspections, capacity-bound under the SIF,
    # are the same in every replication of a short run)
    target = PrecisionTarget(1e-6, ("signals",), max_replications=6, first_batch=4)
    scenario = make_scenario(**SMALL)
    first = run_scenario(scenario, tmp_path / "a", precision=target, plots=False)
    second = run_scenario(scenario, tmp_path / "b", precision=target, plots=False)
    assert first.precision is not None and not first.precision.met
    assert first.replications == second.replications == 6
    assert "cap of 6 replications reached" in first.precision.reason
    assert (tmp_path / "a" / "replications.parquet").read_bytes() == (
        tmp_path / "b" / "replications.parquet"
    ).read_bytes()


def test_the_cli_reports_how_many_and_why(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text(
        "run: {horizon_months: 6, seed: 3}\nvariants:\n"
        "  more_teams: {policy.ofsted.capacity_multiplier: 2.0}\n"
    )
    args = ["run", str(path), "--out", str(tmp_path / "o"), "--no-plots", "--precision", "0.01"]
    # the paired difference in waiting varies (in routine inspections it is a constant 24)
    extra = ["--metric", "inspection_wait_months_mean", "--max-replications", "5"]
    extra += ["--replications", "3"]
    result = CliRunner().invoke(app, [*args, *extra], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "precision: stopped after 5 replications per variant" in result.output
    assert "cap of 5 replications reached" in result.output
    bad = CliRunner().invoke(app, ["run", str(path), "--metric", "signals"])
    assert bad.exit_code == 1 and "apply only with --precision" in bad.output
