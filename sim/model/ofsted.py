"""Ofsted: routine and re-inspections under the framework in force, monitoring, emergencies.

Each council has one inspection cycle process that waits until its next
inspection falls due under the framework in force (``policy.ofsted.rules``) and
then queues for that month's capacity of the right kind (``sim.model.capacity``:
each kind has its own allowance, most overdue first), holds it for the kind's
on-site time and publishes a judgement on the framework's scale. A concern
signal or a monitoring visit that shows improvement
interrupts the wait; the ``inspection_underway`` and ``interrupt_pending`` flags
of the council's ``Schedule`` make sure a cycle is never interrupted while it
queues for capacity or is on site.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import simpy

from sim.model.capacity import kind_for
from sim.model.council import INADEQUATE, Council, grade_of
from sim.model.institution import Institution
from sim.model.timers import after, soon, start_after
from sim.scenario.schema import GRADES

if TYPE_CHECKING:
    from sim.model.world import World


@dataclass(eq=False)
class Schedule:
    """Ofsted's scheduling state for one council.

    Attributes:
        last_graded_at: When the council was last graded (months; for an emergency's
            minimum gap).
        next_due: When its next graded inspection falls due (months; inf: not due).
        inspection_underway: It queues for capacity or is on site (no interrupting).
        interrupt_pending: Its cycle was interrupted and has not woken yet.
    """

    last_graded_at: float
    next_due: float = 0.0
    inspection_underway: bool = False
    interrupt_pending: bool = False


class Inspectorate(Institution):
    """Ofsted's own state: each council's schedule, cycle and detection bookkeeping.

    Attributes:
        schedules: Each council's scheduling state, by council index.
        cycles: Each council's inspection-cycle process (interrupted by signals).
        onset: Each council's first month end truly inadequate while not judged so
            (NaN: none), from which detection delays are measured.
    """

    name = "ofsted"

    def __init__(self, councils: list[Council]) -> None:
        self.schedules = [Schedule(council.judged_at) for council in councils]
        self.cycles: dict[int, simpy.Process] = {}
        self.onset = np.full(len(councils), np.nan)

    def reading(
        self, world: World, month: int, truly: np.ndarray, judged: np.ndarray
    ) -> dict[str, float]:
        """Note when hidden failures begin (and forget those that recovered unseen)."""
        hidden = (truly == INADEQUATE) & (judged != INADEQUATE)
        self.onset[hidden & np.isnan(self.onset)] = float(month)
        self.onset[(truly != INADEQUATE) & (judged != INADEQUATE)] = np.nan
        return {}


def inspectorate(world: World) -> Inspectorate:
    """Ofsted's state in a world (registered by ``start``)."""
    return world.institutions[Inspectorate.name]  # type: ignore[return-value]  # no cast() call: hot


def schedule(world: World, council: Council) -> Schedule:
    """Ofsted's scheduling state for a council."""
    return inspectorate(world).schedules[council.index]


def start(world: World) -> None:
    """Schedule every council's first inspection and start Ofsted's processes."""
    state = Inspectorate(world.councils)
    world.register(state)
    for council in world.councils:
        state.schedules[council.index].next_due = max(0.0, due_after_judgement(world, council))
        state.cycles[council.index] = world.env.process(inspection_cycle(world, council))
        if council.judged == INADEQUATE:
            monitor(world, council)
    world.signals.fire = lambda index, act: on_signal(world, index, act)


def scale(world: World) -> tuple[tuple[float, float, float], float]:
    """Cutpoints and reading noise of the framework in force (default: the world's)."""
    rules = world.policy.ofsted.rules
    if rules.scale is None:
        perf = world.params.performance
        return perf.cutpoints, perf.judgement_noise_sd
    return rules.scale.cutpoints, rules.scale.noise_sd


def due_after_judgement(world: World, council: Council) -> float:
    """When the next graded inspection falls due under the framework in force.

    An inadequate council: its scheduled re-inspection (with jitter), never sooner
    than the framework's minimum. Otherwise the cadence by grade (with jitter); under
    a one-pass framework (the SIF) a council already judged under it is not due again.
    """
    ofsted = world.policy.ofsted
    rules = ofsted.rules
    shift = 2.0 * world.draws("schedule").uniform(council.index) - 1.0  # in [-1, 1)
    if council.judged == INADEQUATE:
        jitter = rules.reinspection_jitter_months
        due = council.judged_at + rules.cadence.inadequate + jitter * shift
        return float(max(due, council.judged_at + rules.min_regrade_inadequate_months))
    if rules.one_pass and council.framework == ofsted.framework:
        return math.inf
    jitter = rules.cadence_jitter_months
    due = council.judged_at + getattr(rules.cadence, GRADES[council.judged])
    return float(due + jitter * shift)


