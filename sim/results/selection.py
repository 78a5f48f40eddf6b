"""Which variant is best: the KN++ fully sequential ranking-and-selection procedure.

Kim and Nelson's KN++ (Kim & Nelson 2006, "On the asymptotic validity of fully
sequential selection procedures for steady-state simulation", Operations Research
54(3); the procedure for independent replications with variance updates) selects
the best of k systems with probability at least ``1 - alpha`` whenever the best
is at least ``delta`` (the indifference zone) better than every other. It takes
``n0`` replications of every variant, then one more of each survivor at a time,
and eliminates variant i as soon as its mean falls behind another survivor's by
more than a margin that shrinks as replications accumulate:

    W_il(r) = max(0, delta / (2 r) * (h^2 S_il^2(r) / delta^2 - r)),
    h^2 = 2 eta (r - 1),  eta = ((2 beta)^(-2 / (r - 1)) - 1) / 2,  beta = alpha / (k - 1),

with ``S_il^2(r)`` the sample variance of the paired differences X_i - X_l over the
first r replications. Variants of a replication share common random numbers, so
those differences are far less noisy than either output, which is what makes
the procedure cheap here; sim-tools' ``KNPlusPlus`` sums the two variances
instead (no common random numbers) and drives the model one replication at a
time, so it does not fit a resumable, parallel results directory.

The procedure here is a replay: given the replications stored so far, it goes
stage by stage exactly as the sequential procedure would, so its decisions do
not depend on how many replications were run at once or on an interruption.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Screening:
    """Where a replay of KN++ stands.

    Attributes:
        survivors: Variants not eliminated, in input order.
        eliminated: Variant -> stage (replications of each) at which it was eliminated.
        stage: Replications per survivor the last screening used.
        done: True when one survivor is left (the selection).
    """

    survivors: tuple[str, ...]
    eliminated: dict[str, int]
    stage: int
    done: bool


def _h_squared(r: int, k: int, alpha: float) -> float:
    """KN++'s h^2 at stage r for k systems (c = 1, beta = alpha / (k - 1))."""
    beta = alpha / (k - 1)
    eta = 0.5 * ((2 * beta) ** (-2 / (r - 1)) - 1)
    return 2 * eta * (r - 1)


def _screen(
    values: dict[str, np.ndarray], alive: list[str], r: int, h2: float, delta: float
) -> list[str]:
    """One KN++ screening at stage r (larger is better): the survivors."""
    means = {v: float(values[v][:r].mean()) for v in alive}
    kept = []
    for i in alive:
        beaten = False
        for other in alive:
            if other == i:
                continue
            s2 = float(np.var(values[i][:r] - values[other][:r], ddof=1))
            margin = max(0.0, delta / (2 * r) * (h2 * s2 / delta**2 - r))
            if means[i] < means[other] - margin:
                beaten = True
                break
        if not beaten:
            kept.append(i)
    return kept


def kn_plus_plus(
    values: dict[str, np.ndarray],
    delta: float,
    alpha: float,
    first_stage: int,
    lower_is_better: bool = True,
) -> Screening:
    """Replay KN++ over the replications available, stage by stage from ``first_stage``.

    Args:
        values: Variant -> its outcome in replications 0, 1, ... (paired by index).
        delta: Indifference zone, in the outcome's unit (> 0).
        alpha: 1 - the probability of correct selection (0 < alpha < 1).
        first_stage: n0 >= 2, replications of every variant before the first screening.
        lower_is_better: Minimise the outcome (negated internally: KN++ maximises).

    Returns:
        The screening after the last stage every survivor has data for.
    """
    sign = -1.0 if lower_is_better else 1.0
    data = {v: sign * np.asarray(x, dtype=float) for v, x in values.items()}
    alive, eliminated, k = list(data), {}, len(data)
    if k == 1:
        return Screening(tuple(alive), {}, len(next(iter(data.values()))), True)
    r = first_stage
    while min(len(data[v]) for v in alive) >= r:
        kept = _screen(data, alive, r, _h_squared(r, k, alpha), delta)
        eliminated.update({v: r for v in alive if v not in kept})
        alive = kept
        if len(alive) == 1:
            return Screening(tuple(alive), eliminated, r, True)
        r += 1
    return Screening(tuple(alive), eliminated, r - 1, False)


def most_replications(k: int, alpha: float, first_stage: int, s2: float, delta: float) -> int:
    """Upper bound on the stages of KN++ given a variance of differences (for planning)."""
    h2 = _h_squared(first_stage, k, alpha)
    return max(first_stage, math.floor(h2 * s2 / delta**2) + 1)
