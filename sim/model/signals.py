"""Concern signals of all councils, month by month, thinned exactly.

A council's signal rate rises as its latent score falls, capped at
``max_rate``: ``min(rate_at_inadequate exp(-slope (q - c1)), max_rate)``. Every
council has Poisson(``max_rate``) candidate times in each month, with the latent
noise at those times drawn as a Brownian bridge to the month's shared month-end
value (``sim.model.candidates``: drawn a year at a time from the ``signals``
stream, a fixed number of draws whatever the policy; the month-end normals of
the ``drift`` stream are the ones the month rolls with). A candidate is kept
when ``u max_rate < rate(q(t))``: exact thinning of the inhomogeneous Poisson
process. ``q(t)`` is the council's deterministic part (which follows its
long-run level) plus that noise, so whether a candidate is kept is known as soon
as the level is: at each month start the month's candidates are tested and the
kept ones scheduled as SimPy events, and when a council's level changes during
the month its later candidates are tested again. Only the kept signals become
events.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import cast

import numpy as np
import simpy
from simpy.events import NORMAL

from sim.model.candidates import Block, block_months, draw
from sim.model.latent import Latent

Array = np.ndarray
Fire = Callable[[int, float], None]  # (council, act uniform) when a kept signal arrives


class ConcernSignals:
    """This month's signal candidates of every council and the events of the kept ones."""

    def __init__(self, env: simpy.Environment, latent: Latent, rng: np.random.Generator) -> None:
        self.env, self.latent, self.rng = env, latent, rng
        self.fire: Fire = lambda council, act: None
        self.rate_at_inadequate, self.slope, self.cutpoint, self.bound = 0.0, 0.0, 0.0, 0.0
        empty = np.zeros(0)
        self.owner, self.time, self.noise = empty.astype(int), empty, empty
        self.accept, self.act = empty, empty
        self._tokens: list[int] = []  # times each candidate was tested (stale events ignored)
        self.latest = 0.0  # the month's last candidate time
        self.starts: list[int] = [0] * (len(latent.start) + 1)  # council i: starts[i]:starts[i+1]
        self._block: Block | None = None

    def begin_month(
        self, month: int, rate_at_inadequate: float, slope: float, cutpoint: float, bound: float
    ) -> None:
        """Take the month's candidates of every council from the block and schedule the kept."""
        self.rate_at_inadequate, self.slope, self.cutpoint = rate_at_inadequate, slope, cutpoint
        self.bound = bound
        block = self._block_for(month, bound)
        k = month - block.draws.first
        lo, hi = block.bounds[k], block.bounds[k + 1]
        self.starts = block.starts[k]
        self.owner, self.time = block.owner[lo:hi], block.time[lo:hi]
        self.noise = block.noise[lo:hi]
        self.accept, self.act = block.accept[lo:hi], block.act[lo:hi]
        self.latest = block.latest[k]
        self.latent.add_points(self.starts, block.offset[lo:hi], block.w[lo:hi])
        self._tokens = [1] * (hi - lo)  # each is tested once now
        if block.earliest[k] > self.env.now:
            self._test_all()  # every candidate is still ahead (all but surely)
        else:
            self._test(np.arange(hi - lo), retest=False)

    def _block_for(self, month: int, bound: float) -> Block:
        """The block of candidates holding this month, drawn when none does (or the bound
        changed: the rest of the old block is dropped), its noise computed again when the
        OU dynamics changed (from the same draws)."""
        latent, block = self.latent, self._block
        if block is None or not block.covers(month) or block.draws.bound != bound:
            months = block_months(len(latent.start), bound)
            z_end = latent.month_end_normals(month, months)
            block = Block(draw(self.rng, month, bound, z_end), latent.theta, latent.sigma)
        elif (block.theta, block.sigma) != (latent.theta, latent.sigma):
            block = Block(block.draws, latent.theta, latent.sigma)
        self._block = block
        return block

    def _test(self, index: Array, retest: bool = True) -> None:
        """Test candidates ``index`` against the rate at q; schedule the kept ones.

        ``retest``: count the test on each candidate (its events scheduled before are stale);
        False for the month's first test, whose tokens ``begin_month`` sets.
        """
        now = self.env.now
        index = index[self.time[index] > now]
        if not len(index):
            return
        rate = self._rates(self.owner[index], self.time[index], self.noise[index])
        if retest:
            tokens = self._tokens
            for j in index.tolist():
                tokens[j] += 1
        self._schedule_all(index[self.accept[index] * self.bound < rate], now)

    def _test_all(self) -> None:
        """``_test`` of every candidate at the month start, on whole arrays (no indexing)."""
        owner, now = self.owner, self.env.now
        rate = self._rates(owner, self.time, self.noise)
        self._schedule_all(np.flatnonzero(self.accept * self.bound < rate), now)

    def _schedule_all(self, kept: Array, now: float) -> None:
        """Schedule the kept candidates ``kept`` (positions in the month's arrays)."""
        columns = (self.owner[kept], self.time[kept], self.act[kept])
        for j, who, time, act in zip(kept.tolist(), *(c.tolist() for c in columns), strict=True):
            self._schedule(j, who, time, act, now)

    def _rates(self, who: Array, time: Array, noise: Array) -> Array:
        """The signal rate at q of candidates at ``time`` (months) owned by councils ``who``,
        capped at the bound (per month); ``noise``: their Brownian part of q."""
        latent = self.latent
        decay = np.exp(-latent.theta * (time - latent.mu_time[who]))
        level = latent.level[who]
        q = level + (latent.mu[who] - level) * decay + noise
        return np.minimum(
            self.rate_at_inadequate * np.exp(-self.slope * (q - self.cutpoint)), self.bound
        )

    def _test_one(self, i: int) -> None:
        """``_test`` for one council's candidates, in floats (a level change at an event).

        The same arithmetic in the same order as ``_test``, with ``math.exp`` for numpy's
        exp (both correctly rounded to within an ulp; tests/test_signals.py and the
        byte-identity check of the benchmarks' seeds found no kept signal that differs).
        """
        now, latent = self.env.now, self.latent
        lo, hi = self.starts[i], self.starts[i + 1]
        if lo == hi:
            return  # no candidate this month (about a third of councils at a bound of 1)
        level, mu = latent.level.item(i), latent.mu.item(i)
        mu_time, theta = latent.mu_time.item(i), latent.theta
        scale, slope, cut, bound = self.rate_at_inadequate, self.slope, self.cutpoint, self.bound
        time, tokens = self.time, self._tokens
        for j in range(lo, hi):
            t = time.item(j)
            if t <= now:
                continue
            tokens[j] += 1
            q = level + (mu - level) * math.exp(-theta * (t - mu_time)) + self.noise.item(j)
            if self.accept.item(j) * bound < min(scale * math.exp(-slope * (q - cut)), bound):
                self._schedule(j, i, t, self.act.item(j), now)

    def _schedule(self, j: int, owner: int, time: float, act: float, now: float) -> None:
        """A kept candidate ``j`` of the month arrives at ``time``, unless tested again first."""
        Arrival(self, j, owner, act, time - now)

    def level_changed(self, index: int | Array | slice) -> None:
        """Test again the later candidates of councils whose level just changed."""
        if self.latest <= self.env.now:  # the month's candidates are all past (month ends)
            return
        if isinstance(index, int | np.integer):
            self._test_one(int(index))
            return
        changed = np.zeros(len(self.latent.start), dtype=bool)
        changed[index] = True
        self._test(np.flatnonzero(changed[self.owner]))


class Arrival(simpy.Event):
    """A kept candidate's arrival: scheduled as a Timeout is (same priority, one event
    id), carrying the candidate instead of a closure; it fires the signal unless the
    candidate was tested again since (this month's tokens: it arrives within the month)."""

    def __init__(self, signals: ConcernSignals, j: int, owner: int, act: float, delay: float):
        self.env, self._value, self._ok = signals.env, None, True
        self.callbacks: list[Callable[[simpy.Event], None]] = [_arrive]
        self.signals, self.tokens, self.j, self.owner, self.act = (
            signals, signals._tokens, j, owner, act
        )
        self.token = signals._tokens[j]
        signals.env.schedule(self, NORMAL, delay)


def _arrive(event: simpy.Event) -> None:
    arrival = cast(Arrival, event)
    if arrival.tokens[arrival.j] == arrival.token:  # not tested again since it was scheduled
        arrival.signals.fire(arrival.owner, arrival.act)


def expected_rate(
    rate_at_inadequate: float, slope: float, cutpoint: float, q: float, bound: float
) -> float:
    """The signal rate at score q (for tests and documentation)."""
    return min(rate_at_inadequate * math.exp(-slope * (q - cutpoint)), bound)
