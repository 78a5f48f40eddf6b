"""Graduate programmes: cohorts bought from a yearly budget, trained, placed, then leaving.

Each budget year's money for a scheme buys one cohort of
``floor(yearly budget / cost per trainee)`` trainees, so spending never exceeds
the budget. A cohort pays the non-bursary part of its cost when it starts and
the bursary in equal monthly instalments over training; cost per trainee is the
gross cost per *qualified* worker, so every trainee counts as qualifying. On
qualifying, the cohort is placed in councils' vacant posts by the allocation
policy, and each graduate leaves social work after an exponential time drawn
up front.

Common random numbers: each cohort's leaving times come from its own
generator, keyed by scheme name and budget year under the ``workforce``
stream, so adding, removing or resizing one cohort never moves another's
draws, and the core model's streams are never touched.
"""

from __future__ import annotations

import math
import zlib
from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import simpy

from sim.model.staffing import Staffing, refresh_levels
from sim.scenario.schema import GRADES, Scenario
from sim.scenario.workforce_rules import Programmes, Scheme

if TYPE_CHECKING:
    from sim.model.world import World


@dataclass(frozen=True)
class Cohort:
    """One scheme's intake in one budget year."""

    scheme: Scheme
    year: int  # the budget year that pays for it
    start: int  # months from the run's start
    size: int  # trainees, all of whom qualify

    @property
    def cost_gbp(self) -> float:
        return self.size * self.scheme.cost_per_trainee_gbp


@dataclass
class Ledger:
    """The programmes' money and people in one replication."""

    committed_by_year: defaultdict[int, float] = field(default_factory=lambda: defaultdict(float))
    paid_by_year: defaultdict[int, float] = field(default_factory=lambda: defaultdict(float))
    qualified: int = 0

    @property
    def paid(self) -> float:
        """Money paid out so far [GBP]."""
        return float(sum(self.paid_by_year.values()))


def cohort_size(budget: float, cost: float) -> int:
    """The most whole trainees whose cost fits in ``budget`` (exact in floating point)."""
    if budget <= 0:
        return 0
    n = math.floor(budget / cost)
    while n > 0 and n * cost > budget:
        n -= 1
    while (n + 1) * cost <= budget:
        n += 1
    return n


def planned_cohorts(programmes: Programmes, scenario: Scenario) -> list[Cohort]:
    """Every non-empty cohort starting within the run, in start order.

    Cohorts whose start month falls before the run's start are left out: their
    graduates are already in the starting workforce.
    """
    cohorts = []
    for year in range(programmes.first_year, programmes.first_year + programmes.years):
        for scheme in programmes.schemes:
            start = scenario.months_from_start(f"{year:04d}-{scheme.cohort_month:02d}")
            size = cohort_size(programmes.yearly_budget(scheme), scheme.cost_per_trainee_gbp)
            if size > 0 and 0 <= start < scenario.run.horizon_months:
                cohorts.append(Cohort(scheme, year, start, size))
    return sorted(cohorts, key=lambda c: c.start)


def allocate(n: int, weights: np.ndarray, capacity: np.ndarray) -> np.ndarray:
    """Split ``n`` people in proportion to ``weights`` without exceeding ``capacity``.

    Largest remainders (Hamilton): whole shares first, then one each to the
    largest fractions (ties to the lower index). What a full council cannot take
    is shared among the others in the next round. Places
    ``min(n, capacity of councils with weight)`` people.
    """
    placed = np.zeros(len(weights), dtype=np.int64)
    left = int(min(n, capacity[weights > 0].sum()))
    while left > 0:
        room = capacity - placed
        open_weights = np.where(room > 0, weights, 0.0)
        shares = left * open_weights / open_weights.sum()
        take = np.minimum(np.floor(shares).astype(np.int64), room)
        eligible = (room > take) & (open_weights > 0)
        fractions = np.where(eligible, shares - np.floor(shares), -1.0)
        extra = min(left - int(take.sum()), int(eligible.sum()))
        take[np.argsort(-fractions, kind="stable")[:extra]] += 1
        placed += take
        left -= int(take.sum())
    return placed


