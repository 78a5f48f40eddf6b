"""Ofsted: inspection teams, routine and re-inspections, monitoring visits, emergency inspections.

Each council has one inspection cycle process that waits until its next
inspection falls due and then queues for a team (a SimPy PriorityResource:
emergency first, then re-inspections and monitoring, then routine work, most
overdue first). A concern signal or a monitoring visit that shows improvement
interrupts the wait; the council's ``inspection_underway`` and
``interrupt_pending`` flags make sure a cycle is never interrupted while it
queues for or holds a team.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, cast

import numpy as np
import simpy

from sim.model.capacity import Request
from sim.model.council import INADEQUATE, Council, grade_of
from sim.model.institution import Institution
from sim.scenario.schema import GRADES

if TYPE_CHECKING:
    from sim.model.world import World

PRIORITY = {"emergency": 0, "reinspection": 1, "monitoring": 1, "routine": 2}


def team_request(world: World, kind: str, due: float) -> Request:
    """Ask for a team: by kind of work, then most overdue first."""
    return world.teams.request(priority=(PRIORITY[kind], due))


class Inspectorate(Institution):
    """Ofsted's own state: each council's inspection cycle and the detection bookkeeping.

    Attributes:
        cycles: Each council's inspection-cycle process (interrupted by signals).
        onset: Each council's first month end truly inadequate while not judged so
            (NaN: none), from which detection delays are measured.
    """

    name = "ofsted"

    def __init__(self, councils: int) -> None:
        self.cycles: dict[int, simpy.Process] = {}
        self.onset = np.full(councils, np.nan)

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
    return cast(Inspectorate, world.institutions[Inspectorate.name])


def start(world: World) -> None:
    """Schedule every council's first inspection and start Ofsted's processes."""
    state = Inspectorate(len(world.councils))
    world.register(state)
    for council in world.councils:
        council.next_due = max(0.0, due_after_judgement(world, council))
        state.cycles[council.index] = world.env.process(inspection_cycle(world, council))
        if council.judged == INADEQUATE:
            world.env.process(monitoring(world, council, council.judgement_id))
    world.signals.fire = lambda index, act: on_signal(world, index, act)


def due_after_judgement(world: World, council: Council) -> float:
    """When the next graded inspection falls due after the council's last judgement."""
    policy = world.policy.ofsted
    grade = GRADES[council.judged]
    due = council.judged_at + getattr(policy.cadence, grade)
    if council.judged != INADEQUATE:
        jitter = policy.cadence_jitter_months
        due += jitter * (2.0 * world.draws("schedule").uniform(council.index) - 1.0)
    return float(due)


def inspection_cycle(world: World, council: Council) -> simpy.events.ProcessGenerator:
    """Wait for the next inspection (or an interruption), inspect, repeat."""
    while True:
        kind = "reinspection" if council.judged == INADEQUATE else "routine"
        try:
            yield world.env.timeout(max(0.0, council.next_due - world.env.now))
        except simpy.Interrupt as interrupt:
            council.interrupt_pending = False
            if interrupt.cause == "reschedule":
                continue
            kind = "emergency"
        yield from graded_inspection(world, council, kind)


def interrupt_cycle(world: World, council: Council, cause: str) -> bool:
    """Interrupt a council's waiting cycle; False if it is already queued, inspecting or called."""
    if council.inspection_underway or council.interrupt_pending:
        return False
    council.interrupt_pending = True
    inspectorate(world).cycles[council.index].interrupt(cause)
    return True


def graded_inspection(world: World, council: Council, kind: str) -> simpy.events.ProcessGenerator:
    """Queue for a team, hold it for the inspection, then publish the judgement."""
    council.inspection_underway = True
    asked = world.env.now
    with team_request(world, kind, council.next_due) as request:
        yield request
        world.recorder.observe("inspection_wait_months", world.env.now - asked)
        yield world.env.timeout(world.params.inspections.inspection_months)
    council.inspection_underway = False
    judge(world, council, kind)


def judge(world: World, council: Council, kind: str) -> None:
    """Publish a judgement: a noisy reading of q graded by the cutpoints."""
    now = world.env.now
    reading = world.reading(council)
    grade = grade_of(reading, world.params.performance.cutpoints)
    truly = world.true_grade(council)
    previous = council.judged
    record_judgement(world, council, grade, truly, kind, reading)
    council.judged, council.judged_at, council.last_graded_at = grade, now, now
    council.judged_score = reading
    council.judgement_id += 1
    council.next_due = due_after_judgement(world, council)
    if grade == INADEQUATE:
        world.env.process(monitoring(world, council, council.judgement_id))
    for institution in world.institutions.values():
        institution.on_judgement(world, council, previous, kind)


def record_judgement(
    world: World, council: Council, grade: int, truly: int, kind: str, reading: float
) -> None:
    """Count the inspection, the time judged inadequate, and the detection delay."""
    rec, now = world.recorder, world.env.now
    rec.count(f"inspections_{kind}", council.index)
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
            kind=kind,
            grade=GRADES[grade],
            previous=GRADES[council.judged],
            reading=round(reading, 4),
            true_grade=GRADES[truly],
            q=round(council.q, 4),
        )


def monitoring(world: World, council: Council, judgement: int) -> simpy.events.ProcessGenerator:
    """Quarterly monitoring visits while the inadequate judgement stands.

    A reading at or above the inadequate cutpoint brings the re-inspection
    forward to the earliest the regime allows.
    """
    policy = world.policy.ofsted
    interval = policy.monitoring_interval_months
    first = max(1, math.ceil((world.env.now - council.judged_at) / interval - 1e-9))
    for visit in range(first, policy.monitoring_max_visits + 1):
        yield world.env.timeout(max(0.0, council.judged_at + visit * interval - world.env.now))
        if council.judgement_id != judgement:
            return
        with team_request(world, "monitoring", world.env.now) as request:
            yield request
            yield world.env.timeout(world.params.inspections.monitoring_visit_months)
        if council.judgement_id != judgement:
            return
        reading = world.reading(council)
        world.recorder.count("monitoring_visits", council.index)
        world.recorder.log(
            world.env.now, council.name, "monitoring_visit", visit=visit, reading=round(reading, 4)
        )
        if reading >= world.params.performance.cutpoints[0]:
            bring_forward(world, council)


def bring_forward(world: World, council: Council) -> None:
    """Re-inspect an improving inadequate council at the earliest the regime allows."""
    earliest = council.judged_at + world.policy.ofsted.early_reinspection_min_months
    if earliest < council.next_due:
        council.next_due = max(world.env.now, earliest)
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
        world.env.process(emergency_after(world, council, triggers.lead_time_months))


def emergency_after(world: World, council: Council, lead: float) -> simpy.events.ProcessGenerator:
    """After the lead time, call an emergency inspection unless one is pointless or too soon."""
    yield world.env.timeout(lead)
    gap = world.env.now - council.last_graded_at
    if council.judged == INADEQUATE or gap < world.policy.sharper_triggers.min_gap_months:
        world.recorder.log(
            world.env.now, council.name, "emergency_declined", months_since_judgement=round(gap, 3)
        )
        return
    if interrupt_cycle(world, council, "emergency"):
        world.recorder.log(world.env.now, council.name, "emergency_called")
