"""Shipped scenarios validate and run, and the £100m comparison reaches the results and CLI."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from sim.cli.app import render_report
from sim.model.streams import SeedKey
from sim.model.world import run_replication
from sim.scenario.loading import load_scenario
from sim.scenario.timeline import resolve, variant_scenarios
from sim.workflow.run import run_scenario

SCENARIOS = Path(__file__).resolve().parent.parent / "scenarios"


SCENARIO_FILES = sorted(p for p in SCENARIOS.glob("*.yaml") if not p.name.startswith("sweep_"))


@pytest.mark.parametrize("path", SCENARIO_FILES, ids=lambda p: p.stem)
def test_shipped_scenario_validates_and_every_variant_runs(path, england):
    scenario = load_scenario(path, {"run.horizon_months": 6})
    for variant in variant_scenarios(scenario).values():
        result = run_replication(resolve(variant), SeedKey(1, 0, 0), england)
        assert list(result.monthly["month"]) == list(range(7))  # month 0 and 6 month ends


def test_recruitment_scenario_has_the_variants_the_question_needs():
    scenario = load_scenario(SCENARIOS / "recruitment_100m.yaml")
    variants = variant_scenarios(scenario)
    assert scenario.run.baseline == "as_announced"
    assert {
        "no_programmes",
        "frontline_only",
        "step_up_only",
        "failing_first_allocation",
        "double_budget",
    } <= set(variants)
    funded = {name: s.policy.programmes.funded for name, s in variants.items()}
    assert [name for name, yes in funded.items() if not yes] == ["no_programmes"]
    assert variants["as_announced"].policy.programmes.budget_gbp == 100e6
    assert variants["double_budget"].policy.programmes.budget_gbp == 200e6
    shares = [s.budget_share for s in variants["frontline_only"].policy.programmes.schemes]
    assert shares == [1.0, 0.0]


def test_recruitment_run_writes_and_prints_cost_per_child_year(tmp_path, capsys):
    scenario = load_scenario(
        SCENARIOS / "recruitment_100m.yaml", {"run.replications": 2, "run.horizon_months": 20}
    )
    report = run_scenario(scenario, tmp_path / "run")
    derived = pd.read_csv(tmp_path / "run" / "derived.csv")
    assert set(derived["reference"]) == {"no_programmes"}
    assert set(derived["variant"]) == set(report.variants) - {"no_programmes"}
    assert set(derived["metric"]) == {
        "child_years_truly_inadequate_discounted_averted",
        "recruitment_spend_discounted_gbp_extra",
        "cost_per_child_year_averted_gbp",
        "child_years_truly_inadequate_averted",
        "recruitment_spend_gbp_extra",
        "cost_per_child_year_averted_undiscounted_gbp",
    }
    monthly = pd.read_parquet(tmp_path / "run" / "monthly.parquet")
    assert monthly["vacancy_rate"].between(0, 1).all()
    assert (tmp_path / "run" / "vacancy_rate.png").exists()
    render_report(report)
    printed = capsys.readouterr().out
    assert "Graduate programmes against 'no_programmes'" in printed
    assert "cost_per_child_year_averted_gbp" in printed


def test_reform_runs_on_the_same_history_as_the_history_scenario():
    """reform_2015's variants are counterfactuals on history: same dated facts."""
    history = load_scenario(SCENARIOS / "history_2016_2025.yaml")
    reform = load_scenario(SCENARIOS / "reform_2015.yaml")
    assert reform.timeline == history.timeline
    assert reform.policy.regime.announced_trusts == history.policy.regime.announced_trusts
    assert reform.world == history.world
    implemented = variant_scenarios(reform)["as_implemented"]
    assert implemented.policy.regime == history.policy.regime
    assert implemented.policy.sponsors == history.policy.sponsors
