"""Validate YAML data against the schema and apply dotted-path overrides, with located errors.

Each pydantic error becomes a ``ScenarioError`` naming file:line:column (from the
``Marks`` that ``sim.scenario.yamlio`` recorded while loading), the dotted field, the
offending value and what was expected, with a did-you-mean for unknown keys.
Overrides (variants, timeline steps, sweep points, command-line settings) are
written into a plain copy of a frozen model, which is validated again from
scratch, so every validator also sees the changed values.
"""

from __future__ import annotations

import copy
import types
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass
from typing import Annotated, Any, TypeVar, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from sim.errors import NOT_GIVEN, ScenarioError
from sim.scenario.yamlio import Loc, Marks, dotted_path, kind_of, located, unknown_message

M = TypeVar("M", bound=BaseModel)

_BOUNDS = {
    "greater_than_equal": ">=",
    "greater_than": ">",
    "less_than_equal": "<=",
    "less_than": "<",
}
_CTX = {">=": "ge", ">": "gt", "<=": "le", "<": "lt"}


def _alternatives(annotation: Any) -> list[Any]:
    """Flatten ``Annotated``/``Optional``/``Union`` into the concrete types they allow."""
    origin = get_origin(annotation)
    if origin is Annotated:
        return _alternatives(get_args(annotation)[0])
    if origin is Union or origin is types.UnionType:
        return [alt for arg in get_args(annotation) for alt in _alternatives(arg)]
    return [annotation]


def _models(annotations: list[Any]) -> list[type[BaseModel]]:
    return [
        a
        for ann in annotations
        for a in _alternatives(ann)
        if isinstance(a, type) and issubclass(a, BaseModel)
    ]


def _fields(annotations: list[Any]) -> dict[str, Any]:
    """Data key (alias, else name) -> annotation, for every model among ``annotations``."""
    return {
        info.alias or name: info.annotation
        for model in _models(annotations)
        for name, info in model.model_fields.items()
    }


def _field_key(annotations: list[Any], key: Hashable) -> str | None:
    """The data key of the field that ``key`` names (by name or by alias), if any."""
    for model in _models(annotations):
        for name, info in model.model_fields.items():
            if key in (name, info.alias):
                return info.alias or name
    return None


def _step(annotations: list[Any], key: Hashable) -> list[Any]:
    """The types allowed for entry ``key`` inside a value of any of ``annotations``."""
    found, out = _field_key(annotations, key), []
    if found is not None:
        out.append(_fields(annotations)[found])
    for alt in (a for ann in annotations for a in _alternatives(ann)):
        origin, args = get_origin(alt), get_args(alt)
        if not isinstance(origin, type) or not args:
            continue
        if origin is tuple and args[-1] is not Ellipsis:
            out += [args[key]] if type(key) is int and 0 <= key < len(args) else []
        elif issubclass(origin, Mapping | Iterable):
            out.append(args[-1] if issubclass(origin, Mapping) else args[0])
    return out


@dataclass(frozen=True)
class _Problem:
    """One pydantic error, its ``loc`` reduced to keys that exist in the data."""

    loc: Loc
    mark_loc: Loc  # where to point: the value, or (on_key) the key or parent key
    on_key: bool
    message: str
    value: Any = NOT_GIVEN
    expected: str | None = None


def _data_loc(loc: tuple[int | str, ...], data: Any, keep_last: bool) -> Loc:
    """Keep only loc entries that are real keys (dropping union tags, validator names...)."""
    out: list[Hashable] = []
    for index, entry in enumerate(loc):
        if isinstance(data, dict):
            key = next((k for k in data if k == entry or str(k) == str(entry)), NOT_GIVEN)
        else:
            ok = isinstance(data, list) and type(entry) is int and 0 <= entry < len(data)
            key = entry if ok else NOT_GIVEN
        if key is not NOT_GIVEN:
            out.append(key)
            data = data[key]
        elif keep_last and index == len(loc) - 1:
            out.append(entry)
    return tuple(out)


def _expected(err: ErrorDetails) -> str:
    op = _BOUNDS.get(err["type"])
    bound = err.get("ctx", {}).get(_CTX.get(op or "", ""))
    if op and bound is not None:
        shown = f"{bound:g}" if isinstance(bound, float) else bound
        return f"a number {op} {shown} ({err['msg']})"
    return (
        err["msg"]
        .removeprefix("Input should be ")
        .removeprefix("Value error, ")
        .removeprefix("expected ")
    )


