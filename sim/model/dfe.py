"""The Department for Education: direction, commissioner, deadline review, takeover decision.

On an inadequate judgement the council receives a statutory direction and, by
policy, a commissioner (from a limited pool, after a delay) or an improvement
notice. Under the reform a review ``deadline_months`` later reads performance
with noise and asks for significant improvement; a failure leads (by policy) to
a takeover, another deadline, or keeping the commissioner. Under either regime,
persistent failure (inadequate more than once in five years) leads to a
takeover. A judgement of requires improvement or better ends the intervention;
a trust hands the service back after its minimum period once judged good.

Council statuses (exactly one each): none, notice, direction (awaiting a
commissioner), commissioner, awaiting_sponsor, trust_setup, trust.
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

import numpy as np

from sim.model import sponsors
from sim.model.cases import Case, DepartmentState, department, end_commissioner, starting_spell
from sim.model.council import GOOD, INADEQUATE, Council
from sim.model.timers import after, soon, start_after, when

if TYPE_CHECKING:
    from sim.model.world import World
    from sim.scenario.regime_rules import Regime

STATUSES = (
    "none",
    "notice",
    "direction",
    "commissioner",
    "awaiting_sponsor",
    "trust_setup",
    "trust",
)
STATUS_KEYS = tuple(f"status_{s}" for s in STATUSES)  # the monthly columns
UNDER_INTERVENTION = ("notice", "direction", "commissioner")
TAKEN_OVER = ("awaiting_sponsor", "trust_setup", "trust")


def start(world: World) -> None:
    """Register the regime with the world and set up England's interventions at the start."""
    spells = [starting_spell(council) for council in world.councils]
    state = Department(spells, sponsors.SponsorPool())
    world.register(state)
    pool = state.pool
    pool.sponsors = sponsors.council_sponsors(world)
    pool.sponsors += [
        sponsors.Sponsor(f"Charity {i + 1}", "charity")
        for i in range(world.policy.sponsors.initial_charities)
    ]
    world.env.process(sponsors.recruit_charities(world))
    # Commissioners already in post take their places in the pool before new cases queue.
    for council in sorted(world.councils, key=lambda c: c.status != "commissioner"):
        starting_state(world, council)
    sponsors.schedule_announced_trusts(world)


class Department(DepartmentState):
    """DfE's hooks on its state: reacts to judgements, counts statuses, reports outcomes."""

    def on_judgement(self, world: World, council: Council, previous: int, kind: str) -> None:
        on_judgement(world, council, previous, kind)

    def reading(
        self, world: World, month: int, truly: np.ndarray, judged: np.ndarray
    ) -> dict[str, float]:
        return status_counts(world)

    def outcomes(self, world: World) -> dict[str, float]:
        return regime_outcomes(world)


def starting_state(world: World, council: Council) -> None:
    """Trusts (Doncaster, Slough) and commissioners (Sunderland, Norfolk, Sandwell) at time 0."""
    if council.status == "trust":
        since = council.status_since if council.status_since is not None else 0.0
        sponsor = sponsors.Sponsor(f"{council.name} Children's Services Trust", "independent")
        department(world).pool.sponsors.append(sponsor)
        sponsors.assign(world, council, sponsor)
        sponsors.start_trust(world, council, min(since, 0.0))
        world.env.process(sponsors.ramp(world, council, min(since, 0.0)))
    elif council.status == "commissioner":
        open_case(world, council, appoint_at_once=True)
    elif council.judged == INADEQUATE:
        if world.policy.regime.apply_to_existing:
            open_case(world, council)
        else:
            council.status = "notice"
            world.set_uplift(council, "intervention", world.policy.regime.notice_uplift)
    else:
        council.status = "none"


def on_judgement(world: World, council: Council, previous: int, kind: str) -> None:
    """React to a published judgement."""
    note_recovery(world, council, previous)
    sponsors.note_sponsor_judgement(world, council)
    if council.judged == INADEQUATE:
        on_inadequate(world, council)
    else:
        on_better(world, council)


