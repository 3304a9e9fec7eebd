"""Contract tests for the moto internals behind DynamoDB Streams and TransactWriteItems
(embedded_aws/moto_internals/dynamodb_streams.py, dynamodb_transactions.py, event_source_mappings.py).

Same rules as tests/functional/runtime/test_runtime_moto_contracts.py: stock moto shown doing what the
runtime relies on or replaces, by behaviour, and the patch shown changing exactly that.
"""

from __future__ import annotations

import inspect
import io
import zipfile
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from embedded_aws.moto_internals import (
    dynamodb_compact_items,
    dynamodb_streams,
    dynamodb_transactions,
    event_source_mappings,
)
from embedded_aws.moto_internals.patching import PatchSet

REGION = "us-east-1"
ACCOUNT = "123456789012"


def parameters(function: Any) -> list[str]:
    return list(inspect.signature(function).parameters)


@pytest.fixture
def moto_in_process(credentials: None) -> Iterator[None]:
    with mock_aws():
        yield


def _function(name: str = "contract") -> str:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("handler.py", "def lambda_handler(event, context):\n    return event\n")
    role = boto3.client("iam").create_role(RoleName=f"{name}-role", AssumeRolePolicyDocument="{}")["Role"][
        "Arn"
    ]
    return boto3.client("lambda").create_function(
        FunctionName=name,
        Runtime="python3.11",
        Role=role,
        Handler="handler.lambda_handler",
        Code={"ZipFile": buffer.getvalue()},
    )["FunctionArn"]


def _streamed_table(name: str, range_key: bool = False) -> str:
    keys = [{"AttributeName": "pk", "KeyType": "HASH"}]
    attributes = [{"AttributeName": "pk", "AttributeType": "S"}]
    if range_key:
        keys.append({"AttributeName": "sk", "KeyType": "RANGE"})
        attributes.append({"AttributeName": "sk", "AttributeType": "S"})
    return boto3.client("dynamodb").create_table(
        TableName=name,
        KeySchema=keys,
        AttributeDefinitions=attributes,
        BillingMode="PAY_PER_REQUEST",
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
    )["TableDescription"]["LatestStreamArn"]


def _records(stream_arn: str) -> list[dict[str, Any]]:
    """What GetRecords returns from TRIM_HORIZON, through the streams backend (the in-process mock does
    not route the dynamodbstreams endpoint; the emulator's tests read it over HTTP)."""
    from moto.dynamodbstreams.models import dynamodbstreams_backends

    backend = dynamodbstreams_backends[ACCOUNT][REGION]
    shard_id = backend.describe_stream(stream_arn)["Shards"][0]["ShardId"]
    iterator = backend.get_shard_iterator(stream_arn, shard_id, "TRIM_HORIZON")
    return backend.get_records(iterator.arn, 1000)["Records"]


def _table(name: str) -> Any:
    from moto.dynamodb.models import dynamodb_backends

    return dynamodb_backends[ACCOUNT][REGION].tables[name]


def _write_to_a_mapped_table(name: str, patches: PatchSet) -> list[Any]:
    """Put one item in a stream-enabled table mapped to a function; the events moto invoked it with."""
    from moto.awslambda.models import LambdaFunction

    calls: list[Any] = []
    patches.replace(
        LambdaFunction, "_invoke_lambda", lambda self, event=None: calls.append(event) or ("{}", False, "")
    )
    try:
        stream_arn = _streamed_table(name)
        boto3.client("lambda").create_event_source_mapping(
            EventSourceArn=stream_arn, FunctionName="contract", StartingPosition="LATEST"
        )
        boto3.client("dynamodb").put_item(TableName=name, Item={"pk": {"S": "x"}})
    finally:
        patches.restore()
    return calls


def test_moto_delivers_stream_records_inline_and_the_runtime_switches_it_off(moto_in_process):
    # GIVEN a function mapped to a stream-enabled table, on stock moto
    _function()

    # WHEN an item is written / THEN moto invokes the function itself, inside PutItem
    stock_calls = _write_to_a_mapped_table("inline", PatchSet())
    assert len(stock_calls) == 1 and stock_calls[0]["Records"][0]["dynamodb"]["Keys"] == {"pk": {"S": "x"}}

    # WHEN the same is done with the runtime's stream patches / THEN moto invokes nothing
    patches = PatchSet()
    dynamodb_streams.install(patches)
    assert _write_to_a_mapped_table("detached", patches) == []


