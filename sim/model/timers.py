"""Callbacks in place of short SimPy processes: the same events at the same places, fewer.

A process that only waits and then acts costs SimPy a ``Process``, a generator and
three events: its ``Initialize``, the wait, and its own end. ``soon`` runs an action
where such a process would take its first step (an urgent event now, made exactly as
SimPy's ``Initialize`` is), and ``after`` runs one after a delay (a ``Timeout`` with a
callback). A chain of them creates every event that matters at the same time, with
the same priority and in the same creation order as the process did, so SimPy breaks
every tie between equal times the same way and a run is byte-identical; only the
process's end event, which nothing waits for, is gone.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import simpy
from simpy.events import URGENT

Action = Callable[[], Any]


class _Soon(simpy.Event):
    """An event triggered as it is made, urgent (as ``simpy.events.Initialize``)."""

    def __init__(self, env: simpy.Environment, action: Action) -> None:
        # Event.__init__ inlined, as SimPy's own Initialize does
        self.env = env
        self.callbacks: list[Callable[[simpy.Event], None]] = [lambda _event: action()]
        self._value: Any = None
        self._ok = True
        env.schedule(self, URGENT)


def soon(env: simpy.Environment, action: Action) -> None:
    """Run ``action`` now, where a process started now would take its first step."""
    _Soon(env, action)


def after(env: simpy.Environment, delay: float, action: Action) -> None:
    """Run ``action`` ``delay`` months from now (as a process's ``yield env.timeout(delay)``)."""
    env.timeout(delay).callbacks.append(lambda _event: action())


def start_after(env: simpy.Environment, delay: float, action: Action) -> None:
    """What ``env.process`` does for a process whose first step is ``yield env.timeout(delay)``
    (``delay`` as it would be then: the same time, so the same state)."""
    soon(env, lambda: after(env, delay, action))


def when(event: simpy.Event, action: Callable[[Any], Any]) -> None:
    """Run ``action(value)`` when ``event`` (not yet processed) is (as ``value = yield event``)."""
    event.callbacks.append(lambda done: action(done.value))
