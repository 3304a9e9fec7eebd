"""The onboarding migration stack, composed: settings and each function's grants and environment come
from `onboarding_stack/`, the resources from `components/`, what each function does from `functions/`."""

from __future__ import annotations

import pulumi
import pulumi_aws as aws

from components.dynamo_table import DynamoTable, DynamoTableArgs
from components.execution_watchdog import ExecutionWatchdog, ExecutionWatchdogArgs
from components.migration_state_machine import MigrationStateMachine, MigrationStateMachineArgs
from components.operations_dashboard import OperationsDashboard, OperationsDashboardArgs
from components.queue_consumer import VISIBILITY_TO_TIMEOUT_RATIO, QueueConsumer
from components.stream_consumer import StreamConsumer, StreamConsumerArgs
from migration_runtime.record_mapping import load_mapping
from onboarding_stack import function_names as fn
from onboarding_stack.building_blocks import (
    mapping_arn,
    mapping_arn_of_uuid,
    queue_consumer,
    stack_function,
    work_queue,
)
from onboarding_stack.function_access import (
    PipelineResources,
    ServingResources,
    pipeline_function_access,
    restore_serving_access,
)
from onboarding_stack.legacy_service import adopted_legacy_service, own_legacy_service
from onboarding_stack.outputs import QueueOutputs, TableOutputs, export_outputs
from onboarding_stack.settings import load_settings, resolve_powertools_layer

settings = load_settings()
mapping = load_mapping(settings.record_mapping)
region = aws.get_region().region
layer = resolve_powertools_layer(settings, region)

# The legacy service: adopted (looked up read-only, checked) or the stack's own demo one.
legacy = (
    adopted_legacy_service(settings.existing, mapping)
    if settings.existing is not None
    else own_legacy_service(settings, mapping)
)
migration = work_queue(
    settings, "migration", settings.migration_visibility_timeout_seconds, (fn.MIGRATE_RECORD,)
)
protect = settings.deletion_protection
new_table = DynamoTable("onboarding", DynamoTableArgs(deletion_protection_enabled=protect))
# The migration's own records (lock, runs, serving backend, the ledger): never in the new service's table.
control_table = DynamoTable("control", DynamoTableArgs(deletion_protection_enabled=protect))

pipeline = PipelineResources(
    legacy_table_name=legacy.table_name,
    legacy_table_arn=legacy.table_arn,
    legacy_stream_arn=legacy.stream_arn,
    new_table_name=new_table.table.name,
    new_table_arn=new_table.table.arn,
    control_table_name=control_table.table.name,
    control_table_arn=control_table.table.arn,
    intake_queue_arn=legacy.intake_queue_arn,
    intake_dlq_url=legacy.rejections_url,
    intake_dlq_arn=legacy.rejections_arn,
    migration_queue_url=migration.queue.url,
    migration_queue_arn=migration.queue.arn,
    migration_dlq_url=migration.dead_letter_queue.url,
    migration_dlq_arn=migration.dead_letter_queue.arn,
    record_mapping=mapping.name,
    lookup_tables=legacy.lookup_tables,
    owns_legacy_consumer=not legacy.adopted,
)
functions = {
    name: stack_function(settings, layer, name, access)
    for name, access in pipeline_function_access(settings, pipeline).items()
}

# One intake queue, two mappings: only the legacy one enabled until the cut-over. An adopted service's
# legacy mapping exists already; the stack adds only the new backend's, disabled.
intake_tap, migrate_tap = settings.intake_consumer, settings.migrate_consumer
consumers: dict[str, QueueConsumer | StreamConsumer] = {}
if not legacy.adopted:
    consumers["legacy"] = queue_consumer(
        "legacy-intake", legacy.intake, functions[fn.LEGACY_INTAKE], intake_tap, enabled=True
    )
consumers["new"] = queue_consumer(
    "onboarding-intake", legacy.intake, functions[fn.ONBOARDING_INTAKE], intake_tap, enabled=False
)
consumers["migrate"] = queue_consumer(
    "migrate-record", migration, functions[fn.MIGRATE_RECORD], migrate_tap, enabled=True
)
legacy_mapping_uuid: pulumi.Input[str] = (
    legacy.adopted_mapping_uuid if legacy.adopted_mapping_uuid else consumers["legacy"].uuid
)
# Disabled until an online run enables it (and disabled again when the run ends). None: the legacy table
# has no stream of new and old images, so offline runs only (adopted_legacy_service warned).
capture = (
    StreamConsumer(
        "capture-legacy-changes",
        StreamConsumerArgs(stream_arn=legacy.stream_arn, function=functions[fn.CAPTURE_LEGACY_CHANGES]),
    )
    if legacy.stream_arn is not None
    else None
)
mapping_arns = {
    "legacy": mapping_arn_of_uuid(region, legacy_mapping_uuid),
    "new": mapping_arn(region, consumers["new"]),
}
if capture is not None:
    consumers["capture"] = capture
    mapping_arns["capture"] = mapping_arn(region, capture)

