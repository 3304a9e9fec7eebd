"""DynamoDB Streams kept like the service keeps them: one record per write, bounded, read by pollers.

moto 5.2.5 records every write of a stream-enabled table on the table's one ``StreamShard``, and:
- delivers to a mapped function *inline*, from inside the write, handing it the whole shard, then
  empties the shard (so sequence numbers, ``len(items) + start``, are reused afterwards);
- keeps each record as a tree of dicts with both images (several KiB per write), forever: loading
  100,000 legacy records into a stream-enabled table kept them all;
- records two INSERTs for an UpdateItem that creates an item (a key-only one from its inner PutItem,
  then the real one), where DynamoDB records one.

Here instead:
- inline delivery is off (``Table.lambda_event_source_mappings`` is always empty, as for SQS queues):
  ``embedded_aws.dynamodb_stream_event_source`` polls the stream like the Lambda service does;
- a record is stored as its JSON text (``CompactStreamRecord``), built once at write time;
- the shard keeps the records an enabled mapping has not read yet plus at most ``RETAINED_READ_RECORDS``
  older ones. That bound is a local simplification: DynamoDB keeps every record 24 hours
  (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Streams.html: "All data in
  DynamoDB Streams is subject to a 24-hour lifetime"). Trimming advances ``starting_sequence_number``
  (the first retained record), so moto's iterators keep working (TRIM_HORIZON = the oldest retained
  record, LATEST = just after the newest) and sequence numbers are never reused. Reading below it raises
  ``TrimmedDataAccessException``, as DynamoDB Streams does for trimmed data;
- the writes of one request are recorded as one record per item changed, after the request: an
  UpdateItem that creates an item gives one INSERT, and a cancelled TransactWriteItems none
  (``dynamodb_transactions`` uses ``recording_one_request``).

Internals used (contract tests: tests/functional/runtime/test_runtime_moto_contracts_dynamodb_streams.py):
``StreamShard`` with ``table``, ``items``, ``starting_sequence_number``, ``add(old, new)`` called by
``Table.put_item`` / ``Table.delete_item`` / ``DynamoDBBackend.update_item`` after each write and
``get(start, quantity)`` called by the streams backend's ``ShardIterator`` (which also reads
``starting_sequence_number`` and ``len(items)``); ``StreamRecord``'s record layout; ``Table`` with
``stream_specification["StreamViewType"]``, ``hash_key_attr``, ``range_key_attr``, ``table_arn``,
``latest_stream_label``, ``region``, ``stream_shard`` and the ``lambda_event_source_mappings`` dict
that ``StreamShard.add`` walks; ``Item.to_json()["Attributes"]``, ``hash_key`` / ``range_key``;
``DynamoDBBackend.update_item``.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from moto.core.exceptions import JsonRESTError
from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.models.dynamo_type import Item
from moto.dynamodb.models.table import StreamShard, Table

from embedded_aws.moto_internals.patching import PatchSet

# Records already read by every enabled mapping (or, with none enabled, the newest) kept per stream.
RETAINED_READ_RECORDS = 10_000
# Trim in chunks: deleting the head of a list costs its length, so do it once per chunk of writes.
_TRIM_CHUNK = 1_000

# The lowest sequence number an enabled mapping of this stream has not read yet (None: nothing to keep).
ProtectedFrom = Callable[[str], int | None]


class TrimmedDataAccessException(JsonRESTError):
    """What DynamoDB Streams answers for a read of records already trimmed from the stream."""

    def __init__(self, stream_arn: str, sequence_number: int, oldest: int) -> None:
        super().__init__(
            "TrimmedDataAccessException",
            f"Requested sequence number {sequence_number} of {stream_arn} is trimmed: the oldest record "
            f"kept is {oldest} (the local runtime keeps {RETAINED_READ_RECORDS} records already read)",
        )
        self.sequence_number = sequence_number
        self.oldest = oldest


class CompactStreamRecord:
    """One stream record, kept as the JSON text of what GetRecords returns (timestamp as epoch seconds)."""

    __slots__ = ("body", "sequence_number")

    def __init__(self, sequence_number: int, body: str) -> None:
        self.sequence_number = sequence_number
        self.body = body

    def to_json(self) -> dict[str, Any]:
        """The record as moto's ``StreamRecord.to_json`` gives it (GetRecords): a naive UTC datetime."""
        record: dict[str, Any] = json.loads(self.body)
        created = record["dynamodb"]["ApproximateCreationDateTime"]
        record["dynamodb"]["ApproximateCreationDateTime"] = datetime.fromtimestamp(created, UTC).replace(
            tzinfo=None
        )
        return record

    def lambda_record(self, stream_arn: str) -> dict[str, Any]:
        """The record as the Lambda service passes it to a function (epoch seconds, the stream's ARN)."""
        record: dict[str, Any] = json.loads(self.body)
        record["eventSourceARN"] = stream_arn
        return record


