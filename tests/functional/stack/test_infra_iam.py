"""Least privilege across the whole stack: no wildcard actions, "*" resources only where AWS has no ARNs."""

from __future__ import annotations

import json
from collections.abc import Mapping

from tests.functional.stack.pulumi_harness import FUNCTION_NAMES, CapturedStack, as_list, statements

FUNCTION = "aws:lambda/function:Function"
ROLE = "aws:iam/role:Role"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"

# Actions without resource-level permissions: "*" is the only valid Resource for them (X-Ray, custom
# metrics, and the CloudWatch Logs vended-delivery calls Step Functions logging makes; see "Using CloudWatch
# Logs to log execution history in Step Functions" in the AWS docs).
UNSCOPED_ACTIONS = frozenset(
    {
        "xray:PutTraceSegments",
        "xray:PutTelemetryRecords",
        "xray:GetSamplingRules",
        "xray:GetSamplingTargets",
        "cloudwatch:PutMetricData",
        "logs:CreateLogDelivery",
        "logs:GetLogDelivery",
        "logs:UpdateLogDelivery",
        "logs:DeleteLogDelivery",
        "logs:ListLogDeliveries",
        "logs:PutResourcePolicy",
        "logs:DescribeResourcePolicies",
        "logs:DescribeLogGroups",
    }
)
TELEMETRY_ACTIONS = frozenset(
    {"logs:CreateLogStream", "logs:PutLogEvents", "xray:PutTraceSegments", "xray:PutTelemetryRecords"}
)
CONSUMER = frozenset(
    {"sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:ChangeMessageVisibility"}
)

# What each function calls (its handler and the migration_runtime/ modules it uses; README "Functions"):
# action
# set per resource (named by its export).
CONTRACT_GRANTS: Mapping[str, Mapping[str, frozenset[str]]] = {
    "legacy_intake": {
        "legacy_table_arn": frozenset({"dynamodb:PutItem"}),
        "intake_dlq_arn": frozenset({"sqs:SendMessage"}),
        "intake_queue_arn": CONSUMER,
    },
    "onboarding_intake": {
        "new_table_arn": frozenset({"dynamodb:PutItem", "dynamodb:DeleteItem", "dynamodb:GetItem"}),
        "intake_dlq_arn": frozenset({"sqs:SendMessage"}),
        "intake_queue_arn": CONSUMER,
        # Marks of the intake messages it failed (what the drain waits for), nothing else there.
        "control_table_arn": frozenset({"dynamodb:PutItem", "dynamodb:DeleteItem"}),
    },
    "enqueue_records": {
        "legacy_table_arn": frozenset({"dynamodb:Scan"}),
        "migration_queue_arn": frozenset({"sqs:SendMessage"}),
        # The ledger lives in the control table: no grant on the new table at all.
        "control_table_arn": frozenset({"dynamodb:PutItem"}),
    },
    "migrate_record": {
        "new_table_arn": frozenset({"dynamodb:PutItem", "dynamodb:DeleteItem", "dynamodb:GetItem"}),
        "control_table_arn": frozenset({"dynamodb:PutItem", "dynamodb:DeleteItem"}),
        # A record failing in a packed bulk message is sent back alone (migration_runtime/packed_migration).
        "migration_queue_arn": CONSUMER | {"sqs:SendMessage"},
    },
    "validate_migration": {
        "legacy_table_arn": frozenset({"dynamodb:Scan", "dynamodb:GetItem", "dynamodb:BatchGetItem"}),
        "new_table_arn": frozenset({"dynamodb:Scan", "dynamodb:GetItem", "dynamodb:BatchGetItem"}),
        "control_table_arn": frozenset(
            {
                "dynamodb:Scan",
                "dynamodb:GetItem",
                "dynamodb:BatchGetItem",
                "dynamodb:Query",
                "dynamodb:BatchWriteItem",
            }
        ),
        "migration_dlq_arn": frozenset({"sqs:GetQueueAttributes"}),
        "intake_dlq_arn": frozenset({"sqs:GetQueueAttributes"}),
    },
    "capture_legacy_changes": {
        # What Lambda's stream poller needs on the function's role, on the legacy table's stream only.
        "legacy_stream_arn": frozenset(
            {
                "dynamodb:DescribeStream",
                "dynamodb:GetRecords",
                "dynamodb:GetShardIterator",
                "dynamodb:ListStreams",
            }
        ),
        "migration_queue_arn": frozenset({"sqs:SendMessage"}),
        "control_table_arn": frozenset(
            {"dynamodb:PutItem", "dynamodb:BatchWriteItem", "dynamodb:GetItem", "dynamodb:Query"}
        ),
        # The catch-up sentinels on each shard of the stream: written and deleted, never read or scanned.
        "legacy_table_arn": frozenset({"dynamodb:PutItem", "dynamodb:DeleteItem"}),
    },
    "restore_serving": {
        "control_table_arn": frozenset({"dynamodb:GetItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"}),
        "legacy_mapping_arn": frozenset({"lambda:UpdateEventSourceMapping", "lambda:GetEventSourceMapping"}),
        "new_mapping_arn": frozenset({"lambda:UpdateEventSourceMapping", "lambda:GetEventSourceMapping"}),
        "capture_mapping_arn": frozenset({"lambda:UpdateEventSourceMapping", "lambda:GetEventSourceMapping"}),
        "gate_topic_arn": frozenset({"sns:Publish"}),
    },
}


