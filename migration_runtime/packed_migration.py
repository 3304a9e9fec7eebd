"""Migrate the records of a packed bulk-copy message, each on its own: a failing record blocks no other.

Each record goes through ``RecordMigrator.attempt``, the very steps of a one-record message (outcome,
ledger, metrics per record). The records that fail are sent back to the migration queue, each as its own
one-record message (``prior_receives`` says how often it was received already; the retry backoff is its
``DelaySeconds``, at most SQS's 900 s), and the packed message is done: the one-record message then takes
today's path (retries with backoff, LAST_ERROR in the ledger, the DLQ after ``maxReceiveCount``, redrive).
So the DLQ only holds one-record messages, which validation counts as records.

If that re-send fails, the packed message fails (``PackedResendFailed``) and comes back. A packed message
received more than once was not finished before (the re-send failed, the function crashed or timed out):
then none of its records is tried in it; each is sent alone, with the receives it had, so even a record
that crashes its invocation ends alone in the DLQ. A good record sent again is re-applied harmlessly: the
write protocol's versions make a second scanned copy a DUPLICATE.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from migration_runtime.migration_copies import MigrationCopy
from migration_runtime.migration_queue_sender import send_copies
from migration_runtime.packed_messages import unpack
from migration_runtime.record_migration import (
    MigrationAttemptFailed,
    MigrationMessage,
    MigrationResult,
    RecordMigrator,
)


class PackedResendFailed(RuntimeError):
    """Records that failed in a packed message could not be sent back alone: the packed message fails."""


@dataclass(frozen=True)
class PackedMigration:
    results: list[MigrationResult]
    """The records migrated in this message (any outcome but a failure)."""
    failures: list[MigrationAttemptFailed]
    """The records that failed here (ledgered), each sent back alone."""
    resent: int
    """Records sent back alone: the failed ones, or every record of a redelivered packed message."""
    delay_seconds: int = 0
    """The DelaySeconds the records were sent back with."""


def migrate_packed(migrator: RecordMigrator, message: MigrationMessage) -> PackedMigration:
    """Migrate every record of the packed ``message``; raises ``MalformedPackedMessage`` for a body that is
    not one, ``PackedResendFailed`` when a record to send back alone could not be sent."""
    bodies = unpack(message.body)
    if message.receive_count > 1:
        _resend(migrator, bodies, prior_receives=message.attempt - 1, delay_seconds=0)
        return PackedMigration(results=[], failures=[], resent=len(bodies))
    results: list[MigrationResult] = []
    failures: list[MigrationAttemptFailed] = []
    failed_bodies: list[str] = []
    for index, body in enumerate(bodies):
        record_message = replace(message, message_id=f"{message.message_id}/{index}", body=body)
        try:
            results.append(migrator.attempt(record_message))
        except MigrationAttemptFailed as failure:
            failures.append(failure)
            failed_bodies.append(body)
    if not failures:
        return PackedMigration(results=results, failures=[], resent=0)
    delay = migrator.backoff.delay_seconds(message.attempt)
    _resend(migrator, failed_bodies, prior_receives=message.attempt, delay_seconds=delay)
    return PackedMigration(results=results, failures=failures, resent=len(failed_bodies), delay_seconds=delay)


def _resend(migrator: RecordMigrator, bodies: list[str], *, prior_receives: int, delay_seconds: int) -> None:
    copies = [MigrationCopy(body, prior_receives=prior_receives) for body in bodies]
    try:
        send_copies(
            migrator.sqs,
            queue_url=migrator.migration_queue_url,
            copies=copies,
            delay_seconds=delay_seconds,
        )
    except Exception as error:
        raise PackedResendFailed(
            f"{len(copies)} record(s) of a packed message not sent back alone: {type(error).__name__}"
        ) from error
