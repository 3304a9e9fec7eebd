"""Packed bulk-copy messages: up to K records per message, within the SQS message quota, split exactly."""

from __future__ import annotations

import json

import pytest

from migration_runtime.aws_limits import SQS_MAX_MESSAGE_BYTES
from migration_runtime.json_values import dumps
from migration_runtime.migration_copies import MigrationCopy, prior_receives_from_event
from migration_runtime.packed_messages import (
    PACKED_MESSAGE_MAX_BYTES,
    MalformedPackedMessage,
    is_packed,
    pack,
    packed_messages,
    unpack,
)
from migration_runtime.size_bounded_batches import EntryTooLarge, sqs_message_size


def _record(index: int, padding: int = 0) -> str:
    return dumps({"application_id": f"app-{index}", "note": "x" * padding, "score": 0.5 + index})


def _messages(bodies: list[str], records_per_message: int) -> list[str]:
    return [pack(group) for group in packed_messages(bodies, records_per_message)]


def test_records_are_packed_up_to_k_per_message_in_order():
    # GIVEN 23 small records
    bodies = [_record(index) for index in range(23)]

    # WHEN packed ten per message
    groups = list(packed_messages(bodies, 10))

    # THEN three messages of 10, 10 and 3, in order, nothing left out
    assert [len(group) for group in groups] == [10, 10, 3]
    assert [body for group in groups for body in group] == bodies


def test_with_k_1_every_message_is_the_bare_record_as_today():
    # GIVEN records / WHEN packed one per message
    bodies = [_record(index) for index in range(5)]
    messages = _messages(bodies, 1)

    # THEN each message body is exactly the record's body (no array): today's one-record messages
    assert messages == bodies
    assert not any(is_packed(message) for message in messages)


def test_a_lone_record_is_sent_bare_even_when_k_is_larger():
    # GIVEN 11 records packed ten per message
    bodies = [_record(index) for index in range(11)]

    # WHEN packed
    messages = _messages(bodies, 10)

    # THEN the last group of one is the record itself, the first a JSON array of ten
    assert is_packed(messages[0]) and json.loads(messages[0]) == [json.loads(body) for body in bodies[:10]]
    assert messages[1] == bodies[10]


def test_a_packed_message_stays_under_the_quota_with_room_for_a_split_off_attribute():
    # GIVEN records of ~300 KB: ten would make a 3 MB message
    bodies = [_record(index, padding=300_000) for index in range(10)]

    # WHEN packed ten per message
    groups = list(packed_messages(bodies, 10))
    messages = [pack(group) for group in groups]

    # THEN each message holds what fits (three records), within the quota minus the reserve
    assert [len(group) for group in groups] == [3, 3, 3, 1]
    assert all(sqs_message_size(message) <= PACKED_MESSAGE_MAX_BYTES for message in messages)
    # ... and each packed record, sent back alone with its prior receives, still fits one message
    assert all(
        MigrationCopy(body, prior_receives=999_999_999).sqs_size() <= SQS_MAX_MESSAGE_BYTES
        for group in groups
        if len(group) > 1
        for body in group
    )


def test_a_packed_message_can_fill_the_quota_to_the_byte():
    # GIVEN two records whose packed message ("[", ",", "]" around them) is exactly the packed maximum
    first = _record(1)
    second_padding = PACKED_MESSAGE_MAX_BYTES - 3 - len(first) - len(_record(2))
    bodies = [first, _record(2, padding=second_padding)]

    # WHEN packed / THEN they share one message of exactly that size; one byte more and they would not
    [message] = _messages(bodies, 10)
    assert sqs_message_size(message) == PACKED_MESSAGE_MAX_BYTES
    one_byte_more = [first, _record(2, padding=second_padding + 1)]
    assert _messages(one_byte_more, 10) == one_byte_more


def test_a_record_of_the_whole_quota_goes_alone_and_a_larger_one_is_refused():
    # GIVEN a record of exactly the SQS message quota between small ones
    small = _record(0)
    whole = _record(1, padding=SQS_MAX_MESSAGE_BYTES - len(_record(1)))
    assert sqs_message_size(whole) == SQS_MAX_MESSAGE_BYTES

    # WHEN packed / THEN it travels bare and alone
    assert _messages([small, whole, small], 10) == [small, whole, small]
    # ... and one byte more can never be sent: refused before anything is batched (rejected upstream)
    with pytest.raises(EntryTooLarge, match="exceeds the 1048576-byte limit"):
        list(packed_messages([small, whole + " "], 10))


@pytest.mark.parametrize("records_per_message", [0, -1])
def test_records_per_message_must_be_at_least_one(records_per_message):
    with pytest.raises(ValueError, match="at least 1"):
        list(packed_messages([_record(0)], records_per_message))


def test_unpack_gives_back_each_record_text_exactly():
    # GIVEN records with exact numbers, nesting, escapes and non-ASCII text (as dumps writes them)
    bodies = [
        dumps({"application_id": "a-1", "n": 12345678901234567890, "f": 0.1}),
        '{"application_id": "a-2", "nested": {"list": [1, 2, {"k": "]}"}]}, "t": "\\u00e9\\"]"}',
        dumps({"application_id": "a-3", "big": 1e300}),
    ]

    # WHEN packed and unpacked
    records = unpack(pack(bodies))

    # THEN every record's text is the very text packed
    assert records == bodies


def test_unpack_tolerates_whitespace_between_records():
    assert unpack(' [ {"a": 1} ,\n {"b": 2} ] \n') == ['{"a": 1}', '{"b": 2}']


@pytest.mark.parametrize(
    "body",
    ["[]", "[", '[{"a": 1}', '[{"a": 1},]', '[{"a": 1}] x', '[{"a": 1} {"b": 2}]', "{}", '["unterminated]'],
)
def test_a_body_that_is_not_an_array_of_records_is_malformed(body):
    with pytest.raises(MalformedPackedMessage):
        unpack(body)


def test_only_an_array_body_is_a_packed_message():
    assert is_packed('[{"a": 1}]') and is_packed(' \n[{"a": 1}]')
    assert not is_packed('{"application_id": "a-1"}')


def test_a_split_off_record_carries_its_prior_receives_as_a_number_attribute():
    # GIVEN a record sent back alone after its first receive in a packed message
    copy = MigrationCopy(_record(0), prior_receives=1)

    # WHEN its attributes are written and read back the way Lambda's event has them
    attributes = copy.message_attributes()
    event_attributes = {
        name: {"stringValue": value["StringValue"], "dataType": value["DataType"]}
        for name, value in attributes.items()
    }

    # THEN the count travels, is counted in the message size, and is absent on a plain scanned copy
    assert attributes == {"prior_receives": {"DataType": "Number", "StringValue": "1"}}
    assert prior_receives_from_event(event_attributes) == 1
    assert copy.sqs_size() == len(copy.body) + len("prior_receives") + len("Number") + 1
    assert MigrationCopy(_record(0)).message_attributes() == {}
    assert prior_receives_from_event({}) == 0


@pytest.mark.parametrize("value", ["-1", "1.5", "x", "\u0661", "9" * 12])
def test_a_prior_receives_no_sender_writes_is_refused(value):
    with pytest.raises(ValueError, match="prior_receives"):
        prior_receives_from_event({"prior_receives": {"stringValue": value, "dataType": "Number"}})
