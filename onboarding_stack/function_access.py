"""What each function may call, on exactly which resource, and the environment it reads: plain data.

Built by pure functions from the resources' names and ARNs (Pulumi Outputs on a deployment, plain strings
in a test), so the least-privilege grants and the environment contract are testable without mocks. The
variable names come from `migration_runtime/settings.py`, where the functions read them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pulumi

from components.dynamo_table import DynamoTable
from components.queue_consumer import QueueConsumer
from components.queue_with_dead_letter import QueueWithDeadLetter
from components.stream_consumer import StreamConsumer
from migration_runtime import settings as env
from migration_runtime.record_mapping import DEFAULT_MAPPING
from onboarding_stack.function_names import (
    CAPTURE_LEGACY_CHANGES,
    ENQUEUE_RECORDS,
    LEGACY_INTAKE,
    MIGRATE_RECORD,
    ONBOARDING_INTAKE,
    RESTORE_SERVING,
    VALIDATE_MIGRATION,
)
from onboarding_stack.settings import StackSettings

CONSUMER_ACTIONS = [
    "sqs:ReceiveMessage",
    "sqs:DeleteMessage",
    "sqs:GetQueueAttributes",
    "sqs:ChangeMessageVisibility",
]

# One TransactWriteItems puts an application's pointer and item and deletes its old item; IAM checks each
# operation's own action (there is no TransactWriteItems action: DynamoDB developer guide, "Using IAM with
# DynamoDB transactions"). GetItem re-reads a pointer after a cancelled transaction.
NEW_TABLE_WRITER_ACTIONS = ["dynamodb:PutItem", "dynamodb:DeleteItem", "dynamodb:GetItem"]
STREAM_READER_ACTIONS = [
    "dynamodb:DescribeStream",
    "dynamodb:GetRecords",
    "dynamodb:GetShardIterator",
    "dynamodb:ListStreams",
]


def allow(sid: str, actions: list[str], resources: list[pulumi.Input[str]]) -> dict[str, Any]:
    """One Allow statement scoped to explicit resources."""
    return {"Sid": sid, "Effect": "Allow", "Action": actions, "Resource": resources}


@dataclass(frozen=True)
class FunctionAccess:
    """One function's IAM statements and its own environment variables."""

    statements: list[dict[str, Any]]
    environment: dict[str, pulumi.Input[str]] = field(default_factory=dict)


@dataclass(frozen=True)
class LookupTableResource:
    """A lookup table the transformation reads: its deployed name and ARN."""

    name: pulumi.Input[str]
    arn: pulumi.Input[str]


# What `migration_runtime/lookup_tables.py` calls: GetItem for an exact key, Query for the latest version at
# or before a sort key.
LOOKUP_READER_ACTIONS = ["dynamodb:GetItem", "dynamodb:Query"]
# The functions that transform a record (and so read the mapping's lookup tables).
TRANSFORMING_FUNCTIONS = (ONBOARDING_INTAKE, MIGRATE_RECORD, VALIDATE_MIGRATION)


