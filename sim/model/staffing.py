"""Councils' social-work staffing: the exact vacancy ODE and its per-council state.

A council has ``N`` funded posts (FTE), a vacancy rate ``v`` and ``G`` programme
graduates in post (share ``g = G / N``). Without graduates, ordinary staff leave
at the turnover rate ``tau`` and vacancies are filled from the national supply at
``h`` per vacant post: ``dv0/dt = tau - (tau + h) v0``. A graduate in post is
``1 - displacement`` of an extra worker (the rest displaces a hire the council
would have made), so the vacancy rate is ``v = v0 - (1 - displacement) g`` at all
times: between events

    dv/dt = a - b v,   a = tau + r - (1 - displacement) (tau + h) g,   b = tau + h + r,

(r: the posts' growth rate, below), whose exact solution over ``dt`` months is
``v* + (v - v*) exp(-b dt)`` with ``v* = a / b`` (``v + a dt`` when ``b = 0``),
held at 0 if it would go below: posts cannot be more than full. A graduate placed
(or leaving) moves ``v`` by ``(1 - displacement) / N``. Rates change only at
events (judgements, status changes noticed at month ends, graduates arriving or
leaving), so ``v`` is exact at every event, never stepped. Funded posts grow at
``posts_growth_per_year``: new posts start vacant (the ``r`` terms of the ODE),
and the posts themselves are scaled at month ends.

Each council's hiring rate is set so that its reported vacancy rate is its
steady state at its starting grade (with the posts' growth); judgements then
scale turnover and hiring by the national by-grade figures (``WorkforceDynamics``).
"""

from __future__ import annotations

import functools
import math
import operator
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from sim.model.council import Council
from sim.scenario.councils import CouncilTable
from sim.scenario.schema import GRADES
from sim.scenario.workforce_rules import WorkforceDynamics

if TYPE_CHECKING:
    from sim.model.world import World

MONTHS_PER_YEAR = 12.0
JUDGED, STATUS = operator.attrgetter("judged"), operator.attrgetter("status")  # of a Council
Array = np.ndarray


def steady_state(a: float, b: float, v: float) -> float:
    """Where the vacancy rate settles, ``a / b``; with no turnover and no hiring, where it is."""
    return a / b if b > 0 else v


def vacancy_at(v: float, a: float, b: float, dt: float) -> float:
    """Exact vacancy rate after ``dt`` months of ``dv/dt = a - b v``, never below 0.

    The unconstrained path moves monotonically towards ``a / b``, so holding it
    at 0 is the exact solution of the ODE with the constraint ``v >= 0``.
    Written as ``v* + (v - v*) e^{-b dt}`` so that a council at its steady state
    stays there to the last bit. Scalar on purpose: most calls are for one
    council at an event, where array overheads would dominate.
    """
    if dt <= 0:
        return v
    if b > 0:
        star = a / b
        v = star + (v - star) * math.exp(-b * dt)
    else:
        v = v + a * dt
    return max(v, 0.0)


def vacancies_at(v: Array, a: Array, b: Array, dt: Array) -> Array:
    """``vacancy_at`` over arrays of councils (the month-end update of every council).

    When every council moves (``b > 0``) over a positive ``dt``, the masks are skipped:
    the same operations on the same values.
    """
    if b.min() > 0 and dt.min() > 0:  # (NaN compares False, as in the masks)
        star = a / b
        return np.maximum(star + (v - star) * np.exp(-b * dt), 0.0)
    moving = b > 0
    star = np.divide(a, b, out=v.astype(float), where=moving)
    moved = np.where(moving, star + (v - star) * np.exp(-b * dt), v + a * dt)
    return np.where(dt > 0, np.maximum(moved, 0.0), v)


def coefficients(
    turnover: Array,
    hiring: Array,
    graduate_share: Array | float,
    displacement: float,
    growth: float = 0.0,
) -> tuple[Array, Array]:
    """The ODE's ``(a, b)`` from turnover, hiring and posts' growth rates [1/month] and the
    graduates' share.

    With these, ``v = v0 - (1 - displacement) g`` holds at all times, where ``v0`` is the
    vacancy rate the council would have without graduates (exactly without growth; with
    it, ``g`` is taken as fixed between the month ends that refresh it).
    """
    g = np.asarray(graduate_share, dtype=float)
    b = turnover + hiring
    return turnover + growth - (1.0 - displacement) * b * g, b + growth


