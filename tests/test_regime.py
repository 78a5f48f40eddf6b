"""The intervention regime: exact traces on a tiny world, sponsor capacity, CRN and monotonicity."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.experiments.tasks import Task, run_task
from sim.model import sponsors
from sim.model.council import GOOD, REQUIRES_IMPROVEMENT
from sim.model.dfe import STATUSES
from sim.model.streams import SeedKey
from sim.model.world import World, run_replication
from sim.results.analysis import compare
from sim.scenario.schema import GRADES
from sim.scenario.timeline import variant_scenarios
from tests.conftest import make_scenario, quiet_world

REINSPECTED = round(-1.0 + 32.6 + 4.0 * 12.0 / 52.0, 6)  # the SIF's scheduled re-inspection
ONE_INADEQUATE = {**dict.fromkeys(GRADES, 0.0), "inadequate": 1.0}


def tiny_regime(table, **overrides) -> World:
    """One failing council (q = -2.5, judged inadequate a month before the start), one charity."""
    scenario = quiet_world(
        **{
            "world.population.source": "synthetic",
            "world.population.councils": 1,
            "world.population.grade_shares": ONE_INADEQUATE,
            "run.horizon_months": 40,
            "world.signals.rate_at_inadequate": 0.0,
            "policy.regime.review_noise_sd": 0.0,
            "policy.sponsors.council_sponsors": [],
            "policy.sponsors.initial_charities": 1,
            "policy.sponsors.charity_recruitment_rate": 0.0,
            "policy.trusts.setup_months": 6.0,
            "policy.trusts.ramp_months": 0.0,
            "policy.trusts.uplift": 5.0,
            "policy.trusts.min_months": 0.0,
            # the review reads q (its exact trace below); ample capacity for one council
            "policy.regime.review_measures": "score",
            "policy.ofsted.capacity_multiplier": 1000.0,
            **overrides,
        }
    )
    world = World(scenario, SeedKey(1, 0, 0), table, trace=True)
    council = world.councils[0]
    council.base = council.q = -2.5
    council.judged_at = -1.0  # Ofsted's schedule and DfE's spells start from it
    council.judged_score = -2.5
    return world


REGIME_EVENTS = {
    "commissioner_appointed",
    "review",
    "decision",
    "queue_entry",
    "sponsor_found",
    "trust_start",
    "hand_back",
    "intervention_ended",
}


def regime_trace(world: World) -> list[tuple[float, str, dict]]:
    return [
        (round(t, 6), e, json.loads(d))
        for t, _, e, d in world.recorder.events
        if e in REGIME_EVENTS or (e == "judgement")
    ]


def test_failing_council_trace_from_commissioner_to_hand_back(england):
    world = tiny_regime(england)
    result = world.run()
    trace = [(t, e) for t, e, _ in regime_trace(world)]
    assert trace == [
        (1.0, "commissioner_appointed"),  # commissioner delay 1 month
        (6.0, "review"),  # six months after the start of the regime
        (6.0, "decision"),  # failed: takeover
        (6.0, "queue_entry"),
        (6.0, "sponsor_found"),  # the charity has a free slot: no wait
        (12.0, "trust_start"),  # after the six-month set-up
        (REINSPECTED, "judgement"),  # SIF re-inspection: due -1 + 32.6, 4 weeks on site
        (REINSPECTED, "hand_back"),  # judged good, minimum period 0
    ]
    review = next(d for t, e, d in regime_trace(world) if e == "review")
    assert review["passed"] is False and review["required"] == pytest.approx(-2.2)
    judgement = next(d for t, e, d in regime_trace(world) if e == "judgement")
    assert judgement["grade"] == "good"
    assert result.metrics["takeovers"] == 1 and result.metrics["hand_backs"] == 1
    assert result.metrics["sponsor_wait_months_mean"] == 0.0
    assert result.metrics["commissioner_months"] == pytest.approx(11.0)
    assert result.monthly["status_trust"][12] == 1 and result.monthly["status_none"][33] == 1


def test_passing_review_keeps_the_commissioner(england):
    overrides = {
        "policy.regime.improvement_rise": 0.0,
        "policy.regime.improvement_bar": -3.0,
        "run.horizon_months": 25,  # before the re-inspection
    }
    world = tiny_regime(england, **overrides)
    world.run()
    events = [e for _, e, _ in regime_trace(world)]
    assert "review" in events and "decision" not in events and "trust_start" not in events
    assert world.councils[0].status == "commissioner"


def test_extend_then_take_over(england):
    world = tiny_regime(
        england, **{"policy.regime.on_failure": "extend", "policy.regime.max_extensions": 2}
    )
    world.run()
    trace = [
        (t, e, d.get("action")) for t, e, d in regime_trace(world) if e in ("review", "decision")
    ]
    assert trace == [
        (6.0, "review", None),
        (6.0, "decision", "extend"),
        (12.0, "review", None),
        (12.0, "decision", "extend"),
        (18.0, "review", None),
        (18.0, "decision", "takeover"),
    ]


def test_pre_reform_takes_over_only_on_repeated_failure(england):
    world = tiny_regime(
        england,
        **{
            "policy.regime.intervention": "improvement_notice",
            "policy.regime.deadline_months": None,
            "policy.trusts.uplift": 0.0,
        },
    )
    world.run()
    trace = [
        (t, e, d.get("reason"))
        for t, e, d in regime_trace(world)
        if e in ("decision", "review", "commissioner_appointed")
    ]
    # inadequate at -1 and again at the re-inspection: twice in 5 years
    assert trace == [(REINSPECTED, "decision", "persistent_failure")]


def test_starting_state_is_england_in_january_2016(england):
    result = run_replication(make_scenario(**{"run.horizon_months": 1}), SeedKey(1, 0, 0), england)
    month0 = {s: int(result.monthly[f"status_{s}"][0]) for s in STATUSES}
    assert month0["trust"] == 2  # Doncaster, Slough
    assert month0["commissioner"] == 3  # Sunderland, Norfolk, Sandwell
    assert month0["direction"] == 15  # the other inadequate councils enter the regime
    assert sum(month0.values()) == 152


def test_council_sponsor_below_good_takes_no_new_work(england):
    world = World(make_scenario(), SeedKey(1, 0, 0), england)
    leeds = next(s for s in sponsors.council_sponsors(world) if s.name == "Leeds")
    member = world.councils[leeds.members[0]]
    member.judged = REQUIRES_IMPROVEMENT
    assert not sponsors.eligible(world, leeds)
    member.judged = GOOD
    assert sponsors.eligible(world, leeds)
    leeds.trusts.append(0)
    assert not sponsors.eligible(world, leeds)  # capacity 1, full


def checked_assign(original):
    def assign(world, council, sponsor):
        floor = GRADES.index(world.policy.sponsors.min_sponsor_grade)
        assert sponsor.kind != "independent" or world.env.now == 0  # the 2015 trusts
        assert sponsor.kind != "council" or all(
            world.councils[m].judged >= floor for m in sponsor.members
        )
        original(world, council, sponsor)
        assert len(sponsor.trusts) <= sponsor.capacity(world)

    return assign


@settings(
    max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    capacity=st.integers(1, 3),
    charities=st.integers(0, 2),
    seed=st.integers(0, 999),
    uplift=st.floats(-0.5, 0.5),
    rise=st.floats(0.0, 1.0),
)
def test_sponsor_capacity_is_never_exceeded(
    england, monkeypatch, capacity, charities, seed, uplift, rise
):
    monkeypatch.setattr(sponsors, "assign", checked_assign(sponsors.assign))
    scenario = make_scenario(
        **{
            "run.horizon_months": 60,
            "policy.sponsors.capacity_per_sponsor": capacity,
            "policy.sponsors.initial_charities": charities,
            "policy.regime.commissioner_uplift": uplift,
            "policy.regime.improvement_rise": rise,
        }
    )
    result = run_replication(scenario, SeedKey(seed, 0, 0), england)
    statuses = np.vstack([result.monthly[f"status_{s}"] for s in STATUSES])
    assert (statuses.sum(axis=0) == 152).all()  # each council in exactly one status


def test_unlimited_capacity_means_no_wait(england):
    scenario = make_scenario(
        **{
            "run.horizon_months": 60,
            "policy.sponsors.initial_charities": 1,
            "policy.sponsors.capacity_per_sponsor": 1000,
        }
    )
    waits = []
    for rep in range(3):
        result = run_replication(scenario, SeedKey(2, 0, rep), england)
        assert result.metrics["takeovers"] > 0
        waits.append(result.metrics["sponsor_wait_months_mean"])
    assert waits == [0.0, 0.0, 0.0]


def test_a_variant_identical_to_the_baseline_differs_by_exactly_zero(england):
    scenario = make_scenario(
        **{
            "run.horizon_months": 36,
            "variants": {"same": {"policy.regime.deadline_months": 6.0}},
        }
    )
    rows = []
    for name, variant in variant_scenarios(scenario).items():
        for rep in range(3):
            rows.append(run_task(Task(name, 0, rep, 9), variant, england, False).replication)
    import pandas as pd

    comparison = compare(pd.concat(rows, ignore_index=True), "baseline")
    finite = comparison.dropna(subset=["mean_diff"])
    assert len(finite) > 20
    assert (finite["mean_diff"] == 0).all() and (finite["ci_low"] == 0).all()


def mean_metric(scenario, metric: str, table, reps: int = 6) -> float:
    values = [
        run_replication(scenario, SeedKey(31, 0, r), table).metrics[metric] for r in range(reps)
    ]
    return float(np.nanmean(values))


def test_more_sponsor_capacity_never_lengthens_the_mean_wait(england):
    waits = [
        mean_metric(
            make_scenario(**{"run.horizon_months": 96, "policy.sponsors.capacity_per_sponsor": c}),
            "sponsor_wait_months_mean",
            england,
        )
        for c in (1, 2, 4)
    ]
    assert waits[0] >= waits[1] >= waits[2]
    assert waits[0] > waits[2]


def test_no_deadline_gives_no_more_takeovers_than_six_months(england):
    base = {"run.horizon_months": 96}
    six = mean_metric(make_scenario(**base), "takeover_decisions", england)
    none = mean_metric(
        make_scenario(**base, **{"policy.regime.deadline_months": None}),
        "takeover_decisions",
        england,
    )
    assert none <= six
    assert six > 0
