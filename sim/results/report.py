"""``report.html``: one self-contained page a modeller can send to a colleague.

Built from a results directory's stored files only (so ``sim report DIR`` gives
the same page as the run that wrote it): what was run, the headline comparison
with intervals and a plain sentence per variant, every PNG plot embedded as a
data URI (the page needs no network and no other file), the parameter table
with kinds and sources, calibration status, provenance and the STRESS-DES
checklist. The HTML comes from a jinja2 template shipped in the package
(``templates/report.html.j2``), with autoescaping on.
"""

from __future__ import annotations

import base64
import hashlib
import json
import math
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import jinja2
import pandas as pd

from sim.errors import ResultsError, SimError
from sim.model.recorder import HEADLINE, OUTCOMES
from sim.results import measures, narrative
from sim.results.directory import RunDirectory
from sim.results.headline import DIFF, cost_rows, headline
from sim.results.stress import checklist
from sim.results.tableio import atomic_write
from sim.scenario.fields import ParameterRow, parameter_table
from sim.scenario.fitted import mark_fitted
from sim.scenario.schema import Scenario

TEMPLATES = Path(__file__).parent / "templates"
REPORT_FILE = "report.html"


def write_report(directory: Path) -> Path:
    """Write ``report.html`` into a results directory and return its path.

    Raises:
        ResultsError: If the directory is not a finished results directory.
    """
    run_dir = RunDirectory(directory)
    html = render(run_dir)
    target = run_dir.path / REPORT_FILE
    atomic_write(target, html)
    return target


def render(run_dir: RunDirectory) -> str:
    """The report of a results directory as one HTML string."""
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return environment.get_template("report.html.j2").render(**context(run_dir))


def context(run_dir: RunDirectory) -> dict[str, Any]:
    """Everything the template shows, gathered from the directory's files."""
    manifest = {**run_dir.manifest(), **_timings(run_dir)}
    document = run_dir.document("scenario.yaml")
    summary = _csv(run_dir, "summary.csv")
    comparison = _csv(run_dir, "comparison.csv")
    rows = _parameters(document)
    kinds = Counter(r.kind for r in rows)
    baseline = str(document.get("run", {}).get("baseline", "baseline"))
    variants = {str(k): v for k, v in (document.get("variants") or {}).items()}
    facts = _facts(manifest, document, variants, kinds)
    costs = (document.get("world") or {}).get("costs") or {}
    discount = f"{float(costs.get('discount_rate_per_year', 0.035)):.1%}"
    return {
        "title": f"{manifest.get('scenario', run_dir.path.name)}: simulation results",
        "manifest": manifest,
        "kind": manifest.get("kind", "run"),
        "run": document.get("run", {}),
        "baseline": baseline,
        "variants": [(name, _overrides(spec)) for name, spec in variants.items()],
        "timeline": [(e["at"], _overrides(e["set"])) for e in document.get("timeline") or []],
        "sentences": _sentences(comparison),
        "headline": headline(summary, comparison, baseline, discount),
        "discount": discount,
        "costs": cost_rows(summary, baseline),
        "multiplicity": _multiplicity(comparison),
        "value": _value_rows(_csv(run_dir, "cost_effectiveness.csv")),
        "plots": _plots(run_dir.path),
        "sections": _sections(rows),
        "kinds": dict(kinds),
        "calibration": _calibration(document, kinds),
        "provenance": _provenance(run_dir, manifest),
        "stress": checklist(facts),
    }


def _timings(run_dir: RunDirectory) -> dict[str, Any]:
    """``timings.json`` (seconds, tasks, precision), written when the run finished."""
    path = run_dir.path / "timings.json"
    try:
        return dict(json.loads(path.read_text())) if path.exists() else {}
    except ValueError:
        return {}


def _csv(run_dir: RunDirectory, name: str) -> pd.DataFrame | None:
    path = run_dir.path / name
    return pd.read_csv(path) if path.exists() else None


def _overrides(spec: dict[str, Any] | None) -> list[tuple[str, str]]:
    """A variant's or timeline entry's dotted settings as (path, value) text pairs."""
    return [(str(k), _value(v)) for k, v in (spec or {}).items()]


def _parameters(document: dict[str, Any]) -> list[ParameterRow]:
    """The parameter table of the stored scenario (empty for another model version's file),
    with the inputs its fitted file sets marked ``fitted`` as ``sim params`` shows them
    (unmarked when that file is no longer where the run found it)."""
    try:
        scenario = Scenario.model_validate(document)
    except ValueError:
        return []
    rows = parameter_table(scenario)
    try:
        return mark_fitted(scenario, rows)
    except SimError:
        return rows