def test_writes_reach_stream_shard_add_with_the_old_and_new_items(moto_in_process):
    # GIVEN a stream-enabled table and StreamShard.add recording its calls
    from moto.dynamodb.models.dynamo_type import Item
    from moto.dynamodb.models.table import StreamShard

    assert parameters(StreamShard.add) == ["self", "old", "new"]
    assert parameters(StreamShard.get) == ["self", "start", "quantity"]
    _streamed_table("calls")
    calls: list[tuple[Any, Any]] = []
    patches = PatchSet()

    def value(item: Any) -> str | None:
        assert item is None or isinstance(item, Item)
        return None if item is None else item.to_json()["Attributes"]["v"]["S"]

    # Read at call time: moto's UpdateItem changes the stored Item in place afterwards.
    patches.replace(StreamShard, "add", lambda self, old, new: calls.append((value(old), value(new))))
    dynamodb = boto3.client("dynamodb")
    try:
        # WHEN an item is put, replaced, updated and deleted
        dynamodb.put_item(TableName="calls", Item={"pk": {"S": "k"}, "v": {"S": "1"}})
        dynamodb.put_item(TableName="calls", Item={"pk": {"S": "k"}, "v": {"S": "2"}})
        dynamodb.update_item(
            TableName="calls",
            Key={"pk": {"S": "k"}},
            UpdateExpression="SET v = :v",
            ExpressionAttributeValues={":v": {"S": "3"}},
        )
        dynamodb.delete_item(TableName="calls", Key={"pk": {"S": "k"}})
    finally:
        patches.restore()

    # THEN each write called add(old, new) once, with Items whose JSON attributes are the images
    assert calls == [(None, "1"), ("1", "2"), ("2", "3"), ("3", None)]
    shard = _table("calls").stream_shard
    assert isinstance(shard.items, list) and isinstance(shard.starting_sequence_number, int)
    assert _table("calls").lambda_event_source_mappings == {}


def test_the_runtime_records_have_moto_s_layout_and_one_insert_per_creating_update(moto_in_process):
    # GIVEN a stream-enabled table on stock moto
    stock_arn = _streamed_table("stock")
    dynamodb = boto3.client("dynamodb")
    update = {"UpdateExpression": "SET v = :v", "ExpressionAttributeValues": {":v": {"S": "1"}}}

    # WHEN UpdateItem creates an item / THEN stock moto records two INSERTs (one key-only)
    dynamodb.update_item(TableName="stock", Key={"pk": {"S": "k"}}, **update)
    stock = _records(stock_arn)
    assert [record["eventName"] for record in stock] == ["INSERT", "INSERT"]
    assert stock[0]["dynamodb"]["NewImage"] == {"pk": {"S": "k"}}

    # WHEN the same is done with the runtime's patches
    patches = PatchSet()
    dynamodb_streams.install(patches)
    try:
        ours_arn = _streamed_table("ours")
        dynamodb.update_item(TableName="ours", Key={"pk": {"S": "k"}}, **update)
        ours = _records(ours_arn)
    finally:
        patches.restore()

    # THEN one INSERT with the whole image, with every field moto's record has (GetRecords still works)
    assert [record["eventName"] for record in ours] == ["INSERT"]
    assert ours[0]["dynamodb"]["NewImage"] == stock[1]["dynamodb"]["NewImage"]
    assert set(ours[0]) == set(stock[1])
    assert set(ours[0]["dynamodb"]) == set(stock[1]["dynamodb"])


def test_stream_mappings_are_read_from_the_lambda_backend(moto_in_process):
    # GIVEN a DynamoDB Streams mapping with the stream settings the pollers use
    _function()
    stream_arn = _streamed_table("mapped")
    uuid = boto3.client("lambda").create_event_source_mapping(
        EventSourceArn=stream_arn,
        FunctionName="contract",
        StartingPosition="LATEST",
        Enabled=False,
        BatchSize=25,
        MaximumBatchingWindowInSeconds=1,
        FunctionResponseTypes=["ReportBatchItemFailures"],
        MaximumRetryAttempts=3,
        BisectBatchOnFunctionError=True,
        ParallelizationFactor=2,
    )["UUID"]

    # WHEN the runtime reads it
    mapping = event_source_mappings.read_stream_mapping(ACCOUNT, REGION, uuid)

    # THEN every field comes through, and SQS readers do not take it for a queue mapping
    assert mapping is not None
    assert (mapping.enabled, mapping.batch_size, mapping.starting_position) == (False, 25, "LATEST")
    assert (mapping.maximum_retry_attempts, mapping.bisect_batch_on_function_error) == (3, True)
    assert mapping.report_batch_item_failures is True
    assert mapping.maximum_batching_window_seconds == 1
    assert mapping.stream_arn == stream_arn
    assert [m.uuid for m in event_source_mappings.list_stream_mappings(ACCOUNT, REGION)] == [uuid]
    assert event_source_mappings.list_sqs_mappings(ACCOUNT, REGION) == []

    # WHEN it is enabled with the SDK-v2 key the state machine uses / THEN the same object reflects it
    boto3.client("lambda").update_event_source_mapping(UUID=uuid, Enabled=True)
    assert event_source_mappings.read_stream_mapping(ACCOUNT, REGION, uuid).enabled is True

    # AND without MaximumRetryAttempts it is -1 (AWS's default: until the record expires)
    default_uuid = boto3.client("lambda").create_event_source_mapping(
        EventSourceArn=stream_arn, FunctionName="contract", StartingPosition="TRIM_HORIZON"
    )["UUID"]
    default = event_source_mappings.read_stream_mapping(ACCOUNT, REGION, default_uuid)
    assert (default.maximum_retry_attempts, default.batch_size, default.starting_position) == (
        -1,
        100,
        "TRIM_HORIZON",
    )