def placements(rule: str, n: int, vacant: np.ndarray, judged: np.ndarray) -> np.ndarray:
    """Graduates per council under an allocation rule, never more than its vacant posts."""
    capacity = np.floor(vacant + 1e-9).astype(np.int64)
    if rule == "uniform":
        return allocate(n, (capacity > 0).astype(float), capacity)
    if rule == "by_vacancies":
        return allocate(n, vacant, capacity)
    placed = np.zeros(len(vacant), dtype=np.int64)  # failing_first: worst judged grade first
    for grade in range(len(GRADES)):
        tier = np.where(judged == grade, vacant, 0.0)
        placed += allocate(n - int(placed.sum()), tier, capacity - placed)
    return placed


def cohort_rng(world: World, cohort: Cohort) -> np.random.Generator:
    """The cohort's own generator under the ``workforce`` stream (see the module notes)."""
    name_key = zlib.crc32(cohort.scheme.name.encode())
    return np.random.default_rng(world.streams.key.sequence("workforce", name_key, cohort.year))


def pay_for(world: World, ledger: Ledger, cohort: Cohort) -> simpy.events.ProcessGenerator:
    """Pay the cohort's cost: the non-bursary part at the start, the bursary monthly."""
    scheme, months = cohort.scheme, cohort.scheme.training_months
    total = cohort.cost_gbp
    ledger.committed_by_year[cohort.year] += total
    instalment = cohort.size * scheme.bursary_gbp / months if months else 0.0
    paid = total - instalment * months
    ledger.paid_by_year[cohort.year] += paid
    for month in range(months):
        if month:
            yield world.env.timeout(1.0)
        amount = total - paid if month == months - 1 else instalment  # exact total at the end
        ledger.paid_by_year[cohort.year] += amount
        paid += amount


def qualify(world: World, staff: Staffing, ledger: Ledger, cohort: Cohort) -> np.ndarray:
    """Place the qualified cohort in vacant posts now; return graduates per council."""
    now = world.env.now
    staff.bring_up_to_date(now)
    judged = np.array([c.judged for c in world.councils], dtype=int)
    rule = world.policy.programmes.allocation
    counts = placements(rule, cohort.size, staff.vacant_posts(), judged)
    staff.place(counts, world.params.workforce.displacement)
    staff.react(world)
    ledger.qualified += cohort.size  # those not placed (no vacant post) work elsewhere
    refresh_levels(world, staff)
    world.recorder.log(
        now,
        "",
        "cohort_qualified",
        scheme=cohort.scheme.name,
        year=cohort.year,
        size=cohort.size,
        placed=int(counts.sum()),
        councils=int((counts > 0).sum()),
    )
    return counts


def cohort_life(
    world: World, staff: Staffing, ledger: Ledger, cohort: Cohort
) -> simpy.events.ProcessGenerator:
    """Start, pay, qualify, place; then each placed graduate leaves at their drawn time."""
    yield world.env.timeout(cohort.start - world.env.now)
    world.recorder.log(
        world.env.now, "", "cohort_started", scheme=cohort.scheme.name, size=cohort.size
    )
    yield world.env.process(pay_for(world, ledger, cohort))
    yield world.env.timeout(cohort.start + cohort.scheme.training_months - world.env.now)
    rate = cohort.scheme.leaving_rate
    draws = cohort_rng(world, cohort).standard_exponential(cohort.size)
    counts = qualify(world, staff, ledger, cohort)
    if rate <= 0:
        return
    councils = np.repeat(np.arange(len(counts)), counts)
    leaving = world.env.now + draws[: len(councils)] / rate
    order = np.argsort(leaving, kind="stable")
    for when, index in zip(leaving[order].tolist(), councils[order].tolist(), strict=True):
        if when >= world.horizon:
            return
        yield world.env.timeout(when - world.env.now)
        graduate_leaves(world, staff, index)


def graduate_leaves(world: World, staff: Staffing, index: int) -> None:
    """A graduate leaves social work: their post falls vacant from now."""
    staff.bring_up_to_date(world.env.now, (index,))
    staff.leave(index, world.params.workforce.displacement)
    staff.react(world, index)
    if world.recorder.trace:
        world.recorder.log(world.env.now, world.councils[index].name, "graduate_left")


def start(world: World, staff: Staffing) -> Ledger:
    """Schedule every funded cohort of the run; return the ledger they write to."""
    ledger = Ledger()
    for cohort in planned_cohorts(world.policy.programmes, world.scenario):
        world.env.process(cohort_life(world, staff, ledger, cohort))
    return ledger
