"""Ofsted policy sections: inspection frameworks, capacity and sharper triggers.

An inspection framework is a named part of a scenario (``policy.ofsted.frameworks``)
with its own rules (who is inspected when, by which kind of inspection, how long
on site, monitoring of inadequate councils, the minimum time to a re-grade) and
its own judgement scale (cutpoints and noise). ``policy.ofsted.framework`` names
the one in force; a timeline entry switches it (SIF to December 2017, ILACS from
January 2018). A modeller defines a new framework in YAML under ``frameworks``.

Capacity is what Ofsted can start per calendar month by kind of inspection, for
England's 152 councils; it scales with the number of councils, with
``capacity_multiplier`` (a lever: a larger or smaller inspectorate, what sweeps
vary) and with ``operating_share`` (dated facts: 0 during the 2020-21 pause, a
share during the phased restart), so a timeline can pause Ofsted without
undoing a swept capacity.
"""

from __future__ import annotations

from pydantic import Field, model_validator

from sim.scenario.fields import GRADES, SIF_SOURCE, Frozen, assumption, fact, lever

WEEKS_PER_MONTH = 52.0 / 12.0
FRAMEWORKS_SOURCE = "calibration/README.md 'Rules of the regime'; calibration_targets.csv"


class Cadence(Frozen):
    """Months from a judgement to the next graded inspection, by that judgement."""

    outstanding: float = fact(
        36.0, unit="months", gt=0, le=1200, description="After outstanding",
        source="SIF and ILACS: about every 3 years",
    )  # fmt: skip
    good: float = fact(
        36.0, unit="months", gt=0, le=1200, description="After good",
        source="SIF and ILACS: about every 3 years",
    )  # fmt: skip
    requires_improvement: float = fact(
        36.0, unit="months", gt=0, le=1200, description="After requires improvement",
        source="SIF and ILACS: about every 3 years",
    )  # fmt: skip
    inadequate: float = fact(
        30.0, unit="months", gt=0, le=1200,
        description="Scheduled re-inspection after inadequate (before jitter)",
        source="ILACS: re-inspection about 2.5 years after the judgement; "
        "SIF re-inspections: median 32.6 months (calibration_targets.csv)",
    )  # fmt: skip


class InspectionKind(Frozen):
    """One kind of graded inspection: how long it is on site and how many can start a month."""

    onsite_weeks: float = fact(
        4.0, unit="weeks", gt=0, le=52,
        description="On site, from start to the published judgement",
        source="SIF 4 weeks; ILACS short 1, standard 2 (calibration_targets.csv)",
    )  # fmt: skip
    capacity_per_month: float | None = assumption(
        None, unit="inspections/month", ge=0, le=10_000,
        description="Inspections of this kind Ofsted can start per month for 152 councils "
        "(null: unlimited)",
        why="graded inspections published per year (calibration_targets.csv fy_*_graded: "
        "37-40 a year in 2014-16) split by kind; to be calibrated",
        calibrate=True,
    )  # fmt: skip

    @property
    def onsite_months(self) -> float:
        return self.onsite_weeks / WEEKS_PER_MONTH


class JudgementScale(Frozen):
    """How a framework grades a reading of q: cutpoints and the noise of its readings."""

    cutpoints: tuple[float, float, float] = assumption(
        (-0.782, 0.371, 2.06), unit="score",
        description="Score cutpoints: inadequate < c1 <= RI < c2 <= good < c3 <= outstanding",
        why=f"normal quantiles of the framework's grade shares; {SIF_SOURCE}",
        calibrate=True,
    )  # fmt: skip
    noise_sd: float = assumption(
        0.4, unit="score", ge=0, le=5,
        description="Noise of the framework's judgements and monitoring readings around q",
        why="judgements are noisy readings; to be calibrated on the transition matrices",
        calibrate=True,
    )  # fmt: skip

    @model_validator(mode="after")
    def _increasing(self) -> JudgementScale:
        c = self.cutpoints
        if not c[0] < c[1] < c[2]:
            raise ValueError(f"expected increasing cutpoints c1 < c2 < c3, got {list(c)}")
        return self


