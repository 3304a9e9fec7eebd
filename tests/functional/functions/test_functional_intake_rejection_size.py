"""A rejected intake message keeps its reason even when its body is near SQS's 1 MiB message quota."""

from __future__ import annotations

import boto3
import pytest

from migration_runtime.aws_limits import SQS_MAX_MESSAGE_BYTES
from migration_runtime.intake_rejection import (
    REJECTION_REASON_ATTRIBUTE,
    SOURCE_QUEUE_ATTRIBUTE,
    rejection_attributes,
    send_to_intake_dlq,
)
from migration_runtime.size_bounded_batches import sqs_message_size

REASON = "business.tax_id: must be 9 digits or NN-NNNNNNN"


def test_a_small_body_keeps_the_whole_reason_and_source():
    attributes = rejection_attributes("{}", REASON, "intake")
    assert attributes[REJECTION_REASON_ATTRIBUTE]["StringValue"] == REASON
    assert attributes[SOURCE_QUEUE_ATTRIBUTE]["StringValue"] == "intake"


@pytest.mark.parametrize("room", [0, 10, 30, 40, 60, 100, 1000])
def test_near_the_quota_the_reason_is_shortened_and_the_message_always_fits(room: int):
    # GIVEN a body leaving `room` bytes below the quota (multi-byte characters at the cut included)
    body = "x" * (SQS_MAX_MESSAGE_BYTES - room)
    reason = "é" * 600

    # WHEN the attributes are chosen
    attributes = rejection_attributes(body, reason, "intake")

    # THEN the message fits, the reason comes first and is a prefix of the real one
    assert sqs_message_size(body, attributes) <= SQS_MAX_MESSAGE_BYTES
    if attributes:
        assert reason.startswith(attributes[REJECTION_REASON_ATTRIBUTE]["StringValue"])
    if room >= 60:
        assert attributes[REJECTION_REASON_ATTRIBUTE]["StringValue"]


def test_sqs_accepts_a_rejection_of_a_body_just_under_the_quota(stack):
    # GIVEN a DLQ that takes 1 MiB messages (as the stack's queues do) and a body 80 bytes under the quota
    url = stack.sqs.create_queue(
        QueueName="big-dlq", Attributes={"MaximumMessageSize": str(SQS_MAX_MESSAGE_BYTES)}
    )["QueueUrl"]
    body = "x" * (SQS_MAX_MESSAGE_BYTES - 80)

    # WHEN it is rejected to the DLQ
    send_to_intake_dlq(stack.sqs, dlq_url=url, body=body, reason=REASON, source_queue="intake")

    # THEN it arrives whole, with as much of the reason as fitted
    [message] = boto3.client("sqs").receive_message(
        QueueUrl=url, MessageAttributeNames=["All"], MaxNumberOfMessages=1
    )["Messages"]
    assert message["Body"] == body
    assert REASON.startswith(message["MessageAttributes"][REJECTION_REASON_ATTRIBUTE]["StringValue"])
