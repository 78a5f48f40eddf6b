"""Workforce sections: how councils' social-work vacancies move, and the graduate programmes.

``world.workforce`` (facts and assumptions) says how a council's vacancy rate
moves between events and how much it matters to performance; ``policy.programmes``
(levers) says how the fast-track money is spent (README: the workforce and the £100m).

The vacancy rate v of a council follows ``dv/dt = a - b v`` between events, with
leavers at a turnover rate tau and hires at a rate h per vacant post:
``a = tau - (1 - displacement) (tau + h) g`` and ``b = tau + h``, where g is the
share of posts held by programme graduates (who leave at their own rate). Each
council's own turnover comes from the data; its hiring rate is set so that its
reported vacancy rate is its steady state under its judgement at the start.
Judgements then move both rates by the national by-grade figures: a council
judged inadequate loses staff faster and recruits more slowly
(calibration_targets.csv ``wf_by_grade_*``, ILACS 2018-25).

Figures by grade are keyed by grade name and used only as ratios between
grades, so their level does not matter, only the gradient.
"""

from __future__ import annotations

import math
from typing import Literal

from pydantic import field_validator, model_validator

from sim.scenario.fields import GRADES, Frozen, assumption, fact, lever, setting

WF_BY_GRADE = (
    "calibration_targets.csv wf_by_grade_* (mean council figures before an ILACS "
    "judgement, 2018-25: Ofsted outcomes x DfE children's social work workforce)"
)
FRONTLINE_RETENTION = (
    "Frontline cohort 1: 29% had left social work within 36 months (DfE/Cardiff interim "
    "report via Community Care 24 Jul 2020; calibration_targets.csv "
    "frontline_c1_left_profession_36m), so -ln(0.71)/36 per month"
)
Allocation = Literal["uniform", "by_vacancies", "failing_first"]


def _check_grade_map(values: dict[str, float]) -> dict[str, float]:
    """A positive share below 1 for each grade (the ratios between grades are what is used)."""
    if set(values) != set(GRADES) or not all(0 < v < 1 for v in values.values()):
        raise ValueError(f"expected a share in (0, 1) for each of {', '.join(GRADES)}")
    return values


