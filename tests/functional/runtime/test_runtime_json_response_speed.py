"""The fast JSON response path (embedded_aws/moto_internals/json_response_speed.py) answers exactly as moto.

Each scenario runs twice in-process, on stock moto and with the patch installed, on fresh state, and
the raw HTTP bodies (and status codes) are compared byte for byte.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

import boto3
import pytest
from moto import mock_aws

from embedded_aws.moto_internals import json_response_speed
from embedded_aws.moto_internals.patching import PatchSet
from tests.fixtures.dynamodb_tables import create_pk_sk_table

REGION = "us-east-1"


Exchange = tuple[str, int, bytes]


TABLE_CLOCK_AND_IDS = frozenset({"CreationDateTime", "TableId"})


def scrubbed(value: Any, keys: frozenset[str]) -> Any:
    """``value`` with the members named in ``keys`` (clock readings, random ids) replaced by a marker."""
    if isinstance(value, dict):
        return {key: ("<varies>" if key in keys else scrubbed(item, keys)) for key, item in value.items()}
    if isinstance(value, list):
        return [scrubbed(item, keys) for item in value]
    return value


def recorded(service: str, scenario: Callable[[Any], None]) -> list[Exchange]:
    """(operation, status, raw body) of every call ``scenario`` makes, on fresh moto state."""
    exchanges: list[Exchange] = []

    def record(http_response: Any, model: Any, **_: Any) -> None:
        exchanges.append((model.name, http_response.status_code, http_response.content))

    with mock_aws():
        client = boto3.client(service, region_name=REGION)
        client.meta.events.register(f"after-call.{service}", record)
        scenario(client)
    return exchanges


def stock_and_fast(
    service: str, scenario: Callable[[Any], None]
) -> tuple[list[Exchange], list[Exchange], int]:
    stock = recorded(service, scenario)
    patches = PatchSet()
    fast = json_response_speed.install(patches)
    try:
        patched = recorded(service, scenario)
    finally:
        patches.restore()
    return stock, patched, fast.fast_structures


# --- DynamoDB --------------------------------------------------------------------------------------


def _item(index: int) -> dict[str, Any]:
    return {
        "pk": {"S": f"customer-{index % 3}"},
        "sk": {"S": f"item-{index:03d}"},
        "n": {"N": str(index * 1.5)},
        "text": {"S": f'Zoë «{index}» "quoted" \\ line\nbreak'},
        "blob": {"B": base64.b64encode(bytes([index, 0, 255])).decode()},
        "strings": {"SS": ["a", f"s{index}"]},
        "numbers": {"NS": ["1", str(index + 2)]},
        "blobs": {"BS": [b"\x00\x01", bytes([index])]},
        "nothing": {"NULL": True},
        "flag": {"BOOL": index % 2 == 0},
        "nested": {
            "M": {
                "list": {"L": [{"S": "x"}, {"N": "2"}, {"M": {"deep": {"BOOL": False}}}, {"L": []}]},
                "empty": {"M": {}},
                "dotted.name": {"S": "kept"},
            }
        },
    }


def _dynamodb_scenario(client: Any) -> None:
    create_pk_sk_table(client, "t")
    for start in (0, 25):
        client.batch_write_item(
            RequestItems={"t": [{"PutRequest": {"Item": _item(i)}} for i in range(start, start + 25)]},
            ReturnConsumedCapacity="TOTAL",
        )
    client.batch_write_item(
        RequestItems={"t": [{"DeleteRequest": {"Key": {"pk": _item(7)["pk"], "sk": _item(7)["sk"]}}}]}
    )
    # Scan: pages with Limit and ExclusiveStartKey / LastEvaluatedKey, then parallel segments.
    start_key: dict[str, Any] | None = None
    while True:
        page = client.scan(TableName="t", Limit=7, **({"ExclusiveStartKey": start_key} if start_key else {}))
        start_key = page.get("LastEvaluatedKey")
        if start_key is None:
            break
    for segment in range(3):
        client.scan(TableName="t", Segment=segment, TotalSegments=3, ReturnConsumedCapacity="INDEXES")
    client.scan(TableName="t", Select="COUNT")
    client.scan(
        TableName="t",
        FilterExpression="flag = :f",
        ProjectionExpression="pk, sk, #n",
        ExpressionAttributeNames={"#n": "nested"},
        ExpressionAttributeValues={":f": {"BOOL": True}},
    )
    # Query, forwards and backwards, with a page limit.
    client.query(
        TableName="t",
        KeyConditionExpression="pk = :pk AND begins_with(sk, :p)",
        ExpressionAttributeValues={":pk": {"S": "customer-1"}, ":p": {"S": "item-0"}},
        Limit=4,
        ScanIndexForward=False,
        ReturnConsumedCapacity="TOTAL",
    )
    # GetItem: present, absent, projected.
    client.get_item(TableName="t", Key={"pk": {"S": "customer-0"}, "sk": {"S": "item-003"}})
    client.get_item(TableName="t", Key={"pk": {"S": "nobody"}, "sk": {"S": "none"}})
    client.get_item(
        TableName="t",
        Key={"pk": {"S": "customer-0"}, "sk": {"S": "item-003"}},
        ProjectionExpression="n, flag",
    )
    # PutItem: plain, ALL_OLD, and a failed condition returning the old item.
    client.put_item(TableName="t", Item=_item(100))
    client.put_item(TableName="t", Item={**_item(100), "n": {"N": "-0.5"}}, ReturnValues="ALL_OLD")
    with pytest.raises(client.exceptions.ConditionalCheckFailedException):
        client.put_item(
            TableName="t",
            Item=_item(100),
            ConditionExpression="attribute_not_exists(pk)",
            ReturnValuesOnConditionCheckFailure="ALL_OLD",
        )
    # A response built from moto objects (and timestamps) takes moto's own path.
    client.describe_table(TableName="t")


def test_dynamodb_responses_are_byte_for_byte_those_of_stock_moto(credentials):
    # GIVEN DynamoDB calls (Scan pages and segments, Query, GetItem, PutItem, BatchWriteItem) on stock moto

    # WHEN it runs again with the fast JSON path installed
    stock, patched, fast_uses = stock_and_fast("dynamodb", _dynamodb_scenario)

    # THEN every data-plane response is the same bytes (table descriptions: the same, clock and id aside),
    # and the fast path was really used
    assert [name for name, _, _ in patched] == [name for name, _, _ in stock]
    for (name, status, body), (_, stock_status, stock_body) in zip(patched, stock, strict=True):
        if name in {"CreateTable", "DescribeTable"}:
            assert scrubbed(json.loads(body), TABLE_CLOCK_AND_IDS) == scrubbed(
                json.loads(stock_body), TABLE_CLOCK_AND_IDS
            )
        else:
            assert (name, status, body) == (name, stock_status, stock_body)
    assert fast_uses >= len([name for name, _, _ in stock if name in {"Scan", "Query", "GetItem"}])
    # and the scenario covered what it claims: paging, a failed condition with the old item, nested values
    scans = [json.loads(body) for name, _, body in stock if name == "Scan"]
    assert sum("LastEvaluatedKey" in page for page in scans) >= 6
    failed = [json.loads(body) for name, status, body in stock if name == "PutItem" and status == 400]
    assert failed and "Item" in failed[0]
    assert any(
        item.get("nested", {}).get("M", {}).get("list") for page in scans for item in page.get("Items", [])
    )


# --- SQS -------------------------------------------------------------------------------------------


def _sqs_scenario(client: Any) -> None:
    url = client.create_queue(QueueName="q")["QueueUrl"]
    client.send_message_batch(
        QueueUrl=url,
        Entries=[
            {
                "Id": str(i),
                "MessageBody": f"body {i} «ü»",
                "MessageAttributes": {
                    "kind": {"DataType": "String", "StringValue": "k"},
                    "raw": {"DataType": "Binary", "BinaryValue": bytes([i, 1])},
                    "count": {"DataType": "Number", "StringValue": str(Decimal(i) / 2)},
                },
            }
            for i in range(10)
        ],
    )
    client.send_message_batch(QueueUrl=url, Entries=[{"Id": "x", "MessageBody": ""}])  # a failed entry
    received = client.receive_message(
        QueueUrl=url,
        MaxNumberOfMessages=10,
        MessageSystemAttributeNames=["All"],
        MessageAttributeNames=["All"],
    )["Messages"]
    client.delete_message_batch(
        QueueUrl=url,
        Entries=[
            *({"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(received[:5])),
            {"Id": "bad", "ReceiptHandle": "not-a-handle"},
        ],
    )
    client.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])


MESSAGE_CLOCK_AND_IDS = frozenset(
    {"MessageId", "ReceiptHandle", "SenderId", "SentTimestamp", "ApproximateFirstReceiveTimestamp",
     "CreatedTimestamp", "LastModifiedTimestamp"}
)  # fmt: skip


def _without_random_ids(exchanges: list[Exchange]) -> list[tuple[str, int, Any]]:
    return [
        (name, status, scrubbed(json.loads(body), MESSAGE_CLOCK_AND_IDS)) for name, status, body in exchanges
    ]


def test_sqs_batch_send_receive_and_delete_answer_as_stock_moto(credentials):
    # GIVEN an SQS scenario with SendMessageBatch, ReceiveMessage and DeleteMessageBatch run on stock moto

    # WHEN it runs again with the fast JSON path installed
    stock, patched, fast_uses = stock_and_fast("sqs", _sqs_scenario)

    # THEN the responses are the same (key order included), ids and clock readings aside
    assert _without_random_ids(patched) == _without_random_ids(stock)
    assert [list(json.loads(body)) for _, _, body in patched] == [
        list(json.loads(body)) for _, _, body in stock
    ]
    assert fast_uses >= 3
    received = next(json.loads(body) for name, _, body in stock if name == "ReceiveMessage")
    assert len(received["Messages"]) == 10 and "MessageAttributes" in received["Messages"][0]


# --- the fast path is what makes the difference ---------------------------------------------------


@pytest.fixture
def scan_of_many_items(credentials: None) -> Iterator[Callable[[], None]]:
    with mock_aws():
        client = boto3.client("dynamodb", region_name=REGION)
        create_pk_sk_table(client, "many")
        for start in range(0, 100, 25):
            client.batch_write_item(
                RequestItems={"many": [{"PutRequest": {"Item": _item(i)}} for i in range(start, start + 25)]}
            )
        yield lambda: client.scan(TableName="many")


def test_a_patched_scan_does_not_ask_moto_s_attribute_picker_per_value(scan_of_many_items, monkeypatch):
    # GIVEN moto's attribute picker, counted
    from moto.core.serialize import XFormedAttributePicker

    calls = {"n": 0}
    original = XFormedAttributePicker.get_possible_keys

    def counting(self: Any, context: Any) -> Any:
        calls["n"] += 1
        return original(self, context)

    monkeypatch.setattr(XFormedAttributePicker, "get_possible_keys", counting)
    scan_of_many_items()
    stock_calls = calls["n"]

    # WHEN the same Scan runs with the fast path installed (its plans are built on the first use)
    patches = PatchSet()
    json_response_speed.install(patches)
    try:
        scan_of_many_items()
        calls["n"] = 0
        scan_of_many_items()
    finally:
        patches.restore()

    # THEN stock moto asks the picker for every member of every value, the patched path not at all
    assert stock_calls > 1000
    assert calls["n"] == 0
