"""Step Functions "Execution Status Change" events reach EventBridge rules and their Lambda targets.

AWS: "Automating Step Functions event delivery with EventBridge" (source aws.states, detail-type
"Step Functions Execution Status Change", statuses RUNNING / SUCCEEDED / FAILED / TIMED_OUT / ABORTED).
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from runtime_helpers import unique, wait_until
from sfn_helpers import create_machine, start, wait_for_end

from embedded_aws import EmbeddedAws

# Sends the event it got to the queue named in its environment, so the test can read what EventBridge
# delivered to the function.
FORWARDS_TO_QUEUE = """
import json, os
import boto3

def lambda_handler(event, context):
    boto3.client("sqs").send_message(QueueUrl=os.environ["QUEUE_URL"], MessageBody=json.dumps(event))
    return {}
"""

STATUS_CHANGE = {"source": ["aws.states"], "detail-type": ["Step Functions Execution Status Change"]}


def queue(aws: EmbeddedAws) -> tuple[str, str]:
    sqs = aws.client("sqs")
    url = sqs.create_queue(QueueName=unique("events"))["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    return url, arn


def drain(aws: EmbeddedAws, url: str, seen: list[dict[str, Any]]) -> list[dict[str, Any]]:
    sqs = aws.client("sqs")
    for message in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []):
        seen.append(json.loads(message["Body"]))
        sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    return seen


def statuses_for(execution_arn: str, events: list[dict[str, Any]]) -> list[str]:
    return [e["detail"]["status"] for e in events if e["detail"]["executionArn"] == execution_arn]


@pytest.fixture(scope="module")
def failure_watch(aws, make_function) -> tuple[str, list[dict[str, Any]]]:
    """A rule on FAILED / TIMED_OUT / ABORTED executions whose Lambda target forwards each event."""
    url, _ = queue(aws)
    function = make_function(FORWARDS_TO_QUEUE, environment={"QUEUE_URL": url})
    events = aws.client("events")
    rule = unique("sfn-failures")
    pattern = {**STATUS_CHANGE, "detail": {"status": ["FAILED", "TIMED_OUT", "ABORTED"]}}
    events.put_rule(Name=rule, EventPattern=json.dumps(pattern))
    events.put_targets(Rule=rule, Targets=[{"Id": "restore", "Arn": function.arn}])
    return url, []


@pytest.fixture(scope="module")
def every_status(aws) -> tuple[str, list[dict[str, Any]]]:
    """A rule on every status change with an SQS target (delivered by moto itself)."""
    url, arn = queue(aws)
    events = aws.client("events")
    rule = unique("sfn-all")
    events.put_rule(Name=rule, EventPattern=json.dumps(STATUS_CHANGE))
    events.put_targets(Rule=rule, Targets=[{"Id": "all", "Arn": arn}])
    return url, []


def test_a_failed_execution_invokes_the_rules_lambda_target_with_the_documented_detail(
    aws, role_arn, failure_watch, every_status
):
    # GIVEN a state machine that fails
    machine = create_machine(
        aws, role_arn, {"StartAt": "F", "States": {"F": {"Type": "Fail", "Error": "Boom", "Cause": "why"}}}
    )

    # WHEN it runs
    execution = start(aws, machine, {"k": 1}, name=unique("fails"))
    assert wait_for_end(aws, execution)["status"] == "FAILED"

    # THEN the Lambda target gets the FAILED event with the documented shape
    url, delivered = failure_watch
    wait_until(lambda: statuses_for(execution, drain(aws, url, delivered)), timeout=30)
    [event] = [e for e in delivered if e["detail"]["executionArn"] == execution]
    assert event["source"] == "aws.states"
    assert event["detail-type"] == "Step Functions Execution Status Change"
    assert event["resources"] == [execution]
    detail = event["detail"]
    assert detail["stateMachineArn"] == machine
    assert execution.endswith(":" + detail["name"])
    assert (detail["status"], detail["error"], detail["cause"]) == ("FAILED", "Boom", "why")
    assert json.loads(detail["input"]) == {"k": 1}
    assert detail["output"] is None
    assert isinstance(detail["startDate"], int)
    assert detail["stopDate"] >= detail["startDate"]
    # and every status reached the catch-all rule, in order
    all_url, all_seen = every_status
    wait_until(lambda: len(statuses_for(execution, drain(aws, all_url, all_seen))) == 2, timeout=30)
    assert statuses_for(execution, all_seen) == ["RUNNING", "FAILED"]


def test_a_succeeded_execution_reports_running_then_succeeded_with_its_output(aws, role_arn, every_status):
    # GIVEN a state machine that succeeds
    machine = create_machine(aws, role_arn, {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}})

    # WHEN it runs
    execution = start(aws, machine, {"done": True})
    assert wait_for_end(aws, execution)["status"] == "SUCCEEDED"

    # THEN the catch-all rule saw RUNNING then SUCCEEDED, the latter with the output
    url, seen = every_status
    wait_until(lambda: len(statuses_for(execution, drain(aws, url, seen))) == 2, timeout=30)
    assert statuses_for(execution, seen) == ["RUNNING", "SUCCEEDED"]
    succeeded = [e for e in seen if e["detail"]["executionArn"] == execution][-1]["detail"]
    assert json.loads(succeeded["output"]) == {"done": True}
    assert succeeded["outputDetails"] == {"included": True}


def test_stop_execution_aborts_at_once_and_emits_aborted(aws, role_arn, failure_watch):
    # GIVEN an execution waiting for a long time
    machine = create_machine(
        aws, role_arn, {"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 600, "End": True}}}
    )
    execution = start(aws, machine)
    sfn = aws.client("stepfunctions")
    wait_until(
        lambda: any(
            e["type"] == "WaitStateEntered"
            for e in sfn.get_execution_history(executionArn=execution)["events"]
        )
    )

    # WHEN it is stopped
    sfn.stop_execution(executionArn=execution)

    # THEN it is ABORTED at once, and the Lambda target gets the ABORTED event
    assert sfn.describe_execution(executionArn=execution)["status"] == "ABORTED"
    url, delivered = failure_watch
    wait_until(lambda: statuses_for(execution, drain(aws, url, delivered)), timeout=30)
    assert statuses_for(execution, delivered) == ["ABORTED"]


def test_an_execution_timeout_emits_timed_out(aws, role_arn, failure_watch):
    # GIVEN a state machine with TimeoutSeconds shorter than its wait
    definition = {
        "TimeoutSeconds": 1,
        "StartAt": "W",
        "States": {"W": {"Type": "Wait", "Seconds": 600, "End": True}},
    }
    machine = create_machine(aws, role_arn, definition)

    # WHEN it runs
    execution = start(aws, machine)

    # THEN it times out and the Lambda target gets the TIMED_OUT event
    assert wait_for_end(aws, execution)["status"] == "TIMED_OUT"
    url, delivered = failure_watch
    wait_until(lambda: statuses_for(execution, drain(aws, url, delivered)), timeout=30)
    assert statuses_for(execution, delivered) == ["TIMED_OUT"]
    assert aws.invocations.snapshot().get("eventbridge", 0) >= 1
