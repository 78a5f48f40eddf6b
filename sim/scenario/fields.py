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

import datetime
import re
import types
from dataclasses import dataclass
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from sim.calendar import month_index

GRADES: tuple[str, ...] = ("inadequate", "requires_improvement", "good", "outstanding")
_YEAR_MONTH = re.compile(r"(\d{4})-(0[1-9]|1[0-2])")  # matched whole (fullmatch): no "\n"
# Calendar months the program can carry out: the plots' date axis uses pandas timestamps
# (nanoseconds since 1970, i.e. 1677-09-21 to 2262-04-11), so runs start and end inside.
FIRST_YEAR, LAST_YEAR = 1678, 2261
# Names become file and directory names (results/<name>/, <series>__<variant>.png): one safe
# path component, never "..", "/" or a control character, and short enough for any file system.
NAME_LENGTH = 64
_NAME = re.compile(rf"[A-Za-z0-9][A-Za-z0-9 _.+-]{{0,{NAME_LENGTH - 1}}}")
NAME_RULE = (
    f"a name of 1 to {NAME_LENGTH} letters, digits, spaces or . _ + - "
    "(starting with a letter or digit)"
)
SIF_SOURCE = "calibration_targets.csv sif_first_* (Ofsted, first SIF judgements 2014-17)"


class Frozen(BaseModel):
    """Base of every scenario section: immutable and strict about unknown keys and values.

    No number may be infinite or NaN (a cost of ``.inf`` or a bar of ``.nan`` is a typo, and
    no rule of the model can carry it out), and ``true``/``false`` is never read as a count
    (pydantic would turn ``replications: true`` into 1).
    """

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)

    @field_validator("*", mode="before")
    @classmethod
    def _no_bool_as_number(cls, value: Any, info: ValidationInfo) -> Any:
        if isinstance(value, bool) and info.field_name is not None:
            allowed = _scalar_types(cls.model_fields[info.field_name].annotation)
            if allowed & {int, float} and bool not in allowed and Any not in allowed:
                raise ValueError("expected a number, not true/false")
        return value


def _scalar_types(annotation: Any) -> set[Any]:
    """The plain types a field accepts directly (through Optional, Union and Annotated)."""
    origin = get_origin(annotation)
    if origin is Annotated:
        return _scalar_types(get_args(annotation)[0])
    if origin is Union or origin is types.UnionType:
        return {t for arg in get_args(annotation) for t in _scalar_types(arg)}
    return {annotation} if origin is None else set()


def check_name(value: str) -> str:
    """A name that is safe as one file or directory name (``NAME_RULE``)."""
    if not _NAME.fullmatch(value) or value != value.strip():
        raise ValueError(f"expected {NAME_RULE}")
    return value


Name = Annotated[str, AfterValidator(check_name)]


def safe_name(text: str) -> str:
    """``text`` made into a valid ``Name`` (for names taken from file names)."""
    cleaned = re.sub(r"[^A-Za-z0-9 _.+-]", "_", text).strip()[:NAME_LENGTH].strip()
    return cleaned if cleaned and cleaned[0].isalnum() else f"s{cleaned}"[:NAME_LENGTH]


def check_year_month(value: Any) -> str:
    """Accept 'YYYY-MM' of a year the program can hold.

    YAML reads an unquoted ``2018-01-01`` as a date: it is refused with the quoted form to
    write instead. The offending value is shown once, by the error's ``got``.
    """
    if isinstance(value, datetime.date):
        raise ValueError(f"a date; expected a month as 'YYYY-MM' in quotes, e.g. '{value:%Y-%m}'")
    if not isinstance(value, str):
        raise ValueError("expected a month as 'YYYY-MM' in quotes")
    year = month_index(value) // 12
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise ValueError(f"expected a year from {FIRST_YEAR} to {LAST_YEAR}")
    return value


Kind = Literal["setting", "fact", "assumption", "fitted", "lever"]


def _field(
    default: Any,
    kind: Kind,
    unit: str,
    description: str,
    note: str,
    *,
    calibrate: bool = False,
    **kw: Any,
) -> Any:
    extra: Any = {"kind": kind, "unit": unit, "note": note}
    if calibrate:
        extra["calibrate"] = True
    return Field(default, description=f"{description} [{unit}]", json_schema_extra=extra, **kw)


def setting(default: Any, *, unit: str, description: str, **kw: Any) -> Any:
    """A run setting: how the experiment runs, not what the world is."""
    return _field(default, "setting", unit, description, "", **kw)


def fact(default: Any, *, unit: str, description: str, source: str, **kw: Any) -> Any:
    """A published figure, with the source it comes from."""
    return _field(default, "fact", unit, description, source, **kw)


def assumption(
    default: Any, *, unit: str, description: str, why: str, calibrate: bool = False, **kw: Any
) -> Any:
    """An uncertain input whose value is our assumption, with the reason for it.

    ``calibrate=True`` marks it as a candidate for ``sim calibrate`` to fit (listed by
    ``calibration_candidates``).
    """
    return _field(default, "assumption", unit, description, why, calibrate=calibrate, **kw)


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
    calibrate: bool = False


def parameter_table(model: BaseModel, prefix: str = "") -> list[ParameterRow]:
    """Every leaf field of ``model`` with its kind, current value, unit and source."""
    rows: list[ParameterRow] = []
    for name, info in type(model).model_fields.items():
        value = getattr(model, name)
        path = f"{prefix}{name}"
        if isinstance(value, BaseModel):
            rows.extend(parameter_table(value, f"{path}."))
            continue
        if isinstance(value, dict) and value and isinstance(next(iter(value.values())), BaseModel):
            for key, item in value.items():  # a mapping of sections: path.key.field, ...
                rows.extend(parameter_table(item, f"{path}.{key}."))
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
                path,
                str(extra["kind"]),
                value,
                str(extra["unit"]),
                description,
                str(extra["note"]),
                bool(extra.get("calibrate", False)),
            )
        )
    return rows


def calibration_candidates(model: BaseModel) -> list[str]:
    """Dotted paths of the assumptions marked ``calibrate=True`` (what calibration may fit)."""
    return [row.path for row in parameter_table(model) if row.calibrate]
