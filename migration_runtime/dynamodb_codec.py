"""Conversion between plain JSON documents and DynamoDB attribute maps (low-level client format)."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import MAX_EMAX, MAX_PREC, MIN_EMIN, Context, Decimal
from typing import Any

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer

from migration_runtime.json_values import plain

AttributeMap = dict[str, dict[str, Any]]

_EXACT = Context(prec=MAX_PREC, Emax=MAX_EMAX, Emin=MIN_EMIN)
_EXACT_INT_LIMIT = 10**38
_serializer = TypeSerializer()
_deserializer = TypeDeserializer()


def _storable(value: Any) -> Any:
    # DynamoDB numbers are Decimals; str(float) is the shortest repr, so it reads back as the same float.
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, float):
        return Decimal(repr(value))
    if isinstance(value, int) and abs(value) >= _EXACT_INT_LIMIT:
        # 1.5E+125 is a 126-digit integer once plain, but 2 significant digits for DynamoDB: without
        # the trailing zeros the SDK's 38-digit context takes it instead of refusing to round it.
        return Decimal(value).normalize(_EXACT)
    if isinstance(value, Mapping):
        return {key: _storable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_storable(item) for item in value]
    return value


def to_attribute_map(document: Mapping[str, Any]) -> AttributeMap:
    return {key: _serializer.serialize(_storable(value)) for key, value in document.items()}


def from_attribute_map(item: Mapping[str, Any]) -> dict[str, Any]:
    return {key: plain(_deserializer.deserialize(value)) for key, value in item.items()}


def string_value(value: str) -> dict[str, str]:
    return {"S": value}


def number_value(value: int) -> dict[str, str]:
    return {"N": str(value)}
