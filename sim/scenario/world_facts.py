"""World sections of a scenario: the councils, their performance and concern signals.

The latent performance scale is set so that judged scores are roughly N(0, 1)
across councils: the default cutpoints are the normal quantiles of the first
SIF judgements of all 152 councils (33 inadequate, 65 requires improvement,
51 good, 3 outstanding; calibration_targets.csv ``sif_first_*``).
"""

from __future__ import annotations

from typing import Literal

from pydantic import field_validator

from sim.scenario.fields import GRADES, SIF_SOURCE, Frozen, assumption, fact, setting


class Population(Frozen):
    """Which councils the world starts with."""

    source: Literal["england_2015", "synthetic"] = setting(
        "england_2015",
        unit="choice",
        description="The 152 real councils on 14 Dec 2015, or N synthetic councils",
    )
    councils: int = setting(
        152, unit="count", description="Number of synthetic councils", ge=1, le=100_000
    )
    grade_shares: dict[str, float] = fact(
        {
            "inadequate": 20 / 152,
            "requires_improvement": 77 / 152,
            "good": 52 / 152,
            "outstanding": 3 / 152,
        },
        unit="share",
        description="Judged-grade distribution of synthetic councils at time 0",
        source="councils_2015.csv (20 I, 77 RI, 52 G, 3 O on 14 Dec 2015)",
    )
    judgement_age_max_months: float = assumption(
        48.0,
        unit="months",
        description="Synthetic councils' last judgement is uniformly 0 to this many months old",
        why="the real judgements on 14 Dec 2015 were 0 to 57 months old",
        gt=0,
    )

    @field_validator("grade_shares")
    @classmethod
    def _shares_cover_grades(cls, shares: dict[str, float]) -> dict[str, float]:
        if set(shares) != set(GRADES) or any(v < 0 for v in shares.values()):
            raise ValueError(f"expected a non-negative share for each of {', '.join(GRADES)}")
        if abs(sum(shares.values()) - 1.0) > 1e-6:
            raise ValueError(f"expected shares summing to 1, got {sum(shares.values()):.4f}")
        return shares


class Performance(Frozen):
    """The latent performance score q of each council: an exact Ornstein-Uhlenbeck process."""

    reversion_rate: float = assumption(
        0.05,
        unit="1/month",
        ge=0,
        le=5,
        description="Ornstein-Uhlenbeck pull of q towards its long-run level m (theta)",
        why="half-life of about 14 months; ISOS: core systems take 6-12 months, a service 2 years",
        calibrate=True,
    )
    volatility: float = assumption(
        0.1414,
        unit="score/sqrt(month)",
        ge=0,
        le=5,
        description="Ornstein-Uhlenbeck volatility of q (sigma)",
        why="stationary spread around m of 0.45 with theta 0.05; to be calibrated",
        calibrate=True,
    )
    base_sd: float = assumption(
        0.8,
        unit="score",
        ge=0,
        le=5,
        description="Spread of councils' own base levels",
        why="with the OU spread and judgement noise gives judged scores of variance 1",
        calibrate=True,
    )
    judgement_noise_sd: float = assumption(
        0.4,
        unit="score",
        ge=0,
        le=5,
        description="Noise of an inspection judgement or monitoring reading around q",
        why="judgements are noisy readings; to be calibrated on the transition matrix",
        calibrate=True,
    )
    cutpoints: tuple[float, float, float] = fact(
        (-0.782, 0.371, 2.06),
        unit="score",
        description="Score cutpoints: inadequate < c1 <= RI < c2 <= good < c3 <= outstanding",
        source=f"normal quantiles of the first-SIF shares 0.217, 0.645, 0.980; {SIF_SOURCE}",
    )
    leadership_change_rate: float = assumption(
        1 / 36,
        unit="1/month",
        ge=0,
        le=5,
        description="Rate of leadership changes, each redrawing the council's base level",
        why="directors of children's services change about every 3 years",
        calibrate=True,
    )
    leadership_persistence: float = assumption(
        0.6,
        unit="fraction",
        ge=0,
        le=1,
        description="Weight of the old base level in the new one after a leadership change",
        why="a new leader inherits much of the service; keeps base levels stationary",
        calibrate=True,
    )

    @field_validator("cutpoints")
    @classmethod
    def _increasing(cls, cuts: tuple[float, float, float]) -> tuple[float, float, float]:
        if not cuts[0] < cuts[1] < cuts[2]:
            raise ValueError(f"expected increasing cutpoints c1 < c2 < c3, got {list(cuts)}")
        return cuts


class Signals(Frozen):
    """Concern signals: whistle-blowers, serious incidents, evidence of poor leadership."""

    rate_at_inadequate: float = assumption(
        0.05,
        unit="1/month",
        ge=0,
        le=10,
        description="Signal rate of a council whose q sits at the inadequate cutpoint",
        why="a borderline council draws a serious concern about every 20 months",
        calibrate=True,
    )
    slope: float = assumption(
        1.5,
        unit="1/score",
        ge=0,
        le=10,
        description="Rate multiplies by exp(slope) for each unit q falls",
        why="failing services generate far more complaints and serious incidents",
        calibrate=True,
    )
    max_rate: float = assumption(
        1.0,
        unit="1/month",
        gt=0,
        le=100,
        description="Cap on the signal rate (keeps very low scores finite)",
        why="no more than about one serious signal a month reaches Ofsted",
    )
