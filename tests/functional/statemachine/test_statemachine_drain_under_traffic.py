"""The drain's reading under live traffic, on the embedded runtime: the real wait child polls a real intake
queue and the control table's failure marks (migration_runtime/intake_retries.py).

After the cut-over the new consumer serves live traffic, so something may always be in flight: the
drain then settles on "nothing waiting and no failed message marked", held for longer than one attempt of
the consumer; a marked message holds it."""

from __future__ import annotations

import json
from typing import Any

from migration_runtime.dynamodb_codec import to_attribute_map
from migration_runtime.intake_retries import INTAKE_RETRY_PK
from tests.functional.statemachine.stub_stack import StubStack

DISABLED = "Disabled"


def _wait_child_arn(stack: StubStack) -> str:
    machines = stack.sfn.list_state_machines()["stateMachines"]
    return next(m["stateMachineArn"] for m in machines if m["name"] == f"{stack.prefix}-wait-until-quiet")


def _one_message_in_flight(stack: StubStack) -> None:
    """No consumer on the intake queue, and one message taken and held (as a consumer mid-attempt)."""
    stack.aws.client("lambda").update_event_source_mapping(UUID=stack.legacy_mapping, Enabled=False)
    stack.wait_for(lambda: stack.mapping_state(stack.legacy_mapping) == DISABLED)
    sqs = stack.aws.client("sqs")
    sqs.send_message(QueueUrl=stack.intake_queue_url, MessageBody=json.dumps({"application_id": "live"}))
    received: list[Any] = []
    stack.wait_for(
        lambda: (
            received.extend(
                sqs.receive_message(QueueUrl=stack.intake_queue_url, VisibilityTimeout=300).get(
                    "Messages", []
                )
            )
            or bool(received)
        )
    )


def _drain_reading(stack: StubStack, *, min_relaxed_seconds: int, timeout_seconds: int) -> dict[str, Any]:
    execution = stack.sfn.start_execution(
        stateMachineArn=_wait_child_arn(stack),
        input=json.dumps(
            {
                "probe": "intake_queue_empty",
                "interval_seconds": 1,
                "readings_required": 1,
                "timeout_seconds": timeout_seconds,
                "elapsed_seconds": 0,
                "streak": 0,
                "min_relaxed_seconds": min_relaxed_seconds,
                "mode": "offline",
                "stage": "cut_over",
            }
        ),
    )["executionArn"]
    stack.wait(execution, timeout=timeout_seconds + 120)
    described = stack.sfn.describe_execution(executionArn=execution)
    assert described["status"] == "SUCCEEDED", described
    return dict(json.loads(described["output"]))


def _in_flight(stack: StubStack) -> int:
    attributes = stack.aws.client("sqs").get_queue_attributes(
        QueueUrl=stack.intake_queue_url, AttributeNames=["ApproximateNumberOfMessagesNotVisible"]
    )["Attributes"]
    return int(attributes["ApproximateNumberOfMessagesNotVisible"])


def test_an_empty_queue_drains_at_once(stub_stack: StubStack) -> None:
    # GIVEN nothing in the intake queue / WHEN read with a long live-traffic span
    output = _drain_reading(stub_stack, min_relaxed_seconds=60, timeout_seconds=30)

    # THEN the strict reading settles it on the first poll: the span only applies to in-flight readings
    assert output["outcome"] == "quiet"
    assert output["elapsed_seconds"] == 0


def test_a_message_in_flight_without_a_failure_mark_drains_after_one_attempt_span(
    stub_stack: StubStack,
) -> None:
    # GIVEN a message in flight for five minutes (live traffic mid-attempt) and no failure mark
    _one_message_in_flight(stub_stack)

    # WHEN the drain reads with a 3 s span (consumer timeout + a reading)
    output = _drain_reading(stub_stack, min_relaxed_seconds=3, timeout_seconds=60)

    # THEN it settled with the message still in flight, once the span had passed
    assert output["outcome"] == "quiet"
    assert output["elapsed_seconds"] >= 2  # readings at 0, 1, 2 s add 3 s of quiet
    assert _in_flight(stub_stack) == 1


def test_a_message_the_consumer_failed_holds_the_drain(stub_stack: StubStack) -> None:
    # GIVEN a message in flight that the new consumer failed (its mark is in the control table)
    _one_message_in_flight(stub_stack)
    mark = {"pk": INTAKE_RETRY_PK, "sk": "message-1", "receive_count": 1}
    stub_stack.aws.client("dynamodb").put_item(
        TableName=stub_stack.control_table, Item=to_attribute_map(mark)
    )

    # WHEN the drain reads
    output = _drain_reading(stub_stack, min_relaxed_seconds=2, timeout_seconds=6)

    # THEN it never settles: it times out with the mark counted in its last reading
    assert output["outcome"] == "timed_out"
    assert output["reading"]["failed_messages"]["count"] == 1
