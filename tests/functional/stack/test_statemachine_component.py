"""The MigrationStateMachine component under Pulumi mocks: wiring, exact IAM statements, logging, tracing."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import pytest

from components.migration_state_machine import (
    LOG_DELIVERY_ACTIONS,
    TRACING_ACTIONS,
    MigrationStateMachine,
    MigrationStateMachineArgs,
)
from tests.functional.stack.pulumi_harness import ACCOUNT, REGION, CapturedStack, run_in_mocks

STATE_MACHINE = "aws:sfn/stateMachine:StateMachine"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
ARN = f"arn:aws:{{}}:{REGION}:{ACCOUNT}:{{}}"
ARGS = MigrationStateMachineArgs(
    legacy_mapping_uuid="legacy-uuid",
    new_mapping_uuid="new-uuid",
    capture_mapping_uuid="capture-uuid",
    capture_function_arn=ARN.format("lambda", "function:capture"),
    intake_queue_url="https://sqs/intake",
    intake_queue_arn=ARN.format("sqs", "intake"),
    intake_minimum_visibility_timeout_seconds=180,
    intake_consumer_timeout_seconds=30,
    migration_queue_url="https://sqs/migration",
    migration_queue_arn=ARN.format("sqs", "migration"),
    migration_dlq_arn=ARN.format("sqs", "migration-dlq"),
    legacy_table_name="legacy",
    legacy_table_arn=ARN.format("dynamodb", "table/legacy"),
    enqueue_records_function_arn=ARN.format("lambda", "function:enqueue"),
    validate_migration_function_arn=ARN.format("lambda", "function:validate"),
    control_table_name="control",
    control_table_arn=ARN.format("dynamodb", "table/control"),
)


@pytest.fixture(scope="module")
def captured() -> CapturedStack:
    return run_in_mocks(lambda: MigrationStateMachine("migration", ARGS))


def statements_by_sid(captured: CapturedStack) -> dict[str, dict[str, Any]]:
    """Every statement of the role's policies (the base one and the child-execution one)."""
    statements: dict[str, dict[str, Any]] = {}
    for policy in captured.of_type(ROLE_POLICY):
        for statement in json.loads(policy.inputs["policy"])["Statement"]:
            assert statement["Sid"] not in statements, statement["Sid"]
            statements[statement["Sid"]] = statement
    return statements


def machines(captured: CapturedStack) -> dict[str, Any]:
    """The three state machines by resource name."""
    return {machine.name: machine for machine in captured.of_type(STATE_MACHINE)}


def migration_machine(captured: CapturedStack) -> Any:
    return machines(captured)["migration-state-machine"]


def test_every_child_belongs_to_the_component(captured: CapturedStack) -> None:
    (component,) = captured.of_type("onboarding:components:MigrationStateMachine")
    children = {resource.type for resource in captured.children_of(component)}

    assert children == {
        "aws:sns/topic:Topic",
        "aws:cloudwatch/logGroup:LogGroup",
        "aws:iam/role:Role",
        ROLE_POLICY,
        STATE_MACHINE,
    }


def test_definition_is_rendered_with_the_stack_values(captured: CapturedStack) -> None:
    # GIVEN the migration and its two children
    by_name = machines(captured)
    assert set(by_name) == {
        "migration-state-machine",
        "migration-wait-until-quiet",
        "migration-enqueue-segment",
    }
    definition = by_name["migration-state-machine"].inputs["definition"]

    # THEN every placeholder is filled: the mappings, the children's ARNs, the timeout
    assert all("${" not in machine.inputs["definition"] for machine in by_name.values())
    assert '"Uuid":"legacy-uuid"' in definition and '"Uuid":"new-uuid"' in definition
    for child in ("migration-wait-until-quiet", "migration-enqueue-segment"):
        assert by_name[child].outputs["arn"] in definition
    assert (
        ARN.format("lambda", "function:enqueue") in by_name["migration-enqueue-segment"].inputs["definition"]
    )
    assert json.loads(definition)["StartAt"] == "SetupDefaults"
    assert json.loads(definition)["TimeoutSeconds"] == ARGS.execution_timeout_seconds


