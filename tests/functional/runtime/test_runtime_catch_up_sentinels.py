"""The catch-up sentinels against the embedded runtime's DynamoDB Streams API (DescribeStream,
GetShardIterator, GetRecords over HTTP, as the capture function calls them on AWS): one shard here, so one
member, seen on it after every write before it. Several shards: tests/unit/domain/
test_unit_shard_covering_sentinels.py; the whole online run: tests/e2e/test_e2e_online.py."""

from __future__ import annotations

from typing import Any

import pytest
from runtime_helpers import streamed_table, unique

from embedded_aws import EmbeddedAws
from migration_runtime.change_log import (
    SENTINEL_ARRIVAL_PK_PREFIX,
    SENTINEL_ARRIVAL_SK,
    record_sentinel_arrival,
)
from migration_runtime.run_sentinels import sentinel_application_id
from migration_runtime.shard_covering_sentinels import ShardCoveringPlacement
from migration_runtime.timestamps import utc_now
from tests.fixtures.dynamodb_tables import create_pk_sk_table


def placement(aws: EmbeddedAws, table: str, stream_arn: str, control: str) -> ShardCoveringPlacement:
    return ShardCoveringPlacement(
        dynamodb=aws.client("dynamodb"),
        streams=aws.client("dynamodbstreams"),
        legacy_table_name=table,
        record_id_field="application_id",
        stream_arn=stream_arn,
        control_table_name=control,
        deadline_seconds=10,
    )


def stream_ids(aws: EmbeddedAws, stream_arn: str) -> list[tuple[str, str]]:
    streams = aws.client("dynamodbstreams")
    (shard,) = streams.describe_stream(StreamArn=stream_arn)["StreamDescription"]["Shards"]
    iterator = streams.get_shard_iterator(
        StreamArn=stream_arn, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
    )["ShardIterator"]
    records: list[dict[str, Any]] = streams.get_records(ShardIterator=iterator)["Records"]
    return [(record["eventName"], record["dynamodb"]["Keys"]["application_id"]["S"]) for record in records]


def test_one_shard_takes_one_sentinel_after_every_earlier_write(aws: EmbeddedAws) -> None:
    # GIVEN a legacy table with a stream, written to before the pause
    table, stream_arn = streamed_table(aws, key="application_id")
    control = unique("control")
    create_pk_sk_table(aws.client("dynamodb"), control)
    for record_id in ("app-1", "app-2"):
        aws.client("dynamodb").put_item(TableName=table, Item={"application_id": {"S": record_id}})
    group = sentinel_application_id("run-1", "caught_up")

    # WHEN the catch-up sentinels are placed
    placed = placement(aws, table, stream_arn, control).place(group)

    # THEN the one shard showed the group's own sentinel, after the earlier writes, and nothing else was
    # written; the group arrives when the capture sees that one sentinel
    assert (placed.members, placed.shards, placed.arrived) == (1, 1, False)
    assert stream_ids(aws, stream_arn) == [("INSERT", "app-1"), ("INSERT", "app-2"), ("INSERT", group)]
    record_sentinel_arrival(aws.client("dynamodb"), control, sentinel_id=group, at=utc_now())
    arrival = aws.client("dynamodb").get_item(
        TableName=control,
        Key={"pk": {"S": f"{SENTINEL_ARRIVAL_PK_PREFIX}{group}"}, "sk": {"S": SENTINEL_ARRIVAL_SK}},
        ConsistentRead=True,
    )
    assert "Item" in arrival


def test_a_stream_that_does_not_exist_fails_the_placement(aws: EmbeddedAws) -> None:
    # GIVEN a table whose stream ARN is wrong (a stack pointed at another table's stream)
    table, stream_arn = streamed_table(aws, key="application_id")
    control = unique("control")
    create_pk_sk_table(aws.client("dynamodb"), control)
    missing = stream_arn.replace(table, unique("elsewhere"))

    # WHEN placed, THEN the call fails (the state machine's Catch rolls back, legacy serving again)
    with pytest.raises(aws.client("dynamodbstreams").exceptions.ResourceNotFoundException):
        placement(aws, table, missing, control).place(sentinel_application_id("run-2", "caught_up"))
