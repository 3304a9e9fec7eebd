"""Catch-up sentinels on a stream of several shards (AWS: a shard per partition; moto and the embedded
runtime have one): every open shard shows a member of the group, and the group arrives only once the
capture has seen every member, in whatever order the shards deliver them."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from migration_runtime.change_log import (
    SENTINEL_ARRIVAL_PK_PREFIX,
    SENTINEL_ARRIVAL_SK,
    SENTINEL_PLAN_SK,
    close_sentinel_group,
    plan_sentinel_group,
    record_sentinel_arrival,
)
from migration_runtime.dynamodb_codec import from_attribute_map, to_attribute_map
from migration_runtime.run_sentinels import group_of, member_id, sentinel_application_id
from migration_runtime.shard_covering_sentinels import (
    MEMBERS_LIMIT_FLOOR,
    MEMBERS_PER_OPEN_SHARD_LIMIT,
    SentinelsNotPlaced,
    ShardCoveringPlacement,
)
from tests.fixtures.dynamodb_tables import mocked_pk_sk_table

CONTROL = "control"
LEGACY = "legacy"
ID_FIELD = "application_id"
STREAM_ARN = "arn:aws:dynamodb:us-east-1:123456789012:table/legacy/stream/2026-12-02T00:00:00.000"
NOW = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
GROUP = sentinel_application_id("run-1", "caught_up")


class FakeStream:
    """A DynamoDB stream of several shards as the dynamodbstreams API shows it: a key's records go to one
    open shard by a hash of the key; a split closes a shard and opens two children."""

    def __init__(self, shards: int, page_size: int = 2) -> None:
        self.records: dict[str, list[dict[str, Any]]] = {}
        self.closed: set[str] = set()
        self.unreachable: set[str] = set()
        """Open shards no key hashes to (a partition no write reaches)."""
        self.page_size = page_size
        self.next_id = 0
        for _ in range(shards):
            self._open()

    def _open(self) -> str:
        shard_id = f"shardId-{self.next_id:04d}"
        self.next_id += 1
        self.records[shard_id] = []
        return shard_id

    def open_shards(self) -> list[str]:
        return [shard for shard in self.records if shard not in self.closed]

    def write(self, event_name: str, key: str) -> None:
        shards = [shard for shard in self.open_shards() if shard not in self.unreachable]
        shard = shards[int(hashlib.sha256(key.encode()).hexdigest(), 16) % len(shards)]
        self.records[shard].append({"eventName": event_name, "dynamodb": {"Keys": {ID_FIELD: {"S": key}}}})

    def split(self, shard_id: str) -> None:
        self.closed.add(shard_id)
        self._open()
        self._open()

    def shards_with(self, key: str) -> set[str]:
        return {
            shard
            for shard, records in self.records.items()
            if any(record["dynamodb"]["Keys"][ID_FIELD]["S"] == key for record in records)
        }

    # The dynamodbstreams client's calls the placement makes:
    def describe_stream(self, StreamArn: str, ExclusiveStartShardId: str | None = None) -> dict[str, Any]:
        assert StreamArn == STREAM_ARN
        ids = list(self.records)
        start = ids.index(ExclusiveStartShardId) + 1 if ExclusiveStartShardId else 0
        page = ids[start : start + self.page_size]
        shards = [
            {
                "ShardId": shard,
                "SequenceNumberRange": {"StartingSequenceNumber": "1"}
                | ({"EndingSequenceNumber": "9"} if shard in self.closed else {}),
            }
            for shard in page
        ]
        more = start + self.page_size < len(ids)
        return {
            "StreamDescription": {"Shards": shards} | ({"LastEvaluatedShardId": page[-1]} if more else {})
        }

    def get_shard_iterator(self, StreamArn: str, ShardId: str, ShardIteratorType: str) -> dict[str, Any]:
        position = len(self.records[ShardId]) if ShardIteratorType == "LATEST" else 0
        return {"ShardIterator": f"{ShardId}@{position}"}

    def get_records(self, ShardIterator: str, Limit: int) -> dict[str, Any]:
        shard, _, position = ShardIterator.partition("@")
        records = self.records[shard][int(position) : int(position) + Limit]
        end = int(position) + len(records)
        finished = shard in self.closed and end == len(self.records[shard])
        return {"Records": records} | ({} if finished else {"NextShardIterator": f"{shard}@{end}"})


class LegacyWritesReachTheStream:
    """The DynamoDB client, with the legacy table's writes also recorded in the fake stream."""

    def __init__(self, client: Any, stream: FakeStream, after_put: Callable[[int], None] | None = None):
        self._client = client
        self._stream = stream
        self._after_put = after_put
        self.puts = 0

    def put_item(self, **request: Any) -> Any:
        response = self._client.put_item(**request)
        if request["TableName"] == LEGACY:
            self._stream.write("INSERT", request["Item"][ID_FIELD]["S"])
            self.puts += 1
            if self._after_put:
                self._after_put(self.puts)
        return response

    def delete_item(self, **request: Any) -> Any:
        response = self._client.delete_item(**request)
        if request["TableName"] == LEGACY:
            self._stream.write("REMOVE", request["Key"][ID_FIELD]["S"])
        return response

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)