def test_logging_is_complete_and_tracing_is_on(captured: CapturedStack) -> None:
    (log_group,) = captured.of_type("aws:cloudwatch/logGroup:LogGroup")
    assert log_group.inputs["name"].startswith("/aws/vendedlogs/states/")
    for machine in captured.of_type(STATE_MACHINE):
        logging = machine.inputs["loggingConfiguration"]
        assert logging["level"] == "ALL"
        assert logging["includeExecutionData"] is True
        assert logging["logDestination"] == f"{log_group.outputs['arn']}:*"
        assert machine.inputs["tracingConfiguration"] == {"enabled": True}
        assert machine.inputs["type"] == "STANDARD"


def test_the_state_machines_wait_for_their_permissions(captured: CapturedStack) -> None:
    policies = {policy.name: policy.urn for policy in captured.of_type(ROLE_POLICY)}
    by_name = machines(captured)

    # The children need the base policy (log delivery is checked at creation); the migration both.
    for child in ("migration-wait-until-quiet", "migration-enqueue-segment"):
        assert policies["migration-access"] in by_name[child].dependencies
    assert set(policies.values()) <= set(by_name["migration-state-machine"].dependencies)


def test_role_is_assumable_only_by_step_functions_of_this_account(captured: CapturedStack) -> None:
    (role,) = captured.of_type("aws:iam/role:Role")
    (statement,) = json.loads(role.inputs["assumeRolePolicy"])["Statement"]

    assert statement["Principal"] == {"Service": "states.amazonaws.com"}
    assert statement["Condition"] == {"StringEquals": {"aws:SourceAccount": ACCOUNT}}


def test_each_statement_grants_exactly_what_the_definition_calls_on_exactly_its_resources(
    captured: CapturedStack,
) -> None:
    statements = statements_by_sid(captured)
    (topic,) = captured.of_type("aws:sns/topic:Topic")
    by_name = machines(captured)
    children = [by_name["migration-wait-until-quiet"], by_name["migration-enqueue-segment"]]
    mapping = f"arn:aws:lambda:{REGION}:{ACCOUNT}:event-source-mapping:{{}}"
    expected: dict[str, tuple[list[str], Any]] = {
        "InvokeMigrationFunctions": (
            ["lambda:InvokeFunction"],
            [
                ARGS.enqueue_records_function_arn,
                f"{ARGS.enqueue_records_function_arn}:*",
                ARGS.validate_migration_function_arn,
                f"{ARGS.validate_migration_function_arn}:*",
                # the catch-up sentinels, placed by the capture function
                str(ARGS.capture_function_arn),
                f"{ARGS.capture_function_arn}:*",
            ],
        ),
        "PauseAndResumeConsumers": (
            ["lambda:UpdateEventSourceMapping", "lambda:GetEventSourceMapping"],
            [mapping.format("legacy-uuid"), mapping.format("new-uuid"), mapping.format("capture-uuid")],
        ),
        "ReadQueueDepths": (["sqs:GetQueueAttributes"], [ARGS.intake_queue_arn, ARGS.migration_queue_arn]),
        "RedriveReadSource": (
            [
                "sqs:StartMessageMoveTask",
                "sqs:ListMessageMoveTasks",
                "sqs:ReceiveMessage",
                "sqs:DeleteMessage",
                "sqs:GetQueueAttributes",
            ],
            [ARGS.migration_dlq_arn],
        ),
        "RedriveWriteDestination": (["sqs:SendMessage"], [ARGS.migration_queue_arn]),
        "BackUpLegacyTable": (["dynamodb:CreateBackup"], [ARGS.legacy_table_arn]),
        "WriteSentinelsToLegacyTable": (
            ["dynamodb:PutItem", "dynamodb:DeleteItem", "dynamodb:BatchWriteItem"],
            [ARGS.legacy_table_arn],
        ),
        "AskAtTheGate": (["sns:Publish"], [topic.outputs["arn"]]),
        "RecordRunsInControlTable": (
            # Query: the drain counts the intake messages the new consumer failed.
            [
                "dynamodb:PutItem",
                "dynamodb:GetItem",
                "dynamodb:UpdateItem",
                "dynamodb:DeleteItem",
                "dynamodb:Query",
            ],
            [ARGS.control_table_arn],
        ),
        "StartChildExecutions": (["states:StartExecution"], [child.outputs["arn"] for child in children]),
        "FollowChildExecutions": (
            ["states:DescribeExecution", "states:StopExecution"],
            [f"arn:aws:states:{REGION}:{ACCOUNT}:execution:{child.outputs['name']}:*" for child in children],
        ),
        "ManagedRuleForSyncChildren": (
            ["events:PutTargets", "events:PutRule", "events:DescribeRule"],
            [f"arn:aws:events:{REGION}:{ACCOUNT}:rule/StepFunctionsGetEventsForStepFunctionsExecutionRule"],
        ),
        "DeliverExecutionLogs": (list(LOG_DELIVERY_ACTIONS), "*"),
        "WriteTraces": (list(TRACING_ACTIONS), "*"),
    }

    assert set(statements) == set(expected)
    for sid, (actions, resources) in expected.items():
        assert statements[sid]["Effect"] == "Allow"
        assert statements[sid]["Action"] == actions, sid
        assert statements[sid]["Resource"] == resources, sid


