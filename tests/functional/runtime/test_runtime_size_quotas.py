"""SQS messages and batches up to 1 MiB, DynamoDB items up to 400 KB, counted in bytes as AWS counts them.

AWS: "Amazon SQS message quotas" (1 MiB per message, attributes included, and per SendMessageBatch);
"Quotas in Amazon DynamoDB" (400 KB per item, names and values).
"""

from __future__ import annotations

import botocore.exceptions
import pytest
from runtime_helpers import unique

from embedded_aws.moto_internals.dynamodb_speed import ITEM_SIZE_LIMIT
from migration_runtime.aws_limits import SQS_MAX_BATCH_BYTES, SQS_MAX_MESSAGE_BYTES


@pytest.fixture(scope="module")
def queue_url(aws) -> str:
    return aws.client("sqs").create_queue(QueueName=unique("sizes"))["QueueUrl"]


def refused_code(call, **kwargs) -> str:
    with pytest.raises(botocore.exceptions.ClientError) as refused:
        call(**kwargs)
    return refused.value.response["Error"]["Code"]


def test_a_message_of_exactly_1_mib_is_sent(aws, queue_url):
    # GIVEN / WHEN a body of exactly 1 MiB of ASCII / THEN SQS takes it
    assert aws.client("sqs").send_message(QueueUrl=queue_url, MessageBody="x" * SQS_MAX_MESSAGE_BYTES)[
        "MessageId"
    ]


def test_a_message_over_1_mib_in_bytes_or_with_its_attributes_is_refused(aws, queue_url):
    sqs = aws.client("sqs")
    # GIVEN a body under 1 MiB in characters but over it in UTF-8 bytes (2 bytes each)
    multibyte = "é" * (SQS_MAX_MESSAGE_BYTES // 2 + 1)
    # AND a body that fits only without its attribute
    with_attribute = {
        "MessageBody": "x" * (SQS_MAX_MESSAGE_BYTES - 10),
        "MessageAttributes": {"reason": {"DataType": "String", "StringValue": "too long for the rest"}},
    }

    # WHEN they are sent / THEN both are refused as AWS refuses them
    assert (
        refused_code(sqs.send_message, QueueUrl=queue_url, MessageBody=multibyte) == "InvalidParameterValue"
    )
    assert refused_code(sqs.send_message, QueueUrl=queue_url, **with_attribute) == "InvalidParameterValue"


def test_a_batch_over_1_mib_in_total_is_refused(aws, queue_url):
    # GIVEN two messages that fit alone but not together
    half = SQS_MAX_BATCH_BYTES // 2
    entries = [{"Id": str(i), "MessageBody": "x" * (half + 1)} for i in range(2)]

    # WHEN sent as one batch / THEN the batch is refused; one byte less each and it goes through
    code = refused_code(aws.client("sqs").send_message_batch, QueueUrl=queue_url, Entries=entries)
    assert "BatchRequestTooLong" in code
    fitting = [{"Id": str(i), "MessageBody": "x" * half} for i in range(2)]
    assert len(aws.client("sqs").send_message_batch(QueueUrl=queue_url, Entries=fitting)["Successful"]) == 2


def test_dynamodb_items_up_to_400_kb_are_stored_and_bigger_ones_refused(aws):
    # GIVEN a table
    dynamodb = aws.client("dynamodb")
    table = unique("sizes")
    dynamodb.create_table(
        TableName=table,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )

    def item(total_bytes: int) -> dict:
        # name bytes + value bytes: "pk" + "k" (3) and "blob" + the padding
        return {"pk": {"S": "k"}, "blob": {"S": "x" * (total_bytes - 3 - len("blob"))}}

    # WHEN an item of exactly 400 KB (over moto's own 405,000-byte limit) and one a byte bigger are put
    dynamodb.put_item(TableName=table, Item=item(ITEM_SIZE_LIMIT))

    # THEN the first is stored, the second refused with AWS's error
    assert len(dynamodb.get_item(TableName=table, Key={"pk": {"S": "k"}})["Item"]["blob"]["S"]) > 405_000
    with pytest.raises(botocore.exceptions.ClientError) as refused:
        dynamodb.put_item(TableName=table, Item=item(ITEM_SIZE_LIMIT + 1))
    error = refused.value.response["Error"]
    assert error["Code"] == "ValidationException"
    assert "Item size has exceeded the maximum allowed size" in error["Message"]
