"""Error models against hand-computed cases (sim.calibration.loss)."""

from __future__ import annotations

import math

import pytest

from sim.calibration.loss import MISSING, ErrorModel, discrepancy


def test_multinomial_deviance_is_zero_when_shares_match() -> None:
    # simulated counts + 0.5 = (2, 1): the shares 2/3, 1/3 of the observed (2, 1)
    assert discrepancy(ErrorModel("multinomial"), [2, 1], [1.5, 0.5]) == pytest.approx(0.0)


def test_multinomial_deviance_by_hand() -> None:
    # shares (0.5, 0.5) of n = 4: expected (2, 2); 2 (3 ln 1.5 + 1 ln 0.5)
    expected = 2 * (3 * math.log(3 / 2) + 1 * math.log(1 / 2))
    assert discrepancy(ErrorModel("multinomial"), [3, 1], [0.5, 0.5]) == pytest.approx(expected)
    assert expected == pytest.approx(1.0465, abs=1e-4)


def test_grouped_multinomial_adds_each_row() -> None:
    rows = ErrorModel("multinomial", groups=2)
    one = discrepancy(ErrorModel("multinomial"), [3, 1], [0.5, 0.5])
    assert discrepancy(rows, [3, 1, 2, 1], [0.5, 0.5, 1.5, 0.5]) == pytest.approx(one)


def test_binomial_deviance_by_hand() -> None:
    expected = 2 * 10 * (0.8 * math.log(0.8 / 0.5) + 0.2 * math.log(0.2 / 0.5))
    got = discrepancy(ErrorModel("binomial", n=10), [0.8], [0.5])
    assert got == pytest.approx(expected)
    assert got == pytest.approx(3.855, abs=1e-3)


def test_median_uses_the_iqr_spread() -> None:
    # sd = IQR / 1.349; se of a median = sqrt(pi / 2) sd / sqrt(n)
    se = math.sqrt(math.pi / 2) * (36.0 - 29.3) / 1.349 / math.sqrt(21)
    got = discrepancy(ErrorModel("median", n=21, iqr=(29.3, 36.0)), [32.6], [30.0])
    assert got == pytest.approx((2.6 / se) ** 2)
    assert se == pytest.approx(1.358, abs=1e-3)


def test_rate_combines_sampling_error_and_floor() -> None:
    sampling = 100 * math.sqrt(0.17 * 0.83 / 10_000)  # per cent
    se = math.sqrt(sampling**2 + 1.0**2)
    got = discrepancy(ErrorModel("rate", n=10_000, scale=100, floor=1.0), [17.0], [19.0])
    assert got == pytest.approx((2.0 / se) ** 2)


def test_normal_and_missing() -> None:
    assert discrepancy(ErrorModel("normal", sd=2.0), [22.0], [25.0]) == pytest.approx(2.25)
    assert discrepancy(ErrorModel("normal", sd=2.0), [22.0], [math.nan]) == MISSING


def test_simulator_error_of_a_mean_of_r_replications() -> None:
    # counts: the deviance over 1 + 1/R; R = 2 -> two thirds of it
    one = discrepancy(ErrorModel("multinomial"), [3, 1], [0.5, 0.5])
    assert discrepancy(ErrorModel("multinomial"), [3, 1], [0.5, 0.5], 2) == pytest.approx(
        one / 1.5)
    share = discrepancy(ErrorModel("binomial", n=10), [0.8], [0.5])
    assert discrepancy(ErrorModel("binomial", n=10), [0.8], [0.5], 4) == pytest.approx(
        share / 1.25)
    # a rate: the sampling variance x (1 + 1/R), the floor (model discrepancy) not
    sampling = 100 * math.sqrt(0.17 * 0.83 / 10_000)
    se = math.sqrt(1.5 * sampling**2 + 1.0**2)
    got = discrepancy(ErrorModel("rate", n=10_000, scale=100, floor=1.0), [17.0], [19.0], 2)
    assert got == pytest.approx((2.0 / se) ** 2)
    # a normal target's stated sd is its whole error
    assert discrepancy(ErrorModel("normal", sd=2.0), [22.0], [25.0], 1) == pytest.approx(
        2.25)


def test_model_discrepancy_adds_to_the_sampling_variance() -> None:
    # discrepancy 1, R = 2: variance x (1 + 1 + 1/2) = 2.5
    one = discrepancy(ErrorModel("multinomial"), [3, 1], [0.5, 0.5])
    got = discrepancy(ErrorModel("multinomial", discrepancy=1.0), [3, 1], [0.5, 0.5], 2)
    assert got == pytest.approx(one / 2.5)
    se = math.sqrt(math.pi / 2) * (36.0 - 29.3) / 1.349 / math.sqrt(21)
    got = discrepancy(ErrorModel("median", n=21, iqr=(29.3, 36.0), discrepancy=1.0),
                      [32.6], [30.0], 2)
    assert got == pytest.approx(2.6**2 / (2.5 * se**2))
