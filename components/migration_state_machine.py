"""The migration state machine: its ASL definitions wired to the stack, its role, logs, tracing, gate topic.

Three definitions with `${Name}` placeholders (the style of CloudFormation's DefinitionSubstitutions):
`statemachines/migration.asl.json` (the migration) and two it runs as child executions with
`states:startExecution.sync:2`, so that their long loops keep their own histories:
`wait_until_quiet.asl.json` (every wait) and `enqueue_segment.asl.json` (one scan segment's pages).
`render_definition` fills one definition from the stack's Outputs; it refuses a placeholder it has no
value for and a value nobody asked for, so the files and this component cannot drift apart silently.
JSONPath's own `$.` and `$$.` are left alone (hence not `string.Template`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pulumi
import pulumi_aws as aws

from components.email_subscription import email_subscription
from components.log_retention import DEFAULT_LOG_RETENTION_DAYS, check_log_retention_days

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFINITION_PATH = PROJECT_ROOT / "statemachines" / "migration.asl.json"
WAIT_DEFINITION_PATH = PROJECT_ROOT / "statemachines" / "wait_until_quiet.asl.json"
SEGMENT_DEFINITION_PATH = PROJECT_ROOT / "statemachines" / "enqueue_segment.asl.json"
# The child definitions and the placeholder of the migration that names each one's ARN.
CHILD_DEFINITIONS = {
    "WaitUntilQuietStateMachineArn": WAIT_DEFINITION_PATH,
    "EnqueueSegmentStateMachineArn": SEGMENT_DEFINITION_PATH,
}
# Step Functions manages this rule in the account to learn when a `.sync` child execution ends ("IAM
# policies for integrated services", Step Functions developer guide: StartExecution .sync).
SYNC_EXECUTION_RULE = "StepFunctionsGetEventsForStepFunctionsExecutionRule"

PLACEHOLDER = re.compile(r"\$\{([A-Za-z][A-Za-z0-9]*)\}")

STATES_ASSUME_ROLE_SERVICE = "states.amazonaws.com"

# Log delivery for Step Functions goes through CloudWatch Logs' vended-log APIs, which have no resource-level
# permissions: AWS documents "*" as the only valid resource for these actions.
LOG_DELIVERY_ACTIONS = (
    "logs:CreateLogDelivery",
    "logs:GetLogDelivery",
    "logs:UpdateLogDelivery",
    "logs:DeleteLogDelivery",
    "logs:ListLogDeliveries",
    "logs:PutResourcePolicy",
    "logs:DescribeResourcePolicies",
    "logs:DescribeLogGroups",
)
# X-Ray has no resource-level permissions either.
TRACING_ACTIONS = (
    "xray:PutTraceSegments",
    "xray:PutTelemetryRecords",
    "xray:GetSamplingRules",
    "xray:GetSamplingTargets",
)
# What AWS requires of the caller of StartMessageMoveTask: on the source (the DLQ) the move-task actions plus
# receive/delete/attributes, since the task reads the DLQ as the caller; on the destination, SendMessage.
MOVE_TASK_SOURCE_ACTIONS = (
    "sqs:StartMessageMoveTask",
    "sqs:ListMessageMoveTasks",
    "sqs:ReceiveMessage",
    "sqs:DeleteMessage",
    "sqs:GetQueueAttributes",
)
MOVE_TASK_DESTINATION_ACTIONS = ("sqs:SendMessage",)
# What fills the capture mapping's placeholder on a stack without one: the states naming it are never entered.
NO_CAPTURE_MAPPING = "no-capture-mapping"


def definition_placeholders(template: str) -> set[str]:
    """The `${Name}` placeholders a definition template uses."""
    return set(PLACEHOLDER.findall(template))


def render_definition(template: str, substitutions: Mapping[str, str]) -> str:
    """Fill every `${Name}` of `template` from `substitutions` and return valid, compact JSON.

    Raises ValueError when a placeholder has no value, when a value matches no placeholder (a typo in either
    place would otherwise ship a broken ARN), or when the result is not JSON.
    """
    wanted = definition_placeholders(template)
    missing = sorted(wanted - substitutions.keys())
    if missing:
        raise ValueError(f"state machine definition placeholders without a value: {missing}")
    unused = sorted(substitutions.keys() - wanted)
    if unused:
        raise ValueError(f"substitutions that match no placeholder of the definition: {unused}")
    for name, value in substitutions.items():
        # Values land inside JSON strings: a quote or backslash would break out of them.
        if not isinstance(value, str) or any(char in value for char in '"\\'):
            raise ValueError(f"substitution {name} must be a plain string, got {value!r}")

    rendered = PLACEHOLDER.sub(lambda match: substitutions[match.group(1)], template)
    try:
        document = json.loads(rendered)
    except json.JSONDecodeError as error:
        raise ValueError(f"the rendered state machine definition is not JSON: {error}") from error
    return json.dumps(document, separators=(",", ":"))


def check_substitution_names(templates: Mapping[str, str], names: Iterable[str]) -> None:
    """Every placeholder of every definition has a value, and every value is named by at least one of
    them: `render_definition`'s typo check over a set of definitions, made before any is rendered (so it
    fails at preview, where values are still unknown)."""
    given = set(names)
    for name, template in templates.items():
        missing = sorted(definition_placeholders(template) - given)
        if missing:
            raise ValueError(f"placeholders of the {name} definition without a value: {missing}")
    wanted = set().union(*(definition_placeholders(template) for template in templates.values()))
    unused = sorted(given - wanted)
    if unused:
        raise ValueError(f"substitutions that match no placeholder of any definition: {unused}")


def render_migration_with_children(
    create_child: Callable[[str, str], str], substitutions: Mapping[str, str]
) -> str:
    """The migration's definition, after creating its children with ``create_child(name, definition)``
    (which returns the child's ARN): for a stack built without Pulumi (the state machine tests, the
    benchmarks). ``name`` is the child's resource name (`wait-until-quiet`, `enqueue-segment`)."""
    templates = {key: path.read_text(encoding="utf-8") for key, path in CHILD_DEFINITIONS.items()}
    template = DEFINITION_PATH.read_text(encoding="utf-8")
    check_substitution_names({"migration": template, **templates}, [*substitutions, *templates])
    children = {
        key: create_child(
            _child_resource_name(key), render_definition(text, _values_for(text, substitutions))
        )
        for key, text in templates.items()
    }
    return render_definition(template, {**_values_for(template, substitutions), **children})


