"""SQS event source mappings deliver like the Lambda service: batches, partial failures, redrive, pause."""

from __future__ import annotations

import json
import threading

import pytest
from runtime_helpers import (
    queue_depth,
    unique,
    wait_until,
    wait_until_batches_done,
    wait_until_the_pollers_saw_it_disabled,
)

from embedded_aws.moto_internals import sqs_speed
from embedded_aws.moto_internals.event_source_mappings import SqsMapping
from embedded_aws.sqs_event_source import MappingPoller

# Writes one item per record; a body "fail" is reported as a batch item failure; keeps the event shape.
CONSUMER = """
import json
import os
import boto3

table = boto3.resource("dynamodb").Table(os.environ["TABLE"])

def lambda_handler(event, context):
    failures = []
    for record in event["Records"]:
        table.put_item(Item={
            "id": record["messageId"] + "#" + record["attributes"]["ApproximateReceiveCount"],
            "message_id": record["messageId"],
            "body": record["body"],
            "record": json.dumps(record),
            "batch_size": len(event["Records"]),
        })
        if record["body"] == "fail":
            failures.append({"itemIdentifier": record["messageId"]})
    return {"batchItemFailures": failures}
"""

CRASHES_ON_BODY = """
def lambda_handler(event, context):
    if any(record["body"] == "boom" for record in event["Records"]):
        raise RuntimeError("whole batch fails")
    return {"batchItemFailures": []}
"""


@pytest.fixture(scope="module")
def table(aws) -> str:
    name = unique("deliveries")
    aws.client("dynamodb").create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    return name


