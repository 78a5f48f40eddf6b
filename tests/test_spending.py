"""Spending with its time: Green Book present values, and what each council's row records."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from sim.model.spending import COST_HEADINGS, discounted, present_value
from sim.model.staffing import build_staffing
from sim.model.streams import SeedKey
from sim.model.world import World, run_replication
from sim.scenario.timeline import resolve
from tests.conftest import make_scenario

GREEN_BOOK = 0.035


def test_present_value_of_steady_spending_is_the_integral() -> None:
    """GBP 1,000 a month for 120.5 months plus GBP 5,000 paid at the start: the midpoint rule
    against the closed form of the integral of 1000 (1.035)^(-t/12), within 1e-5 relative."""
    months = np.arange(121.0)
    cumulative = 5_000.0 + 1_000.0 * months
    total = 5_000.0 + 1_000.0 * 120.5
    value = present_value(months, cumulative, total, 120.5, GREEN_BOOK)
    log = math.log1p(GREEN_BOOK) / 12.0
    exact = 5_000.0 + 1_000.0 * (1.0 - math.exp(-log * 120.5)) / log
    assert value == pytest.approx(exact, rel=1e-5)
    assert present_value(months, cumulative, total, 120.5, 0.0) == pytest.approx(total, rel=1e-12)


@pytest.fixture(scope="module")
def runs(england):
    short = {"run.horizon_months": 48}
    key = SeedKey(11, 0, 0)
    rated = run_replication(resolve(make_scenario(**short)), key, england, trace=True)
    flat = make_scenario(**short, **{"world.costs.discount_rate_per_year": 0.0})
    return rated, run_replication(resolve(flat), key, england)


def test_discounted_costs_lie_between_the_horizon_factor_and_the_total(runs) -> None:
    rated, flat = runs
    m, f = rated.metrics, flat.metrics
    assert m["cost_total_gbp"] == pytest.approx(sum(m[h] for h in COST_HEADINGS), rel=1e-12)
    floor = (1.0 + GREEN_BOOK) ** -4.0  # 48 months: nothing is discounted by more
    for name in (*COST_HEADINGS, "cost_total_gbp", "child_years_truly_inadequate"):
        pv = m[discounted(name) if name.endswith("_gbp") else f"{name}_discounted"]
        assert m[name] > 0
        assert floor * m[name] < pv < m[name], name
    # at rate 0 the present values are the totals (the same draws: the rate changes nothing else)
    for name in (*COST_HEADINGS, "cost_total_gbp"):
        assert f[name] == m[name]
        assert f[discounted(name)] == pytest.approx(f[name], rel=1e-9)
    assert f["child_years_truly_inadequate_discounted"] == pytest.approx(
        f["child_years_truly_inadequate"], rel=1e-9
    )


def test_councils_record_takeovers_and_their_mean_vacancy(runs, england) -> None:
    rated, _ = runs
    councils, events = rated.councils, rated.events
    assert events is not None
    started = {council for _, council, event, _ in events if event == "trust_start"}
    assert started, "the seed was chosen for a run with takeovers"
    taken = {str(n) for n, t in zip(councils["council"], councils["taken_over"], strict=True) if t}
    assert taken == started
    assert councils["takeovers"].sum() == rated.metrics["takeovers"]
    # posts grow by one factor everywhere, so the starting posts weight every month alike
    posts = build_staffing(World(make_scenario(), SeedKey(11, 0, 0), england)).posts
    national = float(councils["vacancy_rate_mean"] @ posts / posts.sum())
    assert national == pytest.approx(rated.metrics["vacancy_rate_mean"], rel=1e-9)
    decisions = [json.loads(d) for _, c, e, d in events if c and e == "decision"]
    assert decisions and all(0.0 <= d["vacancy_rate"] < 1.0 for d in decisions)
