"""Child executions (``states:startExecution`` plain, ``.sync``, ``.sync:2``) and workflow variables.

AWS: "Start a new AWS Step Functions state machine from a running execution" (a failed, timed-out or
aborted child fails the parent's task with States.TaskFailed) and "Passing data between states with
variables" (``$n`` in JSONPath states, intrinsics included).
"""

from __future__ import annotations

import json

from runtime_helpers import unique, wait_until
from sfn_helpers import create_machine, run, wait_for_end

ECHO_CHILD = {
    "StartAt": "Echo",
    "States": {"Echo": {"Type": "Pass", "Parameters": {"child": True, "got.$": "$"}, "End": True}},
}


def parent_of(resource: str, child_arn: str, **task: object) -> dict:
    return {
        "StartAt": "Child",
        "States": {
            "Child": {
                "Type": "Task",
                "Resource": f"arn:aws:states:::states:{resource}",
                "Parameters": {"StateMachineArn": child_arn, "Input": {"a": 1}},
                "End": True,
                **task,
            },
            "Handled": {"Type": "Pass", "End": True},
        },
    }


def caught_parent(resource: str, child_arn: str) -> dict:
    """A parent whose task catches States.TaskFailed into ``$.failure`` and ends in ``Handled``."""
    catch = [{"ErrorEquals": ["States.TaskFailed"], "ResultPath": "$.failure", "Next": "Handled"}]
    return parent_of(resource, child_arn, Catch=catch)


def test_sync_2_waits_for_the_child_and_returns_its_output_as_json(aws, role_arn):
    # GIVEN a child that echoes its input
    child = create_machine(aws, role_arn, ECHO_CHILD)

    # WHEN a parent runs it with startExecution.sync:2
    execution = run(aws, role_arn, parent_of("startExecution.sync:2", child))

    # THEN the parent gets the child's description with Output as JSON
    assert execution["status"] == "SUCCEEDED", execution.get("cause")
    output = json.loads(execution["output"])
    assert output["Status"] == "SUCCEEDED"
    assert output["StateMachineArn"] == child
    assert output["Output"] == {"child": True, "got": {"a": 1}}


def test_sync_returns_the_childs_output_as_text(aws, role_arn):
    # GIVEN the echoing child / WHEN a parent runs it with startExecution.sync
    child = create_machine(aws, role_arn, ECHO_CHILD)
    execution = run(aws, role_arn, parent_of("startExecution.sync", child))

    # THEN the child's output reaches the parent as JSON text
    assert execution["status"] == "SUCCEEDED", execution.get("cause")
    output = json.loads(execution["output"])
    assert isinstance(output["Output"], str)
    assert json.loads(output["Output"]) == {"child": True, "got": {"a": 1}}


def test_plain_start_execution_returns_at_once_with_the_childs_arn(aws, role_arn):
    # GIVEN a child that waits long
    child = create_machine(
        aws, role_arn, {"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 600, "End": True}}}
    )

    # WHEN a parent starts it without waiting
    execution = run(aws, role_arn, parent_of("startExecution", child))

    # THEN the parent ends with the child's ARN while the child still runs
    assert execution["status"] == "SUCCEEDED", execution.get("cause")
    child_execution = json.loads(execution["output"])["ExecutionArn"]
    sfn = aws.client("stepfunctions")
    assert sfn.describe_execution(executionArn=child_execution)["status"] == "RUNNING"
    sfn.stop_execution(executionArn=child_execution)


def test_a_failed_child_fails_the_parents_task_with_task_failed_which_the_parent_catches(aws, role_arn):
    # GIVEN a child that fails
    child = create_machine(
        aws,
        role_arn,
        {"StartAt": "F", "States": {"F": {"Type": "Fail", "Error": "ChildBoom", "Cause": "bad"}}},
    )

    # WHEN a parent runs it with .sync:2, catching States.TaskFailed
    execution = run(aws, role_arn, caught_parent("startExecution.sync:2", child))

    # THEN the parent's catcher got States.TaskFailed, the cause carrying the child's error
    assert execution["status"] == "SUCCEEDED", execution.get("cause")
    failure = json.loads(execution["output"])["failure"]
    assert failure["Error"] == "States.TaskFailed"
    described = json.loads(failure["Cause"])
    assert (described["Status"], described["Error"], described["Cause"]) == ("FAILED", "ChildBoom", "bad")


def test_a_timed_out_child_fails_the_parents_task(aws, role_arn):
    # GIVEN a child that times out
    child = create_machine(
        aws,
        role_arn,
        {"TimeoutSeconds": 1, "StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 600, "End": True}}},
    )

    # WHEN a parent runs it with .sync, uncaught
    execution = run(aws, role_arn, parent_of("startExecution.sync", child))

    # THEN the parent fails with States.TaskFailed naming the child's status
    assert execution["status"] == "FAILED"
    assert execution["error"] == "States.TaskFailed"
    assert json.loads(execution["cause"])["Status"] == "TIMED_OUT"


def test_an_aborted_child_fails_the_parents_task(aws, role_arn):
    # GIVEN a parent running a long child with .sync:2, catching States.TaskFailed
    name = unique("child")
    child = create_machine(
        aws, role_arn, {"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 600, "End": True}}}
    )
    definition = caught_parent("startExecution.sync:2", child)
    definition["States"]["Child"]["Parameters"]["Name"] = name
    sfn = aws.client("stepfunctions")
    parent = sfn.start_execution(stateMachineArn=create_machine(aws, role_arn, definition))["executionArn"]
    child_execution = child.replace(":stateMachine:", ":execution:") + ":" + name
    wait_until(lambda: _exists(sfn, child_execution), timeout=30)

    # WHEN the child is stopped
    sfn.stop_execution(executionArn=child_execution)

    # THEN the parent's task fails with States.TaskFailed (child ABORTED), and the parent catches it
    execution = wait_for_end(aws, parent)
    assert execution["status"] == "SUCCEEDED", execution.get("cause")
    failure = json.loads(execution["output"])["failure"]
    assert failure["Error"] == "States.TaskFailed"
    assert json.loads(failure["Cause"])["Status"] == "ABORTED"


def _exists(sfn, execution_arn: str) -> bool:
    try:
        sfn.describe_execution(executionArn=execution_arn)
    except sfn.exceptions.ExecutionDoesNotExist:
        return False
    return True


def test_assign_with_an_intrinsic_reading_a_variable_counts_in_a_loop(aws, role_arn):
    # GIVEN a loop that counts with Assign and States.MathAdd($n, 1), tested by a Choice on $n
    definition = {
        "StartAt": "Init",
        "States": {
            "Init": {"Type": "Pass", "Assign": {"n": 0, "order": {"id": "o-1"}}, "Next": "Inc"},
            "Inc": {"Type": "Pass", "Assign": {"n.$": "States.MathAdd($n, 1)"}, "Next": "Check"},
            "Check": {
                "Type": "Choice",
                "Choices": [{"Variable": "$n", "NumericLessThan": 3, "Next": "Inc"}],
                "Default": "Done",
            },
            "Done": {"Type": "Pass", "Parameters": {"n.$": "$n", "order.$": "$order.id"}, "End": True},
        },
    }

    # WHEN it runs
    execution = run(aws, role_arn, definition)

    # THEN it counted to 3 and read the nested variable, as on AWS
    assert execution["status"] == "SUCCEEDED", execution.get("cause")
    assert json.loads(execution["output"]) == {"n": 3, "order": "o-1"}
