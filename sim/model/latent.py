"""Every council's latent score q, held in arrays and advanced exactly for all councils at once.

Between events q follows ``dq = theta (m - q) dt + sigma dW`` with a long-run
level m that changes only at events. Within month k (times k to k+1) we write

    q(t) = mu(t) + X(t)

where ``mu`` solves ``dmu = theta (m - mu) dt`` from ``mu(k) = q(k)`` (deterministic,
moved exactly whenever m changes) and X is a zero-mean OU process from ``X(k) = 0``
that does not depend on m at all. X is drawn as a time-changed Brownian motion,
``X(k + u) = sigma exp(-theta u) W(tau(u))`` with ``tau(u) = (exp(2 theta u) - 1) / (2 theta)``
(``u`` when theta is 0), which has exactly the OU covariance. Its month-end value
comes from the month's shared standard normal (``drift`` stream, one per council
and month, drawn a year ahead in month order: the same numbers as drawn month by
month; the signals' candidates are pinned to them), and any time inside the month is a
Brownian-bridge draw between the nearest points already drawn (the council's
``drift_within_month`` draws). Nothing is approximated: the law of q at any set of
times is the OU law with the piecewise-constant m, and month-end scores depend
only on the month-end normals and on m, never on when events happened, so
variants of a scenario see the same month-end noise.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Callable
from typing import Any

import numpy as np

Array = np.ndarray
Normal = Callable[[int], float]  # a council's next within-month standard normal
MONTHS_AHEAD = 12  # month-end normals are drawn a year at a time


def tau(theta: float, u: Array | float) -> Array | float:
    """The Brownian clock of the OU noise after ``u`` months: (e^{2 theta u} - 1) / (2 theta)."""
    if theta < 1e-12:
        return u
    if isinstance(u, float):
        return math.expm1(2.0 * theta * u) / (2.0 * theta)
    return np.expm1(2.0 * theta * np.asarray(u)) / (2.0 * theta)


class Levels:
    """Every council's long-run level m: its base plus named terms (interventions, workforce).

    m is piecewise constant: it changes only when a term or the base does.
    """

    def __init__(self, base: Array) -> None:
        self.base = np.array(base, dtype=float)
        self.terms: dict[str, Array] = {}

    def term(self, name: str) -> Array:
        """One term of every council's level (zeros until first set)."""
        if name not in self.terms:
            self.terms[name] = np.zeros(len(self.base))
        return self.terms[name]

    def of(self, i: int) -> float:
        """Council i's level (the same sum, in the same order, as ``all``)."""
        total = self.base.item(i)
        for values in self.terms.values():
            total += values.item(i)
        return total

    def all(self, index: Array | slice = slice(None)) -> Array:
        """The levels of the councils at ``index``."""
        total = self.base[index].copy()
        for values in self.terms.values():
            total += values[index]
        return total


