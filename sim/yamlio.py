"""Read scenario YAML and report validation problems at the line that caused them.

pydantic reports errors by ``loc`` (keys and indices) and knows nothing about files, so YAML
is loaded while recording where every key and value was written (``Marks``), and each pydantic
error becomes a ``ScenarioError`` naming file:line:column, the dotted field, the offending
value and what was expected. Dotted-path overrides (variants, timeline steps, command-line
settings) re-validate the whole model, so every validator also sees the changed values.
"""

from __future__ import annotations

import copy
import difflib
import types
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, TypeVar, Union, get_args, get_origin

import yaml
from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from sim.errors import NOT_GIVEN, ScenarioError

Loc = tuple[Hashable, ...]
Position = tuple[int, int]
M = TypeVar("M", bound=BaseModel)

_MAP, _SEQ, _MERGE = (f"tag:yaml.org,2002:{t}" for t in ("map", "seq", "merge"))
_BOUNDS = {
    "greater_than_equal": ">=",
    "greater_than": ">",
    "less_than_equal": "<=",
    "less_than": "<",
}
_CTX = {">=": "ge", ">": "gt", "<=": "le", "<": "lt"}


class Marks:
    """1-based (line, column) of the key and the value of every mapping entry and list item.

    Locations are tuples of keys and indices like pydantic's ``loc``; the root is ``()``.
    A list item's key position is the item's own position.
    """

    def __init__(self) -> None:
        self._keys: dict[Loc, Position] = {}
        self._values: dict[Loc, Position] = {}

    def add(self, loc: Loc, *, key: Position, value: Position) -> None:
        """Record where the entry at ``loc`` was written."""
        self._keys[loc], self._values[loc] = key, value

    def key(self, loc: Loc) -> Position | None:
        """Position of the key at exactly ``loc``, if recorded."""
        return self._keys.get(tuple(loc))

    def value(self, loc: Loc) -> Position | None:
        """Position of the value at exactly ``loc``, if recorded."""
        return self._values.get(tuple(loc))

    def nearest(self, loc: Loc, *, key: bool = False) -> Position | None:
        """Position of ``loc`` or else of its closest recorded ancestor.

        Errors can concern things the file never spelt out (a missing field, a default); the
        enclosing entry is then the most useful place to show.
        """
        table, loc = (self._keys if key else self._values), tuple(loc)
        found = (table[loc[:end]] for end in range(len(loc), -1, -1) if loc[:end] in table)
        return next(found, None)


def suggest(name: str, options: Iterable[str]) -> str | None:
    """The option closest to a misspelt ``name``, or None if nothing is close enough."""
    matches = difflib.get_close_matches(str(name), [str(o) for o in options], n=1, cutoff=0.6)
    return matches[0] if matches else None


def _unknown(what: str, name: str, options: Sequence[str]) -> str:
    guess = suggest(name, options)
    hint = f"; did you mean {guess!r}?" if guess else ""
    return what + hint + (f" (allowed: {', '.join(options)})" if options else "")


def _dotted(loc: Loc) -> str:
    return ".".join(str(part) for part in loc)


def _pos(mark: yaml.Mark) -> Position:
    return (mark.line + 1, mark.column + 1)


def _err(message: str, path: str, pos: Position | None, **details: Any) -> ScenarioError:
    line, column = pos if pos else (None, None)
    return ScenarioError(message, path=path, line=line, column=column, **details)


def _kind(value: object) -> str:
    names = {bool: "true/false", int: "an integer", float: "a number", str: "text"}
    if value is None or isinstance(value, list):
        return "null" if value is None else "a list"
    return f"a single value ({names.get(type(value), type(value).__name__)})"


def load_yaml(path: str | Path) -> tuple[Any, Marks]:
    """Read a YAML file into plain data (SafeLoader semantics) and the positions of its entries.

    Args:
        path: The scenario file; it is named in every error message.

    Returns:
        The data (a dict at the top level) and the ``Marks`` that ``validate`` and
        ``with_overrides`` need to point at lines.

    Raises:
        ScenarioError: If the file is missing, unreadable, not UTF-8, not valid YAML, has a
            duplicate key, is empty, or its top level is not a mapping.
    """
    name, file = str(path), Path(path)
    try:
        if file.is_dir():
            raise ScenarioError("is a directory; expected a YAML file", path=name)
        raw = file.read_bytes()
    except FileNotFoundError as exc:
        raise ScenarioError("no such file", path=name) from exc
    except (OSError, ValueError) as exc:
        raise ScenarioError(f"cannot read file ({exc})", path=name) from exc
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ScenarioError(
            f"not UTF-8 text (bad byte at offset {exc.start}); save it as UTF-8",
            path=name,
            line=raw.count(b"\n", 0, exc.start) + 1,
        ) from exc
    return parse_yaml(text, path=name)


