"""State machines really execute, their Lambda tasks run the real code, aws-sdk tasks take AWS spelling."""

from __future__ import annotations

import json

from runtime_helpers import unique, wait_until

REPORTS_PID = """
import os

def lambda_handler(event, context):
    return {"pid": os.getpid(), "got": event, "function": context.function_name}
"""


def run_execution(aws, role_arn: str, definition: dict, execution_input: dict) -> dict:
    sfn = aws.client("stepfunctions")
    machine = sfn.create_state_machine(name=unique("sm"), definition=json.dumps(definition), roleArn=role_arn)
    execution = sfn.start_execution(
        stateMachineArn=machine["stateMachineArn"], input=json.dumps(execution_input)
    )["executionArn"]
    return wait_until(
        lambda: (d := sfn.describe_execution(executionArn=execution))["status"] != "RUNNING" and d, timeout=30
    )


def test_aws_sdk_tasks_accept_the_aws_sdk_v2_spelling(aws, make_function, role_arn):
    # GIVEN a disabled SQS mapping
    function = make_function(REPORTS_PID)
    sqs = aws.client("sqs")
    queue_url = sqs.create_queue(QueueName=unique("sfn-queue"))["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    uuid = aws.client("lambda").create_event_source_mapping(
        EventSourceArn=queue_arn, FunctionName=function.name, Enabled=False
    )["UUID"]

    # WHEN a state machine enables it and reads it back, spelling the id "Uuid" as on AWS
    definition = {
        "StartAt": "Enable",
        "States": {
            "Enable": {
                "Type": "Task",
                "Resource": "arn:aws:states:::aws-sdk:lambda:updateEventSourceMapping",
                "Parameters": {"Uuid.$": "$.uuid", "Enabled": True},
                "ResultPath": None,
                "Next": "Read",
            },
            "Read": {
                "Type": "Task",
                "Resource": "arn:aws:states:::aws-sdk:lambda:getEventSourceMapping",
                "Parameters": {"Uuid.$": "$.uuid"},
                "ResultSelector": {"state.$": "$.State", "uuid.$": "$.Uuid", "modified.$": "$.LastModified"},
                "End": True,
            },
        },
    }
    execution = run_execution(aws, role_arn, definition, {"uuid": uuid})

    # THEN the execution succeeds, answers in AWS's spelling, and the mapping is enabled
    assert execution["status"] == "SUCCEEDED", execution.get("cause")
    output = json.loads(execution["output"])
    assert output["state"] == "Enabled"
    assert output["uuid"] == uuid
    assert isinstance(output["modified"], str)
    assert aws.client("lambda").get_event_source_mapping(UUID=uuid)["State"] == "Enabled"


def test_lambda_tasks_run_the_functions_code(aws, make_function, role_arn):
    # GIVEN a function reporting its process id
    function = make_function(REPORTS_PID)

    # WHEN a state machine calls it through the optimised integration and through its plain ARN
    definition = {
        "StartAt": "Optimised",
        "States": {
            "Optimised": {
                "Type": "Task",
                "Resource": "arn:aws:states:::lambda:invoke",
                "Parameters": {"FunctionName": function.arn, "Payload": {"via": "lambda:invoke"}},
                "ResultSelector": {"result.$": "$.Payload"},
                "ResultPath": "$.optimised",
                "Next": "Plain",
            },
            "Plain": {
                "Type": "Task",
                "Resource": function.arn,
                "Parameters": {"via": "function arn"},
                "ResultPath": "$.plain",
                "End": True,
            },
        },
    }
    execution = run_execution(aws, role_arn, definition, {})

    # THEN both tasks ran the handler in a worker process
    assert execution["status"] == "SUCCEEDED", execution.get("cause")
    output = json.loads(execution["output"])
    assert output["optimised"]["result"]["got"] == {"via": "lambda:invoke"}
    assert output["plain"]["got"] == {"via": "function arn"}
    assert output["plain"]["function"] == function.name
    assert output["optimised"]["result"]["pid"] > 0


def test_a_function_error_in_a_task_is_catchable_by_its_error_type(aws, make_function, role_arn):
    # GIVEN a function that raises a KeyError
    function = make_function("def lambda_handler(event, context):\n    raise KeyError('missing')\n")

    # WHEN a state machine calls it with a Catch on that error type
    definition = {
        "StartAt": "Call",
        "States": {
            "Call": {
                "Type": "Task",
                "Resource": "arn:aws:states:::lambda:invoke",
                "Parameters": {"FunctionName": function.name, "Payload": {}},
                "Catch": [{"ErrorEquals": ["KeyError"], "ResultPath": "$.error", "Next": "Caught"}],
                "End": True,
            },
            "Caught": {"Type": "Pass", "End": True},
        },
    }
    execution = run_execution(aws, role_arn, definition, {})

    # THEN the Catch matched the handler's exception type
    assert execution["status"] == "SUCCEEDED", execution.get("cause")
    assert json.loads(execution["output"])["error"]["Error"] == "KeyError"


def test_the_request_counter_counts_per_service_including_function_and_task_calls(
    aws, make_function, role_arn
):
    # GIVEN a function that calls SQS twice, and a clean counter
    function = make_function(
        "import boto3\n\ndef lambda_handler(event, context):\n"
        "    sqs = boto3.client('sqs')\n    sqs.list_queues()\n    sqs.list_queues()\n    return 1\n"
    )
    aws.requests.reset()

    # WHEN it is invoked once directly and once by a state machine task
    aws.client("lambda").invoke(FunctionName=function.name, Payload=b"{}")
    definition = {
        "StartAt": "Call",
        "States": {"Call": {"Type": "Task", "Resource": function.arn, "End": True}},
    }
    run_execution(aws, role_arn, definition, {})

    # THEN the user's own calls exclude the pollers, and every service hit is counted
    counts = aws.requests.snapshot(include_internal=False)
    assert counts["sqs"] == 4
    # invoke (direct) + invoke (task); the states calls are create + start + the describe polls
    assert counts["lambda"] == 2
    assert counts["states"] >= 3
    assert aws.requests.snapshot()["sqs"] >= counts["sqs"]
    aws.requests.reset()
    assert aws.requests.snapshot(include_internal=False) == {}
