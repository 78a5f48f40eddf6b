"""Signal candidates drawn a block of months at a time: the Poisson law per month, the order,
the drift stream's month-end normals unchanged, the noise recomputed under new dynamics."""

from __future__ import annotations

import math

import numpy as np
import pytest
import simpy

from sim.model.candidates import MAX_CANDIDATES, YEAR, Block, block_months, draw
from sim.model.latent import Latent
from sim.model.signals import ConcernSignals


def test_each_month_of_each_council_has_poisson_candidates_uniform_and_sorted():
    councils, bound = 500, 1.5
    rng = np.random.default_rng(3)
    draws = draw(rng, 24, bound, rng.standard_normal((YEAR, councils)))
    counts = draws.counts.ravel()
    cells = len(counts)
    assert counts.mean() == pytest.approx(bound, abs=4 * math.sqrt(bound / cells))
    assert counts.var() == pytest.approx(bound, rel=0.1)  # Poisson: variance = mean
    offset = draws.offset
    assert ((offset >= 0) & (offset < 1)).all()
    assert abs(offset.mean() - 0.5) < 4 * math.sqrt(1 / 12 / len(offset))
    assert (np.diff(draws.cell) >= 0).all()  # by month, then council
    same_cell = np.diff(draws.cell) == 0
    assert (np.diff(offset)[same_cell] > 0).all()  # sorted within each cell
    assert (np.bincount(draws.cell, minlength=cells) == counts).all()


def test_a_block_slices_into_months_of_councils():
    councils = 40
    rng = np.random.default_rng(5)
    block = Block(draw(rng, 12, 2.0, rng.standard_normal((3, councils))), 0.08, 0.4)
    for k in range(3):
        lo, hi = block.bounds[k], block.bounds[k + 1]
        time = block.time[lo:hi]
        assert ((time >= 12 + k) & (time < 13 + k)).all()
        starts = block.starts[k]
        for i in (0, 17, councils - 1):
            assert (block.owner[lo + starts[i] : lo + starts[i + 1]] == i).all()
        assert block.latest[k] == time.max() and block.earliest[k] == time.min()


def test_new_dynamics_recompute_the_noise_from_the_same_draws():
    rng = np.random.default_rng(7)
    draws = draw(rng, 0, 1.0, rng.standard_normal((YEAR, 30)))
    one, two = Block(draws, 0.08, 0.4), Block(draws, 0.2, 0.3)
    assert (one.time == two.time).all() and (one.accept == two.accept).all()
    assert not np.allclose(one.noise, two.noise)


def test_blocks_are_shorter_when_a_year_would_hold_too_many_candidates():
    assert block_months(152, 1.0) == YEAR
    assert block_months(20_000, 2.0) == 1
    assert 1 < block_months(MAX_CANDIDATES // 30, 5.0) < YEAR


def test_month_end_normals_drawn_ahead_are_the_same_as_drawn_month_by_month():
    n = 7
    ahead, monthly = np.random.default_rng(11), np.random.default_rng(11)
    latent = Latent(np.zeros(n), np.zeros(n), 0.08, 0.4, ahead.standard_normal, lambda i: 0.0)
    rows = [latent.z_end.copy()]
    assert (latent.month_end_normals(0, 30)[0] == latent.z_end).all()  # 30 months ahead
    for month in range(1, 40):
        latent.roll_to(month)
        rows.append(latent.z_end.copy())
    expected = [monthly.standard_normal(n) for _ in range(40)]
    assert all((row == want).all() for row, want in zip(rows, expected, strict=True))


def test_the_month_after_new_dynamics_has_candidates_on_the_new_path():
    n = 30
    months, within = np.random.default_rng(1), np.random.default_rng(2)
    latent = Latent(
        np.zeros(n),
        np.zeros(n),
        0.08,
        0.4,
        months.standard_normal,
        lambda i: float(within.standard_normal()),
    )
    env = simpy.Environment()
    signals = ConcernSignals(env, latent, np.random.default_rng(3))
    for month in range(4):
        env.run(until=month) if month else None
        latent.roll_to(month)
        if month == 2:  # a timeline entry at a month start, inside the block's year
            latent.set_dynamics(0.3, 0.9)
        signals.begin_month(month, 0.0, 1.0, 0.0, 1.0)
        j = 5
        i, t = int(signals.owner[j]), float(signals.time[j])
        assert latent.noise(i, t) == pytest.approx(float(signals.noise[j]), abs=1e-12)
