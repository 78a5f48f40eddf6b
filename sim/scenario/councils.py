"""The starting councils: England on 14 December 2015 (read once, outside the model).

The table ships with the package (``sim/data/councils_2015.csv``; sources in
``calibration/README.md``). The model never reads files: the experiment layer
loads this table and hands it to ``run_replication``.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from sim.errors import ScenarioError
from sim.scenario.schema import GRADES

COLUMNS = (
    "la_code",
    "name",
    "region",
    "grade",
    "grade_date",
    "status_2015",
    "status_since",
    "partner_in_practice",
    "children_in_need",
    "social_workers_fte",
    "vacancy_rate",
    "turnover_rate",
    "agency_rate",
)


@dataclass(frozen=True)
class CouncilTable:
    """Starting data of each council, one tuple entry per council (picklable, immutable)."""

    la_code: tuple[str, ...]
    name: tuple[str, ...]
    region: tuple[str, ...]
    grade: tuple[int, ...]
    grade_date: tuple[str, ...]
    status: tuple[str, ...]
    status_since: tuple[str, ...]
    partner_in_practice: tuple[bool, ...]
    children_in_need: tuple[int, ...]
    social_workers_fte: tuple[float, ...]
    vacancy_rate: tuple[float, ...]
    turnover_rate: tuple[float, ...]
    agency_rate: tuple[float, ...]
    framework: tuple[str, ...] = ()  # framework of each council's last judgement ("" unknown)

    def __len__(self) -> int:
        return len(self.name)


def england_2015_path() -> Path:
    """Path of the shipped table of the 152 councils."""
    return Path(str(resources.files("sim") / "data" / "councils_2015.csv"))


def load_councils(path: Path | None = None) -> CouncilTable:
    """Read a councils table with the columns of ``councils_2015.csv``."""
    path = path or england_2015_path()
    try:  # the csv module, not pandas: `sim validate` should not wait for pandas to load
        with open(path, newline="", encoding="utf-8") as file:
            rows = list(csv.DictReader(file))
    except (OSError, ValueError, csv.Error) as err:
        raise ScenarioError(f"cannot read the councils table ({err})", path=str(path)) from None
    missing = [c for c in COLUMNS if not rows or c not in rows[0]]
    if missing:
        raise ScenarioError(f"missing columns {missing}", path=str(path))
    frame = {column: [row[column] for row in rows] for column in COLUMNS}
    bad = sorted(set(frame["grade"]) - set(GRADES))
    if bad:
        raise ScenarioError(f"unknown grades {bad}; expected one of {GRADES}", path=str(path))
    return CouncilTable(
        la_code=tuple(frame["la_code"]),
        name=tuple(frame["name"]),
        region=tuple(frame["region"]),
        grade=tuple(GRADES.index(g) for g in frame["grade"]),
        grade_date=tuple(frame["grade_date"]),
        status=tuple(frame["status_2015"]),
        status_since=tuple(frame["status_since"]),
        partner_in_practice=tuple(v == "True" for v in frame["partner_in_practice"]),
        children_in_need=tuple(int(v) for v in frame["children_in_need"]),
        social_workers_fte=tuple(float(v) for v in frame["social_workers_fte"]),
        vacancy_rate=tuple(float(v) for v in frame["vacancy_rate"]),
        turnover_rate=tuple(float(v) for v in frame["turnover_rate"]),
        agency_rate=tuple(float(v) for v in frame["agency_rate"]),
        framework=tuple(row.get("framework", "") or "" for row in rows),
    )
