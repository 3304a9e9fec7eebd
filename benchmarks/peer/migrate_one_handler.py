"""Peer: migrate the one record a Map iteration passes, with the project's own per-record logic.

The same eligibility, validation, transform and conditional write as migrate_record, so the peer and the
pipeline differ only in how records reach the function: one invocation per record from a Map state.
"""

from __future__ import annotations

import os
from typing import Any

from migration_runtime import aws_clients
from migration_runtime.json_values import dumps
from migration_runtime.record_migration import MigrationMessage, RecordMigrator


def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, str]:
    migrator = RecordMigrator(
        dynamodb=aws_clients.dynamodb(),
        sqs=None,
        new_table_name=os.environ["TARGET_TABLE_NAME"],
        control_table_name=os.environ["LEDGER_TABLE_NAME"],
        migration_queue_url="",
    )
    result = migrator.migrate(
        MigrationMessage(
            message_id=str(event.get("application_id")), body=dumps(event), receipt_handle="", receive_count=1
        )
    )
    return {"outcome": result.outcome.value}
