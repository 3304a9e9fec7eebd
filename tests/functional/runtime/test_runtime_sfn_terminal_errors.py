"""Errors no ``States.ALL`` catches, the 256 KiB payload quota and execution names, as on AWS.

AWS, "Handling errors in Step Functions workflows": States.ALL can't catch States.DataLimitExceeded nor
States.Runtime; States.Runtime is never retried nor caught. StartExecution API reference: input at most
262,144 bytes; an unnamed execution gets a UUID.
"""

from __future__ import annotations

import json
import re

import botocore.exceptions
import pytest
from sfn_helpers import create_machine, run, start, state_names_entered, wait_for_end

from migration_runtime.aws_limits import STATES_MAX_PAYLOAD_BYTES

RETURNS_BIG = """
def lambda_handler(event, context):
    return {"blob": "x" * event["size"]}
"""

SLEEPS = """
import time

def lambda_handler(event, context):
    time.sleep(event["seconds"])
    return {}
"""

HANDLED = {"Type": "Pass", "Result": {"handled": True}, "End": True}


def catching(errors: list[str], state: dict) -> dict:
    """A definition whose one Task/Parallel state is caught by ``errors`` into the state ``Handled``."""
    return {
        "StartAt": "Work",
        "States": {
            "Work": {**state, "Catch": [{"ErrorEquals": errors, "Next": "Handled"}], "End": True},
            "Handled": HANDLED,
        },
    }


def parallel_of(*states: tuple[str, dict]) -> dict:
    branch_states = dict(states)
    return {
        "Type": "Parallel",
        "Branches": [{"StartAt": states[0][0], "States": branch_states}],
    }


def test_an_oversized_task_result_is_not_caught_by_states_all(aws, make_function, role_arn):
    # GIVEN a Lambda task returning 300 KiB, retried and caught with States.ALL
    function = make_function(RETURNS_BIG)
    task = {
        "Type": "Task",
        "Resource": function.arn,
        "Retry": [{"ErrorEquals": ["States.ALL"], "MaxAttempts": 2, "IntervalSeconds": 1}],
    }

    # WHEN the state machine runs
    execution = run(aws, role_arn, catching(["States.ALL"], task), {"size": 300 * 1024})

    # THEN the execution fails with States.DataLimitExceeded and the catcher's state never runs
    assert execution["status"] == "FAILED"
    assert execution["error"] == "States.DataLimitExceeded"
    assert "Handled" not in state_names_entered(aws, execution["executionArn"])


def test_a_catcher_naming_data_limit_exceeded_catches_it(aws, make_function, role_arn):
    # GIVEN the same oversized task, caught by a catcher that names States.DataLimitExceeded
    function = make_function(RETURNS_BIG)
    task = {"Type": "Task", "Resource": function.arn}

    # WHEN the state machine runs
    execution = run(aws, role_arn, catching(["States.DataLimitExceeded"], task), {"size": 300 * 1024})

    # THEN the catcher runs and the execution succeeds
    assert execution["status"] == "SUCCEEDED", execution.get("cause")
    assert json.loads(execution["output"]) == {"handled": True}


def test_an_oversized_state_output_fails_the_execution_even_inside_a_caught_parallel(aws, role_arn):
    # GIVEN a Pass state (in a Parallel caught by every name) whose output is over the quota
    big = parallel_of(("Big", {"Type": "Pass", "Result": "x" * (STATES_MAX_PAYLOAD_BYTES + 1), "End": True}))
    definition = catching(["States.ALL"], big)

    # WHEN it runs
    execution = run(aws, role_arn, definition)

    # THEN the execution fails with States.DataLimitExceeded
    assert execution["status"] == "FAILED"
    assert execution["error"] == "States.DataLimitExceeded"
    assert "Handled" not in state_names_entered(aws, execution["executionArn"])