def _primary(metrics: Sequence[str]) -> list[str]:
    """Headline outcomes present, those with a better direction first."""
    present = [m for m in HEADLINE if m in metrics]
    return [m for m in present if measures.better(m) != "neither"] + [
        m for m in present if measures.better(m) == "neither"
    ]


def _sentences(comparison: pd.DataFrame | None) -> list[tuple[str, list[str]]]:
    """Per variant: the sentence on the first headline outcome, then the other clear ones."""
    if comparison is None or comparison.empty:
        return []
    metrics = _primary(list(dict.fromkeys(comparison["metric"])))
    found = []
    for variant, rows in comparison.groupby("variant", sort=False):
        by_metric = {str(r["metric"]): r for r in rows.to_dict("records")}
        lines = []
        for index, metric in enumerate(metrics):
            mean, low, high = (float(by_metric[metric][c]) for c in DIFF)
            if index == 0 or narrative.verdict(metric, low, high) != "unclear":
                lines.append(narrative.sentence(str(variant), metric, mean, low, high))
        found.append((lines[0], [line.split(": ", 1)[1] for line in lines[1:]]))
    return found


def _value_rows(frame: pd.DataFrame | None) -> list[dict[str, str]]:
    """Per variant, discounted: child-years averted, extra cost and cost per child-year (and
    the undiscounted ratio), in human units."""
    if frame is None or frame.empty:
        return []
    found = []
    for variant, rows in frame.groupby("variant", sort=False):
        by = {str(r["metric"]): r for r in rows.to_dict("records")}
        if "cost_per_child_year_averted_gbp" not in by:  # written before discounting
            continue
        found.append(
            {
                "variant": str(variant),
                "averted": _ends(by["child_years_truly_inadequate_discounted_averted"], "count"),
                "extra": _ends(by["cost_total_discounted_gbp_extra"], "money"),
                "ratio": _ends(by["cost_per_child_year_averted_gbp"], "money"),
                "undiscounted": _ends(by["cost_per_child_year_averted_undiscounted_gbp"], "money"),
            }
        )
    return found


def _ends(row: dict[Any, Any], shape: narrative.Shape) -> str:
    """'mean [low, high]' of a derived row; when the interval is unbounded (a Fieller ratio
    whose child-years averted may be zero) the mean says so, lest it be read as firm."""
    values = [narrative.amount(float(row[c]), shape) for c in ("mean", "ci_low", "ci_high")]
    if values[0] == "n/a":
        return values[0]
    if "n/a" in values[1:]:
        return f"{values[0]} (interval unbounded)"
    return f"{values[0]} [{values[1]}, {values[2]}]"


def _multiplicity(comparison: pd.DataFrame | None) -> str:
    """A note on how many comparisons the table makes and how to read their intervals."""
    if comparison is None or comparison.empty:
        return ""
    count = comparison["variant"].nunique() * len(_primary(list(set(comparison["metric"]))))
    holm = [c for c in comparison.columns if "holm" in c.lower()]
    adjusted = (
        f" Holm-adjusted p-values are in comparison.csv ({holm[0]})."
        if holm
        else " Intervals are not adjusted for multiplicity: about 1 in 20 clear differences "
        "could be chance, so treat a single clear result among many with caution."
    )
    each = "each with its own 95% interval"
    return f"The headline comparison makes {count} comparisons, {each}.{adjusted}"


def _plots(path: Path) -> list[dict[str, str]]:
    """Every PNG in the directory as a data URI, the comparison first, then the fan charts."""
    series = measures.labels("series")
    order = ["comparison", *measures.FAN_SERIES, "councils"]
    files = sorted(path.glob("*.png"), key=lambda f: (_rank(f.stem, order), f.stem))
    found = []
    for file in files:
        data = base64.b64encode(file.read_bytes()).decode("ascii")
        caption = series.get(file.stem, file.stem.replace("_", " "))
        if file.stem == "comparison":
            caption = "Each variant minus the baseline, headline outcomes, 95% CI"
        if file.stem == "councils":
            caption = "Councils with the most months in truly inadequate services (councils.csv)"
        found.append(
            {
                "name": file.name,
                "caption": caption[:1].upper() + caption[1:],
                "uri": f"data:image/png;base64,{data}",
            }
        )
    return found


def _rank(stem: str, order: list[str]) -> int:
    return order.index(stem) if stem in order else len(order)


