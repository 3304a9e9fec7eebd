"""The cost model's arithmetic: DynamoDB item sizes and units, Lambda GB-seconds, dollars at list prices."""

from __future__ import annotations

import io
import json
import math
from collections import Counter

import pytest

from benchmarks.metering import (
    EXTRA_CHUNKS_SUFFIX,
    OperationCounts,
    OperationTap,
    extra_billed_chunks,
    sqs_payload_bytes,
)
from migration_cli import aws_prices
from migration_cli.cost_model import (
    Cost,
    Usage,
    attribute_value_size,
    cost_of,
    gb_seconds,
    item_size_bytes,
    scan_read_units,
    sqs_billed_requests,
    write_units,
)


@pytest.mark.parametrize(
    ("value", "size"),
    [
        ({"S": "abc"}, 3),
        ({"S": "é"}, 2),  # UTF-8 bytes, not characters
        ({"N": "0"}, 2),
        ({"N": "123"}, 3),  # two bytes for three digits, plus one
        ({"N": "-12.50"}, 3),  # sign and trailing zero trimmed: 1,2,5
        ({"N": "1000"}, 2),  # trailing zeros trimmed: one significant digit
        ({"BOOL": True}, 1),
        ({"NULL": True}, 1),
        ({"SS": ["ab", "c"]}, 3),
        ({"L": []}, 3),
        ({"L": [{"S": "ab"}, {"BOOL": False}]}, 3 + (2 + 1) + (1 + 1)),
        ({"M": {"k": {"S": "xy"}}}, 3 + (1 + 2 + 1)),
    ],
)
def test_attribute_value_size_follows_dynamodb_rules(value, size):
    # GIVEN one attribute value in the low-level format
    # WHEN its billed size is computed
    # THEN it matches DynamoDB's documented sizing
    assert attribute_value_size(value) == size


def test_item_size_counts_every_attribute_name_and_value():
    # GIVEN an item with a key, a number and a nested map
    item = {"pk": {"S": "CUSTOMER#1"}, "n": {"N": "42"}, "plan": {"M": {"id": {"S": "p"}}}}

    # WHEN its size is computed
    size = item_size_bytes(item)

    # THEN names and values are summed
    assert size == (2 + 10) + (1 + 2) + (4 + 3 + (2 + 1 + 1))


def test_attribute_value_size_rejects_unknown_types():
    # GIVEN a value of a type DynamoDB does not have / WHEN sized / THEN it is refused
    with pytest.raises(ValueError, match="unknown DynamoDB attribute type"):
        attribute_value_size({"X": "?"})


@pytest.mark.parametrize(("item_bytes", "units"), [(0, 1), (1, 1), (1024, 1), (1025, 2), (3000, 3)])
def test_write_units_round_up_per_kilobyte(item_bytes, units):
    # GIVEN an item size / WHEN written once / THEN one unit per started KB
    assert write_units(item_bytes) == units


def test_scan_read_units_round_up_per_4_kb_and_halve_when_eventually_consistent():
    # GIVEN bytes read by a scan
    # WHEN priced strongly and eventually consistent
    # THEN 4 KB per unit, rounded up; eventually consistent costs half
    assert scan_read_units(4096, consistent=True) == 1
    assert scan_read_units(4097, consistent=True) == 2
    assert scan_read_units(40_960, consistent=False) == 5


def test_sqs_requests_are_billed_per_64_kb_chunk():
    # GIVEN payload sizes / WHEN billed / THEN each started 64 KB chunk is a request
    assert sqs_billed_requests(100) == 1
    assert sqs_billed_requests(64 * 1024) == 1
    assert sqs_billed_requests(64 * 1024 + 1) == 2
    assert sqs_billed_requests(256 * 1024) == 4


def test_gb_seconds_round_duration_up_to_the_millisecond():
    # GIVEN a 100.2 ms invocation
    # WHEN billed at 1024 MB and at 256 MB
    # THEN the duration counts as 101 ms, times the memory in GB
    assert gb_seconds(100.2, 1024) == pytest.approx(0.101)
    assert gb_seconds(100.2, 256) == pytest.approx(0.101 / 4)


def test_cost_of_a_million_of_each_unit_is_the_list_price_per_million():
    # GIVEN a million units of every kind
    usage = Usage(
        sqs_requests=1_000_000,
        lambda_invocations=1_000_000,
        lambda_gb_seconds=1_000_000,
        dynamodb_write_units=1_000_000,
        dynamodb_read_units=1_000_000,
        state_transitions=1_000_000,
    )

    # WHEN priced
    cost = cost_of(usage)

    # THEN each line is the published price per million, and the total is their sum
    assert cost.sqs == pytest.approx(aws_prices.SQS_STANDARD_REQUEST.usd_per_million_units)
    assert cost.sqs == pytest.approx(0.40)
    assert cost.lambda_requests == pytest.approx(0.20)
    assert cost.lambda_duration == pytest.approx(16.6667)
    assert cost.dynamodb_writes == pytest.approx(0.625)
    assert cost.dynamodb_reads == pytest.approx(0.125)
    assert cost.step_functions == pytest.approx(25.0)
    assert cost.total == pytest.approx(0.40 + 0.20 + 16.6667 + 0.625 + 0.125 + 25.0)


