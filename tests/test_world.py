"""The council and Ofsted model: exact traces on tiny worlds, theory, and invariants."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.model.council import Council, grade_of
from sim.model.streams import SeedKey
from sim.model.world import World, run_replication
from sim.scenario.timeline import resolve
from tests.conftest import make_scenario, quiet_world

SIF_ONSITE = 4.0 * 12.0 / 52.0  # months: the SIF's 4 weeks on site
GRADE_SHARES = {"inadequate": 0.0, "requires_improvement": 0.0, "good": 0.0, "outstanding": 0.0}


def tiny_world(table, grade: str, *, base: float, horizon: float = 40, **overrides) -> World:
    """One synthetic council with a fixed latent level, judged ``grade`` one month before start."""
    shares = {**GRADE_SHARES, grade: 1.0}
    scenario = quiet_world(
        **{
            "world.population.source": "synthetic",
            "world.population.councils": 1,
            "world.population.grade_shares": shares,
            "run.horizon_months": horizon,
            "world.signals.rate_at_inadequate": 0.0,
            "policy.ofsted.capacity_multiplier": 1000.0,  # ample: capacity scales with councils
            **overrides,
        }
    )
    world = World(scenario, SeedKey(1, 0, 0), table, trace=True)
    council = world.councils[0]
    council.base = council.q = base
    council.judged_at = -1.0  # Ofsted's schedule and DfE's spells start from it
    return world


def trace(world: World) -> list[tuple[float, str, dict]]:
    return [
        (round(t, 6), event, json.loads(details)) for t, _, event, details in world.recorder.events
    ]


def test_inadequate_council_without_improvement_exact_trace(england):
    world = tiny_world(england, "inadequate", base=-3.0)
    result = world.run()
    events = trace(world)
    visits = [t for t, e, _ in events if e == "monitoring_visit"]
    # quarterly visits (up to 6) after the judgement at -1; the SIF's scheduled re-inspection
    # is due 32.6 months after it and publishes 4 weeks later; then visits after that one
    reinspected = round(-1.0 + 32.6 + SIF_ONSITE, 6)
    assert visits == [2.0, 5.0, 8.0, 11.0, 14.0, 17.0, round(reinspected + 3, 6),
                      round(reinspected + 6, 6)]  # fmt: skip
    judgements = [(t, d["kind"], d["grade"]) for t, e, d in events if e == "judgement"]
    assert judgements == [(reinspected, "reinspection", "inadequate")]
    assert result.metrics["child_years_judged_inadequate"] == pytest.approx(
        world.councils[0].children_in_need * 40 / 12
    )
    assert result.metrics["monitoring_visits"] == 8


def test_improving_council_is_reinspected_at_the_earliest_date(england):
    world = tiny_world(england, "inadequate", base=1.0)
    world.run()
    events = trace(world)
    visits = [t for t, e, _ in events if e == "monitoring_visit"]
    assert visits == [2.0, 5.0, 8.0, 11.0, 14.0, 17.0]
    judgements = [(t, d["kind"], d["grade"]) for t, e, d in events if e == "judgement"]
    # earliest re-inspection on improvement: 24 months after the judgement at -1 (SIF),
    # starts at 23, published 4 weeks later
    assert judgements == [(round(23.0 + SIF_ONSITE, 6), "reinspection", "good")]


def test_detection_delay_of_a_hidden_failure_is_exact(england):
    world = tiny_world(england, "good", base=-3.0)
    result = world.run()
    judgements = [(t, d["kind"], d["grade"]) for t, e, d in trace(world) if e == "judgement"]
    published = round(35.0 + SIF_ONSITE, 6)  # due 36 months after the judgement at -1
    assert judgements == [(published, "routine", "inadequate")]
    # truly inadequate from the first reading (month 0) to the judgement
    assert result.metrics["detection_delay_months_mean"] == pytest.approx(published)
    assert result.metrics["detections"] == 1


def test_signal_triggers_emergency_inspection_after_lead_time_and_gap(england):
    world = tiny_world(
        england,
        "good",
        base=-3.0,
        **{
            "world.signals.rate_at_inadequate": 1.0,
            "world.signals.slope": 0.0,
            "policy.sharper_triggers.act_probability": 1.0,
            "policy.sharper_triggers.lead_time_months": 1.0,
            "policy.sharper_triggers.min_gap_months": 12.0,
        },
    )
    world.run()
    events = trace(world)
    signals = [t for t, e, _ in events if e == "signal"]
    first_eligible = next(t for t in signals if t + 1.0 - (-1.0) >= 12.0)
    called = [t for t, e, _ in events if e == "emergency_called"]
    assert called[0] == pytest.approx(first_eligible + 1.0)
    declined = [t for t, e, _ in events if e == "emergency_declined"]
    # before the call, every signal acted on came within 12 months of the judgement at -1
    assert all(t - (-1.0) < 12.0 for t in declined if t < called[0])
    first = next((t, d) for t, e, d in events if e == "judgement")
    assert first[0] == pytest.approx(called[0] + SIF_ONSITE)
    assert (first[1]["kind"], first[1]["grade"]) == ("emergency", "inadequate")


def test_no_triggers_no_emergencies(england):
    scenario = make_scenario(**{"policy.sharper_triggers.enabled": False, "run.horizon_months": 36})
    result = run_replication(scenario, SeedKey(3, 0, 0), england)
    assert result.metrics["signals"] > 0
    assert result.metrics["inspections_emergency"] == 0


def test_month_zero_is_england_in_december_2015(england):
    result = run_replication(make_scenario(**{"run.horizon_months": 1}), SeedKey(1, 0, 0), england)
    month0 = {k: int(v[0]) for k, v in result.monthly.items() if k.startswith("judged_")}
    assert month0 == {
        "judged_inadequate": 20,
        "judged_requires_improvement": 77,
        "judged_good": 52,
        "judged_outstanding": 3,
    }


def test_starting_scores_agree_with_the_real_grades_on_average(england):
    """Councils judged worse start lower on average (the draw is conditional on the grade)."""
    means = {g: [] for g in range(4)}
    for rep in range(5):
        w = World(make_scenario(), SeedKey(1, 0, rep), england)
        for council in w.councils:
            means[council.judged].append(council.q)
    ordered = [np.mean(means[g]) for g in range(4)]
    assert ordered == sorted(ordered)


def test_signal_counts_match_the_poisson_expectation(england):
    horizon = 120.0
    scenario = make_scenario(
        **{
            "world.performance.reversion_rate": 0.0,
            "world.performance.volatility": 0.0,
            "world.performance.leadership_change_rate": 0.0,
            "run.horizon_months": horizon,
            "policy.sharper_triggers.enabled": False,
            "world.signals.rate_at_inadequate": 0.1,
        }
    )
    observed = expected = 0.0
    for rep in range(4):
        world = World(scenario, SeedKey(11, 0, rep), england)
        result = world.run()
        sig, c1 = scenario.world.signals, scenario.world.performance.cutpoints[0]
        rates = [
            min(sig.rate_at_inadequate * math.exp(-sig.slope * (c.q - c1)), sig.max_rate)
            for c in world.councils
        ]
        observed += result.metrics["signals"]
        expected += sum(rates) * horizon
    # Poisson: the standard deviation of the total is sqrt(expected); allow 4 of them.
    assert expected > 500
    assert abs(observed - expected) < 4 * math.sqrt(expected)


@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(multiplier=st.floats(0.25, 3.0), seed=st.integers(0, 10_000))
def test_capacity_never_exceeded_per_kind_and_one_grade_each(england, multiplier, seed):
    """Starts of each kind in each month never exceed ceil(rate) (issue 9: capacity by kind)."""
    scenario = make_scenario(
        **{"policy.ofsted.capacity_multiplier": multiplier, "run.horizon_months": 36}
    )
    world = World(scenario, SeedKey(seed, 0, 0), england)
    result = world.run()
    for (kind, _month), started in world.capacity.started.items():
        assert started <= math.ceil(world.capacity.rate(kind) - 1e-9)
    assert world.commissioners.count <= world.commissioners.capacity
    judged = np.vstack(
        [
            result.monthly[f"judged_{g}"]
            for g in ("inadequate", "requires_improvement", "good", "outstanding")
        ]
    )
    assert (judged.sum(axis=0) == len(england)).all()
    assert all(c.judged in range(4) for c in world.councils)


def test_timeline_pause_stops_inspections_mid_run(england):
    scenario = make_scenario(**{"run.horizon_months": 30})
    from sim.scenario.validation import with_overrides
    from sim.scenario.yamlio import Marks

    paused = with_overrides(
        scenario,
        {"timeline": [{"at": "2017-01", "set": {"policy.ofsted.operating_share": 0.0}}]},
        path="<t>",
        marks=Marks(),
    )
    world = World(resolve(paused), SeedKey(2, 0, 0), england, trace=True)
    world.run()
    starts = [t for t, _, e, d in world.recorder.events if e == "judgement"]
    # inspections under way at month 12 finish within one inspection length; none after
    assert starts and max(starts) <= 12.0 + SIF_ONSITE + 1e-9


def test_sigma_zero_world_follows_the_closed_form(england):
    scenario = quiet_world(**{"run.horizon_months": 24})
    world = World(scenario, SeedKey(4, 0, 0), england)
    council: Council = world.councils[7]
    q0, m, theta = council.q, world.levels.of(7), scenario.world.performance.reversion_rate
    assert world.advance(council, 17.3) == pytest.approx(m + (q0 - m) * math.exp(-theta * 17.3))


def test_synthetic_population_of_a_thousand_councils(england):
    scenario = make_scenario(
        **{
            "world.population.source": "synthetic",
            "world.population.councils": 1000,
            "run.horizon_months": 12,
        }
    )
    result = run_replication(scenario, SeedKey(1, 0, 0), england)
    totals = sum(
        result.monthly[f"judged_{g}"][0]
        for g in ("inadequate", "requires_improvement", "good", "outstanding")
    )
    assert totals == 1000
    share = 20 / 152  # binomial draw of grades from the December 2015 shares: within 4 sd
    assert abs(result.monthly["judged_inadequate"][0] - 1000 * share) < 4 * math.sqrt(
        1000 * share * (1 - share)
    )


def test_true_grade_matches_cutpoints(england):
    world = World(make_scenario(), SeedKey(1, 0, 0), england)
    for council in world.councils[:20]:
        assert world.true_grade(council) == grade_of(council.q, world.params.performance.cutpoints)
