"""Consistent batch reads: every key asked once, 100 per call, unprocessed keys asked again."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from migration_runtime.consistent_batch_get import (
    BATCH_GET_MAX_KEYS,
    BatchGetIncomplete,
    consistent_get_many,
    key_identity,
)
from migration_runtime.dynamodb_codec import to_attribute_map
from tests.fixtures.dynamodb_tables import mocked_pk_sk_table

TABLE = "table"


@pytest.fixture
def dynamodb() -> Iterator[Any]:
    with mocked_pk_sk_table(TABLE) as client:
        yield client


class _CountingClient:
    """Passes calls through, counting BatchGetItem calls and the keys each asked for."""

    def __init__(self, client: Any, unprocessed_first: int = 0) -> None:
        self._client = client
        self.calls: list[int] = []
        self._unprocessed_first = unprocessed_first

    def batch_get_item(self, RequestItems: dict[str, Any]) -> dict[str, Any]:
        request = RequestItems[TABLE]
        self.calls.append(len(request["Keys"]))
        assert request["ConsistentRead"] is True
        if self._unprocessed_first:
            # A throttled call: nothing answered, every key handed back.
            self._unprocessed_first -= 1
            return {"Responses": {TABLE: []}, "UnprocessedKeys": {TABLE: request}}
        return self._client.batch_get_item(RequestItems=RequestItems)


def _put(dynamodb: Any, count: int) -> None:
    for index in range(count):
        item = {"pk": f"A#{index}", "sk": "S", "value": index}
        dynamodb.put_item(TableName=TABLE, Item=to_attribute_map(item))


def test_every_key_is_read_in_calls_of_at_most_100_and_missing_keys_are_absent(dynamodb: Any) -> None:
    # GIVEN 250 items, and 260 distinct keys asked (10 without an item), some of them twice
    _put(dynamodb, 250)
    keys = [{"pk": f"A#{index}", "sk": "S"} for index in range(260)]
    client = _CountingClient(dynamodb)

    # WHEN read
    found = consistent_get_many(client, TABLE, keys + keys[:30])

    # THEN each present item is found under its key's identity, in three calls, none over the quota
    assert len(found) == 250
    assert found[key_identity({"sk": "S", "pk": "A#7"})]["value"] == 7
    assert key_identity(keys[255]) not in found
    assert client.calls == [BATCH_GET_MAX_KEYS, BATCH_GET_MAX_KEYS, 60]


def test_unprocessed_keys_are_asked_again_until_answered(dynamodb: Any) -> None:
    # GIVEN a table answering its first two calls with every key unprocessed
    _put(dynamodb, 3)
    client = _CountingClient(dynamodb, unprocessed_first=2)
    waits: list[float] = []

    # WHEN read
    found = consistent_get_many(
        client, TABLE, [{"pk": f"A#{i}", "sk": "S"} for i in range(3)], sleep=waits.append
    )

    # THEN the same keys were asked again, with a growing wait, and every item found
    assert client.calls == [3, 3, 3]
    assert len(found) == 3
    assert waits == sorted(waits) and len(waits) == 2


def test_keys_never_answered_raise_instead_of_returning_a_partial_answer(dynamodb: Any) -> None:
    # GIVEN a table that never answers
    client = _CountingClient(dynamodb, unprocessed_first=1_000)

    # WHEN read, THEN it gives up with an error naming the table
    with pytest.raises(BatchGetIncomplete, match=TABLE):
        consistent_get_many(client, TABLE, [{"pk": "A#0", "sk": "S"}], sleep=lambda _: None)
