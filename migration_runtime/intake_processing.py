"""Process one intake queue message, for either backend.

A message that cannot be accepted (not JSON, not an object, missing or invalid fields) must neither block
its batch nor be lost: it is sent to the intake DLQ with its reason and reported as processed. Anything
unforeseen (a throttled write, an unreachable DLQ) raises, so SQS retries the message and finally
redrives it.

Both read the record's id by its mapping's ``record_id_field`` (the legacy table's key); the new backend
validates and transforms by the mapping too. On the new backend every accepted message is a copy of its
record at the intake's version
(``copy_versions.intake_copy_version``: the message's SentTimestamp, then its id), written through
``application_writes``: a resubmission that changes ``customer_id`` or ``submitted_at`` moves the
application's one item (the old key is deleted in the same transaction), an older submission delivered
late is stale and writes nothing, and a redelivery is a duplicate.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from migration_runtime import pii
from migration_runtime.application_writes import ApplicationCopy, Fate, WriteOutcome, write_copy
from migration_runtime.aws_limits import DYNAMODB_MAX_PARTITION_KEY_BYTES
from migration_runtime.copy_versions import intake_copy_version
from migration_runtime.dynamodb_codec import to_attribute_map
from migration_runtime.dynamodb_storable import item_size_problem, storage_problem
from migration_runtime.intake_rejection import send_to_intake_dlq
from migration_runtime.json_values import NotAJsonObject, parse_object
from migration_runtime.lookup_tables import NoLookups
from migration_runtime.new_items import Source, build_item
from migration_runtime.record_ids import record_id_of
from migration_runtime.record_mapping import Lookups, RecordMapping, load_mapping
from migration_runtime.record_validation import RecordRejected, bounded_reason
from migration_runtime.safe_text import utf8_size
from migration_runtime.timestamps import Clock, utc_now


class IntakeOutcome(StrEnum):
    WRITTEN = "written"  # legacy backend: stored as is
    CREATED = "created"
    UPDATED = "updated"
    MOVED = "moved"  # customer_id or submitted_at changed: the item under the old key was deleted
    UNCHANGED = "unchanged"  # a redelivery (nothing written) or the same content resubmitted
    STALE = "stale"  # a later submission of the application was already written: nothing written
    REJECTED = "rejected"  # sent to the intake DLQ


@dataclass(frozen=True)
class IntakeMessage:
    message_id: str
    body: str
    source_queue: str
    sent_timestamp_ms: int | None = None
    """SQS's SentTimestamp attribute (epoch ms): orders submissions of one application."""


@dataclass(frozen=True)
class IntakeResult:
    outcome: IntakeOutcome
    log_fields: dict[str, str]
    reason: str | None = None


def _parse(body: str, id_field: str) -> dict[str, Any]:
    """The body as one JSON object DynamoDB can store, with a usable record id (exact Decimals)."""
    try:
        raw = parse_object(body)
    except NotAJsonObject as error:
        raise RecordRejected(str(error)) from None
    problem = storage_problem(raw)
    if problem:
        raise RecordRejected(bounded_reason(problem))
    if id_field not in raw:
        raise RecordRejected(f"{id_field}: field required")
    record_id = record_id_of(raw, id_field)
    if record_id is None or not record_id.strip():
        raise RecordRejected(f"{id_field}: must be a non-empty string")
    return raw


def _legacy_item_problem(raw: dict[str, Any], id_field: str) -> str | None:
    """Why the legacy table (keyed by the record id alone) could not hold the record as is."""
    if utf8_size(raw[id_field]) > DYNAMODB_MAX_PARTITION_KEY_BYTES:
        return (
            f"{id_field}: longer than {DYNAMODB_MAX_PARTITION_KEY_BYTES} bytes in UTF-8 "
            "(DynamoDB's partition key limit)"
        )
    return item_size_problem(raw)


@dataclass(frozen=True)
class LegacyIntake:
    """The old backend: store the record as is, keyed by its id (unknown fields included)."""

    dynamodb: Any
    sqs: Any
    legacy_table_name: str
    intake_dlq_url: str
    mapping: RecordMapping = field(default_factory=load_mapping)

    def accept(self, message: IntakeMessage) -> IntakeResult:
        try:
            raw = _parse(message.body, self.mapping.record_id_field)
        except RecordRejected as rejected:
            return _reject(self.sqs, self.intake_dlq_url, message, rejected.reason, {})
        fields = pii.log_fields(raw, self.mapping)
        problem = _legacy_item_problem(raw, self.mapping.record_id_field)
        if problem:
            return _reject(self.sqs, self.intake_dlq_url, message, problem, fields)
        # As parsed: Decimals keep every number exactly as sent (within DynamoDB's 38 digits).
        self.dynamodb.put_item(TableName=self.legacy_table_name, Item=to_attribute_map(raw))
        return IntakeResult(IntakeOutcome.WRITTEN, fields)


@dataclass(frozen=True)
class OnboardingIntake:
    """The new backend: validate (every record is accepted live: eligibility only concerns the migration)
    and write in the new design."""

    dynamodb: Any
    sqs: Any
    new_table_name: str
    intake_dlq_url: str
    clock: Clock = utc_now
    mapping: RecordMapping = field(default_factory=load_mapping)
    lookups: Lookups = field(default_factory=NoLookups)

    def accept(self, message: IntakeMessage) -> IntakeResult:
        raw: dict[str, Any] = {}
        now = self.clock()
        id_field = self.mapping.record_id_field
        try:
            raw = _parse(message.body, id_field)
            record = self.mapping.validate(raw, now=now)
            item = build_item(
                self.mapping.transform(record, self.lookups), source=Source.INTAKE, written_at=now
            )
        except RecordRejected as rejected:
            fields = pii.log_fields(raw, self.mapping)
            return _reject(self.sqs, self.intake_dlq_url, message, rejected.reason, fields)
        # Lambda's SQS events always carry SentTimestamp; without one, the time of processing stands in.
        sent_ms = message.sent_timestamp_ms
        if sent_ms is None:
            sent_ms = int(now.timestamp() * 1000)
        version = intake_copy_version(sent_ms, message.message_id)
        written = write_copy(
            self.dynamodb,
            self.new_table_name,
            ApplicationCopy(raw[id_field], version, Fate.LIVE, item, record_kind=self.mapping.record_kind),
        )
        return IntakeResult(_OUTCOMES[written.outcome], pii.log_fields(raw, self.mapping))


_OUTCOMES = {
    WriteOutcome.CREATED: IntakeOutcome.CREATED,
    WriteOutcome.UPDATED: IntakeOutcome.UPDATED,
    WriteOutcome.MOVED: IntakeOutcome.MOVED,
    WriteOutcome.UNCHANGED: IntakeOutcome.UNCHANGED,
    WriteOutcome.DUPLICATE: IntakeOutcome.UNCHANGED,
    WriteOutcome.STALE: IntakeOutcome.STALE,
}


def _reject(
    sqs: Any, dlq_url: str, message: IntakeMessage, reason: str, fields: dict[str, str]
) -> IntakeResult:
    send_to_intake_dlq(
        sqs, dlq_url=dlq_url, body=message.body, reason=reason, source_queue=message.source_queue
    )
    return IntakeResult(IntakeOutcome.REJECTED, fields, reason)
