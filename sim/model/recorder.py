"""What a replication measures: the outcome registry, counters, monthly counts, event log.

Every outcome a replication reports is declared once in ``OUTCOMES`` with its
unit and which direction is better, so tables and plots can label it and the
documentation of ``replications.parquet`` has one source.
"""

from __future__ import annotations

import json
import math
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from sim.scenario.schema import GRADES


@dataclass(frozen=True)
class Outcome:
    """An outcome of a replication: its unit, meaning and which direction is better."""

    name: str
    unit: str
    description: str
    better: Literal["lower", "higher", "neither"] = "lower"


# The outcomes the console shows by default (every outcome is stored).
HEADLINE = (
    "child_years_truly_inadequate",
    "child_years_judged_inadequate",
    "detection_delay_months_mean",
    "takeovers",
    "sponsor_wait_months_mean",
    "recovery_months_mean",
    "graduates_qualified",
    "vacancy_rate_mean",
    "cost_commissioners_gbp",
    "cost_trusts_gbp",
    "cost_inspections_gbp",
    "recruitment_spend_gbp",
    "cost_total_gbp",
    "cost_total_discounted_gbp",
)


OUTCOMES: dict[str, Outcome] = {
    o.name: o
    for o in (
        Outcome(
            "child_years_truly_inadequate",
            "child-years",
            "Children in need x years in councils whose true grade is inadequate "
            "(true grade read at each month end)",
        ),
        Outcome(
            "child_years_judged_inadequate",
            "child-years",
            "Children in need x years in councils judged inadequate (exact)",
        ),
        Outcome(
            "council_years_truly_inadequate",
            "council-years",
            "Council-years with a true grade of inadequate (month-end readings)",
        ),
        Outcome(
            "detection_delay_months_mean",
            "months",
            "Mean months from a council truly turning inadequate (first month-end "
            "reading) to its inadequate judgement; NaN when none was detected",
        ),
        Outcome(
            "detections",
            "judgements",
            "Inadequate judgements of councils that were truly inadequate",
            "neither",
        ),
        Outcome(
            "inadequate_judgements",
            "judgements",
            "Graded inspections judging inadequate",
            "neither",
        ),
        Outcome("inspections_routine", "inspections", "Routine graded inspections", "neither"),
        Outcome(
            "inspections_reinspection",
            "inspections",
            "Re-inspections of councils judged inadequate",
            "neither",
        ),
        Outcome(
            "inspections_emergency",
            "inspections",
            "Emergency inspections triggered by concern signals",
            "neither",
        ),
        Outcome(
            "monitoring_visits", "visits", "Monitoring visits to inadequate councils", "neither"
        ),
        Outcome(
            "focused_visits", "visits", "Focused visits between graded inspections", "neither"
        ),
        Outcome(
            "focused_visits_weak",
            "visits",
            "Focused visits finding serious weakness (a reading below the inadequate cutpoint)",
            "neither",
        ),
        Outcome(
            "focused_visits_brought_forward",
            "inspections",
            "Graded inspections brought forward by a focused visit",
            "neither",
        ),
        Outcome("signals", "signals", "Concern signals received by Ofsted", "neither"),
        Outcome(
            "leadership_changes",
            "changes",
            "Leadership changes during the run (each redraws a council's base level)",
            "neither",
        ),
        Outcome(
            "inspection_wait_months_mean",
            "months",
            "Mean wait for an inspection team, from request to start",
        ),
        Outcome("judged_inadequate_end", "councils", "Councils judged inadequate at the end"),
        Outcome("truly_inadequate_end", "councils", "Councils truly inadequate at the end"),
        Outcome(
            "reviews_passed",
            "reviews",
            "Deadline reviews showing significant improvement",
            "neither",
        ),
        Outcome(
            "reviews_failed",
            "reviews",
            "Deadline reviews without significant improvement",
            "neither",
        ),
        Outcome(
            "takeover_decisions",
            "councils",
            "Decisions to take a council over (failed review or persistent failure)",
            "neither",
        ),
        Outcome("takeovers", "trusts", "Trusts started during the run", "neither"),
        Outcome("hand_backs", "trusts", "Services handed back by trusts", "neither"),
        Outcome("trusts_active_end", "trusts", "Trusts running at the end", "neither"),
        Outcome(
            "sponsor_wait_months_mean",
            "months",
            "Mean wait from a takeover decision to a sponsor being found (councils still "
            "waiting at the end are not included)",
        ),
        Outcome("sponsor_queue_max", "councils", "Longest sponsor queue"),
        Outcome("sponsor_queue_end", "councils", "Councils still waiting for a sponsor at the end"),
        Outcome("commissioner_months", "months", "Months of commissioners in post", "neither"),
        Outcome(
            "recovery_months_mean",
            "months",
            "Mean months from the first inadequate judgement of a spell to a better one",
        ),
        Outcome(
            "relapses",
            "judgements",
            "Inadequate judgements of councils that had recovered during the run",
        ),
        Outcome(
            "sponsors_fell_below_good",
            "sponsors",
            "Council sponsors judged below good after taking on a trust",
        ),
        Outcome(
            "sponsors_fell_below_good_running",
            "sponsors",
            "Council sponsors judged below good while running a trust (compare a variant "
            "without load_penalty, paired, for the falls attributable to load)",
        ),
        Outcome("cost_commissioners_gbp", "GBP", "Commissioners: months x monthly cost"),
        Outcome("cost_trusts_gbp", "GBP", "Trusts: set-up plus months x monthly cost"),
        Outcome(
            "cost_inspections_gbp", "GBP", "Graded inspections and monitoring visits x unit costs"
        ),
        Outcome(
            "cost_total_gbp",
            "GBP",
            "All four cost headings (commissioners, trusts, inspections, graduate "
            "programmes), undiscounted",
        ),
        *(
            Outcome(
                f"{stem}_discounted_gbp",
                "GBP",
                f"{what}: present value at the run's start, discounted at the Green Book "
                "rate (costs.discount_rate_per_year, 3.5% a year) from when it was spent",
            )
            for stem, what in (
                ("cost_commissioners", "Commissioners"),
                ("cost_trusts", "Trusts"),
                ("cost_inspections", "Inspections and monitoring visits"),
                ("recruitment_spend", "Graduate programmes"),
                ("cost_total", "All four headings"),
            )
        ),
        Outcome(
            "child_years_truly_inadequate_discounted",
            "child-years",
            "Child-years truly inadequate, each month's discounted to the run's start at the "
            "same rate as costs (the denominator of the discounted cost-effectiveness ratio)",
        ),
        Outcome(
            "graduates_qualified",
            "people",
            "Programme trainees who qualified during the run (Frontline, Step Up)",
            "higher",
        ),
        Outcome(
            "graduates_in_post_end",
            "people",
            "Programme graduates still in council posts at the end",
            "higher",
        ),
        Outcome(
            "recruitment_spend_gbp",
            "GBP",
            "Money paid for the graduate programmes during the run",
        ),
        Outcome(
            "vacancy_rate_mean",
            "share",
            "National social-worker vacancy rate (vacant / funded posts), mean of "
            "month-end readings",
        ),
        Outcome(
            "agency_rate_mean",
            "share",
            "National agency share (posts-weighted mean of councils), mean of month-end readings",
        ),
    )
}

