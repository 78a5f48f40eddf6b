"""Sponsors and trusts: who takes over a failing council, when, and at what cost to themselves.

A sponsor is a high-performing council (or group), a charity recruited by the
drive for new sponsors, or one of the independent trusts already running at the
start (Doncaster, Slough). Councils that failed their review wait in one queue;
``dispatch`` pairs the next council (FIFO, or worst judged score first) with an
eligible sponsor that has a free slot whenever anything changes. A council
sponsor is eligible only while every member council is judged at least the
minimum grade, and each trust it runs lowers its own long-run level.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import simpy

from sim.model.cases import department, end_commissioner
from sim.model.council import GOOD, Council
from sim.scenario.schema import GRADES

if TYPE_CHECKING:
    from sim.model.world import World


@dataclass(eq=False)
class Sponsor:
    """One sponsor: its kind, member councils and the trusts it runs (council indices)."""

    name: str
    kind: str  # "council", "charity" or "independent"
    members: list[int] = field(default_factory=list)
    trusts: list[int] = field(default_factory=list)
    ran_a_trust: bool = False

    def capacity(self, world: World) -> int:
        """Independent trusts run only their own council; other sponsors by policy."""
        return 1 if self.kind == "independent" else world.policy.sponsors.capacity_per_sponsor


@dataclass
class Waiting:
    """A council in the sponsor queue."""

    council: int
    since: float
    order: int


@dataclass
class SponsorPool:
    """All sponsors and the queue of councils waiting for one."""

    sponsors: list[Sponsor] = field(default_factory=list)
    queue: list[Waiting] = field(default_factory=list)
    arrivals: int = 0
    queue_max: int = 0
    fell_below_good: set[str] = field(default_factory=set)
    fell_while_running: set[str] = field(default_factory=set)
    sponsor_of: dict[int, Sponsor] = field(default_factory=dict)
    started: dict[int, float] = field(default_factory=dict)
    # council index -> the council sponsors it belongs to, for the sponsors listed so far
    _membership: tuple[int, dict[int, list[Sponsor]]] = (-1, {})
    # bumped whenever a sponsor's slots or a member's grade change (see ``dispatch``)
    changes: int = 0
    # (sponsors policy, sponsors listed, changes) when dispatch last found no free sponsor
    idle: tuple[object, int, int] | None = None

    def sponsors_with(self, council: int) -> list[Sponsor]:
        """The council sponsors (in list order) that ``council`` is a member of.

        Built again whenever the list of sponsors has grown (members never change), so
        a judgement does not scan every sponsor.
        """
        if self._membership[0] != len(self.sponsors):
            table: dict[int, list[Sponsor]] = {}
            for sponsor in self.sponsors:
                if sponsor.kind == "council":
                    for member in dict.fromkeys(sponsor.members):
                        table.setdefault(member, []).append(sponsor)
            self._membership = (len(self.sponsors), table)
        return self._membership[1].get(council, [])


def council_sponsors(world: World) -> list[Sponsor]:
    """The named high performers; for a synthetic population, its best starting councils."""
    config = world.policy.sponsors.council_sponsors
    if world.scenario.world.population.source == "synthetic":
        ranked = sorted(world.councils, key=lambda c: (-c.judged, -c.q))
        return [
            Sponsor(s.name, "council", [ranked[i].index])
            for i, s in enumerate(config)
            if i < len(ranked)
        ]
    by_name = {c.name: c.index for c in world.councils}
    sponsors = []
    for spec in config:  # names checked at load time (sim.scenario.loading.check_sponsors)
        sponsors.append(Sponsor(spec.name, "council", [by_name[n] for n in spec.councils]))
    return sponsors


def eligible(world: World, sponsor: Sponsor) -> bool:
    """Free slot, and (for a council sponsor) every member judged at least the minimum grade."""
    return bool(free_sponsors(world, [sponsor]))


def free_sponsors(world: World, sponsors: list[Sponsor]) -> list[Sponsor]:
    """The sponsors that are ``eligible`` now, in list order (the policy read once)."""
    capacity = world.policy.sponsors.capacity_per_sponsor
    floor = GRADES.index(world.policy.sponsors.min_sponsor_grade)
    councils = world.councils
    free = []
    for sponsor in sponsors:
        if sponsor.kind == "independent" or len(sponsor.trusts) >= capacity:
            continue
        if sponsor.kind == "charity" or all(councils[m].judged >= floor for m in sponsor.members):
            free.append(sponsor)
    return free


def enqueue(world: World, council: Council) -> None:
    """Put a council in the sponsor queue and try to place it at once."""
    pool = department(world).pool
    pool.queue.append(Waiting(council.index, world.env.now, pool.arrivals))
    pool.arrivals += 1
    pool.queue_max = max(pool.queue_max, len(pool.queue))
    world.recorder.log(
        world.env.now,
        council.name,
        "queue_entry",
        queue_length=len(pool.queue),
        score=round(council.judged_score, 4),
    )
    dispatch(world)


def leave_queue(world: World, council: Council) -> None:
    """Take a council out of the queue (it improved before a sponsor was found)."""
    pool = department(world).pool
    pool.queue = [w for w in pool.queue if w.council != council.index]


def next_in_queue(world: World) -> Waiting:
    """FIFO, or the worst latest judged score first (ties by arrival)."""
    queue = department(world).pool.queue
    if world.policy.sponsors.queue == "fifo":
        return min(queue, key=lambda w: w.order)
    return min(queue, key=lambda w: (world.councils[w.council].judged_score, w.order))


def dispatch(world: World) -> None:
    """Pair waiting councils with eligible sponsors until one side runs out.

    Who is free depends only on the sponsors policy, the sponsors listed, their slots
    and their members' grades: while none of these changed since a dispatch found no
    free sponsor, none is free still (``SponsorPool.idle``), and the scan is skipped.
    """
    pool = department(world).pool
    while pool.queue:
        policy, idle = world.policy.sponsors, pool.idle
        state = (len(pool.sponsors), pool.changes)
        if idle is not None and idle[0] is policy and idle[1:] == state:
            return
        free = free_sponsors(world, pool.sponsors)
        if not free:
            pool.idle = (policy, *state)
            return
        sponsor = max(free, key=lambda s: s.capacity(world) - len(s.trusts))
        waiting = next_in_queue(world)
        pool.queue.remove(waiting)
        world.recorder.observe("sponsor_wait_months", world.env.now - waiting.since)
        council = world.councils[waiting.council]
        assign(world, council, sponsor)  # at once, so the next pass sees the slot taken
        world.env.process(run_trust(world, council, sponsor))


def assign(world: World, council: Council, sponsor: Sponsor) -> None:
    """Record a new trust with its sponsor and stretch the sponsor's own leadership."""
    sponsor.trusts.append(council.index)
    sponsor.ran_a_trust = True
    pool = department(world).pool
    pool.sponsor_of[council.index] = sponsor
    pool.changes += 1
    update_load(world, sponsor)


