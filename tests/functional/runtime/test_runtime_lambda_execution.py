"""Lambda functions run for real, in worker processes, with their timeout enforced."""

from __future__ import annotations

import json

from runtime_helpers import invoke, queue_depth, unique, wait_until

ECHO = """
import os
import boto3

def lambda_handler(event, context):
    print("handling", context.aws_request_id)
    return {
        "event": event,
        "pid": os.getpid(),
        "mode": os.environ.get("MODE"),
        "function_name": context.function_name,
        "memory": context.memory_limit_in_mb,
        "remaining_ms": context.get_remaining_time_in_millis(),
        "request_id": context.aws_request_id,
        "endpoint": os.environ["AWS_ENDPOINT_URL"],
        "queues": boto3.client("sqs").list_queues().get("QueueUrls", []),
    }
"""

RAISES = """
def lambda_handler(event, context):
    raise ValueError("bad input " + event["tag"])
"""

SLEEPS = """
import os
import time

def lambda_handler(event, context):
    if event.get("sleep"):
        time.sleep(event["sleep"])
    return {"slept": event.get("sleep", 0), "pid": os.getpid()}
"""

DIES = """
import os

def lambda_handler(event, context):
    if event.get("die"):
        os._exit(3)
    return {"alive": True}
"""

WAITS_FOR_GO_THEN_SENDS = """
import boto3

def lambda_handler(event, context):
    sqs = boto3.client("sqs")
    while context.get_remaining_time_in_millis() > 2_000:
        if sqs.receive_message(QueueUrl=event["go"], WaitTimeSeconds=1).get("Messages"):
            sqs.send_message(QueueUrl=event["done"], MessageBody="done")
            return
"""


def test_invoke_runs_the_handler_with_its_event_environment_and_context(aws, make_function):
    # GIVEN a function whose handler reports what it sees, including a call back into the emulator
    queue_url = aws.client("sqs").create_queue(QueueName="visible-to-functions")["QueueUrl"]
    function = make_function(ECHO, timeout=7, environment={"MODE": "first"})

    # WHEN it is invoked through the Lambda API
    error, payload = invoke(aws, function.name, {"hello": "world"})

    # THEN the handler ran with the event, its environment, a Lambda-like context and the emulator's endpoint
    assert error is None
    assert payload["event"] == {"hello": "world"}
    assert payload["mode"] == "first"
    assert payload["function_name"] == function.name
    assert payload["memory"] == "128"
    assert 0 < payload["remaining_ms"] <= 7_000
    assert payload["endpoint"] == aws.endpoint_url
    assert queue_url.rsplit("/", 1)[-1] in [url.rsplit("/", 1)[-1] for url in payload["queues"]]


def test_warm_workers_are_reused_until_the_configuration_changes(aws, make_function):
    # GIVEN a function that was invoked once
    function = make_function(ECHO, environment={"MODE": "before"})
    _, first = invoke(aws, function.name)

    # WHEN it is invoked again, then after its environment changed (as fault injection does)
    _, second = invoke(aws, function.name)
    aws.client("lambda").update_function_configuration(
        FunctionName=function.name, Environment={"Variables": {"MODE": "after"}}
    )
    _, third = invoke(aws, function.name)

    # THEN the same warm process served the second call, and a fresh one with the new settings the third
    assert second["pid"] == first["pid"]
    assert third["pid"] != first["pid"]
    assert third["mode"] == "after"


def test_function_logs_reach_the_functions_log_group(aws, make_function):
    # GIVEN a function that prints
    function = make_function(ECHO)

    # WHEN it is invoked
    _, payload = invoke(aws, function.name)

    # THEN its output and the platform lines are in /aws/lambda/<name>
    logs = aws.client("logs")
    group = f"/aws/lambda/{function.name}"

    def messages() -> list[str]:
        found = []
        for stream in logs.describe_log_streams(logGroupName=group)["logStreams"]:
            events = logs.get_log_events(logGroupName=group, logStreamName=stream["logStreamName"])["events"]
            found += [event["message"] for event in events]
        return found

    lines = wait_until(lambda: [m for m in messages() if payload["request_id"] in m])
    assert f"handling {payload['request_id']}" in lines
    assert any(line.startswith(f"REPORT RequestId: {payload['request_id']}") for line in lines)


