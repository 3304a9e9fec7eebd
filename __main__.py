"""The onboarding migration stack, composed: settings and each function's grants and environment come
from `onboarding_stack/`, the resources from `components/`, what each function does from `functions/`."""

from __future__ import annotations

import pulumi_aws as aws

from components.dynamo_table import DynamoTable, DynamoTableArgs
from components.execution_watchdog import ExecutionWatchdog, ExecutionWatchdogArgs
from components.migration_state_machine import MigrationStateMachine, MigrationStateMachineArgs
from components.operations_dashboard import OperationsDashboard, OperationsDashboardArgs
from components.stream_consumer import StreamConsumer, StreamConsumerArgs
from onboarding_stack import function_names as fn
from onboarding_stack.building_blocks import mapping_arn, queue_consumer, stack_function, work_queue
from onboarding_stack.function_access import (
    PipelineResources,
    ServingResources,
    pipeline_function_access,
    restore_serving_access,
)
from onboarding_stack.outputs import export_outputs
from onboarding_stack.settings import load_settings, resolve_powertools_layer

settings = load_settings()
region = aws.get_region().region
layer = resolve_powertools_layer(settings, region)

intake = work_queue(settings, "intake", settings.intake_visibility_timeout_seconds, fn.INTAKE_CONSUMERS)
migration = work_queue(
    settings, "migration", settings.migration_visibility_timeout_seconds, (fn.MIGRATE_RECORD,)
)
protect = settings.deletion_protection
# The legacy table's stream carries every change the legacy backend makes: an online migration captures it.
legacy_table = DynamoTable(
    "legacy",
    DynamoTableArgs(
        hash_key="application_id",
        range_key=None,
        deletion_protection_enabled=protect,
        stream_view_type="NEW_AND_OLD_IMAGES",
    ),
)
new_table = DynamoTable("onboarding", DynamoTableArgs(deletion_protection_enabled=protect))
# The migration's own records (lock, runs, serving backend, the ledger): never in the new service's table.
control_table = DynamoTable("control", DynamoTableArgs(deletion_protection_enabled=protect))

pipeline = PipelineResources.of(intake, migration, legacy_table, new_table, control_table)
functions = {
    name: stack_function(settings, layer, name, access)
    for name, access in pipeline_function_access(settings, pipeline).items()
}

# One intake queue, two mappings: only the legacy one enabled until the cut-over.
intake_tap, migrate_tap = settings.intake_consumer, settings.migrate_consumer
consumers = {
    "legacy": queue_consumer("legacy-intake", intake, functions[fn.LEGACY_INTAKE], intake_tap, enabled=True),
    "new": queue_consumer(
        "onboarding-intake", intake, functions[fn.ONBOARDING_INTAKE], intake_tap, enabled=False
    ),
    "migrate": queue_consumer(
        "migrate-record", migration, functions[fn.MIGRATE_RECORD], migrate_tap, enabled=True
    ),
}
# Disabled until an online run enables it (and disabled again when the run ends).
capture = StreamConsumer(
    "capture-legacy-changes",
    StreamConsumerArgs(
        stream_arn=legacy_table.table.stream_arn, function=functions[fn.CAPTURE_LEGACY_CHANGES]
    ),
)
mapping_arns = {name: mapping_arn(region, consumers[name]) for name in ("legacy", "new")}
mapping_arns["capture"] = mapping_arn(region, capture)

machine = MigrationStateMachine(
    "migration",
    MigrationStateMachineArgs(
        legacy_mapping_uuid=consumers["legacy"].uuid,
        new_mapping_uuid=consumers["new"].uuid,
        capture_mapping_uuid=capture.uuid,
        intake_queue_url=intake.queue.url,
        intake_queue_arn=intake.queue.arn,
        migration_queue_url=migration.queue.url,
        migration_queue_arn=migration.queue.arn,
        migration_dlq_arn=migration.dead_letter_queue.arn,
        legacy_table_name=legacy_table.table.name,
        legacy_table_arn=legacy_table.table.arn,
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
    control_table, consumers["legacy"], consumers["new"], capture, mapping_arns, machine.gate_topic.arn
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

queues = {"intake": intake, "migration": migration}
dashboard = OperationsDashboard(
    "operations",
    OperationsDashboardArgs(
        dashboard_name=f"{settings.name_prefix}-operations",
        region=region,
        queues={name: queue.queue.name for name, queue in queues.items()},
        dead_letter_queues={f"{name} DLQ": queue.dead_letter_queue.name for name, queue in queues.items()},
        functions={name: function.function.name for name, function in functions.items()},
        state_machine_arn=machine.arn,
    ),
)
export_outputs(
    region=region,
    queues=queues,
    tables={"legacy": legacy_table, "new": new_table, "control": control_table},
    consumers={**consumers, "capture": capture},
    functions=functions,
    machine=machine,
    mapping_arns=mapping_arns,
    dashboard=dashboard,
)