def test_a_payload_of_exactly_the_quota_is_allowed(aws, role_arn):
    # GIVEN a Pass state whose JSON output is exactly 262,144 bytes (a string plus its two quotes)
    definition = {
        "StartAt": "Edge",
        "States": {"Edge": {"Type": "Pass", "Result": "x" * (STATES_MAX_PAYLOAD_BYTES - 2), "End": True}},
    }

    # WHEN it runs / THEN it succeeds
    assert run(aws, role_arn, definition)["status"] == "SUCCEEDED"


def test_an_execution_input_over_the_quota_is_refused(aws, role_arn):
    # GIVEN a state machine
    machine = create_machine(aws, role_arn, {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}})

    # WHEN it is started with an input one byte over the quota
    oversized = json.dumps({"blob": "x" * STATES_MAX_PAYLOAD_BYTES})

    # THEN StartExecution refuses it, as AWS does with a length constraint; at the quota it starts
    with pytest.raises(botocore.exceptions.ClientError) as refused:
        aws.client("stepfunctions").start_execution(stateMachineArn=machine, input=oversized)
    assert refused.value.response["Error"]["Code"] == "ValidationException"
    at_quota = json.dumps({"b": "x" * (STATES_MAX_PAYLOAD_BYTES - len('{"b": ""}'))})
    assert len(at_quota.encode()) == STATES_MAX_PAYLOAD_BYTES
    assert wait_for_end(aws, start_raw(aws, machine, at_quota))["status"] == "SUCCEEDED"


def start_raw(aws, machine: str, execution_input: str) -> str:
    return aws.client("stepfunctions").start_execution(stateMachineArn=machine, input=execution_input)[
        "executionArn"
    ]


def test_states_runtime_is_neither_retried_nor_caught(aws, role_arn):
    # GIVEN a Parallel whose branch reads a path that is not there (States.Runtime on AWS), with a
    # Retrier and Catchers for States.ALL and for States.Runtime by name
    missing_path = parallel_of(("Read", {"Type": "Pass", "InputPath": "$.missing", "End": True}))
    missing_path["Retry"] = [{"ErrorEquals": ["States.ALL"], "MaxAttempts": 3, "IntervalSeconds": 1}]
    definition = catching(["States.ALL"], missing_path)
    definition["States"]["Work"]["Catch"].insert(0, {"ErrorEquals": ["States.Runtime"], "Next": "Handled"})

    # WHEN it runs
    execution = run(aws, role_arn, definition, {"present": 1})

    # THEN the execution fails with States.Runtime at once: the branch ran once, nothing caught it
    assert execution["status"] == "FAILED"
    assert execution["error"] == "States.Runtime"
    entered = state_names_entered(aws, execution["executionArn"])
    assert entered.count("Read") == 1
    assert "Handled" not in entered


def test_a_branch_failing_with_a_states_error_is_caught_by_its_name(aws, make_function, role_arn):
    # GIVEN a Parallel whose branch task times out (States.Timeout), caught by that name
    function = make_function(SLEEPS)
    sleepy = parallel_of(
        ("Sleep", {"Type": "Task", "Resource": function.arn, "TimeoutSeconds": 1, "End": True})
    )

    # WHEN it runs
    execution = run(aws, role_arn, catching(["States.Timeout"], sleepy), {"seconds": 4})

    # THEN the Parallel state's catcher handles it (moto used to turn it into States.Runtime)
    assert execution["status"] == "SUCCEEDED", execution.get("cause")
    assert json.loads(execution["output"]) == {"handled": True}


def test_unnamed_executions_get_a_uuid_name(aws, role_arn):
    # GIVEN a state machine
    machine = create_machine(aws, role_arn, {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}})

    # WHEN it is started twice without a name
    first, second = start(aws, machine), start(aws, machine)

    # THEN each execution has its own UUID name, in its ARN and in DescribeExecution
    uuid_pattern = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
    names = [wait_for_end(aws, arn)["name"] for arn in (first, second)]
    assert all(uuid_pattern.fullmatch(name) for name in names)
    assert names[0] != names[1]
    assert first.endswith(":" + names[0])