def note_recovery(world: World, council: Council, previous: int) -> None:
    """Recovery time (inadequate judgement to a better one) and relapses after a recovery."""
    rec, now = world.recorder, world.env.now
    spell = department(world).spells[council.index]
    if council.judged == INADEQUATE and previous != INADEQUATE:
        if spell.recovered:
            rec.count("relapses")
        spell.start = now
    elif council.judged != INADEQUATE and previous == INADEQUATE:
        if spell.start is not None:
            rec.observe("recovery_months", now - spell.start)
        spell.recovered, spell.start = True, None


def on_inadequate(world: World, council: Council) -> None:
    """A direction; then persistent-failure takeover, or a (renewed) intervention."""
    department(world).spells[council.index].inadequate_times.append(world.env.now)
    world.recorder.log(world.env.now, council.name, "direction", status=council.status)
    if council.status in TAKEN_OVER:
        return
    if persistent_failure(world, council):
        # The council keeps (or gets) a commissioner while it waits for a sponsor.
        open_case(world, council, reviewed=False)
        decide_takeover(world, council, "persistent_failure")
        return
    open_case(world, council)


def persistent_failure(world: World, council: Council) -> bool:
    """Inadequate at least the set number of times within the window (e.g. twice in 5 years)."""
    regime = world.policy.regime
    if regime.persistent_failure_judgements is None:
        return False
    since = world.env.now - regime.persistent_window_months
    times = department(world).spells[council.index].inadequate_times
    recent = [t for t in times if t > since]
    return len(recent) >= regime.persistent_failure_judgements


def review_reading(world: World, council: Council) -> float:
    """What the government's review reads now, with its noise: by ``review_measures``,
    the council's long-run level m (its leadership and systems: the capacity to improve
    that a commissioner reports on) or its performance q."""
    regime = world.policy.regime
    draw = world.draws("regime").normal(council.index)
    q = world.advance(council)
    signal = world.levels.of(council.index) if regime.review_measures == "level" else q
    return signal + regime.review_noise_sd * draw


def baseline_reading(world: World, council: Council) -> float:
    """The intervention's starting evidence: a fresh reading, as noisy as the review's.

    Not the judgement's own score: that reading was picked for being low, so a review
    against it would pass on regression to the mean alone (issue 9). Against a fresh
    reading, a council whose level (or q) did not move passes only at the rate the two
    readings' noise allows, ``P(N(0, 2 sd^2) >= improvement_rise)``.
    """
    return review_reading(world, council)


def open_case(
    world: World, council: Council, *, appoint_at_once: bool = False, reviewed: bool = True
) -> None:
    """Start an intervention (or renew the open one) and schedule its review (if ``reviewed``)."""
    regime = world.policy.regime
    case = department(world).cases.get(council.index)
    if case is None:
        case = Case(council.judgement_id, baseline_reading(world, council))
        department(world).cases[council.index] = case
        if appoint_at_once or gets_commissioner(world, council):  # in post already, or due one
            # an adviser under the direction until the commissioner is in post
            world.set_uplift(council, "intervention", regime.notice_uplift)
            council.status = "commissioner" if appoint_at_once else "direction"
            delay = 0.0 if appoint_at_once else regime.commissioner_delay_months
            appoint_commissioner(world, council, case, delay)
        else:
            council.status = "notice"
            world.set_uplift(council, "intervention", regime.notice_uplift)
    else:
        case.judgement, case.extensions = council.judgement_id, 0
        case.score = baseline_reading(world, council)
        if case.request is None and gets_commissioner(world, council):
            # the criteria now call for a commissioner (persistent failure): the notice's
            # adviser stays until the commissioner is in post
            if council.status == "notice":
                council.status = "direction"
            delay = regime.commissioner_delay_months
            appoint_commissioner(world, council, case, delay)
    if regime.deadline_months is not None and reviewed:
        start_review(world, council, case.judgement)


