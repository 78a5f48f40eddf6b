"""Councils' vacancies: the exact ODE, its steady state, and how judgements move it."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.integrate import solve_ivp
from scipy.stats import norm

from sim.model.staffing import (
    build_staffing,
    coefficients,
    steady_state,
    vacancies_at,
    vacancy_at,
)
from sim.model.streams import SeedKey
from sim.model.world import World, run_replication
from sim.scenario.councils import CouncilTable
from sim.scenario.schema import GRADES, Scenario
from tests.conftest import make_scenario, quiet_world

CALIBRATION = Path(__file__).resolve().parent.parent / "calibration" / "data"

rates = st.floats(0.0, 0.2)
shares = st.floats(0.0, 0.9)


def ode_solution(v0: float, a: float, b: float, t: float) -> float:
    """dv/dt = a - b v held at v >= 0, integrated numerically (tolerance 1e-11)."""

    def rhs(_: float, v: np.ndarray) -> np.ndarray:
        return np.where((v <= 0) & (a - b * v < 0), 0.0, a - b * v)

    return float(solve_ivp(rhs, (0.0, t), [v0], rtol=1e-11, atol=1e-13).y[0, -1])


@pytest.mark.parametrize(
    ("v0", "turnover", "hiring", "g", "displacement", "t"),
    [
        (0.17, 0.134 / 12, 0.654 / 12, 0.0, 0.0, 30.0),  # England 2017 at its steady state
        (0.05, 0.3 / 12, 0.2 / 12, 0.0, 0.0, 80.0),  # a council losing staff fast
        (0.30, 0.1 / 12, 1.2 / 12, 0.05, 0.5, 12.0),  # graduates in post, half displacing
        (0.20, 0.0, 0.5 / 12, 0.0, 0.0, 24.0),  # no turnover: hires fill every vacancy
    ],
)
def test_vacancy_ode_matches_its_closed_form(v0, turnover, hiring, g, displacement, t):
    a, b = coefficients(turnover, hiring, g, displacement)
    star = a / b
    closed = star + (v0 - star) * math.exp(-b * t)
    assert float(vacancy_at(v0, a, b, t)) == pytest.approx(closed, abs=1e-15)
    assert float(vacancy_at(v0, a, b, t)) == pytest.approx(ode_solution(v0, a, b, t), abs=1e-9)


def test_graduates_beyond_the_steady_state_hold_vacancies_at_zero():
    # with no displacement, a = tau - (tau + h) g < 0 when g exceeds tau / (tau + h)
    a, b = coefficients(0.15 / 12, 0.6 / 12, 0.5, 0.0)
    assert a < 0
    assert float(vacancy_at(0.1, a, b, 3.0)) == pytest.approx(ode_solution(0.1, a, b, 3.0))
    assert float(vacancy_at(0.1, a, b, 40.0)) == 0.0
    assert ode_solution(0.1, a, b, 40.0) == pytest.approx(0.0, abs=1e-9)


@settings(max_examples=60, deadline=None)
@given(v0=shares, turnover=rates, hiring=rates, t=st.floats(0, 100))
def test_zero_turnover_and_zero_hiring_keep_vacancies_constant(v0, turnover, hiring, t):
    a, b = coefficients(0.0, 0.0, 0.0, 0.0)
    assert float(vacancy_at(v0, a, b, t)) == v0
    a, b = coefficients(turnover, hiring, 0.0, 0.0)  # at its steady state, it stays there
    start = float(steady_state(a, b, v0))
    assert float(vacancy_at(start, a, b, t)) == start


@settings(max_examples=60, deadline=None)
@given(v0=shares, turnover=rates, hiring=rates, g=shares, t1=st.floats(0, 50), t2=st.floats(0, 50))
def test_two_steps_equal_one(v0, turnover, hiring, g, t1, t2):
    """Exactness: advancing in two pieces gives the one-piece answer (no stepping error)."""
    a, b = coefficients(turnover, hiring, g, 0.3)
    two = vacancy_at(vacancy_at(v0, a, b, t1), a, b, t2)
    assert float(two) == pytest.approx(float(vacancy_at(v0, a, b, t1 + t2)), abs=1e-12)


@settings(max_examples=60, deadline=None)
@given(
    rows=st.lists(
        st.tuples(shares, rates, rates, shares, st.floats(0, 100)), min_size=1, max_size=20
    )
)
def test_the_array_form_agrees_with_the_scalar_form(rows):
    v, turnover, hiring, g, dt = (np.array(column) for column in zip(*rows, strict=True))
    a, b = coefficients(turnover, hiring, g, 0.2)
    scalar = [vacancy_at(*row) for row in zip(v, a, b, dt, strict=True)]
    assert vacancies_at(v, a, b, dt) == pytest.approx(scalar, rel=1e-14, abs=1e-16)


def test_zero_turnover_and_hiring_world_keeps_national_vacancies_constant(england):
    """Judgements change councils' rates, but with no leaving, hiring or new posts nothing moves."""
    scenario = make_scenario(
        **{
            "world.workforce.turnover_scale": 0.0,
            "world.workforce.hiring_scale": 0.0,
            "world.workforce.posts_growth_per_year": 0.0,  # no new (vacant) posts either
            "policy.programmes.schemes": [],
            "run.horizon_months": 48,
        }
    )
    result = run_replication(scenario, SeedKey(3, 0, 0), england)
    vacancy = result.monthly["vacancy_rate"]
    assert result.metrics["inadequate_judgements"] > 0
    assert (vacancy == vacancy[0]).all()
    assert vacancy[0] == pytest.approx(0.17, abs=0.002)  # England, Sept 2017: 17.0%


