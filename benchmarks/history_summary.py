"""Year-by-year councils judged inadequate (median, 90% band), good-or-better share, spells
and the latest-SIF -> first-ILACS matrix, against the data.

    python benchmarks/history_summary.py [SCENARIO] [--replications N] [--workers W]

Runs the scenario's baseline only and prints, for each December, the median and 5%-95%
band over replications of the councils judged inadequate, and the median share judged
good or outstanding (the check after a calibration, README Calibration); then the
completed inadequate spells that began in the run (median and IQR, pooled) and the
mean per replication of the latest-SIF -> first-ILACS transition matrix (a council's
latest SIF judgement may be the one it carried in from before the start,
councils_2015.csv) next to calibration_targets.csv's.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from sim.experiments.executors import Execution
from sim.scenario.councils import load_councils
from sim.scenario.loading import load_scenario
from sim.scenario.validation import with_overrides
from sim.scenario.yamlio import Marks
from sim.workflow.run import run_scenario

ROOT = Path(__file__).resolve().parent.parent
# calibration_targets.csv tm_sif_ilacs1_*: rows from O, G, RI, I; columns to O, G, RI, I
DATA_MATRIX = np.array([[3, 0, 0, 0], [18, 23, 9, 4], [2, 31, 26, 15], [1, 5, 13, 0]])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("scenario", nargs="?", default=ROOT / "scenarios" / "reform_2015.yaml")
    parser.add_argument("--replications", type=int, default=20)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    scenario = load_scenario(args.scenario)
    scenario = with_overrides(
        scenario, {"variants": {}, "run.replications": args.replications},
        path=str(args.scenario), marks=Marks(),
    )
    with tempfile.TemporaryDirectory() as out:
        run_scenario(scenario, Path(out), execution=Execution(args.workers), plots=False)
        monthly = pd.read_parquet(Path(out) / "monthly.parquet")
        judgements = pd.read_parquet(Path(out) / "judgements.parquet")
    print_yearly(monthly)
    print_spells(judgements)
    print_matrix(judgements, args.replications)


def print_yearly(monthly: pd.DataFrame) -> None:
    december = monthly[monthly["date"].str.endswith("-12")].copy()
    judged = [c for c in december.columns if c.startswith("judged_")]
    total = december[judged].sum(axis=1)
    december["good_or_better"] = (
        december["judged_good"] + december["judged_outstanding"]) / total
    rows = december.groupby("date").agg(
        inadequate_median=("judged_inadequate", "median"),
        inadequate_p5=("judged_inadequate", lambda s: s.quantile(0.05)),
        inadequate_p95=("judged_inadequate", lambda s: s.quantile(0.95)),
        good_or_better_median=("good_or_better", "median"),
    )
    print(rows.round(3).to_string())


def print_spells(judgements: pd.DataFrame) -> None:
    """Completed inadequate spells that began in the run: inadequate to the next better grade."""
    spells = []
    for _, rows in judgements.sort_values("month").groupby(["replication", "council"]):
        start = None
        columns = (rows["grade"], rows["previous_grade"], rows["month"])
        for grade, previous, month in zip(*columns, strict=True):
            if grade == 0 and previous != 0:
                start = month
            elif grade != 0 and start is not None:
                spells.append(month - start)
                start = None
    q = np.percentile(spells, [25, 50, 75])
    per = len(spells) / judgements["replication"].nunique()
    print(f"completed inadequate spells begun in the run: median {q[1]:.1f} months "
          f"(IQR {q[0]:.1f}-{q[2]:.1f}), {per:.1f} per replication")


def print_matrix(judgements: pd.DataFrame, replications: int) -> None:
    """Latest SIF judgement (carried in or in the run) -> first ILACS judgement."""
    table = load_councils()
    matrix = np.zeros((4, 4))
    for _, rows in judgements.sort_values("month").groupby("replication"):
        carried = zip(table.grade, table.framework, strict=True)
        latest = {i: g for i, (g, f) in enumerate(carried) if f == "SIF"}
        first: dict[int, int] = {}
        columns = (rows["council"], rows["framework"], rows["grade"])
        for council, framework, grade in zip(*columns, strict=True):
            if framework == "SIF":
                latest[council] = grade
            elif framework == "ILACS" and council not in first:
                first[council] = grade
        for council, to in first.items():
            if council in latest:
                matrix[3 - latest[council], 3 - to] += 1
    matrix /= replications
    print("latest SIF -> first ILACS (rows from, columns to O / G / RI / I): model mean | data")
    for row, name in enumerate(("O", "G", "RI", "I")):
        model = " / ".join(f"{v:4.1f}" for v in matrix[row])
        data = " / ".join(f"{v:2d}" for v in DATA_MATRIX[row])
        print(f"  {name:>2}: {model} | {data}")


if __name__ == "__main__":
    main()
