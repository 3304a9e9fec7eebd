"""How big DynamoDB counts an item (low-level attribute format), for the 400 KB item and 16 MB batch quotas.

The rules of "Item sizes and formats" in the DynamoDB developer guide: attribute names count as UTF-8
bytes, strings as UTF-8 bytes, binaries as their length, numbers about one byte per two significant digits
plus one, booleans and nulls one byte, lists and maps three bytes plus one per element.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from decimal import Decimal
from typing import Any


def _number_size(text: str) -> int:
    """Bytes DynamoDB stores for a number: one per two significant digits, plus one."""
    digits = str(Decimal(text).normalize()).lstrip("-").replace(".", "").split("E")[0].lstrip("0")
    return math.ceil(max(len(digits), 1) / 2) + 1


def attribute_value_size(value: Mapping[str, Any]) -> int:
    """Size of one attribute value in the low-level format (``{"S": "..."}``), without its name."""
    ((kind, content),) = value.items()
    if kind == "S":
        return len(content.encode("utf-8"))
    if kind == "N":
        return _number_size(content)
    if kind == "B":
        return len(content)
    if kind in ("BOOL", "NULL"):
        return 1
    if kind == "SS":
        return sum(len(element.encode("utf-8")) for element in content)
    if kind == "NS":
        return sum(_number_size(element) for element in content)
    if kind == "BS":
        return sum(len(element) for element in content)
    if kind == "L":
        return 3 + sum(attribute_value_size(element) + 1 for element in content)
    if kind == "M":
        return 3 + sum(
            len(name.encode("utf-8")) + attribute_value_size(element) + 1 for name, element in content.items()
        )
    raise ValueError(f"unknown DynamoDB attribute type {kind!r}")


def item_size_bytes(item: Mapping[str, Mapping[str, Any]]) -> int:
    """Size of an item as DynamoDB counts and bills it: every attribute name plus its value."""
    return sum(len(name.encode("utf-8")) + attribute_value_size(value) for name, value in item.items())
