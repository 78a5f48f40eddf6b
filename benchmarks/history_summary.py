"""Year-by-year councils judged inadequate (median, 90% band) and good-or-better share.

    python benchmarks/history_summary.py [SCENARIO] [--replications N] [--workers W]

Runs the scenario's baseline only and prints, for each December, the median and 5%-95%
band over replications of the councils judged inadequate, and the median share judged
good or outstanding (the check after a calibration, README Calibration).
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import pandas as pd

from sim.experiments.executors import Execution
from sim.scenario.loading import load_scenario
from sim.scenario.validation import with_overrides
from sim.scenario.yamlio import Marks
from sim.workflow.run import run_scenario

ROOT = Path(__file__).resolve().parent.parent


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


if __name__ == "__main__":
    main()
