"""The floor: the same per-record work done directly, from one process, with no queue and no Lambda.

Read the legacy table with Scan (strongly consistent, as enqueue_records reads it) and, for each record,
do exactly what migrate_record does (eligibility, validation, transform, one TransactWriteItems of the
item and its pointer, ``migration_runtime.application_writes``; a ledger
write for a rejected record, into a scratch ledger defined like the control table) with the project's own
``RecordMigrator``, into an empty table defined like the new table. One request at a time: the emulator's
limit for one caller, the yardstick of the pipeline.
"""

from __future__ import annotations

import time
from typing import Any

from benchmarks.bench_stack import BenchStack, DataSet
from benchmarks.metering import difference
from benchmarks.run_result import RunResult, ScanVolume, attributed
from migration_runtime.dynamodb_codec import from_attribute_map
from migration_runtime.json_values import dumps
from migration_runtime.record_migration import MigrationMessage, RecordMigrator

SCAN_PAGE_SIZE = 1000


class _NoQueue:
    """The floor has no queue: a failed record is an error of the benchmark, not a retry."""

    def __getattr__(self, name: str) -> Any:
        raise RuntimeError(f"the direct floor does not use SQS ({name})")


def run_direct(stack: BenchStack, data: DataSet) -> RunResult:
    target = stack.scratch_target("direct")
    ledger = stack.scratch_target("direct-ledger", like=stack.control_table)
    dynamodb = stack.client("dynamodb")
    migrator = RecordMigrator(
        dynamodb=dynamodb,
        sqs=_NoQueue(),
        new_table_name=target,
        control_table_name=ledger,
        migration_queue_url="direct://none",
    )
    legacy_bytes = stack.table_bytes(stack.legacy_table)
    before = stack.meters.operations.snapshot()
    started = time.perf_counter()
    request: dict[str, Any] = {
        "TableName": stack.legacy_table,
        "ConsistentRead": True,
        "Limit": SCAN_PAGE_SIZE,
    }
    while True:
        page = dynamodb.scan(**request)
        for item in page.get("Items", []):
            record = from_attribute_map(item)
            # The same body a migration queue message carries, through the same parsing.
            migrator.migrate(
                MigrationMessage(
                    message_id=str(record.get("application_id")),
                    body=dumps(record),
                    receipt_handle="",
                    receive_count=1,
                )
            )
        if "LastEvaluatedKey" not in page:
            break
        request["ExclusiveStartKey"] = page["LastEvaluatedKey"]
    seconds = time.perf_counter() - started
    operations = attributed(
        difference(stack.meters.operations.snapshot(), before), {stack.legacy_table, target, ledger}
    )
    contents = stack.target_contents(target)
    ledger_items = stack.ledger_items(ledger)
    stack.drop_table(target)
    stack.drop_table(ledger)
    return RunResult(
        approach="direct",
        records=data.records,
        migrated=contents.migrated,
        seconds=seconds,
        operations=operations,
        invocations={},
        migrated_write_units=contents.migrated_write_units,
        scans=ScanVolume(legacy_bytes),
        ledger_items=ledger_items,
        ledger_table=ledger,
    )
