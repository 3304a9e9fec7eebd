"""DynamoDB Streams event source mappings deliver like the Lambda service: in order, batches, partial
failures, retries, starting position, pause; the stream is bounded."""

from __future__ import annotations

import json
from typing import Any

import pytest
from runtime_helpers import streamed_table, unique, wait_until

from embedded_aws.moto_internals import dynamodb_streams

# Logs every invocation (its records, in order), then acts on each record's "plan" attribute:
# fail-once reports it as a batch item failure on its first delivery, crash-once / crash-always raise.
CONSUMER = """
import json
import os
import time
import boto3

table = boto3.resource("dynamodb").Table(os.environ["TABLE"])

def lambda_handler(event, context):
    table.put_item(Item={"id": "batch#%d" % time.time_ns(), "at": time.time_ns(), "event": json.dumps(event)})
    failures = []
    for record in event["Records"]:
        image = record["dynamodb"].get("NewImage") or record["dynamodb"].get("OldImage") or {}
        plan = image.get("plan", {}).get("S", "ok")
        sequence_number = record["dynamodb"]["SequenceNumber"]
        attempt = table.update_item(
            Key={"id": "attempt#" + record["eventSourceARN"] + "#" + sequence_number},
            UpdateExpression="ADD n :one",
            ExpressionAttributeValues={":one": 1},
            ReturnValues="UPDATED_NEW",
        )["Attributes"]["n"]
        if plan == "crash-always" or (plan == "crash-once" and attempt == 1):
            raise RuntimeError("the whole batch fails")
        if plan == "fail-once" and attempt == 1:
            failures.append({"itemIdentifier": sequence_number})
    return {"batchItemFailures": failures}
"""


@pytest.fixture(scope="module")
def log_table(aws) -> str:
    name = unique("invocations")
    aws.client("dynamodb").create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    return name


@pytest.fixture(scope="module")
def consumer(make_function, log_table):
    return make_function(CONSUMER, environment={"TABLE": log_table})


def map_stream(aws, stream_arn: str, function_name: str, **extra: Any) -> str:
    options = {
        "StartingPosition": "LATEST",
        "BatchSize": 10,
        "FunctionResponseTypes": ["ReportBatchItemFailures"],
        **extra,
    }
    return aws.client("lambda").create_event_source_mapping(
        EventSourceArn=stream_arn, FunctionName=function_name, **options
    )["UUID"]


def set_enabled(aws, uuid: str, enabled: bool) -> None:
    aws.client("lambda").update_event_source_mapping(UUID=uuid, Enabled=enabled)


def put(aws, table: str, item_id: str, plan: str = "ok", **attributes: str) -> None:
    item = {"id": {"S": item_id}, "plan": {"S": plan}, **{k: {"S": v} for k, v in attributes.items()}}
    aws.client("dynamodb").put_item(TableName=table, Item=item)


def stream_records(aws, stream_arn: str) -> list[dict[str, Any]]:
    """What GetRecords returns from TRIM_HORIZON (the whole retained stream)."""
    streams = aws.client("dynamodbstreams")
    shard = streams.describe_stream(StreamArn=stream_arn)["StreamDescription"]["Shards"][0]["ShardId"]
    iterator = streams.get_shard_iterator(
        StreamArn=stream_arn, ShardId=shard, ShardIteratorType="TRIM_HORIZON"
    )["ShardIterator"]
    return streams.get_records(ShardIterator=iterator, Limit=1000)["Records"]


def batches_of(aws, log_table: str, stream_arn: str) -> list[list[dict[str, Any]]]:
    """The record lists the consumer got from this stream, in invocation order."""
    items = aws.client("dynamodb").scan(TableName=log_table)["Items"]
    events = sorted(
        (int(item["at"]["N"]), json.loads(item["event"]["S"]))
        for item in items
        if item["id"]["S"].startswith("batch#")
    )
    return [event["Records"] for _, event in events if event["Records"][0]["eventSourceARN"] == stream_arn]


def ids(batch: list[dict[str, Any]]) -> list[str]:
    return [record["dynamodb"]["Keys"]["id"]["S"] for record in batch]


