"""Every Lambda invocation is counted, by the path it came through and by function (``aws.invocations``)."""

from __future__ import annotations

import json

from runtime_helpers import invoke, unique, wait_until

from embedded_aws.invocation_counter import InvocationCounter, InvocationPath
from embedded_aws.moto_internals.lambda_functions import invocation_path

ECHO = """
def lambda_handler(event, context):
    if event.get("fail"):
        raise RuntimeError("asked to fail")
    return {"batchItemFailures": []} if "Records" in event else event
"""


def counts_of(aws, function_name: str) -> dict[str, int]:
    return aws.invocations.by_function().get(function_name, {})


def test_counter_totals_per_path_and_per_function():
    # GIVEN a counter and invocations of two functions through different paths
    counter = InvocationCounter()
    for name, path in [
        ("a", InvocationPath.API),
        ("a", InvocationPath.SFN),
        ("b", InvocationPath.SFN),
        ("b", InvocationPath.EVENT_SOURCE_MAPPING),
        ("b", InvocationPath.EVENT_SOURCE_MAPPING),
    ]:
        counter.record(name, path)

    # WHEN it is read, then reset
    per_path, per_function, total = counter.snapshot(), counter.by_function(), counter.total()
    counter.reset()

    # THEN the figures add up per path and per function, sorted as requests are; reset empties it
    assert per_path == {"api": 1, "event-source-mapping": 2, "sfn": 2}
    assert list(per_path) == sorted(per_path)
    assert per_function == {"a": {"api": 1, "sfn": 1}, "b": {"event-source-mapping": 2, "sfn": 1}}
    assert total == 5
    assert (counter.snapshot(), counter.by_function(), counter.total()) == ({}, {}, 0)


def test_step_functions_engine_requests_are_told_apart_by_their_signing_key():
    # GIVEN the Authorization headers of an engine request and of a normal client request
    engine = "AWS4-HMAC-SHA256 Credential=ak/20260101/us-east-1/lambda/aws4_request, SignedHeaders=host"
    client = "AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/lambda/aws4_request, SignedHeaders=host"

    # WHEN their invocation paths are derived / THEN only the engine's is "sfn"
    assert invocation_path({"Authorization": engine}) == InvocationPath.SFN
    assert invocation_path({"Authorization": client}) == InvocationPath.API
    assert invocation_path({}) == InvocationPath.API


def test_api_invocations_are_counted_failed_and_asynchronous_ones_included(aws, make_function):
    # GIVEN a function
    function = make_function(ECHO)

    # WHEN it is invoked synchronously twice (once failing) and once with InvocationType=Event
    assert invoke(aws, function.name, {"x": 1}) == (None, {"x": 1})
    error, _ = invoke(aws, function.name, {"fail": True})
    aws.client("lambda").invoke(FunctionName=function.name, InvocationType="Event", Payload=b"{}")

    # THEN all three are counted as API invocations of that function
    assert error is not None
    assert wait_until(lambda: counts_of(aws, function.name) == {"api": 3})
    assert aws.invocations.snapshot()["api"] >= 3


def test_event_source_mapping_invocations_are_counted_though_they_make_no_request(aws, make_function):
    # GIVEN a queue with five messages and a function mapped to it one message per batch
    function = make_function(ECHO)
    sqs = aws.client("sqs")
    queue_url = sqs.create_queue(QueueName=unique("counted"))["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    for index in range(5):
        sqs.send_message(QueueUrl=queue_url, MessageBody=str(index))
    lambda_requests_before = aws.requests.snapshot().get("lambda", 0)

    # WHEN the mapping delivers them
    aws.client("lambda").create_event_source_mapping(
        EventSourceArn=queue_arn, FunctionName=function.name, BatchSize=1
    )

    # THEN five invocations are counted on the mapping path, while the Lambda API saw only the create call
    assert wait_until(lambda: counts_of(aws, function.name) == {"event-source-mapping": 5})
    assert aws.requests.snapshot().get("lambda", 0) - lambda_requests_before == 1


def test_step_functions_task_invocations_are_counted_as_sfn(aws, make_function, role_arn):
    # GIVEN a state machine calling a function through the optimised integration and through its ARN
    function = make_function(ECHO)
    definition = {
        "StartAt": "Optimised",
        "States": {
            "Optimised": {
                "Type": "Task",
                "Resource": "arn:aws:states:::lambda:invoke",
                "Parameters": {"FunctionName": function.arn, "Payload": {"step": 1}},
                "ResultPath": None,
                "Next": "Plain",
            },
            "Plain": {"Type": "Task", "Resource": function.arn, "End": True},
        },
    }
    sfn = aws.client("stepfunctions")
    machine = sfn.create_state_machine(name=unique("sm"), definition=json.dumps(definition), roleArn=role_arn)

    # WHEN it runs
    execution = sfn.start_execution(stateMachineArn=machine["stateMachineArn"], input="{}")["executionArn"]
    status = wait_until(
        lambda: (s := sfn.describe_execution(executionArn=execution)["status"]) != "RUNNING" and s, timeout=30
    )

    # THEN both task invocations are counted on the sfn path
    assert status == "SUCCEEDED"
    assert counts_of(aws, function.name) == {"sfn": 2}
