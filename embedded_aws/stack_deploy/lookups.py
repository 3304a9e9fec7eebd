"""Answers to the program's read-only lookups of existing resources (``aws.sqs.get_queue``,
``aws.dynamodb.get_table``), shaped like pulumi-aws's results (camelCase, as the engine hands them back).

The emulator's mocks answer from the emulator's state; the declared mocks from descriptions a test gives.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

GET_QUEUE = "aws:sqs/getQueue:getQueue"
GET_TABLE = "aws:dynamodb/getTable:getTable"


class ExistingResourceNotFound(LookupError):
    """The program looks up a resource that does not exist (as the AWS provider would fail)."""


def queue_result(name: str, url: str, arn: str, region: str) -> dict[str, Any]:
    return {"id": url, "name": name, "url": url, "arn": arn, "region": region, "tags": {}}


def table_result(table: Mapping[str, Any], region: str) -> dict[str, Any]:
    """From a DynamoDB ``DescribeTable`` ``Table`` document."""
    keys = {key["KeyType"]: key["AttributeName"] for key in table.get("KeySchema", [])}
    stream = table.get("StreamSpecification") or {}
    enabled = bool(stream.get("StreamEnabled"))
    return {
        "id": table["TableName"],
        "name": table["TableName"],
        "arn": table["TableArn"],
        "region": region,
        "hashKey": keys.get("HASH", ""),
        "rangeKey": keys.get("RANGE", ""),
        "attributes": [
            {"name": attribute["AttributeName"], "type": attribute["AttributeType"]}
            for attribute in table.get("AttributeDefinitions", [])
        ],
        "streamEnabled": enabled,
        "streamViewType": stream.get("StreamViewType", "") if enabled else "",
        "streamArn": table.get("LatestStreamArn", "") if enabled else "",
        "streamLabel": table.get("LatestStreamLabel", "") if enabled else "",
        "billingMode": (table.get("BillingModeSummary") or {}).get("BillingMode", "PAY_PER_REQUEST"),
        "deletionProtectionEnabled": bool(table.get("DeletionProtectionEnabled")),
        "tags": {},
    }


def described_table(
    name: str,
    arn: str,
    hash_key: str,
    range_key: str | None = None,
    stream_view_type: str | None = None,
) -> dict[str, Any]:
    """A ``DescribeTable`` ``Table`` document for a declared (not created) table: what tests adopt."""
    keys = [{"AttributeName": hash_key, "KeyType": "HASH"}]
    if range_key:
        keys.append({"AttributeName": range_key, "KeyType": "RANGE"})
    table: dict[str, Any] = {
        "TableName": name,
        "TableArn": arn,
        "KeySchema": keys,
        "AttributeDefinitions": [
            {"AttributeName": key["AttributeName"], "AttributeType": "S"} for key in keys
        ],
    }
    if stream_view_type:
        label = "2026-01-01T00:00:00.000"
        table |= {
            "StreamSpecification": {"StreamEnabled": True, "StreamViewType": stream_view_type},
            "LatestStreamArn": f"{arn}/stream/{label}",
            "LatestStreamLabel": label,
        }
    return table


def emulator_lookup(client: Any, token: str, args: Mapping[str, Any], region: str) -> dict[str, Any]:
    """Answer ``token`` from the emulator (``client(service)`` gives a boto3 client)."""
    name = str(args["name"])
    if token == GET_QUEUE:
        sqs = client("sqs")
        try:
            url = sqs.get_queue_url(QueueName=name)["QueueUrl"]
        except sqs.exceptions.QueueDoesNotExist as error:
            raise ExistingResourceNotFound(f"no SQS queue named {name!r}") from error
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        return queue_result(name, url, arn, region)
    dynamodb = client("dynamodb")
    try:
        table = dynamodb.describe_table(TableName=name)["Table"]
    except dynamodb.exceptions.ResourceNotFoundException as error:
        raise ExistingResourceNotFound(f"no DynamoDB table named {name!r}") from error
    return table_result(table, region)


__all__ = [
    "GET_QUEUE",
    "GET_TABLE",
    "ExistingResourceNotFound",
    "described_table",
    "emulator_lookup",
    "queue_result",
    "table_result",
]
