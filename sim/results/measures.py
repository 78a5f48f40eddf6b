"""Every measure a results directory holds, with its unit, label and better direction.

The one registry that console tables, CSV files and plots consult. The model
declares what it measures (``sim.model.recorder.OUTCOMES``: each outcome's unit
and direction); this module adds the monthly series drawn as fan charts, the
figures the analysis derives across variants, the per-council columns of
``councils.csv`` and the quality of a PRIM box (coverage, density, mass), so that no
display keeps its own copy of a unit or a label. The unit of an input (a swept
parameter) is declared with its schema field (``sim.scenario.fields``);
``parameter_units`` reads it from there, never from a copy.

CSV files carry their units from here (``with_units``): a long table (one
``metric`` column naming the measure of each row) gets a ``unit`` column after
``metric``, since its rows mix units; a wide table (one column per measure) gets
unit-suffixed headers, ``name [unit]``, since there each column has one unit and
a unit column could not say whose it is (``without_units`` reads them back). A table
of parameters (a ``parameter`` column naming an input on each row, such as PRIM's
box) gets a ``unit`` column after ``parameter`` for its limits.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Literal

import pandas as pd
from pydantic import BaseModel

from sim.model.recorder import HEADLINE, OUTCOMES
from sim.scenario.fields import parameter_table

Better = Literal["lower", "higher", "neither"]


@dataclass(frozen=True)
class Measure:
    """A column of the results: outcome (replications), series (monthly) or derived."""

    name: str
    unit: str
    label: str
    better: Better = "neither"
    kind: Literal["outcome", "series", "derived", "council", "discovery"] = "outcome"


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
    Measure("cost_total_gbp_extra", "GBP", "extra total cost", "neither", "derived"),
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
# Per-council figures across replications (``explain.council_summary``, councils.csv).
_COUNCIL = (
    Measure(
        "months_truly_inadequate_mean", "months", "months truly inadequate", "lower", "council"
    ),
    Measure(
        "months_judged_inadequate_mean", "months", "months judged inadequate", "neither", "council"
    ),
    Measure(
        "inspections_emergency_mean", "inspections", "emergency inspections", "neither", "council"
    ),
    Measure("share_taken_over", "share of replications", "share taken over", "neither", "council"),
)
# The quality of a PRIM box (discovery_<metric>.csv) and of each peeling step (peeling_).
_DISCOVERY = (
    Measure("coverage", "share of bad points", "bad points inside the box", "higher", "discovery"),
    Measure(
        "density", "share of the box's points", "box points that are bad", "higher", "discovery"
    ),
    Measure("mass", "share of points", "points inside the box", "neither", "discovery"),
)
MEASURES: dict[str, Measure] = {
    m.name: m for m in (*_OUTCOMES, *_SERIES, *_DERIVED, *_COUNCIL, *_DISCOVERY)
}
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


def parameter_units(scenario: BaseModel, paths: Iterable[str]) -> dict[str, str]:
    """The unit of each input at ``paths`` (dotted), as its schema field declares it
    ('' for a path the parameter table does not list, such as a whole section)."""
    known = {row.path: row.unit for row in parameter_table(scenario)}
    return {path: known.get(path, "") for path in paths}


def with_units(frame: pd.DataFrame, parameters: Mapping[str, str] | None = None) -> pd.DataFrame:
    """``frame`` as a CSV file carries it: a ``unit`` column after ``metric`` (long tables),
    or ``name [unit]`` headers for the columns the registry knows (wide tables).

    Args:
        parameters: Units of inputs by dotted path (``parameter_units``): a table with a
            ``parameter`` column gets their ``unit`` column after it, and a column named
            by a path gets its unit in the header (a sweep's design).
    """
    if "metric" in frame.columns:
        return _unit_column(frame, "metric", unit)
    extra = dict(parameters or {})
    if "parameter" in frame.columns and parameters is not None:
        frame = _unit_column(frame, "parameter", lambda name: extra.get(name, ""))
    named = {c: unit(c) or extra.get(c, "") for c in frame.columns if c != "unit"}
    return frame.rename(columns={c: f"{c} [{u}]" for c, u in named.items() if u})


def _unit_column(frame: pd.DataFrame, key: str, unit_of: Callable[[str], str]) -> pd.DataFrame:
    """``frame`` with a ``unit`` column after ``key``: the unit of the measure or input
    each row names (a table whose rows mix units); unchanged if it has one."""
    if "unit" in frame.columns:
        return frame
    out = frame.copy()
    out.insert(list(frame.columns).index(key) + 1, "unit", [unit_of(str(n)) for n in frame[key]])
    return out


_SUFFIX = re.compile(r"^(?P<name>.*) \[(?P<unit>[^\]]*)\]$")


def without_units(frame: pd.DataFrame) -> pd.DataFrame:
    """A wide table read back from CSV with its plain column names (``name [unit]`` -> name)."""
    names = {c: m.group("name") for c in frame.columns if (m := _SUFFIX.match(str(c)))}
    return frame.rename(columns=names)


def header_units(frame: pd.DataFrame) -> dict[str, str]:
    """The unit of each ``name [unit]`` header of a wide table read back from CSV, by name."""
    found = (_SUFFIX.match(str(c)) for c in frame.columns)
    return {m.group("name"): m.group("unit") for m in found if m}
