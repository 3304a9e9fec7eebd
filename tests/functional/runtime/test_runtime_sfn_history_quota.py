"""An execution fails when its history reaches the quota, whatever catches it would seem to have.

AWS, "Step Functions service quotas": 25,000 events per execution history, then the execution fails. The
runtime takes the quota as an option, so this module runs an emulator with a small one.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from sfn_helpers import create_machine, history, run

from embedded_aws import EmbeddedAws

QUOTA = 60

ENDLESS_LOOP = {
    "StartAt": "Step",
    "States": {
        "Step": {"Type": "Pass", "Next": "Again"},
        "Again": {
            "Type": "Choice",
            "Choices": [{"Variable": "$.stop", "IsPresent": True, "Next": "Done"}],
            "Default": "Step",
        },
        "Done": {"Type": "Succeed"},
    },
}


# Counts to 8 with a variable: about 40 history events, two thirds of the quota.
COUNTS_TO_EIGHT = {
    "StartAt": "Init",
    "States": {
        "Init": {"Type": "Pass", "Assign": {"n": 0}, "Next": "Inc"},
        "Inc": {"Type": "Pass", "Assign": {"n.$": "States.MathAdd($n, 1)"}, "Next": "Check"},
        "Check": {
            "Type": "Choice",
            "Choices": [{"Variable": "$n", "NumericLessThan": 8, "Next": "Inc"}],
            "Default": "Done",
        },
        "Done": {"Type": "Succeed"},
    },
}


@pytest.fixture(scope="module")
def aws() -> Iterator[EmbeddedAws]:
    with EmbeddedAws(states_history_quota=QUOTA) as emulator:
        yield emulator


def test_a_loop_inside_a_caught_parallel_fails_at_the_history_quota(aws, role_arn):
    # GIVEN an endless loop inside a Parallel state that catches States.ALL
    definition = {
        "StartAt": "Work",
        "States": {
            "Work": {
                "Type": "Parallel",
                "Branches": [ENDLESS_LOOP],
                "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Handled"}],
                "End": True,
            },
            "Handled": {"Type": "Pass", "End": True},
        },
    }

    # WHEN it runs
    execution = run(aws, role_arn, definition)

    # THEN it fails with States.Runtime once its history holds the quota, and nothing caught it
    assert execution["status"] == "FAILED"
    assert execution["error"] == "States.Runtime"
    assert f"maximum number of history events ({QUOTA})" in execution["cause"]
    events = history(aws, execution["executionArn"])
    assert QUOTA <= len(events) <= QUOTA + 5  # the failure's own events come after the quota
    assert events[-1]["type"] == "ExecutionFailed"
    assert not any(e.get("stateEnteredEventDetails", {}).get("name") == "Handled" for e in events)


def test_an_execution_under_the_quota_is_not_affected(aws, role_arn):
    # GIVEN the same loop told to stop at once
    # WHEN it runs / THEN it succeeds, its history under the quota
    execution = run(aws, role_arn, ENDLESS_LOOP, {"stop": True})
    assert execution["status"] == "SUCCEEDED", execution.get("cause")
    assert len(history(aws, execution["executionArn"])) < QUOTA


def test_the_quota_must_be_positive():
    # GIVEN / WHEN a runtime is configured with no history at all / THEN it is refused before it starts
    with pytest.raises(ValueError, match="states_history_quota"):
        EmbeddedAws(states_history_quota=0)


def test_each_child_execution_has_its_own_history_budget(aws, role_arn):
    # GIVEN a child using two thirds of the quota, and a parent running it three times (together far
    # more than the quota) and then a child that loops for ever, catching the task failure
    counting = create_machine(aws, role_arn, COUNTS_TO_EIGHT)
    endless = create_machine(aws, role_arn, ENDLESS_LOOP)

    def run_child(name: str, child: str, next_state: str) -> dict:
        return {
            "Type": "Task",
            "Resource": "arn:aws:states:::states:startExecution.sync:2",
            "Parameters": {"StateMachineArn": child},
            "ResultSelector": {"status.$": "$.Status"},
            "ResultPath": f"$.{name}",
            "Next": next_state,
        }

    definition = {
        "StartAt": "First",
        "States": {
            "First": run_child("first", counting, "Second"),
            "Second": run_child("second", counting, "Third"),
            "Third": run_child("third", counting, "Endless"),
            "Endless": {
                **run_child("endless", endless, "Done"),
                "Catch": [{"ErrorEquals": ["States.TaskFailed"], "ResultPath": "$.endless", "Next": "Done"}],
            },
            "Done": {"Type": "Succeed"},
        },
    }

    # WHEN the parent runs
    execution = run(aws, role_arn, definition)

    # THEN the three children succeed on their own budgets, the endless one fails at the quota, and its
    # failure reaches the parent as a catchable task failure
    assert execution["status"] == "SUCCEEDED", execution.get("cause")
    output = json.loads(execution["output"])
    assert [output[n]["status"] for n in ("first", "second", "third")] == ["SUCCEEDED"] * 3
    assert output["endless"]["Error"] == "States.TaskFailed"
    endless = json.loads(output["endless"]["Cause"])
    assert (endless["Status"], endless["Error"]) == ("FAILED", "States.Runtime")
    assert len(history(aws, execution["executionArn"])) < QUOTA
    children = aws.client("stepfunctions").list_executions(stateMachineArn=counting)["executions"]
    assert sum(len(history(aws, child["executionArn"])) for child in children) > QUOTA
    children = aws.client("stepfunctions").list_executions(stateMachineArn=counting)["executions"]
    assert sum(len(history(aws, child["executionArn"])) for child in children) > QUOTA
