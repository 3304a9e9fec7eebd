"""Send record bodies to the migration queue with SendMessageBatch, losing none.

Batches are split by count and by bytes (``size_bounded_batches``, SQS quotas from ``aws_limits``). A body
over the SQS message quota is never put in a batch: callers reject it first (``message_fits``), so it
cannot fail the batch it would have joined. Entries a batch reports as Failed are sent again (with a short
growing pause); if some still fail after every attempt, ``EnqueueFailed`` is raised so the caller fails
loudly and its cursor is retried. Re-sending a record is safe: the per-record write is idempotent.

Two entry points: ``send_bodies`` (the bulk copy: scanned copies, up to ``records_per_message`` records
packed per message by ``packed_messages``) and ``send_copies`` (any ``MigrationCopy``, one record each: a
body with its version and change as message attributes, e.g. the stream consumer's copies of legacy
changes, or a record split off a packed message). Sizes count the attributes too, as SQS does.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from migration_runtime.aws_limits import SQS_MAX_DELAY_SECONDS
from migration_runtime.migration_copies import MigrationCopy
from migration_runtime.packed_messages import pack, packed_messages
from migration_runtime.size_bounded_batches import SQS_SEND_BATCH, size_bounded_batches, sqs_message_size

MAX_BATCH_ENTRIES = SQS_SEND_BATCH.max_entries
MAX_BATCH_BYTES = SQS_SEND_BATCH.max_batch_bytes
DEFAULT_MAX_ATTEMPTS = 5


class EnqueueFailed(RuntimeError):
    pass


def message_fits(body: str | MigrationCopy) -> bool:
    """Whether SQS can ever accept this body (or copy, attributes included) as one message."""
    return SQS_SEND_BATCH.fits(_size(body))


def too_large_reason(body: str | MigrationCopy) -> str:
    """The rejection reason of a body that does not fit: its size and the quota, never its content."""
    return SQS_SEND_BATCH.too_large_reason(_size(body))


def _size(message: str | MigrationCopy) -> int:
    return message.sqs_size() if isinstance(message, MigrationCopy) else sqs_message_size(message)


def batches(bodies: Sequence[str]) -> Iterator[list[str]]:
    """Batches within SQS's entry count and byte quotas; raises EntryTooLarge for a body that never fits."""
    return size_bounded_batches(bodies, sqs_message_size, SQS_SEND_BATCH)


@dataclass(frozen=True)
class SentRecords:
    records: int
    messages: int


def send_bodies(
    sqs: Any,
    *,
    queue_url: str,
    bodies: Sequence[str],
    records_per_message: int = 1,
    max_attempts: int = DEFAULT_MAX_ATTEMPTS,
    sleep: Callable[[float], None] = time.sleep,
) -> int:
    """Send every body as a scanned copy (no attributes), up to ``records_per_message`` per message;
    returns how many records were sent."""
    return send_records(
        sqs,
        queue_url=queue_url,
        bodies=bodies,
        records_per_message=records_per_message,
        max_attempts=max_attempts,
        sleep=sleep,
    ).records


def send_records(
    sqs: Any,
    *,
    queue_url: str,
    bodies: Sequence[str],
    records_per_message: int,
    max_attempts: int = DEFAULT_MAX_ATTEMPTS,
    sleep: Callable[[float], None] = time.sleep,
) -> SentRecords:
    """``send_bodies``, also saying how many messages carried the records."""
    groups = list(packed_messages(bodies, records_per_message))
    copies = [MigrationCopy(pack(group)) for group in groups]
    send_copies(sqs, queue_url=queue_url, copies=copies, max_attempts=max_attempts, sleep=sleep)
    return SentRecords(records=sum(len(group) for group in groups), messages=len(copies))


def send_copies(
    sqs: Any,
    *,
    queue_url: str,
    copies: Sequence[MigrationCopy],
    delay_seconds: int = 0,
    max_attempts: int = DEFAULT_MAX_ATTEMPTS,
    sleep: Callable[[float], None] = time.sleep,
) -> int:
    """Send every copy with its version and change as message attributes; returns how many were sent.

    ``delay_seconds``: how long each message stays invisible (a retry's backoff), capped at the SQS
    maximum. Raises ``EntryTooLarge`` (before sending anything of its batch) for a copy that can never fit
    (check ``message_fits`` first) and ``EnqueueFailed`` when entries are still refused after every attempt.
    """
    delay = max(0, min(delay_seconds, SQS_MAX_DELAY_SECONDS))
    sent = 0
    for batch in size_bounded_batches(copies, MigrationCopy.sqs_size, SQS_SEND_BATCH):
        sent += _send_batch(
            sqs, queue_url=queue_url, batch=batch, delay=delay, max_attempts=max_attempts, sleep=sleep
        )
    return sent


def _entry(entry_id: str, copy: MigrationCopy, delay: int) -> dict[str, Any]:
    entry: dict[str, Any] = {"Id": entry_id, "MessageBody": copy.body}
    attributes = copy.message_attributes()
    if attributes:
        entry["MessageAttributes"] = attributes
    if delay:
        entry["DelaySeconds"] = delay
    return entry


def _send_batch(
    sqs: Any,
    *,
    queue_url: str,
    batch: list[MigrationCopy],
    delay: int,
    max_attempts: int,
    sleep: Callable[[float], None],
) -> int:
    # Entry ids are positions: application ids may hold characters batch ids do not allow.
    pending = {str(index): copy for index, copy in enumerate(batch)}
    failure_codes: list[str] = []
    for attempt in range(1, max_attempts + 1):
        entries = [_entry(entry_id, copy, delay) for entry_id, copy in pending.items()]
        response = sqs.send_message_batch(QueueUrl=queue_url, Entries=entries)
        for success in response.get("Successful", []):
            pending.pop(success["Id"], None)
        failed = response.get("Failed", [])
        failure_codes = sorted({str(failure.get("Code", "unknown")) for failure in failed})
        if not pending:
            return len(batch)
        if attempt < max_attempts:
            sleep(min(0.1 * 2 ** (attempt - 1), 2.0))
    raise EnqueueFailed(
        f"{len(pending)} of {len(batch)} messages not accepted after {max_attempts} attempts "
        f"(codes: {', '.join(failure_codes) or 'none reported'})"
    )
