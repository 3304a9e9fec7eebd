"""TransactWriteItems on the emulator: all or nothing, reasons in order, no stream record when cancelled,
and a cost that does not grow with the table (an undo log of the touched items, not table copies)."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError
from runtime_helpers import unique


def make_table(aws, streamed: bool = False, range_key: bool = False) -> tuple[str, str | None]:
    name = unique("transactions")
    keys = [{"AttributeName": "pk", "KeyType": "HASH"}]
    attributes = [{"AttributeName": "pk", "AttributeType": "S"}]
    if range_key:
        keys.append({"AttributeName": "sk", "KeyType": "RANGE"})
        attributes.append({"AttributeName": "sk", "AttributeType": "S"})
    options: dict[str, Any] = {}
    if streamed:
        options["StreamSpecification"] = {"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"}
    description = aws.client("dynamodb").create_table(
        TableName=name,
        KeySchema=keys,
        AttributeDefinitions=attributes,
        BillingMode="PAY_PER_REQUEST",
        **options,
    )["TableDescription"]
    return name, description.get("LatestStreamArn")


def scan(aws, table: str) -> dict[str, dict[str, Any]]:
    items = aws.client("dynamodb").scan(TableName=table)["Items"]
    return {item["pk"]["S"] + "/" + item.get("sk", {}).get("S", ""): item for item in items}


def stream_event_names(aws, stream_arn: str) -> list[str]:
    streams = aws.client("dynamodbstreams")
    shard = streams.describe_stream(StreamArn=stream_arn)["StreamDescription"]["Shards"][0]["ShardId"]
    iterator = streams.get_shard_iterator(
        StreamArn=stream_arn, ShardId=shard, ShardIteratorType="TRIM_HORIZON"
    )["ShardIterator"]
    return [record["eventName"] for record in streams.get_records(ShardIterator=iterator)["Records"]]


def put(table: str, pk: str, **attributes: str) -> dict[str, Any]:
    return {
        "Put": {"TableName": table, "Item": {"pk": {"S": pk}, **{k: {"S": v} for k, v in attributes.items()}}}
    }


@pytest.mark.parametrize("range_key", [False, True])
def test_a_transaction_writes_every_item_and_one_stream_record_each(aws, range_key):
    # GIVEN a stream-enabled table holding an item to move and one to update
    table, stream_arn = make_table(aws, streamed=True, range_key=range_key)
    sk = {"sk": {"S": "v"}} if range_key else {}
    extra = {"sk": "v"} if range_key else {}
    dynamodb = aws.client("dynamodb")
    dynamodb.put_item(TableName=table, Item={"pk": {"S": "old-key"}, **sk})
    dynamodb.put_item(TableName=table, Item={"pk": {"S": "pointer"}, "at": {"S": "old-key"}, **sk})
    before = len(stream_event_names(aws, stream_arn))

    # WHEN a transaction deletes the old key, puts the new one and updates the pointer
    dynamodb.transact_write_items(
        TransactItems=[
            {"Delete": {"TableName": table, "Key": {"pk": {"S": "old-key"}, **sk}}},
            put(table, "new-key", **extra),
            {
                "Update": {
                    "TableName": table,
                    "Key": {"pk": {"S": "pointer"}, **sk},
                    "UpdateExpression": "SET #at = :new",
                    "ConditionExpression": "#at = :old",
                    "ExpressionAttributeNames": {"#at": "at"},
                    "ExpressionAttributeValues": {":new": {"S": "new-key"}, ":old": {"S": "old-key"}},
                }
            },
        ]
    )

    # THEN all three writes happened, each recorded once on the stream
    items = scan(aws, table)
    suffix = "v" if range_key else ""
    assert set(items) == {f"new-key/{suffix}", f"pointer/{suffix}"}
    assert items[f"pointer/{suffix}"]["at"] == {"S": "new-key"}
    assert stream_event_names(aws, stream_arn)[before:] == ["REMOVE", "INSERT", "MODIFY"]


def test_a_cancelled_transaction_leaves_no_trace_and_gives_the_reasons_in_order(aws):
    # GIVEN a stream-enabled table with an item to delete, one to update and one to condition on
    table, stream_arn = make_table(aws, streamed=True)
    dynamodb = aws.client("dynamodb")
    for pk, state in (("doomed", "here"), ("counter", "1"), ("guard", "locked")):
        dynamodb.put_item(TableName=table, Item={"pk": {"S": pk}, "state": {"S": state}})
    items_before = scan(aws, table)
    stream_before = stream_event_names(aws, stream_arn)

    # WHEN a transaction whose fourth condition fails also puts, deletes and updates
    with pytest.raises(ClientError) as raised:
        dynamodb.transact_write_items(
            TransactItems=[
                put(table, "fresh", state="new"),
                {"Delete": {"TableName": table, "Key": {"pk": {"S": "doomed"}}}},
                {
                    "Update": {
                        "TableName": table,
                        "Key": {"pk": {"S": "counter"}},
                        "UpdateExpression": "SET #s = :two",
                        "ExpressionAttributeNames": {"#s": "state"},
                        "ExpressionAttributeValues": {":two": {"S": "2"}},
                    }
                },
                {
                    "ConditionCheck": {
                        "TableName": table,
                        "Key": {"pk": {"S": "guard"}},
                        "ConditionExpression": "#s = :open",
                        "ExpressionAttributeNames": {"#s": "state"},
                        "ExpressionAttributeValues": {":open": {"S": "open"}},
                        "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
                    }
                },
            ]
        )

    # THEN it is cancelled with one reason per item, in order, the failed one with the item
    error = raised.value.response
    assert error["Error"]["Code"] == "TransactionCanceledException"
    reasons = error["CancellationReasons"]
    assert [reason["Code"] for reason in reasons] == ["None", "None", "None", "ConditionalCheckFailed"]
    assert reasons[3]["Item"] == {"pk": {"S": "guard"}, "state": {"S": "locked"}}
    # AND nothing changed: items as they were, no stream record
    assert scan(aws, table) == items_before
    assert stream_event_names(aws, stream_arn) == stream_before


def test_every_condition_is_evaluated_and_each_failure_reported(aws):
    # GIVEN two existing items
    table, _ = make_table(aws)
    dynamodb = aws.client("dynamodb")
    for pk in ("one", "two"):
        dynamodb.put_item(TableName=table, Item={"pk": {"S": pk}})

    # WHEN both puts require the item to be absent
    absent = {"ConditionExpression": "attribute_not_exists(pk)"}
    with pytest.raises(ClientError) as raised:
        dynamodb.transact_write_items(
            TransactItems=[
                {"Put": {**put(table, "one")["Put"], **absent}},
                {"Put": {**put(table, "three")["Put"], **absent}},
                {"Put": {**put(table, "two")["Put"], **absent}},
            ]
        )

    # THEN both failures are reported, and the item that could be written was not
    reasons = raised.value.response["CancellationReasons"]
    assert [reason["Code"] for reason in reasons] == [
        "ConditionalCheckFailed",
        "None",
        "ConditionalCheckFailed",
    ]
    assert set(scan(aws, table)) == {"one/", "two/"}


def test_two_operations_on_one_item_are_refused_and_nothing_is_written(aws):
    # GIVEN an empty table
    table, _ = make_table(aws)

    # WHEN a transaction names one key twice
    with pytest.raises(ClientError) as raised:
        aws.client("dynamodb").transact_write_items(
            TransactItems=[put(table, "a"), put(table, "b"), put(table, "a", again="yes")]
        )

    # THEN it is a validation error and the earlier puts were undone
    assert raised.value.response["Error"]["Code"] == "ValidationException"
    assert scan(aws, table) == {}


def test_more_than_one_hundred_items_are_refused(aws):
    # GIVEN an empty table
    table, _ = make_table(aws)

    # WHEN a transaction has 101 items
    with pytest.raises(ClientError) as raised:
        aws.client("dynamodb").transact_write_items(TransactItems=[put(table, f"k{i}") for i in range(101)])

    # THEN it is refused, with nothing written; 100 are fine
    assert raised.value.response["Error"]["Code"] == "ValidationException"
    assert scan(aws, table) == {}
    aws.client("dynamodb").transact_write_items(TransactItems=[put(table, f"k{i}") for i in range(100)])
    assert len(scan(aws, table)) == 100


def test_an_item_too_large_cancels_the_transaction(aws):
    # GIVEN a table with one item
    table, _ = make_table(aws)
    dynamodb = aws.client("dynamodb")
    dynamodb.put_item(TableName=table, Item={"pk": {"S": "kept"}, "v": {"S": "1"}})

    # WHEN a transaction updates it and then writes an item over 400 KB
    with pytest.raises(ClientError) as raised:
        dynamodb.transact_write_items(
            TransactItems=[
                {
                    "Update": {
                        "TableName": table,
                        "Key": {"pk": {"S": "kept"}},
                        "UpdateExpression": "SET v = :two",
                        "ExpressionAttributeValues": {":two": {"S": "2"}},
                    }
                },
                put(table, "huge", blob="x" * 420_000),
            ]
        )

    # THEN it is cancelled and the update undone
    assert raised.value.response["Error"]["Code"] in {"TransactionCanceledException", "ValidationException"}
    assert scan(aws, table) == {"kept/": {"pk": {"S": "kept"}, "v": {"S": "1"}}}


def test_concurrent_transactions_on_one_condition_let_exactly_one_win(aws, monkeypatch):
    # GIVEN many clients racing to create the same pointer item, each with the item it points to, in one
    # transaction conditioned on the pointer not existing (the new table's write protocol); each operation
    # takes a little longer than usual, so racing transactions overlap (the emulator runs in this process)
    import time
    from concurrent.futures import ThreadPoolExecutor

    from embedded_aws.moto_internals import dynamodb_transactions

    applied = dynamodb_transactions._apply

    def slow_apply(*args: Any, **kwargs: Any) -> None:
        applied(*args, **kwargs)
        time.sleep(0.02)

    monkeypatch.setattr(dynamodb_transactions, "_apply", slow_apply)
    table, _ = make_table(aws)
    attempts = 24

    def attempt(number: int) -> bool:
        client = aws.client("dynamodb")
        pointer = put(table, "APPLICATION#a", item=f"item-{number}")
        pointer["Put"]["ConditionExpression"] = "attribute_not_exists(pk)"
        try:
            client.transact_write_items(TransactItems=[pointer, put(table, f"item-{number}")])
        except ClientError as error:
            assert error.response["Error"]["Code"] == "TransactionCanceledException"
            return False
        return True

    # WHEN they all run at once on the threaded server
    with ThreadPoolExecutor(max_workers=8) as pool:
        won = list(pool.map(attempt, range(attempts)))

    # THEN exactly one transaction wrote, and its item is the one the pointer names (no lost update, no
    # orphan item from a transaction that passed the same condition)
    assert won.count(True) == 1
    items = scan(aws, table)
    winner = items["APPLICATION#a/"]["item"]["S"]
    assert set(items) == {"APPLICATION#a/", f"{winner}/"}


def test_a_stream_enabled_table_can_still_be_backed_up_and_restored(aws):
    # GIVEN a stream-enabled table with an item and a stream record
    table, _ = make_table(aws, streamed=True)
    dynamodb = aws.client("dynamodb")
    dynamodb.put_item(TableName=table, Item={"pk": {"S": "kept"}})

    # WHEN it is backed up (moto deep-copies the table, its stream included) and restored
    backup = dynamodb.create_backup(TableName=table, BackupName="before-migration")["BackupDetails"]
    restored = unique("restored")
    dynamodb.restore_table_from_backup(TargetTableName=restored, BackupArn=backup["BackupArn"])

    # THEN the copy holds the item
    assert set(scan(aws, restored)) == {"kept/"}