COUNCIL_COLUMNS: tuple[str, ...] = (
    "months_truly_inadequate",
    "months_judged_inadequate",
    "inspections_routine",
    "inspections_reinspection",
    "inspections_emergency",
    "monitoring_visits",
    "focused_visits",
    "signals",
    "leadership_changes",
    "takeovers",  # trusts started in the council during the run
)
# Per-council means of month-end readings (month 1 on), each a column of councils.parquet.
COUNCIL_MEANS: tuple[str, ...] = ("vacancy_rate_mean",)

MONTHLY_COLUMNS: tuple[str, ...] = (
    *(f"true_{g}" for g in GRADES),
    *(f"judged_{g}" for g in GRADES),
)


JUDGEMENT_COLUMNS: tuple[str, ...] = (
    "council",  # council index
    "month",  # months since the start, when the judgement was published
    "framework",  # framework in force when the inspection started (e.g. SIF, ILACS)
    "kind",  # the inspection kind (routine, reinspection, emergency, short, standard, ...)
    "grade",  # 0 inadequate .. 3 outstanding
    "previous_grade",  # the grade it replaced, -1 if none
    "vacancy_rate",  # the council's vacancy rate as the judgement is published (share)
    "agency_rate",  # its agency share then (share): the workforce-by-grade targets' measure
)