def parse_yaml(text: str, *, path: str = "<string>") -> tuple[Any, Marks]:
    """Like ``load_yaml`` for text already in memory; ``path`` names it in messages."""
    marks, node = Marks(), None
    try:
        loader = yaml.SafeLoader(text)
        try:
            node = loader.get_single_node()
            data = _Builder(loader, path, marks).build(node, ()) if node is not None else None
        finally:
            loader.dispose()
    except yaml.YAMLError as exc:
        raise _yaml_error(exc, path, text) from exc
    except RecursionError as exc:
        raise ScenarioError("invalid YAML: nested too deeply", path=path) from exc
    if node is None:
        raise ScenarioError("file is empty; expected a mapping of field names to values", path=path)
    if not isinstance(data, dict):
        raise _err(
            f"top level is {_kind(data)}; expected a mapping of field names to values",
            path,
            _pos(node.start_mark),
        )
    marks.add((), key=_pos(node.start_mark), value=_pos(node.start_mark))
    return data, marks


def _yaml_error(exc: yaml.YAMLError, path: str, text: str) -> ScenarioError:
    if isinstance(exc, yaml.reader.ReaderError):  # a forbidden character; has no mark
        line, start = text.count("\n", 0, exc.position) + 1, text.rfind("\n", 0, exc.position)
        char = chr(exc.character) if isinstance(exc.character, int) else exc.character
        return _err(
            f"invalid YAML: character {char!r} is not allowed", path, (line, exc.position - start)
        )
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    message = str(getattr(exc, "problem", None) or exc)
    context, context_mark = getattr(exc, "context", None), getattr(exc, "context_mark", None)
    if context and context_mark is not None:
        message = f"{context} at line {context_mark.line + 1}, {message}"
    return _err(f"invalid YAML: {message}", path, _pos(mark) if mark is not None else None)


class _Builder:
    """Builds plain data from one composed node tree while recording marks.

    Walking the nodes ourselves (not ``yaml.safe_load``) is what gives every entry a position
    and lets a duplicate key be reported instead of silently overwriting the first.
    """

    def __init__(self, loader: yaml.SafeLoader, path: str, marks: Marks) -> None:
        self.loader, self.path, self.marks = loader, path, marks
        self.done: dict[int, Any] = {}  # node id -> data, so aliases share one object
        self.active: set[int] = set()  # nodes being built, to refuse recursive aliases

    def error(self, message: str, node: yaml.Node, loc: Loc) -> ScenarioError:
        return _err(message, self.path, _pos(node.start_mark), field=_dotted(loc) or None)

    def build(self, node: yaml.Node, loc: Loc) -> Any:
        if isinstance(node, yaml.ScalarNode):
            try:
                return self.loader.construct_object(node, deep=True)
            except (ValueError, TypeError, OverflowError) as exc:  # e.g. date 2018-02-30
                raise self.error(f"cannot read {node.value!r} ({exc})", node, loc) from exc
        if id(node) in self.done or id(node) in self.active:
            if id(node) in self.active:
                raise self.error("recursive alias (an anchor used inside itself)", node, loc)
            return self.done[id(node)]
        self.active.add(id(node))
        if isinstance(node, yaml.MappingNode) and node.tag == _MAP:
            result: Any = self.mapping(node, loc)
        elif isinstance(node, yaml.SequenceNode) and node.tag == _SEQ:
            result = self.sequence(node, loc)
        else:
            raise self.error(f"unsupported YAML tag {node.tag!r}", node, loc)
        self.active.discard(id(node))
        self.done[id(node)] = result
        return result

    def sequence(self, node: yaml.Node, loc: Loc) -> list[Any]:
        for index, item in enumerate(node.value):
            self.marks.add((*loc, index), key=_pos(item.start_mark), value=_pos(item.start_mark))
        return [self.build(item, (*loc, index)) for index, item in enumerate(node.value)]

    def mapping(self, node: yaml.MappingNode, loc: Loc) -> dict[Any, Any]:
        explicit = sum(1 for key_node, _ in node.value if key_node.tag != _MERGE)
        self.loader.flatten_mapping(node)  # resolves ``<<: *anchor``; merged entries go first
        merged, result = len(node.value) - explicit, {}
        seen: dict[Any, yaml.Node] = {}
        for index, (key_node, value_node) in enumerate(node.value):
            if not isinstance(key_node, yaml.ScalarNode):
                raise self.error(
                    "a key must be a single value, not a list or mapping", key_node, loc
                )
            key = self.build(key_node, loc)
            first = seen.setdefault(key, key_node) if index >= merged else key_node
            if first is not key_node:
                raise self.error(
                    f"duplicate key {key!r} (first given at line {first.start_mark.line + 1})",
                    key_node,
                    (*loc, key),
                )
            self.marks.add(
                (*loc, key), key=_pos(key_node.start_mark), value=_pos(value_node.start_mark)
            )
            result[key] = self.build(value_node, (*loc, key))
        return result


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
    return err["msg"].removeprefix("Input should be ")


