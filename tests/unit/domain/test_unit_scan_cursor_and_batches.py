"""Opaque scan cursors, SendMessageBatch chunking, JSON value normalisation."""

from __future__ import annotations

import json

import pytest

from migration_runtime.json_values import NotAJsonObject, loads_object, plain
from migration_runtime.legacy_scan import InvalidCursor, decode_cursor, encode_cursor
from migration_runtime.migration_queue_sender import MAX_BATCH_BYTES, MAX_BATCH_ENTRIES, batches


def test_cursor_round_trips_a_last_evaluated_key():
    # GIVEN a LastEvaluatedKey / WHEN encoded and decoded / THEN the same key, as an opaque string
    key = {"application_id": {"S": "app-#1/é"}}
    cursor = encode_cursor(key)
    assert isinstance(cursor, str)
    assert "app-" not in cursor
    assert decode_cursor(cursor) == key


def test_no_key_means_no_cursor():
    assert encode_cursor(None) is None
    assert encode_cursor({}) is None
    assert decode_cursor(None) is None


@pytest.mark.parametrize("cursor", ["%%%", "bm90IGpzb24", encode_cursor({"a": 1})[:-4] + "!!!!"])
def test_a_foreign_cursor_is_refused(cursor: str):
    with pytest.raises(InvalidCursor):
        decode_cursor(cursor)


def test_batches_hold_at_most_ten_entries_and_keep_order():
    # GIVEN 23 bodies / WHEN chunked / THEN 10, 10, 3 in order
    bodies = [f"body-{index}" for index in range(23)]
    chunks = list(batches(bodies))
    assert [len(chunk) for chunk in chunks] == [10, 10, 3]
    assert [body for chunk in chunks for body in chunk] == bodies


def test_batches_stay_under_the_payload_limit():
    # GIVEN bodies of 300 KiB each / WHEN chunked / THEN each batch fits the limit
    bodies = ["x" * 300 * 1024 for _ in range(7)]
    chunks = list(batches(bodies))
    assert all(sum(len(body.encode("utf-8")) for body in chunk) <= MAX_BATCH_BYTES for chunk in chunks)
    assert all(len(chunk) <= MAX_BATCH_ENTRIES for chunk in chunks)
    assert sum(len(chunk) for chunk in chunks) == 7


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("{not json", "body: not valid JSON"),
        ("[1, 2]", "body: must be a JSON object, got array"),
        ('"text"', "body: must be a JSON object, got string"),
        ('{"score": NaN}', "body: NaN and Infinity are not JSON numbers"),
    ],
)
def test_message_bodies_must_be_json_objects(text: str, reason: str):
    with pytest.raises(NotAJsonObject) as error:
        loads_object(text)
    assert str(error.value) == reason


def test_integral_numbers_become_ints_whatever_their_source():
    from decimal import Decimal

    # GIVEN the same numbers as JSON floats and as DynamoDB Decimals
    assert plain({"a": 3.0, "b": Decimal("3"), "c": Decimal("0.5"), "d": [Decimal("2.000")]}) == {
        "a": 3,
        "b": 3,
        "c": 0.5,
        "d": [2],
    }
    assert json.dumps(plain({"a": 3.0})) == '{"a": 3}'
