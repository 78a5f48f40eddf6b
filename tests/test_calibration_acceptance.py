"""The rejection-control normalisation of the stochastic acceptor, by hand (and the
figures' tick labels)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from sim.calibration.acceptance import PlannedTemperature, bounded_normalisation


def test_normalisation_raises_acceptance_by_the_boost_at_most() -> None:
    # c = max l - T ln K: at the best particle r = exp((l_max - c) / T) = K
    ell = np.array([-3.0, -1.0, -7.5])
    assert bounded_normalisation(ell, 1.0, 1.0) == -1.0  # pyABC's default, the maximum
    assert bounded_normalisation(ell, 1.0, 4.0) == pytest.approx(-1.0 - math.log(4))
    c = bounded_normalisation(ell, 2.5, 4.0)
    assert math.exp((-1.0 - c) / 2.5) == pytest.approx(4.0)


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
