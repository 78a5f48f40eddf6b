"""The Department for Education's own state: open interventions, spells, the sponsor pool.

Shared by the Department for Education (which opens and closes cases, ``sim.model.dfe``)
and the sponsors (a trust's start ends the commissioner's work, ``sim.model.sponsors``),
so neither imports the other. ``dfe.start`` builds the state and registers it with
``World.register``; ``department(world)`` finds it again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sim.model.council import INADEQUATE, Council
from sim.model.institution import Institution
from sim.model.staffpool import Request

if TYPE_CHECKING:
    from sim.model.sponsors import SponsorPool
    from sim.model.world import World


@dataclass(eq=False)
class Case:
    """An open intervention: the judgement that opened (or renewed) it, its baseline reading
    (``score``, what the review measures improvement against) and its commissioner."""

    judgement: int
    score: float
    extensions: int = 0
    request: Request | None = None
    appointed_at: float | None = None


@dataclass(eq=False)
class Spell:
    """A council's inadequate spells as the Department counts them.

    Attributes:
        inadequate_times: When each inadequate judgement was published (months; for
            persistent failure).
        start: When the current inadequate spell began (None: not inadequate).
        recovered: Whether the council has left an inadequate spell (a new one is a relapse).
    """

    inadequate_times: list[float] = field(default_factory=list)
    start: float | None = None
    recovered: bool = False


def starting_spell(council: Council) -> Spell:
    """A council judged inadequate at the start is in a spell since that judgement."""
    if council.judged == INADEQUATE:
        return Spell([council.judged_at], council.judged_at)
    return Spell()


class DepartmentState(Institution):
    """The Department for Education's state in one replication (its hooks: ``dfe.Department``).

    Attributes:
        cases: Each council's open intervention, by council index.
        spells: Each council's inadequate spells, by council index.
        pool: The sponsors and the queue of councils waiting for one.
    """

    name = "dfe"

    def __init__(self, spells: list[Spell], pool: SponsorPool) -> None:
        self.cases: dict[int, Case] = {}
        self.spells = spells
        self.pool = pool


def department(world: World) -> DepartmentState:
    """The Department's state in a world (registered by ``dfe.start``)."""
    return world.institutions[DepartmentState.name]  # type: ignore[return-value]  # no cast() call: hot


def end_commissioner(world: World, council: Council) -> None:
    """The commissioner (or notice) leaves: count the months and free the commissioner."""
    world.set_uplift(council, "intervention", 0.0)
    case = department(world).cases.get(council.index)
    if case is None or case.request is None:
        return
    if case.appointed_at is not None:
        world.recorder.count("commissioner_months", amount=world.env.now - case.appointed_at)
    if case.request.triggered:
        world.commissioners.release(case.request)
    else:
        case.request.cancel()
    case.request, case.appointed_at = None, None