def gets_commissioner(world: World, council: Council) -> bool:
    """Whether a new intervention is a commissioner (else a notice and adviser).

    Under the 2016 criteria: persistent failure (this judgement included) or systemic
    failure (the judgement's reading below ``systemic_failure_below``).
    """
    regime = world.policy.regime
    if regime.intervention != "criteria":
        return regime.intervention == "commissioner"
    systemic = regime.systemic_failure_below
    return persistent_failure(world, council) or (
        systemic is not None and council.judged_score < systemic
    )


def appoint_commissioner(world: World, council: Council, case: Case, delay: float) -> None:
    """Ask for a free commissioner; once granted, the appointment delay; then in post.

    Callbacks (``sim.model.timers``) in the order a process would take these steps.
    """
    soon(world.env, lambda: _ask_for_commissioner(world, council, case, delay))


def _ask_for_commissioner(world: World, council: Council, case: Case, delay: float) -> None:
    case.request = world.commissioners.request()
    when(case.request, lambda _: after(world.env, delay, lambda: _appoint(world, council, case)))


def _appoint(world: World, council: Council, case: Case) -> None:
    """The commissioner takes up post (unless the case closed or was withdrawn meanwhile)."""
    if department(world).cases.get(council.index) is not case or case.request is None:
        return
    case.appointed_at = world.env.now
    world.set_uplift(council, "intervention", world.policy.regime.commissioner_uplift)
    if council.status == "direction":
        council.status = "commissioner"
    world.recorder.log(world.env.now, council.name, "commissioner_appointed")


def close_case(world: World, council: Council, reason: str) -> None:
    """The intervention ends (the council improved, or its trust handed it back)."""
    end_commissioner(world, council)
    department(world).cases.pop(council.index, None)
    world.recorder.log(
        world.env.now,
        council.name,
        "intervention_ended",
        reason=reason,
        previous_status=council.status,
    )
    council.status = "none"


def start_review(world: World, council: Council, judgement: int) -> None:
    """The deadline review of the case ``judgement`` opened (or renewed), by the regime then in
    force (callbacks, ``sim.model.timers``, in the order a process would take these steps)."""
    soon(world.env, lambda: _await_review(world, council, judgement))


def _await_review(world: World, council: Council, judgement: int) -> None:
    regime = world.policy.regime
    after(
        world.env, regime.deadline_months or 0.0, lambda: review(world, council, judgement, regime)
    )


def review(world: World, council: Council, judgement: int, regime: Regime) -> None:
    """The deadline review: significant improvement, or the policy's response to failure."""
    case = department(world).cases.get(council.index)
    if case is None or case.judgement != judgement or council.status not in UNDER_INTERVENTION:
        return
    reading = review_reading(world, council)
    required = case.score + regime.improvement_rise
    bar = regime.improvement_bar
    passed = reading >= required or (bar is not None and reading >= bar)
    world.recorder.count("reviews_passed" if passed else "reviews_failed")
    world.recorder.log(
        world.env.now, council.name, "review", reading=round(reading, 4),
        baseline=round(case.score, 4), required=round(required, 4), bar=bar, passed=passed,
        extensions=case.extensions,
    )  # fmt: skip
    if not passed:
        respond_to_failure(world, council, case)


def respond_to_failure(world: World, council: Council, case: Case) -> None:
    """Take over, extend the deadline (up to the limit), or keep the commissioner."""
    regime = world.policy.regime
    action = regime.on_failure
    if action == "extend" and case.extensions < regime.max_extensions:
        case.extensions += 1
        world.recorder.log(
            world.env.now, council.name, "decision", action="extend", extension=case.extensions
        )
        start_review(world, council, case.judgement)
        return
    if action == "keep_commissioner":
        world.recorder.log(world.env.now, council.name, "decision", action="keep_commissioner")
        return
    decide_takeover(world, council, "failed_review")


def decide_takeover(world: World, council: Council, reason: str) -> None:
    """The council will be taken over: it joins the sponsor queue (its commissioner stays)."""
    world.recorder.count("takeover_decisions")
    world.recorder.log(world.env.now, council.name, "decision", action="takeover", reason=reason)
    council.status = "awaiting_sponsor"
    sponsors.enqueue(world, council)