def sequence_numbers(batch: list[dict[str, Any]]) -> list[int]:
    return [int(record["dynamodb"]["SequenceNumber"]) for record in batch]


def wait_until_started(aws, uuid: str) -> None:
    """The poller has read the stream since the mapping was enabled (a LATEST position is now fixed)."""
    wait_until(lambda: aws.stream_event_source_activity(uuid).position is not None)


def wait_until_seen_disabled(aws, uuid: str, times: int = 2) -> None:
    before = aws.stream_event_source_activity(uuid).disabled_checks
    wait_until(lambda: aws.stream_event_source_activity(uuid).disabled_checks - before >= times)


def delivered_ids(aws, log_table: str, stream_arn: str) -> list[str]:
    return [item_id for batch in batches_of(aws, log_table, stream_arn) for item_id in ids(batch)]


def test_a_disabled_latest_mapping_delivers_nothing_and_once_enabled_only_later_changes(
    aws, consumer, log_table
):
    # GIVEN a stream mapping created disabled with LATEST, and a change made while it is disabled
    table, stream_arn = streamed_table(aws)
    uuid = map_stream(aws, stream_arn, consumer.name, Enabled=False)
    put(aws, table, "before-enable")
    wait_until_seen_disabled(aws, uuid)

    # WHEN it is enabled, the poller has started, and another change is made
    set_enabled(aws, uuid, True)
    wait_until_started(aws, uuid)
    put(aws, table, "after-enable")

    # THEN the later change is delivered (so delivery works) and the earlier one never is (LATEST)
    wait_until(lambda: "after-enable" in delivered_ids(aws, log_table, stream_arn))
    assert delivered_ids(aws, log_table, stream_arn) == ["after-enable"]
    assert aws.stream_event_source_activity(uuid).disabled_checks >= 2


def test_insert_modify_and_remove_arrive_shaped_like_the_lambda_dynamodb_event(aws, consumer, log_table):
    # GIVEN an enabled mapping that has started reading
    table, stream_arn = streamed_table(aws)
    uuid = map_stream(aws, stream_arn, consumer.name)
    wait_until_started(aws, uuid)

    # WHEN an item is inserted, modified and deleted
    put(aws, table, "app-1", colour="red")
    put(aws, table, "app-1", colour="blue")
    aws.client("dynamodb").delete_item(TableName=table, Key={"id": {"S": "app-1"}})

    # THEN three records arrive in order, as the Lambda service shapes them, with both images
    wait_until(lambda: len(delivered_ids(aws, log_table, stream_arn)) == 3)
    records = [record for batch in batches_of(aws, log_table, stream_arn) for record in batch]
    assert [record["eventName"] for record in records] == ["INSERT", "MODIFY", "REMOVE"]
    for record in records:
        assert record["eventVersion"] == "1.1"
        assert record["eventSource"] == "aws:dynamodb"
        assert record["awsRegion"] == aws.region
        assert record["eventSourceARN"] == stream_arn
        assert record["eventID"]
        assert record["dynamodb"]["Keys"] == {"id": {"S": "app-1"}}
        assert record["dynamodb"]["StreamViewType"] == "NEW_AND_OLD_IMAGES"
        assert isinstance(record["dynamodb"]["ApproximateCreationDateTime"], int)
        assert record["dynamodb"]["SizeBytes"] > 0
    insert, modify, remove = (record["dynamodb"] for record in records)
    assert insert["NewImage"]["colour"] == {"S": "red"} and "OldImage" not in insert
    assert modify["OldImage"]["colour"] == {"S": "red"} and modify["NewImage"]["colour"] == {"S": "blue"}
    assert remove["OldImage"]["colour"] == {"S": "blue"} and "NewImage" not in remove
    assert sequence_numbers(records) == sorted(sequence_numbers(records))
    assert len(set(sequence_numbers(records))) == 3