@dataclass(frozen=True)
class PipelineResources:
    """Names, URLs and ARNs of the queues and tables the pipeline functions use."""

    legacy_table_name: pulumi.Input[str]
    legacy_table_arn: pulumi.Input[str]
    legacy_stream_arn: pulumi.Input[str] | None
    """None: the legacy table has no stream of new and old images, so there is no change capture (and no
    online mode)."""
    new_table_name: pulumi.Input[str]
    new_table_arn: pulumi.Input[str]
    control_table_name: pulumi.Input[str]
    control_table_arn: pulumi.Input[str]
    intake_queue_arn: pulumi.Input[str]
    intake_dlq_url: pulumi.Input[str]
    intake_dlq_arn: pulumi.Input[str]
    migration_queue_url: pulumi.Input[str]
    migration_queue_arn: pulumi.Input[str]
    migration_dlq_url: pulumi.Input[str]
    migration_dlq_arn: pulumi.Input[str]
    record_mapping: str = DEFAULT_MAPPING
    """The record mapping every function loads (``RECORD_MAPPING``)."""
    lookup_tables: Mapping[str, LookupTableResource] = field(default_factory=dict)
    """The mapping's lookup tables by lookup name (the stack's demo ones, or an adopted service's)."""
    owns_legacy_consumer: bool = True
    """False for an adopted service: its own consumer serves the legacy backend (no legacy_intake)."""

    @classmethod
    def of(
        cls,
        intake: QueueWithDeadLetter,
        migration: QueueWithDeadLetter,
        legacy_table: DynamoTable,
        new_table: DynamoTable,
        control_table: DynamoTable,
        record_mapping: str = DEFAULT_MAPPING,
        lookup_tables: Mapping[str, LookupTableResource] | None = None,
    ) -> PipelineResources:
        return cls(
            record_mapping=record_mapping,
            lookup_tables=dict(lookup_tables or {}),
            legacy_table_name=legacy_table.table.name,
            legacy_table_arn=legacy_table.table.arn,
            legacy_stream_arn=legacy_table.table.stream_arn,
            new_table_name=new_table.table.name,
            new_table_arn=new_table.table.arn,
            control_table_name=control_table.table.name,
            control_table_arn=control_table.table.arn,
            intake_queue_arn=intake.queue.arn,
            intake_dlq_url=intake.dead_letter_queue.url,
            intake_dlq_arn=intake.dead_letter_queue.arn,
            migration_queue_url=migration.queue.url,
            migration_queue_arn=migration.queue.arn,
            migration_dlq_url=migration.dead_letter_queue.url,
            migration_dlq_arn=migration.dead_letter_queue.arn,
        )


@dataclass(frozen=True)
class ServingResources:
    """What the watchdog needs to put serving back: the two intake mappings, the capture mapping (switched
    off after any end) and the gate topic."""

    control_table_name: pulumi.Input[str]
    control_table_arn: pulumi.Input[str]
    legacy_mapping_uuid: pulumi.Input[str]
    legacy_mapping_arn: pulumi.Input[str]
    new_mapping_uuid: pulumi.Input[str]
    new_mapping_arn: pulumi.Input[str]
    capture_mapping_uuid: pulumi.Input[str] | None
    capture_mapping_arn: pulumi.Input[str] | None
    """Both None without change capture (no legacy stream): the watchdog then has no capture to stop."""
    gate_topic_arn: pulumi.Input[str]
    record_mapping: str = DEFAULT_MAPPING

    @classmethod
    def of(
        cls,
        control_table: DynamoTable,
        legacy: QueueConsumer | None,
        new: QueueConsumer,
        capture: StreamConsumer | None,
        mapping_arns: Mapping[str, pulumi.Input[str]],
        gate_topic_arn: pulumi.Input[str],
        legacy_mapping_uuid: pulumi.Input[str] | None = None,
        record_mapping: str = DEFAULT_MAPPING,
    ) -> ServingResources:
        """``legacy`` is None for an adopted service: then ``legacy_mapping_uuid`` names its consumer."""
        return cls(
            record_mapping=record_mapping,
            control_table_name=control_table.table.name,
            control_table_arn=control_table.table.arn,
            legacy_mapping_uuid=legacy.uuid if legacy is not None else legacy_mapping_uuid,
            legacy_mapping_arn=mapping_arns["legacy"],
            new_mapping_uuid=new.uuid,
            new_mapping_arn=mapping_arns["new"],
            capture_mapping_uuid=capture.uuid if capture is not None else None,
            capture_mapping_arn=mapping_arns["capture"] if capture is not None else None,
            gate_topic_arn=gate_topic_arn,
        )


def pipeline_function_access(settings: StackSettings, r: PipelineResources) -> dict[str, FunctionAccess]:
    """The pipeline functions the stack builds (all six for its own legacy service; no legacy_intake for an
    adopted one, no capture without a stream): exactly what each calls, and what it reads from its
    environment. Every one is told the record mapping; the transforming ones read its lookup tables."""
    access = _pipeline_function_access(settings, r)
    if not r.owns_legacy_consumer:
        del access[LEGACY_INTAKE]
    if r.legacy_stream_arn is None:
        del access[CAPTURE_LEGACY_CHANGES]
    for name, function in access.items():
        function.environment[env.RECORD_MAPPING] = r.record_mapping
        if name in TRANSFORMING_FUNCTIONS and r.lookup_tables:
            function.statements.append(
                allow(
                    "ReadLookupTables",
                    LOOKUP_READER_ACTIONS,
                    [table.arn for table in r.lookup_tables.values()],
                )
            )
            for lookup, table in r.lookup_tables.items():
                function.environment[f"{env.LOOKUP_TABLE_PREFIX}{lookup.upper()}"] = table.name
    return access


