"""Leadership changes during the run: the drift of councils' base levels.

Each council's leadership changes as a Poisson process at
``world.performance.leadership_change_rate``; each change redraws its base level
with ``new_base_level`` (keeping the base levels' stationary law), so councils
that were not weak can become weak, and weak ones can recover, over the run.
The change times and their normal draws come up front from the ``leadership``
stream, so they do not depend on the policy (common random numbers across variants).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import simpy

from sim.model.council import new_base_level

if TYPE_CHECKING:
    from sim.model.world import World


def change_times(world: World) -> list[tuple[float, int, float]]:
    """Every (time, council, z) of a leadership change before the horizon, in time order."""
    rng = world.streams["leadership"]
    rate, horizon = world.params.performance.leadership_change_rate, world.horizon
    counts = rng.poisson(rate * horizon, size=len(world.councils))
    total = int(counts.sum())
    times = rng.uniform(0.0, horizon, size=total)
    draws = rng.standard_normal(total)
    owners = np.repeat(np.arange(len(world.councils)), counts)
    order = np.argsort(times, kind="stable")
    columns = times[order].tolist(), owners[order].tolist(), draws[order].tolist()
    return list(zip(*columns, strict=True))


def start(world: World) -> None:
    """Schedule the run's leadership changes."""
    world.env.process(leadership_changes(world, change_times(world)))


def leadership_changes(
    world: World, changes: list[tuple[float, int, float]]
) -> simpy.events.ProcessGenerator:
    """At each change, replace the council's base level (under the rules then in force)."""
    for time, index, z in changes:
        yield world.env.timeout(time - world.env.now)
        council = world.councils[index]
        base = new_base_level(council.base, world.params.performance, z)
        world.set_base(council, base)
        world.recorder.count("leadership_changes", index)
        if world.recorder.trace:
            world.recorder.log(
                world.env.now, council.name, "leadership_change", base=round(base, 4)
            )
