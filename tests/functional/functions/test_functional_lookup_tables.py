"""Lookups over DynamoDB (moto): exact gets, the latest version at or before a time, caching, and errors."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from moto import mock_aws

from migration_runtime import aws_clients, settings
from migration_runtime.dynamodb_codec import to_attribute_map
from migration_runtime.lookup_tables import DynamoDbLookups, NoLookups, UnknownLookupTable, lookups_for
from migration_runtime.record_mapping import LookupTable, load_mapping

ROUTINES = LookupTable(name="routines", hash_key="routine_id", range_key="valid_from")
USERS = LookupTable(name="users", hash_key="user_id")


class CountingClient:
    """The real (moto) client, counting the reads that reach it."""

    def __init__(self, client: Any) -> None:
        self._client = client
        self.calls: list[str] = []

    def get_item(self, **kwargs: Any) -> Any:
        self.calls.append("get_item")
        return self._client.get_item(**kwargs)

    def query(self, **kwargs: Any) -> Any:
        self.calls.append("query")
        return self._client.query(**kwargs)


@pytest.fixture
def dynamodb(aws_environment: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    with mock_aws():
        client = aws_clients.dynamodb()
        client.create_table(
            TableName="routines-table",
            KeySchema=[
                {"AttributeName": "routine_id", "KeyType": "HASH"},
                {"AttributeName": "valid_from", "KeyType": "RANGE"},
            ],
            AttributeDefinitions=[
                {"AttributeName": "routine_id", "AttributeType": "S"},
                {"AttributeName": "valid_from", "AttributeType": "S"},
            ],
            BillingMode="PAY_PER_REQUEST",
        )
        client.create_table(
            TableName="users-table",
            KeySchema=[{"AttributeName": "user_id", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "user_id", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        for version, valid_from in enumerate(
            ("2024-01-01T00:00:00Z", "2024-03-01T00:00:00Z", "2024-06-01T00:00:00Z")
        ):
            item = {"routine_id": "r-1", "valid_from": valid_from, "version": version + 1}
            client.put_item(TableName="routines-table", Item=to_attribute_map(item))
        client.put_item(
            TableName="routines-table",
            Item=to_attribute_map({"routine_id": "r-2", "valid_from": "2024-02-01T00:00:00Z", "version": 1}),
        )
        client.put_item(TableName="users-table", Item=to_attribute_map({"user_id": "u-1", "name": "Ada"}))
        monkeypatch.setenv(f"{settings.LOOKUP_TABLE_PREFIX}ROUTINES", "routines-table")
        monkeypatch.setenv(f"{settings.LOOKUP_TABLE_PREFIX}USERS", "users-table")
        yield client


def test_latest_at_or_before_is_the_version_in_force_at_that_time(dynamodb: Any) -> None:
    # GIVEN a routine with versions from January, March and June
    lookups = DynamoDbLookups(dynamodb, (ROUTINES, USERS))

    # WHEN the version in force is asked for at several times
    found = {
        at: lookups.latest_at_or_before("routines", "r-1", at)
        for at in ("2024-02-15T00:00:00Z", "2024-03-01T00:00:00Z", "2024-12-31T00:00:00Z")
    }
    before_the_first = lookups.latest_at_or_before("routines", "r-1", "2023-12-31T23:59:59Z")
    other_routine = lookups.latest_at_or_before("routines", "r-2", "2024-12-31T00:00:00Z")

    # THEN each is the greatest version at or before the time, within its own routine only
    assert {at: item["version"] for at, item in found.items() if item} == {
        "2024-02-15T00:00:00Z": 1,
        "2024-03-01T00:00:00Z": 2,
        "2024-12-31T00:00:00Z": 3,
    }
    assert before_the_first is None
    assert other_routine is not None and other_routine["version"] == 1


def test_get_reads_the_item_with_exactly_that_key(dynamodb: Any) -> None:
    # GIVEN a users table holding u-1
    lookups = DynamoDbLookups(dynamodb, (ROUTINES, USERS))

    # WHEN u-1 and an absent user are read
    # THEN the first is the whole item, the second None
    assert lookups.get("users", {"user_id": "u-1"}) == {"user_id": "u-1", "name": "Ada"}
    assert lookups.get("users", {"user_id": "u-404"}) is None
    assert lookups.get("routines", {"routine_id": "r-2", "valid_from": "2024-02-01T00:00:00Z"}) == {
        "routine_id": "r-2",
        "valid_from": "2024-02-01T00:00:00Z",
        "version": 1,
    }


def test_a_small_partition_is_read_once_and_a_large_one_value_by_value(dynamodb: Any) -> None:
    # GIVEN lookups holding partitions of up to 4 items, and lookups holding up to 2, over counting clients
    # (DynamoDB returns a LastEvaluatedKey whenever Limit items were read, so a 3-item partition needs 4)
    whole = CountingClient(dynamodb)
    value_by_value = CountingClient(dynamodb)
    roomy = DynamoDbLookups(whole, (ROUTINES,), partition_cache_items=4)
    tight = DynamoDbLookups(value_by_value, (ROUTINES,), partition_cache_items=2)
    times = ("2023-06-01T00:00:00Z", "2024-02-15T00:00:00Z", "2024-03-01T00:00:00Z", "2024-12-31T00:00:00Z")

    # WHEN both are asked for the version in force at four times of the 3-version routine
    answers = {
        name: [
            (found or {}).get("version")
            for found in (lookups.latest_at_or_before("routines", "r-1", at) for at in times)
        ]
        for name, lookups in (("roomy", roomy), ("tight", tight))
    }

    # THEN both give the same answers; the roomy one read the partition once, the tight one saw it did
    # not fit and asked once per time
    assert answers["roomy"] == answers["tight"] == [None, 1, 2, 3]
    assert whole.calls == ["query"]
    assert value_by_value.calls == ["query"] * (1 + len(times))


def test_reads_are_cached_per_instance_and_a_new_instance_reads_again(dynamodb: Any) -> None:
    # GIVEN lookups over a client that counts its reads
    counting = CountingClient(dynamodb)
    lookups = DynamoDbLookups(counting, (ROUTINES, USERS))

    # WHEN the same reads are made twice (absent items included)
    for _ in range(2):
        lookups.get("users", {"user_id": "u-1"})
        lookups.get("users", {"user_id": "u-404"})
        lookups.latest_at_or_before("routines", "r-1", "2024-04-01T00:00:00Z")

    # THEN each reached DynamoDB once
    assert counting.calls == ["get_item", "get_item", "query"]

    # WHEN a new instance (the next invocation) reads after the table changed
    dynamodb.put_item(TableName="users-table", Item=to_attribute_map({"user_id": "u-1", "name": "Grace"}))
    fresh = DynamoDbLookups(counting, (ROUTINES, USERS))

    # THEN it sees the change
    assert fresh.get("users", {"user_id": "u-1"}) == {"user_id": "u-1", "name": "Grace"}
    assert lookups.get("users", {"user_id": "u-1"}) == {"user_id": "u-1", "name": "Ada"}


def test_an_undeclared_table_or_a_wrong_key_is_a_clear_error(dynamodb: Any) -> None:
    # GIVEN lookups over the routines table only
    lookups = DynamoDbLookups(dynamodb, (ROUTINES,))

    # WHEN an undeclared table, a wrong key or a look-back without a sort key is asked for
    # THEN each says what is wrong
    with pytest.raises(UnknownLookupTable, match=r"no lookup table 'users'.*routines"):
        lookups.get("users", {"user_id": "u-1"})
    with pytest.raises(UnknownLookupTable, match="keyed by"):
        lookups.get("routines", {"routine_id": "r-1"})
    with pytest.raises(UnknownLookupTable, match="no sort key"):
        DynamoDbLookups(dynamodb, (USERS,)).latest_at_or_before("users", "u-1", "2024")


def test_a_table_without_its_environment_variable_fails_at_construction(
    dynamodb: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN no LOOKUP_TABLE_USERS
    monkeypatch.delenv(f"{settings.LOOKUP_TABLE_PREFIX}USERS")

    # WHEN lookups are built THEN the missing variable is named
    with pytest.raises(settings.SettingError, match="LOOKUP_TABLE_USERS"):
        DynamoDbLookups(dynamodb, (ROUTINES, USERS))


def test_a_mapping_without_lookup_tables_gets_lookups_that_refuse_every_read(dynamodb: Any) -> None:
    # GIVEN the onboarding mapping (no lookup tables)
    lookups = lookups_for(load_mapping("onboarding"), dynamodb)

    # WHEN it is used THEN it refuses, naming the table
    assert isinstance(lookups, NoLookups)
    with pytest.raises(UnknownLookupTable, match="'routines'"):
        lookups.latest_at_or_before("routines", "r-1", "2024")
