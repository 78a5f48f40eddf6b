"""Per-council answers: one council's story from a traced run, and a summary across replications.

"Why was Cumbria taken over?" is answered from ``events.parquet`` (a ``--trace``
run): every judgement, visit, signal, review and decision is an event with its
numbers, and ``story`` turns them into dated sentences in time order, e.g.
"2016-07 (month 6.0): review at the deadline read -1.43 against the -1.01
required (0.30 over its score at judgement, -1.31): failed; vacancy rate 21.4%"
(each decision and judgement gives the council's vacancy rate at that moment).
Graduates leaving are counted, not told one by one. ``council_summary`` gives,
per variant and council, what happened across replications (``councils.csv``),
from ``councils.parquet``, which every run writes, traced or not.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

from sim.errors import ResultsError
from sim.results.directory import RunDirectory
from sim.results.measures import with_units
from sim.results.tableio import write_table
from sim.scenario.councils import england_2015_path

Details = dict[str, Any]


def _signed(value: Any) -> str:
    return "n/a" if value is None else f"{float(value):+.2f}"


def _grade(value: Any) -> str:
    return str(value).replace("_", " ")


def _judgement(d: Details) -> str:
    kind = str(d.get("kind", ""))
    kind = kind if kind.endswith("inspection") or kind == "reinspection" else f"{kind} inspection"
    return (
        f"{kind} judged it {_grade(d.get('grade'))} "
        f"(was {_grade(d.get('previous'))}); Ofsted's reading {_signed(d.get('reading'))}, "
        f"its true score {_signed(d.get('q'))} ({_grade(d.get('true_grade'))})"
    )


def _review(d: Details) -> str:
    bar = f", or above the bar {_signed(d['bar'])}" if d.get("bar") is not None else ""
    extension = f" (after {d['extensions']} extension(s))" if d.get("extensions") else ""
    verdict = "passed" if d.get("passed") else "failed"
    return (
        f"review at the deadline{extension} read {_signed(d.get('reading'))} against the "
        f"{_signed(d.get('required'))} required (score at judgement "
        f"{_signed(d.get('score_at_judgement'))}{bar}): {verdict}"
    )


SENTENCES: dict[str, Callable[[Details], str]] = {
    "judgement": _judgement,
    "review": _review,
    "monitoring_visit": lambda d: (
        f"monitoring visit {d.get('visit')} read {_signed(d.get('reading'))}"
    ),
    "signal": lambda d: (
        f"a concern signal (true score {_signed(d.get('q'))}); "
        + ("the sharper triggers acted on it" if d.get("acted") else "not acted on")
    ),
    "emergency_called": lambda d: "an emergency inspection was called",
    "emergency_declined": lambda d: (
        "no emergency inspection: last judged "
        f"{float(d.get('months_since_judgement', math.nan)):.1f} months before (minimum gap)"
    ),
    "direction": lambda d: "the DfE issued a statutory direction",
    "commissioner_appointed": lambda d: "a commissioner was appointed",
    "decision": lambda d: (
        f"decision: {_grade(d.get('action'))} (because: {_grade(d.get('reason'))})"
    ),
    "queue_entry": lambda d: (
        f"joined the queue for a sponsor, number {d.get('queue_length')} "
        f"in it (score {_signed(d.get('score'))})"
    ),
    "sponsor_found": lambda d: (
        f"sponsor found: {d.get('sponsor')} ({d.get('kind')}); "
        f"set-up {float(d.get('setup_months', math.nan)):g} months"
    ),
    "trust_start": lambda d: f"a trust sponsored by {d.get('sponsor')} took over the service",
    "hand_back": lambda d: (
        f"{d.get('sponsor')} handed the service back after "
        f"{float(d.get('months', math.nan)):.0f} months"
    ),
    "intervention_ended": lambda d: (
        f"intervention ended ({_grade(d.get('reason'))}; was {_grade(d.get('previous_status'))})"
    ),
    "sponsor_below_good": lambda d: (
        f"as a sponsor, it fell to {_grade(d.get('grade'))} and takes no new trusts"
    ),
}
COUNTED = {"graduate_left": "programme graduates placed here left social work"}
# Events that decide or judge something: their sentence gives the council's vacancy rate
# then (every traced council event carries it; the others leave it out to stay short).
DECISIONS = frozenset(
    {
        "judgement",
        "review",
        "decision",
        "direction",
        "commissioner_appointed",
        "emergency_called",
        "sponsor_found",
        "trust_start",
        "hand_back",
        "intervention_ended",
    }
)


def _month(start: str, months: float) -> str:
    """'YYYY-MM' of a month offset from the run's start."""
    stamp = pd.Timestamp(f"{start}-01") + pd.DateOffset(months=math.floor(months))
    return f"{stamp.year}-{stamp.month:02d}"


def _sentence(event: str, details: str) -> str:
    parsed = json.loads(details) if details else {}
    vacancy = parsed.pop("vacancy_rate", None)
    staffing = (
        f"; vacancy rate {float(vacancy):.1%}" if vacancy is not None and event in DECISIONS else ""
    )
    if event in SENTENCES:
        return SENTENCES[event](parsed) + staffing
    extra = ", ".join(f"{k} {v}" for k, v in parsed.items())
    return f"{event.replace('_', ' ')}" + (f" ({extra})" if extra else "") + staffing