machine = MigrationStateMachine(
    "migration",
    MigrationStateMachineArgs(
        legacy_mapping_uuid=legacy_mapping_uuid,
        new_mapping_uuid=consumers["new"].uuid,
        capture_mapping_uuid=capture.uuid if capture is not None else None,
        capture_function_arn=(
            functions[fn.CAPTURE_LEGACY_CHANGES].function.arn if capture is not None else None
        ),
        intake_queue_url=legacy.intake_queue_url,
        intake_queue_arn=legacy.intake_queue_arn,
        intake_minimum_visibility_timeout_seconds=VISIBILITY_TO_TIMEOUT_RATIO
        * settings.functions[fn.ONBOARDING_INTAKE].timeout_seconds,
        intake_consumer_timeout_seconds=settings.functions[fn.ONBOARDING_INTAKE].timeout_seconds,
        migration_queue_url=migration.queue.url,
        migration_queue_arn=migration.queue.arn,
        migration_dlq_arn=migration.dead_letter_queue.arn,
        legacy_table_name=legacy.table_name,
        legacy_table_arn=legacy.table_arn,
        legacy_record_id_field=mapping.record_id_field,
        enqueue_records_function_arn=functions[fn.ENQUEUE_RECORDS].function.arn,
        validate_migration_function_arn=functions[fn.VALIDATE_MIGRATION].function.arn,
        control_table_name=control_table.table.name,
        control_table_arn=control_table.table.arn,
        notification_email=settings.alarm_email,
        log_retention_days=settings.log_retention_days,
        execution_timeout_seconds=settings.migration_execution_timeout_seconds,
    ),
)

# The watchdog puts serving back after an execution's abnormal end (stop, timeout, terminal error).
serving = ServingResources.of(
    control_table,
    None,
    consumers["new"],
    capture,
    mapping_arns,
    machine.gate_topic.arn,
    legacy_mapping_uuid=legacy_mapping_uuid,
    record_mapping=mapping.name,
)
functions.update(
    {
        name: stack_function(settings, layer, name, access)
        for name, access in restore_serving_access(serving).items()
    }
)
ExecutionWatchdog(
    "migration-watchdog",
    ExecutionWatchdogArgs(state_machine_arn=machine.arn, function=functions[fn.RESTORE_SERVING]),
)

dashboard = OperationsDashboard(
    "operations",
    OperationsDashboardArgs(
        dashboard_name=f"{settings.name_prefix}-operations",
        region=region,
        queues={"intake": legacy.intake_queue_name, "migration": migration.queue.name},
        dead_letter_queues={
            "intake DLQ": legacy.rejections_name,
            "migration DLQ": migration.dead_letter_queue.name,
        },
        functions={name: function.function.name for name, function in functions.items()},
        state_machine_arn=machine.arn,
    ),
)
export_outputs(
    region=region,
    queues={
        "intake": QueueOutputs.of(legacy.own_intake)
        if legacy.own_intake is not None
        else QueueOutputs(
            legacy.intake_queue_url, legacy.intake_queue_arn, legacy.rejections_url, legacy.rejections_arn
        ),
        "migration": QueueOutputs.of(migration),
    },
    tables={
        "legacy": TableOutputs(legacy.table_name, legacy.table_arn, legacy.stream_arn),
        "new": TableOutputs.of(new_table),
        "control": TableOutputs.of(control_table),
    },
    mapping_uuids={
        "legacy": legacy_mapping_uuid,
        **{name: consumer.uuid for name, consumer in consumers.items() if name != "legacy"},
    },
    functions=functions,
    machine=machine,
    mapping_arns=mapping_arns,
    dashboard=dashboard,
    record_mapping=settings.record_mapping,
    lookup_tables={name: table.name for name, table in legacy.lookup_tables.items()},
    adopted=legacy.adopted,
)