def capture_substitutions(
    capture_mapping_uuid: pulumi.Input[str] | None,
    capture_function_arn: pulumi.Input[str] | None,
    stand_in_function_arn: pulumi.Input[str],
) -> dict[str, pulumi.Input[str]]:
    """The change capture's placeholders. Without a capture mapping (no legacy stream) Setup refuses an
    online run and every run skips the states that name the mapping and the function, so these only have
    to fill them. A Task's Resource must still be a function's ARN for the definition to be accepted, so
    another function of the stack (``stand_in_function_arn``) stands in for the capture's there."""
    return {
        "CaptureAvailable": "true" if capture_mapping_uuid is not None else "false",
        "CaptureMappingUuid": capture_mapping_uuid
        if capture_mapping_uuid is not None
        else NO_CAPTURE_MAPPING,
        "CaptureFunctionArn": capture_function_arn
        if capture_function_arn is not None
        else stand_in_function_arn,
    }


def definition_substitutions(
    args: MigrationStateMachineArgs, gate_topic_arn: pulumi.Input[str]
) -> dict[str, pulumi.Input[str]]:
    """The value of every placeholder of the definitions but the child ARNs (names as in the ASL files)."""
    return {
        "LegacyMappingUuid": args.legacy_mapping_uuid,
        "NewMappingUuid": args.new_mapping_uuid,
        **capture_substitutions(
            args.capture_mapping_uuid, args.capture_function_arn, args.validate_migration_function_arn
        ),
        "IntakeQueueUrl": args.intake_queue_url,
        "IntakeQueueArn": args.intake_queue_arn,
        "IntakeMinimumVisibilityTimeoutSeconds": str(args.intake_minimum_visibility_timeout_seconds),
        "IntakeConsumerTimeoutSeconds": str(args.intake_consumer_timeout_seconds),
        "MigrationQueueUrl": args.migration_queue_url,
        "MigrationQueueArn": args.migration_queue_arn,
        "MigrationDlqArn": args.migration_dlq_arn,
        "LegacyTableName": args.legacy_table_name,
        "LegacyRecordIdField": args.legacy_record_id_field,
        "EnqueueRecordsFunctionArn": args.enqueue_records_function_arn,
        "ValidateMigrationFunctionArn": args.validate_migration_function_arn,
        "GateTopicArn": gate_topic_arn,
        "ControlTableName": args.control_table_name,
    }


