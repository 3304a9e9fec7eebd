"""Migrate one legacy record from a migration queue message.

The record's rules are its mapping's (``record_mapping``): its id field, eligibility, validation and
transformation (with its lookups). Order: sentinel (skipped: not a record) -> remove (a tombstone) ->
eligibility -> validation (rejected: ledger REJECTED, done, never retried) -> transform -> fault injection
(local runs only: ``faults``, a no-op unless the handler found the optional ``fault_injection``) ->
the write of this copy through ``application_writes`` (which copy wins: the message's version, from its
``copy_version`` attribute, against the application's pointer). A copy that is not live (removed,
ineligible, rejected) deletes the application's item if it had one, unless a newer copy already won.
Anything unforeseen is recorded as LAST_ERROR in the ledger (the control table), the message is made
visible again after a backoff that grows with its receive count, and ``MigrationAttemptFailed`` is
raised so the batch reports the message as failed; after ``maxReceiveCount`` receives SQS moves it to the
migration DLQ. A later attempt that ends the record (written, already written, rejected) deletes that
LAST_ERROR, so no stale error outlives the trouble; only a later attempt (``attempt`` > 1) can have one, so
the first attempt pays nothing for this. A record of a packed bulk-copy message is migrated by
``packed_migration`` through ``attempt``: the same steps, but its failure changes no visibility (the
packed message is not retried: the record is sent back alone, with the delay this returns).
"""

from __future__ import annotations

from contextlib import suppress
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol

from migration_runtime import pii
from migration_runtime.application_writes import (
    ApplicationCopy,
    Fate,
    WriteOutcome,
    WriteResult,
    pointer_key_problem,
    write_copy,
)
from migration_runtime.copy_versions import SCAN_COPY_VERSION
from migration_runtime.json_values import NotAJsonObject, parse_object
from migration_runtime.lookup_tables import NoLookups
from migration_runtime.migration_copies import CopyChange
from migration_runtime.migration_ledger import clear_last_error, record_last_error, record_rejected
from migration_runtime.new_items import Source, build_item
from migration_runtime.record_ids import record_id_of
from migration_runtime.record_mapping import Lookups, RecordMapping, load_mapping
from migration_runtime.record_validation import RecordRejected
from migration_runtime.retry_backoff import RetryBackoff
from migration_runtime.run_sentinels import is_sentinel
from migration_runtime.timestamps import Clock, utc_now


class MigrationOutcome(StrEnum):
    INELIGIBLE = "ineligible"
    REJECTED = "rejected"
    CREATED = "created"
    UPDATED = "updated"
    MOVED = "moved"  # the key changed: the item under the old key was deleted with the write
    REMOVED = "removed"  # the legacy record was deleted: a tombstone (and its item deleted)
    DUPLICATE = "duplicate"
    SUPERSEDED = "superseded"  # live intake already wrote a newer copy
    STALE = "stale"  # a newer copy of the legacy record already won
    SENTINEL = "sentinel"  # an online run's sentinel, not a record: nothing written


@dataclass(frozen=True)
class MigrationMessage:
    message_id: str
    body: str
    receipt_handle: str
    receive_count: int
    version: str = SCAN_COPY_VERSION
    change: CopyChange = CopyChange.UPSERT
    prior_receives: int = 0
    """Receives of the record before this message (split off a packed message: ``migration_copies``)."""

    @property
    def attempt(self) -> int:
        """Which attempt at the record this is: its receives before this message, then this message's."""
        return self.prior_receives + self.receive_count


@dataclass(frozen=True)
class MigrationResult:
    outcome: MigrationOutcome
    log_fields: dict[str, str]
    reason: str | None = None


class MalformedMigrationMessage(ValueError):
    """The body is not a record with an id: nothing can be written or ledgered for it."""


class TargetWriteFaults(Protocol):
    """Faults injected just before the target write (``fault_injection.record_faults`` in local runs)."""

    def before_target_write(self, record_id: str, receive_count: int) -> None:
        """Raise the configured fault, if any, for this attempt."""
        ...


class NoFaults:
    """What a Lambda archive without the optional ``fault_injection`` package runs: never a fault."""

    def before_target_write(self, record_id: str, receive_count: int) -> None:
        return None


