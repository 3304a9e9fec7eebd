"""The change marks: "marked since T" read by time, from every shard, each application once."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from migration_runtime.change_log import CHANGED_PK_PREFIX, MARK_SHARDS, changed_since, record_changed
from tests.fixtures.dynamodb_tables import mocked_pk_sk_table

TABLE = "control"
T0 = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)


@pytest.fixture
def dynamodb() -> Iterator[Any]:
    with mocked_pk_sk_table(TABLE) as client:
        yield client


def test_only_marks_at_or_after_since_are_read_and_each_application_once(dynamodb: Any) -> None:
    # GIVEN marks before, at and after T0 + 1 s, one application marked twice
    record_changed(dynamodb, TABLE, application_ids=["early"], at=T0)
    record_changed(dynamodb, TABLE, application_ids=["at-since", "twice"], at=T0 + timedelta(seconds=1))
    record_changed(dynamodb, TABLE, application_ids=["twice", "late"], at=T0 + timedelta(hours=3))

    # WHEN read since T0 + 1 s
    marked = list(changed_since(dynamodb, TABLE, since=T0 + timedelta(seconds=1)))

    # THEN the early mark is left out, the one at since is in, and "twice" comes once
    assert sorted(marked) == ["at-since", "late", "twice"]
    assert len(marked) == 3


def test_until_bounds_the_marks_read(dynamodb: Any) -> None:
    # GIVEN marks at T0 and an hour later
    record_changed(dynamodb, TABLE, application_ids=["first"], at=T0)
    record_changed(dynamodb, TABLE, application_ids=["second"], at=T0 + timedelta(hours=1))

    # WHEN read up to T0 (the last millisecond included)
    marked = list(changed_since(dynamodb, TABLE, since=T0 - timedelta(minutes=1), until=T0))

    # THEN only the first
    assert marked == ["first"]


def test_marks_spread_over_the_shards_and_every_one_is_found(dynamodb: Any) -> None:
    # GIVEN 400 applications marked at once (more than one BatchWriteItem, across the shards)
    ids = [f"app-{index:04d}" for index in range(400)]
    record_changed(dynamodb, TABLE, application_ids=ids, at=T0)

    # WHEN read
    marked = sorted(changed_since(dynamodb, TABLE, since=T0))

    # THEN all of them, and the marks used every shard's partition key
    assert marked == ids
    partitions = {
        item["pk"]["S"]
        for item in dynamodb.scan(TableName=TABLE)["Items"]
        if item["pk"]["S"].startswith(CHANGED_PK_PREFIX)
    }
    assert partitions == {f"{CHANGED_PK_PREFIX}{shard}" for shard in range(MARK_SHARDS)}
