"""Print what one replication costs, next to the yardstick model timed in the same process.

Usage: python benchmarks/replication_cost.py [SCENARIO] [--rounds 7] [--replications 3]
       [--councils N] [--horizon MONTHS] [--variant NAME] [--memory]

Each round runs ``--replications`` of the model and as many of the yardstick
(``toy_model.run_event``, see ``benchmarks/reference.py``), one after the other,
so both see the same machine load; the figure that survives a shared machine is
the ratio of their costs per council-year within a round. Printed: median and
range over rounds of CPU and wall time per replication, per council-year, the
ratio, SimPy events per replication and microseconds per event, and the cost of
the worker's share of the experiment layer (a replication's tables as Arrow bytes) as a share
of the model's. ``--memory`` adds the peak resident memory of one replication
above what the imports and the scenario already hold.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import simpy

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.reference import load_yardstick, yardstick_council_years
from sim.experiments.tasks import Task, encode_result
from sim.model.streams import SeedKey
from sim.model.world import run_replication
from sim.scenario.councils import CouncilTable, load_councils
from sim.scenario.loading import load_scenario
from sim.scenario.schema import ResolvedScenario as Scenario
from sim.scenario.schema import default_scenario_path
from sim.scenario.timeline import resolve, variant_scenarios


def timed(body: Callable[[], Any]) -> tuple[float, float]:
    """(CPU seconds, wall seconds) of one call."""
    cpu, wall = time.process_time(), time.perf_counter()
    body()
    return time.process_time() - cpu, time.perf_counter() - wall


@contextmanager
def counting_events() -> Any:
    """Count every event SimPy processes while the block runs (all environments)."""
    counter = {"events": 0}
    original = simpy.Environment.step

    def step(env: simpy.Environment) -> None:
        counter["events"] += 1
        original(env)

    simpy.Environment.step = step  # type: ignore[method-assign]
    try:
        yield counter
    finally:
        simpy.Environment.step = original  # type: ignore[method-assign]


def spread(values: list[float], scale: float = 1.0, digits: int = 1) -> str:
    """'median (min-max)' of values times ``scale``."""
    v = sorted(x * scale for x in values)
    return f"{statistics.median(v):.{digits}f} ({v[0]:.{digits}f}-{v[-1]:.{digits}f})"


def rounds(args: argparse.Namespace, scenario: Scenario, table: CouncilTable, toy: Any) -> dict:
    """Interleaved rounds: per round, mean CPU and wall per replication of model and yardstick."""
    out: dict[str, list[float]] = {k: [] for k in ("cpu", "wall", "toy_cpu", "toy_wall")}
    rep = 0
    for _ in range(args.rounds):
        model = [timed(lambda r=rep + i: run_replication(scenario, SeedKey(1, 0, r), table))
                 for i in range(args.replications)]
        rep += args.replications
        out["cpu"].append(statistics.fmean(c for c, _ in model))
        out["wall"].append(statistics.fmean(w for _, w in model))
        if toy is not None:
            yard = [timed(lambda r=rep + i: toy.run_event(r)) for i in range(args.replications)]
            out["toy_cpu"].append(statistics.fmean(c for c, _ in yard))
            out["toy_wall"].append(statistics.fmean(w for _, w in yard))
    return out


def layer_share(scenario: Scenario, table: CouncilTable, repeats: int = 3) -> float:
    """CPU of encoding a replication's tables (the worker's part), as a share of the model's CPU."""
    model = layer = 0.0
    for r in range(repeats):
        task = Task("baseline", 0, r, 2)
        began = time.process_time()
        result = run_replication(scenario, task.seed_key, table)
        middle = time.process_time()
        encode_result(task, scenario, result)
        model, layer = model + middle - began, layer + time.process_time() - middle
    return layer / model


def peak_memory_mib(scenario: Scenario, table: CouncilTable) -> float:
    """Peak resident memory of one replication above the memory held before it (Linux)."""
    def status(field: str) -> float:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field):
                return float(line.split()[1]) / 1024
        return float("nan")

    Path("/proc/self/clear_refs").write_text("5")  # reset the peak (VmHWM) to the current RSS
    before = status("VmRSS")
    run_replication(scenario, SeedKey(3, 0, 0), table)
    return status("VmHWM") - before


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("scenario", nargs="?", default=str(default_scenario_path()))
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--replications", type=int, default=3, help="per round, of each model")
    parser.add_argument("--councils", type=int, default=0, help="synthetic councils (0: England)")
    parser.add_argument("--horizon", type=float, default=0.0, help="months (0: the scenario's)")
    parser.add_argument("--variant", default="", help="variant to time (default: the baseline)")
    parser.add_argument("--memory", action="store_true", help="also the peak memory")
    args = parser.parse_args()
    overrides: dict[str, Any] = {}
    if args.councils:
        overrides = {"world.population.source": "synthetic",
                     "world.population.councils": args.councils}
    if args.horizon:
        overrides["run.horizon_months"] = args.horizon
    loaded = load_scenario(args.scenario, overrides)
    scenario = resolve(variant_scenarios(loaded)[args.variant or loaded.run.baseline])
    table = load_councils()
    toy = load_yardstick()
    councils = args.councils or len(table)
    council_years = councils * scenario.run.horizon_months / 12.0
    memory = peak_memory_mib(scenario, table) if args.memory else None  # before any other run
    run_replication(scenario, SeedKey(0, 0, 0), table)  # warm: imports and caches
    if toy is not None:
        toy.run_event(0)
    with counting_events() as counter:
        run_replication(scenario, SeedKey(1, 0, 0), table)
    events = counter["events"]
    out = rounds(args, scenario, table, toy)
    print(f"scenario {loaded.name}, variant {args.variant or loaded.run.baseline}: {councils} "
          f"councils x {scenario.run.horizon_months:g} months = {council_years:,.0f} council-years")
    print(f"rounds: {args.rounds} x {args.replications} replications of each model, interleaved; "
          "median (min-max over rounds)")
    print(f"model CPU per replication:     {spread(out['cpu'], 1000)} ms")
    print(f"model wall per replication:    {spread(out['wall'], 1000)} ms")
    print(f"model CPU per council-year:    {spread(out['cpu'], 1e6 / council_years)} µs")
    print(f"SimPy events per replication:  {events:,}")
    print(f"CPU per event:                 {spread(out['cpu'], 1e6 / max(events, 1), 2)} µs")
    if toy is not None:
        toy_years = yardstick_council_years(toy)
        per_year = [m / council_years / (y / toy_years)
                    for m, y in zip(out["cpu"], out["toy_cpu"], strict=True)]
        per_year_wall = [m / council_years / (y / toy_years)
                         for m, y in zip(out["wall"], out["toy_wall"], strict=True)]
        print(f"yardstick CPU per council-year: {spread(out['toy_cpu'], 1e6 / toy_years)} µs")
        print(f"ratio to yardstick per council-year, CPU:  {spread(per_year, 1.0, 2)}")
        print(f"ratio to yardstick per council-year, wall: {spread(per_year_wall, 1.0, 2)}")
    share = layer_share(scenario, table)
    print(f"encoding a replication's tables (worker): {share:.1%} of the model's CPU "
          "(the whole layer: benchmarks/experiment_layer.py)")
    if memory is not None:
        print(f"peak memory of the first replication above the imports: {memory:.0f} MiB")


if __name__ == "__main__":
    main()