class MigrationAttemptFailed(Exception):
    """An unforeseen failure, already ledgered and backed off; its text is safe to log."""

    def __init__(
        self,
        *,
        error_type: str,
        reason: str,
        receive_count: int,
        delay_seconds: int | None,
        log_fields: dict[str, str],
    ) -> None:
        super().__init__(f"{error_type}: {reason}")
        self.error_type = error_type
        self.reason = reason
        self.receive_count = receive_count
        self.delay_seconds = delay_seconds
        self.log_fields = log_fields


@dataclass(frozen=True)
class RecordMigrator:
    dynamodb: Any
    sqs: Any
    new_table_name: str
    control_table_name: str  # the ledger's home
    migration_queue_url: str
    backoff: RetryBackoff = field(default_factory=RetryBackoff)
    faults: TargetWriteFaults = field(default_factory=NoFaults)
    clock: Clock = utc_now
    mapping: RecordMapping = field(default_factory=load_mapping)
    lookups: Lookups = field(default_factory=NoLookups)
    """The mapping's lookup tables, for this invocation (see ``lookup_tables.lookups_for``)."""

    def migrate(self, message: MigrationMessage) -> MigrationResult:
        """Migrate the record of a one-record message; on failure, also delay the message's retry."""
        return self._migrate_message(message, delay_message=True)

    def attempt(self, message: MigrationMessage) -> MigrationResult:
        """Migrate one record of a packed message: as ``migrate``, but a failure leaves the (packed)
        message's visibility alone; its ``delay_seconds`` is the backoff to send the record again with."""
        return self._migrate_message(message, delay_message=False)

    def _migrate_message(self, message: MigrationMessage, *, delay_message: bool) -> MigrationResult:
        raw: Any = None
        try:
            raw = _parse(message.body, self.mapping.record_id_field)
            record_id = raw[self.mapping.record_id_field]
            if is_sentinel(record_id):
                return MigrationResult(MigrationOutcome.SENTINEL, {})
            result = self._migrate(raw, record_id, message)
            if message.attempt > 1:
                # An earlier attempt may have left a LAST_ERROR; a failure to delete it fails this
                # attempt too, and the redelivery (a duplicate write) deletes it then.
                clear_last_error(self.dynamodb, self.control_table_name, application_id=record_id)
            return result
        except Exception as error:
            raise self._failed(error, raw, message, delay_message=delay_message) from error

    def _migrate(
        self, raw: dict[str, Any], application_id: str, message: MigrationMessage
    ) -> MigrationResult:
        fields = pii.log_fields(raw, self.mapping)
        now = self.clock()
        decided = decide_copy(
            raw, message.version, message.change, now=now, mapping=self.mapping, lookups=self.lookups
        )
        if decided.copy.fate is Fate.LIVE:
            self.faults.before_target_write(application_id, message.attempt)
            written = write_copy(self.dynamodb, self.new_table_name, decided.copy)
            return self._result(_live_outcome(written), written, fields)
        written = self._write(decided.copy)
        if decided.copy.fate is Fate.REJECTED and (
            written is None or written.outcome is not WriteOutcome.STALE
        ):
            # A stale invalid copy is not this record's fate: a newer copy already won.
            record_rejected(
                self.dynamodb,
                self.control_table_name,
                application_id=application_id,
                reason=decided.reason or "",
                at=now,
            )
        return self._result(_NOT_LIVE_OUTCOMES[decided.copy.fate], written, fields, decided.reason)

    def _write(self, copy: ApplicationCopy) -> WriteResult | None:
        """Record a fate that holds no item; None when the id is too long for a pointer (no item either)."""
        if pointer_key_problem(copy.application_id, copy.record_kind):
            # Such an id never had an item (the item's sort key holds less), so nothing is left behind.
            return None
        return write_copy(self.dynamodb, self.new_table_name, copy)

    @staticmethod
    def _result(
        outcome: MigrationOutcome,
        written: WriteResult | None,
        fields: dict[str, str],
        reason: str | None = None,
    ) -> MigrationResult:
        write = written.outcome.value if written is not None else "none"
        return MigrationResult(outcome, {**fields, "write": write}, reason)

    def _failed(
        self, error: Exception, raw: Any, message: MigrationMessage, *, delay_message: bool
    ) -> MigrationAttemptFailed:
        error_type = type(error).__name__
        reason = pii.safe_error_reason(error, raw, self.mapping)
        fields = pii.log_fields(raw, self.mapping)
        application_id = record_id_of(raw, self.mapping.record_id_field)  # the whole id: log fields are cut
        # Best effort on both: a failing ledger or queue call must not hide the original error (without
        # the visibility change the message simply waits the queue's full visibility timeout).
        if application_id:
            with suppress(Exception):
                record_last_error(
                    self.dynamodb,
                    self.control_table_name,
                    application_id=application_id,
                    error_type=error_type,
                    reason=reason,
                    receive_count=message.attempt,
                    at=self.clock(),
                )
        delay: int | None = None
        if not delay_message:
            delay = self.backoff.delay_seconds(message.attempt)
        else:
            with suppress(Exception):
                delay = self.backoff.delay_message(
                    self.sqs,
                    queue_url=self.migration_queue_url,
                    receipt_handle=message.receipt_handle,
                    receive_count=message.attempt,
                )
        return MigrationAttemptFailed(
            error_type=error_type,
            reason=reason,
            receive_count=message.attempt,
            delay_seconds=delay,
            log_fields=fields,
        )