def allow_statements(stack: CapturedStack) -> list[tuple[str, dict]]:
    return [
        (resource.name, statement)
        for resource, document in stack.policy_documents()
        for statement in statements(document)
        if statement["Effect"] == "Allow"
    ]


def grants_of(stack: CapturedStack, function_name: str) -> set[tuple[str, str]]:
    """(action, resource) pairs the function's role is allowed, from every policy on that role."""
    role_arn = stack.one(FUNCTION, name=function_name).inputs["role"]
    role = stack.one(ROLE, arn=role_arn)
    pairs: set[tuple[str, str]] = set()
    for policy in stack.of_type(ROLE_POLICY):
        if policy.inputs["role"] not in (role.outputs["name"], role.outputs["arn"]):
            continue
        for statement in statements(json.loads(policy.inputs["policy"])):
            assert statement["Effect"] == "Allow"
            pairs |= {(a, r) for a in as_list(statement["Action"]) for r in as_list(statement["Resource"])}
    return pairs


def test_the_stack_has_policies_to_check(stack: CapturedStack):
    # GIVEN the policy documents found in the captured graph (guards the two checks below)
    found = allow_statements(stack)

    # THEN every function role and its trust policy were seen
    assert len({name for name, _ in found}) >= 3 * len(FUNCTION_NAMES)


def test_no_allow_statement_grants_a_wildcard_action(stack: CapturedStack):
    # GIVEN every Allow statement of every policy in the stack
    for owner, statement in allow_statements(stack):
        # THEN every action is named in full: neither "*" nor "service:*" nor "service:Get*"
        wildcards = [action for action in as_list(statement.get("Action", [])) if "*" in action]
        assert wildcards == [], f"{owner} allows {wildcards}"
        assert "NotAction" not in statement, f"{owner} uses NotAction"


def test_star_resource_is_granted_only_for_actions_aws_does_not_scope(stack: CapturedStack):
    for owner, statement in allow_statements(stack):
        # GIVEN an Allow statement on every resource
        if "*" not in as_list(statement.get("Resource", [])):
            continue

        # THEN it only carries actions that have no resource-level permissions
        assert set(as_list(statement["Action"])) <= UNSCOPED_ACTIONS, f"{owner}: {statement}"


def test_each_function_is_granted_exactly_its_contract_on_exactly_its_resources(stack: CapturedStack):
    for name in FUNCTION_NAMES:
        # GIVEN what the function's role may do, telemetry aside
        granted = {
            pair
            for pair in grants_of(stack, stack.exports[f"{name}_function_name"])
            if pair[0] not in TELEMETRY_ACTIONS
        }

        # THEN it is exactly the contract: nothing missing, nothing more, each scoped to the resource's ARN
        expected = {
            (action, stack.exports[export])
            for export, actions in CONTRACT_GRANTS[name].items()
            for action in actions
        }
        assert granted == expected, name


def test_each_function_may_write_only_its_own_log_group_and_traces(stack: CapturedStack):
    for name in FUNCTION_NAMES:
        # GIVEN the telemetry grants of a function and its log group
        function_name = stack.exports[f"{name}_function_name"]
        log_group = stack.one("aws:cloudwatch/logGroup:LogGroup", name=f"/aws/lambda/{function_name}")
        telemetry = {pair for pair in grants_of(stack, function_name) if pair[0] in TELEMETRY_ACTIONS}

        # THEN log writes are scoped to that group's streams, and X-Ray (unscoped by AWS) to "*"
        streams = f"{log_group.outputs['arn']}:*"
        assert telemetry == {
            ("logs:CreateLogStream", streams),
            ("logs:PutLogEvents", streams),
            ("xray:PutTraceSegments", "*"),
            ("xray:PutTelemetryRecords", "*"),
        }
