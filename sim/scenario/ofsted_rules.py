"""Ofsted policy sections: inspection capacity, cadence, monitoring and sharper triggers."""

from __future__ import annotations

from pydantic import Field

from sim.scenario.fields import Frozen, assumption, fact, lever


class Cadence(Frozen):
    """Months from a judgement to the next routine inspection, by that judgement."""

    outstanding: float = fact(
        36.0,
        unit="months",
        gt=0,
        le=240,
        description="After outstanding",
        source="SIF and ILACS: about every 3 years",
    )
    good: float = fact(
        36.0,
        unit="months",
        gt=0,
        le=240,
        description="After good",
        source="SIF and ILACS: about every 3 years",
    )
    requires_improvement: float = fact(
        36.0,
        unit="months",
        gt=0,
        le=240,
        description="After requires improvement",
        source="SIF and ILACS: about every 3 years",
    )
    inadequate: float = fact(
        30.0,
        unit="months",
        gt=0,
        le=240,
        description="Scheduled re-inspection after inadequate",
        source="ILACS: re-inspection about 2.5 years after the judgement; "
        "SIF re-inspections: median 32.6 months",
    )


class OfstedPolicy(Frozen):
    """How Ofsted inspects: capacity, cadence and monitoring of inadequate councils."""

    teams: int = lever(
        4,
        unit="teams",
        ge=0,
        le=1000,
        description="Inspection teams working at once (an inspection holds one; "
        "0 pauses inspections, as from March 2020)",
    )
    cadence: Cadence = Field(default_factory=Cadence)
    cadence_jitter_months: float = fact(
        6.0,
        unit="months",
        ge=0,
        le=60,
        description="Routine inspections fall uniformly this far either side of the due date",
        source="ILACS: about every 3 years, within 6 months either side",
    )
    monitoring_interval_months: float = fact(
        3.0,
        unit="months",
        gt=0,
        le=60,
        description="Months between monitoring visits to an inadequate council",
        source="SIF: quarterly monitoring visits (calibration_targets.csv sif_mv_frequency)",
    )
    monitoring_max_visits: int = fact(
        6,
        unit="visits",
        ge=0,
        le=100,
        description="Monitoring visits per inadequate judgement",
        source="SIF: up to 6 quarterly monitoring visits",
    )
    early_reinspection_min_months: float = assumption(
        18.0,
        unit="months",
        ge=0,
        le=240,
        description="Earliest re-inspection after an inadequate judgement when monitoring "
        "shows improvement",
        why="no inadequate council was re-graded within about 22 months (calibration_targets.csv)",
    )


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
