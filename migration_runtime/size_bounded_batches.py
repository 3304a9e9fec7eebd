"""Split what a batch API sends by entry count *and* by bytes, as AWS measures them.

SQS (SendMessageBatch API reference; "Amazon SQS message attributes"): at most 10 entries; each message at
most 1 MiB and the sum of the batch's messages at most 1 MiB, where a message's size is its body's UTF-8
bytes plus every attribute's name, data type and value ("all components of a message attribute are
included in the message size restriction"). DynamoDB (BatchWriteItem API reference; "Item sizes and
formats"): at most 25 put requests, each item at most 400 KB, the request at most 16 MB.

An entry that can never be sent (over the per-entry quota) is not batched: ``size_bounded_batches`` raises
``EntryTooLarge`` so no batch ever fails for it; callers check ``fits`` first and reject such an entry
with a reason naming the quota.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from migration_runtime.aws_limits import (
    DYNAMODB_BATCH_WRITE_ENVELOPE_MARGIN_BYTES,
    DYNAMODB_MAX_BATCH_WRITE_BYTES,
    DYNAMODB_MAX_BATCH_WRITE_ITEMS,
    DYNAMODB_MAX_ITEM_BYTES,
    SQS_BATCH_ENVELOPE_MARGIN_BYTES,
    SQS_MAX_BATCH_BYTES,
    SQS_MAX_BATCH_ENTRIES,
    SQS_MAX_MESSAGE_BYTES,
)
from migration_runtime.dynamodb_item_size import item_size_bytes

Entry = TypeVar("Entry")


class EntryTooLarge(ValueError):
    """An entry over the per-entry quota: no batch can carry it."""


@dataclass(frozen=True)
class BatchLimits:
    name: str  # what the quota is called in a rejection reason, e.g. "SQS message size"
    max_entries: int
    max_entry_bytes: int
    max_batch_bytes: int  # for batches of two entries or more; one entry may use max_entry_bytes
    entry_overhead_bytes: int = 0  # what each entry adds to its batch beyond its own bytes (a separator)

    def fits(self, entry_bytes: int) -> bool:
        return entry_bytes <= self.max_entry_bytes

    def too_large_reason(self, entry_bytes: int) -> str:
        """Why an entry cannot be sent: sizes and the quota only, never content."""
        return f"{self.name} {entry_bytes} bytes exceeds the {self.max_entry_bytes}-byte limit"


SQS_SEND_BATCH = BatchLimits(
    name="SQS message size",
    max_entries=SQS_MAX_BATCH_ENTRIES,
    max_entry_bytes=SQS_MAX_MESSAGE_BYTES,
    max_batch_bytes=SQS_MAX_BATCH_BYTES - SQS_BATCH_ENVELOPE_MARGIN_BYTES,
)
DYNAMODB_BATCH_WRITE = BatchLimits(
    name="DynamoDB item size",
    max_entries=DYNAMODB_MAX_BATCH_WRITE_ITEMS,
    max_entry_bytes=DYNAMODB_MAX_ITEM_BYTES,
    max_batch_bytes=DYNAMODB_MAX_BATCH_WRITE_BYTES - DYNAMODB_BATCH_WRITE_ENVELOPE_MARGIN_BYTES,
)


def sqs_message_size(body: str, attributes: Mapping[str, Mapping[str, Any]] | None = None) -> int:
    """Bytes SQS counts for one message: the body plus each attribute's name, data type and value."""
    size = len(body.encode("utf-8"))
    for name, attribute in (attributes or {}).items():
        size += len(name.encode("utf-8")) + len(str(attribute.get("DataType", "")).encode("utf-8"))
        if "StringValue" in attribute:
            size += len(str(attribute["StringValue"]).encode("utf-8"))
        if "BinaryValue" in attribute:
            size += len(attribute["BinaryValue"])
    return size


def dynamodb_item_size(item: Mapping[str, Mapping[str, Any]]) -> int:
    return item_size_bytes(item)


def size_bounded_batches(
    entries: Iterable[Entry], size_of: Callable[[Entry], int], limits: BatchLimits
) -> Iterator[list[Entry]]:
    """Consecutive batches, in order, each within the entry count and the byte quota of ``limits``."""
    batch: list[Entry] = []
    batch_bytes = 0
    for entry in entries:
        entry_bytes = size_of(entry)
        if not limits.fits(entry_bytes):
            raise EntryTooLarge(limits.too_large_reason(entry_bytes))
        cost = entry_bytes + limits.entry_overhead_bytes
        if batch and (len(batch) == limits.max_entries or batch_bytes + cost > limits.max_batch_bytes):
            yield batch
            batch, batch_bytes = [], 0
        batch.append(entry)
        batch_bytes += cost
    if batch:
        yield batch
