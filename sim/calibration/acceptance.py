"""Exact ABC under the targets' error models: a likelihood kernel and a planned temperature.

Why not a shrinking distance threshold. With a threshold set to a quantile of the
last generation's distances, every generation narrows the posterior towards the
parameter vector whose common-random-number replications happen to fit best,
however little the targets say about it: the interval reflects the budget, not the
data. On the frameworks model the small recovery case showed it (the SIF noise is
barely identified by its targets, yet three generations excluded its known value).

Instead, the distance is read as what the error models make it (``sim.calibration
.loss``: each target's discrepancy is a deviance, minus twice a log-likelihood
ratio), so ``exp(-D / 2)`` is the likelihood of the observations given the
simulated means. pyABC's ``StochasticAcceptor`` accepts a particle with probability
``exp((log L - log L_max) / T)`` and importance-weights it (Wilkinson 2013; Schälte
& Hasenauer 2020, "Efficient exact inference for dynamical systems with noisy
measurements using sequential approximate Bayesian computation"). At temperature 1
the weighted sample is the posterior under the error models; earlier generations run
hotter to move the proposals there.

The temperature schedule is ours rather than pyABC's adaptive ``Temperature``, whose
state lives in memory: each generation is run by a fresh ``ABCSMC`` loaded from the
history (so that a killed fit resumes exactly), so the schedule must follow from
the history alone. Generation 0's temperature makes the prior sample's expected
acceptance ``TARGET_ACCEPTANCE``; each later one decays geometrically so that the
spec's last generation runs at exactly 1 (pyABC's ``ExpDecayFixedIterScheme``).

Why the acceptance used to collapse near T = 1, and the normalisation. The acceptance
probability is ``exp((log L - c) / T)`` for a normalisation ``c``; pyABC's default
``c`` is the largest log-likelihood found so far. The log-likelihood is estimated
from a few replications, so it is noisy (at the shipped fit's values, D of two
replications has sd 6.8 from Monte Carlo error alone: 3.4 log-units), and the
largest value found among hundreds of evaluations is a lucky one, several log-units
above what any proposal typically reaches: at T = 1 almost nothing is accepted. Any
``c`` gives an exact sample, because pyABC's ``StochasticAcceptor`` accepts with
``min(1, r)`` and weights an accepted particle by ``max(1, r)``, ``r = exp((log L -
c) / T)`` (rejection control, Liu 2001: the accepted, weighted density is the
proposal times r, whatever c). ``ControlledAcceptor`` therefore sets ``c`` to the
last population's largest log-likelihood less ``T ln ACCEPTANCE_BOOST``: acceptance
up to that factor higher, weights at most that factor uneven (for proposals no better
than the last population's best); the price is uneven weights (the effective sample
size, reported by generation), not bias.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd
import pyabc
from pyabc.distance import SCALE_LOG
from pyabc.epsilon.temperature import match_acceptance_rate

TARGET_ACCEPTANCE = 0.3  # generation 0: expected share of the prior sample accepted
# later generations: how much the normalisation may raise acceptance above that at the
# best value of the last population (and so the most a rejection-control weight adds).
# A first try aimed at a mean acceptance of 0.5 instead: it lowered c by many units and
# left an effective sample size of 1.4 of 60 (one lucky particle carried the weight).
ACCEPTANCE_BOOST = 4.0


class DevianceKernel(pyabc.distance.StochasticKernel):
    """log-likelihood = -D / 2, D the sum of the targets' weighted discrepancies."""

    def __init__(self, deviance: Callable[[dict[str, Any]], float]) -> None:
        super().__init__(ret_scale=SCALE_LOG, pdf_max=0.0)
        self.deviance = deviance

    def __call__(
        self, x: dict[str, Any], x_0: dict[str, Any], t: int | None = None, par: Any = None
    ) -> float:
        return -0.5 * self.deviance(x)


