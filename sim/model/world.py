"""The World owns one replication's state; ``run_replication`` is the model's only door.

Institutions (Ofsted here; the Department for Education and the workforce plug
in the same way) are small SimPy processes that take the world and act on its
councils. The latent scores of all councils live in one ``Latent`` (arrays,
exact OU: ``sim.model.latent``), whose month ends come from one shared normal
per council and month (``drift`` stream), so variants of a scenario see the
same shocks. One calendar process does everything that happens at a month
boundary, in a fixed order: close the month for every council at once, apply
the timeline, the institutions' month-end work, the month-end snapshot, and
the next month's concern-signal candidates (sliced from a year's, drawn at once).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import simpy

from sim.model import dfe, focused, leadership, ofsted, workforce
from sim.model.capacity import Capacity
from sim.model.council import Council, grade_of
from sim.model.institution import Institution
from sim.model.latent import Latent, Levels
from sim.model.recorder import Recorder, ReplicationResult
from sim.model.setup import build_councils
from sim.model.signals import ConcernSignals
from sim.model.staffpool import StaffPool
from sim.model.streams import CouncilDraws, SeedKey, Streams
from sim.model.summary import replication_result, snapshot
from sim.scenario.councils import CouncilTable
from sim.scenario.schema import Policy, ResolvedScenario, Scenario, WorldFacts

# Each institution's start(world) schedules its processes and registers its probes.
INSTITUTIONS: tuple[Callable[[World], None], ...] = (
    ofsted.start,
    focused.start,
    dfe.start,
    workforce.start,
    leadership.start,
)


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
        self.institutions: dict[str, Institution] = {}  # in registration order
        self._latent: Latent | None = None
        self._levels: Levels | None = None
        self._signals: ConcernSignals | None = None

    def register(self, institution: Institution) -> None:
        """Plug an institution in: its hooks run from now on (``sim.model.institution``)."""
        self.institutions[institution.name] = institution

    # --- latent performance -------------------------------------------------------------
    @property
    def levels(self) -> Levels:
        """Every council's long-run level, from the councils' base levels on first use."""
        if self._levels is None:
            self._levels = Levels(np.array([c.base for c in self.councils]))
        return self._levels

    @property
    def latent(self) -> Latent:
        """Every council's latent score, built from the councils on first use."""
        if self._latent is None:
            perf = self.params.performance
            self._latent = Latent(
                np.array([c.q for c in self.councils]),
                self.levels.all(),
                perf.reversion_rate,
                perf.volatility,
                self.streams["drift"].standard_normal,
                self.draws("drift_within_month").normal,
            )
        return self._latent

    def draws(self, name: str) -> CouncilDraws:
        """A named stream's draws council by council (a council's k-th draw is fixed)."""
        return self.streams.draws(name, len(self.councils))

    @property
    def signals(self) -> ConcernSignals:
        """This month's concern-signal candidates (``sim.model.signals``)."""
        if self._signals is None:
            self._signals = ConcernSignals(self.env, self.latent, self.streams["signals"])
        return self._signals

    def advance(self, council: Council, time: float | None = None) -> float:
        """A council's q at ``time`` (default now), exact; also kept on ``council.q``."""
        target = self.env.now if time is None else time
        council.q = self.latent.at(council.index, target)
        council.q_time = target
        return council.q

    def _level_changed(self, i: int) -> None:
        self.latent.set_level(i, self.env.now, self.levels.of(i))
        if self._signals is not None:
            self._signals.level_changed(i)

    def uplift(self, council: Council, name: str) -> float:
        """One term of a council's long-run level now (0 when not in force)."""
        values = self.levels.terms.get(name)
        return 0.0 if values is None else float(values[council.index])

    def set_uplift(self, council: Council, name: str, value: float) -> None:
        """Change one term of a council's long-run level from now on (0 removes it)."""
        values = self.levels.term(name)
        if values[council.index] != value:
            values[council.index] = value
            self._level_changed(council.index)

    def set_uplifts(self, index: np.ndarray | slice, name: str, values: np.ndarray) -> None:
        """Change one term of the level of the councils at ``index`` (an index array or
        ``slice(None)``, all) at once (month ends)."""
        self.levels.term(name)[index] = values
        self.latent.set_levels(index, self.env.now, self.levels.all(index))
        if self._signals is not None:
            self._signals.level_changed(index)

    def set_base(self, council: Council, base: float) -> None:
        """Replace a council's base level from now on (a leadership change)."""
        council.base = base
        self.levels.base[council.index] = base
        self._level_changed(council.index)

    def true_grade(self, council: Council) -> int:
        return grade_of(self.advance(council), self.params.performance.cutpoints)

    def reading(self, council: Council, noise: float | None = None) -> float:
        """A noisy reading of q now (noise sd: the framework's; default the world's)."""
        if noise is None:
            noise = self.params.performance.judgement_noise_sd
        draw = self.draws("judgements").normal(council.index)
        return self.advance(council) + noise * draw

    # --- processes ------------------------------------------------------------------------
    def apply_timeline(self, month: int) -> None:
        """Switch to the rules dated at this month start (every council's q is up to date)."""
        for at, scenario in self._changes:
            if at == month:
                framework = self.policy.ofsted.framework
                self.params, self.policy = scenario.world, scenario.policy
                perf = self.params.performance
                self.latent.set_dynamics(perf.reversion_rate, perf.volatility)
                self.commissioners.set_capacity(self.policy.regime.commissioners)
                self.recorder.log(self.env.now, "", "timeline", month=at)
                ofsted.rules_changed(self, framework)

    def month_boundary(self, month: int) -> None:
        """Everything dated at a month boundary, in a fixed order (see the module notes)."""
        self.latent.roll_to(month)
        self.apply_timeline(month)
        self.capacity.open(month)  # this month's starts, under the rules just applied
        if month > 0:
            for institution in self.institutions.values():
                institution.month_end(self)
        snapshot(self, month)
        sig = self.params.signals
        cut = self.params.performance.cutpoints[0]
        self.signals.begin_month(month, sig.rate_at_inadequate, sig.slope, cut, sig.max_rate)

    def run(self) -> ReplicationResult:
        """Start every process, run to the horizon and summarise."""
        for start in INSTITUTIONS:
            start(self)
        self.env.process(calendar(self))
        self.env.run(until=self.horizon)
        last = math.floor(self.horizon + 1e-9)
        if self.recorder.monthly_rows[-1]["month"] < last:
            # the horizon's own month end: run(until=) stops just before it
            self.latent.roll_to(last)
            snapshot(self, last)
        return replication_result(self)


def calendar(world: World) -> simpy.events.ProcessGenerator:
    """The month boundaries of the run: month 0 now, then every month end before the horizon."""
    world.month_boundary(0)
    for month in range(1, math.floor(world.horizon + 1e-9) + 1):
        yield world.env.timeout(month - world.env.now)
        if month < world.horizon:
            world.month_boundary(month)


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
