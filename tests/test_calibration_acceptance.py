"""The rejection-control normalisation of the stochastic acceptor, by hand (and the
figures' tick labels)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from sim.calibration.acceptance import PlannedTemperature, controlled_normalisation


def test_normalisation_is_the_maximum_when_that_accepts_enough() -> None:
    # l = (0, -1), T = 1: at c = 0 the mean acceptance is (1 + e^-1) / 2 = 0.68 >= 0.3
    assert controlled_normalisation(np.array([0.0, -1.0]), np.ones(2), 1.0, 0.3) == 0.0


def test_normalisation_is_lowered_to_the_target_acceptance() -> None:
    # l = (0, -10), equal weights, T = 1: c in (-10, 0) solves (1 + e^(-10 - c)) / 2 = 0.6,
    # so c = -10 - ln 0.2
    c = controlled_normalisation(np.array([0.0, -10.0]), np.ones(2), 1.0, 0.6)
    assert c == pytest.approx(-10 - math.log(0.2), abs=1e-6)
    # at temperature 2 the same target needs half the drop in log-likelihood units
    c2 = controlled_normalisation(np.array([0.0, -10.0]), np.ones(2), 2.0, 0.6)
    assert c2 == pytest.approx(-10 - 2 * math.log(0.2), abs=1e-6)


def test_planned_temperatures_fall_geometrically_to_one() -> None:
    schedule = PlannedTemperature(4, [27.0])
    assert schedule.planned(0) is None  # from the prior sample
    assert schedule.planned(1) == pytest.approx(9.0)  # 27^(2/3)
    assert schedule.planned(3) == 1.0


def test_target_tick_labels() -> None:
    from sim.calibration.plots import tick_label

    assert tick_label("tm_sif_ilacs1_RI_to_I") == "RI>I"
    assert tick_label("csww_2019_vacancy_pct") == "2019"
    assert tick_label("sif_first_requires_improvement") == "RI"
    assert tick_label("sif_first_good") == "good"