@dataclass(frozen=True)
class DecidedCopy:
    copy: ApplicationCopy
    reason: str | None = None  # why it was rejected


def decide_copy(
    raw: dict[str, Any],
    version: str,
    change: CopyChange,
    *,
    now: datetime,
    mapping: RecordMapping,
    lookups: Lookups,
) -> DecidedCopy:
    """The copy of the record a migration message makes: remove -> removed, then the mapping's eligibility
    -> ineligible, then validation and transform -> rejected with its reason, or live."""
    record_id = raw[mapping.record_id_field]
    kind = mapping.record_kind
    if change is CopyChange.REMOVE:
        return DecidedCopy(ApplicationCopy(record_id, version, Fate.REMOVED, record_kind=kind))
    if not mapping.is_eligible(raw):
        return DecidedCopy(ApplicationCopy(record_id, version, Fate.INELIGIBLE, record_kind=kind))
    try:
        item = build_item(
            mapping.transform(mapping.validate(raw, now=now), lookups),
            source=Source.MIGRATION,
            written_at=now,
        )
    except RecordRejected as rejected:
        return DecidedCopy(
            ApplicationCopy(record_id, version, Fate.REJECTED, record_kind=kind), rejected.reason
        )
    return DecidedCopy(ApplicationCopy(record_id, version, Fate.LIVE, item, record_kind=kind))


_NOT_LIVE_OUTCOMES = {
    Fate.REMOVED: MigrationOutcome.REMOVED,
    Fate.INELIGIBLE: MigrationOutcome.INELIGIBLE,
    Fate.REJECTED: MigrationOutcome.REJECTED,
}

_LIVE_OUTCOMES = {
    WriteOutcome.CREATED: MigrationOutcome.CREATED,
    WriteOutcome.UPDATED: MigrationOutcome.UPDATED,
    # Same content, newer version: the item was written again (with its version).
    WriteOutcome.UNCHANGED: MigrationOutcome.UPDATED,
    WriteOutcome.MOVED: MigrationOutcome.MOVED,
    WriteOutcome.DUPLICATE: MigrationOutcome.DUPLICATE,
}


def _live_outcome(written: WriteResult) -> MigrationOutcome:
    if written.superseded_by_intake:
        return MigrationOutcome.SUPERSEDED
    if written.outcome is WriteOutcome.STALE:
        return MigrationOutcome.STALE
    return _LIVE_OUTCOMES[written.outcome]


def _parse(body: str, id_field: str) -> dict[str, Any]:
    """The record as parsed (exact Decimals, not yet checked): validation checks and rejects it."""
    try:
        raw = parse_object(body)
    except NotAJsonObject as error:
        raise MalformedMigrationMessage(str(error)) from None
    # Any non-empty id the legacy table could key by can be ledgered (a blank one is rejected by
    # validation, under its own key); without one there is nothing to write a rejection for.
    if record_id_of(raw, id_field) is None:
        raise MalformedMigrationMessage(f"{id_field}: must be a non-empty string")
    return raw