def update_load(world: World, sponsor: Sponsor) -> None:
    """A sponsor council's level falls by the load penalty per trust it runs."""
    if sponsor.kind != "council":
        return
    penalty = -world.policy.sponsors.load_penalty * len(sponsor.trusts)
    for member in sponsor.members:
        world.set_uplift(world.councils[member], "sponsor_load", penalty)


def run_trust(world: World, council: Council, sponsor: Sponsor) -> simpy.events.ProcessGenerator:
    """Set up the trust, start it, and ramp its uplift in monthly steps."""
    council.status = "trust_setup"
    world.recorder.count("cost_trusts_gbp", amount=world.params.costs.trust_setup_gbp)
    world.recorder.log(
        world.env.now,
        council.name,
        "sponsor_found",
        sponsor=sponsor.name,
        kind=sponsor.kind,
        setup_months=world.policy.trusts.setup_months,
    )
    yield world.env.timeout(world.policy.trusts.setup_months)
    end_commissioner(world, council)
    start_trust(world, council, world.env.now)
    world.recorder.count("takeovers", council.index)
    world.recorder.log(world.env.now, council.name, "trust_start", sponsor=sponsor.name)
    yield from ramp(world, council, world.env.now)


def start_trust(world: World, council: Council, started: float) -> None:
    """Mark a council as run by a trust from ``started`` (may be before time 0)."""
    council.status = "trust"
    department(world).pool.started[council.index] = started


