"""Resolving a scenario's variants and dated timeline into complete scenarios.

Done once per variant (and sweep point) in the experiments layer, so the model
receives a ``ResolvedScenario`` and each replication only replays its states.
"""

from __future__ import annotations

from sim.scenario.schema import ResolvedScenario, Scenario
from sim.scenario.validation import with_overrides
from sim.scenario.yamlio import Marks


def variant_scenarios(scenario: Scenario) -> dict[str, Scenario]:
    """The baseline and every variant as complete scenarios, baseline first."""
    resolved = {scenario.run.baseline: scenario}
    for name, overrides in scenario.variants.items():
        resolved[name] = with_overrides(scenario, overrides, path=scenario.name, marks=Marks())
    return resolved


def resolve(scenario: Scenario) -> ResolvedScenario:
    """The scenario with its timeline resolved into the states the model replays."""
    initial, changes = timeline_states(scenario)
    return ResolvedScenario(initial, tuple(changes))


def timeline_states(scenario: Scenario) -> tuple[Scenario, list[tuple[float, Scenario]]]:
    """The scenario in force at time 0, and each later (month, scenario) change before the horizon.

    Entries dated at or before the start month are folded into the starting state.
    """
    current = initial = scenario
    changes: list[tuple[float, Scenario]] = []
    for entry in scenario.timeline:
        current = with_overrides(current, entry.set, path=scenario.name, marks=Marks())
        at = float(scenario.months_from_start(entry.at))
        if at <= 0:
            initial = current
        elif at < scenario.run.horizon_months:
            changes.append((at, current))
    return initial, changes
