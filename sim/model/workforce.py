"""The workforce institution: councils' staffing and the graduate programmes in the world.

``start`` builds every council's staffing (``sim.model.staffing``) and schedules
the programmes' cohorts (``sim.model.programmes``). Then:

- a judgement changes the judged council's turnover and hiring at once, after
  bringing its vacancy rate exactly up to date under the old rates;
- at every month end all councils are brought up to date, intervention
  statuses changed during the month are noticed, and each council's workforce
  term of m is reset from its vacancy rate (m stays piecewise constant);
- monthly columns: national ``vacancy_rate``, ``agency_rate`` (posts-weighted),
  ``graduates_in_post`` and cumulative ``recruitment_spend_gbp``;
- outcomes: ``graduates_qualified``, ``graduates_in_post_end``,
  ``recruitment_spend_gbp``, ``vacancy_rate_mean``, ``agency_rate_mean``.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from sim.model import programmes
from sim.model.council import Council
from sim.model.institution import Institution
from sim.model.programmes import Ledger
from sim.model.staffing import Staffing, build_staffing, refresh_levels

if TYPE_CHECKING:
    from sim.model.world import World


class Workforce(Institution):
    """The councils' staffing and the programmes' ledger in one replication."""

    name = "workforce"

    def __init__(self, staff: Staffing, ledger: Ledger) -> None:
        self.staff, self.ledger = staff, ledger

    def on_judgement(self, world: World, council: Council, previous: int, kind: str) -> None:
        judged(world, self.staff, council)

    def month_end(self, world: World) -> None:
        month_end(world, self.staff)

    def reading(
        self, world: World, month: int, truly: np.ndarray, judged: np.ndarray
    ) -> dict[str, float]:
        columns = monthly_columns(world, self.staff, self.ledger)  # brings vacancies up to date
        if month > 0:  # the same readings as the national vacancy_rate_mean
            world.recorder.observe_councils("vacancy_rate_mean", self.staff.vacancy)
        return columns

    def outcomes(self, world: World) -> dict[str, float]:
        return outcomes(world, self.staff, self.ledger)


def start(world: World) -> None:
    """Build the councils' staffing, schedule the cohorts, register the workforce."""
    staff = build_staffing(world)
    world.recorder.vacancy_of = staff.vacancy_now
    world.register(Workforce(staff, programmes.start(world, staff)))


def judged(world: World, staff: Staffing, council: Council) -> None:
    """A new judgement: staff react to it from now (the vacancy rate itself is continuous).

    The council's vacancy and agency rates as the judgement is published go into the
    judgements table (the measure of calibration_targets.csv's wf_by_grade_*).
    """
    staff.bring_up_to_date(world.env.now, (council.index,))
    agency = staff.agency_of(world.params.workforce, council.index)
    world.recorder.judgement_staff.append((float(staff.vacancy[council.index]), agency))
    staff.react(world, council.index)


def month_end(world: World, staff: Staffing) -> None:
    """At a month end: vacancies up to date, statuses noticed, workforce terms of m reset."""
    staff.bring_up_to_date(world.env.now)
    staff.grow(math.exp(world.params.workforce.posts_growth_per_year / 12.0))
    staff.react(world)
    refresh_levels(world, staff)


def monthly_columns(world: World, staff: Staffing, ledger: Ledger) -> dict[str, float]:
    """National workforce figures at a month end (extra columns of monthly.parquet)."""
    staff.bring_up_to_date(world.env.now)
    return {
        "vacancy_rate": staff.national(staff.vacancy),
        "agency_rate": staff.national(staff.agency(world.params.workforce)),
        "graduates_in_post": float(staff.graduates.sum()),
        "recruitment_spend_gbp": ledger.paid,
    }


def outcomes(world: World, staff: Staffing, ledger: Ledger) -> dict[str, float]:
    """The workforce outcomes of a replication (registered in ``OUTCOMES``)."""
    rows = world.recorder.monthly_rows
    readings = [row for row in rows if row["month"] > 0] or rows[:1]
    return {
        "graduates_qualified": float(ledger.qualified),
        "graduates_in_post_end": float(staff.graduates.sum()),
        "recruitment_spend_gbp": ledger.paid,
        "vacancy_rate_mean": float(np.mean([row["vacancy_rate"] for row in readings])),
        "agency_rate_mean": float(np.mean([row["agency_rate"] for row in readings])),
    }
