"""`sim plot` on results directories, `sim compare`, and the analysis behind them."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure
from scipy import stats
from typer.testing import CliRunner

from sim.experiments.execution import Execution
from sim.experiments.sweep_file import load_sweep
from sim.results import charts, plots
from sim.results import figures as report
from sim.results.analysis import compare_runs, welch_interval
from sim.results.measures import without_units
from sim.workflow.run import run_scenario
from sim.workflow.sweep import run_sweep
from tests.conftest import make_scenario
from tests.sweeps import write_sweep

runner = CliRunner()
VARIANTS = {"no_triggers": {"policy.sharper_triggers.enabled": False}}


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory) -> Path:
    scenario = make_scenario(
        **{"run.horizon_months": 12, "run.replications": 3, "run.seed": 2, "variants": VARIANTS}
    )
    out = tmp_path_factory.mktemp("run") / "r"
    run_scenario(scenario, out, plots=False)
    return out


@pytest.fixture(scope="module")
def sweep_dir(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("sweep")
    sweep = load_sweep(write_sweep(folder, points=5, replications=2))
    run_sweep(sweep, folder / "out", execution=Execution(workers=1), plots=False)
    return folder / "out"


def _capture(monkeypatch) -> dict[str, Figure]:
    """Record every figure write_plots saves, by file name, without drawing files twice."""
    figures: dict[str, Figure] = {}
    save = plots.save

    def keep(fig: Figure, path: str | Path, *, svg: bool = False) -> list[Path]:
        figures[Path(path).name] = fig
        # every axis has an x label; panels sharing a y axis label it once per row
        assert all(ax.get_xlabel() for ax in fig.axes), Path(path).name
        assert any(ax.get_ylabel() for ax in fig.axes), Path(path).name
        return save(fig, path, svg=svg)

    monkeypatch.setattr(plots, "save", keep)
    return figures


def test_sim_plot_writes_png_only_unless_asked(run_dir, tmp_path):
    copy = tmp_path / "copy"
    shutil.copytree(run_dir, copy, ignore=shutil.ignore_patterns("*.png", "*.svg"))
    result = runner.invoke(app_cli(), ["plot", str(copy)])
    assert result.exit_code == 0, result.output
    assert len(list(copy.glob("*.png"))) == 7
    assert not list(copy.glob("*.svg"))


def test_sim_plot_draws_every_run_plot(run_dir, monkeypatch):
    figures = _capture(monkeypatch)
    result = runner.invoke(app_cli(), ["plot", str(run_dir), "--svg"])
    assert result.exit_code == 0, result.output
    assert set(figures) == {
        "true_inadequate",
        "judged_inadequate",
        "status_trust",
        "sponsor_queue",
        "vacancy_rate",
        "comparison",
        "councils",
    }  # graduates_in_post is zero throughout 12 months (none qualify yet): no empty chart
    for name in figures:
        assert (run_dir / f"{name}.png").stat().st_size > 0
        assert (run_dir / f"{name}.svg").stat().st_size > 0
    fan = figures["judged_inadequate"].axes[0]
    assert fan.get_ylabel() == "Councils judged inadequate (councils)"
    assert [t.get_text() for t in fan.get_legend().get_texts()] == ["baseline", "no_triggers"]
    forest = figures["comparison"]
    assert "minus baseline 'baseline'" in forest.get_suptitle()
    comparison = pd.read_csv(run_dir / "comparison.csv")
    truly = comparison[comparison["metric"] == "child_years_truly_inadequate"]
    first = (  # a panel whose differences are all exactly zero is not drawn
        "Child-years in services judged inadequate"
        if charts.is_all_zero(truly)
        else "Child-years in truly inadequate services"
    )
    assert forest.axes[0].get_title() == first
    assert forest.axes[0].get_xlabel() == "difference (child-years)"


def test_sim_plot_draws_every_sweep_plot(sweep_dir, monkeypatch):
    figures = _capture(monkeypatch)
    result = runner.invoke(app_cli(), ["plot", str(sweep_dir)])
    assert result.exit_code == 0, result.output
    expected = {
        f"{kind}_{metric}__{variant}"
        for kind in ("response", "sensitivity")
        for metric in ("child_years_truly_inadequate", "inspections_emergency")
        for variant in ("baseline", "no_triggers")
    }
    # without triggers there are no emergency inspections: indices of exactly 0, still drawn
    assert set(figures) == expected | {"comparison"}
    response = figures["response_inspections_emergency__baseline"]
    assert len(response.axes) == 2  # one panel per parameter
    assert response.axes[0].get_xlabel() == "sharper triggers act probability (probability)"
    assert response.axes[0].get_ylabel() == "Inspections emergency (inspections)"
    bars = figures["sensitivity_inspections_emergency__baseline"].axes[0]
    assert [t.get_text() for t in bars.get_legend().get_texts()] == ["SRC", "PRCC"]


def test_sweep_tables_carry_their_inputs(sweep_dir):
    reps = pd.read_parquet(sweep_dir / "replications.parquet")
    assert list(reps.columns[:6]) == [
        "variant",
        "point",
        "replication",
        "seed",
        "policy.sharper_triggers.act_probability",
        "world.signals.slope",
    ]
    points = pd.read_parquet(sweep_dir / "points.parquet")
    assert len(points) == 10 and (points["n"] == 2).all()
    design = without_units(pd.read_csv(sweep_dir / "design.csv"))  # headers: name [unit]
    merged = points.merge(design, on="point", suffixes=("", "#design"))
    assert np.allclose(merged["world.signals.slope"], merged["world.signals.slope#design"])
    sensitivity = pd.read_csv(sweep_dir / "sensitivity.csv")
    assert set(sensitivity.columns) >= {"variant", "metric", "parameter", "src", "prcc", "prcc_p"}


def test_sim_plot_on_something_else_is_an_error(tmp_path):
    result = runner.invoke(app_cli(), ["plot", str(tmp_path)])
    assert result.exit_code == 1 and "not a readable results directory" in result.output


def test_compare_is_paired_when_seeds_match_and_welch_otherwise(run_dir, tmp_path):
    scenario = make_scenario(
        **{
            "run.horizon_months": 12,
            "run.replications": 3,
            "run.seed": 2,
            "variants": VARIANTS,
            "policy.regime.commissioners": 6,
        }
    )
    same_seeds = tmp_path / "commissioners6"
    run_scenario(scenario, same_seeds, plots=False)
    args = ["compare", str(run_dir), str(same_seeds), "--metric", "child_years_truly_inadequate"]
    args.append("--svg")
    refused = runner.invoke(app_cli(), args)  # other inputs than the variants: issue 13
    assert refused.exit_code == 1 and "--force" in refused.output
    result = runner.invoke(app_cli(), [*args, "--force"])
    assert result.exit_code == 0, result.output
    assert "inputs differ: scenario.policy.regime.commissioners: 12 in A, 6 in B" in result.output
    table = pd.read_csv(same_seeds / "compare.csv")
    assert set(table["method"]) == {"paired"}
    assert set(table["variant"]) == {"baseline", *VARIANTS}
    assert (same_seeds / "compare.png").exists() and (same_seeds / "compare.svg").exists()
    other = scenario.model_copy(update={"run": scenario.run.model_copy(update={"seed": 9})})
    run_scenario(other, tmp_path / "seed9", plots=False)
    out = tmp_path / "cmp"
    args = ["compare", str(run_dir), str(tmp_path / "seed9"), "--out", str(out)]
    result = runner.invoke(app_cli(), [*args, "--metric", "signals", "--force"])
    assert result.exit_code == 0, result.output
    assert set(pd.read_csv(out / "compare.csv")["method"]) == {"welch"}
    assert "Welch" in result.output


def test_compare_refuses_other_model_versions(run_dir, tmp_path):
    copy = tmp_path / "old"
    copy.mkdir()
    for name in ("replications.parquet", "manifest.json"):
        (copy / name).write_bytes((run_dir / name).read_bytes())
    manifest = json.loads((copy / "manifest.json").read_text())
    (copy / "manifest.json").write_text(json.dumps({**manifest, "model_version": "0.0.1"}))
    result = runner.invoke(app_cli(), ["compare", str(copy), str(run_dir)])
    assert result.exit_code == 1 and "model version 0.0.1" in result.output


def test_welch_interval_matches_scipy():
    rng = np.random.default_rng(5)
    a, b = rng.normal(0, 1, 12), rng.normal(1, 3, 20)
    diff, low, high = welch_interval(a, b)
    ci = stats.ttest_ind(b, a, equal_var=False).confidence_interval(0.95)
    assert diff == pytest.approx(b.mean() - a.mean())
    assert (low, high) == pytest.approx((ci.low, ci.high))


def test_compare_runs_pairs_only_on_matching_seeds():
    rows = [
        {"variant": "v", "point": 0, "replication": r, "seed": 1, "x": float(r)} for r in range(4)
    ]
    first = pd.DataFrame(rows)
    second = first.assign(x=first["x"] + 1.0)
    paired = compare_runs(first, second, "A").iloc[0]
    assert (paired["method"], paired["mean_diff"], paired["ci_low"]) == ("paired", 1.0, 1.0)
    welch = compare_runs(first, second.assign(seed=2), "A").iloc[0]
    assert welch["method"] == "welch" and welch["ci_low"] < 1.0 < welch["ci_high"]


def app_cli():
    from sim.cli.app import app

    return app


def test_headline_metrics_keep_the_policy_targets():
    assert report.headline_metrics(["signals", "detection_delay_months_mean"]) == [
        "detection_delay_months_mean"
    ]
    assert report.headline_metrics(["signals"]) == ["signals"]
