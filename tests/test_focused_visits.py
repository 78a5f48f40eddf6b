"""ILACS focused visits: their own capacity, whom they visit, and what serious weakness does.

Fixed seeds on the history scenario; each tolerance is stated where it is used.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd

from sim.model.council import INADEQUATE
from sim.model.streams import SeedKey
from sim.model.world import World, run_replication
from sim.scenario.loading import load_scenario
from sim.scenario.timeline import resolve
from tests.conftest import make_scenario

HISTORY = Path(__file__).resolve().parent.parent / "scenarios" / "history_2016_2025.yaml"
ILACS_FROM, PAUSE, RESTART, FULL = 24.0, 51.0, 63.0, 69.0  # 2018-01, 2020-04, 2021-04, 2021-10


def visits(result) -> pd.DataFrame:
    rows = [
        {"month": t, "council": c, **json.loads(d)}
        for t, c, e, d in result.events or []
        if e == "focused_visit"
    ]
    return pd.DataFrame(rows)


def traced(overrides: dict, rep: int, england) -> tuple[World, object, pd.DataFrame]:
    """A traced history run and every judgement: those carried in at the start, then the run's."""
    scenario = load_scenario(HISTORY, overrides)
    world = World(resolve(scenario), SeedKey(11, 0, rep), england, trace=True)
    carried = [(c.index, c.judged_at, c.judged) for c in world.councils]
    result = world.run()
    judged = pd.DataFrame(result.judgements)[["council", "month", "grade"]]
    start = pd.DataFrame(carried, columns=["council", "month", "grade"])
    return world, result, pd.concat([start, judged]).sort_values("month")


def test_focused_visits_use_their_own_capacity_and_visit_only_the_not_inadequate(england):
    world, result, judged = traced({}, 0, england)
    rules = world.policy.ofsted.frameworks["ILACS"]
    onsite = rules.kinds["focused"].onsite_months
    table = visits(result)
    assert len(table) == result.metrics["focused_visits"] > 20
    started = np.floor(table["month"] - onsite + 1e-9)
    assert started.min() >= ILACS_FROM  # the SIF has no focused visits
    rate = rules.kinds["focused"].capacity_per_month
    for month, n in started.value_counts().items():
        share = 0.0 if PAUSE <= month < RESTART else 0.5 if month < FULL and month >= RESTART else 1
        assert n <= math.ceil(rate * share), (month, n)  # never more than the month allows
    names = {c.name: c.index for c in world.councils}
    for row in table.itertuples():
        before = judged[(judged["council"] == names[row.council]) & (judged["month"] < row.month)]
        assert before["grade"].iloc[-1] != INADEQUATE  # inadequate councils are monitored
        gap = rules.focused_visits.min_months_from_inspection
        assert row.month - onsite - before["month"].iloc[-1] >= gap - 1e-9


def test_serious_weakness_brings_the_graded_inspection_forward(england):
    """Paired (same seeds) with and without the rule; ample capacity, so no queue."""
    ample = {"policy.ofsted.capacity_multiplier": 100.0, "policy.sharper_triggers.enabled": False}
    weak_gaps, forward = [], 0.0
    for rep in range(3):
        world, result, judged = traced(ample, rep, england)
        rules = world.policy.ofsted.frameworks["ILACS"]
        table = visits(result)
        names = {c.name: c.index for c in world.councils}
        lead = rules.focused_visits.bring_forward_months
        paused = (table["month"] > PAUSE - lead - 1.0) & (table["month"] < RESTART)
        for row in table[table["weak"] & ~paused].itertuples():  # not delayed by the pause
            mine = judged[(judged["council"] == names[row.council]) & (judged["month"] > row.month)]
            weak_gaps.append(mine["month"].min() - row.month)
        forward += result.metrics["focused_visits_brought_forward"]
        off = run_replication(
            resolve(load_scenario(HISTORY, {
                **ample, "policy.ofsted.frameworks.ILACS.focused_visits.brings_forward": False,
            })), SeedKey(11, 0, rep), england,
        )  # fmt: skip
        assert off.metrics["focused_visits_brought_forward"] == 0
        assert off.metrics["focused_visits_weak"] > 0 or result.metrics["focused_visits_weak"] == 0
    longest = max(k.onsite_months for k in rules.kinds.values())
    gaps = np.array(weak_gaps)
    assert len(gaps) >= 5 and forward >= 5
    # brought forward to `lead` after the visit; it starts at the next month start at the
    # latest (ample capacity) and is on site for at most the longest kind
    assert np.nanmax(gaps) <= lead + 1.0 + longest + 1e-9
    assert np.nanmin(gaps) >= lead - 1e-9


def test_a_framework_without_focused_visits_has_none(england):
    scenario = make_scenario(**{"run.horizon_months": 60.0})  # the SIF throughout
    assert scenario.policy.ofsted.rules.focused_visits is None
    result = run_replication(resolve(scenario), SeedKey(2, 0, 0), england)
    assert result.metrics["focused_visits"] == 0