def _problem(err: ErrorDetails, model_cls: type[BaseModel], data: Any) -> _Problem:
    kind, raw, value = err["type"], err["loc"], err.get("input")
    loc = _data_loc(raw, data, keep_last=kind == "missing")
    if kind == "extra_forbidden":
        annotations: list[Any] = [model_cls]
        for key in loc[:-1]:
            annotations = _step(annotations, key)
        return _Problem(
            loc,
            loc,
            True,
            unknown_message("unknown field", dotted_path(loc[-1:]), list(_fields(annotations))),
        )
    if kind == "missing":
        return _Problem(loc, loc[:-1], True, "field required")
    if kind == "invalid_key" or raw[-1:] == ("[key]",):
        return _Problem(loc, loc, True, "invalid key", value, _expected(err))
    if kind in ("value_error", "assertion_error"):
        shown = NOT_GIVEN if isinstance(value, dict) else value  # a whole section: no dump
        return _Problem(loc, loc, False, str(err.get("ctx", {}).get("error", err["msg"])), shown)
    return _Problem(loc, loc, False, "", value, _expected(err))


def _sorted(errors: list[ScenarioError]) -> list[ScenarioError]:
    """File order, so the user can fix problems top to bottom."""
    return sorted(errors, key=lambda e: (e.line is None, e.line or 0, e.column or 0))


def validate(
    model_cls: type[M], data: Any, *, path: str, marks: Marks, context: dict[str, Any] | None = None
) -> M:
    """Validate ``data`` as ``model_cls``, reporting every error where it is in the file.

    Args:
        model_cls: The pydantic model to build.
        data: Plain data, usually from ``load_yaml``.
        path: Source named in messages.
        marks: Positions from ``load_yaml`` (an empty ``Marks()`` gives unlocated errors).
        context: Passed to pydantic validators unchanged.

    Raises:
        ScenarioError: One located problem per pydantic error, in file order.
    """
    try:
        return model_cls.model_validate(data, context=context)
    except ValidationError as exc:
        problems = [_problem(err, model_cls, data) for err in exc.errors(include_url=False)]
        raise ScenarioError.combine(
            _sorted(
                [
                    located(
                        p.message,
                        path,
                        marks.nearest(p.mark_loc, key=p.on_key),
                        field=dotted_path(p.loc) or None,
                        value=p.value,
                        expected=p.expected,
                    )
                    for p in problems
                ]
            )
        ) from exc


class _PathError(Exception):
    """A dotted path that does not exist; the caller adds the location."""


def _plain(value: Any) -> Any:
    """Model -> nested dicts keyed as in the input (aliases), without computed fields."""
    if isinstance(value, BaseModel):
        return {
            info.alias or name: _plain(getattr(value, name))
            for name, info in type(value).model_fields.items()
        }
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    return [_plain(item) for item in value] if isinstance(value, list | tuple) else value


def _key_at(
    current: Any, annotations: list[Any], segment: str, may_add: bool, where: Loc
) -> Hashable:
    """The real key for ``segment`` in ``current``, or a _PathError saying what is allowed."""
    inside = f" in {dotted_path(where)!r}" if where else ""
    if _models(annotations) and isinstance(current, dict):  # a model: fields are fixed
        found = _field_key(annotations, segment)
        if found is None:
            raise _PathError(
                unknown_message(
                    f"unknown field {segment!r}{inside}", segment, list(_fields(annotations))
                )
            )
        return found
    if isinstance(current, dict):  # a dict field: existing keys, or a new last key
        key = next((k for k in current if k == segment or str(k) == segment), None)
        if key is None and not may_add:
            raise _PathError(unknown_message(f"no key {segment!r}{inside}", segment, list(current)))
        return segment if key is None else key
    if isinstance(current, list):
        if segment.isdigit() and int(segment) < len(current):
            return int(segment)
        raise _PathError(f"{segment!r} is not an index{inside} (0 to {len(current) - 1})")
    raise _PathError(
        f"{dotted_path(where) or 'value'} is {kind_of(current)}; it has no {segment!r}"
    )


def _resolve(data: Any, model_cls: type[BaseModel], dotted: str, *, may_add: bool) -> Loc:
    """Check a dotted path against the data and the model; return it as real keys."""
    segments, annotations = str(dotted).split("."), [model_cls]
    real: Loc = ()
    if not all(segments):
        raise _PathError(f"malformed dotted path {dotted!r}")
    for depth, segment in enumerate(segments):
        key = _key_at(data, annotations, segment, may_add and depth == len(segments) - 1, real)
        real, annotations = (*real, key), _step(annotations, key)
        data = data[key] if depth < len(segments) - 1 else None
    return real


