"""Error models: how far a simulated target is from its observed value, in comparable units.

Each error model turns (observed values, simulated values) into a discrepancy that is
about chi-square distributed when the model is right, so targets of different kinds
add up in one distance:

- ``multinomial``: counts in categories (optionally ``groups`` of equal size, each its
  own multinomial, e.g. the rows of a transition matrix). The deviance
  ``2 sum x_k ln(x_k / (n p_k))`` of the observed counts ``x`` (total ``n``) against the
  simulated shares ``p`` (simulated counts + 0.5, so an empty cell is not infinitely far).
- ``binomial``: a share ``s`` of ``n``: the deviance
  ``2 n [s ln(s/p) + (1-s) ln((1-s)/(1-p))]``.
- ``median``: a median of ``n`` values with inter-quartile range ``iqr``: the normal
  approximation to its sampling error, ``se = 1.2533 (IQR / 1.349) / sqrt(n)``
  (sd of a median = sqrt(pi/2) sd / sqrt(n); IQR = 1.349 sd for a normal), then
  ``((sim - obs) / se)^2``.
- ``rate``: a rate (share, or per cent with ``scale``) over ``n``: sampling error
  ``sqrt(p (1-p) / n)``, combined with a ``floor`` sd for what the model cannot be
  expected to match (a census has almost no sampling error), ``((sim - obs) / se)^2``.
- ``normal``: a value with a stated ``sd``: ``((sim - obs) / sd)^2``.

A simulated value that is NaN (the statistic had nothing to measure) costs ``MISSING``.

**Simulator (Monte Carlo) error.** The simulated value is the mean of ``R`` common-
random-number replications, not the model's expectation. The observation is one
realisation of the process the model simulates, so if the error model's sampling
variance is one realisation's variance, the mean of R replications adds 1/R of it:
the observation's variance around the simulated mean is ``(1 + 1/R)`` times the
sampling variance (Kennedy & O'Hagan 2001 call this code uncertainty; it is what a
synthetic likelihood with R draws includes). Given ``replications``, ``discrepancy``
divides the count deviances (multinomial, binomial) by ``1 + 1/R`` and multiplies the
sampling variance of a median or rate target by it; a ``floor`` is model discrepancy
(what the model is not built to match), not sampling error, and is not inflated; a
``normal`` target's stated ``sd`` is taken as its whole error, Monte Carlo included.
The assumption: the model's replication-to-replication spread of a target is about
the error model's sampling spread (so for the grade counts and the median of a
well-specified model; the national rates' sampling error is tiny against their
floor, so the term hardly matters there).

**Model discrepancy.** Where the model is misspecified (its best fit is further from
a target than the target's sampling error allows), the error model can say so
(Kennedy & O'Hagan 2001): ``discrepancy`` is the variance of the model's error as a
multiple ``d`` of the sampling variance, so the sampling variance is multiplied by
``1 + d + 1/R`` in all (a count deviance divided by it: the quasi-likelihood of an
overdispersed multinomial, McCullagh & Nelder 1989, sec. 4.5). It is stated per
target in the spec, with the evidence for it; 0 (the default) is none.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

ErrorKind = Literal["multinomial", "binomial", "median", "rate", "normal"]
Floats = Sequence[float] | np.ndarray
MISSING = 25.0  # discrepancy of a target the replication could not measure (5 sd)
SD_PER_IQR = 1 / 1.349  # sd of a normal per unit of inter-quartile range
SE_MEDIAN = math.sqrt(math.pi / 2)  # sd of a sample median per sd / sqrt(n)


@dataclass(frozen=True)
class ErrorModel:
    """The error model of one target (see the module docstring for each kind).

    Attributes:
        kind: Which error model.
        n: Sample size behind the observed value (binomial, median, rate).
        iqr: Observed inter-quartile range (low, high) of the values (median).
        sd: Standard deviation of the observation (normal).
        floor: Smallest standard error, in the target's unit (rate, median, normal).
        scale: Unit of the rate: 1 for shares, 100 for per cent (rate).
        groups: Number of equal consecutive groups of ids, each a multinomial.
        discrepancy: Model discrepancy variance per unit of sampling variance.
    """

    kind: ErrorKind
    n: float | None = None
    iqr: tuple[float, float] | None = None
    sd: float | None = None
    floor: float = 0.0
    scale: float = 1.0
    groups: int = 1
    discrepancy: float = 0.0


def multinomial_deviance(observed: Sequence[float], simulated: Sequence[float]) -> float:
    """Deviance of observed counts against simulated counts' shares (0.5 added to each cell)."""
    x, c = np.asarray(observed, float), np.asarray(simulated, float) + 0.5
    n, p = x.sum(), c / c.sum()
    cells = x > 0
    return float(2.0 * np.sum(x[cells] * np.log(x[cells] / (n * p[cells]))))


def binomial_deviance(share: float, n: float, simulated: float) -> float:
    """Deviance of an observed share of ``n`` against a simulated probability."""
    p = min(max(simulated, 0.5 / n), 1 - 0.5 / n)
    total = 0.0
    for s, q in ((share, p), (1 - share, 1 - p)):
        if s > 0:
            total += s * math.log(s / q)
    return 2.0 * n * total


def variance_factor(model: ErrorModel, replications: int | None) -> float:
    """The sampling variance's multiple: 1 + discrepancy + 1/R (R: replications averaged)."""
    return 1.0 + model.discrepancy + (0.0 if replications is None else 1.0 / replications)


def standard_error(model: ErrorModel, observed: float, replications: int | None = None) -> float:
    """Standard error of one observed value under a median, rate or normal error model
    (a median's or rate's sampling error inflated by 1 + 1/R for a mean of R
    replications; a normal's stated sd as it is), with the floor."""
    if model.kind == "median":
        assert model.iqr is not None and model.n is not None  # checked by the spec
        se = SE_MEDIAN * (model.iqr[1] - model.iqr[0]) * SD_PER_IQR / math.sqrt(model.n)
    elif model.kind == "rate":
        assert model.n is not None
        p = observed / model.scale
        se = model.scale * math.sqrt(max(p * (1 - p), 0.0) / model.n)
    else:
        assert model.sd is not None
        return math.sqrt(model.sd**2 + model.floor**2)  # the stated sd is the whole error
    return math.sqrt(variance_factor(model, replications) * se**2 + model.floor**2)


def discrepancy(
    model: ErrorModel, observed: Floats, simulated: Floats, replications: int | None = None
) -> float:
    """The target's contribution to the distance (about chi-square when the model fits).

    Args:
        model: The target's error model.
        observed: Observed values.
        simulated: Simulated values: the mean of ``replications`` replications.
        replications: R, for the simulator's Monte Carlo error (None: none, the
            simulated values are taken as the model's expectation).
    """
    obs, sim = np.asarray(observed, float), np.asarray(simulated, float)
    if np.isnan(sim).any():
        return MISSING * len(obs) if model.kind not in ("multinomial",) else MISSING
    if model.kind == "multinomial":
        size = len(obs) // model.groups
        parts = [
            multinomial_deviance(list(obs[i : i + size]), list(sim[i : i + size]))
            for i in range(0, len(obs), size)
        ]
        return float(sum(parts)) / variance_factor(model, replications)
    if model.kind == "binomial":
        assert model.n is not None
        deviance = sum(binomial_deviance(o, model.n, s) for o, s in zip(obs, sim, strict=True))
        return float(deviance) / variance_factor(model, replications)
    return float(
        sum(
            ((s - o) / standard_error(model, o, replications)) ** 2
            for o, s in zip(obs, sim, strict=True)
        )
    )
