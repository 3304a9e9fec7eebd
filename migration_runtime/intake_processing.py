"""Process one intake queue message, for either backend.

A message that cannot be accepted (not JSON, not an object, missing or invalid fields) must neither block
its batch nor be lost: it is sent to the intake DLQ with its reason and reported as processed. Anything
unforeseen (a throttled write, an unreachable DLQ) raises, so SQS retries the message and finally
redrives it.

On the new backend every accepted message is a copy of its application at the intake's version
(``copy_versions.intake_copy_version``: the message's SentTimestamp, then its id), written through
``application_writes``: a resubmission that changes ``customer_id`` or ``submitted_at`` moves the
application's one item (the old key is deleted in the same transaction), an older submission delivered
late is stale and writes nothing, and a redelivery is a duplicate.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from migration_runtime import pii
from migration_runtime.application_ids import application_id_of
from migration_runtime.application_writes import ApplicationCopy, Fate, WriteOutcome, write_copy
from migration_runtime.aws_limits import DYNAMODB_MAX_PARTITION_KEY_BYTES
from migration_runtime.copy_versions import intake_copy_version
from migration_runtime.dynamodb_codec import to_attribute_map
from migration_runtime.dynamodb_storable import item_size_problem, storage_problem
from migration_runtime.intake_rejection import send_to_intake_dlq
from migration_runtime.json_values import NotAJsonObject, parse_object
from migration_runtime.record_validation import RecordRejected, bounded_reason, validate_record
from migration_runtime.safe_text import utf8_size
from migration_runtime.timestamps import Clock, utc_now
from record_mappings.onboarding.onboarding_item import Source, build_onboarding_item


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


def _parse(body: str) -> dict[str, Any]:
    """The body as one JSON object DynamoDB can store, with a usable application id (exact Decimals)."""
    try:
        raw = parse_object(body)
    except NotAJsonObject as error:
        raise RecordRejected(str(error)) from None
    problem = storage_problem(raw)
    if problem:
        raise RecordRejected(bounded_reason(problem))
    if "application_id" not in raw:
        raise RecordRejected("application_id: field required")
    application_id = application_id_of(raw)
    if application_id is None or not application_id.strip():
        raise RecordRejected("application_id: must be a non-empty string")
    return raw


def _legacy_item_problem(raw: dict[str, Any]) -> str | None:
    """Why the legacy table (keyed by application_id alone) could not hold the record as is."""
    if utf8_size(raw["application_id"]) > DYNAMODB_MAX_PARTITION_KEY_BYTES:
        return (
            f"application_id: longer than {DYNAMODB_MAX_PARTITION_KEY_BYTES} bytes in UTF-8 "
            "(DynamoDB's partition key limit)"
        )
    return item_size_problem(raw)


@dataclass(frozen=True)
class LegacyIntake:
    """The old backend: store the record as is, keyed by application_id (unknown fields included)."""

    dynamodb: Any
    sqs: Any
    legacy_table_name: str
    intake_dlq_url: str

    def accept(self, message: IntakeMessage) -> IntakeResult:
        try:
            raw = _parse(message.body)
        except RecordRejected as rejected:
            return _reject(self.sqs, self.intake_dlq_url, message, rejected.reason, {})
        problem = _legacy_item_problem(raw)
        if problem:
            return _reject(self.sqs, self.intake_dlq_url, message, problem, pii.log_fields(raw))
        # As parsed: Decimals keep every number exactly as sent (within DynamoDB's 38 digits).
        self.dynamodb.put_item(TableName=self.legacy_table_name, Item=to_attribute_map(raw))
        return IntakeResult(IntakeOutcome.WRITTEN, pii.log_fields(raw))


@dataclass(frozen=True)
class OnboardingIntake:
    """The new backend: validate (every status is accepted live) and write in the new design."""

    dynamodb: Any
    sqs: Any
    new_table_name: str
    intake_dlq_url: str
    clock: Clock = utc_now

    def accept(self, message: IntakeMessage) -> IntakeResult:
        raw: dict[str, Any] = {}
        now = self.clock()
        try:
            raw = _parse(message.body)
            record = validate_record(raw, now=now)
            item = build_onboarding_item(record, source=Source.INTAKE, written_at=now)
        except RecordRejected as rejected:
            return _reject(self.sqs, self.intake_dlq_url, message, rejected.reason, pii.log_fields(raw))
        # Lambda's SQS events always carry SentTimestamp; without one, the time of processing stands in.
        sent_ms = message.sent_timestamp_ms
        if sent_ms is None:
            sent_ms = int(now.timestamp() * 1000)
        version = intake_copy_version(sent_ms, message.message_id)
        written = write_copy(
            self.dynamodb,
            self.new_table_name,
            ApplicationCopy(record.application_id, version, Fate.LIVE, item),
        )
        return IntakeResult(_OUTCOMES[written.outcome], pii.log_fields(raw))


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
