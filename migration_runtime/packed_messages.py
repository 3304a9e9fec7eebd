"""Several scanned records in one bulk-copy message: fewer SQS requests and invocations per record.

SQS bills every request (and each 64 KB chunk of its payload) and the event source mapping invokes the
function per batch of *messages*, so a bulk copy of one record per message pays about a third of a
request and a tenth of an invocation per record. Packing up to ``records_per_message`` scanned records
into one message divides both by that many (the migration's cost is otherwise per record: one write each).

The format needs no attribute: a packed body is a JSON array of the records' bodies, ``[{...},{...}]``,
each element exactly the text a one-record message would carry; a one-record message is the record's
body itself, a JSON object, as it always was. A group of one is therefore sent bare, and
``records_per_message`` 1 sends exactly today's messages. Only scanned copies (version 0, upsert, no
attributes) are packed; a stream copy carries its version and change as attributes and goes alone.

A packed message stays within the SQS message quota (``aws_limits``): its body is the sum of its
records' bodies plus the brackets and commas, and keeps ``SPLIT_OFF_RESERVE_BYTES`` free so that any of
its records can be sent again alone with a ``prior_receives`` attribute (``migration_copies``) when it
fails there. A record too large to share a message still goes alone, bare, up to the whole quota.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from decimal import Decimal

from migration_runtime.aws_limits import SQS_MAX_MESSAGE_BYTES
from migration_runtime.size_bounded_batches import (
    SQS_SEND_BATCH,
    BatchLimits,
    size_bounded_batches,
    sqs_message_size,
)

SPLIT_OFF_RESERVE_BYTES = 64
"""What a packed record leaves free for its ``prior_receives`` attribute (name, "Number", the count)."""
PACKED_MESSAGE_MAX_BYTES = SQS_MAX_MESSAGE_BYTES - SPLIT_OFF_RESERVE_BYTES


class MalformedPackedMessage(ValueError):
    """A body that starts as a packed message but is not a JSON array of records. Never quotes it."""


def pack(bodies: Sequence[str]) -> str:
    """One message body for these record bodies: the body itself for one, a JSON array for several."""
    if not bodies:
        raise ValueError("nothing to pack")
    if len(bodies) == 1:
        return bodies[0]
    return "[" + ",".join(bodies) + "]"


def packed_messages(bodies: Sequence[str], records_per_message: int) -> Iterator[list[str]]:
    """Consecutive groups of record bodies, in order, each packable into one message: at most
    ``records_per_message`` records and, for two or more, at most ``PACKED_MESSAGE_MAX_BYTES``.

    Raises ``EntryTooLarge`` for a body that no message can carry (check ``message_fits`` first).
    """
    if records_per_message < 1:
        raise ValueError(f"records_per_message must be at least 1, got {records_per_message}")
    # n bodies pack into their bytes plus n - 1 commas and 2 brackets: one byte per body, one more.
    limits = BatchLimits(
        name=SQS_SEND_BATCH.name,
        max_entries=records_per_message,
        max_entry_bytes=SQS_SEND_BATCH.max_entry_bytes,
        max_batch_bytes=PACKED_MESSAGE_MAX_BYTES - 1,
        entry_overhead_bytes=1,
    )
    return size_bounded_batches(bodies, sqs_message_size, limits)


def is_packed(body: str) -> bool:
    """Whether a migration message body is a packed message (a JSON array) rather than one record."""
    return body.lstrip(" \t\r\n").startswith("[")


# Numbers as Decimals, constants allowed: splitting only finds where each record's text ends; each
# record is then parsed and checked on its own, exactly as a one-record message would be.
_SPLITTER = json.JSONDecoder(parse_float=Decimal, parse_int=Decimal, parse_constant=lambda name: None)
_WHITESPACE = " \t\r\n"


def unpack(body: str) -> list[str]:
    """The record bodies of a packed message, each exactly as it was packed."""
    position = _skip(body, 0)
    if not body.startswith("[", position):
        raise MalformedPackedMessage("packed message: not a JSON array")
    position = _skip(body, position + 1)
    records: list[str] = []
    if body.startswith("]", position):
        raise MalformedPackedMessage("packed message: no records")
    while True:
        try:
            _, end = _SPLITTER.raw_decode(body, position)
        except (ValueError, RecursionError):
            raise MalformedPackedMessage(f"packed message: record {len(records)} is not valid JSON") from None
        records.append(body[position:end])
        position = _skip(body, end)
        if body.startswith(",", position):
            position = _skip(body, position + 1)
            continue
        if body.startswith("]", position) and not body[position + 1 :].strip(_WHITESPACE):
            return records
        raise MalformedPackedMessage("packed message: not a JSON array of records")


def _skip(text: str, position: int) -> int:
    while position < len(text) and text[position] in _WHITESPACE:
        position += 1
    return position
