"""Ofsted: routine and re-inspections under the framework in force, monitoring, emergencies.

Each council has one inspection cycle process that waits until its next
inspection falls due under the framework in force (``policy.ofsted.rules``) and
then queues for that month's capacity of the right kind (``sim.model.capacity``:
each kind has its own allowance, most overdue first), holds it for the kind's
on-site time and publishes a judgement on the framework's scale. A concern
signal or a monitoring visit that shows improvement
interrupts the wait; the council's ``inspection_underway`` and
``interrupt_pending`` flags make sure a cycle is never interrupted while it
queues for capacity or is on site.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
import simpy

from sim.model.capacity import kind_for, month_starts
from sim.model.council import INADEQUATE, Council, grade_of
from sim.scenario.schema import GRADES

if TYPE_CHECKING:
    from sim.model.world import World


def start(world: World) -> None:
    """Schedule every council's first inspection and start Ofsted's processes."""
    world.env.process(capacity_months(world))
    for council in world.councils:
        council.next_due = max(0.0, due_after_judgement(world, council))
        world.cycles[council.index] = world.env.process(inspection_cycle(world, council))
        if council.judged == INADEQUATE:
            world.env.process(monitoring(world, council, council.judgement_id))
    world.env.process(concern_signals(world, signal_candidates(world)))


def capacity_months(world: World) -> simpy.events.ProcessGenerator:
    """Each month start: the new month's allowances let queued inspections start."""
    yield from month_starts(world, world.capacity)


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
    rng = world.streams.council("schedule", council.index)
    if council.judged == INADEQUATE:
        jitter = rules.reinspection_jitter_months
        due = council.judged_at + rules.cadence.inadequate + rng.uniform(-jitter, jitter)
        return float(max(due, council.judged_at + rules.min_regrade_inadequate_months))
    if rules.one_pass and council.framework == ofsted.framework:
        return math.inf
    jitter = rules.cadence_jitter_months
    due = council.judged_at + getattr(rules.cadence, GRADES[council.judged])
    return float(due + rng.uniform(-jitter, jitter))


def rules_changed(world: World, framework: str) -> None:
    """After a timeline entry: a new framework reschedules every waiting council."""
    if world.policy.ofsted.framework != framework:
        for council in world.councils:
            due = max(world.env.now, due_after_judgement(world, council))
            if not council.inspection_underway and not council.interrupt_pending:
                council.next_due = due
                interrupt_cycle(world, council, "reschedule")
    world.capacity.dispatch_all()


def inspection_cycle(world: World, council: Council) -> simpy.events.ProcessGenerator:
    """Wait for the next inspection (or an interruption), inspect, repeat."""
    while True:
        purpose = "reinspection" if council.judged == INADEQUATE else "routine"
        wait = min(council.next_due, world.horizon + 1.0) - world.env.now
        try:
            yield world.env.timeout(max(0.0, wait))
        except simpy.Interrupt as interrupt:
            council.interrupt_pending = False
            if interrupt.cause == "reschedule":
                continue
            purpose = "emergency"
        if math.isinf(council.next_due) and purpose != "emergency":
            continue  # not due under this framework (a reschedule will wake the cycle)
        yield from graded_inspection(world, council, purpose)


def interrupt_cycle(world: World, council: Council, cause: str) -> bool:
    """Interrupt a council's waiting cycle; False if it is already queued, inspecting or called."""
    if council.inspection_underway or council.interrupt_pending:
        return False
    council.interrupt_pending = True
    world.cycles[council.index].interrupt(cause)
    return True


def graded_inspection(
    world: World, council: Council, purpose: str
) -> simpy.events.ProcessGenerator:
    """Queue for this month's capacity of the right kind, inspect on site, then publish."""
    council.inspection_underway = True
    asked = world.env.now
    kind = kind_for(world, purpose, council.judged)
    granted = yield world.capacity.request(kind, council.next_due, council.index, purpose)
    world.recorder.observe("inspection_wait_months", world.env.now - asked)
    framework = world.policy.ofsted.framework
    yield world.env.timeout(world.policy.ofsted.rules.kinds[granted].onsite_months)
    council.inspection_underway = False
    judge(world, council, purpose, granted, framework)


