"""Ofsted's capacity: inspections of each kind that can start in each calendar month.

A kind's rate r (inspections per month) is its framework capacity times the
capacity multiplier, the operating share (0 in a pause) and the population's
size over the reference 152 councils. Month k allows
``floor((k + 1) r) - floor(k r)`` starts, so a fractional rate is honoured on
average and no month allows more than ``ceil(r)``. Unused starts do not carry
over. Requests that find the month's allowance used wait in a queue per kind,
most overdue first, and are granted at the next month with room; a change of
framework or of the operating share takes effect from the month it is dated
(the World opens each month's allowances after that month's timeline entries).
Monitoring visits are not limited (they are short and ungraded); focused visits
(``sim.model.focused``) queue for a kind of their own.
"""

from __future__ import annotations

import heapq
import itertools
import math
from collections import defaultdict
from typing import TYPE_CHECKING

import simpy

from sim.scenario.schema import GRADES

if TYPE_CHECKING:
    from sim.model.world import World


Entry = tuple[float, int, simpy.Event, int, str]  # due, order, event, council, purpose


class Capacity:
    """Monthly allowances of inspection starts by kind, and the queues waiting for them."""

    def __init__(self, world: World) -> None:
        self.world = world
        self.started: defaultdict[tuple[str, int], int] = defaultdict(int)
        self.waiting: defaultdict[str, list[Entry]] = defaultdict(list)
        self._order = itertools.count()
        self.opened = -1  # the latest month whose boundary (and timeline entries) is done
        self._allowed: dict[tuple[str, int], float] = {}  # allowances since the last open

    def open(self, month: int) -> None:
        """Month ``month``'s boundary is done (its timeline entries applied): grant its starts.

        Called by the World after the timeline, so a pause or a new framework dated at a
        month governs that month's first grants; a request made at the same instant before
        the boundary waits for it.
        """
        self.opened = month
        self._allowed = {}  # the rules change only at month boundaries, before this
        self.dispatch_all()

    def rate(self, kind: str) -> float:
        """Starts per month of a kind under the rules in force (inf when unlimited)."""
        ofsted = self.world.policy.ofsted
        spec = ofsted.rules.kinds[kind]
        if spec.capacity_per_month is None:
            return math.inf
        size = len(self.world.councils) / ofsted.reference_councils
        return spec.capacity_per_month * ofsted.capacity_multiplier * ofsted.operating_share * size

    def allowance(self, kind: str, month: int) -> float:
        """Starts month ``month`` allows for a kind."""
        rate = self.rate(kind)
        if math.isinf(rate):
            return math.inf
        return math.floor((month + 1) * rate + 1e-9) - math.floor(month * rate + 1e-9)

    def request(self, kind: str, due: float, council: int, purpose: str) -> simpy.Event:
        """An event that fires, with the kind granted, when an inspection may start.

        Most overdue first within a kind; ``purpose`` (routine, reinspection,
        emergency) says which kind to move to if the framework changes meanwhile.
        """
        event = self.world.env.event()
        heapq.heappush(self.waiting[kind], (due, next(self._order), event, council, purpose))
        self.dispatch(kind)
        return event

    def dispatch(self, kind: str) -> None:
        """Grant waiting requests of a kind while this month's allowance lasts."""
        month = math.floor(self.world.env.now + 1e-9)
        if month > self.opened:
            return  # the month's boundary has not run yet (see ``open``)
        queue = self.waiting[kind]
        if not queue:
            return  # nothing to grant (the allowance is worked out when a request comes)
        allowed = self._allowed.get((kind, month))
        if allowed is None:  # once per kind and month: the rules change only at boundaries
            allowed = self._allowed[(kind, month)] = self.allowance(kind, month)
        while queue and self.started[(kind, month)] < allowed:
            event = heapq.heappop(queue)[2]
            self.started[(kind, month)] += 1
            event.succeed(kind)

    def dispatch_all(self) -> None:
        for kind in list(self.waiting):
            if kind in self.world.policy.ofsted.rules.kinds:
                self.dispatch(kind)
            else:  # the framework changed: requests move to the new framework's kind
                self.rehome(kind)

    def _target(self, purpose: str, council: int) -> str | None:
        """The kind a queued request moves to under the new rules (None: dropped)."""
        if purpose == "focused":  # a focused visit (sim.model.focused), if the framework has them
            visits = self.world.policy.ofsted.rules.focused_visits
            return visits.kind if visits else None
        return kind_for(self.world, purpose, self.world.councils[council].judged)

    def rehome(self, kind: str) -> None:
        """Requests queued for a kind the new framework lacks move to the kind it gives
        their purpose (a routine inspection: by the council's grade)."""
        moved: set[str] = set()
        for entry in self.waiting.pop(kind):
            target = self._target(entry[4], entry[3])
            if target is None:  # a focused visit under a framework without them: dropped
                entry[2].succeed(None)
                continue
            heapq.heappush(self.waiting[target], entry)
            moved.add(target)
        for target in sorted(moved):
            self.dispatch(target)


def kind_for(world: World, purpose: str, grade: int) -> str:
    """The kind of inspection the framework in force uses for a purpose and grade."""
    rules = world.policy.ofsted.rules
    if purpose == "reinspection":
        return rules.reinspection_kind
    if purpose == "emergency":
        return rules.emergency_kind
    return rules.routine_kind[GRADES[grade]]
