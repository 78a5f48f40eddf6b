"""Concern-signal candidates of every council, drawn a block of months (a year) at a time.

The candidates of council i in month k are the points of a Poisson process of
rate ``bound`` (the signal rate's cap) on [k, k + 1): Poisson(``bound``) of them,
at sorted uniform offsets. The latent noise at each candidate is a Brownian
bridge in the OU clock ``tau`` between 0 at the month start and the month's
shared month-end value (the month-end normal of the ``drift`` stream, the one
``Latent`` rolls the month with), so the candidates are points of the council's
OU path. What is exact: the Poisson law of the candidates in every month, their
independence across months and councils, and the joint law of the noise at
them and at the month end; the one rounding is of the offsets, to a grid of
2^-51 of a month for 152 councils (2^-48 for 1,000), where a double holds 2^-53.
A whole block of months is drawn with a handful of numpy calls (``signals``
stream, in a fixed order: each council's count over the block, the points, the
acceptance and act uniforms, the bridge normals); a month boundary only slices
it. What is drawn depends only on the number of councils, the bound and the
month the block starts (never on policy or on what happened), so variants keep
common random numbers. The noise is computed under the OU dynamics in force and
computed again, from the same draws, when the timeline changes them at a month
start.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from sim.model.latent import tau

Array = np.ndarray
YEAR = 12  # months per block
MAX_CANDIDATES = 60_000  # a block holds about this many candidates at most (memory bound)


def block_months(councils: int, bound: float) -> int:
    """Months per block: a year, fewer when a year's candidates would exceed the cap."""
    expected = councils * bound  # candidates per month
    if expected <= MAX_CANDIDATES / YEAR:
        return YEAR
    return max(1, int(MAX_CANDIDATES // expected))


@dataclass(frozen=True)
class Draws:
    """The raw draws of a block: months ``first`` to ``first + months - 1``, all councils.

    Candidates are ordered by month, then council, then offset; a (month, council) pair
    is a cell, numbered ``month * councils + council`` within the block.
    """

    first: int
    bound: float
    counts: Array  # candidates per cell, shape (months, councils)
    cell: Array  # each candidate's cell
    offset: Array  # months into its month, sorted within each cell
    uniforms: Array  # (acceptance, act) per candidate
    z: Array  # the bridge's step normals, one per candidate
    z_tail: Array  # the step from each cell's last candidate to the month end
    z_end: Array  # the drift stream's month-end normals, shape (months, councils)

    @property
    def months(self) -> int:
        return int(self.counts.shape[0])


def draw(rng: np.random.Generator, first: int, bound: float, z_end: Array) -> Draws:
    """Draw the candidates of the months of ``z_end`` (its rows) from month ``first`` on.

    Each council's candidates over the block are one Poisson process of rate ``bound``
    on [0, months): Poisson(``bound`` months) points, uniform on the block; those in a
    month are then Poisson(``bound``) points uniform on it, independent across months.
    A point's month and offset are one uniform integer, offset in units of 2^-bits of
    a month (2^-51 for 152 councils, near a double's 2^-53), so that one integer sort
    orders the block by month, council and offset.
    """
    months, councils = z_end.shape
    per_council = rng.poisson(bound * months, size=councils) if bound > 0 else np.zeros(councils)
    owner = np.repeat(np.arange(councils, dtype=np.int64), per_council.astype(np.int64))
    bits = min(52, 62 - (months * councils).bit_length())  # the sort key fits in an int64
    point = rng.integers(0, months << bits, size=len(owner), dtype=np.int64)
    within = point & ((1 << bits) - 1)
    key = (((point >> bits) * councils + owner) << bits) | within
    key.sort()  # by cell (month, council), then offset
    cell = key >> bits
    offset = (key & ((1 << bits) - 1)) * (0.5**bits)  # exact: an integer below 2^52 times 2^-bits
    counts = np.bincount(cell, minlength=months * councils).reshape(months, councils)
    total = len(offset)
    uniforms = rng.random((total, 2))
    z, z_tail = rng.standard_normal(total), rng.standard_normal(months * councils)
    return Draws(first, bound, counts, cell, offset, uniforms, z, z_tail, z_end)


def bridge(
    theta: float, counts: Array, offset: Array, z: Array, z_tail: Array, z_end: Array
) -> Array:
    """Brownian W (clock ``tau``) at each candidate, pinned to its cell's month-end W.

    ``counts``, ``z_tail``, ``z_end``: per cell (flat); ``offset``, ``z``: per candidate,
    sorted within each cell. Exact: free Brownian increments from 0 at the month start,
    then the path minus its end value's excess, linearly in the clock (Brownian bridge).
    """
    if not len(offset):
        return np.zeros(0)
    clock = np.asarray(tau(theta, offset), dtype=float)
    has = np.flatnonzero(counts)
    runs = counts[has]
    first = np.cumsum(runs) - runs  # position of each cell's first candidate
    last = first + runs - 1
    previous = np.empty_like(clock)
    previous[1:] = clock[:-1]
    previous[first] = 0.0
    steps = np.sqrt(clock - previous) * z
    total = np.cumsum(steps)
    free = total - np.repeat(total[first] - steps[first], runs)  # W from 0 at month start
    end_clock = float(tau(theta, 1.0))
    free_end = free[last] + np.sqrt(np.maximum(end_clock - clock[last], 0.0)) * z_tail[has]
    pin = z_end[has] * math.sqrt(end_clock) - free_end
    return free + clock * (1.0 / end_clock) * np.repeat(pin, runs)


class Block:
    """A block's candidates under OU dynamics ``(theta, sigma)``, ready to be sliced by month.

    Arrays run over the block's candidates; ``bounds[k]:bounds[k + 1]`` are month
    ``first + k``'s, and ``starts[k][i]:starts[k][i + 1]`` council i's within them.
    """

    def __init__(self, draws: Draws, theta: float, sigma: float) -> None:
        self.draws, self.theta, self.sigma = draws, theta, sigma
        counts = draws.counts
        months, councils = counts.shape
        per_month = counts.sum(axis=1)
        w = bridge(theta, counts.ravel(), draws.offset, draws.z, draws.z_tail, draws.z_end.ravel())
        month, self.owner = np.divmod(draws.cell, councils)
        self.time = (month + draws.first) + draws.offset
        self.noise = sigma * np.exp(-theta * draws.offset) * w
        self.accept, self.act = draws.uniforms[:, 0], draws.uniforms[:, 1]
        self.bounds: list[int] = [0, *np.cumsum(per_month).tolist()]
        starts = np.zeros((months, councils + 1), dtype=np.int64)
        np.cumsum(counts, axis=1, out=starts[:, 1:])
        self.starts: list[list[int]] = starts.tolist()
        self.offset, self.w = draws.offset, w
        self.latest, self.earliest = self._extremes(per_month)

    def _extremes(self, per_month: Array) -> tuple[list[float], list[float]]:
        """Each month's last and first candidate time (the month start and inf when none)."""
        first, time = self.draws.first, self.time
        if bool(per_month.min() > 0):
            starts = self.bounds[:-1]
            latest = np.maximum.reduceat(time, starts).tolist()
            return latest, np.minimum.reduceat(time, starts).tolist()
        spans = [time[a:b] for a, b in zip(self.bounds, self.bounds[1:], strict=False)]
        latest = [float(t.max(initial=first + k)) for k, t in enumerate(spans)]
        return latest, [float(t.min(initial=math.inf)) for t in spans]

    def covers(self, month: int) -> bool:
        return self.draws.first <= month < self.draws.first + self.draws.months
