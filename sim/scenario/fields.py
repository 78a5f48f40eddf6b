"""Field constructors that say what each input is, and a table of them.

Every scenario field is one of four kinds (STYLE 3):

- ``setting``: how to run (horizon, replications, seed);
- ``fact``: a published figure about the world, with its source;
- ``assumption``: an uncertain value that is neither published nor yet fitted,
  with the reason for its value (calibration replaces these with fitted values);
- ``lever``: a policy choice that variants change.

The kind, unit and source live in the field's JSON-schema extras, so
``sim params`` can print one table of every input with its provenance.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from sim.calendar import month_index

GRADES: tuple[str, ...] = ("inadequate", "requires_improvement", "good", "outstanding")
SIF_SOURCE = "calibration_targets.csv sif_first_* (Ofsted, first SIF judgements 2014-17)"


class Frozen(BaseModel):
    """Base of every scenario section: immutable and strict about unknown keys."""

    model_config = ConfigDict(frozen=True, extra="forbid")


def check_year_month(value: Any) -> str:
    """Accept 'YYYY-MM' (YAML may hand us a date for '2018-01-01': refuse it clearly)."""
    if not isinstance(value, str):
        raise ValueError(f"expected a month as 'YYYY-MM' in quotes, got {value!r}")
    month_index(value)
    return value


Kind = Literal["setting", "fact", "assumption", "fitted", "lever"]


def _field(default: Any, kind: Kind, unit: str, description: str, note: str, **kw: Any) -> Any:
    extra: Any = {"kind": kind, "unit": unit, "note": note}
    return Field(default, description=f"{description} [{unit}]", json_schema_extra=extra, **kw)


def setting(default: Any, *, unit: str, description: str, **kw: Any) -> Any:
    """A run setting: how the experiment runs, not what the world is."""
    return _field(default, "setting", unit, description, "", **kw)


def fact(default: Any, *, unit: str, description: str, source: str, **kw: Any) -> Any:
    """A published figure, with the source it comes from."""
    return _field(default, "fact", unit, description, source, **kw)


def assumption(default: Any, *, unit: str, description: str, why: str, **kw: Any) -> Any:
    """An uncertain input whose value is our assumption, with the reason for it."""
    return _field(default, "assumption", unit, description, why, **kw)


def lever(default: Any, *, unit: str, description: str, **kw: Any) -> Any:
    """A policy lever: what variants and sweeps change."""
    return _field(default, "lever", unit, description, "", **kw)


@dataclass(frozen=True)
class ParameterRow:
    """One line of the parameter table."""

    path: str
    kind: str
    value: Any
    unit: str
    description: str
    note: str


def parameter_table(model: BaseModel, prefix: str = "") -> list[ParameterRow]:
    """Every leaf field of ``model`` with its kind, current value, unit and source."""
    rows: list[ParameterRow] = []
    for name, info in type(model).model_fields.items():
        value = getattr(model, name)
        path = f"{prefix}{name}"
        if isinstance(value, BaseModel):
            rows.extend(parameter_table(value, f"{path}."))
            continue
        if isinstance(value, tuple | list) and value and isinstance(value[0], BaseModel):
            for index, item in enumerate(value):  # a list of sections: path.0.field, ...
                rows.extend(parameter_table(item, f"{path}.{index}."))
            continue
        extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
        if not extra:
            continue
        description = (info.description or "").rsplit(" [", 1)[0]
        rows.append(
            ParameterRow(
                path, str(extra["kind"]), value, str(extra["unit"]), description, str(extra["note"])
            )
        )
    return rows