def rules_changed(world: World, framework: str) -> None:
    """After a timeline entry: a new framework reschedules every waiting council."""
    if world.policy.ofsted.framework != framework:
        for council in world.councils:
            due = max(world.env.now, due_after_judgement(world, council))
            plan = schedule(world, council)
            if not plan.inspection_underway and not plan.interrupt_pending:
                plan.next_due = due
                interrupt_cycle(world, council, "reschedule")
    world.capacity.dispatch_all()


def inspection_cycle(world: World, council: Council) -> simpy.events.ProcessGenerator:
    """Wait for the next inspection (or an interruption), inspect, repeat."""
    plan = schedule(world, council)
    while True:
        purpose = "reinspection" if council.judged == INADEQUATE else "routine"
        wait = min(plan.next_due, world.horizon + 1.0) - world.env.now
        try:
            yield world.env.timeout(max(0.0, wait))
        except simpy.Interrupt as interrupt:
            plan.interrupt_pending = False
            if interrupt.cause == "reschedule":
                continue
            purpose = "emergency"
        if math.isinf(plan.next_due) and purpose != "emergency":
            continue  # not due under this framework (a reschedule will wake the cycle)
        yield from graded_inspection(world, council, purpose)


def interrupt_cycle(world: World, council: Council, cause: str) -> bool:
    """Interrupt a council's waiting cycle; False if it is already queued, inspecting or called."""
    plan = schedule(world, council)
    if plan.inspection_underway or plan.interrupt_pending:
        return False
    plan.interrupt_pending = True
    inspectorate(world).cycles[council.index].interrupt(cause)
    return True


def graded_inspection(
    world: World, council: Council, purpose: str
) -> simpy.events.ProcessGenerator:
    """Queue for this month's capacity of the right kind, inspect on site, then publish."""
    plan = schedule(world, council)
    plan.inspection_underway = True
    asked = world.env.now
    kind = kind_for(world, purpose, council.judged)
    asked_under = world.policy.ofsted.rules
    granted = yield world.capacity.request(kind, plan.next_due, council.index, purpose)
    world.recorder.observe("inspection_wait_months", world.env.now - asked)
    framework = world.policy.ofsted.framework
    # A request queued under one framework may be granted after a timeline switched to
    # another that has no such kind: it keeps the on-site length of the kind it was granted.
    spec = world.policy.ofsted.rules.kinds.get(granted) or asked_under.kinds[granted]
    yield world.env.timeout(spec.onsite_months)
    plan.inspection_underway = False
    judge(world, council, purpose, granted, framework)


def judge(world: World, council: Council, purpose: str, kind: str, framework: str) -> None:
    """Publish a judgement: a noisy reading of q graded on the framework's scale."""
    now = world.env.now
    cutpoints, noise = scale(world)
    reading = world.reading(council, noise)  # moves council.q to now
    grade = grade_of(reading, cutpoints)
    truly = grade_of(council.q, world.params.performance.cutpoints)  # world.true_grade, now
    previous = council.judged
    record_judgement(world, council, grade, truly, purpose, reading)
    world.recorder.judgement(council.index, now, framework, kind, grade, previous)
    council.judged, council.judged_at = grade, now
    council.judged_score, council.framework = reading, framework
    council.judgement_id += 1
    plan = schedule(world, council)
    plan.last_graded_at = now
    plan.next_due = due_after_judgement(world, council)
    if grade == INADEQUATE:
        monitor(world, council)
    for institution in world.institutions.values():
        institution.on_judgement(world, council, previous, purpose)