def _pipeline_function_access(settings: StackSettings, r: PipelineResources) -> dict[str, FunctionAccess]:
    return {
        LEGACY_INTAKE: FunctionAccess(
            [
                allow("WriteLegacyTable", ["dynamodb:PutItem"], [r.legacy_table_arn]),
                allow("RejectToIntakeDeadLetterQueue", ["sqs:SendMessage"], [r.intake_dlq_arn]),
                allow("ConsumeIntakeQueue", CONSUMER_ACTIONS, [r.intake_queue_arn]),
            ],
            {env.LEGACY_TABLE_NAME: r.legacy_table_name, env.INTAKE_DLQ_URL: r.intake_dlq_url},
        ),
        ONBOARDING_INTAKE: FunctionAccess(
            [
                allow("WriteNewTable", NEW_TABLE_WRITER_ACTIONS, [r.new_table_arn]),
                allow("RejectToIntakeDeadLetterQueue", ["sqs:SendMessage"], [r.intake_dlq_arn]),
                allow("ConsumeIntakeQueue", CONSUMER_ACTIONS, [r.intake_queue_arn]),
                # Marks of the messages it failed, until an attempt succeeds: what the drain waits for.
                allow("MarkFailedIntake", ["dynamodb:PutItem", "dynamodb:DeleteItem"], [r.control_table_arn]),
            ],
            {
                env.NEW_TABLE_NAME: r.new_table_name,
                env.INTAKE_DLQ_URL: r.intake_dlq_url,
                env.CONTROL_TABLE_NAME: r.control_table_name,
            },
        ),
        ENQUEUE_RECORDS: FunctionAccess(
            [
                allow("ScanLegacyTable", ["dynamodb:Scan"], [r.legacy_table_arn]),
                allow("SendToMigrationQueue", ["sqs:SendMessage"], [r.migration_queue_arn]),
                # A record too large for any SQS message is rejected into the ledger (control table).
                allow("RejectOversizedRecords", ["dynamodb:PutItem"], [r.control_table_arn]),
            ],
            {
                env.LEGACY_TABLE_NAME: r.legacy_table_name,
                env.MIGRATION_QUEUE_URL: r.migration_queue_url,
                env.CONTROL_TABLE_NAME: r.control_table_name,
                env.ENQUEUE_TIME_RESERVE_MS: str(settings.enqueue_time_reserve_ms),
                env.ENQUEUE_CALL_SLICE_SECONDS: str(settings.enqueue_call_slice_seconds),
                env.RECORDS_PER_MESSAGE: str(settings.records_per_message),
            },
        ),
        MIGRATE_RECORD: FunctionAccess(
            [
                allow("WriteNewTable", NEW_TABLE_WRITER_ACTIONS, [r.new_table_arn]),
                # The ledger: REJECTED and LAST_ERROR entries, and deleting a LAST_ERROR once migrated.
                allow("WriteLedger", ["dynamodb:PutItem", "dynamodb:DeleteItem"], [r.control_table_arn]),
                allow("ConsumeMigrationQueue", CONSUMER_ACTIONS, [r.migration_queue_arn]),
                # A record that fails inside a packed message is sent back alone (packed_messages).
                allow("ResendFailedRecords", ["sqs:SendMessage"], [r.migration_queue_arn]),
            ],
            {
                env.NEW_TABLE_NAME: r.new_table_name,
                env.CONTROL_TABLE_NAME: r.control_table_name,
                env.MIGRATION_QUEUE_URL: r.migration_queue_url,
                env.RETRY_BASE_DELAY_SECONDS: str(settings.retry_base_delay_seconds),
                env.RETRY_MAX_DELAY_SECONDS: str(settings.retry_max_delay_seconds),
                env.MAX_RECEIVE_COUNT: str(settings.max_receive_count),
                # Fault injection stays off on a deployed stack; the local CLI turns it on per run.
                env.FAULT_TRANSIENT_RATE: "0",
                env.FAULT_PERMANENT_IDS: "",
            },
        ),
        VALIDATE_MIGRATION: FunctionAccess(
            [
                # Scans for a full verification; BatchGetItem for an online re-verification's changed
                # records only (IAM checks BatchGetItem as its own action).
                allow(
                    "ReadBothTables",
                    ["dynamodb:Scan", "dynamodb:GetItem", "dynamodb:BatchGetItem"],
                    [r.legacy_table_arn, r.new_table_arn],
                ),
                # The ledger (scanned, or batch-read by key), the change marks (queried by time), and
                # (online, while serving) marking suspects as changed.
                allow(
                    "ReadLedgerAndMarkChanges",
                    [
                        "dynamodb:Scan",
                        "dynamodb:GetItem",
                        "dynamodb:BatchGetItem",
                        "dynamodb:Query",
                        "dynamodb:BatchWriteItem",
                    ],
                    [r.control_table_arn],
                ),
                allow(
                    "CountDeadLetters",
                    ["sqs:GetQueueAttributes"],
                    [r.migration_dlq_arn, r.intake_dlq_arn],
                ),
            ],
            {
                env.LEGACY_TABLE_NAME: r.legacy_table_name,
                env.NEW_TABLE_NAME: r.new_table_name,
                env.CONTROL_TABLE_NAME: r.control_table_name,
                env.MIGRATION_DLQ_URL: r.migration_dlq_url,
                env.INTAKE_DLQ_URL: r.intake_dlq_url,
            },
        ),
        CAPTURE_LEGACY_CHANGES: FunctionAccess(
            [
                # What Lambda's poller needs of the stream, on the function's role (Lambda developer guide,
                # "Using AWS Lambda with Amazon DynamoDB": execution role permissions).
                allow("ReadLegacyStream", STREAM_READER_ACTIONS, [r.legacy_stream_arn]),
                allow("SendChangesToMigrationQueue", ["sqs:SendMessage"], [r.migration_queue_arn]),
                # Sentinel arrivals (a group's plan read, its members counted) and the changed-application
                # marks the cut-over re-verifies.
                allow(
                    "RecordChanges",
                    ["dynamodb:PutItem", "dynamodb:BatchWriteItem", "dynamodb:GetItem", "dynamodb:Query"],
                    [r.control_table_arn],
                ),
                # The catch-up sentinels, one on each shard of the stream (reserved ids, written and deleted
                # again: migration_runtime/shard_covering_sentinels.py); the stream is read as above.
                allow(
                    "PlaceCatchUpSentinels", ["dynamodb:PutItem", "dynamodb:DeleteItem"], [r.legacy_table_arn]
                ),
            ],
            {
                env.MIGRATION_QUEUE_URL: r.migration_queue_url,
                env.CONTROL_TABLE_NAME: r.control_table_name,
                env.LEGACY_TABLE_NAME: r.legacy_table_name,
                env.LEGACY_STREAM_ARN: r.legacy_stream_arn,
            },
        )
        if r.legacy_stream_arn is not None
        else FunctionAccess([]),
    }


