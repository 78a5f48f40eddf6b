"""The measures registry gives every CSV table its units (sim.results.measures.with_units)."""

from __future__ import annotations

import pandas as pd

from sim.results import measures


def test_a_long_table_gets_a_unit_column_after_metric_from_the_registry():
    frame = pd.DataFrame(
        {
            "variant": ["a", "a", "a"],
            "metric": ["child_years_truly_inadequate", "cost_trusts_gbp", "not_registered"],
            "mean": [1.0, 2.0, 3.0],
        }
    )
    out = measures.with_units(frame)
    assert list(out.columns) == ["variant", "metric", "unit", "mean"]
    assert list(out["unit"]) == ["child-years", "GBP", ""]
    assert list(frame.columns) == ["variant", "metric", "mean"]  # the input is left alone
    assert measures.with_units(out).equals(out)  # a table that has units keeps them


def test_a_wide_table_gets_unit_suffixed_headers_and_reads_back():
    frame = pd.DataFrame(
        {
            "variant": ["a"],
            "council": ["Leeds"],
            "replications": [2],
            "months_truly_inadequate_mean": [3.5],
            "share_taken_over": [0.5],
        }
    )
    out = measures.with_units(frame)
    assert list(out.columns) == [
        "variant",
        "council",
        "replications",
        "months_truly_inadequate_mean [months]",
        "share_taken_over [share of replications]",
    ]
    assert measures.without_units(out).equals(frame)


def test_parameter_units_come_from_the_schema_and_label_a_design_and_a_box():
    from sim.scenario.schema import Scenario

    paths = ["policy.regime.deadline_months", "world.signals.slope", "policy"]
    units = measures.parameter_units(Scenario(), paths)
    assert units == {
        "policy.regime.deadline_months": "months",
        "world.signals.slope": "1/score",
        "policy": "",  # a whole section has no unit
    }
    design = pd.DataFrame({"point": [0], paths[0]: [3.0], paths[1]: [1.5]})
    written = measures.with_units(design, units)
    assert list(written.columns) == [
        "point",
        "policy.regime.deadline_months [months]",
        "world.signals.slope [1/score]",
    ]
    assert measures.without_units(written).equals(design)
    assert measures.header_units(written) == {p: units[p] for p in paths[:2]}
    box = pd.DataFrame({"parameter": paths[:2], "low": [3.0, 0.5], "coverage": [0.9, 0.9]})
    out = measures.with_units(box, units)
    assert list(out.columns) == ["parameter", "unit", "low", "coverage [share of bad points]"]
    assert list(out["unit"]) == ["months", "1/score"]