class WorkforceDynamics(Frozen):
    """How councils' vacancy rates move, and what vacancies do to performance."""

    turnover_by_grade: dict[str, float] = fact(
        {
            "inadequate": 0.184,
            "requires_improvement": 0.174,
            "good": 0.174,
            "outstanding": 0.152,
        },
        unit="share/year",
        description="Mean council turnover by judged grade; a council's own turnover is "
        "scaled by the ratio of its grade's figure to its starting grade's",
        source=f"{WF_BY_GRADE}: 15.2, 17.4, 17.4, 18.4 %",
    )
    vacancy_by_grade: dict[str, float] = fact(
        {
            "inadequate": 0.223,
            "requires_improvement": 0.201,
            "good": 0.187,
            "outstanding": 0.115,
        },
        unit="share",
        description="Mean council vacancy rate by judged grade; with turnover it gives the "
        "hiring rate by grade, h = turnover (1 - v) / v",
        source=f"{WF_BY_GRADE}: 11.5, 18.7, 20.1, 22.3 %",
    )
    turnover_scale: float = assumption(
        1.0,
        unit="multiplier",
        ge=0,
        le=10,
        description="Multiplies every council's turnover (0 stops all leaving)",
        why="1 keeps each council's reported turnover (DfE workforce, Sept 2017)",
    )
    hiring_scale: float = assumption(
        1.0,
        unit="multiplier",
        ge=0,
        le=10,
        description="Multiplies every council's hiring rate: the national supply of "
        "qualified social workers (0 stops all hiring; a timeline entry can tighten it)",
        why="1 keeps each council's reported vacancy rate as its steady state",
    )
    vacancy_floor: float = assumption(
        0.01,
        unit="share",
        gt=0,
        lt=1,
        description="Councils reporting a lower vacancy rate start at this one",
        why="a zero steady-state vacancy rate would need an infinite hiring rate; "
        "6 of 152 councils reported under 1% in 2017",
    )
    displacement: float = assumption(
        0.5,
        unit="fraction",
        ge=0,
        le=1,
        description="Share of a graduate in post that displaces a hire the council would "
        "otherwise have made: extra workers = (1 - displacement) x graduates in post "
        "(0: every graduate is an extra worker)",
        why="graduates join the same national supply councils hire from; the DfE series "
        "kept vacancies at 16.1-20.0% through 2018-22 (calibration_targets.csv "
        "csww_*_vacancy_pct) as 3,000 fast-track workers arrived; to be calibrated on it",
        calibrate=True,
    )
    missing_turnover: float = fact(
        0.134,
        unit="share/year",
        gt=0,
        lt=1,
        description="Turnover of a council that reports none (Derby, East Sussex, Kingston "
        "upon Hull, Isles of Scilly), so its vacancies still move",
        source="national FTE turnover rate, 30 Sept 2017: 13.4% (calibration_targets.csv "
        "csww_2017_turnover_pct)",
    )
    posts_growth_per_year: float = fact(
        0.0255,
        unit="1/year",
        ge=-0.5,
        le=0.5,
        description="Growth rate of funded posts (continuous; applied at month ends, new "
        "posts vacant)",
        source="FTE in post 28,483 (Sept 2017) to 33,119 (Sept 2023): ln(33119/28483)/6 "
        "(calibration_targets.csv csww_2017_fte, csww_2023_fte)",
    )
    outstanding_as_good: bool = assumption(
        True,
        unit="on/off",
        description="Staff of outstanding and good councils behave alike (the by-grade "
        "ratios use good's figures for outstanding)",
        why="the outstanding means come from few councils (n=50 inspections) whose lower "
        "vacancies are selection: scaling by them made losing outstanding the largest "
        "vacancy shock in the model (issue 9)",
    )
    agency_per_vacancy: float = assumption(
        0.78,
        unit="agency share per vacancy share",
        ge=0,
        le=5,
        description="Rise in a council's agency share per unit rise in its vacancy rate "
        "(agency staff cover vacancies)",
        why="slope of agency on vacancy rate across the 152 councils "
        "(councils_2015.csv, Sept 2017; correlation 0.74)",
    )
    vacancy_effect: float = assumption(
        1.75,
        unit="score per unit vacancy rate",
        ge=0,
        le=100,
        description="Fall in a council's long-run level m per unit rise in its vacancy "
        "rate above its starting rate",
        why="with agency_effect, the association of score with vacancy in the by-grade "
        "figures: 3.1 score per unit vacancy, taking each grade at its mean score on the "
        f"model's scale and a council vacancy sd of 0.11 ({WF_BY_GRADE}); an upper bound "
        "for the causal effect (failing also drives staff away), split half and half",
        calibrate=True,
    )
    agency_effect: float = assumption(
        1.75,
        unit="score per unit agency share",
        ge=0,
        le=100,
        description="Fall in m per unit rise in the agency share above its starting share",
        why="the other half of the by-grade association (agency moves with vacancies "
        "at agency_per_vacancy, so 1.75 + 0.78 x 1.75 = 3.1 per unit vacancy in all)",
        calibrate=True,
    )
    stabilising_statuses: tuple[str, ...] = assumption(
        ("trust", "trust_setup", "commissioner", "awaiting_sponsor"),
        unit="statuses",
        description="Intervention statuses under which staff stop leaving as from a "
        "failing council",
        why="new leadership and a plan lift the stigma of an inadequate judgement; a "
        "council waiting for (or setting up) its trust keeps its commissioner",
    )
    stabilised_grade: Literal["requires_improvement", "good"] = assumption(
        "requires_improvement",
        unit="grade",
        description="Under a stabilising status, turnover and hiring are at least those "
        "of this grade",
        why="a trust or commissioner steadies recruitment but does not make a good council",
    )

    _grades_t = field_validator("turnover_by_grade")(_check_grade_map)
    _grades_v = field_validator("vacancy_by_grade")(_check_grade_map)

    def hiring_by_grade(self) -> dict[str, float]:
        """Hiring rate per vacant post by grade (1/year): the steady state of each grade."""
        return {
            g: self.turnover_by_grade[g] * (1 - self.vacancy_by_grade[g]) / self.vacancy_by_grade[g]
            for g in GRADES
        }