def ramp(world: World, council: Council, started: float) -> simpy.events.ProcessGenerator:
    """The trust's uplift grows linearly over the ramp, in monthly steps, while the trust runs."""
    trusts = world.policy.trusts
    steps = max(1, round(trusts.ramp_months))
    while department(world).pool.started.get(council.index) == started:
        elapsed = world.env.now - started
        share = 1.0 if trusts.ramp_months == 0 else min(1.0, elapsed / trusts.ramp_months)
        world.set_uplift(council, "trust", trusts.uplift * share)
        if share >= 1.0:
            return
        yield world.env.timeout(trusts.ramp_months / steps)


def hand_back(world: World, council: Council) -> None:
    """End a trust: the service returns to the council, the sponsor's slot frees up."""
    pool = department(world).pool
    sponsor = pool.sponsor_of.pop(council.index)
    sponsor.trusts.remove(council.index)
    pool.changes += 1
    update_load(world, sponsor)
    started = pool.started.pop(council.index)
    world.recorder.count("trust_months", amount=world.env.now - max(started, 0.0))
    world.set_uplift(council, "trust", 0.0)
    council.status = "none"
    world.recorder.count("hand_backs")
    world.recorder.log(
        world.env.now,
        council.name,
        "hand_back",
        sponsor=sponsor.name,
        months=round(world.env.now - started, 3),
    )
    dispatch(world)


def note_sponsor_judgement(world: World, council: Council) -> None:
    """A sponsor council judged below good is counted; one back at good may take work again."""
    pool = department(world).pool
    member_of = pool.sponsors_with(council.index)
    if member_of:
        pool.changes += 1  # a member's new grade may make its sponsor free, or not
    for sponsor in member_of:
        if council.judged < GOOD and sponsor.ran_a_trust:
            pool.fell_below_good.add(sponsor.name)
            if sponsor.trusts:  # while running trusts: the falls load can explain
                pool.fell_while_running.add(sponsor.name)
            world.recorder.log(
                world.env.now,
                council.name,
                "sponsor_below_good",
                sponsor=sponsor.name,
                grade=GRADES[council.judged],
            )
    dispatch(world)


def recruit_charities(world: World) -> simpy.events.ProcessGenerator:
    """New charity sponsors join as a Poisson process until the cap."""
    rng = world.streams["sponsors"]
    joined = 0
    while True:
        config = world.policy.sponsors
        if joined >= config.charity_cap or config.charity_recruitment_rate <= 0:
            return
        yield world.env.timeout(rng.exponential(1.0 / config.charity_recruitment_rate))
        joined += 1
        sponsor = Sponsor(f"Charity {joined}", "charity")
        department(world).pool.sponsors.append(sponsor)
        world.recorder.log(world.env.now, sponsor.name, "sponsor_joined", kind="charity")
        dispatch(world)


def announced_trust(
    world: World, council: Council, at: float, name: str
) -> simpy.events.ProcessGenerator:
    """At ``at``, a trust the government named takes over (Sunderland, April 2017).

    Whatever the council's intervention then (a commissioner, the queue), the named
    trust replaces it; a council already run by a trust is left alone.
    """
    yield world.env.timeout(max(0.0, at - world.env.now))
    if council.status in ("trust_setup", "trust"):
        return
    if council.status == "awaiting_sponsor":
        leave_queue(world, council)
    end_commissioner(world, council)
    department(world).cases.pop(council.index, None)
    sponsor = Sponsor(name, "independent")
    department(world).pool.sponsors.append(sponsor)
    assign(world, council, sponsor)
    start_trust(world, council, world.env.now)
    world.recorder.count("takeovers", council.index)
    world.recorder.log(world.env.now, council.name, "trust_start", sponsor=name, announced=True)
    yield from ramp(world, council, world.env.now)


def schedule_announced_trusts(world: World) -> None:
    """Start the process of every announced trust (real councils only)."""
    if world.scenario.world.population.source == "synthetic":
        return
    by_name = {c.name: c for c in world.councils}
    for spec in world.policy.regime.announced_trusts:  # names checked at load time
        at = float(world.scenario.months_from_start(spec.at))
        world.env.process(announced_trust(world, by_name[spec.council], at, spec.sponsor))