class FocusedVisits(Frozen):
    """Ungraded focused visits between graded inspections (ILACS), and what they lead to.

    A council that is not judged inadequate (inadequate councils get monitoring visits)
    is visited once between two graded inspections, at ``share_of_interval`` of the way
    from its latest judgement (or from the framework's start, for a council judged under
    another) to its next due date. The visit is a noisy reading on the framework's scale
    and uses Ofsted capacity of its own kind. A reading below the inadequate cutpoint
    (serious weakness) brings the graded inspection forward to ``bring_forward_months``
    after the visit.
    """

    kind: str = fact(
        "focused", unit="kind", description="Kind (under the framework's kinds) whose "
        "capacity and on-site length a focused visit uses",
        source="ILACS (from Jan 2018): focused visits between inspections (shared/data README)",
    )  # fmt: skip
    share_of_interval: float = assumption(
        0.5, unit="share", gt=0, lt=1,
        description="Where between the latest judgement and the next due date the visit falls",
        why="ILACS has focused visits 'between' graded inspections; when is not in the data: "
        "midway is an assumption",
        calibrate=True,
    )  # fmt: skip
    min_months_from_inspection: float = assumption(
        6.0, unit="months", ge=0, le=120,
        description="No focused visit within this long of a graded inspection, before or after",
        why="a visit just before or after a graded inspection tells Ofsted nothing new; "
        "an assumption",
        calibrate=True,
    )  # fmt: skip
    brings_forward: bool = assumption(
        True, unit="on/off",
        description="A focused visit that finds serious weakness (a reading below the "
        "inadequate cutpoint) brings the next graded inspection forward",
        why="not in shared/data: the ILACS framework lets Ofsted bring a standard inspection "
        "forward after a focused visit raises serious concern; modelled as an assumption",
    )  # fmt: skip
    bring_forward_months: float = assumption(
        3.0, unit="months", ge=0, le=60,
        description="From a focused visit that finds serious weakness to the graded "
        "inspection it brings forward (it then queues for its kind's capacity)",
        why="not in the data; an assumption to be calibrated",
        calibrate=True,
    )  # fmt: skip


class Framework(Frozen):
    """An inspection framework's rules and judgement scale."""

    one_pass: bool = fact(
        False, unit="on/off",
        description="Each council gets one routine inspection under this framework: a council "
        "already judged under it is not routinely inspected again (only re-inspected if "
        "inadequate)",
        source="SIF (Nov 2013 - Dec 2017): every council inspected once in the cycle",
    )  # fmt: skip
    cadence: Cadence = Field(default_factory=Cadence)
    cadence_jitter_months: float = fact(
        6.0, unit="months", ge=0, le=60,
        description="Routine inspections fall uniformly this far either side of the due date",
        source="ILACS: about every 3 years, within 6 months either side",
    )  # fmt: skip
    reinspection_jitter_months: float = assumption(
        4.0, unit="months", ge=0, le=60,
        description="Scheduled re-inspections fall uniformly this far either side of theirs",
        why="SIF re-inspections: IQR 29.3-36.0 months around the median 32.6",
        calibrate=True,
    )  # fmt: skip
    routine_kind: dict[str, str] = fact(
        dict.fromkeys(GRADES, "routine"), unit="kind by grade",
        description="Kind of a routine inspection, by the council's current grade",
        source="ILACS: short for good/outstanding, standard for the others",
    )  # fmt: skip
    reinspection_kind: str = fact(
        "reinspection", unit="kind", description="Kind of a re-inspection of an inadequate "
        "council", source="ILACS: a standard re-inspection",
    )  # fmt: skip
    emergency_kind: str = fact(
        "emergency", unit="kind", description="Kind of an emergency inspection on a signal",
        source="2015 announcement: sharper triggers",
    )  # fmt: skip
    kinds: dict[str, InspectionKind] = Field(
        default_factory=lambda: {
            "routine": InspectionKind(capacity_per_month=4.0),
            "reinspection": InspectionKind(capacity_per_month=1.5),
            "emergency": InspectionKind(capacity_per_month=1.0),
        },
        description="Kinds of graded inspection: on-site weeks and monthly capacity",
    )
    min_regrade_inadequate_months: float = fact(
        22.0, unit="months", ge=0, le=240,
        description="No graded inspection of an inadequate council sooner than this after "
        "the judgement",
        source="calibration_targets.csv: the shortest gap from an inadequate judgement to "
        "the next graded judgement was about 22 months",
    )  # fmt: skip
    early_reinspection_min_months: float = assumption(
        24.0, unit="months", ge=0, le=240,
        description="Earliest re-inspection when monitoring shows improvement (at least "
        "min_regrade_inadequate_months)",
        why="SIF re-inspections came 24-42 months after the first (calibration_targets.csv)",
        calibrate=True,
    )  # fmt: skip
    improvement_readings: int = assumption(
        3, unit="visits", ge=1, le=100,
        description="Consecutive monitoring readings at or above the inadequate cutpoint "
        "that bring the re-inspection forward",
        why="one good reading brought most re-inspections to the earliest date; SIF "
        "re-inspections came a median 32.6 months after the first (IQR 29.3-36.0)",
        calibrate=True,
    )  # fmt: skip
    monitoring_interval_months: float = fact(
        3.0, unit="months", gt=0, le=60,
        description="Months between monitoring visits to an inadequate council",
        source="SIF: quarterly monitoring visits (calibration_targets.csv sif_mv_frequency)",
    )  # fmt: skip
    monitoring_max_visits: int = fact(
        6, unit="visits", ge=0, le=100, description="Monitoring visits per inadequate judgement",
        source="SIF: up to 6 quarterly monitoring visits",
    )  # fmt: skip
    focused_visits: FocusedVisits | None = Field(
        default=None,
        description="Ungraded focused visits between graded inspections (null: none; "
        "ILACS has them)",
    )
    scale: JudgementScale | None = Field(
        None,
        description="The framework's judgement scale (null: the world's, "
        "world.performance.cutpoints and judgement_noise_sd)",
    )

    @model_validator(mode="after")
    def _consistent(self) -> Framework:
        named = [*self.routine_kind.values(), self.reinspection_kind, self.emergency_kind]
        named += [self.focused_visits.kind] if self.focused_visits else []
        unknown = sorted(set(named) - set(self.kinds))
        if unknown:
            raise ValueError(f"kinds {unknown} are used but not defined under kinds")
        if set(self.routine_kind) != set(GRADES):
            raise ValueError(f"expected routine_kind for each of {', '.join(GRADES)}")
        if self.early_reinspection_min_months < self.min_regrade_inadequate_months:
            raise ValueError(
                "expected early_reinspection_min_months >= min_regrade_inadequate_months"
            )
        return self