def get_path(model: BaseModel, dotted: str) -> Any:
    """The value at a dotted path such as ``"world.sponsors.0.capacity"``.

    Raises:
        ScenarioError: If the path does not exist (with a did-you-mean).
    """
    try:
        real = _resolve(_plain(model), type(model), dotted, may_add=False)
    except _PathError as exc:
        raise ScenarioError(str(exc), field=dotted) from exc
    value: Any = model
    for key in real:
        if isinstance(value, BaseModel):
            fields = type(value).model_fields.items()
            value = getattr(value, next(n for n, i in fields if key in (n, i.alias)))
        else:
            value = value[key]
    return value


def with_overrides(
    model: M,
    overrides: Mapping[str, Any],
    *,
    path: str,
    marks: Marks,
    marks_prefix: Loc = (),
    context: dict[str, Any] | None = None,
) -> M:
    """A new model with dotted-path overrides applied and every validator run again.

    The model is frozen, so the overrides go into a plain copy of its data, which is then
    validated from scratch. Errors point at the override, found in ``marks`` at
    ``marks_prefix + (dotted_key,)``, e.g. ``("variants", "fast", "policy.deadline_months")``.

    Args:
        model: The validated model to start from (left unchanged).
        overrides: Dotted path -> new value, applied in order. A path may go through model
            fields (which must exist), dict keys (the last one may be new) and list indices.
        path: Source named in messages.
        marks: Positions of the overrides, usually those of the whole scenario file.
        marks_prefix: Location of the mapping that holds the overrides within ``marks``.
        context: Passed to pydantic validators unchanged.

    Raises:
        ScenarioError: If a path does not exist or the changed model does not validate.
    """
    data = _plain(model)
    applied = _apply(data, type(model), overrides, path, marks, marks_prefix)
    try:
        return type(model).model_validate(data, context=context)
    except ValidationError as exc:
        problems = [_problem(err, type(model), data) for err in exc.errors(include_url=False)]
        raise ScenarioError.combine(
            _sorted([_override_error(p, applied, path, marks, marks_prefix) for p in problems])
        ) from exc


def _apply(
    data: Any,
    model_cls: type[BaseModel],
    overrides: Mapping[str, Any],
    path: str,
    marks: Marks,
    prefix: Loc,
) -> list[tuple[Hashable, Loc, Any]]:
    """Write each override into ``data`` (plain, in place), in order; what was applied where.

    Returns:
        (dotted path, real keys, value) of each override, for locating validation errors.

    Raises:
        ScenarioError: At the override whose path does not exist.
    """
    applied: list[tuple[Hashable, Loc, Any]] = []
    for dotted, value in overrides.items():
        try:
            real = _resolve(data, model_cls, dotted, may_add=True)
        except _PathError as exc:
            pos = marks.nearest((*prefix, dotted), key=True)
            raise located(str(exc), path, pos, field=str(dotted)) from exc
        parent = data
        for key in real[:-1]:
            parent = parent[key]
        parent[real[-1]] = copy.deepcopy(value)  # later paths may write into it
        applied.append((dotted, real, value))
    return applied


def _shared(real: Loc, loc: Loc) -> int:
    """How many leading keys two locations share: the override nearest an error has most."""
    pairs = enumerate(zip(real, loc, strict=False))
    return next((i for i, (a, b) in pairs if a != b), min(len(real), len(loc)))


def _override_error(
    problem: _Problem,
    applied: list[tuple[Hashable, Loc, Any]],
    path: str,
    marks: Marks,
    prefix: Loc,
) -> ScenarioError:
    """Locate a re-validation error at the override that most likely caused it."""
    message, expected = problem.message, problem.expected
    if not applied:
        field = dotted_path(problem.loc) or None
        return located(message, path, None, field=field, value=problem.value, expected=expected)
    dotted, real, value = max(reversed(applied), key=lambda item: _shared(item[1], problem.loc))
    base = (*prefix, dotted)
    if problem.loc[: len(real)] != real:  # a check on an enclosing model: blame the override
        pos = marks.nearest(base)
        return located(message, path, pos, field=str(dotted), value=value, expected=expected)
    rest, mark_rest = dotted_path(problem.loc[len(real) :]), problem.mark_loc[len(real) :]
    pos = marks.nearest((*base, *mark_rest), key=problem.on_key)
    field = f"{dotted}.{rest}" if rest else str(dotted)
    return located(message, path, pos, field=field, value=problem.value, expected=expected)