def restore_serving_access(r: ServingResources) -> dict[str, FunctionAccess]:
    """The watchdog function: the control table, the two intake mappings (and the capture mapping when
    there is one), the operators' topic."""
    mappings = [r.legacy_mapping_arn, r.new_mapping_arn]
    environment: dict[str, pulumi.Input[str]] = {
        env.CONTROL_TABLE_NAME: r.control_table_name,
        env.LEGACY_MAPPING_UUID: r.legacy_mapping_uuid,
        env.NEW_MAPPING_UUID: r.new_mapping_uuid,
        env.GATE_TOPIC_ARN: r.gate_topic_arn,
        env.RECORD_MAPPING: r.record_mapping,
    }
    if r.capture_mapping_uuid is not None and r.capture_mapping_arn is not None:
        mappings.append(r.capture_mapping_arn)
        environment[env.CAPTURE_MAPPING_UUID] = r.capture_mapping_uuid
    return {
        RESTORE_SERVING: FunctionAccess(
            [
                allow(
                    "RecordRestores",
                    ["dynamodb:GetItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"],
                    [r.control_table_arn],
                ),
                allow(
                    "RestoreServingMapping",
                    ["lambda:UpdateEventSourceMapping", "lambda:GetEventSourceMapping"],
                    mappings,
                ),
                allow("NotifyOperators", ["sns:Publish"], [r.gate_topic_arn]),
            ],
            environment,
        )
    }