def monthly_growth(params: WorkforceDynamics) -> float:
    """Funded posts' growth rate [1/month]: new vacant posts per post."""
    return params.posts_growth_per_year / MONTHS_PER_YEAR


def by_grade(params: WorkforceDynamics) -> tuple[Array, Array]:
    """Turnover and hiring rates by grade index (relative figures, per year)."""
    hiring = params.hiring_by_grade()
    turnover = np.array([params.turnover_by_grade[g] for g in GRADES])
    hires = np.array([hiring[g] for g in GRADES])
    if params.outstanding_as_good:  # no step between good and outstanding (issue 9)
        turnover[-1], hires[-1] = turnover[-2], hires[-2]
    return turnover, hires


@dataclass
class Staffing:
    """Every council's workforce during one replication (arrays indexed by council)."""

    posts: Array  # funded posts N [FTE]
    vacancy: Array  # vacancy rate v at ``since``
    since: Array  # when v was last brought up to date [months]
    graduates: Array  # programme graduates in post [people, integer]
    turnover: Array  # own turnover at the starting grade [1/month]
    hiring: Array  # own hiring rate per vacant post at the starting grade [1/month]
    start_grade: Array
    vacancy_ref: Array  # starting vacancy rate: the workforce term of m is 0 there
    agency_ref: Array  # starting agency share
    a: Array
    b: Array
    applied: Array  # workforce term of m last set on each council [score]
    _tables: tuple[WorkforceDynamics, Array, Array] | None = field(default=None, repr=False)
    _lists: tuple[list[float], list[float], float] = field(default=([], [], 0.0), repr=False)
    _agency: tuple[WorkforceDynamics, Array] | None = field(default=None, repr=False)
    _council_tables: tuple[WorkforceDynamics, Array, Array] | None = field(
        default=None, repr=False
    )
    since_all: float = math.nan  # when every council was last brought up to date together

    def bring_up_to_date(self, now: float, index: Iterable[int] | None = None) -> None:
        """Move the vacancy rate of the councils at ``index`` (default all) exactly to ``now``."""
        if index is None:
            if self.since_all != now:  # else every council is up to date already
                self.vacancy = vacancies_at(self.vacancy, self.a, self.b, now - self.since)
                self.since[:] = now
                self.since_all = now
                self._agency = None
            return
        vacancy, a, b, since = self.vacancy, self.a, self.b, self.since
        for i in index:
            dt = now - since.item(i)
            vacancy[i] = vacancy_at(vacancy.item(i), a.item(i), b.item(i), dt)
            since[i] = now
        self.since_all = math.nan
        self._agency = None

    def vacancy_now(self, index: int, now: float) -> float:
        """One council's exact vacancy rate at ``now``, changing no state (for the trace)."""
        i = index
        v, a, b = float(self.vacancy[i]), float(self.a[i]), float(self.b[i])
        return vacancy_at(v, a, b, now - self.since[i])

    def react(self, world: World, index: int | None = None) -> None:
        """Rates in force from now for one council (or all) under its judgement and status."""
        params = world.params.workforce
        if index is not None:
            self.set_rate(params, reacting_grade(params, world.councils[index]), index)
            return
        self.set_rates(params, reacting_grades(params, world.councils))

    def set_rate(self, params: WorkforceDynamics, grade: int, i: int) -> None:
        """``set_rates`` for one council in plain floats (the same ``coefficients``, one event),
        its turnover and hiring read from ``_by_council`` (the same products)."""
        by_turnover, by_hiring = self._by_council(params)
        growth = self._rate_lists(params)[2]
        turnover, hiring = by_turnover.item(grade, i), by_hiring.item(grade, i)
        share = float(self.graduates.item(i)) / self.posts.item(i)
        both = turnover + hiring  # ``coefficients`` in floats: the same operations in order
        self.a[i] = turnover + growth - (1.0 - params.displacement) * both * share
        self.b[i] = both + growth

    def _rate_tables(self, params: WorkforceDynamics) -> tuple[WorkforceDynamics, Array, Array]:
        if self._tables is None or self._tables[0] is not params:  # new rules: re-tabulate
            self._tables = (params, *by_grade(params))
            turnover, hiring = self._tables[1].tolist(), self._tables[2].tolist()
            self._lists = (turnover, hiring, monthly_growth(params))
        return self._tables

    def _rate_lists(self, params: WorkforceDynamics) -> tuple[list[float], list[float], float]:
        """``_rate_tables`` as floats, with the posts' monthly growth (one council's event)."""
        self._rate_tables(params)
        return self._lists

    def set_rates(self, params: WorkforceDynamics, grades: Array) -> None:
        """Rates in force from now for every council, its staff reacting as to its entry of
        ``grades``; the turnover and hiring read from ``_by_council``."""
        turnover, hiring = self._by_council(params)
        councils = np.arange(len(grades))
        share = self.graduates / self.posts
        self.a[:], self.b[:] = coefficients(
            turnover[grades, councils],
            hiring[grades, councils],
            share,
            params.displacement,
            monthly_growth(params),
        )

    def _by_council(self, params: WorkforceDynamics) -> tuple[Array, Array]:
        """Every council's turnover and hiring [1/month] if its staff reacted as to each grade
        (rows), under the rules in force: ``set_rates``' products, in the same order."""
        if self._council_tables is None or self._council_tables[0] is not params:
            _, by_turnover, by_hiring = self._rate_tables(params)
            start, grades = self.start_grade, range(len(GRADES))
            turnover = params.turnover_scale * self.turnover
            hiring = params.hiring_scale * self.hiring
            self._council_tables = (
                params,
                np.array([turnover * (by_turnover[g] / by_turnover[start]) for g in grades]),
                np.array([hiring * (by_hiring[g] / by_hiring[start]) for g in grades]),
            )
        return self._council_tables[1], self._council_tables[2]

    def place(self, counts: Array, displacement: float) -> None:
        """Graduates take posts now (bring the councils up to date first)."""
        self.graduates += counts
        self.vacancy = np.maximum(self.vacancy - (1.0 - displacement) * counts / self.posts, 0.0)
        self._agency = None

    def leave(self, index: int, displacement: float) -> None:
        """One graduate of council ``index`` leaves now (bring it up to date first)."""
        self.graduates[index] -= 1
        self.vacancy[index] += (1.0 - displacement) / self.posts[index]
        self._agency = None

    def grow(self, factor: float) -> None:
        """Funded posts multiply by ``factor`` (their vacancies are already in the ODE)."""
        if factor != 1.0:
            self.posts = self.posts * factor

    def vacant_posts(self) -> Array:
        """Vacant FTE of every council (bring them up to date first)."""
        return self.posts * self.vacancy

    def agency(self, params: WorkforceDynamics) -> Array:
        """Agency share of every council: its starting share moved with its vacancies.

        Kept until the vacancies or the rules change (a month end reads it twice: for
        the workforce terms of m and for the monthly column); the array is not written.
        """
        if self._agency is None or self._agency[0] is not params:
            moved = self.agency_ref + params.agency_per_vacancy * (self.vacancy - self.vacancy_ref)
            self._agency = (params, np.minimum(np.maximum(moved, 0.0), 1.0))  # clip, cheaper
        return self._agency[1]

    def agency_of(self, params: WorkforceDynamics, i: int) -> float:
        """``agency`` of council i alone, in floats (the same operations in the same order)."""
        gap = float(self.vacancy[i]) - float(self.vacancy_ref[i])
        moved = float(self.agency_ref[i]) + params.agency_per_vacancy * gap
        return min(max(moved, 0.0), 1.0)

    def uplift(self, params: WorkforceDynamics) -> Array:
        """Workforce term of each council's long-run level m [score]: 0 at the start."""
        return -(
            params.vacancy_effect * (self.vacancy - self.vacancy_ref)
            + params.agency_effect * (self.agency(params) - self.agency_ref)
        )

    def national(self, values: Array) -> float:
        """Posts-weighted national mean of a per-council rate."""
        return float(values @ self.posts / self.posts.sum())