def test_a_partial_batch_failure_retries_from_the_lowest_failed_record_in_order(aws, consumer, log_table):
    # GIVEN four changes waiting for a TRIM_HORIZON mapping, the second failing once; "x" changes twice
    table, stream_arn = streamed_table(aws)
    uuid = map_stream(aws, stream_arn, consumer.name, Enabled=False, StartingPosition="TRIM_HORIZON")
    put(aws, table, "a")
    put(aws, table, "x", plan="fail-once")
    put(aws, table, "x", version="2")
    put(aws, table, "b")

    # WHEN the mapping is enabled
    set_enabled(aws, uuid, True)

    # THEN the first batch has all four; the retry starts at the failed record and keeps the order
    wait_until(lambda: len(batches_of(aws, log_table, stream_arn)) == 2)
    first, second = batches_of(aws, log_table, stream_arn)
    assert ids(first) == ["a", "x", "x", "b"]
    assert ids(second) == ["x", "x", "b"]
    assert sequence_numbers(second) == sequence_numbers(first)[1:]
    wait_until(lambda: aws.stream_event_source_activity(uuid).checkpointed == 4)
    assert aws.stream_event_source_activity(uuid).position == sequence_numbers(first)[-1] + 1


def test_a_function_error_retries_the_whole_batch(aws, consumer, log_table):
    # GIVEN two waiting changes, the second crashing the function once
    table, stream_arn = streamed_table(aws)
    uuid = map_stream(aws, stream_arn, consumer.name, Enabled=False, StartingPosition="TRIM_HORIZON")
    put(aws, table, "a")
    put(aws, table, "b", plan="crash-once")

    # WHEN the mapping is enabled
    set_enabled(aws, uuid, True)

    # THEN the same batch is delivered again and then checkpointed
    wait_until(lambda: aws.stream_event_source_activity(uuid).checkpointed == 2)
    batches = batches_of(aws, log_table, stream_arn)
    assert [ids(batch) for batch in batches] == [["a", "b"], ["a", "b"]]
    assert aws.stream_event_source_activity(uuid).skipped == 0


def test_after_maximum_retry_attempts_the_batch_is_skipped_and_delivery_goes_on(aws, consumer, log_table):
    # GIVEN a mapping allowing one retry, and a change that always crashes the function
    table, stream_arn = streamed_table(aws)
    uuid = map_stream(aws, stream_arn, consumer.name, MaximumRetryAttempts=1)
    wait_until_started(aws, uuid)
    put(aws, table, "poison", plan="crash-always")

    # WHEN it has been tried twice (the call and one retry), and a good change follows
    wait_until(lambda: aws.stream_event_source_activity(uuid).skipped == 1)
    put(aws, table, "good")

    # THEN the poison was delivered exactly twice, then skipped, and the good change is delivered
    wait_until(lambda: "good" in delivered_ids(aws, log_table, stream_arn))
    assert delivered_ids(aws, log_table, stream_arn) == ["poison", "poison", "good"]


def test_bisecting_isolates_the_failing_record(aws, consumer, log_table):
    # GIVEN four waiting changes, the third always crashing; bisection on and no retries
    table, stream_arn = streamed_table(aws)
    uuid = map_stream(
        aws,
        stream_arn,
        consumer.name,
        Enabled=False,
        StartingPosition="TRIM_HORIZON",
        BisectBatchOnFunctionError=True,
        MaximumRetryAttempts=0,
    )
    for item_id, plan in (("a", "ok"), ("b", "ok"), ("poison", "crash-always"), ("d", "ok")):
        put(aws, table, item_id, plan=plan)

    # WHEN the mapping is enabled
    set_enabled(aws, uuid, True)

    # THEN the batch is halved until the poison is alone, which alone is skipped
    wait_until(lambda: aws.stream_event_source_activity(uuid).checkpointed == 4)
    assert [ids(batch) for batch in batches_of(aws, log_table, stream_arn)] == [
        ["a", "b", "poison", "d"],
        ["a", "b"],
        ["poison", "d"],
        ["poison"],
        ["d"],
    ]
    assert aws.stream_event_source_activity(uuid).skipped == 1