def test_every_council_starts_at_its_steady_state(england):
    """Left alone, no council's vacancy rate moves: not by a single bit."""
    world = World(make_scenario(), SeedKey(1, 0, 0), england)
    staff = build_staffing(world)
    later = [
        vacancy_at(v, a, b, 50.0) for v, a, b in zip(staff.vacancy, staff.a, staff.b, strict=True)
    ]
    assert (np.array(later) == staff.vacancy).all()
    reported = np.array(england.vacancy_rate)
    floor = world.params.workforce.vacancy_floor
    assert staff.vacancy == pytest.approx(np.maximum(reported, floor), abs=1e-15)


def one_council(status: str = "none") -> CouncilTable:
    """A council judged requires improvement, 100 FTE, 20% vacant, turnover 15% a year."""
    return CouncilTable(
        la_code=("E99999999",),
        name=("Testshire",),
        region=("Test",),
        grade=(GRADES.index("requires_improvement"),),
        grade_date=("2015-12-01",),
        status=(status,),
        status_since=("",),
        partner_in_practice=(False,),
        children_in_need=(1000,),
        social_workers_fte=(80.0,),
        vacancy_rate=(0.2,),
        turnover_rate=(0.15,),
        agency_rate=(0.1,),
    )


JUDGED = 35.0 + 4.0 * 12.0 / 52.0  # due 36 months after the judgement at -1; 4 weeks on site


def failing_council_run(status: str) -> tuple[World, dict[str, np.ndarray]]:
    """One council with a low level: judged inadequate at JUDGED (re-inspected after 66)."""
    scenario = quiet_world(
        **{
            "run.horizon_months": 66,
            "world.signals.rate_at_inadequate": 0.0,
            "world.workforce.vacancy_effect": 5.0,
            "world.workforce.agency_effect": 0.0,
            "policy.programmes.schemes": [],
            # no sponsors by name in a one-council table; an improvement notice (not a
            # stabilising status) and no deadline, so only the judgement moves the staff
            "policy.sponsors.council_sponsors": [],
            "policy.regime.intervention": "improvement_notice",
            "policy.regime.deadline_months": None,
            "policy.ofsted.capacity_multiplier": 1000.0,  # ample for one council
            "world.workforce.posts_growth_per_year": 0.0,  # the closed form below has none
        }
    )
    world = World(scenario, SeedKey(1, 0, 0), one_council(status), trace=True)
    council = world.councils[0]
    council.base = council.q = -3.0
    council.judged_at = -1.0  # Ofsted's schedule and DfE's spells start from it
    return world, world.run().monthly