def judge(world: World, council: Council, purpose: str, kind: str, framework: str) -> None:
    """Publish a judgement: a noisy reading of q graded on the framework's scale."""
    now = world.env.now
    cutpoints, noise = scale(world)
    reading = world.reading(council, noise)
    grade = grade_of(reading, cutpoints)
    truly = world.true_grade(council)
    previous = council.judged
    record_judgement(world, council, grade, truly, purpose, reading)
    world.recorder.judgement(council.index, now, framework, kind, grade, previous)
    council.judged, council.judged_at, council.last_graded_at = grade, now, now
    council.judged_score, council.framework = reading, framework
    council.judgement_id += 1
    council.next_due = due_after_judgement(world, council)
    if grade == INADEQUATE:
        world.env.process(monitoring(world, council, council.judgement_id))
    for listener in world.judgement_listeners:
        listener(world, council, previous, purpose)


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
        if truly == INADEQUATE and council.onset is not None:
            rec.observe("detection_delay_months", now - council.onset)
            rec.count("detections")
        council.onset = None
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


def monitoring(world: World, council: Council, judgement: int) -> simpy.events.ProcessGenerator:
    """Monitoring visits while the inadequate judgement stands (ungraded, not capacity-bound).

    ``improvement_readings`` consecutive readings at or above the inadequate cutpoint
    bring the re-inspection forward to the earliest the framework allows.
    """
    rules = world.policy.ofsted.rules
    interval = rules.monitoring_interval_months
    first = max(1, math.ceil((world.env.now - council.judged_at) / interval - 1e-9))
    improving = 0  # consecutive readings at or above the inadequate cutpoint
    for visit in range(first, rules.monitoring_max_visits + 1):
        yield world.env.timeout(max(0.0, council.judged_at + visit * interval - world.env.now))
        if council.judgement_id != judgement:
            return
        if world.policy.ofsted.operating_share <= 0:
            continue  # paused: no visit this time
        cutpoints, noise = scale(world)
        reading = world.reading(council, noise)
        world.recorder.count("monitoring_visits", council.index)
        world.recorder.log(
            world.env.now, council.name, "monitoring_visit", visit=visit, reading=round(reading, 4)
        )
        improving = improving + 1 if reading >= cutpoints[0] else 0
        if improving >= world.policy.ofsted.rules.improvement_readings:
            bring_forward(world, council)


def bring_forward(world: World, council: Council) -> None:
    """Re-inspect an improving inadequate council at the earliest the framework allows."""
    earliest = council.judged_at + world.policy.ofsted.rules.early_reinspection_min_months
    if earliest < council.next_due:
        council.next_due = max(world.env.now, earliest)
        interrupt_cycle(world, council, "reschedule")


def signal_candidates(world: World) -> list[tuple[float, int, float, float]]:
    """Candidate signal times (time, council, u_accept, u_act) at the capped rate, drawn up front.

    Drawing candidates up front from their own stream, and thinning them by the
    rate at q, gives an exact inhomogeneous Poisson process whose candidate
    times do not depend on the policy (common random numbers across variants).
    """
    rng = world.streams["signals"]
    bound, horizon = world.params.signals.max_rate, world.horizon
    counts = rng.poisson(bound * horizon, size=len(world.councils))
    times = rng.uniform(0.0, horizon, size=int(counts.sum()))
    owners = np.repeat(np.arange(len(world.councils)), counts)
    uniforms = rng.uniform(size=(int(counts.sum()), 2))
    order = np.argsort(times, kind="stable")
    return [
        (float(times[k]), int(owners[k]), float(uniforms[k, 0]), float(uniforms[k, 1]))
        for k in order
    ]


def signal_rate(world: World, q: float) -> float:
    """Concern-signal rate at score q: rises exponentially as q falls, capped."""
    sig = world.params.signals
    rate = sig.rate_at_inadequate * math.exp(
        -sig.slope * (q - world.params.performance.cutpoints[0])
    )
    return min(rate, sig.max_rate, world.signal_bound)


def concern_signals(
    world: World, candidates: list[tuple[float, int, float, float]]
) -> simpy.events.ProcessGenerator:
    """Thin the candidates by the rate at each council's q; act on accepted signals."""
    for time, index, accept, act in candidates:
        yield world.env.timeout(time - world.env.now)
        council = world.councils[index]
        if accept * world.signal_bound >= signal_rate(world, world.advance(council)):
            continue
        world.recorder.count("signals", index)
        triggers = world.policy.sharper_triggers
        acted = triggers.enabled and act < triggers.act_probability
        world.recorder.log(
            world.env.now, council.name, "signal", acted=acted, q=round(council.q, 4)
        )
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
