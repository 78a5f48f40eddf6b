"""The tidy judgements table of a replication, and the councils' starting judgements.

The model's results will carry a ``judgements`` table (one row per graded judgement:
``council``, ``month``, ``framework``, ``kind``, ``grade``, ``previous_grade``). Until
a model version provides it, it is derived here from the traced event log, with the
framework in force by date (SIF before January 2018, ILACS from then).
"""

from __future__ import annotations

import json
from functools import lru_cache

import pandas as pd

from sim.calendar import months_between
from sim.experiments.tasks import TaskOutput
from sim.scenario.councils import england_2015_path
from sim.scenario.fields import GRADES
from sim.scenario.schema import Scenario

COLUMNS = ("council", "month", "framework", "kind", "grade", "previous_grade")
ILACS_FROM = "2018-01"  # first month of the ILACS framework (Ofsted)


def empty_judgements() -> pd.DataFrame:
    """A judgements table with no rows and the right columns."""
    return pd.DataFrame({name: pd.Series(dtype="int64") for name in COLUMNS}).astype(
        {"month": float, "framework": str, "kind": str}
    )


def judgements_of(output: TaskOutput, scenario: Scenario) -> pd.DataFrame:
    """The replication's judgements table: the model's own, else one derived from its trace."""
    own = getattr(output, "judgements", None)
    if own is not None:
        return own[list(COLUMNS)]
    if output.events is None:
        raise ValueError("the replication was run without trace and has no judgements table")
    names = {name: index for index, name in enumerate(output.councils["council"])}
    events = output.events[output.events["event"] == "judgement"]
    ilacs = scenario.months_from_start(ILACS_FROM)
    rows = []
    for time, council, details in zip(
        events["time"], events["council"], events["details"], strict=True
    ):
        info = json.loads(details)
        rows.append(
            (
                names[council],
                float(time),
                "SIF" if time < ilacs else "ILACS",
                info["kind"],
                GRADES.index(info["grade"]),
                GRADES.index(info["previous"]),
            )
        )
    return pd.DataFrame(rows, columns=list(COLUMNS)) if rows else empty_judgements()


@lru_cache(maxsize=4)
def starting_judgements(source: str, start: str) -> pd.DataFrame:
    """Each council's last judgement before the run (``month`` <= 0) and its framework.

    Only the real councils (``england_2015``) have one with a known framework; synthetic
    councils give an empty table.
    """
    if source != "england_2015":
        return empty_judgements()[list(COLUMNS[:5])]
    table = pd.read_csv(england_2015_path(), keep_default_na=False)
    return pd.DataFrame(
        {
            "council": range(len(table)),
            "month": [-months_between(d, start) for d in table["grade_date"]],
            "framework": table["framework"].astype(str),
            "kind": "start",
            "grade": [GRADES.index(g) for g in table["grade"]],
        }
    )
