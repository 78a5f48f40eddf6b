"""report.html: its sections, its findings, and that every image is embedded (no network)."""

from __future__ import annotations

import math
from html.parser import HTMLParser
from pathlib import Path

import matplotlib.pyplot as plt
import pytest

from sim.results import narrative, plots
from sim.results.report import write_report
from sim.scenario.loading import load_scenario
from sim.workflow.run import run_scenario

SECTIONS = (
    "findings",
    "what-was-run",
    "headline",
    "plots",
    "parameters",
    "calibration",
    "provenance",
    "stress-des",
)


class Page(HTMLParser):
    """Collects section ids, image sources, links and scripts of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.sections: list[str] = []
        self.images: list[str] = []
        self.external: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "section":
            self.sections.append(str(found.get("id")))
        if tag == "img":
            self.images.append(str(found.get("src")))
        for key in ("src", "href"):
            value = str(found.get(key) or "")
            if value.startswith(("http:", "https:", "//")) or (tag == "link" and value):
                self.external.append(value)


@pytest.fixture(scope="module")
def small_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real (small) run directory: two variants, 2 replications, 12 months, 30 councils."""
    path = Path(__file__).parent.parent / "scenarios" / "reform_2015.yaml"
    scenario = load_scenario(
        path,
        {
            "run.replications": 2,
            "run.horizon_months": 12,
            "world.population.source": "synthetic",
            "world.population.councils": 30,
            "variants": {
                "deadline_3m": {"policy.regime.deadline_months": 3},
                "no_sharper_triggers": {"policy.sharper_triggers.enabled": False},
            },
        },
    )
    directory = tmp_path_factory.mktemp("report") / "run"
    run_scenario(scenario, directory, command="test", plots=False)
    # two figures drawn cheaply (every plot of a run is drawn in the slow test below)
    for name in ("comparison", "judged_inadequate"):
        figure, ax = plt.subplots(figsize=(2, 1))
        ax.plot([0, 1], [0, 1])
        plots.save(figure, directory / name)
    write_report(directory)
    return directory


def test_run_writes_a_self_contained_report_with_every_section(small_run: Path) -> None:
    html = (small_run / "report.html").read_text()
    page = Page()
    page.feed(html)
    assert page.sections == list(SECTIONS)
    pngs = sorted(small_run.glob("*.png"))
    assert len(page.images) == len(pngs) == 2
    assert all(src.startswith("data:image/png;base64,") for src in page.images)
    assert page.external == []
    assert "deadline_3m: " in html and "no_sharper_triggers: " in html
    assert "policy.regime.deadline_months" in html  # variants as changes from the baseline
    assert "20151214" in html  # the seed, in the provenance


def test_report_is_rewritten_the_same_from_the_directory(small_run: Path) -> None:
    before = (small_run / "report.html").read_text()
    write_report(small_run)
    assert (small_run / "report.html").read_text() == before


@pytest.mark.parametrize(
    ("metric", "mean", "low", "high", "expected"),
    [
        (
            "child_years_truly_inadequate",
            -4120.0,
            -9830.0,
            1520.0,
            "deadline_3m: 4.1k fewer child-years in truly inadequate services "
            "[-9.8k, 1.5k], not distinguishable from the baseline",
        ),
        (
            "cost_trusts_gbp",
            2.0e6,
            1.0e6,
            3.1e6,
            "deadline_3m: £2.0m more spent on trusts [£1.0m, £3.1m], worse than the baseline",
        ),
        (
            "sponsor_wait_months_mean",
            -12.2,
            -17.3,
            -7.1,
            "deadline_3m: a mean wait for a sponsor 12.2 months shorter "
            "[-17.3 months, -7.1 months], better than the baseline",
        ),
    ],
)
def test_sentence_in_plain_words(
    metric: str, mean: float, low: float, high: float, expected: str
) -> None:
    assert narrative.sentence("deadline_3m", metric, mean, low, high) == expected


def test_sentence_without_an_interval_says_so() -> None:
    text = narrative.sentence("v", "takeovers", 2.0, math.nan, math.nan)
    assert text == "v: 2 more takeovers by a trust, not distinguishable from the baseline"


@pytest.mark.slow
def test_every_plot_of_a_run_is_embedded(tmp_path: Path) -> None:
    path = Path(__file__).parent.parent / "scenarios" / "reform_2015.yaml"
    overrides = {"run.replications": 2, "run.horizon_months": 12}
    run_scenario(load_scenario(path, overrides), tmp_path / "run")
    page = Page()
    page.feed((tmp_path / "run" / "report.html").read_text())
    assert len(page.images) == len(list((tmp_path / "run").glob("*.png"))) >= 5
    assert all(src.startswith("data:image/png;base64,") for src in page.images)


def test_headline_grows_down_with_the_variants_not_sideways() -> None:
    """Nine variants: each group is a table of at most six outcome columns with one row per
    variant (the baseline first), so the page does not scroll sideways at 1280 px."""
    import pandas as pd

    from sim.model.recorder import HEADLINE
    from sim.results.headline import GROUPS, headline

    variants = [f"v{i}" for i in range(9)]
    summary = pd.DataFrame(
        [("baseline", m, 100.0, 90.0, 110.0) for m in HEADLINE],
        columns=["variant", "metric", "mean", "ci_low", "ci_high"],
    )
    comparison = pd.DataFrame(
        [(v, m, -1.0, -2.0, -0.5) for v in variants for m in HEADLINE],
        columns=["variant", "metric", "mean_diff", "ci_low", "ci_high"],
    )
    groups = headline(summary, comparison, "baseline", "3.5%")
    assert [g["title"] for g in groups] == [t.format(rate="3.5%") for t, _ in GROUPS]
    shown = [c["metric"] for g in groups for c in g["columns"]]
    assert sorted(shown) == sorted(HEADLINE)  # every headline outcome, once
    for group in groups:
        assert len(group["columns"]) <= 6
        assert [r["variant"] for r in group["rows"]] == ["baseline", *variants]
        assert all(len(r["cells"]) == len(group["columns"]) for r in group["rows"])
    cell = groups[0]["rows"][1]["cells"][0]  # child-years truly inadequate: lower is better
    assert (cell.text, cell.css) == ("-1", "better")


def test_report_gives_present_values_and_says_how_it_discounts(small_run: Path) -> None:
    html = (small_run / "report.html").read_text()
    assert html.count('<table class="grid">') == 3  # one headline table per group
    assert "Costs of the baseline, undiscounted and at present value" in html
    assert "The Green Book 2022" in html and "at 3.5% a year" in html
    assert "Both costs and child-years are discounted" in html


def test_report_counts_the_inputs_its_fitted_file_sets(small_run: Path) -> None:
    """reform_2015 names calibration/fitted.yaml: the report must not say nothing is fitted."""
    html = (small_run / "report.html").read_text()
    assert "Fitted values come from " in html
    assert "No input is fitted yet" not in html
    assert "inputs are fitted by calibration" in html
    assert 'class="kind kind-fitted"' in html
