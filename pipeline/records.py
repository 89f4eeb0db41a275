"""Frozen dataclasses to JSON-able values and back: the one round trip of every stage result.

``dump`` turns a dataclass tree into dicts, lists and scalars; ``load(cls, raw)`` rebuilds it from
the type hints of ``cls`` and refuses anything that does not fit (a missing or unknown field, a
value of the wrong kind) with ``RecordError``. The journal relies on the refusal: a result
recorded by an older shape of a stage's contract is rebuilt, never read with a field missing.

Hand-written instead of a library (dacite, cattrs, pydantic) because it is 80 lines over the
standard library, must be strict about unknown keys, and is imported on every no-op build, where
pydantic's import alone would cost more than the whole rebuild's bookkeeping.
"""
from __future__ import annotations

import dataclasses
import types
import typing
from functools import lru_cache
from typing import Any


class RecordError(ValueError):
    """A JSON value does not have the shape of the record type asked for."""


def dump(value: Any) -> Any:
    """``value`` as JSON-able data: dataclasses become dicts (field order), tuples lists."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: dump(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, (list, tuple)):
        return [dump(item) for item in value]
    if isinstance(value, dict):
        return {key: dump(item) for key, item in value.items()}
    return value


def load(cls: type, raw: Any, where: str = "") -> Any:
    """Rebuild a ``cls`` from ``raw`` (as ``dump`` wrote it); RecordError names the first misfit."""
    return _convert(cls, raw, where or getattr(cls, "__name__", "value"))


@lru_cache(maxsize=None)
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def _convert(hint: Any, raw: Any, where: str) -> Any:
    if hint is Any:
        return raw
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        options = typing.get_args(hint)
        if raw is None and type(None) in options:
            return None
        errors = []
        for option in options:
            if option is type(None):
                continue
            try:
                return _convert(option, raw, where)
            except RecordError as exc:
                errors.append(str(exc))
        raise RecordError(errors[0] if len(errors) == 1 else f"{where}: fits none of {hint}")
    if dataclasses.is_dataclass(hint):
        if not isinstance(raw, dict):
            raise RecordError(f"{where}: expected an object, got {type(raw).__name__}")
        hints = _hints(hint)
        fields = {f.name: f for f in dataclasses.fields(hint) if f.init}
        unknown = sorted(set(raw) - set(fields))
        if unknown:
            raise RecordError(f"{where}: unknown field {unknown[0]!r}")
        values = {}
        for name, field in fields.items():
            if name in raw:
                values[name] = _convert(hints[name], raw[name], f"{where}.{name}")
            elif field.default is dataclasses.MISSING and field.default_factory is dataclasses.MISSING:
                raise RecordError(f"{where}: field {name!r} is missing")
        return hint(**values)
    if origin is tuple:
        args = typing.get_args(hint)
        if not isinstance(raw, list):
            raise RecordError(f"{where}: expected a list, got {type(raw).__name__}")
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(_convert(args[0], item, f"{where}[{i}]") for i, item in enumerate(raw))
        if len(args) != len(raw):
            raise RecordError(f"{where}: expected {len(args)} items, got {len(raw)}")
        return tuple(_convert(a, item, f"{where}[{i}]") for i, (a, item) in enumerate(zip(args, raw)))
    if origin is list:
        if not isinstance(raw, list):
            raise RecordError(f"{where}: expected a list, got {type(raw).__name__}")
        (item_hint,) = typing.get_args(hint) or (Any,)
        return [_convert(item_hint, item, f"{where}[{i}]") for i, item in enumerate(raw)]
    if origin is dict or hint is dict:
        if not isinstance(raw, dict):
            raise RecordError(f"{where}: expected an object, got {type(raw).__name__}")
        args = typing.get_args(hint)
        if not args:
            return raw
        return {key: _convert(args[1], item, f"{where}[{key!r}]") for key, item in raw.items()}
    if hint is float:
        # JSON keeps 2.0 as a float, but an integer-valued measurement may have been an int
        if isinstance(raw, (int, float)) and not isinstance(raw, bool):
            return raw
        raise RecordError(f"{where}: expected a number, got {type(raw).__name__}")
    if hint in (str, int, bool):
        if isinstance(raw, hint) and not (hint is int and isinstance(raw, bool)):
            return raw
        raise RecordError(f"{where}: expected {hint.__name__}, got {type(raw).__name__}")
    raise RecordError(f"{where}: cannot read a {hint!r}")  # a contract uses a type this helper does not know
