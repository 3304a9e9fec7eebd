"""Sentinels that cover every shard of the legacy table's stream: an online run's proof that the change
capture reads every shard (before the bulk copy) and that it has caught up on every shard (in the pause).

A DynamoDB stream has a shard per partition of its table, and Lambda reads the shards in parallel, each in
order (Lambda developer guide, "Using AWS Lambda with Amazon DynamoDB": "Lambda processes records from each
shard in order"; DynamoDB developer guide, "DynamoDB Streams": "Stream records are organized into groups,
or shards"). A sentinel therefore proves only that its own shard has been read up to it. Which shard a
key's changes go to is DynamoDB's hash of the key, which no API tells; so the open shards are each watched
from their end (a ``LATEST`` iterator taken before any sentinel is written) and sentinels with new keys
(members of one group: ``run_sentinels.member_id``) are written until every open shard has shown one. The
group then counts as arrived only once the change capture has seen every member
(``change_log.record_sentinel_arrival``), i.e. once every shard has been read up to the placement.

Closed shards need no sentinel of their own: a consumer must process a parent shard before its children
(DynamoDB developer guide, "Change data capture for DynamoDB Streams": "an application must always process
a parent shard before it processes a child shard"), which Lambda's stream poller does for its mappings, so
an open descendant's sentinel comes after its ancestors' records. A shard that appears while the
sentinels are placed (a split) is watched from its first record (``TRIM_HORIZON``): everything in it is
recent.

The members beyond the first are deleted again at once (their ``INSERT`` is in the stream already; the
capture ignores a sentinel's ``REMOVE``); the first keeps the single sentinel's id, which the state
machine deletes as before. On one shard (the embedded runtime) the group is that single sentinel.

While the state machine waits for a group, each reading is preceded by a beat (``beat``): the members not
yet seen are written again, since a poller that starts on a shard after a member was written there skips
it at ``LATEST``.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from migration_runtime.change_log import (
    close_sentinel_group,
    plan_sentinel_group,
    sentinel_members_missing,
)
from migration_runtime.dynamodb_codec import to_attribute_map
from migration_runtime.run_sentinels import is_sentinel, member_id
from migration_runtime.timestamps import Clock, utc_now

# Members written per uncovered shard in a round: keys land on shards at random, so two per uncovered
# shard finish most rounds at once (a coupon collector's problem, ~P ln P members for P shards in all).
MEMBERS_PER_UNCOVERED_SHARD = 2
# The most members a group may have: far more than P ln P for any P this bound allows.
MEMBERS_PER_OPEN_SHARD_LIMIT = 20
MEMBERS_LIMIT_FLOOR = 50
# The member's index is 8 digits in the control table's sort key (change_log).
MEMBERS_LIMIT_CEILING = 99_999_999
# GetRecords: up to 1,000 records a call, 5 calls a second per shard (DynamoDB Streams API Reference,
# GetRecords).
_RECORDS_PER_READ = 1000
_PAGES_PER_ROUND = 5
_FIRST_POLL_SECONDS = 0.1
_MAX_POLL_SECONDS = 1.0


class SentinelsNotPlaced(RuntimeError):
    """The open shards could not all be shown a sentinel (too many members, or none seen in time)."""


@dataclass(frozen=True)
class PlacedSentinels:
    group: str
    members: int
    """How many sentinels were written: the capture must see each before the group arrives."""
    shards: int
    """The open shards, each of which showed at least one of them."""
    arrived: bool
    """True if the capture had already seen every member when the placement finished."""

    def as_result(self) -> dict[str, Any]:
        return {"group": self.group, "members": self.members, "shards": self.shards}


@dataclass
class _Watch:
    iterator: str | None
    covered: bool = False


@dataclass
class ShardCoveringPlacement:
    """Writes one group of sentinels to the legacy table until each open shard of its stream showed one."""

    dynamodb: Any
    streams: Any
    """A ``dynamodbstreams`` client."""
    legacy_table_name: str
    record_id_field: str
    stream_arn: str
    control_table_name: str
    deadline_seconds: float = 45.0
    """How long the placement may take in all before it gives up (the capture function's timeout is 60 s)."""
    clock: Clock = utc_now
    sleep: Callable[[float], None] = time.sleep
    monotonic: Callable[[], float] = time.monotonic
    _watches: dict[str, _Watch] = field(default_factory=dict, init=False)
    _deadline: float = field(default=0.0, init=False)

    def place(self, group: str) -> PlacedSentinels:
        if not is_sentinel(group):
            raise ValueError(f"not a sentinel id: {group!r}")
        self._deadline = self.monotonic() + self.deadline_seconds
        plan_sentinel_group(self.dynamodb, self.control_table_name, group=group, at=self.clock())
        for shard_id in self._open_shards():
            self._watches[shard_id] = _Watch(self._iterator(shard_id, "LATEST"))
        if not self._watches:
            raise SentinelsNotPlaced(f"the stream {self.stream_arn} has no open shard")
        limit = min(
            MEMBERS_LIMIT_CEILING,
            max(MEMBERS_LIMIT_FLOOR, MEMBERS_PER_OPEN_SHARD_LIMIT * len(self._watches)),
        )
        written: list[str] = []
        try:
            while uncovered := [watch for watch in self._watches.values() if not watch.covered]:
                if len(written) >= limit:
                    raise SentinelsNotPlaced(
                        f"{len(written)} sentinels left {len(uncovered)} of {len(self._watches)} open "
                        "shards without one"
                    )
                # One shard takes any key: one sentinel, the group's own (as ever on the local runtime).
                per_shard = 1 if len(self._watches) == 1 else MEMBERS_PER_UNCOVERED_SHARD
                count = min(per_shard * len(uncovered), limit - len(written))
                batch = [member_id(group, index) for index in range(len(written), len(written) + count)]
                for sentinel in batch:
                    self._write(sentinel)
                    written.append(sentinel)
                self._watch_until_seen(set(batch), members=set(written))
        finally:
            for sentinel in written[1:]:
                self.dynamodb.delete_item(TableName=self.legacy_table_name, Key=self._key(sentinel))
        shards = len(self._watches)
        arrived = close_sentinel_group(
            self.dynamodb,
            self.control_table_name,
            group=group,
            members=len(written),
            shards=shards,
            at=self.clock(),
        )
        return PlacedSentinels(group=group, members=len(written), shards=shards, arrived=arrived)

    def beat(self, group: str) -> int:
        """Write again each member the capture has not seen yet (a MODIFY, or an INSERT for a member
        deleted after its placement; deleted again): the heartbeat of a wait for the group. A mapping
        just enabled at ``LATEST`` starts reading each shard on its own time and skips what was written
        before (Lambda developer guide, "Polling and stream starting positions"), so a member written
        before its shard's poller started arrives only when written again. No placed group under this id:
        the id alone is written, the single sentinel it is. Returns how many were written."""
        missing = sentinel_members_missing(self.dynamodb, self.control_table_name, group=group)
        indexes = missing if missing is not None else [0]
        for index in indexes:
            sentinel = member_id(group, index)
            self._write(sentinel)
            if index:
                self.dynamodb.delete_item(TableName=self.legacy_table_name, Key=self._key(sentinel))
        return len(indexes)

    def _watch_until_seen(self, batch: set[str], members: set[str]) -> None:
        """Read every watched shard until each member of ``batch`` has shown on one of them; a shard that
        shows any member of the group is covered."""
        unseen = set(batch)
        pause = _FIRST_POLL_SECONDS
        while True:
            for shard_id, watch in list(self._watches.items()):
                for sentinel in self._read(shard_id, watch):
                    unseen.discard(sentinel)
                    if sentinel in members:
                        watch.covered = True
            if not unseen:
                return
            if self.monotonic() >= self._deadline:
                raise SentinelsNotPlaced(
                    f"{len(unseen)} of {len(batch)} sentinels did not show on any open shard of "
                    f"{self.stream_arn} within {self.deadline_seconds:g} s"
                )
            self._watch_new_shards()
            self.sleep(pause)
            pause = min(pause * 2, _MAX_POLL_SECONDS)

    def _read(self, shard_id: str, watch: _Watch) -> Iterator[str]:
        """The sentinel ids among this shard's new records, read up to its end (a busy shard gives full
        pages: up to ``_PAGES_PER_ROUND`` of them a round); a shard found closed is no longer watched."""
        for _ in range(_PAGES_PER_ROUND):
            if watch.iterator is None:
                return
            response = self.streams.get_records(ShardIterator=watch.iterator, Limit=_RECORDS_PER_READ)
            watch.iterator = response.get("NextShardIterator")
            if watch.iterator is None:  # closed (split): its children are watched from their start
                del self._watches[shard_id]
                self._watch_new_shards()
            records = response.get("Records", [])
            for record in records:
                keys = record.get("dynamodb", {}).get("Keys", {})
                value = keys.get(self.record_id_field, {}).get("S")
                if is_sentinel(value) and record.get("eventName") in ("INSERT", "MODIFY"):
                    yield value
            if len(records) < _RECORDS_PER_READ:
                return

    def _watch_new_shards(self) -> None:
        for shard_id in self._open_shards():
            if shard_id not in self._watches:
                self._watches[shard_id] = _Watch(self._iterator(shard_id, "TRIM_HORIZON"))

    def _open_shards(self) -> list[str]:
        """The stream's shards without an ending sequence number (DescribeStream, every page)."""
        open_shards: list[str] = []
        request: dict[str, Any] = {"StreamArn": self.stream_arn}
        while True:
            description = self.streams.describe_stream(**request)["StreamDescription"]
            for shard in description.get("Shards", []):
                if "EndingSequenceNumber" not in shard.get("SequenceNumberRange", {}):
                    open_shards.append(shard["ShardId"])
            last = description.get("LastEvaluatedShardId")
            if not last:
                return open_shards
            request["ExclusiveStartShardId"] = last

    def _iterator(self, shard_id: str, kind: str) -> str | None:
        response = self.streams.get_shard_iterator(
            StreamArn=self.stream_arn, ShardId=shard_id, ShardIteratorType=kind
        )
        iterator: str | None = response.get("ShardIterator")
        return iterator

    def _write(self, sentinel: str) -> None:
        # A value of its own each time: a write that changes nothing leaves no stream record (DynamoDB
        # developer guide, "Change data capture for DynamoDB Streams"), and a retried placement rewrites
        # the members it wrote before.
        item = {**self._key(sentinel), "placed": {"S": uuid.uuid4().hex}}
        self.dynamodb.put_item(TableName=self.legacy_table_name, Item=item)

    def _key(self, sentinel: str) -> dict[str, Any]:
        return to_attribute_map({self.record_id_field: sentinel})
