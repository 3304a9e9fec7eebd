"""Capture the legacy table's changes during an online migration: one batch of stream records at a time.

Every change becomes a copy on the migration queue, versioned by its stream sequence number, so it goes
through the same per-record path as the bulk copy (``migrate_record``: validation, the version rule,
retries, the DLQ and the ledger). Order within the batch, and what a failure means:
1. the copies of every change are sent (SendMessageBatch);
2. each changed application is marked in the control table (what the cut-over re-verifies);
3. only then the sentinels in the batch are recorded as arrived.
So a recorded sentinel proves that every change before it on its shard is on the migration queue and
marked. Any failure fails the batch from its first record (``failed_from``): Lambda retries from there
(ReportBatchItemFailures checkpoints before the lowest failed sequence number), and a copy sent twice is
harmless, as every write is decided by version. Sentinels themselves are never copied.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from migration_runtime.change_log import record_changed, record_sentinel_arrival
from migration_runtime.json_values import dumps
from migration_runtime.legacy_changes import LegacyChange, legacy_change
from migration_runtime.migration_copies import CopyChange, MigrationCopy
from migration_runtime.migration_ledger import record_rejected
from migration_runtime.migration_queue_sender import message_fits, send_copies, too_large_reason
from migration_runtime.record_mapping import RecordMapping, load_mapping
from migration_runtime.timestamps import Clock, utc_now


@dataclass(frozen=True)
class CaptureResult:
    changes: int
    sentinels: int
    failed_from: str | None = None
    """The sequence number from which the batch must be delivered again (None: all captured)."""
    error: str | None = None

    def batch_item_failures(self) -> dict[str, list[dict[str, str]]]:
        failures = [] if self.failed_from is None else [{"itemIdentifier": self.failed_from}]
        return {"batchItemFailures": failures}


@dataclass(frozen=True)
class ChangeCapture:
    dynamodb: Any
    sqs: Any
    migration_queue_url: str
    control_table_name: str
    clock: Clock = utc_now
    mapping: RecordMapping = field(default_factory=load_mapping)

    def capture(self, stream_records: Sequence[Mapping[str, Any]]) -> CaptureResult:
        if not stream_records:
            return CaptureResult(changes=0, sentinels=0)
        first = _sequence_number(stream_records[0])
        try:
            id_field = self.mapping.record_id_field
            changes = [legacy_change(record, id_field) for record in stream_records]
            copies = [change for change in changes if not change.is_sentinel]
            sentinels = [change for change in changes if change.is_sentinel]
            now = self.clock()
            fitting: list[MigrationCopy] = []
            for change in copies:
                message = _copy(change)
                if message_fits(message):
                    fitting.append(message)
                    continue
                # As the bulk copy does with a record no SQS message can carry: rejected, with a reason.
                record_rejected(
                    self.dynamodb,
                    self.control_table_name,
                    application_id=change.application_id,
                    reason=f"record too large to migrate ({too_large_reason(message)})",
                    at=now,
                )
            send_copies(self.sqs, queue_url=self.migration_queue_url, copies=fitting)
            record_changed(
                self.dynamodb,
                self.control_table_name,
                application_ids=[change.application_id for change in copies],
                at=now,
            )
            for sentinel in sentinels:
                if sentinel.kind is CopyChange.UPSERT:
                    record_sentinel_arrival(
                        self.dynamodb, self.control_table_name, sentinel_id=sentinel.application_id, at=now
                    )
        except Exception as error:  # any failure: the whole batch again, from its first record
            return CaptureResult(changes=0, sentinels=0, failed_from=first, error=type(error).__name__)
        return CaptureResult(changes=len(copies), sentinels=len(sentinels))


def _copy(change: LegacyChange) -> MigrationCopy:
    return MigrationCopy(body=dumps(change.record), version=change.version, change=change.kind)


def _sequence_number(stream_record: Mapping[str, Any]) -> str:
    data = stream_record.get("dynamodb")
    sequence_number = data.get("SequenceNumber") if isinstance(data, Mapping) else None
    return sequence_number if isinstance(sequence_number, str) else ""