@dataclass(frozen=True, slots=True)
class _Change:
    shard: StreamShard
    keys: dict[str, Any]
    old: dict[str, Any] | None
    new: dict[str, Any] | None


class _Request(threading.local):
    def __init__(self) -> None:
        self.changes: list[_Change] | None = None


_request = _Request()
_protected_from: list[ProtectedFrom] = []


def stream_arn_of(table: Table) -> str:
    return f"{table.table_arn}/stream/{table.latest_stream_label}"


# One lock (and wake-up for waiting pollers) per shard, kept beside it rather than in it: tables are
# deep-copied (backups, restores) and a lock cannot be copied.
_conditions: weakref.WeakKeyDictionary[StreamShard, threading.Condition] = weakref.WeakKeyDictionary()
_conditions_lock = threading.Lock()


def _state(shard: StreamShard) -> threading.Condition:
    condition = _conditions.get(shard)
    if condition is None:
        with _conditions_lock:
            condition = _conditions.setdefault(shard, threading.Condition())
    return condition


def _keys(table: Table, item: Item) -> dict[str, Any]:
    keys = {table.hash_key_attr: item.hash_key.to_json()}
    if table.range_key_attr is not None and item.range_key is not None:
        keys[table.range_key_attr] = item.range_key.to_json()
    return keys


def _add(self: StreamShard, old: Item | None, new: Item | None) -> None:
    item = old if old is not None else new
    if item is None:
        return
    change = _Change(
        shard=self,
        keys=_keys(self.table, item),
        old=old.to_json()["Attributes"] if old is not None else None,
        new=new.to_json()["Attributes"] if new is not None else None,
    )
    if _request.changes is not None:
        _request.changes.append(change)
    else:
        _record(change)


def _record(change: _Change) -> None:
    shard = change.shard
    table = shard.table
    view_type = table.stream_specification["StreamViewType"]
    event_name = "INSERT" if change.old is None else "REMOVE" if change.new is None else "MODIFY"
    dynamodb: dict[str, Any] = {
        # "rounded down to the closest second" (DynamoDB Streams API Reference, StreamRecord).
        "ApproximateCreationDateTime": int(time.time()),
        "Keys": change.keys,
    }
    if view_type in ("NEW_IMAGE", "NEW_AND_OLD_IMAGES") and change.new is not None:
        dynamodb["NewImage"] = change.new
    if view_type in ("OLD_IMAGE", "NEW_AND_OLD_IMAGES") and change.old is not None:
        dynamodb["OldImage"] = change.old
    # The images are serialised once (the bulk of the cost of a write's record); the few fields around
    # them are spliced in as text. SizeBytes: the record's keys and images as JSON (DynamoDB counts the
    # stream record; moto overestimated it the same way).
    images = json.dumps(dynamodb, separators=(",", ":"))
    head = (
        f'{{"eventID":"{uuid.uuid4().hex}","eventName":"{event_name}","eventVersion":"1.1",'
        f'"eventSource":"aws:dynamodb","awsRegion":{json.dumps(table.region_name)},"dynamodb":'
        f'{images[:-1]},"SizeBytes":{len(images.encode("utf-8"))},"StreamViewType":"{view_type}",'
        '"SequenceNumber":"'
    )
    condition = _state(shard)
    with condition:
        sequence_number = shard.starting_sequence_number + len(shard.items)
        shard.items.append(CompactStreamRecord(sequence_number, f'{head}{sequence_number}"}}}}'))
        _trim(shard)
        condition.notify_all()


def _trim(shard: StreamShard) -> None:
    """Drop what no enabled mapping still needs beyond ``RETAINED_READ_RECORDS`` (caller holds the lock)."""
    if len(shard.items) < RETAINED_READ_RECORDS + _TRIM_CHUNK:
        return
    end = shard.starting_sequence_number + len(shard.items)
    floors = [protected(stream_arn_of(shard.table)) for protected in _protected_from]
    unread_from = min([floor for floor in floors if floor is not None], default=end)
    cut = min(unread_from, end) - RETAINED_READ_RECORDS - shard.starting_sequence_number
    if cut >= _TRIM_CHUNK:
        del shard.items[:cut]
        shard.starting_sequence_number += cut


