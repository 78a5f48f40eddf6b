"""Shared fixtures: the real councils table and small scenarios built in code."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from typing import Any

import pytest

from sim.scenario.councils import CouncilTable, load_councils
from sim.scenario.schema import Scenario


def pytest_collection_finish(session: pytest.Session) -> None:
    """Move everything imported so far out of the garbage collector's sight (``gc.freeze``).

    Why: statsmodels' Holm adjustment (``multipletests(..., "holm")``, used by
    ``sim.results.multiplicity``) calls ``gc.collect()`` on every call, about 46 times per
    comparison table; each full collection walks every object the test session holds
    (pandas, scipy, matplotlib, hypothesis and every test module: ~0.2-0.5 s on this
    machine), which made such collections the largest single cost of the suite. Frozen
    objects are never freed by the collector, but these (modules, functions, classes) live
    for the whole session anyway; nothing a test computes or checks changes.
    """
    gc.collect()
    gc.freeze()


@pytest.fixture(autouse=True, scope="module")
def _refreeze() -> Iterator[None]:
    """After each test module, collect its garbage once and freeze what survives.

    Keeps the heap that each later ``gc.collect()`` walks to what the current module made
    (see ``pytest_collection_finish``).
    """
    yield
    gc.collect()
    gc.freeze()


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

