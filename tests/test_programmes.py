"""Graduate programmes: budget and spend, cohort sizes, placement, attrition, monotone effect."""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.model import programmes
from sim.model.programmes import allocate, cohort_size, placements
from sim.model.staffing import Staffing, build_staffing
from sim.model.streams import SeedKey
from sim.model.world import World, run_replication
from tests.conftest import make_scenario

MONEY_TOLERANCE = 1e-6  # GBP: instalments are floats; their sum may be off by rounding only


@settings(max_examples=200, deadline=None)
@given(budget=st.floats(0, 1e9), cost=st.floats(1.0, 1e6))
def test_cohort_size_is_the_most_that_fits(budget, cost):
    n = cohort_size(budget, cost)
    assert n >= 0 and n * cost <= budget
    assert (n + 1) * cost > budget


@settings(max_examples=200, deadline=None)
@given(
    n=st.integers(0, 600),
    columns=st.lists(st.tuples(st.floats(0, 50), st.integers(0, 40)), min_size=1, max_size=40),
)
def test_allocation_fills_within_capacity(n, columns):
    weights = np.array([w for w, _ in columns])
    capacity = np.array([c for _, c in columns], dtype=np.int64)
    placed = allocate(n, weights, capacity)
    assert (placed >= 0).all() and (placed <= capacity).all()
    assert (placed[weights == 0] == 0).all()
    assert placed.sum() == min(n, capacity[weights > 0].sum())
    exact = n * weights / weights.sum() if weights.sum() > 0 else np.zeros_like(weights)
    if (capacity >= np.ceil(exact)).all():  # nobody full: each within one of its exact share
        assert (np.abs(placed - exact) < 1).all()


def test_failing_first_fills_inadequate_councils_before_others():
    vacant = np.array([10.5, 3.2, 40.0, 7.9, 25.0])
    judged = np.array([0, 0, 1, 0, 2])  # inadequate, inadequate, RI, inadequate, good
    placed = placements("failing_first", 30, vacant, judged)
    assert placed.tolist()[:2] == [10, 3] and placed[3] == 7  # inadequate councils full
    assert placed[2] == 10 and placed[4] == 0  # the rest to RI before good
    uniform = placements("uniform", 12, vacant, judged)
    assert uniform.tolist() == [3, 3, 2, 2, 2]  # equal shares, remainders to the first


def run_programmes(
    scenario: Any, england: Any, replication: int = 0
) -> tuple[programmes.Ledger, World, Staffing]:
    """Only the programmes and staffing (no Ofsted): what the money buys, when."""
    world = World(scenario, SeedKey(1, 0, replication), england, trace=True)
    staff = build_staffing(world)
    ledger = programmes.start(world, staff)
    world.env.run(until=world.horizon)
    return ledger, world, staff


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    budget=st.floats(0, 5e8),
    years=st.integers(1, 6),
    first_year=st.integers(2014, 2024),
    share=st.floats(0, 1),
    costs=st.tuples(st.floats(5e3, 2e5), st.floats(5e3, 2e5)),
    bursary=st.floats(0, 1),
    training=st.tuples(st.integers(0, 30), st.integers(0, 30)),
    months=st.tuples(st.integers(1, 12), st.integers(1, 12)),
)
def test_spend_never_exceeds_the_budget(
    england, budget, years, first_year, share, costs, bursary, training, months
):
    overrides: dict[str, Any] = {
        "policy.programmes.budget_gbp": budget,
        "policy.programmes.years": years,
        "policy.programmes.first_year": first_year,
        "policy.programmes.schemes.0.budget_share": share,
        "policy.programmes.schemes.1.budget_share": 1 - share,
    }
    for i in range(2):
        overrides[f"policy.programmes.schemes.{i}.cost_per_trainee_gbp"] = costs[i]
        overrides[f"policy.programmes.schemes.{i}.bursary_gbp"] = bursary * costs[i]
        overrides[f"policy.programmes.schemes.{i}.training_months"] = training[i]
        overrides[f"policy.programmes.schemes.{i}.cohort_month"] = months[i]
    ledger, world, _ = run_programmes(make_scenario(**overrides), england)
    yearly = budget / years
    for year, committed in ledger.committed_by_year.items():
        assert first_year <= year < first_year + years
        assert committed <= yearly * (1 + 1e-12)
        assert ledger.paid_by_year[year] <= committed + MONEY_TOLERANCE
    assert ledger.paid <= budget + MONEY_TOLERANCE
    schemes = world.policy.programmes.schemes
    sizes = [cohort_size(yearly * s.budget_share, s.cost_per_trainee_gbp) for s in schemes]
    assert ledger.qualified <= years * sum(sizes)
    if budget == 0:
        assert ledger.qualified == 0 and ledger.paid == 0


