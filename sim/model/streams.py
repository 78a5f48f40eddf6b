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
)


@dataclass(frozen=True)
class SeedKey:
    """Identifies one replication's randomness: scenario seed, sweep point, replication."""

    seed: int
    point: int
    replication: int

    def sequence(self, name: str) -> np.random.SeedSequence:
        """The seed sequence of one named stream."""
        index = STREAM_NAMES.index(name)
        return np.random.SeedSequence(self.seed, spawn_key=(self.point, self.replication, index))


class Streams:
    """One ``numpy.random.Generator`` per named source of randomness."""

    def __init__(self, key: SeedKey) -> None:
        self.key = key
        self._generators = {
            name: np.random.default_rng(key.sequence(name)) for name in STREAM_NAMES
        }

        self._per_council: dict[tuple[str, int], np.random.Generator] = {}

    def __getitem__(self, name: str) -> np.random.Generator:
        return self._generators[name]

    def council(self, name: str, index: int) -> np.random.Generator:
        """A council's own sub-stream of a named stream.

        A council's k-th judgement (or review, or jitter) uses the k-th draw of its own
        sub-stream, so a policy that changes what happens to one council does not shift
        the draws every other council sees: the common random numbers stay common.
        """
        key = (name, index)
        if key not in self._per_council:
            base = self.key.sequence(name)
            sequence = np.random.SeedSequence(base.entropy, spawn_key=(*base.spawn_key, index))
            self._per_council[key] = np.random.default_rng(sequence)
        return self._per_council[key]
