"""How the model's value of each target is computed from one replication's tables.

Every statistic reads the tidy judgements table (one row per graded judgement:
``council``, ``month``, ``framework``, ``kind``, ``grade`` 0=inadequate..3=outstanding,
``previous_grade``), the councils' starting judgements (``start``: ``council``,
``month`` (negative: before the run), ``framework``, ``grade``) and the monthly
table, and returns one number per target id, in the order the spec lists them.
NaN means "not observed in this replication" (e.g. no council was re-inspected).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

GRADE_CODES = {"I": 0, "RI": 1, "G": 2, "O": 3}  # order of a grade distribution: I, RI, G, O
INADEQUATE = 0
COLUMNS = ("council", "month", "framework", "kind", "grade", "previous_grade")


@dataclass(frozen=True)
class ReplicationTables:
    """The tables one statistic may read (built on a worker, never stored)."""

    judgements: pd.DataFrame
    start: pd.DataFrame
    monthly: pd.DataFrame
    start_month: str  # calendar month 'YYYY-MM' of simulated month 0


@dataclass(frozen=True)
class StatisticOptions:
    """Options of a statistic as the spec gives them (see ``TargetSpec``)."""

    framework: str = "SIF"
    to_framework: str = "ILACS"
    column: str = "vacancy_rate"
    months: tuple[str, ...] = ()
    scale: float = 1.0
    size: int = 4


Statistic = Callable[[ReplicationTables, StatisticOptions], np.ndarray]


def all_judgements(tables: ReplicationTables) -> pd.DataFrame:
    """Starting judgements and the run's judgements, in time order (start rows first).

    If the judgements table already carries the starting judgements (rows at or before
    month 0), the separate start table is not added again.
    """
    run = tables.judgements[list(COLUMNS[:5])]
    if (run["month"] <= 0).any() or tables.start.empty:
        frame = run
    else:
        frame = pd.concat([tables.start[list(COLUMNS[:5])], run], ignore_index=True)
    return frame.sort_values(["month"], kind="stable").reset_index(drop=True)


def _counts(grades: pd.Series, size: int = 4) -> np.ndarray:
    return np.bincount(grades.to_numpy(dtype=int), minlength=size)[:size].astype(float)


def first_grades(tables: ReplicationTables, opt: StatisticOptions) -> np.ndarray:
    """Councils by grade (I, RI, G, O) at their first judgement under ``framework``."""
    frame = all_judgements(tables)
    first = frame[frame["framework"] == opt.framework].groupby("council").head(1)
    return _counts(first["grade"], opt.size)


def _first_under(frame: pd.DataFrame, framework: str) -> pd.DataFrame:
    """Each council's first judgement under ``framework`` (index council: month, grade)."""
    return frame[frame["framework"] == framework].groupby("council")[["month", "grade"]].first()


def _after_first_inadequate(tables: ReplicationTables, framework: str) -> pd.DataFrame:
    """For councils inadequate at their first ``framework`` judgement: their next judgement.

    Columns ``grade`` (of the next graded judgement, any framework) and ``gap``
    (months from the first inadequate judgement to it).
    """
    frame = all_judgements(tables)
    first = _first_under(frame, framework)
    first = first[first["grade"] == INADEQUATE].rename(columns={"month": "first_at"})
    later = frame.join(first["first_at"], on="council", how="inner")
    later = later[later["month"] > later["first_at"]].groupby("council").first()
    return pd.DataFrame(
        {"grade": later["grade"].to_numpy(), "gap": (later["month"] - later["first_at"]).to_numpy()}
    )


def next_grades_after_inadequate(tables: ReplicationTables, opt: StatisticOptions) -> np.ndarray:
    """Grades (I, RI, G, O; first ``size``) at the next judgement after a first inadequate one."""
    return _counts(_after_first_inadequate(tables, opt.framework)["grade"], opt.size)


def improved_after_inadequate(tables: ReplicationTables, opt: StatisticOptions) -> np.ndarray:
    """Share of first-``framework``-inadequate councils better at their next judgement."""
    nxt = _after_first_inadequate(tables, opt.framework)
    return np.array([float((nxt["grade"] > INADEQUATE).mean()) if len(nxt) else np.nan])


def gap_median_after_inadequate(tables: ReplicationTables, opt: StatisticOptions) -> np.ndarray:
    """Median months from a first-``framework`` inadequate judgement to the next (NaN if none)."""
    gaps = _after_first_inadequate(tables, opt.framework)["gap"].to_numpy()
    return np.array([float(np.median(gaps)) if gaps.size else np.nan])


def gap_min_after_inadequate(tables: ReplicationTables, opt: StatisticOptions) -> np.ndarray:
    """Shortest months from a first-``framework`` inadequate judgement to the next."""
    gaps = _after_first_inadequate(tables, opt.framework)["gap"].to_numpy()
    return np.array([float(gaps.min()) if gaps.size else np.nan])


def transitions(tables: ReplicationTables, opt: StatisticOptions) -> np.ndarray:
    """Counts latest ``framework`` grade -> first ``to_framework`` grade, rows/columns O, G, RI, I.

    The order (from outstanding down) is that of ``calibration_targets.csv``
    ``tm_sif_ilacs1_*``: O->O, O->G, O->RI, O->I, G->O, ...
    """
    frame = all_judgements(tables)
    later = _first_under(frame, opt.to_framework).rename(columns={"month": "to_at", "grade": "to"})
    before = frame[frame["framework"] == opt.framework].join(later, on="council", how="inner")
    before = before[before["month"] < before["to_at"]].groupby("council")[["grade", "to"]].last()
    cells = (3 - before["grade"].to_numpy(int)) * 4 + (3 - before["to"].to_numpy(int))
    return np.bincount(cells, minlength=16).astype(float)


def series_at(tables: ReplicationTables, opt: StatisticOptions) -> np.ndarray:
    """A monthly column at calendar months ``months`` ('YYYY-MM'), times ``scale`` (NaN if out)."""
    year, month = (int(part) for part in tables.start_month.split("-"))
    first = year * 12 + month - 1
    column = tables.monthly.set_index("month")[opt.column]
    values = []
    for when in opt.months:
        y, m = (int(part) for part in when.split("-"))
        index = y * 12 + m - 1 - first
        values.append(float(column.get(index, np.nan)) * opt.scale)
    return np.array(values)


STATISTICS: dict[str, Statistic] = {
    "first_grades": first_grades,
    "next_grades_after_inadequate": next_grades_after_inadequate,
    "improved_after_inadequate": improved_after_inadequate,
    "gap_median_after_inadequate": gap_median_after_inadequate,
    "gap_min_after_inadequate": gap_min_after_inadequate,
    "transitions": transitions,
    "series_at": series_at,
}

# Statistics that read the traced event log (none yet: every table above is recorded
# untraced). A traced replication costs more (each event is formatted and kept), so
# the evaluator traces only when a target's statistic is listed here.
NEEDS_TRACE: frozenset[str] = frozenset()
