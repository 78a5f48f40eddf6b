"""Named random streams derived from one seed.

Every source of randomness in the model draws from its own stream, so that a
change in one mechanism (a policy that triggers more inspections, say) does not
shift the draws of another (the councils' drift). Variants of a scenario share
the same streams for a replication: that is what makes their paired
comparison a comparison under common random numbers.

Streams are derived as ``SeedSequence(seed, spawn_key=(point, replication, i))``
for the i-th name in ``STREAM_NAMES``. New streams must be appended to the
tuple: the index of an existing name never changes, so its draws never change.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

STREAM_NAMES: tuple[str, ...] = (
    "population",  # starting scores, synthetic councils
    "drift",  # month-grid shocks of the latent performance process
    "drift_within_month",  # shocks between a month boundary and an event
    "leadership",  # leadership-change times and new base levels
    "judgements",  # inspection and monitoring noise
    "signals",  # concern-signal candidate times and acceptance
    "schedule",  # inspection scheduling jitter
    "regime",  # Department for Education decisions and reviews
    "sponsors",  # sponsor recruitment and trust set-up
    "workforce",  # vacancies, graduate allocation and attrition
    "focused_visits",  # readings of ILACS focused visits
)


@dataclass(frozen=True)
class SeedKey:
    """Identifies one replication's randomness: scenario seed, sweep point, replication."""

    seed: int
    point: int
    replication: int

    def sequence(self, name: str, *child: int) -> np.random.SeedSequence:
        """The seed sequence of one named stream, or of its child ``child`` (a council's
        sub-stream, a cohort's: the spawn key extended, as ``SeedSequence.spawn`` would)."""
        index = STREAM_NAMES.index(name)
        spawn_key = (self.point, self.replication, index, *child)
        return np.random.SeedSequence(self.seed, spawn_key=spawn_key)


class CouncilDraws:
    """One named stream's draws council by council: council i's k-th draw is fixed.

    The first ``BLOCK`` standard normals and uniforms of every council come from
    one block drawn at once (cheap for many councils); a council that needs more
    continues on its own sub-stream (``Streams.council``). Either way, what a
    council draws never depends on what other councils drew.

    The block's generator draws the normals first, then the uniforms; nothing else
    draws from it, so the uniforms are drawn only when first needed (the same values),
    and a council's row becomes a list of floats only when it first draws (most
    streams use one kind, and some only a few councils).
    """

    BLOCK = 32

    def __init__(self, streams: Streams, name: str, councils: int) -> None:
        self._streams, self._name, self._councils = streams, name, councils
        self._rng = np.random.default_rng(streams.key.sequence(name, 2**32 - 1))
        self._normal_block = self._rng.standard_normal((councils, self.BLOCK))
        self._uniform_block: np.ndarray | None = None
        self._normals: list[list[float] | None] = [None] * councils
        self._uniforms: list[list[float] | None] = [None] * councils
        self._used_normal = [0] * councils
        self._used_uniform = [0] * councils

    def normal(self, i: int) -> float:
        """Council i's next standard normal."""
        k = self._used_normal[i]
        self._used_normal[i] = k + 1
        if k >= self.BLOCK:
            return float(self._streams.council(self._name, i).standard_normal())
        row = self._normals[i]
        if row is None:
            row = self._normals[i] = self._normal_block[i].tolist()
        return row[k]

    def uniform(self, i: int) -> float:
        """Council i's next uniform on [0, 1)."""
        k = self._used_uniform[i]
        self._used_uniform[i] = k + 1
        if k >= self.BLOCK:
            return float(self._streams.council(self._name, i).uniform())
        row = self._uniforms[i]
        if row is None:
            if self._uniform_block is None:  # after the normals, as if drawn with them
                self._uniform_block = self._rng.uniform(size=(self._councils, self.BLOCK))
            row = self._uniforms[i] = self._uniform_block[i].tolist()
        return row[k]


class Streams:
    """One ``numpy.random.Generator`` per named source of randomness."""

    def __init__(self, key: SeedKey) -> None:
        self.key = key
        self._generators: dict[str, np.random.Generator] = {}  # made on first use
        self._per_council: dict[tuple[str, int], np.random.Generator] = {}
        self._draws: dict[str, CouncilDraws] = {}

    def __getitem__(self, name: str) -> np.random.Generator:
        rng = self._generators.get(name)
        if rng is None:
            rng = self._generators[name] = np.random.default_rng(self.key.sequence(name))
        return rng

    def draws(self, name: str, councils: int) -> CouncilDraws:
        """Council-by-council draws of a named stream (see ``CouncilDraws``)."""
        draws = self._draws.get(name)
        if draws is None:
            draws = self._draws[name] = CouncilDraws(self, name, councils)
        return draws

    def council(self, name: str, index: int) -> np.random.Generator:
        """A council's own sub-stream of a named stream.

        A council's k-th judgement (or review, or jitter) uses the k-th draw of its own
        sub-stream, so a policy that changes what happens to one council does not shift
        the draws every other council sees: the common random numbers stay common.
        """
        key = (name, index)
        rng = self._per_council.get(key)
        if rng is None:
            rng = self._per_council[key] = np.random.default_rng(self.key.sequence(name, index))
        return rng