def _child_resource_name(placeholder: str) -> str:
    """`WaitUntilQuietStateMachineArn` -> `wait-until-quiet`."""
    words = re.findall(r"[A-Z][a-z]*", placeholder.removesuffix("StateMachineArn"))
    return "-".join(word.lower() for word in words)


def _values_for(template: str, substitutions: Mapping[str, Any]) -> dict[str, Any]:
    wanted = definition_placeholders(template)
    return {key: value for key, value in substitutions.items() if key in wanted}


def _with_timeout(definition: str, timeout_seconds: int) -> str:
    document = json.loads(definition)
    document["TimeoutSeconds"] = timeout_seconds
    return json.dumps(document, separators=(",", ":"))


def _child_execution_statements(
    region: pulumi.Input[str], account_id: pulumi.Input[str], children: list[aws.sfn.StateMachine]
) -> list[dict[str, Any]]:
    """What `states:startExecution.sync:2` needs ("IAM policies for integrated services", Step Functions
    developer guide): start the children, read (and, when the parent stops, stop) their executions, and
    the managed EventBridge rule through which Step Functions learns that a child ended."""
    return [
        {
            "Sid": "StartChildExecutions",
            "Effect": "Allow",
            "Action": ["states:StartExecution"],
            "Resource": [machine.arn for machine in children],
        },
        {
            "Sid": "FollowChildExecutions",
            "Effect": "Allow",
            "Action": ["states:DescribeExecution", "states:StopExecution"],
            "Resource": [
                pulumi.Output.all(region, account_id, machine.name).apply(
                    lambda values: f"arn:aws:states:{values[0]}:{values[1]}:execution:{values[2]}:*"
                )
                for machine in children
            ],
        },
        {
            "Sid": "ManagedRuleForSyncChildren",
            "Effect": "Allow",
            "Action": ["events:PutTargets", "events:PutRule", "events:DescribeRule"],
            "Resource": [
                pulumi.Output.all(region, account_id).apply(
                    lambda values: f"arn:aws:events:{values[0]}:{values[1]}:rule/{SYNC_EXECUTION_RULE}"
                )
            ],
        },
    ]


def event_source_mapping_arn(region: str, account_id: str, uuid: str) -> str:
    """The IAM resource ARN of an event source mapping (what UpdateEventSourceMapping is scoped to)."""
    return f"arn:aws:lambda:{region}:{account_id}:event-source-mapping:{uuid}"


