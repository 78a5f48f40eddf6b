"""Open interventions (cases) and the end of a commissioner's work.

Shared by the Department for Education (which opens and closes cases) and the
sponsors (a trust's start ends the commissioner's work), so neither imports the other.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from sim.model.council import Council
from sim.model.staffpool import Request

if TYPE_CHECKING:
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


def end_commissioner(world: World, council: Council) -> None:
    """The commissioner (or notice) leaves: count the months and free the commissioner."""
    world.set_uplift(council, "intervention", 0.0)
    case = world.cases.get(council.index)
    if case is None or case.request is None:
        return
    if case.appointed_at is not None:
        world.recorder.count("commissioner_months", amount=world.env.now - case.appointed_at)
    if case.request.triggered:
        world.commissioners.release(case.request)
    else:
        case.request.cancel()
    case.request, case.appointed_at = None, None
