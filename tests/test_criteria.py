"""The 2016 intervention criteria: a commissioner for persistent (or systemic) failure only."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from sim.model.council import INADEQUATE
from sim.model.streams import SeedKey
from sim.model.world import World
from sim.scenario.loading import load_scenario
from sim.scenario.timeline import resolve

HISTORY = Path(__file__).resolve().parent.parent / "scenarios" / "history_2016_2025.yaml"


def run(england, rep: int, **overrides):
    scenario = load_scenario(HISTORY, {"run.horizon_months": 84.0, **overrides})
    world = World(resolve(scenario), SeedKey(13, 0, rep), england, trace=True)
    carried = {c.index: [c.judged_at] if c.judged == INADEQUATE else [] for c in world.councils}
    in_post = {c.name for c in world.councils if c.status == "commissioner"}
    result = world.run()
    events = pd.DataFrame(result.events, columns=["month", "council", "event", "details"])
    return world, result, events, carried, in_post


def test_under_the_criteria_only_persistent_failure_brings_a_commissioner(england):
    persistent_seen = 0
    for rep in range(2):
        world, result, events, carried, in_post = run(
            england, rep, **{"policy.regime.intervention": "criteria"}
        )
        names = {c.name: c.index for c in world.councils}
        regime = world.policy.regime
        table = pd.DataFrame(result.judgements)
        appointed = events[events["event"] == "commissioner_appointed"]
        assert in_post <= set(appointed["council"])  # those in post at the start stay
        for row in appointed[~appointed["council"].isin(in_post)].itertuples():
            index = names[row.council]
            mine = table[(table["council"] == index) & (table["grade"] == INADEQUATE)]
            times = carried[index] + list(mine["month"])
            directed = [t for t in times if t <= row.month]
            latest = max(directed)  # the direction that brought the commissioner
            window = [t for t in directed if t > latest - regime.persistent_window_months]
            assert len(window) >= regime.persistent_failure_judgements, (row, times)
            persistent_seen += 1
        firsts = (table["grade"] == INADEQUATE) & (table["previous_grade"] != INADEQUATE)
        assert firsts.sum() > len(appointed)  # most inadequate councils get a notice instead
    assert persistent_seen >= 2


def test_the_criteria_appoint_far_fewer_commissioners_than_the_commissioner_rule(england):
    """Paired (same seeds): the 2016 criteria against a commissioner for every direction."""
    counts = {}
    for rule in ("criteria", "commissioner"):
        _, _, events, _, _ = run(england, 0, **{"policy.regime.intervention": rule})
        early = events[(events["event"] == "commissioner_appointed") & (events["month"] < 4)]
        counts[rule] = (len(early), int((events["event"] == "commissioner_appointed").sum()))
    # by April 2016: the 3 in post at the start and any persistent failure under the
    # criteria, within the data's 5 appointed Jan 2015 - Apr 2016 (commissioners_jan2015_apr2016);
    # a full pool of 12 under the rule
    assert 3 <= counts["criteria"][0] <= 5 and counts["commissioner"][0] >= 10
    assert counts["commissioner"][1] > 2 * counts["criteria"][1]  # measured ~45 vs ~10
