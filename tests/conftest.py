"""Shared fixtures: the real councils table and small scenarios built in code."""

from __future__ import annotations

from typing import Any

import pytest

from sim.scenario.councils import CouncilTable, load_councils
from sim.scenario.schema import Scenario


@pytest.fixture(scope="session")
def england() -> CouncilTable:
    return load_councils()


def make_scenario(**overrides: Any) -> Scenario:
    """A default scenario with dotted-path overrides (validated like a variant)."""
    from sim.scenario.validation import with_overrides
    from sim.scenario.yamlio import Marks

    return with_overrides(Scenario(), overrides, path="<test>", marks=Marks())


def quiet_world(**overrides: Any) -> Scenario:
    """Deterministic dynamics: no drift noise, no judgement noise, no jitter, no leadership."""
    settings: dict[str, Any] = {
        "world.performance.volatility": 0.0,
        "world.performance.judgement_noise_sd": 0.0,
        "world.performance.leadership_change_rate": 0.0,
        "policy.ofsted.frameworks.SIF.cadence_jitter_months": 0.0,
        "policy.ofsted.frameworks.SIF.reinspection_jitter_months": 0.0,
        "policy.ofsted.frameworks.ILACS.cadence_jitter_months": 0.0,
        "policy.ofsted.frameworks.ILACS.reinspection_jitter_months": 0.0,
        "policy.ofsted.frameworks.ILACS.scale.noise_sd": 0.0,
    }
    settings.update(overrides)
    return make_scenario(**settings)

