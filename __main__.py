"""The onboarding migration stack: intake queue, legacy and new backends, migration pipeline, dashboard.

The program only composes components (`components/`); what each function does lives in `functions/` and
`onboarding/`. Every tunable is read from the `onboarding` config namespace, with defaults that work, e.g.
`pulumi config set onboarding:maxReceiveCount 5`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_aws as aws

from components.dynamo_table import DynamoTable, DynamoTableArgs
from components.execution_watchdog import ExecutionWatchdog, ExecutionWatchdogArgs
from components.migration_state_machine import (
    MigrationStateMachine,
    MigrationStateMachineArgs,
    event_source_mapping_arn,
)
from components.operations_dashboard import OperationsDashboard, OperationsDashboardArgs
from components.python_function import (
    PythonFunction,
    PythonFunctionArgs,
    powertools_layer_arn,
    powertools_layer_parameter_name,
)
from components.queue_consumer import VISIBILITY_TO_TIMEOUT_RATIO, QueueConsumer, QueueConsumerArgs
from components.queue_with_dead_letter import QueueWithDeadLetter, QueueWithDeadLetterArgs

CONFIG_NAMESPACE = "onboarding"
FUNCTION_NAMES = (
    "legacy_intake",
    "onboarding_intake",
    "enqueue_records",
    "migrate_record",
    "validate_migration",
)
INTAKE_CONSUMERS = ("legacy_intake", "onboarding_intake")
# Built after the state machine: it restores serving after an execution's abnormal end.
WATCHDOG_FUNCTION = "restore_serving"

CONSUMER_ACTIONS = [
    "sqs:ReceiveMessage",
    "sqs:DeleteMessage",
    "sqs:GetQueueAttributes",
    "sqs:ChangeMessageVisibility",
]

# (memory MB, timeout s) per function. enqueue_records pages through a scan segment and hands back a
# cursor before its deadline; validate_migration scans both tables in full.
FUNCTION_DEFAULTS: Mapping[str, tuple[int, int]] = {
    "legacy_intake": (256, 30),
    "onboarding_intake": (256, 30),
    "enqueue_records": (256, 300),
    "migrate_record": (256, 30),
    "validate_migration": (1024, 900),
    WATCHDOG_FUNCTION: (256, 120),
}


def _camel(snake: str) -> str:
    head, *rest = snake.split("_")
    return head + "".join(part.title() for part in rest)


@dataclass(frozen=True)
class FunctionSettings:
    """Size of one function."""

    memory_size_mb: int
    timeout_seconds: int


@dataclass(frozen=True)
class ConsumerSettings:
    """Throughput of one event source mapping."""

    batch_size: int
    batching_window_seconds: int
    maximum_concurrency: int


@dataclass(frozen=True)
class StackSettings:
    """Every tunable of the stack, resolved from config and defaults."""

    name_prefix: str
    max_receive_count: int
    alarm_email: str | None
    deletion_protection: bool
    log_retention_days: int
    log_level: str
    metrics_namespace: str
    powertools_version: str
    powertools_layer_version: int | None
    powertools_layer_arn: str | None
    intake_visibility_timeout_seconds: int
    migration_visibility_timeout_seconds: int
    queue_retention_seconds: int
    intake_consumer: ConsumerSettings
    migrate_consumer: ConsumerSettings
    retry_base_delay_seconds: int
    retry_max_delay_seconds: int
    enqueue_time_reserve_ms: int
    enqueue_call_slice_seconds: int
    migration_execution_timeout_seconds: int
    functions: Mapping[str, FunctionSettings] = field(default_factory=dict)


def load_settings(config: pulumi.Config | None = None) -> StackSettings:
    """Read the `onboarding:*` config keys (camelCase), falling back to working defaults."""
    config = config or pulumi.Config(CONFIG_NAMESPACE)

    def integer(key: str, default: int) -> int:
        value = config.get_int(key)
        return default if value is None else value

    def flag(key: str, default: bool) -> bool:
        value = config.get_bool(key)
        return default if value is None else value

    functions = {}
    for name, (memory, timeout) in FUNCTION_DEFAULTS.items():
        key = _camel(name)
        functions[name] = FunctionSettings(
            memory_size_mb=integer(f"{key}MemoryMb", memory),
            timeout_seconds=integer(f"{key}TimeoutSeconds", timeout),
        )

    return StackSettings(
        name_prefix=config.get("namePrefix") or f"onboarding-{pulumi.get_stack()}",
        max_receive_count=integer("maxReceiveCount", 5),
        alarm_email=config.get("alarmEmail") or None,
        deletion_protection=flag("deletionProtection", True),
        log_retention_days=integer("logRetentionDays", 30),
        log_level=config.get("logLevel") or "INFO",
        metrics_namespace=config.get("metricsNamespace") or "OnboardingMigration",
        powertools_version=config.get("powertoolsVersion") or "3.37.0",
        powertools_layer_version=config.get_int("powertoolsLayerVersion"),
        powertools_layer_arn=config.get("powertoolsLayerArn") or None,
        # 0 means "derive it": each queue gets max(this, 6 x its slowest consumer's timeout).
        intake_visibility_timeout_seconds=integer("intakeVisibilityTimeoutSeconds", 0),
        migration_visibility_timeout_seconds=integer("migrationVisibilityTimeoutSeconds", 0),
        queue_retention_seconds=integer("queueRetentionSeconds", 345_600),
        intake_consumer=ConsumerSettings(
            batch_size=integer("intakeBatchSize", 10),
            batching_window_seconds=integer("intakeBatchingWindowSeconds", 0),
            maximum_concurrency=integer("intakeMaxConcurrency", 10),
        ),
        migrate_consumer=ConsumerSettings(
            batch_size=integer("migrateBatchSize", 10),
            batching_window_seconds=integer("migrateBatchingWindowSeconds", 0),
            maximum_concurrency=integer("migrateMaxConcurrency", 10),
        ),
        retry_base_delay_seconds=integer("retryBaseDelaySeconds", 2),
        retry_max_delay_seconds=integer("retryMaxDelaySeconds", 120),
        enqueue_time_reserve_ms=integer("enqueueTimeReserveMs", 10_000),
        enqueue_call_slice_seconds=integer("enqueueCallSliceSeconds", 20),
        migration_execution_timeout_seconds=integer("migrationExecutionTimeoutSeconds", 30 * 24 * 3600),
        functions=functions,
    )


def resolve_powertools_layer(settings: StackSettings, region: str) -> pulumi.Input[str]:
    """The Powertools layer ARN: explicit ARN, else explicit layer version, else the pinned release (SSM)."""
    if settings.powertools_layer_arn:
        return settings.powertools_layer_arn
    if settings.powertools_layer_version is not None:
        return powertools_layer_arn(region, settings.powertools_layer_version)
    # Public parameter, not a secret: `insecure_value` keeps the ARN readable in the state and in diffs.
    parameter = aws.ssm.get_parameter_output(
        name=powertools_layer_parameter_name(settings.powertools_version)
    )
    return parameter.insecure_value


def allow(sid: str, actions: list[str], resources: list[pulumi.Input[str]]) -> dict[str, Any]:
    """One Allow statement scoped to explicit resources."""
    return {"Sid": sid, "Effect": "Allow", "Action": actions, "Resource": resources}


@dataclass
class OnboardingStack:
    """The composed pieces, for exports and for later additions (state machine, dashboard)."""

    settings: StackSettings
    region: str
    intake: QueueWithDeadLetter
    migration: QueueWithDeadLetter
    legacy_table: DynamoTable
    new_table: DynamoTable
    control_table: DynamoTable
    layer: pulumi.Input[str]
    functions: dict[str, PythonFunction]
    legacy_consumer: QueueConsumer
    new_consumer: QueueConsumer
    migrate_consumer: QueueConsumer
    dashboard: OperationsDashboard | None = None


def python_function(
    settings: StackSettings,
    name: str,
    statements: list[dict[str, Any]],
    environment: dict[str, pulumi.Input[str]],
    layer: pulumi.Input[str],
) -> PythonFunction:
    """One function of `functions/<name>/`, sized from the settings."""
    return PythonFunction(
        name.replace("_", "-"),
        PythonFunctionArgs(
            source_name=name,
            function_name=f"{settings.name_prefix}-{name}",
            statements=statements,
            layers=[layer],
            environment=environment,
            memory_size_mb=settings.functions[name].memory_size_mb,
            timeout_seconds=settings.functions[name].timeout_seconds,
            log_retention_days=settings.log_retention_days,
            log_level=settings.log_level,
            metrics_namespace=settings.metrics_namespace,
        ),
    )


def build_stack(settings: StackSettings) -> OnboardingStack:
    """Queues, tables, functions and mappings: everything but the state machine and the dashboard."""
    region = aws.get_region().region
    layer = resolve_powertools_layer(settings, region)
    timeouts = {name: fn.timeout_seconds for name, fn in settings.functions.items()}

    # --- Queues ------------------------------------------------------------------------------------
    intake = QueueWithDeadLetter(
        "intake",
        QueueWithDeadLetterArgs(
            visibility_timeout_seconds=max(
                settings.intake_visibility_timeout_seconds,
                VISIBILITY_TO_TIMEOUT_RATIO * max(timeouts[name] for name in INTAKE_CONSUMERS),
            ),
            max_receive_count=settings.max_receive_count,
            message_retention_seconds=settings.queue_retention_seconds,
            alarm_email=settings.alarm_email,
        ),
    )
    migration = QueueWithDeadLetter(
        "migration",
        QueueWithDeadLetterArgs(
            visibility_timeout_seconds=max(
                settings.migration_visibility_timeout_seconds,
                VISIBILITY_TO_TIMEOUT_RATIO * timeouts["migrate_record"],
            ),
            max_receive_count=settings.max_receive_count,
            message_retention_seconds=settings.queue_retention_seconds,
            alarm_email=settings.alarm_email,
        ),
    )

    # --- Tables ------------------------------------------------------------------------------------
    legacy_table = DynamoTable(
        "legacy",
        DynamoTableArgs(
            hash_key="application_id",
            range_key=None,
            deletion_protection_enabled=settings.deletion_protection,
        ),
    )
    new_table = DynamoTable(
        "onboarding", DynamoTableArgs(deletion_protection_enabled=settings.deletion_protection)
    )
    # The migration's own records (lock, runs, serving backend, the ledger of rejections and last
    # errors): never in the new service's table.
    control_table = DynamoTable(
        "control", DynamoTableArgs(deletion_protection_enabled=settings.deletion_protection)
    )

    legacy_arn = legacy_table.table.arn
    new_arn = new_table.table.arn
    control_arn = control_table.table.arn
    intake_queue_arn = intake.queue.arn
    intake_dlq_arn = intake.dead_letter_queue.arn
    migration_queue_arn = migration.queue.arn
    migration_dlq_arn = migration.dead_letter_queue.arn

    # --- Functions: exactly what each one calls, on exactly which resource -------------------------
    statements: dict[str, list[dict[str, Any]]] = {
        "legacy_intake": [
            allow("WriteLegacyTable", ["dynamodb:PutItem"], [legacy_arn]),
            allow("RejectToIntakeDeadLetterQueue", ["sqs:SendMessage"], [intake_dlq_arn]),
            allow("ConsumeIntakeQueue", CONSUMER_ACTIONS, [intake_queue_arn]),
        ],
        "onboarding_intake": [
            allow("WriteNewTable", ["dynamodb:PutItem", "dynamodb:GetItem"], [new_arn]),
            allow("RejectToIntakeDeadLetterQueue", ["sqs:SendMessage"], [intake_dlq_arn]),
            allow("ConsumeIntakeQueue", CONSUMER_ACTIONS, [intake_queue_arn]),
        ],
        "enqueue_records": [
            allow("ScanLegacyTable", ["dynamodb:Scan"], [legacy_arn]),
            allow("SendToMigrationQueue", ["sqs:SendMessage"], [migration_queue_arn]),
            # A record too large for any SQS message is rejected into the ledger (control table) instead.
            allow("RejectOversizedRecords", ["dynamodb:PutItem"], [control_arn]),
        ],
        "migrate_record": [
            allow("WriteNewTable", ["dynamodb:PutItem", "dynamodb:GetItem"], [new_arn]),
            # The ledger: REJECTED and LAST_ERROR entries, and deleting a LAST_ERROR once migrated.
            allow("WriteLedger", ["dynamodb:PutItem", "dynamodb:DeleteItem"], [control_arn]),
            allow("ConsumeMigrationQueue", CONSUMER_ACTIONS, [migration_queue_arn]),
        ],
        "validate_migration": [
            allow("ScanBothTables", ["dynamodb:Scan"], [legacy_arn, new_arn]),
            allow("ScanLedger", ["dynamodb:Scan"], [control_arn]),
            allow("CountDeadLetters", ["sqs:GetQueueAttributes"], [migration_dlq_arn, intake_dlq_arn]),
        ],
    }
    environments: dict[str, dict[str, pulumi.Input[str]]] = {
        "legacy_intake": {
            "LEGACY_TABLE_NAME": legacy_table.table.name,
            "INTAKE_DLQ_URL": intake.dead_letter_queue.url,
        },
        "onboarding_intake": {
            "NEW_TABLE_NAME": new_table.table.name,
            "INTAKE_DLQ_URL": intake.dead_letter_queue.url,
        },
        "enqueue_records": {
            "LEGACY_TABLE_NAME": legacy_table.table.name,
            "MIGRATION_QUEUE_URL": migration.queue.url,
            "CONTROL_TABLE_NAME": control_table.table.name,
            "ENQUEUE_TIME_RESERVE_MS": str(settings.enqueue_time_reserve_ms),
            "ENQUEUE_CALL_SLICE_SECONDS": str(settings.enqueue_call_slice_seconds),
        },
        "migrate_record": {
            "NEW_TABLE_NAME": new_table.table.name,
            "CONTROL_TABLE_NAME": control_table.table.name,
            "MIGRATION_QUEUE_URL": migration.queue.url,
            "RETRY_BASE_DELAY_SECONDS": str(settings.retry_base_delay_seconds),
            "RETRY_MAX_DELAY_SECONDS": str(settings.retry_max_delay_seconds),
            "MAX_RECEIVE_COUNT": str(settings.max_receive_count),
            # Fault injection stays off on a deployed stack; the local CLI turns it on per run.
            "FAULT_TRANSIENT_RATE": "0",
            "FAULT_PERMANENT_IDS": "",
        },
        "validate_migration": {
            "LEGACY_TABLE_NAME": legacy_table.table.name,
            "NEW_TABLE_NAME": new_table.table.name,
            "CONTROL_TABLE_NAME": control_table.table.name,
            "MIGRATION_DLQ_URL": migration.dead_letter_queue.url,
            "INTAKE_DLQ_URL": intake.dead_letter_queue.url,
        },
    }
    functions = {
        name: python_function(settings, name, statements[name], environments[name], layer)
        for name in FUNCTION_NAMES
    }

    # --- Consumers: one intake queue, two mappings, only the legacy one enabled --------------------
    def consumer(
        name: str, queue: QueueWithDeadLetter, function: str, tap: ConsumerSettings, enabled: bool
    ) -> QueueConsumer:
        return QueueConsumer(
            name,
            QueueConsumerArgs(
                queue=queue,
                function=functions[function],
                batch_size=tap.batch_size,
                maximum_batching_window_in_seconds=tap.batching_window_seconds,
                maximum_concurrency=tap.maximum_concurrency,
                enabled=enabled,
            ),
        )

    return OnboardingStack(
        settings=settings,
        region=region,
        intake=intake,
        migration=migration,
        legacy_table=legacy_table,
        new_table=new_table,
        control_table=control_table,
        layer=layer,
        functions=functions,
        legacy_consumer=consumer(
            "legacy-intake", intake, "legacy_intake", settings.intake_consumer, enabled=True
        ),
        new_consumer=consumer(
            "onboarding-intake", intake, "onboarding_intake", settings.intake_consumer, enabled=False
        ),
        migrate_consumer=consumer(
            "migrate-record", migration, "migrate_record", settings.migrate_consumer, enabled=True
        ),
    )


def build_dashboard(stack: OnboardingStack, state_machine_arn: pulumi.Input[str] | None = None) -> None:
    """The operations dashboard over everything built so far."""
    stack.dashboard = OperationsDashboard(
        "operations",
        OperationsDashboardArgs(
            dashboard_name=f"{stack.settings.name_prefix}-operations",
            region=stack.region,
            queues={"intake": stack.intake.queue.name, "migration": stack.migration.queue.name},
            dead_letter_queues={
                "intake DLQ": stack.intake.dead_letter_queue.name,
                "migration DLQ": stack.migration.dead_letter_queue.name,
            },
            functions={name: fn.function.name for name, fn in stack.functions.items()},
            state_machine_arn=state_machine_arn,
        ),
    )


def export_outputs(stack: OnboardingStack) -> None:
    """Every name, ARN, URL and mapping UUID the state machine and the command line need."""
    pulumi.export("region", stack.region)
    for prefix, queues in (("intake", stack.intake), ("migration", stack.migration)):
        pulumi.export(f"{prefix}_queue_url", queues.queue.url)
        pulumi.export(f"{prefix}_queue_arn", queues.queue.arn)
        pulumi.export(f"{prefix}_dlq_url", queues.dead_letter_queue.url)
        pulumi.export(f"{prefix}_dlq_arn", queues.dead_letter_queue.arn)
        pulumi.export(f"{prefix}_alarm_topic_arn", queues.alarm_topic.arn)
    pulumi.export("legacy_table_name", stack.legacy_table.table.name)
    pulumi.export("legacy_table_arn", stack.legacy_table.table.arn)
    pulumi.export("new_table_name", stack.new_table.table.name)
    pulumi.export("new_table_arn", stack.new_table.table.arn)
    pulumi.export("control_table_name", stack.control_table.table.name)
    pulumi.export("control_table_arn", stack.control_table.table.arn)
    pulumi.export("legacy_mapping_uuid", stack.legacy_consumer.uuid)
    pulumi.export("new_mapping_uuid", stack.new_consumer.uuid)
    pulumi.export("migrate_mapping_uuid", stack.migrate_consumer.uuid)
    for name, fn in stack.functions.items():
        pulumi.export(f"{name}_function_name", fn.function.name)
        pulumi.export(f"{name}_function_arn", fn.function.arn)
    if stack.dashboard is not None:
        pulumi.export("dashboard_name", stack.dashboard.dashboard.dashboard_name)


def build_migration(stack: OnboardingStack) -> MigrationStateMachine:
    """The migration state machine, and the watchdog that restores serving after its abnormal ends."""
    machine = MigrationStateMachine(
        "migration",
        MigrationStateMachineArgs(
            legacy_mapping_uuid=stack.legacy_consumer.uuid,
            new_mapping_uuid=stack.new_consumer.uuid,
            intake_queue_url=stack.intake.queue.url,
            intake_queue_arn=stack.intake.queue.arn,
            migration_queue_url=stack.migration.queue.url,
            migration_queue_arn=stack.migration.queue.arn,
            migration_dlq_arn=stack.migration.dead_letter_queue.arn,
            legacy_table_name=stack.legacy_table.table.name,
            legacy_table_arn=stack.legacy_table.table.arn,
            enqueue_records_function_arn=stack.functions["enqueue_records"].function.arn,
            validate_migration_function_arn=stack.functions["validate_migration"].function.arn,
            control_table_name=stack.control_table.table.name,
            control_table_arn=stack.control_table.table.arn,
            notification_email=stack.settings.alarm_email,
            log_retention_days=stack.settings.log_retention_days,
            execution_timeout_seconds=stack.settings.migration_execution_timeout_seconds,
        ),
    )
    account_id = aws.get_caller_identity_output().account_id
    legacy_mapping_arn, new_mapping_arn = (
        pulumi.Output.all(account_id, uuid).apply(
            lambda values: event_source_mapping_arn(stack.region, values[0], values[1])
        )
        for uuid in (stack.legacy_consumer.uuid, stack.new_consumer.uuid)
    )
    watchdog_function = python_function(
        stack.settings,
        WATCHDOG_FUNCTION,
        [
            allow(
                "RecordRestores",
                ["dynamodb:GetItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"],
                [stack.control_table.table.arn],
            ),
            allow(
                "RestoreServingMapping",
                ["lambda:UpdateEventSourceMapping", "lambda:GetEventSourceMapping"],
                [legacy_mapping_arn, new_mapping_arn],
            ),
            allow("NotifyOperators", ["sns:Publish"], [machine.gate_topic.arn]),
        ],
        {
            "CONTROL_TABLE_NAME": stack.control_table.table.name,
            "LEGACY_MAPPING_UUID": stack.legacy_consumer.uuid,
            "NEW_MAPPING_UUID": stack.new_consumer.uuid,
            "GATE_TOPIC_ARN": machine.gate_topic.arn,
        },
        stack.layer,
    )
    stack.functions[WATCHDOG_FUNCTION] = watchdog_function
    ExecutionWatchdog(
        "migration-watchdog",
        ExecutionWatchdogArgs(state_machine_arn=machine.arn, function=watchdog_function),
    )
    pulumi.export("state_machine_arn", machine.arn)
    pulumi.export("gate_topic_arn", machine.gate_topic.arn)
    pulumi.export("legacy_mapping_arn", legacy_mapping_arn)
    pulumi.export("new_mapping_arn", new_mapping_arn)
    return machine


stack = build_stack(load_settings())
migration = build_migration(stack)
build_dashboard(stack, migration.arn)
export_outputs(stack)
