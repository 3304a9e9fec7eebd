"""What DynamoDB can store, checked before anything is written, with a reason that names the field.

A document that breaks one of DynamoDB's data type rules would fail every write with a
``ValidationException`` (or crash the SDK's serializer first): retrying cannot help, so it is rejected at
once. Rules, from "Supported data types and naming rules in Amazon DynamoDB"
(https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/HowItWorks.NamingRulesDataTypes.html)
and "Quotas in Amazon DynamoDB" (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ServiceQuotas.html):
attribute names of at least one character; text in UTF-8 (no lone surrogate); finite numbers of up to 38
significant digits within 1E-130..9.99E+125 in magnitude; nesting up to 32 levels, the top-level attribute
being level 1. Walks are iterative, so no depth of input can exhaust the stack.

Item size, from "DynamoDB item sizes and formats"
(https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/CapacityUnitCalculations.html): the sum
of attribute name and value sizes; strings their UTF-8 bytes, numbers about 1 byte per two significant
digits + 1, booleans and null 1, lists and maps 3 bytes + their elements + 1 byte per element. The
estimate here rounds every number up, so it is never below DynamoDB's own figure.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from migration_runtime.aws_limits import (
    DYNAMODB_MAX_ITEM_BYTES,
    DYNAMODB_MAX_NESTING_LEVELS,
    DYNAMODB_MAX_NUMBER_DIGITS,
    DYNAMODB_MAX_NUMBER_MAGNITUDE,
    DYNAMODB_MIN_NUMBER_MAGNITUDE,
)
from migration_runtime.safe_text import is_valid_unicode, safe_text, utf8_size

MAX_NAME_IN_PATH = 64
Path = tuple[str | int, ...]


def field_path(path: Path) -> str:
    """``business.tax_id``, ``steps_completed[2]``; names made safe to log and cut to a readable length."""
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            name = safe_text(part, MAX_NAME_IN_PATH) if part else '""'
            text += f".{name}" if text else name
    return text or "record"


def number_problem(value: int | float | Decimal) -> str | None:
    """Why DynamoDB cannot store this number, or None."""
    if isinstance(value, float) and not math.isfinite(value):
        return "must be a finite number"
    try:
        number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    except (InvalidOperation, ValueError):
        return "must be a number DynamoDB can store"
    if not number.is_finite():
        return "must be a finite number"
    if number.is_zero():
        return None
    digits = number.as_tuple().digits
    significant = len("".join(map(str, digits)).strip("0"))
    if significant > DYNAMODB_MAX_NUMBER_DIGITS:
        return f"number has more than {DYNAMODB_MAX_NUMBER_DIGITS} significant digits (DynamoDB's limit)"
    # copy_abs, not abs(): abs() rounds to the context's 28 digits and would push 38 nines over the top.
    if not DYNAMODB_MIN_NUMBER_MAGNITUDE <= number.copy_abs() <= DYNAMODB_MAX_NUMBER_MAGNITUDE:
        return "number is outside DynamoDB's range (1E-130 to 9.99E+125 in magnitude)"
    return None


def _children(value: Any) -> Iterator[tuple[str | int, Any]] | None:
    if isinstance(value, Mapping):
        return iter(value.items())
    if isinstance(value, list | tuple | set | frozenset):
        return enumerate(value)
    return None


def _scalar_problem(value: Any) -> str | None:
    if value is None or isinstance(value, bool | bytes | bytearray):
        return None
    if isinstance(value, str):
        return None if is_valid_unicode(value) else "text is not valid Unicode (a lone surrogate)"
    if isinstance(value, int | float | Decimal):
        return number_problem(value)
    if type(value).__name__ == "Binary":  # boto3.dynamodb.types.Binary, without importing boto3 here
        return None
    return f"unsupported value type {type(value).__name__}"


def storage_problem(document: Mapping[str, Any], *, base_level: int = 0) -> str | None:
    """The first reason, ``<field>: <problem>``, DynamoDB could not store this item; None when it can.

    ``base_level``: levels above the document's attributes (1 when it is stored as one map attribute).
    """
    # (path, value, level): top-level attribute values are level 1.
    pending: list[tuple[Path, Any, int]] = [((), document, base_level)]
    while pending:
        path, value, level = pending.pop()
        children = _children(value)
        if children is None:
            problem = _scalar_problem(value)
            if problem:
                return f"{field_path(path)}: {problem}"
            continue
        for key, child in children:
            if level + 1 > DYNAMODB_MAX_NESTING_LEVELS:
                return (
                    f"{field_path(path)}: nested deeper than DynamoDB's {DYNAMODB_MAX_NESTING_LEVELS} levels"
                )
            if isinstance(value, Mapping):
                if not isinstance(key, str):
                    return f"{field_path(path)}: attribute names must be text"
                if not key:
                    return f"{field_path((*path, key))}: attribute name must not be empty"
                if not is_valid_unicode(key):
                    return f"{field_path(path)}: an attribute name is not valid Unicode (a lone surrogate)"
            pending.append(((*path, key), child, level + 1))
    return None


def _value_size(value: Any) -> int:
    if value is None or isinstance(value, bool):
        return 1
    if isinstance(value, str):
        return utf8_size(value)
    if isinstance(value, bytes | bytearray):
        return len(value)
    if isinstance(value, int):
        # Digits from the bit length (str() of a huge int is refused): rounded up, never below.
        return (int(value.bit_length() * 0.30103) + 3) // 2 + 1
    if isinstance(value, Decimal):
        return (len(value.as_tuple().digits) + 1) // 2 + 1
    if isinstance(value, float):
        return (len(repr(value)) + 1) // 2 + 1
    return len(bytes(value.value)) if type(value).__name__ == "Binary" else utf8_size(str(value))


def item_size(document: Mapping[str, Any]) -> int:
    """An estimate of the DynamoDB item size in bytes that is never below the real size."""
    total = 0
    pending: list[Any] = [document]
    top = True
    while pending:
        value = pending.pop()
        children = _children(value)
        if children is None:
            total += _value_size(value)
            continue
        total += 0 if top else 3
        top = False
        for key, child in children:
            total += (utf8_size(key) if isinstance(key, str) else 0) + 1
            pending.append(child)
    return total


def item_size_problem(document: Mapping[str, Any], *, reserve_bytes: int = 0) -> str | None:
    if item_size(document) + reserve_bytes > DYNAMODB_MAX_ITEM_BYTES:
        return f"record: larger than DynamoDB's {DYNAMODB_MAX_ITEM_BYTES // 1000} KB item size limit"
    return None