def test_no_wildcard_action_and_star_resources_only_where_aws_has_no_resource_scope(
    captured: CapturedStack,
) -> None:
    for sid, statement in statements_by_sid(captured).items():
        assert not [action for action in statement["Action"] if "*" in action], sid
        if statement["Resource"] == "*":
            assert all(action.startswith(("logs:", "xray:")) for action in statement["Action"]), sid


def _task_states(states: dict[str, Any]) -> list[dict[str, Any]]:
    tasks = []
    for state in states.values():
        if state["Type"] == "Task":
            tasks.append(state)
        elif state["Type"] == "Map":
            tasks.extend(_task_states(state["ItemProcessor"]["States"]))
    return tasks


def _needed_actions(task: dict[str, Any]) -> set[str]:
    resource = task["Resource"]
    if resource == "arn:aws:states:::aws-sdk:dynamodb:transactWriteItems":
        # No IAM action of its own: each item needs the action it performs.
        return {f"dynamodb:{kind}Item" for item in task["Parameters"]["TransactItems"] for kind in item}
    if resource.startswith("arn:aws:states:::aws-sdk:"):
        service, action = resource.removeprefix("arn:aws:states:::aws-sdk:").split(":")
        return {f"{service}:{action[0].upper()}{action[1:]}"}
    if resource.startswith("arn:aws:states:::dynamodb:"):
        action = resource.removeprefix("arn:aws:states:::dynamodb:")
        return {f"dynamodb:{action[0].upper()}{action[1:]}"}
    if resource.startswith("arn:aws:states:::states:startExecution"):
        return {"states:StartExecution", "states:DescribeExecution", "states:StopExecution"}
    if resource.startswith("arn:aws:states:::sns:publish"):
        return {"sns:Publish"}
    return {"lambda:InvokeFunction"}


def test_every_call_in_the_definitions_is_granted(captured: CapturedStack) -> None:
    # GIVEN every `aws-sdk:` and optimised integration the three rendered definitions use
    tasks = [
        task
        for machine in captured.of_type(STATE_MACHINE)
        for task in _task_states(json.loads(machine.inputs["definition"])["States"])
    ]
    granted = {action for statement in statements_by_sid(captured).values() for action in statement["Action"]}

    # THEN each one's IAM actions are granted
    assert len(tasks) > 20
    for task in tasks:
        assert _needed_actions(task) <= granted, task["Resource"]


def test_a_gate_email_subscribes_to_the_gate_topic() -> None:
    captured = run_in_mocks(
        lambda: MigrationStateMachine("migration", replace(ARGS, notification_email="ops@example.com"))
    )
    (subscription,) = captured.of_type("aws:sns/topicSubscription:TopicSubscription")
    (topic,) = captured.of_type("aws:sns/topic:Topic")

    assert subscription.inputs["protocol"] == "email"
    assert subscription.inputs["endpoint"] == "ops@example.com"
    assert subscription.inputs["topic"] == topic.outputs["arn"]


def test_args_refuse_a_retention_cloudwatch_does_not_accept() -> None:
    with pytest.raises(ValueError, match="log_retention_days"):
        replace(ARGS, log_retention_days=42)
