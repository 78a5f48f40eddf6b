"""ABC-SMC with pyABC, one generation at a time, so that a killed fit resumes exactly.

pyABC (``pyabc.ABCSMC``) does the inference: priors, perturbation kernels, importance
weights, stochastic acceptance and the SQLite history. We give it the model (an
``Evaluator`` averaging common-random-number replications), the likelihood kernel
(``exp(-D/2)``, D the sum of the targets' weighted discrepancies, ``sim.calibration
.loss``), a temperature schedule that ends at 1 (``sim.calibration.acceptance``: the
last generation is the posterior under the error models, not an ever narrower
threshold) and a single-core sampler, so particles are proposed in a fixed order
while each particle's replications run in parallel.

pyABC draws from NumPy's global random state; before each generation it is seeded
from the spec's seed and the generation number, and each generation is run by a
fresh ``ABCSMC`` loaded from the history. An uninterrupted fit and one killed
(even mid-generation: the unfinished generation is simply not in the history) and
resumed therefore take the same path and give the same posterior.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyabc

from sim import __version__
from sim.calibration.acceptance import ControlledAcceptor, DevianceKernel, PlannedTemperature
from sim.calibration.evaluate import Evaluator, combine, seed_keys, with_parameters
from sim.calibration.loss import discrepancy
from sim.calibration.spec import Calibration
from sim.errors import ResultsError
from sim.experiments.executors import Execution
from sim.scenario.councils import load_councils

log = logging.getLogger(__name__)
HISTORY = "history.db"
IDENTITY = "calibration.json"
GENERATION_SEED_SALT = 0xABC  # separates pyABC's seeds from the replications' seeds


@dataclass(frozen=True)
class FitState:
    """Where a fit stands after a generation (for progress and the stop rules)."""

    generation: int
    epsilon: float  # the generation's temperature (1: the posterior under the error models)
    evaluations: int
    acceptance_rate: float
    seconds: float


Progress = Callable[[FitState], None]


def observed_statistics(cal: Calibration) -> dict[str, np.ndarray]:
    """The observed value of every target, keyed like the simulated ones."""
    return {
        t.name: np.array([cal.observed[i] for i in t.ids], dtype=float)
        for t in cal.spec.targets
    }


def target_discrepancies(cal: Calibration, simulated: dict[str, Any]) -> dict[str, float]:
    """Each target's weighted discrepancy between observed and simulated means (of the
    spec's replications: their Monte Carlo error is part of the error model)."""
    observed = observed_statistics(cal)
    reps = cal.spec.replications
    return {
        t.name: t.weight
        * discrepancy(t.error.model(), observed[t.name], simulated[t.name], reps)
        for t in cal.spec.targets
    }


def deviance_of(cal: Calibration) -> Callable[[dict[str, Any]], float]:
    """The distance D: the sum of the targets' weighted discrepancies (-2 log-likelihood)."""

    def deviance(simulated: dict[str, Any]) -> float:
        return float(sum(target_discrepancies(cal, simulated).values()))

    return deviance


def parameter_names(cal: Calibration) -> list[str]:
    return [p.path for p in cal.spec.parameters]


def prior_of(cal: Calibration) -> pyabc.Distribution:
    """pyABC's prior: independent scipy.stats uniform or loguniform marginals."""
    rvs = {}
    for p in cal.spec.parameters:
        low, high = p.prior.low, p.prior.high
        if p.prior.distribution == "uniform":
            rvs[p.path] = pyabc.RV("uniform", low, high - low)
        else:
            rvs[p.path] = pyabc.RV("loguniform", low, high)
    return pyabc.Distribution(**rvs)


def model_of(cal: Calibration, evaluator: Evaluator) -> Callable[[Any], dict[str, Any]]:
    """pyABC's model: a parameter vector -> the mean and replications of every statistic."""
    keys = seed_keys(cal.spec.seed, cal.spec.replications)
    names = parameter_names(cal)

    def model(parameter: Any) -> dict[str, Any]:
        scenario = with_parameters(cal.base, {n: float(parameter[n]) for n in names})
        return combine(evaluator.run(scenario, keys))

    return model


def generation_seed(seed: int, generation: int) -> int:
    """Seed of NumPy's global state for one generation (pyABC draws from it)."""
    entropy = np.random.SeedSequence([seed, GENERATION_SEED_SALT, generation])
    return int(entropy.generate_state(1)[0])


def temperatures(history: pyabc.History | None) -> list[float]:
    """The temperatures of the generations stored so far, in order."""
    if history is None or history.max_t is None or history.max_t < 0:
        return []
    pops = history.get_all_populations()
    return [float(e) for e in pops[pops["t"] >= 0].sort_values("t")["epsilon"]]