def test_judged_inadequate_council_loses_staff_exactly_and_its_level_falls():
    world, monthly = failing_council_run("none")
    judgements = [(t, e) for t, _, e, _ in world.recorder.events if e == "judgement"]
    assert judgements == [(pytest.approx(JUDGED), "judgement")]
    params = Scenario().world.workforce
    hiring = params.hiring_by_grade()
    tau0 = 0.15 / 12
    h0 = tau0 * 0.8 / 0.2
    tau = (
        tau0
        * params.turnover_by_grade["inadequate"]
        / params.turnover_by_grade["requires_improvement"]
    )
    h = h0 * hiring["inadequate"] / hiring["requires_improvement"]
    star = tau / (tau + h)
    months = monthly["month"]
    expected = np.where(
        months <= JUDGED, 0.2, star + (0.2 - star) * np.exp(-(tau + h) * (months - JUDGED))
    )
    assert monthly["vacancy_rate"] == pytest.approx(expected, abs=1e-12)
    # the odds of a vacancy rise by the national by-grade odds ratio
    odds = star / (1 - star) / (0.2 / 0.8)
    by_grade = params.vacancy_by_grade
    ratio = (by_grade["inadequate"] / (1 - by_grade["inadequate"])) / (
        by_grade["requires_improvement"] / (1 - by_grade["requires_improvement"])
    )
    assert odds == pytest.approx(ratio)
    council = world.councils[0]
    # last set at the final month end inside the run (65): run(until=66) stops before 66
    last_update = expected[months == 65][0]
    assert world.uplift(council, "workforce") == pytest.approx(-5.0 * (last_update - 0.2))
    assert world.uplift(council, "workforce") < -0.02


def test_a_trust_steadies_the_staff_of_a_failing_council():
    world, monthly = failing_council_run("trust")
    assert [e for _, _, e, _ in world.recorder.events if e == "judgement"] == ["judgement"]
    vacancy = monthly["vacancy_rate"]
    assert (vacancy == vacancy[0]).all() and vacancy[0] == pytest.approx(0.2, abs=1e-15)
    assert world.uplift(world.councils[0], "workforce") == 0.0  # never in force


def test_default_effect_is_the_by_grade_association(england):
    """vacancy_effect + agency_per_vacancy x agency_effect ~ the regression of score on vacancy.

    Each ILACS grade is placed at its mean score on the model's N(0, 1) scale
    (cutpoints from the first SIF judgements); the between-grade covariance of
    score and vacancy, over the variance of vacancy rates across the 152
    councils (2017), is the slope. Tolerance 10%: the figure is rough.
    """
    targets = pd.read_csv(CALIBRATION / "calibration_targets.csv").set_index("id")["value"]
    names = ("inadequate", "ri", "good", "outstanding")  # GRADES order, as the ids spell them
    vacancy = np.array([float(targets[f"wf_by_grade_{g}_vacancy"]) for g in names]) / 100
    counts = np.array([34, 72, 105, 50])  # councils behind each figure (the ids' notes)
    cuts = norm.cdf((-np.inf, *Scenario().world.performance.cutpoints, np.inf))
    score = -np.diff(norm.pdf(norm.ppf(cuts))) / np.diff(cuts)  # mean of N(0,1) in each band
    p = counts / counts.sum()
    cov = p @ ((score - p @ score) * (vacancy - p @ vacancy))
    association = -cov / np.var(england.vacancy_rate, ddof=1)
    assert association == pytest.approx(3.2, abs=0.1)
    wf = Scenario().world.workforce
    total = wf.vacancy_effect + wf.agency_per_vacancy * wf.agency_effect
    assert total == pytest.approx(association, rel=0.10)
