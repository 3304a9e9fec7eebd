"""Plain JSON values: one numeric representation whatever the source.

A record reaches the functions either as a queue message body (``json.loads``: int and float) or as a
DynamoDB item (every number a ``Decimal``). Normalising both to the same Python values, with integral
numbers as ``int``, makes validation and checksums agree on both paths (``3.0`` in a body and ``3`` read
back from DynamoDB are the same number).
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from migration_runtime.aws_limits import DYNAMODB_MAX_NESTING_LEVELS
from migration_runtime.dynamodb_storable import storage_problem


class NotAJsonObject(ValueError):
    """The text is not JSON, or not a JSON object. The message never quotes the text."""


class NonStandardConstant(ValueError):
    pass


def _reject_constant(name: str) -> Any:
    # json.loads accepts NaN/Infinity by default; they are not JSON and DynamoDB cannot store them.
    raise NonStandardConstant(f"non-standard JSON constant {name}")


def _number(value: float | Decimal) -> int | float:
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError("non-finite number")
        return int(value) if value == value.to_integral_value() else float(value)
    if not math.isfinite(value):
        raise ValueError("non-finite number")
    return int(value) if value.is_integer() else value


def plain(value: Any) -> Any:
    """Recursively convert Decimals/floats to int (when integral) or float, sets to sorted lists."""
    if isinstance(value, bool) or value is None or isinstance(value, str | int):
        return value
    if isinstance(value, float | Decimal):
        return _number(value)
    if isinstance(value, Mapping):
        return {str(key): plain(item) for key, item in value.items()}
    if isinstance(value, set | frozenset):
        return sorted(plain(item) for item in value)
    if isinstance(value, list | tuple):
        return [plain(item) for item in value]
    raise TypeError(f"unsupported JSON value type {type(value).__name__}")


class NotStorable(NotAJsonObject):
    """A JSON object DynamoDB could not store (see ``dynamodb_storable``); the message names the field."""


def parse_object(text: str | bytes) -> dict[str, Any]:
    """Parse one JSON object, every number as an exact ``Decimal`` (not yet checked, not yet plain).

    Decimals keep ``1e400`` or a 41-digit integer exact, so the storability check can name them instead of
    turning them into infinity, a rounded float, or an integer too long to print.
    """
    try:
        value = json.loads(text, parse_float=Decimal, parse_int=Decimal, parse_constant=_reject_constant)
    except RecursionError:
        raise NotAJsonObject(
            f"body: nested deeper than DynamoDB's {DYNAMODB_MAX_NESTING_LEVELS} levels"
        ) from None
    except NonStandardConstant:
        raise NotAJsonObject("body: NaN and Infinity are not JSON numbers") from None
    except (ValueError, TypeError) as error:
        raise NotAJsonObject("body: not valid JSON") from error
    if not isinstance(value, dict):
        raise NotAJsonObject(f"body: must be a JSON object, got {_json_kind(value)}")
    return value


def storable_plain(document: dict[str, Any]) -> dict[str, Any]:
    """``document`` checked against DynamoDB's data type rules, then as plain values."""
    problem = storage_problem(document)
    if problem:
        raise NotStorable(problem)
    return plain(document)


def loads_object(text: str | bytes) -> dict[str, Any]:
    """Parse a message body that must be one JSON object DynamoDB can store, as plain values."""
    return storable_plain(parse_object(text))


def _json_kind(value: Any) -> str:
    if isinstance(value, list):
        return "array"
    if isinstance(value, str):
        return "string"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    return "number"


def dumps(value: Any) -> str:
    """Compact JSON; ASCII-only so any content is a valid SQS message body."""
    return json.dumps(plain(value), separators=(",", ":"), allow_nan=False)