def _abcsmc(
    cal: Calibration, evaluator: Evaluator, history: pyabc.History | None
) -> pyabc.ABCSMC:
    budget = cal.spec.budget
    schedule = PlannedTemperature(budget.generations, temperatures(history))
    return pyabc.ABCSMC(
        model_of(cal, evaluator),
        prior_of(cal),
        DevianceKernel(deviance_of(cal)),
        population_size=budget.population,
        eps=schedule,
        acceptor=ControlledAcceptor(schedule),
        sampler=pyabc.sampler.SingleCoreSampler(check_max_eval=True),
    )


def identity(cal: Calibration) -> dict[str, Any]:
    """What must match for a directory's history to be continued (the budget may grow)."""
    return {
        "kind": "calibration",
        "model_version": __version__,
        "targets_sha256": cal.targets_hash,
        "spec": cal.spec.model_dump(mode="json", exclude={"budget"}),
    }


def prepare(cal: Calibration, directory: Path, resume: bool) -> bool:
    """Create or check the directory; True if a history is there to continue."""
    marker, db = directory / IDENTITY, directory / HISTORY
    if marker.exists():
        stored = json.loads(marker.read_text())
        if stored != identity(cal):
            raise ResultsError(
                f"{directory}: holds a calibration of another spec, targets file or model "
                "version; use another --out"
            )
        if not resume:
            raise ResultsError(f"{directory}: a calibration is already there; add --resume")
        return db.exists()
    if resume:
        raise ResultsError(f"{directory}: no calibration to resume; run without --resume")
    directory.mkdir(parents=True, exist_ok=True)
    marker.write_text(json.dumps(identity(cal), indent=2, sort_keys=True))
    return False


def _state(history: pyabc.History, began: float) -> FitState:
    populations = history.get_all_populations()
    last = populations[populations["t"] >= 0].iloc[-1]
    rate = history.get_nr_particles_per_population().iloc[-1] / max(float(last["samples"]), 1)
    return FitState(
        int(last["t"]), float(last["epsilon"]), int(history.total_nr_simulations),
        float(rate), time.perf_counter() - began,
    )


def _should_stop(cal: Calibration, state: FitState | None) -> bool:
    budget = cal.spec.budget
    if state is None:
        return False
    # a low acceptance rate does not stop the fit: the temperature must still reach 1;
    # a generation is capped instead (population / min_acceptance_rate evaluations)
    return (
        state.generation + 1 >= budget.generations
        or state.evaluations >= budget.max_evaluations
    )


def _one_generation(
    cal: Calibration, evaluator: Evaluator, history: pyabc.History | None, url: str
) -> tuple[pyabc.History, bool]:
    """Run the next generation with a fresh ``ABCSMC`` (seeded from the spec's seed and
    the generation number); the history and whether a generation was stored."""
    abc = _abcsmc(cal, evaluator, history)
    if history is None:
        history = abc.new(url, observed_statistics(cal))
    else:
        abc.load(url, 1)
    before = abc.history.max_t
    np.random.seed(generation_seed(cal.spec.seed, before + 1))
    history = abc.run(
        max_nr_populations=1, min_acceptance_rate=cal.spec.budget.min_acceptance_rate
    )
    if history.max_t == before:  # the generation hit the acceptance floor: not stored
        log.warning("generation %d accepted too few particles; stopping", before + 1)
        return history, False
    return history, True


def run_fit(
    cal: Calibration,
    directory: Path,
    execution: Execution,
    *,
    resume: bool = False,
    progress: Progress | None = None,
) -> pyabc.History:
    """Run (or continue) ABC-SMC generations until the spec's budget says stop.

    Raises:
        ResultsError: If the directory holds another calibration, or --resume finds none,
            or no generation could be completed within the budget.
    """
    logging.getLogger("ABC").setLevel(logging.WARNING)
    began = time.perf_counter()
    exists = prepare(cal, directory, resume)
    url = f"sqlite:///{(directory / HISTORY).resolve()}"
    with Evaluator(load_councils(), cal.spec.targets, execution) as evaluator:
        history = pyabc.History(url, _id=1) if exists else None
        stored = -1 if history is None or history.max_t is None else int(history.max_t)
        state = _state(history, began) if history is not None and stored >= 0 else None
        while not _should_stop(cal, state):
            history, stored_one = _one_generation(cal, evaluator, history, url)
            if not stored_one:
                break
            state = _state(history, began)
            log.info("generation %d: temperature %.3g", state.generation, state.epsilon)
            if progress is not None:
                progress(state)
    assert history is not None
    if history.max_t is None or history.max_t < 0:
        raise ResultsError(
            f"{directory}: the first generation accepted fewer than {cal.spec.budget.population}"
            f" particles in population / min_acceptance_rate evaluations; lower "
            "budget.min_acceptance_rate or give more generations (the first then runs hotter)"
        )
    return history