def _events(run_dir: RunDirectory) -> pd.DataFrame:
    if not (run_dir.path / "events.parquet").exists():
        raise ResultsError(
            f"{run_dir.path}: no events.parquet; run with --trace to explain a council"
        )
    return run_dir.table("events")


def story(
    directory: Path, council: str, variant: str | None = None, replication: int = 0
) -> list[str]:
    """A council's events in time order as dated sentences (baseline, replication 0 by default).

    Raises:
        ResultsError: Without a trace, or for an unknown council, variant or replication.
    """
    run_dir = RunDirectory(directory)
    events = _events(run_dir)
    document = run_dir.document("scenario.yaml")
    start = str(document["run"]["start"])
    variant = variant or str(document["run"].get("baseline", "baseline"))
    _check(events, "variant", variant)
    _check(events, "replication", replication)
    names = set(events["council"]) - {""}
    if council not in names:
        close = sorted(n for n in names if n.lower().startswith(council.lower()[:3]))
        hint = f"; did you mean {', '.join(close[:3])}?" if close else ""
        raise ResultsError(f"{directory}: no council {council!r} in the events{hint}")
    chosen = events[
        (events["variant"] == variant)
        & (events["replication"] == replication)
        & (events["council"] == council)
    ].sort_values("time", kind="stable")
    lines = _start(document, council) + [
        f"{_month(start, t)} (month {t:.1f}): {_sentence(e, d)}"
        for t, e, d in zip(chosen["time"], chosen["event"], chosen["details"], strict=True)
        if e not in COUNTED
    ]
    for event, phrase in COUNTED.items():
        count = int((chosen["event"] == event).sum())
        if count:
            lines.append(f"over the run: {count} {phrase}")
    return lines or [f"{council}: no events in variant {variant}, replication {replication}"]


def _start(document: dict[str, Any], council: str) -> list[str]:
    """Where a real council stood when the run began (councils_2015.csv)."""
    population = (document.get("world") or {}).get("population") or {}
    if population.get("source", "england_2015") != "england_2015":
        return []
    table = pd.read_csv(england_2015_path(), keep_default_na=False)
    rows = table[table["name"] == council]
    if rows.empty:
        return []
    row = rows.iloc[0]
    status = "" if row["status_2015"] == "none" else f", under {_grade(row['status_2015'])}"
    return [
        f"at the start: judged {_grade(row['grade'])} on {row['grade_date']}{status}; "
        f"{row['children_in_need']} children in need, vacancy rate "
        f"{float(row['vacancy_rate']):.0%}"
    ]


def _check(events: pd.DataFrame, column: str, value: Any) -> None:
    known = list(dict.fromkeys(events[column]))
    if value not in known:
        raise ResultsError(
            f"no {column} {value!r} in the traced run; expected one of {', '.join(map(str, known))}"
        )


def council_summary(councils: pd.DataFrame, events: pd.DataFrame | None) -> pd.DataFrame:
    """Per variant and council across replications: share taken over, mean months truly and
    judged inadequate, mean vacancy rate and emergency inspections, ranked within variant.

    The share taken over and the vacancy rate come from ``councils.parquet`` (every run
    writes ``taken_over`` and ``vacancy_rate_mean``); results written before it had those
    columns take the share from a trace's ``trust_start`` events, if there is one.
    """
    keys = ["variant", "council"]
    grouped = councils.groupby(keys, sort=False)
    frame = grouped.agg(
        replications=("replication", "nunique"),
        months_truly_inadequate_mean=("months_truly_inadequate", "mean"),
        months_judged_inadequate_mean=("months_judged_inadequate", "mean"),
        inspections_emergency_mean=("inspections_emergency", "mean"),
    ).reset_index()
    optional = {
        "taken_over": "share_taken_over",
        "vacancy_rate_mean": "vacancy_rate_mean",
    }
    for column, name in optional.items():
        if column in councils.columns:
            frame[name] = grouped[column].mean().to_numpy()
    if "share_taken_over" not in frame.columns and events is not None:
        starts = events[events["event"] == "trust_start"]
        taken = starts.groupby(keys)["replication"].nunique().rename("taken")
        frame = frame.merge(taken.reset_index(), on=keys, how="left")
        frame["share_taken_over"] = frame["taken"].fillna(0) / frame["replications"]
        frame = frame.drop(columns="taken")
    first = ["variant", "council", "replications", "share_taken_over"]
    frame = frame[[c for c in first if c in frame] + [c for c in frame if c not in first]]
    return frame.sort_values(
        ["variant", "months_truly_inadequate_mean"], ascending=[True, False], kind="stable"
    ).reset_index(drop=True)


def write_council_summary(directory: Path) -> pd.DataFrame:
    """Write ``councils.csv`` from ``councils.parquet`` (and the trace, if any), its headers
    with their units (``measures.with_units``)."""
    run_dir = RunDirectory(directory)
    events = run_dir.table("events") if (run_dir.path / "events.parquet").exists() else None
    frame = council_summary(run_dir.table("councils"), events)
    write_table(with_units(frame), run_dir.path / "councils.csv")
    return frame