def reacting_grade(params: WorkforceDynamics, council: Council) -> int:
    """The grade a council's staff react to: its judgement, steadied by an intervention."""
    if council.status in params.stabilising_statuses:
        return max(council.judged, GRADES.index(params.stabilised_grade))
    return council.judged


def reacting_grades(params: WorkforceDynamics, councils: list[Council]) -> Array:
    """``reacting_grade`` of every council at once."""
    n, stabilising = len(councils), frozenset_of(params.stabilising_statuses)
    judged = np.fromiter(map(JUDGED, councils), dtype=np.int64, count=n)
    steady = np.fromiter(map(stabilising.__contains__, map(STATUS, councils)), bool, count=n)
    floor = GRADES.index(params.stabilised_grade)
    return np.where(steady, np.maximum(judged, floor), judged)


@functools.lru_cache(maxsize=16)
def frozenset_of(statuses: tuple[str, ...]) -> frozenset[str]:
    """A tuple's members as a set (membership by hash, not by comparing every member)."""
    return frozenset(statuses)


def starting_rows(world: World) -> tuple[Array, Array, Array, Array]:
    """Posts, vacancy, turnover (per year) and agency share of each council at the start.

    Real councils take their own row of the table (DfE workforce, Sept 2017).
    Synthetic councils take the rates of a random real council (``workforce``
    stream) and posts in proportion to their children in need.
    """
    table: CouncilTable = world.table
    fte, vac, turn, agency = (
        np.array(column, dtype=float)
        for column in (
            table.social_workers_fte,
            table.vacancy_rate,
            table.turnover_rate,
            table.agency_rate,
        )
    )
    posts = fte / (1.0 - vac)
    if world.scenario.world.population.source == "synthetic":
        donors = world.streams["workforce"].integers(0, len(table), size=len(world.councils))
        per_child = posts / np.array(table.children_in_need, dtype=float)
        children = np.array([c.children_in_need for c in world.councils], dtype=float)
        return children * per_child[donors], vac[donors], turn[donors], agency[donors]
    return posts, vac, turn, agency


