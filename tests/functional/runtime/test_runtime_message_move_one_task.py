"""One active message move task per source queue, as SQS allows (StartMessageMoveTask API reference)."""

from __future__ import annotations

import botocore.exceptions
import pytest
from runtime_helpers import queue_depth, unique, wait_until


def test_a_second_move_task_on_a_queue_is_refused_while_the_first_is_active(aws):
    # GIVEN a dead-letter queue holding four messages, and its source queue
    sqs = aws.client("sqs")
    dlq_url = sqs.create_queue(QueueName=unique("move-dlq"))["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    source_url = sqs.create_queue(
        QueueName=unique("move-source"),
        Attributes={"RedrivePolicy": f'{{"deadLetterTargetArn": "{dlq_arn}", "maxReceiveCount": "1"}}'},
    )["QueueUrl"]
    for n in range(4):
        sqs.send_message(QueueUrl=dlq_url, MessageBody=f"m{n}")

    # WHEN a slow move task (1 message a second) starts, and a second one right after
    first = sqs.start_message_move_task(SourceArn=dlq_arn, MaxNumberOfMessagesPerSecond=1)["TaskHandle"]
    with pytest.raises(botocore.exceptions.ClientError) as refused:
        sqs.start_message_move_task(SourceArn=dlq_arn)

    # THEN the second is refused with SQS's error, and the first carries on
    error = refused.value.response["Error"]
    assert error["Code"] == "InvalidParameterValue"
    assert "Only one active task is allowed for a source queue" in error["Message"]
    [task] = sqs.list_message_move_tasks(SourceArn=dlq_arn)["Results"]
    assert task["TaskHandle"] == first

    # AND once the first is cancelled and has stopped, a new task is accepted
    sqs.cancel_message_move_task(TaskHandle=first)
    wait_until(
        lambda: sqs.list_message_move_tasks(SourceArn=dlq_arn)["Results"][0]["Status"] == "CANCELLED",
        timeout=30,
    )
    assert sqs.start_message_move_task(SourceArn=dlq_arn)["TaskHandle"] != first
    # and every message reached the source queue
    wait_until(lambda: queue_depth(aws, source_url)[0] == 4, timeout=60)
