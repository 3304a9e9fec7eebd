"""Batches split by entry count and by bytes, as SQS and DynamoDB measure them."""

from __future__ import annotations

import pytest

from migration_runtime.aws_limits import SQS_MAX_BATCH_BYTES, SQS_MAX_MESSAGE_BYTES
from migration_runtime.migration_queue_sender import batches, message_fits, too_large_reason
from migration_runtime.size_bounded_batches import (
    DYNAMODB_BATCH_WRITE,
    SQS_SEND_BATCH,
    EntryTooLarge,
    dynamodb_item_size,
    size_bounded_batches,
    sqs_message_size,
)

KIB = 1024


def _sizes(chunks: list[list[str]]) -> list[int]:
    return [sum(sqs_message_size(body) for body in chunk) for chunk in chunks]


def test_a_360_kb_record_among_small_ones_never_makes_a_batch_over_the_quota():
    # GIVEN small bodies with three of ~360 KB among them
    bodies = ["s" * 200] * 5 + ["L" * 360_000] + ["s" * 200] * 3 + ["L" * 360_000] * 2 + ["s" * 200] * 4

    # WHEN batched
    chunks = list(batches(bodies))

    # THEN every batch is within both quotas, order is kept and nothing is left out
    assert all(size <= SQS_MAX_BATCH_BYTES for size in _sizes(chunks))
    assert all(len(chunk) <= 10 for chunk in chunks)
    assert [body for chunk in chunks for body in chunk] == bodies


def test_ten_bodies_of_200_kb_go_in_two_batches_of_five():
    # GIVEN ten 200 KB bodies (2 MB in all: a single batch of ten would be refused)
    bodies = [f"{index}" * 200_000 for index in range(10)]

    # WHEN batched
    chunks = list(batches(bodies))

    # THEN five (1,000,000 bytes) fit the 1 MiB quota with its envelope margin, six would not
    assert [len(chunk) for chunk in chunks] == [5, 5]
    assert max(_sizes(chunks)) <= SQS_MAX_BATCH_BYTES - 8 * KIB


def test_sizes_count_utf8_bytes_and_message_attributes():
    # GIVEN a body of two-byte characters and two attributes
    attributes = {
        "rejection_reason": {"DataType": "String", "StringValue": "body: not JSON"},
        "blob": {"DataType": "Binary", "BinaryValue": b"\x00\x01\x02"},
    }

    # WHEN measured / THEN body bytes plus each attribute's name, type and value
    expected = 2 * 10 + (16 + 6 + 14) + (4 + 6 + 3)
    assert sqs_message_size("é" * 10, attributes) == expected


def test_a_body_of_exactly_1_mib_is_sent_alone_and_one_byte_more_is_rejected():
    # GIVEN the exact boundary of the message quota
    exact = "x" * SQS_MAX_MESSAGE_BYTES
    over = "x" * (SQS_MAX_MESSAGE_BYTES + 1)

    # THEN the exact one fits, alone in its batch even between small ones
    assert message_fits(exact)
    assert [len(chunk) for chunk in batches(["a", exact, "b"])] == [1, 1, 1]
    # ... and one byte more never fits: it is refused before any batch is built, with the quota named
    assert not message_fits(over)
    assert too_large_reason(over) == (
        f"SQS message size {SQS_MAX_MESSAGE_BYTES + 1} bytes exceeds the {SQS_MAX_MESSAGE_BYTES}-byte limit"
    )
    with pytest.raises(EntryTooLarge, match="1048576-byte limit"):
        list(batches(["a", over]))


def test_entries_up_to_the_batch_budget_share_a_batch_and_one_byte_more_starts_a_new_one():
    # GIVEN two bodies that exactly fill the multi-entry budget, and a pair one byte over it
    budget = SQS_SEND_BATCH.max_batch_bytes
    filling = ["a" * (budget - 100), "b" * 100]
    overflowing = ["a" * (budget - 100), "b" * 101]

    # THEN the first pair shares one batch, the second is split
    assert [len(chunk) for chunk in batches(filling)] == [2]
    assert [len(chunk) for chunk in batches(overflowing)] == [1, 1]


def test_dynamodb_batches_hold_25_items_and_refuse_an_item_over_400_kb():
    # GIVEN 60 small items, and one item over the 400 KB item quota
    small = [{"pk": {"S": f"id-{index}"}} for index in range(60)]
    too_big = {"pk": {"S": "big"}, "blob": {"S": "x" * 400 * KIB}}

    # THEN 25, 25, 10 ...
    assert [
        len(chunk) for chunk in size_bounded_batches(small, dynamodb_item_size, DYNAMODB_BATCH_WRITE)
    ] == [
        25,
        25,
        10,
    ]
    # ... and the big one is refused, naming the quota
    with pytest.raises(EntryTooLarge, match="DynamoDB item size"):
        list(size_bounded_batches([too_big], dynamodb_item_size, DYNAMODB_BATCH_WRITE))