def test_cost_per_million_records_scales_linearly():
    # GIVEN what 2,000 records cost
    cost = Cost(
        sqs=0.001,
        lambda_requests=0.002,
        lambda_duration=0.0,
        dynamodb_writes=0.003,
        dynamodb_reads=0,
        step_functions=0,
    )

    # WHEN expressed per million records
    per_million = cost.per_million(2_000)

    # THEN every line is multiplied by 500
    assert per_million.sqs == pytest.approx(0.5)
    assert per_million.dynamodb_writes == pytest.approx(1.5)
    assert per_million.total == pytest.approx(3.0)
    with pytest.raises(ValueError, match="positive"):
        cost.per_million(0)


def test_usage_per_record_divides_every_field():
    # GIVEN the usage of a run over 400 records
    usage = Usage(sqs_requests=130, lambda_invocations=42, state_transitions=80, dynamodb_write_units=900)

    # WHEN expressed per record
    per_record = usage.per(400)

    # THEN each figure is divided, none is left out
    assert per_record.sqs_requests == pytest.approx(0.325)
    assert per_record.lambda_invocations == pytest.approx(0.105)
    assert per_record.state_transitions == pytest.approx(0.2)
    assert per_record.dynamodb_write_units == pytest.approx(2.25)
    assert math.isclose(per_record.lambda_gb_seconds, 0.0)
    with pytest.raises(ValueError, match="positive"):
        usage.per(0)


def test_every_price_names_its_source_and_date():
    # GIVEN the price list / THEN each price is positive, cites an AWS page and says when it held
    for price in aws_prices.ALL_PRICES:
        assert price.usd_per_unit > 0
        assert price.source.startswith("https://aws.amazon.com/")
        assert price.as_published


@pytest.mark.parametrize(("item_bytes", "units"), [(1, 2), (1024, 2), (1025, 4), (3000, 6)])
def test_transactional_writes_cost_two_units_per_kilobyte(item_bytes: int, units: int) -> None:
    # GIVEN an item written inside a TransactWriteItems / WHEN priced / THEN twice a standard write
    from migration_cli.cost_model import transaction_write_units

    assert transaction_write_units(item_bytes) == units


def test_a_record_transaction_prices_its_item_and_its_pointer() -> None:
    # GIVEN a migrated item of 3 standard units / WHEN its transaction (item + pointer) is priced
    from migration_cli.cost_model import record_transaction_write_units

    # THEN both items are written at 2 units per KB
    assert record_transaction_write_units(3) == 2 * (3 + 1)


def _sqs_request(operation: str, document: dict) -> dict:
    body = json.dumps(document).encode()
    return {
        "HTTP_X_AMZ_TARGET": f"AmazonSQS.{operation}",
        "HTTP_AUTHORIZATION": "AWS4-HMAC-SHA256 Credential=x/20261202/us-east-1/sqs/aws4_request",
        "PATH_INFO": "/",
        "REQUEST_METHOD": "POST",
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.input": io.BytesIO(body),
    }


def test_sqs_sends_and_receives_count_a_billed_request_per_64_kb_chunk():
    # GIVEN a tap in front of an app answering every receive with ten messages of 7,000-byte bodies
    messages = [{"Body": "x" * 7_000, "MessageId": str(index)} for index in range(10)]
    response = json.dumps({"Messages": messages}).encode()
    counts = OperationCounts()
    tap = OperationTap(lambda environ, start_response: [response], counts)
    queue = {"QueueUrl": "http://localhost/000000000000/migration"}

    # WHEN a batch of ten 7,000-byte messages (70,000 bytes: two chunks) is sent, one small message is
    # sent, and the ten large ones are received
    entries = [{"Id": str(index), "MessageBody": "x" * 7_000} for index in range(10)]
    assert list(tap(_sqs_request("SendMessageBatch", {**queue, "Entries": entries}), None)) == [response]
    tap(_sqs_request("SendMessage", {**queue, "MessageBody": "small"}), None)
    assert b"".join(tap(_sqs_request("ReceiveMessage", queue), None)) == response

    # THEN each large call counts one extra billed request under its own name, the small one none
    by_operation = Counter()
    for key, count in counts.snapshot().items():
        by_operation[key.operation] += count
    assert by_operation == {
        "SendMessageBatch": 1,
        f"SendMessageBatch{EXTRA_CHUNKS_SUFFIX}": 1,
        "SendMessage": 1,
        "ReceiveMessage": 1,
        f"ReceiveMessage{EXTRA_CHUNKS_SUFFIX}": 1,
    }


def test_an_sqs_payload_counts_bodies_and_attributes_as_sqs_does():
    attributes = {"prior_receives": {"DataType": "Number", "StringValue": "2"}}
    assert sqs_payload_bytes("SendMessage", {"MessageBody": "abc", "MessageAttributes": attributes}) == (
        3 + len("prior_receives") + len("Number") + 1
    )
    assert sqs_payload_bytes("ReceiveMessage", {"Messages": [{"Body": "ab"}, {"Body": "c"}]}) == 3
    assert sqs_payload_bytes("DeleteMessageBatch", {"Entries": [{"Id": "1"}]}) == 0
    assert extra_billed_chunks("SendMessageBatch", {"Entries": [{"MessageBody": "x" * 64 * 1024}]}) == 0
    assert extra_billed_chunks("SendMessageBatch", {"Entries": [{"MessageBody": "x" * (64 * 1024 + 1)}]}) == 1