@dataclass(frozen=True)
class MigrationStateMachineArgs:
    """Everything the state machine acts on, as stack Outputs (or plain values in tests)."""

    legacy_mapping_uuid: pulumi.Input[str]
    """Event source mapping intake queue -> legacy_intake: paused at the start, re-enabled on rollback."""

    new_mapping_uuid: pulumi.Input[str]
    """Event source mapping intake queue -> onboarding_intake: enabled at the cut-over."""

    capture_mapping_uuid: pulumi.Input[str] | None
    """Event source mapping legacy table stream -> capture_legacy_changes: enabled for an online run only,
    disabled at its end (and by every rollback). None: the legacy table has no stream of new and old
    images, so Setup refuses an online run (offline runs need no capture)."""

    capture_function_arn: pulumi.Input[str] | None
    """capture_legacy_changes, invoked once the legacy consumer is paused to place a catch-up sentinel on
    every shard of the legacy stream (migration_runtime/shard_covering_sentinels.py). None exactly when
    ``capture_mapping_uuid`` is."""

    intake_queue_url: pulumi.Input[str]
    """Polled while pausing (nothing in flight) and draining (backlog consumed)."""

    intake_queue_arn: pulumi.Input[str]
    """For the GetQueueAttributes grant; Setup checks that the legacy mapping reads this queue."""

    intake_minimum_visibility_timeout_seconds: int
    """The least visibility timeout the intake queue may have: 6 x the new intake consumer's timeout (an
    adopted queue's is not ours to set, so Setup checks it before a run pauses anything)."""

    intake_consumer_timeout_seconds: int
    """The new intake consumer's timeout: how long one attempt of an intake message can take, which a
    drain under live traffic must outlast (``migration_runtime/intake_retries.py``)."""

    migration_queue_url: pulumi.Input[str]
    """Polled until empty after the scan."""

    migration_queue_arn: pulumi.Input[str]
    """Destination of the DLQ redrive; GetQueueAttributes grant."""

    migration_dlq_arn: pulumi.Input[str]
    """Source of the DLQ redrive."""

    legacy_table_name: pulumi.Input[str]
    """Backed up (on request) before anything moves; an online run writes its sentinels there."""

    legacy_table_arn: pulumi.Input[str]
    """For the CreateBackup grant and the sentinel writes."""

    enqueue_records_function_arn: pulumi.Input[str]
    """Invoked once per page of each scan segment."""

    validate_migration_function_arn: pulumi.Input[str]
    """Invoked after the migration queue has emptied (and after each redrive)."""

    control_table_name: pulumi.Input[str]
    """Where each run is recorded (lock, run record, serving backend; migration_runtime/run_control.py)."""

    control_table_arn: pulumi.Input[str]
    """For the grant on the control table."""

    notification_email: str | None = None
    """Optional address subscribed to the gate topic (the subscription must be confirmed by its owner)."""

    log_retention_days: int = DEFAULT_LOG_RETENTION_DAYS
    """Retention of the execution log group; one of the values CloudWatch Logs accepts."""

    definition_path: Path = DEFINITION_PATH
    """The ASL template with `${Name}` placeholders."""

    legacy_record_id_field: str = "application_id"
    """The legacy table's partition key (the record mapping's ``record_id_field``): the run sentinels the
    state machine writes to and deletes from the legacy table are keyed by it."""

    execution_timeout_seconds: int = 30 * 24 * 3600
    """The execution's own `TimeoutSeconds`: a run still going after this ends TIMED_OUT (the watchdog then
    restores serving). At most one year, the Standard workflow limit."""

    def __post_init__(self) -> None:
        check_log_retention_days(self.log_retention_days)
        if (self.capture_mapping_uuid is None) != (self.capture_function_arn is None):
            raise ValueError("capture_mapping_uuid and capture_function_arn go together: both or neither")
        if not self.definition_path.is_file():
            raise FileNotFoundError(f"state machine definition {self.definition_path} does not exist")
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_.-]{0,254}", self.legacy_record_id_field):
            raise ValueError(
                f"legacy_record_id_field is not an attribute name: {self.legacy_record_id_field!r}"
            )
        if not 1 <= self.intake_consumer_timeout_seconds <= 900:
            raise ValueError(
                "intake_consumer_timeout_seconds must be from 1 to 900 (Lambda's longest timeout), got "
                f"{self.intake_consumer_timeout_seconds}"
            )
        if self.intake_minimum_visibility_timeout_seconds < 0:
            raise ValueError(
                "intake_minimum_visibility_timeout_seconds must not be negative, got "
                f"{self.intake_minimum_visibility_timeout_seconds}"
            )
        if not 1 <= self.execution_timeout_seconds <= 365 * 24 * 3600:
            raise ValueError(
                f"execution_timeout_seconds must be from 1 to 31536000, got {self.execution_timeout_seconds}"
            )


def _states_assume_role_policy(account_id: str) -> str:
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Service": STATES_ASSUME_ROLE_SERVICE},
                    "Action": "sts:AssumeRole",
                    # Confused-deputy guard: only Step Functions acting for this account may assume the role.
                    "Condition": {"StringEquals": {"aws:SourceAccount": account_id}},
                }
            ],
        }
    )