def test_an_exception_is_a_function_error_with_its_type(aws, make_function):
    # GIVEN a function that raises
    function = make_function(RAISES)

    # WHEN it is invoked
    error, payload = invoke(aws, function.name, {"tag": "x1"})

    # THEN the caller gets a function error shaped like the AWS Python runtime's, and the runtime still serves
    assert error is not None
    assert payload["errorType"] == "ValueError"
    assert payload["errorMessage"] == "bad input x1"
    assert payload["stackTrace"]
    error_again, payload_again = invoke(aws, function.name, {"tag": "x2"})
    assert error_again is not None
    assert payload_again["errorMessage"] == "bad input x2"


def test_a_handler_running_past_its_timeout_is_killed_and_reported(aws, make_function):
    # GIVEN a function with a 1 s timeout, with one warm worker
    function = make_function(SLEEPS, timeout=1)
    _, warm = invoke(aws, function.name, {"sleep": 0})

    # WHEN one invocation sleeps for 30 s (had it run to the end, it would return {"slept": 30})
    error, payload = invoke(aws, function.name, {"sleep": 30})

    # THEN it is a timed-out function error (the runner's own, at the timeout), and the function keeps
    # serving from a fresh worker: the timed-out one was killed, not reused
    assert error is not None
    assert payload["errorType"] == "Sandbox.Timedout"
    assert "Task timed out after 1.00 seconds" in payload["errorMessage"]
    error_after, after = invoke(aws, function.name, {"sleep": 0})
    assert error_after is None and after["slept"] == 0
    assert after["pid"] != warm["pid"]


def test_a_worker_process_that_dies_is_a_function_error(aws, make_function):
    # GIVEN a function whose process can exit abruptly
    function = make_function(DIES)

    # WHEN one invocation kills its own process
    error, payload = invoke(aws, function.name, {"die": True})

    # THEN the caller gets a runtime exit error, and the next invocation is served by a new worker
    assert error is not None
    assert payload["errorType"] == "Runtime.ExitError"
    assert "exit status 3" in payload["errorMessage"]
    assert invoke(aws, function.name, {}) == (None, {"alive": True})


def test_a_handler_that_cannot_be_imported_is_a_function_error(aws, make_function):
    # GIVEN a function whose module imports a package that does not exist
    function = make_function(
        "import package_that_does_not_exist\n\ndef lambda_handler(event, context):\n    return 1\n"
    )

    # WHEN it is invoked
    error, payload = invoke(aws, function.name)

    # THEN the init failure is reported as AWS does
    assert error is not None
    assert payload["errorType"] == "Runtime.ImportModuleError"
    assert "package_that_does_not_exist" in payload["errorMessage"]


def test_an_event_invocation_returns_before_the_function_finishes_and_runs_in_the_background(
    aws, make_function
):
    # GIVEN a function that finishes only once the test sends "go", and then leaves a trace in a queue
    sqs = aws.client("sqs")
    go_url = sqs.create_queue(QueueName=unique("event-go"))["QueueUrl"]
    done_url = sqs.create_queue(QueueName=unique("event-done"))["QueueUrl"]
    function = make_function(WAITS_FOR_GO_THEN_SENDS, timeout=60)

    # WHEN it is invoked asynchronously
    response = aws.client("lambda").invoke(
        FunctionName=function.name,
        InvocationType="Event",
        Payload=json.dumps({"go": go_url, "done": done_url}),
    )

    # THEN the call returned 202 while the function could not have finished (it has not been told to),
    # and the function still runs to the end once it may
    assert response["StatusCode"] == 202
    assert queue_depth(aws, done_url) == (0, 0)
    sqs.send_message(QueueUrl=go_url, MessageBody="go")
    wait_until(lambda: queue_depth(aws, done_url)[0] == 1, timeout=60)