class PlannedTemperature(pyabc.epsilon.TemperatureBase):
    """Temperatures from the history: T_0 from the prior sample, then decay to 1.

    Args:
        generations: The spec's number of generations (the last runs at T = 1).
        previous: Temperatures of the generations already in the history, in order.
    """

    def __init__(self, generations: int, previous: Sequence[float]) -> None:
        self.generations = generations
        self.temperatures: dict[int, float] = dict(enumerate(previous))

    def requires_calibration(self) -> bool:
        return not self.temperatures  # only generation 0 needs the prior sample

    def is_adaptive(self) -> bool:
        return False

    def initialize(
        self,
        t: int,
        get_weighted_distances: Callable[[], pd.DataFrame],
        get_all_records: Callable[[], list[dict]],
        max_nr_populations: int,
        acceptor_config: dict,
    ) -> None:
        self.temperatures[t] = self._next(t, get_weighted_distances, acceptor_config)

    def update(
        self,
        t: int,
        get_weighted_distances: Callable[[], pd.DataFrame],
        get_all_records: Callable[[], list[dict]],
        acceptance_rate: float,
        acceptor_config: dict,
    ) -> None:
        self.temperatures[t] = self._next(t, get_weighted_distances, acceptor_config)

    def planned(self, t: int) -> float | None:
        """Generation t's temperature if it follows from the earlier ones (t > 0), else None."""
        if t >= self.generations - 1:
            return 1.0
        if t == 0 or t - 1 not in self.temperatures:
            return None
        to_go = self.generations - t
        return max(self.temperatures[t - 1] ** ((to_go - 1) / to_go), 1.0)

    def _next(
        self, t: int, get_weighted_distances: Callable[[], pd.DataFrame], config: dict
    ) -> float:
        planned = self.planned(t)
        if planned is None:
            frame = get_weighted_distances()
            weights = np.asarray(frame["w"], float)
            found = match_acceptance_rate(
                weights / weights.sum(), np.asarray(frame["distance"], float),
                config["pdf_norm"], config["kernel_scale"], TARGET_ACCEPTANCE,
            )
            return max(float(found), 1.0)
        return planned

    def __call__(self, t: int) -> float:
        return self.temperatures[t]


def bounded_normalisation(log_likelihoods: np.ndarray, temperature: float, boost: float) -> float:
    """The normalisation ``c = max l - T ln(boost)``: acceptance up to ``boost`` times
    that at the largest log-likelihood of the last population, and a rejection-control
    weight of at most ``boost`` for a proposal no better than that largest one.

    Args:
        log_likelihoods: The last population's log-likelihoods l (-D / 2).
        temperature: The new generation's temperature T.
        boost: The factor K >= 1 (1: pyABC's default, the largest value found).
    """
    return float(np.max(log_likelihoods)) - temperature * math.log(boost)


class ControlledAcceptor(pyabc.StochasticAcceptor):
    """pyABC's stochastic acceptor with a rejection-control normalisation (see above).

    Generation 0 uses the largest log-likelihood found (its temperature is chosen to
    accept ``TARGET_ACCEPTANCE`` of the prior sample); every later generation's
    normalisation is ``bounded_normalisation`` of the last population at the planned
    temperature. It follows from the history alone, so a resumed fit agrees.

    Args:
        temperature: The fit's planned temperature schedule.
        boost: The most the normalisation raises acceptance (and a weight) by.
    """

    def __init__(self, temperature: PlannedTemperature, boost: float = ACCEPTANCE_BOOST):
        super().__init__()
        self.schedule, self.boost = temperature, boost

    def _update(
        self,
        t: int,
        get_weighted_distances: Callable[[], pd.DataFrame],
        prev_temp: float | None = None,
        acceptance_rate: float = 1.0,
    ) -> None:
        planned = self.schedule.planned(t)
        if planned is None:
            super()._update(t, get_weighted_distances, prev_temp, acceptance_rate)
            return
        frame = get_weighted_distances()
        self.pdf_norms[t] = bounded_normalisation(
            frame["distance"].to_numpy(float), planned, self.boost
        )
        self.log(t)