def build_staffing(world: World) -> Staffing:
    """Every council at its steady state under its starting grade and the data's rates."""
    params = world.params.workforce
    posts, reported, turnover_year, agency = starting_rows(world)
    vacancy = np.maximum(reported, params.vacancy_floor)
    turnover_year = np.where(turnover_year > 0, turnover_year, params.missing_turnover)
    turnover = turnover_year / MONTHS_PER_YEAR
    growth = monthly_growth(params)  # new posts start vacant
    hiring = (turnover + growth) * (1.0 - vacancy) / vacancy
    start = np.array([reacting_grade(params, c) for c in world.councils], dtype=int)
    staff = Staffing(
        posts=posts,
        vacancy=vacancy,
        since=np.zeros(len(posts)),
        graduates=np.zeros(len(posts), dtype=np.int64),
        turnover=turnover,
        hiring=hiring,
        start_grade=start,
        vacancy_ref=vacancy,
        agency_ref=agency,
        a=np.zeros(len(posts)),
        b=np.zeros(len(posts)),
        applied=np.zeros(len(posts)),
    )
    staff.set_rates(params, start)
    a0, b0 = coefficients(turnover, hiring, 0.0, params.displacement, growth)
    staff.vacancy = np.array([steady_state(*abv) for abv in zip(a0, b0, vacancy, strict=True)])
    staff.vacancy_ref = staff.vacancy.copy()
    staff._agency = None
    return staff


def refresh_levels(world: World, staff: Staffing) -> None:
    """Set each council's workforce term of m from its vacancy rate now (whole months only).

    Called only at whole months: moving q to a time inside a month would draw from
    the within-month stream and shift the core model's random numbers between
    variants. Councils whose term is unchanged are left alone.
    """
    values = staff.uplift(world.params.workforce)
    same = values == staff.applied
    if not same.any():  # every council's term moved (the usual month end)
        world.set_uplifts(slice(None), "workforce", values)
    elif not same.all():
        changed = np.flatnonzero(~same)
        world.set_uplifts(changed, "workforce", values[changed])
    staff.applied = values
