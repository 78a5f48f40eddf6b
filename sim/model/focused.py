"""Ofsted's focused visits: ungraded, short, on-site visits between graded inspections.

Under a framework that has them (``Framework.focused_visits``: ILACS), every
council not judged inadequate gets one visit per interval between graded
inspections, planned when it is judged (or when a timeline entry switches to the
framework) at ``share_of_interval`` of the way to its next due date. The visit
queues for its own kind's monthly capacity (``sim.model.capacity``), is on site for
the kind's length and reads q on the framework's scale with its own random
stream (``focused_visits``), so adding visits does not move the draws of graded
judgements. A reading below the inadequate cutpoint is serious weakness: it brings
the graded inspection forward (``bring_forward_months`` after the visit), which
then queues for capacity like any other.

A plan is dropped when the council is judged again, re-planned, found inadequate or
already being inspected; each council holds at most one plan at a time.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from sim.model.council import INADEQUATE, Council
from sim.model.institution import Institution
from sim.model.ofsted import interrupt_cycle, scale, schedule
from sim.model.timers import after, start_after, when

if TYPE_CHECKING:
    from sim.model.world import World

STREAM = "focused_visits"


class FocusedVisitor(Institution):
    """Each council's current focused-visit plan (a token: a newer plan replaces it).

    Attributes:
        plans: Council index -> the number of its current plan (0: none yet).
        framework: The framework whose rules the plans were made under.
    """

    name = "focused_visits"

    def __init__(self, councils: int, framework: str) -> None:
        self.plans = [0] * councils
        self.framework = framework

    def on_judgement(self, world: World, council: Council, previous: int, kind: str) -> None:
        plan(world, self, council)

    def month_end(self, world: World) -> None:
        """After a timeline entry switched framework: plan every council under the new one."""
        if world.policy.ofsted.framework != self.framework:
            self.framework = world.policy.ofsted.framework
            for council in world.councils:
                plan(world, self, council)


def start(world: World) -> None:
    """Register the visitor and plan visits for councils if the framework has them."""
    visitor = FocusedVisitor(len(world.councils), world.policy.ofsted.framework)
    world.register(visitor)
    for council in world.councils:
        plan(world, visitor, council)


def visitor_of(world: World) -> FocusedVisitor:
    return world.institutions[FocusedVisitor.name]  # type: ignore[return-value]  # no cast() call: hot


def plan(world: World, visitor: FocusedVisitor, council: Council) -> None:
    """Plan the council's focused visit of this interval (dropping any earlier plan)."""
    visitor.plans[council.index] += 1
    rules = world.policy.ofsted.rules.focused_visits
    now, timing = world.env.now, schedule(world, council)
    if rules is None or council.judged == INADEQUATE or math.isinf(timing.next_due):
        return
    due = now + rules.share_of_interval * (timing.next_due - now)
    gap = rules.min_months_from_inspection
    if due - timing.last_graded_at < gap or timing.next_due - due < gap:
        return
    token = visitor.plans[council.index]
    delay = max(0.0, due - now)
    start_after(world.env, delay, lambda: visit(world, visitor, council, token, due))


def visit(world: World, visitor: FocusedVisitor, council: Council, token: int, due: float) -> None:
    """On the planned date: queue for the kind's capacity, then visit (unless the plan is stale).

    Callbacks (``sim.model.timers``) in the order a process would take these steps.
    """
    rules = world.policy.ofsted.rules
    if _stale(world, visitor, council, token) or rules.focused_visits is None:
        return
    granted = world.capacity.request(rules.focused_visits.kind, due, council.index, "focused")
    when(granted, lambda kind: _on_site(world, visitor, council, token, kind))


def _on_site(
    world: World, visitor: FocusedVisitor, council: Council, token: int, kind: str
) -> None:
    """Capacity granted: on site for the kind's length, then read (unless stale meanwhile)."""
    spec = world.policy.ofsted.rules.kinds.get(kind) if kind else None
    if spec is None or _stale(world, visitor, council, token):
        return  # the framework changed meanwhile, or the council was judged
    after(world.env, spec.onsite_months, lambda: _visited(world, visitor, council, token))


def _visited(world: World, visitor: FocusedVisitor, council: Council, token: int) -> None:
    if not _stale(world, visitor, council, token):
        found_weakness(world, council, _read(world, council))


def _stale(world: World, visitor: FocusedVisitor, council: Council, token: int) -> bool:
    timing = schedule(world, council)
    return (
        visitor.plans[council.index] != token
        or timing.inspection_underway
        or timing.interrupt_pending
        or council.judged == INADEQUATE
    )


def _read(world: World, council: Council) -> float:
    """A noisy reading of q on the framework's scale, from the visits' own stream."""
    _, noise = scale(world)
    return world.advance(council) + noise * world.draws(STREAM).normal(council.index)


def found_weakness(world: World, council: Council, reading: float) -> None:
    """Record the visit; serious weakness brings the graded inspection forward."""
    rules = world.policy.ofsted.rules.focused_visits
    cutpoints, _ = scale(world)
    weak = reading < cutpoints[0]
    rec = world.recorder
    rec.count("focused_visits", council.index)
    rec.log(world.env.now, council.name, "focused_visit", reading=round(reading, 4), weak=weak)
    if not weak:
        return
    rec.count("focused_visits_weak")
    if rules is None or not rules.brings_forward:
        return
    due, timing = world.env.now + rules.bring_forward_months, schedule(world, council)
    if due < timing.next_due:
        timing.next_due = due
        if interrupt_cycle(world, council, "reschedule"):
            rec.count("focused_visits_brought_forward")