def test_disabling_stops_delivery_and_re_enabling_resumes_from_the_checkpoint(aws, consumer, log_table):
    # GIVEN an enabled mapping that delivered a first change
    table, stream_arn = streamed_table(aws)
    uuid = map_stream(aws, stream_arn, consumer.name)
    wait_until_started(aws, uuid)
    put(aws, table, "first")
    wait_until(lambda: delivered_ids(aws, log_table, stream_arn) == ["first"])

    # WHEN it is disabled and a change is made, then the poller has re-read the mapping twice
    set_enabled(aws, uuid, False)
    wait_until_seen_disabled(aws, uuid)
    put(aws, table, "while-disabled")
    wait_until_seen_disabled(aws, uuid)

    # THEN nothing more was delivered; once re-enabled, the change made meanwhile is (checkpoint kept)
    assert delivered_ids(aws, log_table, stream_arn) == ["first"]
    set_enabled(aws, uuid, True)
    wait_until(lambda: delivered_ids(aws, log_table, stream_arn) == ["first", "while-disabled"])


def test_an_update_that_creates_an_item_is_one_insert(aws):
    # GIVEN a stream-enabled table
    table, stream_arn = streamed_table(aws)

    # WHEN UpdateItem creates an item
    aws.client("dynamodb").update_item(
        TableName=table,
        Key={"id": {"S": "new"}},
        UpdateExpression="SET colour = :c",
        ExpressionAttributeValues={":c": {"S": "red"}},
    )

    # THEN the stream holds one INSERT with the whole new image (moto alone recorded two)
    records = stream_records(aws, stream_arn)
    assert [record["eventName"] for record in records] == ["INSERT"]
    assert records[0]["dynamodb"]["NewImage"] == {"id": {"S": "new"}, "colour": {"S": "red"}}


@pytest.fixture
def small_stream_bound(monkeypatch: pytest.MonkeyPatch) -> int:
    monkeypatch.setattr(dynamodb_streams, "RETAINED_READ_RECORDS", 5)
    monkeypatch.setattr(dynamodb_streams, "_TRIM_CHUNK", 5)
    return 5


def test_the_stream_keeps_a_bounded_number_of_records_no_mapping_needs(aws, small_stream_bound):
    # GIVEN a stream-enabled table without any mapping
    table, stream_arn = streamed_table(aws)

    # WHEN many more changes than the bound are made
    for index in range(40):
        put(aws, table, f"item-{index}")

    # THEN the stream keeps only the newest ones, the very last included, numbered as before
    records = stream_records(aws, stream_arn)
    assert small_stream_bound <= len(records) < 2 * small_stream_bound
    assert ids([records[-1]]) == ["item-39"]
    numbers = [int(record["dynamodb"]["SequenceNumber"]) for record in records]
    assert numbers == list(range(numbers[0], numbers[0] + len(numbers)))


def test_an_enabled_mapping_keeps_what_it_has_not_read_and_a_trimmed_checkpoint_fails_loudly(
    aws, consumer, log_table, small_stream_bound
):
    # GIVEN an enabled mapping stuck on a change that always crashes (it retries forever)
    table, stream_arn = streamed_table(aws)
    stuck = map_stream(aws, stream_arn, consumer.name)
    wait_until_started(aws, stuck)
    put(aws, table, "stuck", plan="crash-always")
    wait_until(lambda: aws.stream_event_source_activity(stuck).batches >= 1)

    # WHEN many more changes than the bound are made
    for index in range(40):
        put(aws, table, f"item-{index}")

    # THEN the stream still holds the record the mapping has not delivered
    assert ids([stream_records(aws, stream_arn)[0]]) == ["stuck"]

    # AND WHEN the mapping is disabled (it no longer holds the stream) and more changes come
    set_enabled(aws, stuck, False)
    wait_until_seen_disabled(aws, stuck)
    for index in range(40, 80):
        put(aws, table, f"item-{index}")
    assert ids([stream_records(aws, stream_arn)[0]]) != ["stuck"]

    # THEN re-enabling it fails loudly instead of skipping what was trimmed
    set_enabled(aws, stuck, True)
    error = wait_until(lambda: aws.stream_event_source_activity(stuck).error)
    assert "TrimmedDataAccessException" in error
