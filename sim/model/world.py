"""The World owns one replication's state; ``run_replication`` is the model's only door.

Institutions (Ofsted here; the Department for Education and the workforce plug
in the same way) are small SimPy processes that take the world and act on its
councils. The world keeps the latent scores exact: ``advance`` moves a
council's q to the present with the exact OU transition, using one shared
standard normal per council and month boundary (drawn up front from the
``drift`` stream) so that variants of a scenario see the same shocks, and a
separate stream for the part of an interval inside a month.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import simpy

from sim.model import dfe, leadership, ofsted, workforce
from sim.model.capacity import Capacity
from sim.model.council import Council, grade_of, ou_step
from sim.model.dfe import Case
from sim.model.recorder import Recorder, ReplicationResult
from sim.model.setup import build_councils
from sim.model.sponsors import SponsorPool
from sim.model.streams import SeedKey, Streams
from sim.model.summary import replication_result, snapshot
from sim.scenario.councils import CouncilTable
from sim.scenario.schema import Policy, ResolvedScenario, Scenario, WorldFacts

JudgementListener = Callable[["World", Council, int, str], None]
Probe = Callable[["World"], dict[str, float]]


# Each institution's start(world) schedules its processes and registers its probes.
INSTITUTIONS: tuple[Callable[[World], None], ...] = (
    ofsted.start,
    dfe.start,
    workforce.start,
    leadership.start,
)


class StaffPool(simpy.PriorityResource):
    """Commissioners, whose number a timeline entry may change mid-run.

    A smaller number lets work under way finish and makes new requests wait.
    SimPy fixes a resource's capacity at creation, so this sets its protected
    ``_capacity`` and re-runs its put queue.
    """

    def __init__(self, env: simpy.Environment, size: int) -> None:
        super().__init__(env, capacity=max(size, 1))
        self.set_capacity(size)

    def set_capacity(self, size: int) -> None:
        """Change the number of people from now on."""
        self._capacity = size
        self._trigger_put(None)


class World:
    """One replication's environment, councils, capacity, random streams and recorder."""

    def __init__(
        self,
        scenario: ResolvedScenario | Scenario,
        key: SeedKey,
        table: CouncilTable,
        *,
        trace: bool = False,
    ) -> None:
        if isinstance(scenario, Scenario):
            scenario = ResolvedScenario.untimed(scenario)
        initial, self._changes = scenario.initial, scenario.changes
        self.env = simpy.Environment()
        self.scenario = initial
        self.horizon = initial.run.horizon_months
        self.params: WorldFacts = initial.world
        self.table = table
        self.policy: Policy = initial.policy
        self.streams = Streams(key)
        self.councils: list[Council] = build_councils(initial, table, self.streams)
        self.recorder = Recorder([c.name for c in self.councils], trace=trace)
        self.capacity = Capacity(self)
        self.commissioners = StaffPool(self.env, self.policy.regime.commissioners)
        self.cases: dict[int, Case] = {}
        self.sponsor_pool = SponsorPool()
        # Plug-in points for institutions: called on every judgement, at every month end
        # (extra monthly columns) and at the end (extra outcomes, registered in OUTCOMES).
        self.judgement_listeners: list[JudgementListener] = []
        self.monthly_probes: list[Probe] = []
        self.final_probes: list[Probe] = []
        self.cycles: dict[int, simpy.Process] = {}
        self.signal_bound = self.params.signals.max_rate
        boundaries = math.ceil(self.horizon) + 1
        self._shocks = self.streams["drift"].standard_normal((len(self.councils), boundaries + 1))

    # --- latent performance -------------------------------------------------------------
    def advance(self, council: Council, time: float | None = None) -> float:
        """Move a council's q exactly to ``time`` (default now) and return it."""
        target = self.env.now if time is None else time
        perf = self.params.performance
        theta, sigma, level = perf.reversion_rate, perf.volatility, council.level
        while council.q_time < target - 1e-12:
            boundary = math.floor(council.q_time + 1e-9) + 1
            if boundary <= target + 1e-9 and boundary < self._shocks.shape[1]:
                z, end = float(self._shocks[council.index, boundary]), float(boundary)
            else:
                within = self.streams.council("drift_within_month", council.index)
                z, end = float(within.standard_normal()), target
            council.q = ou_step(council.q, level, theta, sigma, end - council.q_time, z)
            council.q_time = end
        return council.q

    def set_uplift(self, council: Council, name: str, value: float) -> None:
        """Change one term of a council's long-run level from now on (0 removes it)."""
        self.advance(council)
        if value == 0.0:
            council.uplifts.pop(name, None)
        else:
            council.uplifts[name] = value

    def set_base(self, council: Council, base: float) -> None:
        """Replace a council's base level from now on (a leadership change)."""
        self.advance(council)
        council.base = base

    def true_grade(self, council: Council) -> int:
        return grade_of(self.advance(council), self.params.performance.cutpoints)

    def reading(self, council: Council, noise: float | None = None) -> float:
        """A noisy reading of q now (noise sd: the framework's; default the world's)."""
        if noise is None:
            noise = self.params.performance.judgement_noise_sd
        draw = self.streams.council("judgements", council.index).standard_normal()
        return self.advance(council) + noise * float(draw)

    # --- processes ------------------------------------------------------------------------
    def apply_timeline(self, at: float, scenario: Scenario) -> simpy.events.ProcessGenerator:
        """At ``at``, bring every council up to date under the old rules, then switch rules."""
        yield self.env.timeout(at)
        for council in self.councils:
            self.advance(council)
        framework = self.policy.ofsted.framework
        self.params, self.policy = scenario.world, scenario.policy
        self.commissioners.set_capacity(self.policy.regime.commissioners)
        self.recorder.log(self.env.now, "", "timeline", month=at)
        ofsted.rules_changed(self, framework)

    def run(self) -> ReplicationResult:
        """Start every process, run to the horizon and summarise."""
        for at, state in self._changes:
            self.env.process(self.apply_timeline(at, state))
        for start in INSTITUTIONS:
            start(self)
        self.env.process(monthly_snapshots(self))
        self.env.run(until=self.horizon)
        last = math.floor(self.horizon + 1e-9)
        if self.recorder.monthly_rows[-1]["month"] < last:
            snapshot(self, last)  # the horizon's own month end: run(until=) stops just before it
        return replication_result(self)


def monthly_snapshots(world: World) -> simpy.events.ProcessGenerator:
    """Record counts by true and judged grade at month 0 and every month end."""
    snapshot(world, 0)
    for month in range(1, math.floor(world.horizon + 1e-9) + 1):
        yield world.env.timeout(month - world.env.now)
        snapshot(world, month)


def run_replication(
    scenario: ResolvedScenario | Scenario,
    key: SeedKey,
    table: CouncilTable,
    *,
    trace: bool = False,
) -> ReplicationResult:
    """Run one replication of one resolved (variant) scenario: no I/O, no printing.

    Deterministic in ``key``. A plain ``Scenario`` is accepted when it has no timeline.
    """
    return World(scenario, key, table, trace=trace).run()