def record_judgement(
    world: World, council: Council, grade: int, truly: int, purpose: str, reading: float
) -> None:
    """Count the inspection, the time judged inadequate, and the detection delay."""
    rec, now = world.recorder, world.env.now
    rec.count(f"inspections_{purpose}", council.index)
    if council.judged == INADEQUATE:
        rec.count("months_judged_inadequate", council.index, now - max(council.judged_at, 0.0))
    if grade == INADEQUATE:
        rec.count("inadequate_judgements")
        onsets = inspectorate(world).onset
        onset = float(onsets[council.index])
        if truly == INADEQUATE and not math.isnan(onset):
            rec.observe("detection_delay_months", now - onset)
            rec.count("detections")
        onsets[council.index] = math.nan
    if rec.trace:
        rec.log(
            now,
            council.name,
            "judgement",
            kind=purpose,
            grade=GRADES[grade],
            previous=GRADES[council.judged],
            reading=round(reading, 4),
            true_grade=GRADES[truly],
            q=round(council.q, 4),
        )


def monitor(world: World, council: Council) -> None:
    """Start the monitoring visits of the inadequate judgement just published (or standing)."""
    judgement = council.judgement_id
    soon(world.env, lambda: _first_visit(world, council, judgement))


def _first_visit(world: World, council: Council, judgement: int) -> None:
    """The first monitoring visit still to come (the rules in force now fix the visits).

    Ungraded and not capacity-bound. Callbacks (``sim.model.timers``) in the order a
    process would take these steps: ``improvement_readings`` consecutive readings at or
    above the inadequate cutpoint bring the re-inspection forward to the earliest the
    framework allows.
    """
    rules = world.policy.ofsted.rules
    interval = rules.monitoring_interval_months
    first = max(1, math.ceil((world.env.now - council.judged_at) / interval - 1e-9))
    visits = Visits(council, judgement, interval, rules.monitoring_max_visits)
    _next_visit(world, visits, first, 0)


@dataclass(eq=False)
class Visits:
    """One inadequate judgement's monitoring visits: whose, which judgement, how often."""

    council: Council
    judgement: int
    interval: float  # months
    last: int  # the last visit's number


def _next_visit(world: World, visits: Visits, visit: int, improving: int) -> None:
    """Wait for visit number ``visit`` (``improving``: consecutive good readings so far)."""
    if visit <= visits.last:
        council, env = visits.council, world.env
        wait = max(0.0, council.judged_at + visit * visits.interval - env.now)
        after(env, wait, lambda: _monitoring_visit(world, visits, visit, improving))


def _monitoring_visit(world: World, visits: Visits, visit: int, improving: int) -> None:
    """A monitoring visit while the judgement stands (none while inspections are paused)."""
    council = visits.council
    if council.judgement_id != visits.judgement:
        return
    if world.policy.ofsted.operating_share > 0:
        cutpoints, noise = scale(world)
        reading = world.reading(council, noise)
        world.recorder.count("monitoring_visits", council.index)
        if world.recorder.trace:
            world.recorder.log(
                world.env.now, council.name, "monitoring_visit", visit=visit,
                reading=round(reading, 4),
            )  # fmt: skip
        improving = improving + 1 if reading >= cutpoints[0] else 0
        if improving >= world.policy.ofsted.rules.improvement_readings:
            bring_forward(world, council)
    _next_visit(world, visits, visit + 1, improving)


def bring_forward(world: World, council: Council) -> None:
    """Re-inspect an improving inadequate council at the earliest the framework allows."""
    earliest = council.judged_at + world.policy.ofsted.rules.early_reinspection_min_months
    plan = schedule(world, council)
    if earliest < plan.next_due:
        plan.next_due = max(world.env.now, earliest)
        interrupt_cycle(world, council, "reschedule")


def on_signal(world: World, index: int, act: float) -> None:
    """A kept concern signal arrives (``sim.model.signals``): count it, maybe act on it."""
    council = world.councils[index]
    world.recorder.count("signals", index)
    triggers = world.policy.sharper_triggers
    acted = triggers.enabled and act < triggers.act_probability
    if world.recorder.trace:
        q = world.advance(council)
        world.recorder.log(world.env.now, council.name, "signal", acted=acted, q=round(q, 4))
    if acted:
        lead = triggers.lead_time_months
        start_after(world.env, lead, lambda: emergency_after(world, council))


def emergency_after(world: World, council: Council) -> None:
    """After the lead time, call an emergency inspection unless one is pointless or too soon."""
    gap = world.env.now - schedule(world, council).last_graded_at
    if council.judged == INADEQUATE or gap < world.policy.sharper_triggers.min_gap_months:
        world.recorder.log(
            world.env.now, council.name, "emergency_declined", months_since_judgement=round(gap, 3)
        )
        return
    if interrupt_cycle(world, council, "emergency"):
        world.recorder.log(world.env.now, council.name, "emergency_called")
