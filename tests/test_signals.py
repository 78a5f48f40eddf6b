"""Concern signals drawn month by month: exact thinning, bridge noise with the OU law, re-tests."""

from __future__ import annotations

import math

import numpy as np
import pytest
import simpy

from sim.model.council import ou_variance_factor
from sim.model.latent import Latent
from sim.model.signals import ConcernSignals

THETA, SIGMA = 0.08, 0.4


def setup(n: int, q: float, seed: int, sigma: float = SIGMA):
    months, within = np.random.default_rng(seed), np.random.default_rng(seed + 1)
    latent = Latent(
        np.full(n, q),
        np.full(n, q),
        THETA,
        sigma,
        lambda k: months.standard_normal(k),
        lambda i: float(within.standard_normal()),
    )
    env = simpy.Environment()
    return env, latent, ConcernSignals(env, latent, np.random.default_rng(seed + 2))


def test_candidate_noise_has_the_ou_law_and_is_pinned_to_the_month_end():
    _, latent, signals = setup(20_000, 0.0, seed=4)
    signals.begin_month(0, 0.0, 1.0, 0.0, 2.0)
    u = signals.time
    standard = signals.noise / (SIGMA * np.sqrt([ou_variance_factor(THETA, x) for x in u]))
    n = len(standard)
    assert n > 30_000
    assert abs(standard.mean()) < 4 / math.sqrt(n)
    assert standard.var() == pytest.approx(1.0, rel=4 * math.sqrt(2 / n))
    end = SIGMA * math.exp(-THETA) * latent.w_end[signals.owner]
    inside = np.array([ou_variance_factor(THETA, x) for x in u])
    expected = np.exp(-THETA * (1 - u)) * SIGMA**2 * inside
    assert np.mean(signals.noise * end) == pytest.approx(expected.mean(), rel=0.05)
    # the drawn points are part of the path: the latent score there is the same
    j = 17
    i, t = int(signals.owner[j]), float(signals.time[j])
    assert latent.at(i, t) == pytest.approx(float(signals.noise[j]), abs=1e-12)


def test_kept_signals_match_the_poisson_expectation():
    n, months, q = 400, 24, -1.2
    env, latent, signals = setup(n, q, seed=8, sigma=0.0)
    kept = []
    signals.fire = lambda council, act: kept.append(council)
    rate = min(0.05 * math.exp(-1.5 * (q + 0.8)), 1.0)
    for month in range(months):
        env.run(until=month + 1e-9) if month else None
        latent.roll_to(month)
        signals.begin_month(month, 0.05, 1.5, -0.8, 1.0)
    env.run(until=months)
    expected = rate * n * months
    assert abs(len(kept) - expected) < 4 * math.sqrt(expected)


def test_a_level_change_tests_the_later_candidates_again():
    env, latent, signals = setup(50, 5.0, seed=2, sigma=0.0)  # far above: no signal kept
    kept = []
    signals.fire = lambda council, act: kept.append(council)
    signals.begin_month(0, 0.05, 1.5, -0.8, 1.0)
    env.run(until=0.01)
    latent.set_levels(np.arange(50), 0.01, np.full(50, -40.0))  # collapse: rate at the cap
    latent.mu[:] = -40.0
    signals.level_changed(np.arange(50))
    env.run(until=1.0)
    later = int((signals.time > 0.01).sum())
    assert len(kept) == later > 0
