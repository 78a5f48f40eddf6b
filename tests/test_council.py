"""The exact transitions of a council's latent score, against their closed forms."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sim.model.council import (
    draw_given_grade,
    grade_of,
    new_base_level,
    ou_moments,
    ou_step,
    stationary_variance,
)
from sim.scenario.schema import Performance

CUTS = (-0.782, 0.371, 2.06)


@pytest.mark.parametrize(
    ("q", "m", "theta", "sigma", "dt"),
    [
        (1.0, -0.5, 0.05, 0.14, 6.0),
        (-2.0, 0.3, 0.5, 0.4, 0.25),
        (0.0, 0.0, 0.0, 0.2, 10.0),  # theta 0: Brownian motion, variance sigma^2 dt
        (0.5, 2.0, 3.0, 1.0, 40.0),  # long interval: the stationary law
    ],
)
def test_ou_step_matches_closed_form_mean_and_variance(q, m, theta, sigma, dt):
    rng = np.random.default_rng(7)
    z = rng.standard_normal(200_000)
    samples = np.array([ou_step(q, m, theta, sigma, dt, zi) for zi in z[:50_000]])
    mean, var = ou_moments(q, m, theta, sigma, dt)
    sd_of_mean = math.sqrt(var / len(samples))
    # Tolerances: 4 standard errors for the mean, 3% for the variance (n = 50,000).
    assert abs(samples.mean() - mean) < 4 * sd_of_mean + 1e-12
    assert samples.var(ddof=1) == pytest.approx(var, rel=0.03)


def test_ou_step_composes_exactly():
    """Two half steps with the same total noise law give the closed-form one-step moments."""
    rng = np.random.default_rng(11)
    q0, m, theta, sigma = 1.5, -0.2, 0.2, 0.3
    z = rng.standard_normal((2, 50_000))
    half = np.array(
        [ou_step(ou_step(q0, m, theta, sigma, 2.0, a), m, theta, sigma, 2.0, b) for a, b in z.T]
    )
    mean, var = ou_moments(q0, m, theta, sigma, 4.0)
    assert abs(half.mean() - mean) < 4 * math.sqrt(var / half.size)
    assert half.var(ddof=1) == pytest.approx(var, rel=0.03)


@given(
    q=st.floats(-5, 5),
    m=st.floats(-5, 5),
    theta=st.floats(0, 2),
    dt=st.floats(0, 100),
    z=st.floats(-5, 5),
)
def test_sigma_zero_gives_the_deterministic_path(q, m, theta, dt, z):
    expected = m + (q - m) * math.exp(-theta * dt)
    assert ou_step(q, m, theta, 0.0, dt, z) == pytest.approx(expected, abs=1e-12)


def test_stationary_variance_and_long_run():
    assert stationary_variance(0.05, 0.1414) == pytest.approx(0.1999, rel=1e-3)
    assert stationary_variance(0.0, 1.0) == 0.0
    _, var = ou_moments(0.0, 0.0, 0.05, 0.1414, 10_000.0)
    assert var == pytest.approx(stationary_variance(0.05, 0.1414))


@pytest.mark.parametrize(
    ("score", "grade"),
    [
        (-3.0, 0),
        (-0.783, 0),
        (-0.782, 1),
        (0.0, 1),
        (0.371, 2),
        (2.0, 2),
        (2.06, 3),
        (9.0, 3),
    ],
)
def test_grade_of_uses_half_open_intervals(score, grade):
    assert grade_of(score, CUTS) == grade


def test_leadership_change_keeps_the_base_level_law():
    perf = Performance()
    rng = np.random.default_rng(3)
    base = rng.normal(0.0, perf.base_sd, 100_000)
    new = np.array(
        [
            new_base_level(b, perf, z)
            for b, z in zip(base[:40_000], rng.standard_normal(40_000), strict=True)
        ]
    )
    assert new.std() == pytest.approx(perf.base_sd, rel=0.02)
    assert np.corrcoef(base[:40_000], new)[0, 1] == pytest.approx(
        perf.leadership_persistence, abs=0.02
    )


@pytest.mark.parametrize("grade", range(4))
def test_draw_given_grade_without_noise_lands_in_the_grade(grade):
    perf = Performance(judgement_noise_sd=0.0)
    rng = np.random.default_rng(grade)
    for _ in range(300):
        _, q, y = draw_given_grade(grade, perf, rng)
        assert grade_of(q, perf.cutpoints) == grade
        assert q == pytest.approx(y, abs=1e-5)  # 1e-12 jitter on the Cholesky factor


def test_draw_given_grade_orders_the_grades_and_shrinks_to_the_base():
    perf = Performance()
    rng = np.random.default_rng(5)
    means = []
    for grade in range(4):
        draws = np.array([draw_given_grade(grade, perf, rng) for _ in range(2000)])
        means.append(draws[:, 1].mean())
        # The base level is pulled towards 0 relative to q (shrinkage).
        assert abs(draws[:, 0].mean()) < abs(draws[:, 1].mean()) + 0.05
    assert means == sorted(means)


def test_truncated_normal_matches_scipy_moments():
    from scipy.stats import truncnorm

    from sim.model.council import truncated_standard_normal

    rng = np.random.default_rng(2)
    for low, high in [(-np.inf, -0.782), (-0.782, 0.371), (2.06, np.inf), (5.0, 6.0)]:
        draws = np.array(
            [truncated_standard_normal(low, high, u) for u in rng.uniform(size=20_000)]
        )
        assert draws.min() >= low and draws.max() <= high
        assert draws.mean() == pytest.approx(truncnorm.mean(low, high), abs=0.02)
        assert draws.std() == pytest.approx(truncnorm.std(low, high), rel=0.05)
