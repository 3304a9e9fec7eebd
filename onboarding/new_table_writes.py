"""Conditional writes of onboarding items to the new table.

Migration writes: ``attribute_not_exists(pk) OR (#source = :migration AND #checksum <> :checksum)``.
- no item yet                               -> created
- an earlier migration wrote other content   -> updated (the legacy record changed; the newer one wins)
- an earlier migration wrote this content    -> duplicate: a redelivery writes nothing (written_at kept)
- the intake wrote the item                 -> superseded: live intake is newer, never overwritten
The outcome of a failed condition is read from the old item DynamoDB returns with
``ReturnValuesOnConditionCheckFailure=ALL_OLD``, so classifying it costs no extra read.

Intake writes: ``attribute_not_exists(pk) OR #checksum <> :checksum`` (new or changed content only).
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Any

from botocore.exceptions import ClientError

from onboarding.dynamodb_codec import from_attribute_map, string_value, to_attribute_map
from onboarding.onboarding_item import Source

_MIGRATION_CONDITION = "attribute_not_exists(pk) OR (#source = :migration AND #checksum <> :checksum)"
_INTAKE_CONDITION = "attribute_not_exists(pk) OR #checksum <> :checksum"


class WriteOutcome(StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    DUPLICATE = "duplicate"
    SUPERSEDED = "superseded"
    UNCHANGED = "unchanged"


def put_migrated_item(dynamodb: Any, table_name: str, item: Mapping[str, Any]) -> WriteOutcome:
    old = _conditional_put(
        dynamodb,
        table_name,
        item,
        condition=_MIGRATION_CONDITION,
        names={"#source": "source", "#checksum": "checksum"},
        values={
            ":migration": string_value(Source.MIGRATION.value),
            ":checksum": string_value(item["checksum"]),
        },
    )
    if old.succeeded:
        return WriteOutcome.UPDATED if old.item else WriteOutcome.CREATED
    if old.item.get("source") == Source.MIGRATION.value:
        return WriteOutcome.DUPLICATE
    return WriteOutcome.SUPERSEDED


def put_intake_item(dynamodb: Any, table_name: str, item: Mapping[str, Any]) -> WriteOutcome:
    old = _conditional_put(
        dynamodb,
        table_name,
        item,
        condition=_INTAKE_CONDITION,
        names={"#checksum": "checksum"},
        values={":checksum": string_value(item["checksum"])},
    )
    if old.succeeded:
        return WriteOutcome.UPDATED if old.item else WriteOutcome.CREATED
    return WriteOutcome.UNCHANGED


class _PutResult:
    def __init__(self, *, succeeded: bool, item: dict[str, Any]) -> None:
        self.succeeded = succeeded
        self.item = item


def _conditional_put(
    dynamodb: Any,
    table_name: str,
    item: Mapping[str, Any],
    *,
    condition: str,
    names: dict[str, str],
    values: dict[str, dict[str, str]],
) -> _PutResult:
    try:
        response = dynamodb.put_item(
            TableName=table_name,
            Item=to_attribute_map(item),
            ConditionExpression=condition,
            ExpressionAttributeNames=names,
            ExpressionAttributeValues=values,
            ReturnValues="ALL_OLD",
            ReturnValuesOnConditionCheckFailure="ALL_OLD",
        )
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") != "ConditionalCheckFailedException":
            raise
        old = error.response.get("Item") or _read_item(dynamodb, table_name, item)
        return _PutResult(succeeded=False, item=from_attribute_map(old))
    return _PutResult(succeeded=True, item=from_attribute_map(response.get("Attributes") or {}))


def _read_item(dynamodb: Any, table_name: str, item: Mapping[str, Any]) -> dict[str, Any]:
    # Only when an endpoint does not return the old item with the failure (DynamoDB always does).
    key = {"pk": string_value(item["pk"]), "sk": string_value(item["sk"])}
    return dynamodb.get_item(TableName=table_name, Key=key, ConsistentRead=True).get("Item") or {}
