"""The stack's outputs: every name, ARN, URL and mapping UUID the state machine and the command line need.

`migration_cli/stack_outputs.py` reads them by these names (`local up` writes them to a file, `pulumi
stack output --json` prints them on AWS).
"""

from __future__ import annotations

from collections.abc import Mapping

import pulumi

from components.dynamo_table import DynamoTable
from components.migration_state_machine import MigrationStateMachine
from components.operations_dashboard import OperationsDashboard
from components.python_function import PythonFunction
from components.queue_consumer import QueueConsumer
from components.queue_with_dead_letter import QueueWithDeadLetter
from components.stream_consumer import StreamConsumer


def export_outputs(
    region: pulumi.Input[str],
    queues: Mapping[str, QueueWithDeadLetter],
    tables: Mapping[str, DynamoTable],
    consumers: Mapping[str, QueueConsumer | StreamConsumer],
    functions: Mapping[str, PythonFunction],
    machine: MigrationStateMachine,
    mapping_arns: Mapping[str, pulumi.Input[str]],
    dashboard: OperationsDashboard,
) -> None:
    """Export as `<queue>_queue_url`, `<table>_table_name`, `<consumer>_mapping_uuid`, `<fn>_function_arn`."""
    pulumi.export("region", region)
    for prefix, queue in queues.items():
        pulumi.export(f"{prefix}_queue_url", queue.queue.url)
        pulumi.export(f"{prefix}_queue_arn", queue.queue.arn)
        pulumi.export(f"{prefix}_dlq_url", queue.dead_letter_queue.url)
        pulumi.export(f"{prefix}_dlq_arn", queue.dead_letter_queue.arn)
        pulumi.export(f"{prefix}_alarm_topic_arn", queue.alarm_topic.arn)
    for prefix, table in tables.items():
        pulumi.export(f"{prefix}_table_name", table.table.name)
        pulumi.export(f"{prefix}_table_arn", table.table.arn)
        if table.has_stream:
            pulumi.export(f"{prefix}_stream_arn", table.table.stream_arn)
    for prefix, consumer in consumers.items():
        pulumi.export(f"{prefix}_mapping_uuid", consumer.uuid)
    for prefix, arn in mapping_arns.items():
        pulumi.export(f"{prefix}_mapping_arn", arn)
    for name, function in functions.items():
        pulumi.export(f"{name}_function_name", function.function.name)
        pulumi.export(f"{name}_function_arn", function.function.arn)
    pulumi.export("state_machine_arn", machine.arn)
    pulumi.export("gate_topic_arn", machine.gate_topic.arn)
    pulumi.export("dashboard_name", dashboard.dashboard.dashboard_name)