def on_better(world: World, council: Council) -> None:
    """Requires improvement or better: the intervention ends; a good trust may hand back."""
    if council.status in UNDER_INTERVENTION:
        close_case(world, council, "improved")
    elif council.status == "awaiting_sponsor":
        sponsors.leave_queue(world, council)
        close_case(world, council, "improved_before_takeover")
    elif council.status == "trust" and council.judged >= GOOD:
        maybe_hand_back(world, council)


def maybe_hand_back(world: World, council: Council) -> None:
    """Hand back now if the trust has run its minimum, else when it has (if still good)."""
    trusts = world.policy.trusts
    if not trusts.hand_back:
        return
    started = department(world).pool.started[council.index]
    remaining = started + trusts.min_months - world.env.now
    if remaining <= 0:
        finish_trust(world, council)
    else:
        start_after(world.env, remaining, lambda: hand_back_later(world, council, started))


def hand_back_later(world: World, council: Council, started: float) -> None:
    """At the end of the minimum period, hand back if the same trust runs and is still good."""
    if department(world).pool.started.get(council.index) == started and council.judged >= GOOD:
        finish_trust(world, council)


def finish_trust(world: World, council: Council) -> None:
    sponsors.hand_back(world, council)
    department(world).cases.pop(council.index, None)


def status_counts(world: World) -> dict[str, float]:
    """Monthly councils by intervention status, the sponsor queue, the trusts running and
    the regime's cumulative spending by heading."""
    tally = Counter(council.status for council in world.councils)
    counts = {key: float(tally[s]) for key, s in zip(STATUS_KEYS, STATUSES, strict=True)}
    counts["sponsor_queue"] = float(len(department(world).pool.queue))
    counts.update(accrued_costs(world))
    return counts


def accrued_costs(world: World) -> dict[str, float]:
    """The regime's spending so far by heading (GBP), open commissioner and trust spells
    included up to now: a cumulative monthly column each (``model/spending.py`` discounts)."""
    rec, now, costs = world.recorder, world.env.now, world.params.costs
    state = department(world)
    commissioner_months = rec.counts["commissioner_months"] + sum(
        now - case.appointed_at for case in state.cases.values() if case.appointed_at is not None
    )
    trust_months = rec.counts["trust_months"] + sum(
        now - max(started, 0.0) for started in state.pool.started.values()
    )
    graded = sum(rec.counts[f"inspections_{k}"] for k in ("routine", "reinspection", "emergency"))
    return {
        "cost_commissioners_gbp": commissioner_months * costs.commissioner_per_month_gbp,
        "cost_trusts_gbp": rec.counts["cost_trusts_gbp"] + trust_months * costs.trust_per_month_gbp,
        "cost_inspections_gbp": graded * costs.inspection_gbp
        + (rec.counts["monitoring_visits"] + rec.counts["focused_visits"])
        * costs.monitoring_visit_gbp,  # a focused visit costs as a monitoring visit (assumed)
    }


def regime_outcomes(world: World) -> dict[str, float]:
    """End-of-run regime outcomes, closing spells still open at the horizon."""
    rec, now = world.recorder, world.env.now
    spending = accrued_costs(world)  # before the spells close: it counts them up to now
    state = department(world)
    pool = state.pool
    for case in state.cases.values():
        if case.appointed_at is not None:
            rec.count("commissioner_months", amount=now - case.appointed_at)
    for started in pool.started.values():
        rec.count("trust_months", amount=now - max(started, 0.0))
    return {
        **spending,
        "trusts_active_end": float(sum(c.status == "trust" for c in world.councils)),
        "sponsor_wait_months_mean": rec.mean("sponsor_wait_months"),
        "sponsor_queue_max": float(pool.queue_max),
        "sponsor_queue_end": float(len(pool.queue)),
        "recovery_months_mean": rec.mean("recovery_months"),
        "sponsors_fell_below_good": float(len(pool.fell_below_good)),
        "sponsors_fell_below_good_running": float(len(pool.fell_while_running)),
    }
