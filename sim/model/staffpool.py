"""A pool of people (commissioners) whose number may change during a run.

SimPy fixes a resource's capacity when it is made; a timeline changes the number
of inspection teams mid-run (0 pauses inspections from March 2020). This small
pool keeps its own count and its own queue instead: requests are served by
priority, then by the time they were made, then first come first served (the
order of SimPy's ``PriorityResource``); a smaller number lets work under way
finish and makes new requests wait; a larger one serves the queue at once.
"""

from __future__ import annotations

import heapq
from itertools import count
from typing import Any

import simpy


class Request(simpy.Event):
    """A request for one person: triggered when granted; released (or withdrawn) on exit."""

    def __init__(self, pool: StaffPool, key: tuple[Any, float, int]) -> None:
        super().__init__(pool.env)
        self.pool, self.key = pool, key
        self.withdrawn = False

    def __enter__(self) -> Request:
        return self

    def __exit__(self, kind: type[BaseException] | None, *rest: object) -> None:
        if kind is not GeneratorExit:  # not when the run ends with the process still waiting
            self.pool.release(self)

    def cancel(self) -> None:
        """Withdraw the request, or give the person back if it was granted."""
        self.pool.release(self)


class StaffPool:
    """``size`` people serving requests by (priority, request time, arrival).

    Attributes:
        capacity: How many people there are now.
        users: Requests being served.
        peak: Most requests served at once so far.
    """

    def __init__(self, env: simpy.Environment, size: int) -> None:
        self.env, self.capacity = env, size
        self.users: list[Request] = []
        self.peak = 0
        self._waiting: list[tuple[tuple[Any, float, int], Request]] = []
        self._arrivals = count()

    @property
    def count(self) -> int:
        """Requests being served now (as SimPy's ``Resource.count``)."""
        return len(self.users)

    @property
    def queue(self) -> list[Request]:
        """Requests still waiting, in the order they will be served."""
        return [r for _, r in sorted(self._waiting, key=lambda item: item[0]) if not r.withdrawn]

    def request(self, priority: Any = 0) -> Request:
        """Ask for one person; lower ``priority`` values are served first."""
        request = Request(self, (priority, self.env.now, next(self._arrivals)))
        heapq.heappush(self._waiting, (request.key, request))
        self.serve()
        return request

    def release(self, request: Request) -> None:
        """Give a person back (or withdraw a request not yet granted)."""
        if request in self.users:
            self.users.remove(request)
            self.serve()
        else:
            request.withdrawn = True

    def set_capacity(self, size: int) -> None:
        """Change the number of people from now on."""
        self.capacity = size
        self.serve()

    def serve(self) -> None:
        """Grant waiting requests while people are free."""
        while self._waiting and len(self.users) < self.capacity:
            _, request = heapq.heappop(self._waiting)
            if request.withdrawn:
                continue
            self.users.append(request)
            self.peak = max(self.peak, len(self.users))
            request.succeed()
