"""Print what one replication costs: seconds, SimPy events and peak memory.

Usage: python benchmarks/replication_cost.py [SCENARIO] [--replications N] [--councils N]

Runs replications in this process (no pool) so the figures are the model's own;
the first replication is reported apart because it pays for imports and caches.
"""

from __future__ import annotations

import argparse
import resource
import time

import simpy

from sim.experiments.tasks import Task, run_task
from sim.scenario.councils import load_councils
from sim.scenario.loading import load_scenario
from sim.scenario.schema import default_scenario_path
from sim.scenario.timeline import resolve


class CountingEnvironment(simpy.Environment):
    """A SimPy environment that counts the events it processes."""

    processed = 0

    def step(self) -> None:
        CountingEnvironment.processed += 1
        super().step()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("scenario", nargs="?", default=str(default_scenario_path()))
    parser.add_argument("--replications", type=int, default=10)
    parser.add_argument("--councils", type=int, default=0, help="synthetic councils (0: England)")
    args = parser.parse_args()
    overrides = {}
    if args.councils:
        overrides = {"world.population.source": "synthetic",
                     "world.population.councils": args.councils}
    scenario = load_scenario(args.scenario, overrides)
    resolved = resolve(scenario)  # once, as the experiments layer does per variant
    table = load_councils()
    simpy.Environment = CountingEnvironment  # type: ignore[misc]
    import sim.model.world as world_module

    world_module.simpy.Environment = CountingEnvironment  # type: ignore[misc]
    seconds = []
    for rep in range(args.replications + 1):
        began = time.perf_counter()
        run_task(Task("baseline", 0, rep, scenario.run.seed), resolved, table, False)
        seconds.append(time.perf_counter() - began)
    warm = seconds[1:]
    events = CountingEnvironment.processed / len(seconds)
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"scenario: {scenario.name}  councils: {args.councils or 152}  "
          f"horizon: {scenario.run.horizon_months:g} months")
    print(f"first replication: {seconds[0]:.3f} s (imports, caches)")
    print(f"per replication (mean of {len(warm)}): {sum(warm) / len(warm):.3f} s, "
          f"min {min(warm):.3f} s, max {max(warm):.3f} s")
    print(f"SimPy events per replication: {events:,.0f} "
          f"({events / (sum(seconds) / len(seconds)):,.0f} events/s)")
    print(f"peak resident memory: {peak_mib:.0f} MiB")


if __name__ == "__main__":
    main()
