"""Concern signals drawn month by month for all councils at once, thinned exactly.

A council's signal rate rises as its latent score falls, capped at
``max_rate``: ``min(rate_at_inadequate exp(-slope (q - c1)), max_rate)``. At each
month start every council gets Poisson(``max_rate``) candidate times in the month
(``signals`` stream, a fixed number of draws whatever the policy), and the latent
noise at those times is drawn at once as a Brownian bridge to the month's shared
month-end value (also ``signals``: the month-end normals of the ``drift`` stream
are untouched). A candidate is kept when ``u max_rate < rate(q(t))``: exact
thinning of the inhomogeneous Poisson process. ``q(t)`` is the council's
deterministic part (which follows its long-run level) plus that noise, so whether
a candidate is kept is known as soon as the level is: kept candidates are
scheduled as SimPy events, and when a council's level changes during the month
its later candidates are tested again. Only the few kept signals become events.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import simpy

from sim.model.latent import Latent, tau

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
        self._lists: tuple[list[float], ...] = ([], [], [], [])  # time, noise, accept, act

    def begin_month(
        self, month: int, rate_at_inadequate: float, slope: float, cutpoint: float, bound: float
    ) -> None:
        """Draw the month's candidates for every council and schedule the kept ones."""
        self.rate_at_inadequate, self.slope, self.cutpoint = rate_at_inadequate, slope, cutpoint
        self.bound = bound
        n, rng = len(self.latent.start), self.rng
        counts = rng.poisson(bound, size=n) if bound > 0 else np.zeros(n, dtype=int)
        self.starts = [0, *np.cumsum(counts).tolist()]
        total = self.starts[-1]
        owner = np.repeat(np.arange(n), counts)
        offset = np.sort(owner + rng.uniform(size=total)) - owner  # sorted within each council
        uniforms = rng.uniform(size=(total, 2))
        w = self._bridge(counts, offset, rng.standard_normal(total), rng.standard_normal(n))
        self.latent.add_points(self.starts, offset, w)
        latent = self.latent
        self.owner, self.time = owner, month + offset
        self.noise = latent.sigma * np.exp(-latent.theta * offset) * w
        self.accept, self.act = uniforms[:, 0], uniforms[:, 1]
        self.latest = float(self.time.max(initial=month))
        self._lists = (
            self.time.tolist(), self.noise.tolist(), self.accept.tolist(), self.act.tolist()
        )
        self._tokens = [1] * total  # each is tested once now
        if bool((self.time > self.env.now).all()):
            self._test_all()  # every candidate is still ahead (all but surely)
        else:
            self._test(np.arange(total), retest=False)

    def _bridge(self, counts: Array, offset: Array, z: Array, z_tail: Array) -> Array:
        """Brownian W at each candidate, pinned to its council's month-end W.

        ``counts`` candidates per council, ``offset`` sorted within each council.
        """
        if not len(offset):
            return np.zeros(0)
        theta = self.latent.theta
        clock = np.asarray(tau(theta, offset), dtype=float)
        has = np.flatnonzero(counts)
        runs = counts[has]
        first = np.cumsum(runs) - runs  # position of each council's first candidate
        last = first + runs - 1
        previous = np.empty_like(clock)
        previous[1:] = clock[:-1]
        previous[first] = 0.0
        steps = np.sqrt(clock - previous) * z
        total = np.cumsum(steps)
        free = total - np.repeat(total[first] - steps[first], runs)  # W from 0 at month start
        end_clock = float(tau(theta, 1.0))
        free_end = free[last] + np.sqrt(np.maximum(end_clock - clock[last], 0.0)) * z_tail[has]
        pin = self.latent.z_end[has] * math.sqrt(end_clock) - free_end
        return free + clock * (1.0 / end_clock) * np.repeat(pin, runs)

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
        for j in index[self.accept[index] * self.bound < rate].tolist():
            self._schedule(j, int(self.owner[j]), now)

    def _test_all(self) -> None:
        """``_test`` of every candidate at the month start, on whole arrays (no indexing)."""
        owner, now = self.owner, self.env.now
        rate = self._rates(owner, self.time, self.noise)
        kept = np.flatnonzero(self.accept * self.bound < rate)
        for j, who in zip(kept.tolist(), owner[kept].tolist(), strict=True):
            self._schedule(j, who, now)

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
        times, noise, accept, _ = self._lists
        lo, hi = self.starts[i], self.starts[i + 1]
        level, mu = float(latent.level[i]), float(latent.mu[i])
        mu_time, theta = float(latent.mu_time[i]), latent.theta
        scale, slope, cut, bound = self.rate_at_inadequate, self.slope, self.cutpoint, self.bound
        tokens = self._tokens
        for j in range(lo, hi):
            t = times[j]
            if t <= now:
                continue
            tokens[j] += 1
            q = level + (mu - level) * math.exp(-theta * (t - mu_time)) + noise[j]
            if accept[j] * bound < min(scale * math.exp(-slope * (q - cut)), bound):
                self._schedule(j, i, now)

    def _schedule(self, j: int, owner: int, now: float) -> None:
        event = self.env.timeout(self._lists[0][j] - now)
        event.callbacks.append(self._arrival(j, owner, self._tokens[j]))

    def _arrival(self, j: int, owner: int, token: int) -> Callable[[simpy.Event], None]:
        def arrive(_: simpy.Event) -> None:
            if self._tokens[j] == token:  # not tested again since it was scheduled
                self.fire(owner, self._lists[3][j])

        return arrive

    def level_changed(self, index: int | Array) -> None:
        """Test again the later candidates of councils whose level just changed."""
        if self.latest <= self.env.now:  # the month's candidates are all past (month ends)
            return
        if isinstance(index, int | np.integer):
            self._test_one(int(index))
            return
        changed = np.zeros(len(self.latent.start), dtype=bool)
        changed[index] = True
        self._test(np.flatnonzero(changed[self.owner]))


def expected_rate(
    rate_at_inadequate: float, slope: float, cutpoint: float, q: float, bound: float
) -> float:
    """The signal rate at score q (for tests and documentation)."""
    return min(rate_at_inadequate * math.exp(-slope * (q - cutpoint)), bound)
