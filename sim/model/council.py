"""Council state and its exact transitions (pure functions, no SimPy).

Latent performance q follows an Ornstein-Uhlenbeck process towards a long-run
level m that is piecewise constant between events:

    dq = theta (m - q) dt + sigma dW

Over an interval dt with m fixed the transition is Gaussian with mean
``m + (q - m) exp(-theta dt)`` and variance ``sigma^2 (1 - exp(-2 theta dt)) / (2 theta)``,
so the model advances q exactly over any interval, never by small steps.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np
from scipy.special import ndtr, ndtri

from sim.scenario.schema import GRADES, Performance

INADEQUATE, REQUIRES_IMPROVEMENT, GOOD, OUTSTANDING = range(4)


def ou_variance_factor(theta: float, dt: float) -> float:
    """(1 - exp(-2 theta dt)) / (2 theta), which tends to dt as theta -> 0 (Brownian motion)."""
    if theta * dt < 1e-12:
        return dt
    return -math.expm1(-2.0 * theta * dt) / (2.0 * theta)


def ou_step(q: float, m: float, theta: float, sigma: float, dt: float, z: float) -> float:
    """Exact OU transition over ``dt`` months driven by a standard normal ``z``."""
    mean = m + (q - m) * math.exp(-theta * dt)
    return mean + sigma * math.sqrt(ou_variance_factor(theta, dt)) * z


def ou_moments(q: float, m: float, theta: float, sigma: float, dt: float) -> tuple[float, float]:
    """Closed-form mean and variance of q after ``dt`` months (for tests and the prior)."""
    return m + (q - m) * math.exp(-theta * dt), sigma**2 * ou_variance_factor(theta, dt)


def stationary_variance(theta: float, sigma: float) -> float:
    """Variance of q around a fixed m in the long run; 0 when theta is 0 (no stationary law)."""
    return sigma**2 / (2.0 * theta) if theta > 0 else 0.0


def grade_of(score: float, cutpoints: tuple[float, float, float]) -> int:
    """Grade index (0 inadequate .. 3 outstanding) of a score."""
    c1, c2, c3 = cutpoints
    if score < c1:
        return INADEQUATE
    if score < c2:
        return REQUIRES_IMPROVEMENT
    if score < c3:
        return GOOD
    return OUTSTANDING


def new_base_level(base: float, perf: Performance, z: float) -> float:
    """Base level after a leadership change: keeps the base levels' N(0, base_sd^2) law."""
    rho = perf.leadership_persistence
    return rho * base + math.sqrt(1.0 - rho * rho) * perf.base_sd * z


def truncated_standard_normal(low: float, high: float, u: float) -> float:
    """Inverse-CDF draw of N(0, 1) restricted to [low, high) from a uniform ``u``.

    An interval in the upper tail is mirrored into the lower tail, where the
    normal CDF keeps its precision.
    """
    if low > 0:
        return -truncated_standard_normal(-high, -low, 1.0 - u)
    p_low, p_high = float(ndtr(low)), float(ndtr(high))
    return float(ndtri(p_low + u * (p_high - p_low)))


def draw_given_grade(
    grade: int, perf: Performance, rng: np.random.Generator
) -> tuple[float, float, float]:
    """Draw (base level, q, judged score) on a judgement date, given the grade it gave.

    Prior: base ~ N(0, base_sd^2), q | base ~ N(base, stationary variance), and the
    judged score y = q + N(0, judgement_noise_sd^2) fell in the grade's interval.
    We draw y from its truncated marginal, then (base, q) from their Gaussian law
    given y.
    """
    y_sd, cross, chol = _prior(
        perf.base_sd, perf.reversion_rate, perf.volatility, perf.judgement_noise_sd
    )
    bounds = (-math.inf, *perf.cutpoints, math.inf)
    if y_sd == 0.0:
        return 0.0, 0.0, 0.0
    lo, hi = bounds[grade] / y_sd, bounds[grade + 1] / y_sd
    y = y_sd * truncated_standard_normal(lo, hi, float(rng.uniform()))
    mean = cross * y / y_sd**2
    base, q = mean + chol @ rng.standard_normal(2)
    return float(base), float(q), y


@functools.lru_cache(maxsize=64)
def _prior(
    base_sd: float, theta: float, sigma: float, noise_sd: float
) -> tuple[float, np.ndarray, np.ndarray]:
    """The sd of y, cov((base, q), y) and the Cholesky factor of cov((base, q) | y).

    The same for every council of a scenario: computed once per set of parameters
    (the arrays are read, never written).
    """
    tau2 = base_sd**2
    q_var = tau2 + stationary_variance(theta, sigma)
    y_sd = math.sqrt(q_var + noise_sd**2)
    if y_sd == 0.0:
        return y_sd, np.zeros(2), np.zeros((2, 2))
    cov = np.array([[tau2, tau2], [tau2, q_var]])
    cross = np.array([tau2, q_var])
    cond = cov - np.outer(cross, cross) / y_sd**2
    chol = np.linalg.cholesky(cond + 1e-12 * np.eye(2))
    cross.flags.writeable = chol.flags.writeable = False
    return y_sd, cross, chol


@dataclass(eq=False)
class Council:
    """One council's own state during a replication (owned by the World).

    Its size, latent score, latest published judgement and intervention status: what
    every institution reads. Each institution keeps its own per-council state in its
    own object (Ofsted's ``ofsted.Schedule``, the Department's cases and spells in
    ``cases.DepartmentState``, the workforce's ``staffing.Staffing``).
    """

    index: int
    name: str
    children_in_need: int
    base: float
    q: float
    q_time: float
    judged: int
    judged_at: float
    status: str = "none"
    status_since: float | None = None
    partner_in_practice: bool = False
    judgement_id: int = 0
    judged_score: float = math.nan
    framework: str = ""  # framework of the latest judgement ("" when unknown)

    @property
    def judged_name(self) -> str:
        return GRADES[self.judged]