def _problem(err: ErrorDetails, model_cls: type[BaseModel], data: Any) -> _Problem:
    kind, raw, value = err["type"], err["loc"], err.get("input")
    loc = _data_loc(raw, data, keep_last=kind == "missing")
    if kind == "extra_forbidden":
        annotations: list[Any] = [model_cls]
        for key in loc[:-1]:
            annotations = _step(annotations, key)
        return _Problem(
            loc, loc, True, _unknown("unknown field", _dotted(loc[-1:]), list(_fields(annotations)))
        )
    if kind == "missing":
        return _Problem(loc, loc[:-1], True, "field required")
    if kind == "invalid_key" or raw[-1:] == ("[key]",):
        return _Problem(loc, loc, True, "invalid key", value, _expected(err))
    if kind in ("value_error", "assertion_error"):
        return _Problem(loc, loc, False, str(err.get("ctx", {}).get("error", err["msg"])), value)
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
                    _err(
                        p.message,
                        path,
                        marks.nearest(p.mark_loc, key=p.on_key),
                        field=_dotted(p.loc) or None,
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
    inside = f" in {_dotted(where)!r}" if where else ""
    if _models(annotations) and isinstance(current, dict):  # a model: fields are fixed
        found = _field_key(annotations, segment)
        if found is None:
            raise _PathError(
                _unknown(f"unknown field {segment!r}{inside}", segment, list(_fields(annotations)))
            )
        return found
    if isinstance(current, dict):  # a dict field: existing keys, or a new last key
        key = next((k for k in current if k == segment or str(k) == segment), None)
        if key is None and not may_add:
            raise _PathError(_unknown(f"no key {segment!r}{inside}", segment, list(current)))
        return segment if key is None else key
    if isinstance(current, list):
        if segment.isdigit() and int(segment) < len(current):
            return int(segment)
        raise _PathError(f"{segment!r} is not an index{inside} (0 to {len(current) - 1})")
    raise _PathError(f"{_dotted(where) or 'value'} is {_kind(current)}; it has no {segment!r}")


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
    data, applied = _plain(model), []  # type: Any, list[tuple[Hashable, Loc, Any]]
    for dotted, value in overrides.items():
        try:
            real = _resolve(data, type(model), dotted, may_add=True)
        except _PathError as exc:
            pos = marks.nearest((*marks_prefix, dotted), key=True)
            raise _err(str(exc), path, pos, field=str(dotted)) from exc
        parent = data
        for key in real[:-1]:
            parent = parent[key]
        parent[real[-1]] = copy.deepcopy(value)  # later paths may write into it
        applied.append((dotted, real, value))
    try:
        return type(model).model_validate(data, context=context)
    except ValidationError as exc:
        problems = [_problem(err, type(model), data) for err in exc.errors(include_url=False)]
        raise ScenarioError.combine(
            _sorted([_override_error(p, applied, path, marks, marks_prefix) for p in problems])
        ) from exc


def _override_error(
    problem: _Problem,
    applied: list[tuple[Hashable, Loc, Any]],
    path: str,
    marks: Marks,
    prefix: Loc,
) -> ScenarioError:
    """Locate a re-validation error at the override that most likely caused it."""

    def shared(real: Loc) -> int:
        pairs = enumerate(zip(real, problem.loc, strict=False))
        return next((i for i, (a, b) in pairs if a != b), min(len(real), len(problem.loc)))

    if not applied:
        return _err(
            problem.message,
            path,
            None,
            field=_dotted(problem.loc) or None,
            value=problem.value,
            expected=problem.expected,
        )
    dotted, real, value = max(reversed(applied), key=lambda item: shared(item[1]))
    base = (*prefix, dotted)
    if problem.loc[: len(real)] != real:  # a check on an enclosing model: blame the override
        return _err(
            problem.message,
            path,
            marks.nearest(base),
            field=str(dotted),
            value=value,
            expected=problem.expected,
        )
    rest, mark_rest = _dotted(problem.loc[len(real) :]), problem.mark_loc[len(real) :]
    pos = marks.nearest((*base, *mark_rest), key=problem.on_key)
    return _err(
        problem.message,
        path,
        pos,
        field=f"{dotted}.{rest}" if rest else str(dotted),
        value=problem.value,
        expected=problem.expected,
    )