def make_queue(aws, max_receive_count: int = 3, visibility_timeout: int = 1) -> dict[str, str]:
    sqs = aws.client("sqs")
    dlq_url = sqs.create_queue(QueueName=unique("dlq"))["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    redrive = {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": max_receive_count}
    url = sqs.create_queue(
        QueueName=unique("queue"),
        Attributes={"VisibilityTimeout": str(visibility_timeout), "RedrivePolicy": json.dumps(redrive)},
    )["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    return {"url": url, "arn": arn, "dlq_url": dlq_url, "dlq_arn": dlq_arn}


def map_queue(aws, queue: dict[str, str], function_name: str, enabled: bool = True, **extra) -> str:
    return aws.client("lambda").create_event_source_mapping(
        EventSourceArn=queue["arn"],
        FunctionName=function_name,
        Enabled=enabled,
        FunctionResponseTypes=["ReportBatchItemFailures"],
        **extra,
    )["UUID"]


def items_with_body(aws, table: str, body: str) -> list[dict]:
    items = aws.client("dynamodb").scan(TableName=table)["Items"]
    return [item for item in items if item["body"]["S"] == body]


def test_an_enabled_mapping_delivers_records_shaped_like_the_lambda_sqs_event(aws, make_function, table):
    # GIVEN a queue mapped to a consumer
    queue = make_queue(aws)
    consumer = make_function(CONSUMER, environment={"TABLE": table})
    map_queue(aws, queue, consumer.name, BatchSize=5)

    # WHEN a message with an attribute is sent
    aws.client("sqs").send_message(
        QueueUrl=queue["url"],
        MessageBody="hello",
        MessageAttributes={"source": {"DataType": "String", "StringValue": "test"}},
    )

    # THEN the function gets it as a Lambda SQS record, and the message is deleted
    item = wait_until(lambda: items_with_body(aws, table, "hello"))[0]
    record = json.loads(item["record"]["S"])
    assert record["eventSource"] == "aws:sqs"
    assert record["eventSourceARN"] == queue["arn"]
    assert record["awsRegion"] == aws.region
    assert record["receiptHandle"]
    assert record["md5OfBody"]
    assert record["attributes"]["ApproximateReceiveCount"] == "1"
    assert {"SentTimestamp", "SenderId", "ApproximateFirstReceiveTimestamp"} <= set(record["attributes"])
    assert record["messageAttributes"]["source"]["stringValue"] == "test"
    assert record["messageAttributes"]["source"]["dataType"] == "String"
    wait_until(lambda: queue_depth(aws, queue["url"]) == (0, 0))


def test_messages_wait_while_the_mapping_is_disabled_and_flow_once_enabled(aws, make_function, table):
    # GIVEN a disabled mapping
    queue = make_queue(aws)
    consumer = make_function(CONSUMER, environment={"TABLE": table})
    uuid = map_queue(aws, queue, consumer.name, enabled=False)

    # WHEN messages are sent while it is disabled, and the runtime has looked at the mapping since
    sqs = aws.client("sqs")
    for index in range(3):
        sqs.send_message(QueueUrl=queue["url"], MessageBody=f"waiting-{index}")
    wait_until_the_pollers_saw_it_disabled(aws, uuid)

    # THEN nothing is delivered: they wait in the queue
    assert queue_depth(aws, queue["url"]) == (3, 0)
    assert not items_with_body(aws, table, "waiting-0")

    # WHEN the mapping is enabled
    aws.client("lambda").update_event_source_mapping(UUID=uuid, Enabled=True)

    # THEN what waited is delivered and deleted
    for index in range(3):
        wait_until(lambda index=index: items_with_body(aws, table, f"waiting-{index}"))
    wait_until(lambda: queue_depth(aws, queue["url"]) == (0, 0))


def test_disabling_a_mapping_stops_delivery_once_its_pollers_have_seen_it(aws, make_function, table):
    # GIVEN an enabled mapping that has delivered once
    queue = make_queue(aws)
    consumer = make_function(CONSUMER, environment={"TABLE": table})
    uuid = map_queue(aws, queue, consumer.name)
    aws.client("sqs").send_message(QueueUrl=queue["url"], MessageBody="before-pause")
    wait_until(lambda: items_with_body(aws, table, "before-pause"))

    # WHEN it is disabled, its pollers have seen that, and a message is sent while they keep looking
    aws.client("lambda").update_event_source_mapping(UUID=uuid, Enabled=False)
    wait_until_the_pollers_saw_it_disabled(aws, uuid)
    aws.client("sqs").send_message(QueueUrl=queue["url"], MessageBody="during-pause")
    wait_until_the_pollers_saw_it_disabled(aws, uuid)

    # THEN that message is not delivered
    assert not items_with_body(aws, table, "during-pause")
    assert queue_depth(aws, queue["url"]) == (1, 0)

    # WHEN the mapping is enabled again / THEN the same pollers deliver it (they would have, had it been on)
    aws.client("lambda").update_event_source_mapping(UUID=uuid, Enabled=True)
    wait_until(lambda: items_with_body(aws, table, "during-pause"))
    wait_until(lambda: queue_depth(aws, queue["url"]) == (0, 0))


def test_only_reported_batch_item_failures_stay_in_the_queue(aws, make_function, table):
    # GIVEN a mapping reporting batch item failures, paused while a batch is prepared
    queue = make_queue(aws, max_receive_count=100, visibility_timeout=30)
    consumer = make_function(CONSUMER, environment={"TABLE": table})
    uuid = map_queue(aws, queue, consumer.name, enabled=False, BatchSize=10)
    sqs = aws.client("sqs")
    sqs.send_message_batch(
        QueueUrl=queue["url"],
        Entries=[{"Id": "ok1", "MessageBody": "partial-ok"}, {"Id": "bad", "MessageBody": "fail"}]
        + [{"Id": f"ok{i}", "MessageBody": "partial-ok"} for i in range(2, 4)],
    )

    # WHEN the mapping is enabled and the batch processed once
    aws.client("lambda").update_event_source_mapping(UUID=uuid, Enabled=True)
    wait_until(lambda: len(items_with_body(aws, table, "partial-ok")) == 3)

    # THEN the successes are deleted and only the failed message is left, in flight until its timeout
    wait_until(lambda: queue_depth(aws, queue["url"]) == (0, 1))
    assert len(items_with_body(aws, table, "fail")) == 1


def test_a_function_error_fails_the_whole_batch(aws, make_function):
    # GIVEN a mapping whose function raises when a batch holds "boom", with a long visibility timeout
    queue = make_queue(aws, max_receive_count=100, visibility_timeout=30)
    consumer = make_function(CRASHES_ON_BODY)
    uuid = map_queue(aws, queue, consumer.name, enabled=False, BatchSize=10)
    aws.client("sqs").send_message_batch(
        QueueUrl=queue["url"],
        Entries=[{"Id": "a", "MessageBody": "fine"}, {"Id": "b", "MessageBody": "boom"}],
    )

    # WHEN the batch is delivered and handled to the end
    aws.client("lambda").update_event_source_mapping(UUID=uuid, Enabled=True)
    wait_until_batches_done(aws, uuid, 1)

    # THEN nothing is deleted: both messages wait in flight for their visibility timeout
    assert queue_depth(aws, queue["url"]) == (0, 2)

    # WHEN a batch without "boom" follows / THEN that one is deleted (so deletion was not merely absent)
    aws.client("sqs").send_message(QueueUrl=queue["url"], MessageBody="fine again")
    wait_until_batches_done(aws, uuid, 2)
    assert queue_depth(aws, queue["url"]) == (0, 2)


def test_an_always_failing_message_is_dead_lettered_then_moved_back(aws, make_function, table):
    # GIVEN a queue that dead-letters after 3 receives, mapped to a consumer that always fails "fail"
    queue = make_queue(aws, max_receive_count=3, visibility_timeout=1)
    consumer = make_function(CONSUMER, environment={"TABLE": table})
    uuid = map_queue(aws, queue, consumer.name)

    # WHEN such a message is sent
    message_id = aws.client("sqs").send_message(QueueUrl=queue["url"], MessageBody="fail")["MessageId"]

    # THEN it was received exactly maxReceiveCount times, then it sits in the dead-letter queue
    wait_until(lambda: queue_depth(aws, queue["dlq_url"])[0] == 1, timeout=30)
    attempts = [i for i in items_with_body(aws, table, "fail") if i["message_id"]["S"] == message_id]
    assert sorted(item["id"]["S"].rsplit("#", 1)[1] for item in attempts) == ["1", "2", "3"]
    assert queue_depth(aws, queue["url"]) == (0, 0)

    # WHEN the mapping is paused and the dead-letter queue redriven with StartMessageMoveTask
    aws.client("lambda").update_event_source_mapping(UUID=uuid, Enabled=False)
    wait_until_the_pollers_saw_it_disabled(aws, uuid)
    sqs = aws.client("sqs")
    handle = sqs.start_message_move_task(SourceArn=queue["dlq_arn"])["TaskHandle"]

    # THEN the message is back in its source queue, and the task reports its progress
    wait_until(lambda: queue_depth(aws, queue["url"]) == (1, 0))
    assert queue_depth(aws, queue["dlq_url"]) == (0, 0)
    task = wait_until(
        lambda: [
            t
            for t in sqs.list_message_move_tasks(SourceArn=queue["dlq_arn"])["Results"]
            if t["TaskHandle"] == handle and t["Status"] == "COMPLETED"
        ]
    )[0]
    assert task["ApproximateNumberOfMessagesMoved"] == 1
    assert task["DestinationArn"] == queue["arn"]
    moved = sqs.receive_message(QueueUrl=queue["url"], MessageSystemAttributeNames=["All"])["Messages"][0]
    assert moved["Body"] == "fail"
    assert moved["Attributes"]["ApproximateReceiveCount"] == "1"
    # and a finished task can no longer be cancelled
    with pytest.raises(sqs.exceptions.ClientError):
        sqs.cancel_message_move_task(TaskHandle=handle)


def test_a_move_task_needs_a_dead_letter_queue_as_source(aws):
    # GIVEN a queue that is nobody's dead-letter queue
    queue = make_queue(aws)

    # WHEN a move task is started from it
    # THEN SQS answers with a client error (not a server error a state machine could not catch)
    sqs = aws.client("sqs")
    with pytest.raises(sqs.exceptions.ClientError) as raised:
        sqs.start_message_move_task(SourceArn=queue["arn"])
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


def enabled_mapping(maximum_concurrency: int) -> SqsMapping:
    """A mapping as the pollers read it, for poller tests that need no emulator."""
    return SqsMapping(
        uuid="u",
        enabled=True,
        queue_arn="arn:aws:sqs:us-east-1:123456789012:q",
        function_arn="arn:aws:lambda:us-east-1:123456789012:function:f",
        batch_size=10,
        maximum_concurrency=maximum_concurrency,
        maximum_batching_window_seconds=0,
        report_batch_item_failures=True,
    )


@pytest.mark.parametrize(
    ("mapping_maximum", "local_concurrency", "expected"),
    [(10, 2, 2), (2, 8, 2), (10, None, 10)],
)
def test_batches_in_flight_stay_within_the_mapping_maximum_and_the_local_concurrency(
    mapping_maximum: int, local_concurrency: int | None, expected: int
):
    # GIVEN a poller for a mapping, with or without a local cap on concurrent executions
    mapping = enabled_mapping(maximum_concurrency=mapping_maximum)
    poller = MappingPoller(
        "u",
        read_mapping=lambda _: mapping,
        sqs_client=lambda: None,
        queue_url=lambda _: "",
        invoke=lambda _arn, _event: ("", False),
        local_concurrency=local_concurrency,
    )

    # WHEN / THEN it takes no more batches at once than both allow (held batches would stay invisible)
    assert poller.concurrency(mapping) == expected


class EmptyQueueClient:
    """An SQS client whose queue stays empty until ``messages`` are put in; logs each receive in ``calls``."""

    def __init__(self, calls: list[str]) -> None:
        self.calls = calls
        self.messages: list[dict] = []

    def receive_message(self, **_: object) -> dict:
        self.calls.append("receive")
        taken, self.messages = self.messages, []
        return {"Messages": taken}

    def delete_message_batch(self, **_: object) -> dict:
        return {}


def test_an_idle_poller_waits_for_a_send_instead_of_asking_again_and_again():
    # GIVEN an enabled mapping on an empty queue, and a hook that blocks until a send (its own timeout is
    # left out: the test decides when the send happens, so a slow machine cannot end the wait early)
    mapping = enabled_mapping(maximum_concurrency=2)
    calls: list[str] = []
    client = EmptyQueueClient(calls)
    sent = threading.Event()
    invoked: list[dict] = []

    def wait_for_message(_queue_arn: str, _timeout: float) -> bool:
        calls.append("wait")
        sent.wait(30)  # bounds a hang only
        sent.clear()
        return True

    poller = MappingPoller(
        "u",
        read_mapping=lambda _: mapping,
        sqs_client=lambda: client,
        queue_url=lambda _: "url",
        invoke=lambda _arn, event: (invoked.append(event), ("{}", False))[1],
        wait_for_message=wait_for_message,
    )

    # WHEN it runs on the empty queue until it waits, then a message is sent
    poller.ensure_slots(1)
    try:
        wait_until(lambda: "wait" in calls)
        calls_while_idle = list(calls)
        client.messages = [
            {"MessageId": "m1", "ReceiptHandle": "r1", "Body": "b", "MD5OfBody": "x", "Attributes": {}}
        ]
        sent.set()
        wait_until(lambda: invoked)
    finally:
        poller.stop()
        sent.set()
        poller.join(timeout=10)

    # THEN after one empty receive it waited for a send (instead of asking again), and the send woke it
    # into the receive that delivered the message
    assert calls_while_idle == ["receive", "wait"]
    assert calls[:3] == ["receive", "wait", "receive"]
    assert invoked[0]["Records"][0]["messageId"] == "m1"


def test_a_send_wakes_a_waiter_on_the_queue_and_an_unknown_queue_is_not_waited_on(aws):
    # GIVEN a queue and a thread waiting for a message on it far longer than the test may take
    queue = make_queue(aws)
    waiter = threading.Thread(target=sqs_speed.wait_for_message, args=(queue["arn"], 600.0), daemon=True)
    waiter.start()

    # WHEN messages are sent (more than one: the first may go out before the thread waits)
    sqs = aws.client("sqs")

    def woken() -> bool:
        sqs.send_message(QueueUrl=queue["url"], MessageBody="wake up")
        waiter.join(timeout=0.1)
        return not waiter.is_alive()

    # THEN a send ends the wait (its own 600 s cannot have run out); a queue that does not exist is
    # reported, not waited on
    wait_until(woken, timeout=60)
    assert sqs_speed.wait_for_message(queue["arn"] + "-missing", 600.0) is False