class Latent:
    """The latent scores of every council during one replication (arrays indexed by council).

    Attributes:
        month: The month k whose interval [k, k+1) the arrays describe.
        level: Each council's long-run level m now.
        start: q at the start of the month.
        z_end: The month's standard normals, which fix every council's month-end noise.
    """

    def __init__(
        self,
        q: Array,
        level: Array,
        theta: float,
        sigma: float,
        month_normals: Callable[[int], Array],
        within: Normal,
    ) -> None:
        self.theta, self.sigma = theta, sigma
        self.w_scale = math.sqrt(float(tau(theta, 1.0)))  # sd of W at the month's end
        self.level = np.array(level, dtype=float)
        self._month_normals, self._within = month_normals, within
        self.month = 0
        self.start = np.array(q, dtype=float)
        self.mu = self.start.copy()
        self.mu_time = np.zeros(len(q))
        self._normals, self._normals_first = np.zeros((0, len(q))), 0  # month-end normals ahead
        self.z_end = self.month_end_normals(0, 1)[0]
        self._knots: dict[int, tuple[list[float], list[float]]] = {}
        self._extra: dict[str, Any] = {}

    @property
    def w_end(self) -> Array:
        """W at the month's end, in the Brownian clock of the dynamics in force."""
        return self.z_end * self.w_scale

    # --- months ------------------------------------------------------------------------
    def roll_to(self, time: float) -> None:
        """Close every month that ends at or before ``time`` (all councils at once)."""
        while time >= self.month + 1 - 1e-9:
            end = self.month + 1.0
            noise = self.sigma * math.exp(-self.theta) * self.w_end
            self.start = self._mu_at(end) + noise
            self.mu, self.mu_time = self.start.copy(), np.full(len(self.start), end)
            self.month += 1
            self.z_end = self.month_end_normals(self.month, 1)[0]
            self._knots.clear()
            self._extra.clear()

    def month_end_normals(self, first: int, count: int) -> Array:
        """The month-end normals of months ``first`` to ``first + count - 1`` (rows; not before
        the current month), drawn a year at a time in month order: the same numbers as one
        draw of every council's per month, since a draw of n x 12 normals is twelve of n."""
        n = len(self.start)
        while self._normals_first + len(self._normals) < first + count:
            keep = self._normals[self.month - self._normals_first :]  # from the current month
            ahead = self._month_normals(n * MONTHS_AHEAD).reshape(MONTHS_AHEAD, n)
            self._normals = np.concatenate([keep, ahead])
            self._normals_first = self.month
        lo = first - self._normals_first
        return self._normals[lo : lo + count]

    def _mu_at(self, time: float) -> Array:
        decay = np.exp(-self.theta * (time - self.mu_time))
        return self.level + (self.mu - self.level) * decay

    def set_dynamics(self, theta: float, sigma: float) -> None:
        """New reversion rate and volatility from now, which must be a month start."""
        if (theta, sigma) == (self.theta, self.sigma):
            return
        if self._knots or self._extra or float(self.mu_time.max(initial=0.0)) > self.month:
            raise ValueError("the OU dynamics may change only at a month start")
        self.theta, self.sigma = theta, sigma
        self.w_scale = math.sqrt(float(tau(theta, 1.0)))

    # --- points inside a month ------------------------------------------------------------
    def add_points(self, starts: list[int], offset: Array, w: Array) -> None:
        """Register W drawn at ``offset``s (months into the month, sorted by council then
        offset; council i's are ``starts[i]:starts[i + 1]``; read as a council needs them)."""
        self._extra = {}
        if len(offset):
            self._extra = {"starts": starts, "offset": offset, "w": w}

    def _council_knots(self, i: int) -> tuple[list[float], list[float]]:
        knots = self._knots.get(i)
        if knots is None:
            us, ws = [0.0], [0.0]
            if self._extra:
                lo, hi = self._extra["starts"][i], self._extra["starts"][i + 1]
                if hi > lo:
                    us += self._extra["offset"][lo:hi].tolist()
                    ws += self._extra["w"][lo:hi].tolist()
            end = self.z_end.item(i) * self.w_scale
            knots = self._knots[i] = ([*us, 1.0], [*ws, end])
        return knots

    def noise(self, i: int, time: float) -> float:
        """X_i at ``time`` in the current month: a bridge draw between the nearest points."""
        u = time - self.month
        if u <= 1e-12:
            return 0.0
        us, ws = self._council_knots(i)
        right = bisect.bisect_left(us, u - 1e-12)
        if abs(us[right] - u) <= 1e-12:
            w = ws[right]
        else:
            t0, t1 = float(tau(self.theta, us[right - 1])), float(tau(self.theta, us[right]))
            t = float(tau(self.theta, u))
            mean = ws[right - 1] + (t - t0) / (t1 - t0) * (ws[right] - ws[right - 1])
            w = mean + math.sqrt(max((t - t0) * (t1 - t) / (t1 - t0), 0.0)) * self._within(i)
            us.insert(right, u)
            ws.insert(right, w)
        return self.sigma * math.exp(-self.theta * u) * w

    def mean_at(self, i: int, time: float) -> float:
        """mu_i at ``time``: where q would be without noise since the month started."""
        decay = math.exp(-self.theta * (time - self.mu_time.item(i)))
        level = self.level.item(i)
        return level + (self.mu.item(i) - level) * decay

    def at(self, i: int, time: float) -> float:
        """q_i at ``time`` (not before the council's last level change), exact."""
        if time >= self.month + 1 - 1e-9:  # ``roll_to``'s test, without its call
            self.roll_to(time)
        return self.mean_at(i, time) + self.noise(i, time)

    def set_level(self, i: int, time: float, value: float) -> None:
        """A new long-run level for council ``i`` from ``time`` (mu moved there exactly)."""
        if time >= self.month + 1 - 1e-9:
            self.roll_to(time)
        self.mu[i] = self.mean_at(i, time)
        self.mu_time[i] = time
        self.level[i] = value

    def set_levels(self, index: Array | slice, time: float, values: Array) -> None:
        """New long-run levels from ``time`` for the councils at ``index`` (all at once)."""
        self.roll_to(time)
        self.mu[index] = self._mu_at(time)[index]
        self.mu_time[index] = time
        self.level[index] = values