class MigrationStateMachine(pulumi.ComponentResource):
    """The Step Functions state machine that pauses, migrates, validates, gates, cuts over and drains."""

    gate_topic: aws.sns.Topic
    gate_subscription: aws.sns.TopicSubscription | None
    log_group: aws.cloudwatch.LogGroup
    role: aws.iam.Role
    policy: aws.iam.RolePolicy
    child_state_machines: dict[str, aws.sfn.StateMachine]
    child_policy: aws.iam.RolePolicy
    state_machine: aws.sfn.StateMachine
    arn: pulumi.Output[str]

    def __init__(
        self,
        name: str,
        args: MigrationStateMachineArgs,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("onboarding:components:MigrationStateMachine", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        template = args.definition_path.read_text(encoding="utf-8")
        child_templates = {key: path.read_text(encoding="utf-8") for key, path in CHILD_DEFINITIONS.items()}

        region = aws.get_region_output(opts=pulumi.InvokeOutputOptions(parent=self)).region
        account_id = aws.get_caller_identity_output(opts=pulumi.InvokeOutputOptions(parent=self)).account_id

        # Where the gate asks for a decision. SSE with the AWS-managed key, whose key policy already lets
        # SNS use it for principals of this account, so the role needs no KMS grant.
        self.gate_topic = aws.sns.Topic(
            f"{name}-gate",
            kms_master_key_id="alias/aws/sns",
            opts=child,
        )
        self.gate_subscription = email_subscription(
            f"{name}-gate-email", self.gate_topic.arn, args.notification_email, child
        )

        # The /aws/vendedlogs/ prefix keeps CloudWatch Logs' resource policy small however many log groups
        # Step Functions delivers to (the AWS recommendation for vended logs).
        self.log_group = aws.cloudwatch.LogGroup(
            f"{name}-logs",
            name=f"/aws/vendedlogs/states/{pulumi.get_project()}-{pulumi.get_stack()}-{name}",
            retention_in_days=args.log_retention_days,
            opts=child,
        )

        self.role = aws.iam.Role(
            f"{name}-role",
            description="Execution role of the onboarding migration state machine",
            assume_role_policy=account_id.apply(_states_assume_role_policy),
            opts=child,
        )

        def mapping_arns() -> pulumi.Output[list[str]]:
            uuids = [args.legacy_mapping_uuid, args.new_mapping_uuid]
            if args.capture_mapping_uuid is not None:
                uuids.append(args.capture_mapping_uuid)
            return pulumi.Output.all(region, account_id, *uuids).apply(
                lambda values: [event_source_mapping_arn(values[0], values[1], uuid) for uuid in values[2:]]
            )

        def with_versions(arn: pulumi.Input[str]) -> pulumi.Output[list[str]]:
            # A task naming the function ARN invokes $LATEST; ":*" also covers qualified ARNs (versions).
            return pulumi.Output.from_input(arn).apply(lambda value: [value, f"{value}:*"])

        statements: list[dict[str, Any]] = [
            {
                "Sid": "InvokeMigrationFunctions",
                "Effect": "Allow",
                "Action": ["lambda:InvokeFunction"],
                "Resource": pulumi.Output.all(
                    with_versions(args.enqueue_records_function_arn),
                    with_versions(args.validate_migration_function_arn),
                    *([with_versions(args.capture_function_arn)] if args.capture_function_arn else []),
                ).apply(lambda lists: [arn for arns in lists for arn in arns]),
            },
            {
                "Sid": "PauseAndResumeConsumers",
                "Effect": "Allow",
                "Action": ["lambda:UpdateEventSourceMapping", "lambda:GetEventSourceMapping"],
                "Resource": mapping_arns(),
            },
            {
                "Sid": "ReadQueueDepths",
                "Effect": "Allow",
                "Action": ["sqs:GetQueueAttributes"],
                "Resource": [args.intake_queue_arn, args.migration_queue_arn],
            },
            {
                "Sid": "RedriveReadSource",
                "Effect": "Allow",
                "Action": list(MOVE_TASK_SOURCE_ACTIONS),
                "Resource": [args.migration_dlq_arn],
            },
            {
                "Sid": "RedriveWriteDestination",
                "Effect": "Allow",
                "Action": list(MOVE_TASK_DESTINATION_ACTIONS),
                "Resource": [args.migration_queue_arn],
            },
            {
                "Sid": "BackUpLegacyTable",
                "Effect": "Allow",
                "Action": ["dynamodb:CreateBackup"],
                "Resource": [args.legacy_table_arn],
            },
            {
                "Sid": "AskAtTheGate",
                "Effect": "Allow",
                "Action": ["sns:Publish"],
                "Resource": [self.gate_topic.arn],
            },
            {
                # The run's items, and (Query) the drain counting the intake messages the new consumer
                # failed (migration_runtime/intake_retries.py).
                "Sid": "RecordRunsInControlTable",
                "Effect": "Allow",
                "Action": [
                    "dynamodb:PutItem",
                    "dynamodb:GetItem",
                    "dynamodb:UpdateItem",
                    "dynamodb:DeleteItem",
                    "dynamodb:Query",
                ],
                "Resource": [args.control_table_arn],
            },
            {
                "Sid": "DeliverExecutionLogs",
                "Effect": "Allow",
                "Action": list(LOG_DELIVERY_ACTIONS),
                "Resource": "*",
            },
            {
                "Sid": "WriteTraces",
                "Effect": "Allow",
                "Action": list(TRACING_ACTIONS),
                "Resource": "*",
            },
        ]
        if args.capture_mapping_uuid is not None:
            statements.append(
                {
                    # Only sentinel items (reserved ids, migration_runtime/run_sentinels.py): written and
                    # deleted again by an online run to prove the change stream caught up.
                    "Sid": "WriteSentinelsToLegacyTable",
                    "Effect": "Allow",
                    "Action": ["dynamodb:PutItem", "dynamodb:DeleteItem", "dynamodb:BatchWriteItem"],
                    "Resource": [args.legacy_table_arn],
                }
            )
        self.policy = aws.iam.RolePolicy(
            f"{name}-access",
            role=self.role.id,
            policy=pulumi.Output.json_dumps({"Version": "2012-10-17", "Statement": statements}),
            opts=child,
        )

        substitutions = definition_substitutions(args, self.gate_topic.arn)
        # Every value is used by some definition (a typo in a placeholder name fails here, at preview).
        check_substitution_names(
            {"migration": template, **child_templates}, [*substitutions, *CHILD_DEFINITIONS]
        )
        logging = aws.sfn.StateMachineLoggingConfigurationArgs(
            level="ALL",
            include_execution_data=True,
            log_destination=self.log_group.arn.apply(lambda arn: f"{arn}:*"),
        )
        tracing = aws.sfn.StateMachineTracingConfigurationArgs(enabled=True)
        # The children name no other state machine, so they come first; they share the role (their calls
        # are a subset of the migration's). Step Functions checks the role's log-delivery permissions when a
        # machine is created, hence the dependency on the policy.
        created_after_policy = pulumi.ResourceOptions(parent=self, depends_on=[self.policy, self.log_group])
        self.child_state_machines = {}
        for key, child_template in child_templates.items():
            self.child_state_machines[key] = aws.sfn.StateMachine(
                f"{name}-{_child_resource_name(key)}",
                type="STANDARD",
                role_arn=self.role.arn,
                definition=pulumi.Output.all(**_values_for(child_template, substitutions)).apply(
                    lambda values, text=child_template: render_definition(text, values)
                ),
                logging_configuration=logging,
                tracing_configuration=tracing,
                opts=created_after_policy,
            )

        self.child_policy = aws.iam.RolePolicy(
            f"{name}-child-executions",
            role=self.role.id,
            policy=pulumi.Output.json_dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": _child_execution_statements(
                        region, account_id, list(self.child_state_machines.values())
                    ),
                }
            ),
            opts=child,
        )

        migration_values = {
            **_values_for(template, substitutions),
            **{key: machine.arn for key, machine in self.child_state_machines.items()},
        }
        definition = pulumi.Output.all(**migration_values).apply(
            lambda values: _with_timeout(render_definition(template, values), args.execution_timeout_seconds)
        )
        self.state_machine = aws.sfn.StateMachine(
            f"{name}-state-machine",
            type="STANDARD",
            role_arn=self.role.arn,
            definition=definition,
            logging_configuration=logging,
            tracing_configuration=tracing,
            opts=pulumi.ResourceOptions(
                parent=self, depends_on=[self.policy, self.child_policy, self.log_group]
            ),
        )
        self.arn = self.state_machine.arn

        self.register_outputs(
            {
                "state_machine_arn": self.state_machine.arn,
                "gate_topic_arn": self.gate_topic.arn,
                "role_arn": self.role.arn,
                "log_group_name": self.log_group.name,
            }
        )