@pytest.fixture
def dynamodb() -> Iterator[Any]:
    with mocked_pk_sk_table(CONTROL) as client:
        client.create_table(
            TableName=LEGACY,
            KeySchema=[{"AttributeName": ID_FIELD, "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": ID_FIELD, "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        yield client


def placement(dynamodb: Any, stream: FakeStream, **options: Any) -> ShardCoveringPlacement:
    return ShardCoveringPlacement(
        dynamodb=dynamodb,
        streams=stream,
        legacy_table_name=LEGACY,
        record_id_field=ID_FIELD,
        stream_arn=STREAM_ARN,
        control_table_name=CONTROL,
        clock=lambda: NOW,
        sleep=lambda _seconds: None,
        **options,
    )


def control_item(dynamodb: Any, group: str, sort_key: str) -> dict[str, Any] | None:
    item = dynamodb.get_item(
        TableName=CONTROL,
        Key=to_attribute_map({"pk": f"{SENTINEL_ARRIVAL_PK_PREFIX}{group}", "sk": sort_key}),
        ConsistentRead=True,
    ).get("Item")
    return from_attribute_map(item) if item else None


def legacy_ids(dynamodb: Any) -> list[str]:
    return sorted(item[ID_FIELD]["S"] for item in dynamodb.scan(TableName=LEGACY)["Items"])


def members_of(stream: FakeStream) -> list[str]:
    """Every member written, in the order written."""
    inserted = {
        record["dynamodb"]["Keys"][ID_FIELD]["S"]
        for records in stream.records.values()
        for record in records
        if record["eventName"] == "INSERT"
    }
    return sorted(inserted, key=lambda member: group_of(member)[1])


@pytest.mark.parametrize("shards", [1, 3, 8, 40])
def test_every_open_shard_shows_a_member_of_the_group(dynamodb: Any, shards: int) -> None:
    # GIVEN a legacy table whose stream has this many shards (DescribeStream in pages of two)
    stream = FakeStream(shards)
    client = LegacyWritesReachTheStream(dynamodb, stream)

    # WHEN the catch-up sentinels are placed
    placed = placement(client, stream).place(GROUP)

    # THEN each open shard holds at least one member's INSERT, the plan counts every member written,
    # and only the first member (the group's own id, deleted later by the state machine) stays behind
    members = members_of(stream)
    assert placed.members == len(members) >= shards
    assert placed.shards == shards
    assert {shard for member in members for shard in stream.shards_with(member)} == set(stream.records)
    plan = control_item(dynamodb, GROUP, SENTINEL_PLAN_SK)
    assert plan is not None and plan["members"] == placed.members and plan["shards"] == shards
    assert legacy_ids(dynamodb) == [GROUP]
    assert GROUP in members


def test_the_group_arrives_only_once_the_capture_has_seen_every_member(dynamodb: Any) -> None:
    # GIVEN a group placed on a stream of five shards, nothing captured yet
    stream = FakeStream(5)
    placed = placement(LegacyWritesReachTheStream(dynamodb, stream), stream).place(GROUP)
    members = members_of(stream)
    assert not placed.arrived

    # WHEN the capture sees every member but one, in reverse order (shards are read in parallel)
    for member in reversed(members[1:]):
        record_sentinel_arrival(dynamodb, CONTROL, sentinel_id=member, at=NOW)

    # THEN the group has not arrived; it arrives with the last member
    assert control_item(dynamodb, GROUP, SENTINEL_ARRIVAL_SK) is None
    record_sentinel_arrival(dynamodb, CONTROL, sentinel_id=members[0], at=NOW)
    assert control_item(dynamodb, GROUP, SENTINEL_ARRIVAL_SK) is not None


def test_members_seen_while_still_being_placed_wait_for_the_plan(dynamodb: Any) -> None:
    # GIVEN a capture that sees each member as soon as it is written (before the plan says how many)
    stream = FakeStream(4)

    def capture_at_once(_puts: int) -> None:
        latest = members_of(stream)[-1]
        record_sentinel_arrival(dynamodb, CONTROL, sentinel_id=latest, at=NOW)
        # nothing arrives while members are still being written, however many have come through
        assert control_item(dynamodb, GROUP, SENTINEL_ARRIVAL_SK) is None

    # WHEN the sentinels are placed
    placed = placement(LegacyWritesReachTheStream(dynamodb, stream, capture_at_once), stream).place(GROUP)

    # THEN closing the plan finds every member arrived and completes the group itself
    assert placed.arrived
    assert control_item(dynamodb, GROUP, SENTINEL_ARRIVAL_SK) is not None


def test_a_shard_split_while_placing_is_covered_through_its_children(dynamodb: Any) -> None:
    # GIVEN a stream of two shards, the first of which splits right after the first sentinel is written
    stream = FakeStream(2)

    def split_once(puts: int) -> None:
        if puts == 1:
            stream.split("shardId-0000")

    # WHEN the sentinels are placed
    placed = placement(LegacyWritesReachTheStream(dynamodb, stream, split_once), stream).place(GROUP)

    # THEN each of the three open shards (the other one and both children) shows a member
    members = members_of(stream)
    open_shards = set(stream.open_shards())
    assert len(open_shards) == 3
    assert open_shards <= {shard for member in members for shard in stream.shards_with(member)}
    assert placed.shards == 3


def test_members_that_never_show_fail_the_placement_and_are_deleted(dynamodb: Any) -> None:
    # GIVEN a stream that never shows the legacy table's writes (e.g. the wrong stream)
    stream = FakeStream(3)
    ticks = iter(range(0, 10_000, 10))

    # WHEN the sentinels are placed with a deadline of 30 s
    with pytest.raises(SentinelsNotPlaced, match="did not show on any open shard"):
        placement(dynamodb, stream, deadline_seconds=30, monotonic=lambda: float(next(ticks))).place(GROUP)

    # THEN it fails (the state machine rolls back) and leaves only the group's own sentinel behind
    assert legacy_ids(dynamodb) == [GROUP]


def test_a_shard_no_member_reaches_fails_after_the_members_limit(dynamodb: Any) -> None:
    # GIVEN a stream where one shard is open but no key ever hashes to it
    stream = FakeStream(2)
    stream.records["shardId-9999"] = []
    stream.unreachable.add("shardId-9999")

    # WHEN the sentinels are placed
    with pytest.raises(SentinelsNotPlaced, match="without one"):
        placement(LegacyWritesReachTheStream(dynamodb, stream), stream).place(GROUP)

    # THEN it stopped at the limit of members (per open shard, three here), and deleted all but the first
    assert len(members_of(stream)) == max(MEMBERS_LIMIT_FLOOR, 3 * MEMBERS_PER_OPEN_SHARD_LIMIT)
    assert legacy_ids(dynamodb) == [GROUP]


def test_member_ids_round_trip_and_plain_sentinels_are_groups_of_one() -> None:
    # GIVEN sentinel ids of both purposes
    live = sentinel_application_id("run-1", "live")

    # THEN a member's id names its group and index; a plain id is its own group's first member
    assert group_of(member_id(GROUP, 7)) == (GROUP, 7)
    assert group_of(member_id(GROUP, 0)) == (GROUP, 0)
    assert group_of(live) == (live, 0)
    assert group_of(sentinel_application_id("run-1", "7")) == (sentinel_application_id("run-1", "7"), 0)
    with pytest.raises(ValueError):
        member_id(GROUP, -1)


def test_a_sentinel_without_a_plan_arrives_at_once(dynamodb: Any) -> None:
    # GIVEN the capture-is-live sentinel, written alone (no plan)
    live = sentinel_application_id("run-1", "live")

    # WHEN the capture sees it
    record_sentinel_arrival(dynamodb, CONTROL, sentinel_id=live, at=NOW)

    # THEN it has arrived; a further member of a group without a plan proves nothing on its own
    assert control_item(dynamodb, live, SENTINEL_ARRIVAL_SK) is not None
    record_sentinel_arrival(dynamodb, CONTROL, sentinel_id=member_id(GROUP, 2), at=NOW)
    assert control_item(dynamodb, GROUP, SENTINEL_ARRIVAL_SK) is None


def test_only_the_planned_members_count_toward_the_group(dynamodb: Any) -> None:
    # GIVEN members 3..9 of a group arrived (an earlier attempt of the placement wrote more of them)
    plan_sentinel_group(dynamodb, CONTROL, group=GROUP, at=NOW)
    for index in range(3, 10):
        record_sentinel_arrival(dynamodb, CONTROL, sentinel_id=member_id(GROUP, index), at=NOW)

    # WHEN the placement runs again and closes its plan at three members
    plan_sentinel_group(dynamodb, CONTROL, group=GROUP, at=NOW)
    arrived = close_sentinel_group(dynamodb, CONTROL, group=GROUP, members=3, shards=2, at=NOW)

    # THEN the group waits for members 0, 1 and 2, and arrives with the last of them
    assert not arrived
    for index in (2, 0):
        record_sentinel_arrival(dynamodb, CONTROL, sentinel_id=member_id(GROUP, index), at=NOW)
        assert control_item(dynamodb, GROUP, SENTINEL_ARRIVAL_SK) is None
    record_sentinel_arrival(dynamodb, CONTROL, sentinel_id=member_id(GROUP, 1), at=NOW)
    assert control_item(dynamodb, GROUP, SENTINEL_ARRIVAL_SK) is not None


def test_a_beat_writes_again_only_the_members_not_seen_yet(dynamodb: Any) -> None:
    # GIVEN a group placed on four shards, of which the capture read only the first member (the other
    # shards' pollers had not started yet: at LATEST they skip what was written before)
    stream = FakeStream(4)
    client = LegacyWritesReachTheStream(dynamodb, stream)
    placing = placement(client, stream)
    placed = placing.place(GROUP)
    members = members_of(stream)
    record_sentinel_arrival(dynamodb, CONTROL, sentinel_id=members[0], at=NOW)
    writes_before = client.puts

    # WHEN a heartbeat comes
    rewritten = placing.beat(GROUP)

    # THEN every other member is written again (and deleted again: only the group's own id stays), and
    # once the capture sees those, the group arrives
    assert rewritten == placed.members - 1
    assert client.puts - writes_before == placed.members - 1
    assert legacy_ids(dynamodb) == [GROUP]
    for member in members[1:]:
        record_sentinel_arrival(dynamodb, CONTROL, sentinel_id=member, at=NOW)
    assert control_item(dynamodb, GROUP, SENTINEL_ARRIVAL_SK) is not None
    # AND a beat after that writes nothing
    assert placing.beat(GROUP) == 0


def test_a_beat_for_an_id_never_placed_as_a_group_writes_that_sentinel(dynamodb: Any) -> None:
    # GIVEN no group placed under this id
    stream = FakeStream(2)
    client = LegacyWritesReachTheStream(dynamodb, stream)
    live = sentinel_application_id("run-1", "live")

    # WHEN a heartbeat comes, THEN the id alone is written, as a single sentinel always was
    assert placement(client, stream).beat(live) == 1
    assert members_of(stream) == [live]
    assert legacy_ids(dynamodb) == [live]


def test_a_busy_shard_is_read_page_after_page_to_its_sentinel(dynamodb: Any) -> None:
    # GIVEN a stream of one shard on which 2,500 other changes land right after the iterators are taken
    stream = FakeStream(1)
    busy = LegacyWritesReachTheStream(dynamodb, stream)
    original_iterator = stream.get_shard_iterator

    def iterator_then_traffic(**request: Any) -> dict[str, Any]:
        iterator = original_iterator(**request)
        for index in range(2500):
            stream.write("MODIFY", f"app-{index}")
        return iterator

    stream.get_shard_iterator = iterator_then_traffic  # type: ignore[method-assign]

    # WHEN placed, with a clock that allows a single round of reading
    ticks = iter([0.0, 0.0, 100.0, 200.0])
    placed = placement(busy, stream, deadline_seconds=50, monotonic=lambda: next(ticks)).place(GROUP)

    # THEN the sentinel behind three pages of traffic was found in that round
    assert (placed.members, placed.shards) == (1, 1)
