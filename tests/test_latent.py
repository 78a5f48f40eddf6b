"""The latent scores held in arrays: exact OU moments, bridges inside a month, shared month ends."""

from __future__ import annotations

import math

import numpy as np
import pytest

from sim.model.council import ou_moments, ou_variance_factor
from sim.model.latent import Latent

THETA, SIGMA = 0.08, 0.35


def make(n: int, q0: float, m: float, seed: int, theta: float = THETA, sigma: float = SIGMA):
    months = np.random.default_rng(seed)
    within = np.random.default_rng(seed + 1)
    return Latent(
        np.full(n, q0),
        np.full(n, m),
        theta,
        sigma,
        lambda k: months.standard_normal(k),
        lambda i: float(within.standard_normal()),
    )


def test_month_ends_have_the_exact_ou_moments():
    n, q0, m = 40_000, -1.0, 0.5
    latent = make(n, q0, m, seed=3)
    latent.roll_to(3.0)
    mean, var = ou_moments(q0, m, THETA, SIGMA, 3.0)
    assert abs(latent.start.mean() - mean) < 4 * math.sqrt(var / n)
    assert latent.start.var() == pytest.approx(var, rel=4 * math.sqrt(2 / n))


def test_a_point_inside_a_month_has_the_ou_covariance_with_the_month_end():
    n, u = 20_000, 0.37
    latent = make(n, 0.0, 0.0, seed=5)
    inside = np.array([latent.at(i, 1.0 + u) for i in range(n)])  # month 1, after a roll
    start = latent.start.copy()
    latent.roll_to(2.0)
    end = latent.start
    v_start = SIGMA**2 * ou_variance_factor(THETA, 1.0)
    var_inside = math.exp(-2 * THETA * u) * v_start + SIGMA**2 * ou_variance_factor(THETA, u)
    cov = math.exp(-THETA * (1 - u)) * var_inside
    assert inside.var() == pytest.approx(var_inside, rel=4 * math.sqrt(2 / n))
    assert np.cov(inside, end)[0, 1] == pytest.approx(cov, rel=0.06)
    assert np.corrcoef(start, inside)[0, 1] == pytest.approx(
        math.exp(-THETA * u) * math.sqrt(v_start / var_inside), abs=0.03
    )


def test_sigma_zero_follows_the_closed_form_through_a_level_change():
    latent = make(3, 1.0, 0.0, seed=1, sigma=0.0)
    latent.set_level(1, 2.4, -2.0)
    at_change = 0.0 + (1.0 - 0.0) * math.exp(-THETA * 2.4)
    expected = -2.0 + (at_change + 2.0) * math.exp(-THETA * (7.9 - 2.4))
    assert latent.at(1, 7.9) == pytest.approx(expected, abs=1e-12)
    assert latent.at(0, 7.9) == pytest.approx(math.exp(-THETA * 7.9), abs=1e-12)


def test_month_end_scores_do_not_depend_on_points_drawn_inside_the_month():
    quiet, busy = make(50, 0.2, -0.3, seed=9), make(50, 0.2, -0.3, seed=9)
    for t in (0.25, 0.5, 3.75, 4.1, 4.9):
        busy.at(7, t)
        busy.at(8, t)
    quiet.roll_to(6.0)
    busy.roll_to(6.0)
    assert quiet.start.tobytes() == busy.start.tobytes()


def test_two_points_in_one_month_keep_their_order_and_the_second_is_conditioned():
    latent = make(1, 0.0, 0.0, seed=2)
    first = latent.at(0, 0.6)
    again = latent.at(0, 0.6)
    assert first == again  # a point once drawn is part of the path