def _sections(rows: list[ParameterRow]) -> list[dict[str, Any]]:
    """Parameters grouped by section (``world.performance``, ``policy.regime`` ...)."""
    groups: dict[str, list[ParameterRow]] = {}
    for row in rows:
        parts = row.path.split(".")
        groups.setdefault(".".join(parts[:2]) if len(parts) > 2 else parts[0], []).append(row)
    return [
        {
            "name": name,
            "kinds": dict(Counter(r.kind for r in members)),
            "rows": [
                (r.path, _value(r.value), r.unit, r.kind, r.note or r.description) for r in members
            ],
        }
        for name, members in groups.items()
    ]


def _value(value: Any) -> str:
    """A value as YAML would show it (lower-case booleans, 'none')."""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float) and not math.isnan(value):
        return f"{value:g}"
    text = "none" if value is None else str(value)
    return text if len(text) <= 80 else f"{text[:77]}..."


def _calibration(document: dict[str, Any], kinds: Counter[str]) -> str:
    """What is fitted, what is assumed, and which calibration file (if any) the run used."""
    named = document.get("calibration")
    fitted, assumed = kinds.get("fitted", 0), kinds.get("assumption", 0)
    source = f"Fitted values come from {named}. " if named else ""
    if fitted == 0:
        return (
            f"{source}No input is fitted yet: the {assumed} assumptions are the modellers' "
            "stated judgement (each with its reason in the parameter table), not yet "
            "calibrated against the targets in calibration_targets.csv."
        )
    return (
        f"{source}{fitted} inputs are fitted by calibration; {assumed} remain assumptions "
        "with their stated reasons."
    )


def _provenance(run_dir: RunDirectory, manifest: dict[str, Any]) -> list[tuple[str, str]]:
    """Versions, hashes, seed, command and times, as label-value pairs."""
    scenario = (run_dir.path / "scenario.yaml").read_bytes()
    pairs = [
        ("model version", manifest.get("model_version")),
        ("code hash", manifest.get("code_hash")),
        ("scenario file hash (sha256)", hashlib.sha256(scenario).hexdigest()[:16]),
        ("seed", manifest.get("seed")),
        ("command", manifest.get("command")),
        ("started", manifest.get("started")),
        ("wall time", f"{manifest['seconds']:.1f} s" if "seconds" in manifest else None),
        ("executor", f"{manifest.get('executor')} ({manifest.get('workers')} workers)"),
        ("Python", manifest.get("python")),
        ("platform", manifest.get("platform")),
        ("results directory", str(run_dir.path)),
    ]
    packages = manifest.get("packages") or {}
    pairs += [(f"package {k}", v) for k, v in packages.items()]
    return [(label, str(value)) for label, value in pairs if value not in (None, "")]


def _facts(
    manifest: dict[str, Any],
    document: dict[str, Any],
    variants: dict[str, Any],
    kinds: Counter[str],
) -> dict[str, Any]:
    """What the STRESS-DES checklist can say about this run."""
    run = document.get("run", {})
    population = (document.get("world") or {}).get("population") or {}
    source = population.get("source", "england_2015")
    logic = "; ".join(
        f"{name} sets " + ", ".join(f"{k} = {_value(v)}" for k, v in (spec or {}).items())
        for name, spec in variants.items()
    )
    return {
        "variants": list(variants),
        "baseline": run.get("baseline", "baseline"),
        "variant_logic": logic or "No variants: the base scenario only.",
        "outcome_count": len(OUTCOMES),
        "councils": population.get("councils", 152),
        "queue": ((document.get("policy") or {}).get("sponsors") or {}).get("queue", "fifo"),
        "kinds": dict(kinds),
        "population": "England's real councils and grades"
        if source == "england_2015"
        else f"a synthetic population of {population.get('councils')} councils",
        "start": run.get("start", "?"),
        "horizon": float(run.get("horizon_months", 0)),
        "replications": run.get("replications", manifest.get("replications", "?")),
        "precision": f"; {manifest['precision']}" if manifest.get("precision") else "",
        "software": f"sim {manifest.get('model_version')} on Python {manifest.get('python')} "
        "with SimPy, numpy, scipy, pandas",
        "seed": manifest.get("seed"),
        "execution": f"{manifest.get('executor')} executor, {manifest.get('workers')} workers, "
        f"{manifest.get('tasks', '?')} replications"
        + (f" in {manifest['seconds']:.0f} s" if "seconds" in manifest else ""),
        "platform": str(manifest.get("platform", "?")),
    }


def ensure_finished(directory: Path) -> None:
    """Refuse a directory without a summary or points (nothing to report yet)."""
    path = Path(directory)
    if not any((path / f).exists() for f in ("summary.csv", "points.parquet")):
        raise ResultsError(f"{path}: no summary.csv yet; finish the run (or resume it) first")