def sif() -> Framework:
    """The single inspection framework (Nov 2013 - Dec 2017)."""
    return Framework(one_pass=True, cadence=Cadence(inadequate=32.6), scale=None)


def ilacs() -> Framework:
    """Inspecting local authority children's services (from January 2018).

    Its scale: the normal quantiles of the first-ILACS grade shares in the latest-SIF
    -> first-ILACS matrix (calibration_targets.csv tm_sif_ilacs1_*: 19 I, 48 RI, 59 G,
    24 O of 150), a starting point for calibration (the scores moved between them).
    """
    short, standard = InspectionKind(onsite_weeks=1.0), InspectionKind(onsite_weeks=2.0)
    return Framework(
        routine_kind={
            "inadequate": "standard",
            "requires_improvement": "standard",
            "good": "short",
            "outstanding": "short",
        },
        kinds={
            "short": short.model_copy(update={"capacity_per_month": 2.5}),
            "standard": standard.model_copy(update={"capacity_per_month": 2.5}),
            "reinspection": standard.model_copy(update={"capacity_per_month": 1.5}),
            "emergency": standard.model_copy(update={"capacity_per_month": 1.0}),
            "focused": InspectionKind(
                onsite_weeks=0.4,  # 2 working days (assumption, like capacity below)
                capacity_per_month=3.5,  # about one visit per council per 3-year interval
            ),
        },
        focused_visits=FocusedVisits(),
        scale=JudgementScale(cutpoints=(-1.14, -0.13, 0.99)),
    )


class OfstedPolicy(Frozen):
    """Which framework is in force, the frameworks a scenario knows, and Ofsted's capacity."""

    framework: str = lever(
        "SIF", unit="name", description="The inspection framework in force (a timeline entry "
        "switches it: ILACS from 2018-01)",
    )  # fmt: skip
    frameworks: dict[str, Framework] = Field(
        default_factory=lambda: {"SIF": sif(), "ILACS": ilacs()},
        description=f"Named inspection frameworks ({FRAMEWORKS_SOURCE})",
    )
    capacity_multiplier: float = lever(
        1.0, unit="multiplier", ge=0, le=10_000,
        description="Multiplies every kind's monthly capacity: a larger or smaller inspectorate",
    )  # fmt: skip
    operating_share: float = fact(
        1.0, unit="share", ge=0, le=1,
        description="Share of capacity working (0: inspections paused; a dated fact in a "
        "timeline, so a pause keeps a swept capacity_multiplier)",
        source="Ofsted suspended routine inspection on 17 March 2020; graded inspections "
        "resumed in spring 2021",
    )  # fmt: skip
    reference_councils: int = fact(
        152, unit="councils", ge=1,
        description="Councils the monthly capacities are stated for; a population of N "
        "councils gets N / reference_councils of them",
        source="councils_2015.csv: 152 councils with children's services in 2015",
    )  # fmt: skip

    @model_validator(mode="after")
    def _known_framework(self) -> OfstedPolicy:
        if self.framework not in self.frameworks:
            known = ", ".join(self.frameworks) or "none"
            raise ValueError(f"framework {self.framework!r} is not defined (frameworks: {known})")
        return self

    @property
    def rules(self) -> Framework:
        """The framework in force."""
        return self.frameworks[self.framework]


class SharperTriggers(Frozen):
    """Emergency inspections on concern signals (the 2015 announcement's sharper triggers)."""

    enabled: bool = lever(True, unit="on/off", description="Signals can trigger an inspection")
    act_probability: float = lever(
        0.3,
        unit="probability",
        ge=0,
        le=1,
        description="Chance a signal leads to an emergency inspection",
    )
    lead_time_months: float = lever(
        1.0,
        unit="months",
        ge=0,
        le=60,
        description="From signal to the emergency inspection's start",
    )
    min_gap_months: float = lever(
        12.0,
        unit="months",
        ge=0,
        le=240,
        description="No emergency inspection within this long of a graded inspection",
    )