def _get(self: StreamShard, start: int, quantity: int) -> list[dict[str, Any]]:
    return [record.to_json() for record in read_records(self, start, quantity)]


def read_records(shard: StreamShard, start: int, quantity: int) -> list[CompactStreamRecord]:
    """Up to ``quantity`` records from sequence number ``start`` on (none yet: an empty list)."""
    with _state(shard):
        oldest = shard.starting_sequence_number
        if start < oldest:
            raise TrimmedDataAccessException(stream_arn_of(shard.table), start, oldest)
        offset = start - oldest
        return shard.items[offset : offset + quantity]


def stream_bounds(shard: StreamShard) -> tuple[int, int]:
    """(oldest retained sequence number, the number the next record will get)."""
    with _state(shard):
        return shard.starting_sequence_number, shard.starting_sequence_number + len(shard.items)


def wait_for_records(shard: StreamShard, after: int, seconds: float) -> bool:
    """Block until a record numbered ``after`` or later exists, or ``seconds`` passed."""
    condition = _state(shard)
    with condition:
        return condition.wait_for(
            lambda: shard.starting_sequence_number + len(shard.items) > after, timeout=seconds
        )


def shard_of(account_tables: dict[str, Table], stream_arn: str) -> StreamShard | None:
    """The shard of the table whose current stream is ``stream_arn`` (None if there is none now)."""
    table_name = stream_arn.split(":", 5)[5].split("/")[1]
    table = account_tables.get(table_name)
    if table is None or table.stream_shard is None or stream_arn_of(table) != stream_arn:
        return None
    return table.stream_shard


@contextmanager
def recording_one_request(discard_on_error: bool = False) -> Iterator[None]:
    """Record the stream changes made inside as one request: one record per item changed (its image
    before the first change and after the last), written when the block ends. ``discard_on_error``:
    nothing is recorded if the block raises (a cancelled transaction); otherwise what was written before
    an error is recorded, as moto keeps it. Nested blocks join the outermost one."""
    if _request.changes is not None:
        yield
        return
    _request.changes = changes = []
    completed = False
    try:
        yield
        completed = True
    finally:
        _request.changes = None
        if completed or not discard_on_error:
            for change in _collapsed(changes):
                _record(change)


def _collapsed(changes: list[_Change]) -> list[_Change]:
    merged: dict[tuple[int, str], _Change] = {}
    for change in changes:
        slot = (id(change.shard), json.dumps(change.keys, sort_keys=True))
        first = merged.get(slot)
        merged[slot] = change if first is None else _Change(first.shard, first.keys, first.old, change.new)
    return [change for change in merged.values() if change.old is not None or change.new is not None]


def _wrap_update_item(original: Callable[..., Item]) -> Callable[..., Item]:
    def update_item(self: DynamoDBBackend, *args: Any, **kwargs: Any) -> Item:
        with recording_one_request():
            return original(self, *args, **kwargs)

    return update_item


def _inert_mappings(_table: Any) -> dict[str, Any]:
    return {}


def _ignore_assignment(_table: Any, _value: Any) -> None:
    return None


def install(patches: PatchSet, protected_from: ProtectedFrom | None = None) -> None:
    patches.replace(Table, "lambda_event_source_mappings", property(_inert_mappings, _ignore_assignment))
    patches.replace(StreamShard, "add", _add)
    patches.replace(StreamShard, "get", _get)
    patches.replace(DynamoDBBackend, "update_item", _wrap_update_item(DynamoDBBackend.update_item))
    if protected_from is not None:
        _protected_from.append(protected_from)
        patches.on_restore(lambda: _protected_from.remove(protected_from))


class MotoStreams:
    """The streams of one account and region, as the stream pollers read them (in process: the Lambda
    service's reads of a DynamoDB stream are not billed requests either)."""

    def __init__(self, account_id: str, region: str) -> None:
        self._account_id = account_id
        self._region = region

    def _shard(self, stream_arn: str) -> StreamShard | None:
        from moto.dynamodb.models import dynamodb_backends

        return shard_of(dynamodb_backends[self._account_id][self._region].tables, stream_arn)

    def bounds(self, stream_arn: str) -> tuple[int, int] | None:
        shard = self._shard(stream_arn)
        return stream_bounds(shard) if shard is not None else None

    def read(self, stream_arn: str, start: int, quantity: int) -> list[CompactStreamRecord]:
        shard = self._shard(stream_arn)
        return read_records(shard, start, quantity) if shard is not None else []

    def wait(self, stream_arn: str, after: int, seconds: float) -> bool:
        shard = self._shard(stream_arn)
        if shard is None:
            return False
        return wait_for_records(shard, after, seconds)
