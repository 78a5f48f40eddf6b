"""Every measure a results directory holds, with its unit, label and better direction.

The one registry that console tables, CSV readers and plots consult. The model
declares what it measures (``sim.model.recorder.OUTCOMES``: each outcome's unit
and direction); this module adds the monthly series drawn as fan charts and the
figures the analysis derives across variants, so that no display keeps its own
copy of a unit or a label.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from sim.model.recorder import HEADLINE, OUTCOMES

Better = Literal["lower", "higher", "neither"]


@dataclass(frozen=True)
class Measure:
    """A column of the results: outcome (replications), series (monthly) or derived."""

    name: str
    unit: str
    label: str
    better: Better = "neither"
    kind: Literal["outcome", "series", "derived"] = "outcome"


def _readable(name: str) -> str:
    return name.replace("_", " ")


_OUTCOMES = tuple(
    Measure(o.name, o.unit, _readable(o.name), o.better, "outcome") for o in OUTCOMES.values()
)
# Monthly series drawn as fan charts when present, in this order.
_SERIES = (
    Measure("true_inadequate", "councils", "councils truly inadequate", "lower", "series"),
    Measure("judged_inadequate", "councils", "councils judged inadequate", "lower", "series"),
    Measure("status_trust", "councils", "councils run by a trust", "neither", "series"),
    Measure("sponsor_queue", "councils", "councils waiting for a sponsor", "lower", "series"),
    Measure("vacancy_rate", "share of posts", "national vacancy rate", "lower", "series"),
    Measure("graduates_in_post", "people", "programme graduates in post", "higher", "series"),
)
# Cross-variant figures of ``economics.programme_value`` (derived.csv).
_DERIVED = (
    Measure(
        "child_years_truly_inadequate_averted",
        "child-years",
        "child-years averted",
        "higher",
        "derived",
    ),
    Measure("recruitment_spend_gbp_extra", "GBP", "extra recruitment spend", "neither", "derived"),
    Measure(
        "recruitment_spend_discounted_gbp_extra",
        "GBP",
        "extra recruitment spend, present value",
        "neither",
        "derived",
    ),
    Measure(
        "cost_per_child_year_averted_gbp",
        "GBP per child-year",
        "cost per child-year averted",
        "lower",
        "derived",
    ),
    # cost_effectiveness.csv: every variant against the baseline (results/economics.py)
    Measure(
        "child_years_truly_inadequate_discounted_averted",
        "child-years",
        "child-years averted, present value",
        "higher",
        "derived",
    ),
    Measure("cost_total_gbp_extra", "GBP", "extra total cost", "lower", "derived"),
    Measure(
        "cost_total_discounted_gbp_extra",
        "GBP",
        "extra total cost, present value",
        "lower",
        "derived",
    ),
    Measure(
        "cost_per_child_year_averted_undiscounted_gbp",
        "GBP per child-year",
        "cost per child-year averted, undiscounted",
        "lower",
        "derived",
    ),
)
MEASURES: dict[str, Measure] = {m.name: m for m in (*_OUTCOMES, *_SERIES, *_DERIVED)}
FAN_SERIES: tuple[str, ...] = tuple(m.name for m in _SERIES)


def unit(name: str) -> str:
    """The unit of a measure ('' for a column the registry does not know)."""
    measure = MEASURES.get(name)
    return measure.unit if measure else ""


def better(name: str) -> Better:
    """Which direction of a measure is better ('neither' when unknown)."""
    measure = MEASURES.get(name)
    return measure.better if measure else "neither"


def units(kind: str | None = None) -> dict[str, str]:
    """Unit of every measure (of one kind), by name."""
    return {n: m.unit for n, m in MEASURES.items() if kind is None or m.kind == kind}


def labels(kind: str | None = None) -> dict[str, str]:
    """Readable label of every measure (of one kind), by name."""
    return {n: m.label for n, m in MEASURES.items() if kind is None or m.kind == kind}


def headline(metrics: list[str]) -> list[str]:
    """The headline outcomes among ``metrics``, in registry order."""
    return [m for m in HEADLINE if m in metrics]
