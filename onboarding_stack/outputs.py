"""The stack's outputs: every name, ARN, URL and mapping UUID the state machine and the command line need.

`migration_cli/stack_outputs.py` reads them by these names (`local up` writes them to a file, `pulumi
stack output --json` prints them on AWS).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pulumi

from components.dynamo_table import DynamoTable
from components.migration_state_machine import MigrationStateMachine
from components.operations_dashboard import OperationsDashboard
from components.python_function import PythonFunction
from components.queue_with_dead_letter import QueueWithDeadLetter


@dataclass(frozen=True)
class QueueOutputs:
    """A work queue and where its failures go (for an adopted intake queue: the stack's rejections queue)."""

    url: pulumi.Input[str]
    arn: pulumi.Input[str]
    dlq_url: pulumi.Input[str]
    dlq_arn: pulumi.Input[str]
    alarm_topic_arn: pulumi.Input[str] | None = None

    @classmethod
    def of(cls, queue: QueueWithDeadLetter) -> QueueOutputs:
        return cls(
            queue.queue.url,
            queue.queue.arn,
            queue.dead_letter_queue.url,
            queue.dead_letter_queue.arn,
            queue.alarm_topic.arn,
        )


@dataclass(frozen=True)
class TableOutputs:
    name: pulumi.Input[str]
    arn: pulumi.Input[str]
    stream_arn: pulumi.Input[str] | None = None

    @classmethod
    def of(cls, table: DynamoTable) -> TableOutputs:
        return cls(table.table.name, table.table.arn, table.table.stream_arn if table.has_stream else None)


def export_outputs(
    region: pulumi.Input[str],
    queues: Mapping[str, QueueOutputs],
    tables: Mapping[str, TableOutputs],
    mapping_uuids: Mapping[str, pulumi.Input[str]],
    functions: Mapping[str, PythonFunction],
    machine: MigrationStateMachine,
    mapping_arns: Mapping[str, pulumi.Input[str]],
    dashboard: OperationsDashboard,
    record_mapping: str,
    lookup_tables: Mapping[str, pulumi.Input[str]] | None = None,
    adopted: bool = False,
) -> None:
    """Export as `<queue>_queue_url`, `<table>_table_name`, `<consumer>_mapping_uuid`, `<fn>_function_arn`,
    `record_mapping` (the mapping every function runs) and `lookup_table_<name>` (the deployed name of each
    of the mapping's lookup tables)."""
    pulumi.export("region", region)
    pulumi.export("record_mapping", record_mapping)
    # "adopted": the intake queue, legacy table and legacy mapping belong to a live service, not this stack.
    pulumi.export("legacy_service", "adopted" if adopted else "own")
    for prefix, queue in queues.items():
        pulumi.export(f"{prefix}_queue_url", queue.url)
        pulumi.export(f"{prefix}_queue_arn", queue.arn)
        pulumi.export(f"{prefix}_dlq_url", queue.dlq_url)
        pulumi.export(f"{prefix}_dlq_arn", queue.dlq_arn)
        if queue.alarm_topic_arn is not None:
            pulumi.export(f"{prefix}_alarm_topic_arn", queue.alarm_topic_arn)
    for prefix, table in tables.items():
        pulumi.export(f"{prefix}_table_name", table.name)
        pulumi.export(f"{prefix}_table_arn", table.arn)
        if table.stream_arn is not None:
            pulumi.export(f"{prefix}_stream_arn", table.stream_arn)
    for name, table_name in (lookup_tables or {}).items():
        pulumi.export(f"lookup_table_{name}", table_name)
    for prefix, uuid in mapping_uuids.items():
        pulumi.export(f"{prefix}_mapping_uuid", uuid)
    for prefix, arn in mapping_arns.items():
        pulumi.export(f"{prefix}_mapping_arn", arn)
    for name, function in functions.items():
        pulumi.export(f"{name}_function_name", function.function.name)
        pulumi.export(f"{name}_function_arn", function.function.arn)
    pulumi.export("state_machine_arn", machine.arn)
    pulumi.export("gate_topic_arn", machine.gate_topic.arn)
    pulumi.export("dashboard_name", dashboard.dashboard.dashboard_name)