class Scheme(Frozen):
    """One graduate programme: what a trainee costs, how long training takes, when cohorts start."""

    name: str = setting(..., unit="text", description="Programme name", min_length=1)
    budget_share: float = lever(
        ...,
        unit="fraction",
        ge=0,
        le=1,
        description="Share of the programmes' budget; the split between Frontline and "
        "Step Up was never published, so the default is half each",
    )
    cost_per_trainee_gbp: float = fact(
        ...,
        unit="GBP per qualified worker",
        gt=0,
        description="Gross cost to government per newly qualified social worker "
        "(bursary, tuition, programme costs, dropouts)",
        source="Frontline 45,323, Step Up 40,413 (DfE cost comparison 2016 via Community "
        "Care 30 Mar 2016; calibration_targets.csv cost_per_nqsw_*)",
    )
    bursary_gbp: float = fact(
        ...,
        unit="GBP per trainee",
        ge=0,
        description="Bursary, part of the cost, paid in equal monthly instalments over "
        "training (the rest is paid when the cohort starts)",
        source="Frontline about 19,000 for year 1 (Education Committee HC 201), Step Up "
        "19,833 over 14 months (calibration_targets.csv bursary_*)",
    )
    training_months: int = fact(
        ...,
        unit="months",
        ge=0,
        le=60,
        description="From the cohort's start to qualification, when graduates take posts",
        source="Frontline: 5-week summer institute then a 12-month placement, qualified "
        "after year 1, year 2 employed by the council (Community Care 30 Apr 2013); "
        "Step Up: qualified in 14 months (partnership pages)",
    )
    cohort_month: int = assumption(
        ...,
        unit="calendar month (1-12)",
        ge=1,
        le=12,
        description="Month each year's cohort starts",
        why="Frontline's summer institute starts in July; Step Up cohorts start in "
        "January (Wirral 2023, London partnership 2025). Step Up in fact runs every "
        "two years; the model runs a cohort each year from each year's budget",
    )
    leaving_rate: float = assumption(
        ...,
        unit="1/month",
        ge=0,
        le=1,
        description="Rate at which a qualified graduate leaves social work",
        why=f"{FRONTLINE_RETENTION}; no published figure for Step Up, so the same rate",
    )

    @model_validator(mode="after")
    def _bursary_within_cost(self) -> Scheme:
        if self.bursary_gbp > self.cost_per_trainee_gbp:
            raise ValueError(
                f"expected bursary_gbp <= cost_per_trainee_gbp, got {self.bursary_gbp} > "
                f"{self.cost_per_trainee_gbp}"
            )
        return self


LEAVING_RATE = -math.log(0.71) / 36.0
DEFAULT_SCHEMES = (
    Scheme(
        name="frontline",
        budget_share=0.5,
        cost_per_trainee_gbp=45_323,
        bursary_gbp=19_000,
        training_months=12,
        cohort_month=7,
        leaving_rate=LEAVING_RATE,
    ),
    Scheme(
        name="step_up",
        budget_share=0.5,
        cost_per_trainee_gbp=40_413,
        bursary_gbp=19_833,
        training_months=14,
        cohort_month=1,
        leaving_rate=LEAVING_RATE,
    ),
)


class Programmes(Frozen):
    """The fast-track graduate programmes and their budget (the £100m of January 2016).

    Each budget year's money is split between the schemes by their shares; a
    scheme's cohort that year is ``floor(its yearly budget / cost per trainee)``
    trainees, so spending never exceeds the budget. An empty ``schemes`` list or
    a zero budget means no programmes.
    """

    budget_gbp: float = lever(
        100_000_000,
        unit="GBP",
        ge=0,
        le=1e11,
        description="Total budget over the budget years, spread equally over them "
        "(announced: £100m over 5 years; calibration_targets.csv fasttrack_funding_2016_21_gbp)",
    )
    first_year: int = lever(
        2016,
        unit="calendar year",
        ge=1990,
        le=2100,
        description="First budget year (announced 14 Jan 2016 for 2016-2021)",
    )
    years: int = lever(5, unit="years", ge=1, le=50, description="Number of budget years")
    allocation: Allocation = lever(
        "by_vacancies",
        unit="choice",
        description="How qualified graduates are placed: uniform (equal numbers per "
        "council), by_vacancies (in proportion to vacant posts) or failing_first "
        "(inadequate councils first, then requires improvement, ..., by vacancies "
        "within a grade); never more than a council's vacant posts",
    )
    schemes: tuple[Scheme, ...] = lever(
        DEFAULT_SCHEMES,
        unit="list",
        description="The programmes funded (default Frontline and Step Up)",
    )

    @model_validator(mode="after")
    def _shares_and_names(self) -> Programmes:
        names = [s.name for s in self.schemes]
        if len(set(names)) != len(names):
            raise ValueError(f"expected distinct scheme names, got {names}")
        total = sum(s.budget_share for s in self.schemes)
        if self.schemes and abs(total - 1.0) > 1e-6:
            raise ValueError(f"expected scheme budget shares summing to 1, got {total:.6g}")
        return self

    def yearly_budget(self, scheme: Scheme) -> float:
        """One budget year's money for one scheme [GBP]."""
        return self.budget_gbp * scheme.budget_share / self.years

    @property
    def funded(self) -> bool:
        """Whether any scheme gets money (False is the world without programmes)."""
        return self.budget_gbp > 0 and any(s.budget_share > 0 for s in self.schemes)
