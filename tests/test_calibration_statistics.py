"""Target statistics on hand-made judgements tables (sim.calibration.statistics)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim.calibration.statistics import STATISTICS, ReplicationTables, StatisticOptions

START = pd.DataFrame(
    {
        "council": [0, 1, 2],
        "month": [-5.0, -30.0, -10.0],
        "framework": ["SIF", "CPI", "SIF"],
        "kind": "start",
        "grade": [0, 1, 2],
    }
)
RUN = pd.DataFrame(
    [  # council, month, framework, kind, grade, previous_grade
        (0, 20.0, "SIF", "reinspection", 1, 0),
        (0, 40.0, "ILACS", "routine", 2, 1),
        (1, 10.0, "SIF", "routine", 0, 1),
        (1, 34.0, "SIF", "reinspection", 0, 0),
        (1, 50.0, "ILACS", "reinspection", 1, 0),
        (2, 30.0, "ILACS", "routine", 3, 2),
    ],
    columns=["council", "month", "framework", "kind", "grade", "previous_grade"],
)
MONTHLY = pd.DataFrame({"month": range(31), "vacancy_rate": [m / 100 for m in range(31)]})
TABLES = ReplicationTables(RUN, START, MONTHLY, "2016-01")


def stat(name: str, **options: object) -> np.ndarray:
    return STATISTICS[name](TABLES, StatisticOptions(**options))  # type: ignore[arg-type]


def test_first_grades_take_the_start_judgement_when_it_was_a_sif() -> None:
    # council 0: SIF inadequate before the run; 1: first SIF in the run, inadequate; 2: good
    assert stat("first_grades").tolist() == [2, 0, 1, 0]


def test_next_judgement_after_a_first_inadequate_one() -> None:
    # council 0: RI 25 months later; council 1: inadequate again 24 months later
    assert stat("next_grades_after_inadequate", size=3).tolist() == [1, 1, 0]
    assert stat("improved_after_inadequate").tolist() == [0.5]
    assert stat("gap_median_after_inadequate").tolist() == [24.5]
    assert stat("gap_min_after_inadequate").tolist() == [24.0]


def test_transitions_latest_sif_to_first_ilacs() -> None:
    cells = stat("transitions")
    expected = np.zeros(16)
    expected[2 * 4 + 1] = 1  # council 0: RI -> G
    expected[3 * 4 + 2] = 1  # council 1: I -> RI (its latest SIF, not its first)
    expected[1 * 4 + 0] = 1  # council 2: G -> O (the SIF before the run)
    assert cells.tolist() == expected.tolist()


def test_series_at_calendar_months() -> None:
    got = stat("series_at", column="vacancy_rate", months=("2017-09", "2030-01"), scale=100)
    assert got[0] == pytest.approx(20.0)  # 2017-09 is month 20
    assert np.isnan(got[1])  # after the horizon


def test_no_council_inadequate_gives_nan_not_an_error() -> None:
    tables = ReplicationTables(RUN[RUN["grade"] > 0], START[START["grade"] > 0], MONTHLY,
                               "2016-01")
    value = STATISTICS["gap_median_after_inadequate"](tables, StatisticOptions())
    assert np.isnan(value).all()