@dataclass
class ReplicationResult:
    """Everything one replication produced: plain numbers and arrays that pickle cleanly.

    ``judgements`` has one entry per graded judgement, columns ``JUDGEMENT_COLUMNS``.
    """

    metrics: dict[str, float]
    monthly: dict[str, np.ndarray]
    councils: dict[str, np.ndarray]
    events: list[tuple[float, str, str, str]] | None = None
    judgements: dict[str, np.ndarray] = field(default_factory=dict)


@dataclass
class Recorder:
    """Counts and integrals gathered while a replication runs."""

    council_names: list[str]
    trace: bool = False
    counts: defaultdict[str, float] = field(default_factory=lambda: defaultdict(float))
    sums: defaultdict[str, float] = field(default_factory=lambda: defaultdict(float))
    per_council: dict[str, np.ndarray] = field(default_factory=dict)
    monthly_rows: list[dict[str, float]] = field(default_factory=list)
    events: list[tuple[float, str, str, str]] = field(default_factory=list)
    judgements: list[tuple[int, float, str, str, int, int]] = field(default_factory=list)
    # (vacancy, agency) at each judgement, in the same order; set by the workforce
    judgement_staff: list[tuple[float, float]] = field(default_factory=list)
    # Set by the workforce: a council's exact vacancy rate at a time, added to traced events.
    vacancy_of: Callable[[int, float], float] | None = None
    children: np.ndarray | None = None  # children in need per council, set at the first reading
    readings: int = 0  # month-end readings in ``council_sums`` so far
    council_sums: dict[str, np.ndarray] = field(default_factory=dict)
    _index: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        n = len(self.council_names)
        self.per_council = {name: np.zeros(n) for name in COUNCIL_COLUMNS}
        self.council_sums = {name: np.zeros(n) for name in COUNCIL_MEANS}
        self._index = {name: i for i, name in enumerate(self.council_names)}

    def log(self, time: float, council: str, event: str, **details: Any) -> None:
        """Append to the event log when tracing (callers check ``trace`` for costly details).

        A council's event carries its vacancy rate at that moment (``vacancy_rate``), so
        ``sim explain`` can give it at each decision; reading it changes no state.
        """
        if self.trace:
            index = self._index.get(council)
            if index is not None and self.vacancy_of is not None:
                details.setdefault("vacancy_rate", self.vacancy_of(index, time))
            self.events.append((time, council, event, json.dumps(details, default=float)))

    def observe_councils(self, name: str, values: np.ndarray) -> None:
        """Add one month-end reading of every council to a per-council mean (``COUNCIL_MEANS``).

        Every name in ``COUNCIL_MEANS`` is read at the same month ends, so one count serves.
        """
        self.council_sums[name] += values
        if name == COUNCIL_MEANS[0]:
            self.readings += 1

    def council_means(self) -> dict[str, np.ndarray]:
        """The per-council means of the month-end readings (NaN before any reading)."""
        n = self.readings
        return {name: s / n if n else s * np.nan for name, s in self.council_sums.items()}

    def judgement(
        self, council: int, month: float, framework: str, kind: str, grade: int, previous: int
    ) -> None:
        """Record one graded judgement (always, not only when tracing)."""
        self.judgements.append((council, month, framework, kind, grade, previous))

    def judgement_table(self) -> dict[str, np.ndarray]:
        """The judgements as columns (``JUDGEMENT_COLUMNS``), typed for Parquet."""
        staff = self.judgement_staff
        if len(staff) != len(self.judgements):  # no workforce registered: unknown
            staff = [(math.nan, math.nan)] * len(self.judgements)
        rows = [(*row, *extra) for row, extra in zip(self.judgements, staff, strict=True)]
        types = (np.int64, float, str, str, np.int64, np.int64, float, float)
        return {
            name: np.array([row[i] for row in rows], dtype=types[i])
            for i, name in enumerate(JUDGEMENT_COLUMNS)
        }

    def count(self, name: str, council: int | None = None, amount: float = 1.0) -> None:
        """Add to a replication counter and, when given a council, to its column too."""
        self.counts[name] += amount
        if council is not None and name in self.per_council:
            self.per_council[name][council] += amount

    def observe(self, name: str, value: float) -> None:
        """Add one observation to a mean outcome (``<name>_mean``)."""
        self.sums[name] += value
        self.counts[f"{name}#n"] += 1

    def mean(self, name: str) -> float:
        n = self.counts[f"{name}#n"]
        return self.sums[name] / n if n else float("nan")