def _count_table_copies(patches: PatchSet) -> list[str]:
    from moto.dynamodb.models.table import Table

    copies: list[str] = []
    original = vars(Table).get("__deepcopy__")

    def counting_deepcopy(self: Any, memo: dict[int, Any]) -> Any:
        copies.append(self.name)
        if original is not None:
            return original(self, memo)
        cls = type(self)
        copied = cls.__new__(cls)
        memo[id(self)] = copied
        import copy

        copied.__dict__.update(copy.deepcopy(self.__dict__, memo))
        return copied

    patches.replace(Table, "__deepcopy__", counting_deepcopy)
    return copies


def test_moto_copies_every_table_a_transaction_names_and_the_undo_log_copies_none(moto_in_process):
    # GIVEN a table with items, and table deep copies counted
    dynamodb = boto3.client("dynamodb")
    _streamed_table("copied")
    dynamodb.put_item(TableName="copied", Item={"pk": {"S": "a"}})
    items = [{"Put": {"TableName": "copied", "Item": {"pk": {"S": "b"}}}}]

    # WHEN a transaction runs on stock moto / THEN the whole table was deep-copied first
    patches = PatchSet()
    copies = _count_table_copies(patches)
    try:
        dynamodb.transact_write_items(TransactItems=items)
    finally:
        patches.restore()
    assert copies == ["copied"]

    # WHEN one runs with the undo log / THEN no table is copied
    patches = PatchSet()
    dynamodb_transactions.install(patches)
    copies = _count_table_copies(patches)
    try:
        dynamodb.transact_write_items(
            TransactItems=[{"Put": {"TableName": "copied", "Item": {"pk": {"S": "c"}}}}]
        )
    finally:
        patches.restore()
    assert copies == []


def test_the_backend_methods_and_exceptions_the_transaction_uses(moto_in_process):
    from moto.dynamodb.exceptions import ConditionalCheckFailed, TransactionCanceledException
    from moto.dynamodb.models import DynamoDBBackend

    # GIVEN moto's backend methods: the keyword arguments moto's own transaction passes
    assert parameters(DynamoDBBackend.get_keys_value) == ["self", "table", "keys"]
    assert parameters(DynamoDBBackend.get_item)[:3] == ["self", "table_name", "keys"]
    for method, expected in (
        (DynamoDBBackend.put_item, {"condition_expression", "expression_attribute_names"}),
        (DynamoDBBackend.delete_item, {"condition_expression", "expression_attribute_values"}),
        (DynamoDBBackend.update_item, {"update_expression", "condition_expression"}),
    ):
        assert expected <= set(parameters(method)), method
    assert parameters(DynamoDBBackend.transact_write_items) == ["self", "transact_items"]

    # THEN the cancellation carries one reason per (code, message, item) triple, in order
    cancelled = TransactionCanceledException(
        [(None, None, None), ("ConditionalCheckFailed", "The conditional request failed", {"pk": {"S": "a"}})]
    )
    assert '"Code": "None"' in cancelled.description and '"Item": {"pk": {"S": "a"}}' in cancelled.description
    assert ConditionalCheckFailed().message == "The conditional request failed"


@pytest.mark.parametrize("range_key", [False, True])
def test_table_items_are_stored_by_hash_key_then_range_key(moto_in_process, range_key):
    # GIVEN a table with an item (the undo log reads and restores Table.items directly)
    _streamed_table("stored", range_key=range_key)
    key = {"pk": {"S": "h"}, **({"sk": {"S": "r"}} if range_key else {})}
    boto3.client("dynamodb").put_item(TableName="stored", Item={**key, "v": {"S": "1"}})

    # WHEN the table's storage is read
    table = _table("stored")
    from moto.dynamodb.models.dynamo_type import DynamoType

    stored = table.items[DynamoType({"S": "h"})]

    # THEN it is keyed by the hash key's DynamoType, then by the range key's
    item = stored[DynamoType({"S": "r"})] if range_key else stored
    assert item.attrs["v"].value == "1"
    assert (table.hash_key_attr, table.range_key_attr) == ("pk", "sk" if range_key else None)


def test_a_packed_item_is_immutable_so_the_undo_log_may_keep_it(moto_in_process):
    # GIVEN the compact items patch, and an item stored packed
    patches = PatchSet()
    dynamodb_compact_items.install(patches)
    try:
        _streamed_table("packed")
        boto3.client("dynamodb").put_item(TableName="packed", Item={"pk": {"S": "h"}, "v": {"S": "1"}})
        from moto.dynamodb.models.dynamo_type import DynamoType

        stored = _table("packed").items[DynamoType({"S": "h"})]
        assert type(stored) is dynamodb_compact_items.PackedItem

        # WHEN the item is updated in place by UpdateItem
        boto3.client("dynamodb").update_item(
            TableName="packed",
            Key={"pk": {"S": "h"}},
            UpdateExpression="SET v = :v",
            ExpressionAttributeValues={":v": {"S": "2"}},
        )

        # THEN a new packed item is stored and the old one still reads as it was
        assert _table("packed").items[DynamoType({"S": "h"})] is not stored
        assert stored.attrs["v"].value == "1"
    finally:
        patches.restore()
