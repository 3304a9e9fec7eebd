"""aws:dynamodb/table:Table."""

from __future__ import annotations

from typing import Any

from embedded_aws.stack_deploy.adapters.base import (
    CreateResult,
    DeployContext,
    as_int,
    physical_name,
    tag_list,
)


def _key_schema(hash_key: str, range_key: str | None) -> list[dict[str, str]]:
    schema = [{"AttributeName": hash_key, "KeyType": "HASH"}]
    if range_key:
        schema.append({"AttributeName": range_key, "KeyType": "RANGE"})
    return schema


def _throughput(inputs: dict[str, Any]) -> dict[str, int]:
    return {
        "ReadCapacityUnits": as_int(inputs.get("readCapacity")) or 1,
        "WriteCapacityUnits": as_int(inputs.get("writeCapacity")) or 1,
    }


def table(ctx: DeployContext, name: str, inputs: dict[str, Any]) -> CreateResult:
    table_name = physical_name(inputs, name, max_length=255)
    billing_mode = inputs.get("billingMode") or "PROVISIONED"
    request: dict[str, Any] = {
        "TableName": table_name,
        "KeySchema": _key_schema(inputs["hashKey"], inputs.get("rangeKey")),
        "AttributeDefinitions": [
            {"AttributeName": a["name"], "AttributeType": a["type"]} for a in inputs.get("attributes", [])
        ],
        "BillingMode": billing_mode,
        "DeletionProtectionEnabled": bool(inputs.get("deletionProtectionEnabled", False)),
    }
    if billing_mode == "PROVISIONED":
        request["ProvisionedThroughput"] = _throughput(inputs)
    sse = inputs.get("serverSideEncryption") or {}
    if sse.get("enabled"):
        request["SSESpecification"] = {"Enabled": True, "SSEType": "KMS"}
        if sse.get("kmsKeyArn"):
            request["SSESpecification"]["KMSMasterKeyId"] = sse["kmsKeyArn"]
    if inputs.get("streamEnabled"):
        request["StreamSpecification"] = {"StreamEnabled": True, "StreamViewType": inputs["streamViewType"]}
    indexes = [
        {
            "IndexName": index["name"],
            "KeySchema": _key_schema(index["hashKey"], index.get("rangeKey")),
            "Projection": {
                "ProjectionType": index.get("projectionType", "ALL"),
                **({"NonKeyAttributes": index["nonKeyAttributes"]} if index.get("nonKeyAttributes") else {}),
            },
            **({"ProvisionedThroughput": _throughput(index)} if billing_mode == "PROVISIONED" else {}),
        }
        for index in inputs.get("globalSecondaryIndexes") or []
    ]
    if indexes:
        request["GlobalSecondaryIndexes"] = indexes
    if inputs.get("tags"):
        request["Tags"] = tag_list(inputs["tags"])
    dynamodb = ctx.client("dynamodb")
    description = dynamodb.create_table(**request)["TableDescription"]
    if (inputs.get("pointInTimeRecovery") or {}).get("enabled"):
        dynamodb.update_continuous_backups(
            TableName=table_name, PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True}
        )
    ttl = inputs.get("ttl") or {}
    if ttl.get("enabled"):
        dynamodb.update_time_to_live(
            TableName=table_name,
            TimeToLiveSpecification={"Enabled": True, "AttributeName": ttl["attributeName"]},
        )
    outputs = {
        **inputs,
        "name": table_name,
        "arn": description["TableArn"],
        "streamArn": description.get("LatestStreamArn", ""),
        "streamLabel": description.get("LatestStreamLabel", ""),
    }
    return table_name, outputs
