"""The stream poller's checkpoint rules, driven batch by batch against a fake stream and function."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import pytest

from embedded_aws.dynamodb_stream_event_source import StreamMappingPoller
from embedded_aws.moto_internals.dynamodb_streams import CompactStreamRecord, TrimmedDataAccessException
from embedded_aws.moto_internals.event_source_mappings import StreamMapping

ARN = "arn:aws:dynamodb:us-east-1:123456789012:table/legacy/stream/2026-01-01T00:00:00"
FIRST = 1000

MAPPING = StreamMapping(
    uuid="uuid-1",
    enabled=True,
    stream_arn=ARN,
    function_arn="arn:aws:lambda:us-east-1:123456789012:function:capture",
    batch_size=3,
    maximum_batching_window_seconds=0,
    starting_position="TRIM_HORIZON",
    report_batch_item_failures=True,
    maximum_retry_attempts=-1,
    bisect_batch_on_function_error=False,
)


class FakeStream:
    def __init__(self, count: int, oldest: int = FIRST) -> None:
        self.oldest = oldest
        self.records = [
            CompactStreamRecord(FIRST + i, json.dumps({"eventName": "INSERT", "dynamodb": {"n": i}}))
            for i in range(count)
        ]

    def bounds(self, stream_arn: str) -> tuple[int, int]:
        return self.oldest, FIRST + len(self.records)

    def read(self, stream_arn: str, start: int, quantity: int) -> list[CompactStreamRecord]:
        if start < self.oldest:
            raise TrimmedDataAccessException(stream_arn, start, self.oldest)
        return self.records[start - FIRST : start - FIRST + quantity]

    def wait(self, stream_arn: str, after: int, seconds: float) -> bool:
        return False


class ScriptedFunction:
    """Answers each invocation with the next (payload, errored) and remembers the sequence numbers."""

    def __init__(self, *answers: tuple[Any, bool]) -> None:
        self.answers = list(answers)
        self.calls: list[list[int]] = []

    def __call__(self, function_arn: str, event: dict[str, Any]) -> tuple[str, bool]:
        self.calls.append([int(r["dynamodb"]["SequenceNumber"]) for r in event["Records"]])
        payload, errored = self.answers.pop(0)
        return (payload if isinstance(payload, str) else json.dumps(payload)), errored


def with_sequence_numbers(stream: FakeStream) -> FakeStream:
    for record in stream.records:
        body = json.loads(record.body)
        body["dynamodb"]["SequenceNumber"] = str(record.sequence_number)
        record.body = json.dumps(body)
    return stream


def poller(stream: FakeStream, function: ScriptedFunction) -> StreamMappingPoller:
    made = StreamMappingPoller("uuid-1", lambda uuid: MAPPING, with_sequence_numbers(stream), function)
    made.stop()  # no thread runs; retry back-offs return at once
    return made


def failures(*sequence_numbers: Any) -> dict[str, Any]:
    return {"batchItemFailures": [{"itemIdentifier": str(n)} for n in sequence_numbers]}


@pytest.mark.parametrize("payload", ["", "null", {}, {"batchItemFailures": None}, {"batchItemFailures": []}])
def test_an_empty_or_null_report_is_a_complete_success(payload):
    # GIVEN three records and a function that reports nothing failed
    stream, function = FakeStream(3), ScriptedFunction((payload, False))
    delivering = poller(stream, function)

    # WHEN one batch is delivered
    delivering.deliver_one_batch(MAPPING)

    # THEN the checkpoint moves past the whole batch
    assert delivering.activity(0).position == FIRST + 3
    assert delivering.activity(0).checkpointed == 3


@pytest.mark.parametrize(
    "payload",
    [
        {"batchItemFailures": [{"itemIdentifier": ""}]},
        {"batchItemFailures": [{"itemIdentifier": None}]},
        {"batchItemFailures": [{"wrongKey": str(FIRST + 1)}]},
        {"batchItemFailures": [{"itemIdentifier": "999999"}]},
        {"batchItemFailures": "not a list"},
        "[1, 2]",
        "not json",
    ],
)
def test_an_unusable_report_fails_the_whole_batch(payload):
    # GIVEN a function whose report cannot be used, then succeeds
    stream, function = FakeStream(3), ScriptedFunction((payload, False), ({}, False))
    delivering = poller(stream, function)

    # WHEN two batches are delivered
    delivering.deliver_one_batch(MAPPING)
    delivering.deliver_one_batch(MAPPING)

    # THEN the whole batch was retried
    assert function.calls == [[FIRST, FIRST + 1, FIRST + 2]] * 2
    assert delivering.activity(0).position == FIRST + 3


def test_several_reported_failures_checkpoint_before_the_lowest():
    # GIVEN a function reporting the third and second records failed
    stream, function = FakeStream(4), ScriptedFunction((failures(FIRST + 2, FIRST + 1), False), ({}, False))
    delivering = poller(stream, function)

    # WHEN two batches are delivered
    delivering.deliver_one_batch(MAPPING)
    delivering.deliver_one_batch(MAPPING)

    # THEN the retry starts at the lowest failed record
    assert function.calls == [[FIRST, FIRST + 1, FIRST + 2], [FIRST + 1, FIRST + 2, FIRST + 3]]


def test_retries_of_a_partly_failing_record_are_bounded_then_the_rest_is_skipped():
    # GIVEN one retry allowed, and a second record that always fails
    mapping = replace(MAPPING, maximum_retry_attempts=1)
    stream = FakeStream(3)
    function = ScriptedFunction((failures(FIRST + 1), False), (failures(FIRST + 1), False), ({}, False))
    delivering = StreamMappingPoller("uuid-1", lambda uuid: mapping, with_sequence_numbers(stream), function)
    delivering.stop()

    # WHEN batches are delivered until the stream is drained
    for _ in range(3):
        delivering.deliver_one_batch(mapping)

    # THEN the failing record was tried twice (first try and one retry), then the retried batch skipped
    assert function.calls == [[FIRST, FIRST + 1, FIRST + 2], [FIRST + 1, FIRST + 2]]
    activity = delivering.activity(0)
    assert activity.skipped == 2
    assert activity.position == FIRST + 3


def test_a_checkpoint_behind_the_trimmed_records_is_an_error_not_a_skip():
    # GIVEN a stream whose oldest kept record is after the mapping's checkpoint
    stream, function = FakeStream(5), ScriptedFunction(({}, False))
    delivering = poller(stream, function)
    delivering.deliver_one_batch(MAPPING)
    stream.oldest = FIRST + 4

    # WHEN the next batch is read / THEN it fails with TrimmedDataAccessException and delivers nothing
    with pytest.raises(TrimmedDataAccessException):
        delivering.deliver_one_batch(MAPPING)
    assert function.calls == [[FIRST, FIRST + 1, FIRST + 2]]


def test_latest_starts_at_the_streams_end_when_first_read():
    # GIVEN records already in the stream and a LATEST mapping
    mapping = replace(MAPPING, starting_position="LATEST")
    stream, function = FakeStream(4), ScriptedFunction()
    delivering = StreamMappingPoller("uuid-1", lambda uuid: mapping, with_sequence_numbers(stream), function)

    # WHEN it first reads / THEN nothing is delivered and its position is the end
    assert delivering.deliver_one_batch(mapping) is None
    assert delivering.activity(0).position == FIRST + 4
    assert function.calls == []
