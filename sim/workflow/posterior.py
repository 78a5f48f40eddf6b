"""Parameter uncertainty in runs: one posterior particle per replication (``posterior`` mode).

With ``run.parameter_uncertainty: posterior`` each replication draws one particle
of the calibration's weighted posterior (``posterior.parquet`` beside the fitted
file), from its own seed stream ``SeedSequence(seed, spawn_key=(0, replication,
PARTICLE_STREAM))``, so every variant of a replication (and, in a sweep, every
point) runs with the same particle and paired differences stay paired. The
particle's values replace the fitted values in force: a path the scenario, the
variant or the sweep's point sets itself keeps its own value. Confidence intervals
then include parameter uncertainty (probabilistic sensitivity analysis). Which
particle each replication used is written to ``particles.csv``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from sim.errors import ScenarioError
from sim.experiments.tasks import Task, fingerprint
from sim.scenario.fitted import fitted_in_force
from sim.scenario.schema import Scenario
from sim.scenario.validation import get_path, with_overrides
from sim.scenario.yamlio import Marks

ScenarioOfTask = Callable[[Task], Scenario]
PARTICLE_STREAM = 1_000_003  # spawn-key entry of the particle draw, apart from the model's streams


@dataclass(frozen=True)
class ParticleDraws:
    """The posterior sample and the fitted paths it may change in this scenario."""

    sample: pd.DataFrame  # particle, weight, then one column per fitted path
    paths: tuple[str, ...]
    seed: int
    fitted: dict[str, float]  # path -> fitted value (a scenario holding another keeps it)

    @classmethod
    def of(cls, scenario: Scenario) -> ParticleDraws | None:
        """The draws of a ``posterior`` scenario, None for ``fixed``.

        Raises:
            ScenarioError: If the scenario names no fitted file with a posterior sample.
        """
        if scenario.run.parameter_uncertainty == "fixed":
            return None
        fitted = fitted_in_force(scenario)
        if fitted is None or fitted.posterior is None or not fitted.posterior.is_file():
            raise ScenarioError(
                "run.parameter_uncertainty: posterior needs `calibration:` naming a fitted "
                "file whose posterior sample exists",
                field="run.parameter_uncertainty",
            )
        sample = pd.read_parquet(fitted.posterior)
        paths = tuple(p for p in fitted.values if p in sample)
        values = {p: fitted.values[p].value for p in paths}
        return cls(sample, paths, scenario.run.seed, values)

    def particle(self, replication: int) -> int:
        """The particle of a replication (the same for every variant and sweep point)."""
        sequence = np.random.SeedSequence(self.seed, spawn_key=(0, replication, PARTICLE_STREAM))
        weights = self.sample["weight"].to_numpy(float)
        index = np.random.default_rng(sequence).choice(len(weights), p=weights / weights.sum())
        return int(self.sample["particle"].iloc[index])

    def values(self, replication: int) -> dict[str, float]:
        row = self.sample[self.sample["particle"] == self.particle(replication)].iloc[0]
        return {path: float(row[path]) for path in self.paths}

    def scenario(
        self, base: Scenario, replication: int, keep: Sequence[str] = ()
    ) -> Scenario:
        """A variant's (or sweep point's) scenario with the replication's particle applied
        to the fitted paths it still holds at their fitted value, except ``keep``."""
        overrides = {
            path: value for path, value in self.values(replication).items()
            if path not in keep and float(get_path(base, path)) == self.fitted[path]
        }
        return with_overrides(base, overrides, path=base.name, marks=Marks())

    def tasks(self, tasks: Sequence[Task], scenario_of: ScenarioOfTask) -> list[Task]:
        """The tasks with fingerprints of their particle's scenario (resume stays exact)."""
        return [dataclasses.replace(t, fingerprint=fingerprint(scenario_of(t))) for t in tasks]

    def write(self, directory: Path, replications: int) -> pd.DataFrame:
        """``particles.csv``: replication, particle and the values it set."""
        rows = [
            {"replication": r, "particle": self.particle(r), **self.values(r)}
            for r in range(replications)
        ]
        frame = pd.DataFrame(rows)
        frame.to_csv(directory / "particles.csv", index=False)
        return frame
