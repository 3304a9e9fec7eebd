"""Conversion between plain JSON documents and DynamoDB attribute maps (low-level client format)."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer

from onboarding.json_values import plain

AttributeMap = dict[str, dict[str, Any]]

_serializer = TypeSerializer()
_deserializer = TypeDeserializer()


def _storable(value: Any) -> Any:
    # DynamoDB numbers are Decimals; str(float) is the shortest repr, so it reads back as the same float.
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, float):
        return Decimal(repr(value))
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
