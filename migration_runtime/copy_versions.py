"""Which copy of an application the new table keeps: every copy carries a version, compared as text.

Copies of one legacy record reach the new table by three roads that race (the migration queue and the
intake queue do not keep order), so the order is decided by a version written with each copy, never by
arrival:
- rank 0, the bulk copy (a Scan read the record at some moment): ``"0"``;
- rank 1, a change from the legacy table's DynamoDB stream: ``"1#"`` + its sequence number, zero-padded to
  40 digits so that text order is number order. Any stream copy beats a scanned copy (the scan may have
  read the record before or after the change; the change is at least as new), and for one item a later
  change has a larger sequence number ("the stream records appear in the same sequence as the actual
  modifications to the item": https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Streams.html);
- rank 2, live intake on the new backend (after the cut-over, when the legacy side is stopped):
  ``"2#"`` + the message's SentTimestamp in milliseconds (15 digits) + ``"#"`` + its message id, so a later
  submission beats an earlier one whatever order the queue delivers them in.
Equal versions are the same copy (a redelivery) except at rank 0, where a later scan read later content.
"""

from __future__ import annotations

SCAN_COPY_VERSION = "0"
STREAM_RANK = "1"
INTAKE_RANK = "2"
# DynamoDB Streams sequence numbers are 21 to 40 digits (API reference, StreamRecord.SequenceNumber).
SEQUENCE_NUMBER_DIGITS = 40
_SENT_TIMESTAMP_DIGITS = 15


class InvalidCopyVersion(ValueError):
    """A version that none of the three roads writes."""


def stream_copy_version(sequence_number: str) -> str:
    if (
        not sequence_number.isascii()
        or not sequence_number.isdigit()
        or len(sequence_number) > SEQUENCE_NUMBER_DIGITS
    ):
        raise InvalidCopyVersion(f"not a stream sequence number: {sequence_number[:60]!r}")
    return f"{STREAM_RANK}#{sequence_number.zfill(SEQUENCE_NUMBER_DIGITS)}"


def intake_copy_version(sent_timestamp_ms: int, message_id: str) -> str:
    if sent_timestamp_ms < 0 or sent_timestamp_ms >= 10**_SENT_TIMESTAMP_DIGITS:
        raise InvalidCopyVersion(f"not a SentTimestamp in milliseconds: {sent_timestamp_ms}")
    return f"{INTAKE_RANK}#{sent_timestamp_ms:0{_SENT_TIMESTAMP_DIGITS}d}#{message_id}"


def is_copy_version(version: str) -> bool:
    if version == SCAN_COPY_VERSION:
        return True
    rank, _, rest = version.partition("#")
    if rank == STREAM_RANK:
        return len(rest) == SEQUENCE_NUMBER_DIGITS and rest.isascii() and rest.isdigit()
    if rank == INTAKE_RANK:
        stamp, _, message_id = rest.partition("#")
        return (
            len(stamp) == _SENT_TIMESTAMP_DIGITS and stamp.isascii() and stamp.isdigit() and bool(message_id)
        )
    return False


def supersedes(candidate: str, current: str) -> bool:
    """Whether a copy at ``candidate`` replaces what the table keeps at ``current``.

    A newer version always does; an equal version only at rank 0 (a later scan read later content; a
    redelivered stream or intake copy is the very same copy, so writing it again changes nothing).
    """
    if candidate != current:
        return candidate > current
    return candidate == SCAN_COPY_VERSION
