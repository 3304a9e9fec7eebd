"""Enqueue one scan segment of the legacy table onto the migration queue, resumable by cursor.

Each invocation sends whole pages (a page is never half-sent, so the cursor after it is exact) and, after
each page, returns the cursor if fewer than the reserved milliseconds remain. At least one page is always
processed, so every call makes progress. Eligibility is decided here (by the record mapping); eligible records
are sent as stored (up to ``records_per_message`` per message, see ``packed_messages``), invalid ones
included: the per-record function rejects them into the ledger (in the control table), where the operator
sees each one with its reason. The one exception is a record whose
message would exceed the SQS message quota: no queue can carry it, so it is rejected into the ledger here
(counted as invalid), with a reason naming its largest field and the quota, and never fails the batch it
would have joined.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from migration_runtime.enqueue_result import EnqueueCounts, EnqueueResult
from migration_runtime.json_values import dumps
from migration_runtime.legacy_scan import scan_page
from migration_runtime.migration_ledger import record_rejected
from migration_runtime.migration_queue_sender import message_fits, send_records, too_large_reason
from migration_runtime.record_mapping import RecordMapping
from migration_runtime.record_validation import RecordRejected
from migration_runtime.run_sentinels import is_sentinel
from migration_runtime.timestamps import utc_now


class EnqueueRequest(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    segment: int = Field(ge=0)
    total_segments: int = Field(ge=1, le=1_000_000)
    cursor: str | None = None
    dry_run: bool = False

    @model_validator(mode="after")
    def _segment_in_range(self) -> EnqueueRequest:
        if self.segment >= self.total_segments:
            raise ValueError("segment must be lower than total_segments")
        return self


def enqueue_segment(
    request: EnqueueRequest,
    *,
    dynamodb: Any,
    sqs: Any,
    legacy_table_name: str,
    migration_queue_url: str,
    page_size: int,
    time_reserve_ms: int,
    remaining_time_ms: Callable[[], int],
    mapping: RecordMapping,
    control_table_name: str | None = None,
    records_per_message: int = 1,
    now: datetime | None = None,
) -> EnqueueResult:
    """``control_table_name``: where oversized records are rejected (the ledger); required unless a dry
    run. ``records_per_message``: how many records one message may carry (``packed_messages``)."""
    counts = EnqueueCounts()
    cursor = request.cursor
    validation_time = now or utc_now()
    while True:
        page = scan_page(
            dynamodb,
            table_name=legacy_table_name,
            segment=request.segment,
            total_segments=request.total_segments,
            cursor=cursor,
            page_size=page_size,
        )
        bodies, oversized = _classify(page.records, counts, validation_time, mapping)
        if not request.dry_run:
            # Ledger first: a failure here fails the call before anything of the page is sent.
            _reject_oversized(dynamodb, control_table_name, oversized, validation_time)
            if bodies:
                sent = send_records(
                    sqs, queue_url=migration_queue_url, bodies=bodies, records_per_message=records_per_message
                )
                counts.enqueued += sent.records
                counts.messages += sent.messages
        cursor = page.cursor
        if cursor is None:
            return _result(request, None, counts)
        if remaining_time_ms() < time_reserve_ms:
            return _result(request, cursor, counts)


def _result(request: EnqueueRequest, cursor: str | None, counts: EnqueueCounts) -> EnqueueResult:
    return EnqueueResult(
        segment=request.segment,
        total_segments=request.total_segments,
        cursor=cursor,
        done=cursor is None,
        counts=counts,
    )


@dataclass(frozen=True)
class OversizedRecord:
    application_id: str
    reason: str


def _classify(
    records: list[dict[str, Any]], counts: EnqueueCounts, now: datetime, mapping: RecordMapping
) -> tuple[list[str], list[OversizedRecord]]:
    bodies: list[str] = []
    oversized: list[OversizedRecord] = []
    for record in records:
        if is_sentinel(record.get(mapping.record_id_field)):
            continue  # an online run's sentinel, not a record: never sent, never counted
        counts.scanned += 1
        if not mapping.is_eligible(record):
            counts.ineligible += 1
            continue
        counts.eligible += 1
        body = dumps(record)
        if not message_fits(body):
            counts.invalid += 1
            oversized.append(
                OversizedRecord(str(record.get(mapping.record_id_field)), oversized_reason(record, body))
            )
            continue
        try:
            # Validation only (no transform: lookups are the per-record function's): counted invalid here.
            mapping.validate(record, now=now)
        except RecordRejected:
            counts.invalid += 1
        bodies.append(body)
    return bodies, oversized


def oversized_reason(record: dict[str, Any], body: str) -> str:
    """Names the record's largest field and the quota; never a value."""
    sizes = {name: len(dumps(value).encode("utf-8")) for name, value in record.items()}
    largest = max(sizes, key=lambda name: sizes[name]) if sizes else "record"
    field_bytes = sizes.get(largest, 0)
    return (
        f"{largest}: record too large to migrate ({too_large_reason(body)}; {largest} is {field_bytes} bytes)"
    )


def _reject_oversized(
    dynamodb: Any, control_table_name: str | None, oversized: list[OversizedRecord], at: datetime
) -> None:
    if not oversized:
        return
    if control_table_name is None:
        raise ValueError("control_table_name is required to reject oversized records")
    for record in oversized:
        record_rejected(
            dynamodb, control_table_name, application_id=record.application_id, reason=record.reason, at=at
        )
