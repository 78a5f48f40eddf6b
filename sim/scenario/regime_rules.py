"""The Department for Education's regime: directions, commissioners, the deadline, trusts.

Sources: the announcement of 14 December 2015 (six months to improve or be taken
over; trusts run by Partners in Practice and charities); the 2016 intervention
criteria (calibration/README.md "Rules of the regime"). No inadequate council was
ever re-graded by Ofsted within six months (the shortest gap was about 22
months), so the six-month test is a government review of the commissioner's
evidence, modelled as a noisy reading of the latent score, not an inspection.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator

from sim.scenario.fields import Frozen, assumption, check_year_month, fact, lever

PIP_SOURCE = "announcement of 14 Dec 2015: the six Partners in Practice"


class AnnouncedTrust(Frozen):
    """A trust the government directed for a named council, starting on a known date."""

    council: str = Field(description="Council, by name as in the councils table")
    at: str = Field(description="Month the trust took over the service [YYYY-MM]")
    sponsor: str = Field(description="The trust's name")

    _check_at = field_validator("at", mode="before")(check_year_month)


class Regime(Frozen):
    """What follows an inadequate judgement."""

    intervention: Literal["commissioner", "improvement_notice", "criteria"] = lever(
        "commissioner",
        unit="choice",
        description="On an inadequate judgement: a commissioner (reform), an improvement "
        "notice and adviser (pre-reform), or by the 2016 intervention criteria: a "
        "commissioner for persistent failure (persistent_failure_judgements in "
        "persistent_window_months) or systemic failure (systemic_failure_below), otherwise "
        "a notice and adviser (shared/data README 'Intervention criteria (2016)')",
    )
    systemic_failure_below: float | None = assumption(
        None,
        unit="score",
        description="With intervention 'criteria': a judgement whose reading is below this "
        "is systemic failure and brings a commissioner (null: only persistent failure does)",
        why="the 2016 criteria name systemic failure without a measure; none is assumed "
        "until calibrated (commissioners_jan2015_apr2016: 5 appointed in 16 months)",
        calibrate=True,
    )
    apply_to_existing: bool = lever(
        True,
        unit="on/off",
        description="Councils already inadequate at the start enter the regime at time 0",
    )
    commissioner_delay_months: float = assumption(
        1.0,
        unit="months",
        ge=0,
        le=24,
        description="From the judgement to the commissioner's appointment",
        why="Norfolk and Sandwell: announced 14 Dec 2015, in post January 2016",
        calibrate=True,
    )
    commissioners: int = lever(
        12,
        unit="people",
        ge=0,
        le=1000,
        description="Commissioners available at once (a council waits when all are busy)",
    )
    commissioner_uplift: float = assumption(
        0.3,
        unit="score",
        ge=-5,
        le=5,
        description="Rise in the council's long-run level while a commissioner is in post",
        why="new leadership; about a third of the spread of base levels; to be calibrated",
        calibrate=True,
    )
    notice_uplift: float = assumption(
        0.15,
        unit="score",
        ge=-5,
        le=5,
        description="Rise in the long-run level under an improvement notice and adviser",
        why="lighter-touch than a commissioner: half its uplift; to be calibrated",
        calibrate=True,
    )
    deadline_months: float | None = lever(
        6.0,
        unit="months",
        gt=0,
        le=120,
        description="Review of improvement this long after the judgement (null: no deadline, "
        "the pre-reform regime)",
    )
    improvement_rise: float = lever(
        0.3,
        unit="score",
        ge=0,
        le=10,
        description="Significant improvement: the review reading exceeds the baseline "
        "reading taken at the direction (not the judgement's own, low-selected score) by "
        "this much",
    )
    improvement_bar: float | None = lever(
        None,
        unit="score",
        description="Alternatively, a review reading at or above this score passes (null: off)",
    )
    review_measures: Literal["level", "score"] = lever(
        "level",
        unit="choice",
        description="What the review reads: the council's long-run level (leadership and "
        "systems, the capacity to improve a commissioner reports on) or its performance "
        "score q. Over six months q moves little (half-life ~14 months), so a review of q "
        "barely tells a working intervention from none",
    )
    review_noise_sd: float = assumption(
        0.3,
        unit="score",
        ge=0,
        le=5,
        description="Noise of the government review's reading (of the level or of q)",
        why="a desk review of the commissioner's evidence; less noisy than an inspection (0.4)",
        calibrate=True,
    )
    on_failure: Literal["takeover", "extend", "keep_commissioner"] = lever(
        "takeover", unit="choice", description="What a failed review leads to"
    )
    max_extensions: int = lever(
        1,
        unit="reviews",
        ge=0,
        le=20,
        description="With on_failure 'extend': further deadlines before a takeover",
    )
    persistent_failure_judgements: int | None = fact(
        2,
        unit="judgements",
        ge=2,
        le=10,
        description="This many inadequate judgements within the window lead to a takeover "
        "(null: never)",
        source="2016 intervention criteria: inadequate more than once in 5 years",
    )
    persistent_window_months: float = fact(
        60.0,
        unit="months",
        gt=0,
        le=240,
        description="Window for persistent failure",
        source="2016 intervention criteria: inadequate more than once in 5 years",
    )
    announced_trusts: list[AnnouncedTrust] = Field(
        default_factory=list,
        description="Trusts directed by name with their start month (e.g. Sunderland: "
        "Together for Children, April 2017); a synthetic population ignores them",
    )


class CouncilSponsor(Frozen):
    """A high-performing council (or group of councils) that can run trusts."""

    name: str = Field(description="Sponsor's name")
    councils: list[str] = Field(
        min_length=1, description="Member councils, by name as in the councils table"
    )


DEFAULT_COUNCIL_SPONSORS = [
    CouncilSponsor(name="North Yorkshire", councils=["North Yorkshire"]),
    CouncilSponsor(name="Hampshire", councils=["Hampshire"]),
    CouncilSponsor(
        name="Tri-borough",
        councils=["Westminster", "Kensington and Chelsea", "Hammersmith and Fulham"],
    ),
    CouncilSponsor(name="Leeds", councils=["Leeds"]),
    CouncilSponsor(name="Durham", councils=["Durham"]),
    CouncilSponsor(
        name="Richmond and Kingston", councils=["Richmond Upon Thames", "Kingston upon Thames"]
    ),
]


class Sponsors(Frozen):
    """Who can run trusts, how many, and in what order failing councils get them."""

    council_sponsors: list[CouncilSponsor] = fact(
        DEFAULT_COUNCIL_SPONSORS,
        unit="sponsors",
        description="High-performing councils that can run trusts",
        source=PIP_SOURCE,
    )
    capacity_per_sponsor: int = lever(
        1,
        unit="trusts",
        ge=1,
        le=1000,
        description="Trusts one sponsor can run at once",
    )
    initial_charities: int = lever(
        0,
        unit="sponsors",
        ge=0,
        le=1000,
        description="Charity or expert sponsors able to take a trust at the start",
    )
    charity_recruitment_rate: float = lever(
        0.1,
        unit="1/month",
        ge=0,
        le=100,
        description="New charity sponsors joining (the recruitment drive), as a Poisson rate",
    )
    charity_cap: int = lever(
        6,
        unit="sponsors",
        ge=0,
        le=1000,
        description="Most charity sponsors the drive recruits",
    )
    queue: Literal["fifo", "worst_first"] = lever(
        "fifo",
        unit="choice",
        description="Order in which councils that failed get a free sponsor",
    )
    min_sponsor_grade: Literal["requires_improvement", "good", "outstanding"] = assumption(
        "good",
        unit="grade",
        description="A council sponsor takes new work only while judged at least this",
        why="the Partners in Practice named by DfE on 14 Dec 2015 were high performers judged "
        "good or outstanding; that one stops taking new trusts below good is assumed",
    )
    load_penalty: float = assumption(
        0.1,
        unit="score",
        ge=0,
        le=5,
        description="Fall in a sponsor council's own long-run level per trust it runs",
        why="stretched leadership; Hampshire and Leeds ran one partnership at a time",
        calibrate=True,
    )


class Trusts(Frozen):
    """A takeover: set-up, the lift it gives, and when the service is handed back."""

    setup_months: float = assumption(
        6.0,
        unit="months",
        ge=0,
        le=60,
        description="From a sponsor being found to the trust starting",
        why="announcement: Norfolk and Sandwell to be taken over 'within a year' if needed",
        calibrate=True,
    )
    uplift: float = assumption(
        0.6,
        unit="score",
        ge=-5,
        le=5,
        description="Rise in the council's long-run level once the trust is fully in place",
        why="Doncaster: good 3.3 years after the trust started; Slough not good by 2025",
        calibrate=True,
    )
    ramp_months: float = assumption(
        24.0,
        unit="months",
        ge=0,
        le=120,
        description="Months over which the trust's uplift ramps in (monthly steps)",
        why="ISOS: a service takes about 2 years to improve",
    )
    min_months: float = assumption(
        36.0,
        unit="months",
        ge=0,
        le=240,
        description="Least time a trust runs before it can hand the service back",
        why="Doncaster's trust ran well beyond its first good judgement",
    )
    hand_back: bool = lever(
        True,
        unit="on/off",
        description="Hand the service back after the minimum once judged good or better "
        "(off: trusts are permanent)",
    )


class Costs(Frozen):
    """Unit costs (assumptions: the regime's costs were never published as unit costs) and
    the discount rate for present values (a fact: the Green Book's)."""

    commissioner_per_month_gbp: float = assumption(
        20_000.0,
        unit="GBP/month",
        ge=0,
        description="A commissioner in post",
        why="about 15 days a month at a senior interim day rate of about GBP 1,300",
    )
    trust_setup_gbp: float = assumption(
        2_000_000.0,
        unit="GBP",
        ge=0,
        description="One-off cost of setting up a trust",
        why="DfE set-up grants to the first trusts were in the low millions",
    )
    trust_per_month_gbp: float = assumption(
        100_000.0,
        unit="GBP/month",
        ge=0,
        description="Running cost of a trust over the council's own budget",
        why="sponsor management fee and improvement investment",
    )
    inspection_gbp: float = assumption(
        60_000.0,
        unit="GBP",
        ge=0,
        description="A graded inspection",
        why="a team of inspectors for several weeks",
    )
    monitoring_visit_gbp: float = assumption(
        8_000.0,
        unit="GBP",
        ge=0,
        description="A monitoring visit",
        why="two inspectors for two days with write-up",
    )
    discount_rate_per_year: float = fact(
        0.035,
        unit="1/year",
        ge=0,
        le=0.2,
        description="Discount rate for present values of costs (and, for the cost per "
        "child-year averted, of child-years), to the run's start; the Green Book's rate "
        "for years 0-30 (it declines to 3.0% for years 31-75: longer runs would need that)",
        source="HM Treasury, The Green Book (2022), Annex A6 Discounting, discount rate "
        "table: the standard social time preference rate, 3.5% a year for years 0-30",
    )
