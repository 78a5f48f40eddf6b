"""What an institution is to the World: one object with its own state and four hooks.

An institution (Ofsted, the Department for Education, the workforce) builds its
state in its module's ``start(world)``, schedules its processes there, and hands
the object to ``World.register``: the one point where institutions plug in. The
World then calls, in registration order:

- ``on_judgement`` after every published judgement;
- ``month_end`` at every month end inside the run, before the snapshot;
- ``reading`` at every snapshot (month 0 and each month end), with every
  council's true and judged grade, returning extra monthly columns;
- ``outcomes`` once at the end, returning extra outcomes (registered in ``OUTCOMES``).

Each hook does nothing unless the institution overrides it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from sim.model.council import Council
    from sim.model.world import World


class Institution:
    """Base of every institution: a name and hooks that do nothing by default."""

    name = "institution"

    def on_judgement(self, world: World, council: Council, previous: int, kind: str) -> None:
        """A judgement was just published for ``council`` (``previous``: its grade before)."""

    def month_end(self, world: World) -> None:
        """Work dated at a month end (every council's score is up to date)."""

    def reading(
        self, world: World, month: int, truly: np.ndarray, judged: np.ndarray
    ) -> dict[str, float]:
        """Monthly columns at a snapshot, given every council's true and judged grade."""
        return {}

    def outcomes(self, world: World) -> dict[str, float]:
        """End-of-run outcomes."""
        return {}