def test_zero_budget_is_no_programmes_under_common_random_numbers(england):
    horizon = {"run.horizon_months": 72}
    zero = run_replication(
        make_scenario(**horizon, **{"policy.programmes.budget_gbp": 0}), SeedKey(5, 0, 2), england
    )
    none = run_replication(
        make_scenario(**horizon, **{"policy.programmes.schemes": []}), SeedKey(5, 0, 2), england
    )
    assert zero.metrics["graduates_qualified"] == 0
    assert zero.metrics == none.metrics
    assert zero.monthly.keys() == none.monthly.keys()
    for key in zero.monthly:
        assert np.array_equal(zero.monthly[key], none.monthly[key])


def cohorts_qualified(world: World) -> list[dict[str, Any]]:
    return [
        {"time": t, **json.loads(d)}
        for t, _, e, d in world.recorder.events
        if e == "cohort_qualified"
    ]


def test_graduate_counts_match_budget_over_cost_per_cohort(england):
    world = World(make_scenario(), SeedKey(2, 0, 0), england, trace=True)
    result = world.run()
    cohorts = cohorts_qualified(world)
    # £100m over 5 years, half each: £10m a year per scheme
    expected = {"frontline": math.floor(1e7 / 45_323), "step_up": math.floor(1e7 / 40_413)}
    assert expected == {"frontline": 220, "step_up": 247}
    assert sorted((c["scheme"], c["year"]) for c in cohorts) == sorted(
        (s, y) for s in expected for y in range(2016, 2021)
    )
    assert all(c["size"] == expected[c["scheme"]] == c["placed"] for c in cohorts)
    # Frontline starts in July and qualifies after 12 months; Step Up in January after 14
    starts = {"frontline": 6 + 12, "step_up": 0 + 14}
    assert all(c["time"] == starts[c["scheme"]] + 12 * (c["year"] - 2016) for c in cohorts)
    assert result.metrics["graduates_qualified"] == 5 * (220 + 247)
    spend = 5 * (220 * 45_323 + 247 * 40_413)
    assert result.metrics["recruitment_spend_gbp"] == pytest.approx(spend, abs=MONEY_TOLERANCE)


def ledger_in_post(world: World) -> Any:
    """Graduates in post at a month, from the trace: placed so far minus those who left."""
    placed = [(c["time"], c["placed"]) for c in cohorts_qualified(world)]
    left = [t for t, _, e, _ in world.recorder.events if e == "graduate_left"]
    return lambda month: sum(n for t, n in placed if t <= month) - sum(t <= month for t in left)


def test_attrition_matches_the_leaving_rate(england):
    """Graduates in post decay as exp(-rate t) from each cohort's qualification.

    Summed over 4 replications (about 9,000 graduates in post at some time), the
    count still in post at months 90 and 120 is within 4 binomial standard
    deviations of its expectation.
    """
    rate = -math.log(0.71) / 36  # Frontline cohort 1: 29% left social work within 36 months
    observed = {90: 0.0, 120: 0.0}
    expected = {90: 0.0, 120: 0.0}
    variance = {90: 0.0, 120: 0.0}
    for replication in range(4):
        _, world, staff = run_programmes(make_scenario(), england, replication)
        in_post = ledger_in_post(world)
        assert in_post(world.horizon) == staff.graduates.sum() > 0
        for month in observed:
            observed[month] += in_post(month)
            for cohort in (c for c in cohorts_qualified(world) if c["time"] <= month):
                stay = math.exp(-rate * (month - cohort["time"]))
                expected[month] += cohort["placed"] * stay
                variance[month] += cohort["placed"] * stay * (1 - stay)
    for month in observed:
        assert expected[month] > 1000
        assert abs(observed[month] - expected[month]) < 4 * math.sqrt(variance[month])


def test_more_budget_never_raises_the_mean_national_vacancy_rate(england):
    budgets = (0, 50e6, 100e6, 200e6)
    means = []
    for budget in budgets:
        scenario = make_scenario(
            **{"policy.programmes.budget_gbp": budget, "run.horizon_months": 72}
        )
        rates = [
            run_replication(scenario, SeedKey(11, 0, r), england).metrics["vacancy_rate_mean"]
            for r in range(2)
        ]
        means.append(float(np.mean(rates)))
    assert means == sorted(means, reverse=True)
    assert means[-1] < means[0] - 0.02  # £200m lowers the six years' mean by over 2 points
