"""enqueue_records handler with moto: cursor continuation, segments, batching, dry run, no lost entry."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from demo_data.onboarding_records import RecordKind, synthetic_records
from functions.enqueue_records import handler as enqueue
from migration_runtime import aws_clients
from migration_runtime import settings as env
from migration_runtime.migration_queue_sender import EnqueueFailed, send_bodies
from migration_runtime.packed_messages import is_packed, unpack


@pytest.fixture(autouse=True)
def _time_comes_from_the_lambda_context_only(monkeypatch: pytest.MonkeyPatch) -> None:
    # With the default 20 s slice a call also ends after 20 s of real time, so "one call does the whole
    # segment" would hinge on the machine's speed; slice 0 leaves only the (fake) context's remaining time.
    # The slice itself is tested with a fake clock in test_unit_call_time_slice.py.
    monkeypatch.setenv(env.ENQUEUE_CALL_SLICE_SECONDS, "0")


def _run_segment_to_completion(lambda_context, segment: int, total_segments: int, dry_run: bool = False):
    """Call the function like the state machine does: loop on the cursor until done."""
    results = []
    cursor = None
    while True:
        event = {"segment": segment, "total_segments": total_segments, "cursor": cursor, "dry_run": dry_run}
        result = enqueue.lambda_handler(event, lambda_context)
        results.append(result)
        if result["done"]:
            return results
        cursor = result["cursor"]
        assert cursor, "an unfinished segment must return a cursor"
        assert len(results) < 500, "no progress"


def _queued_ids(stack) -> list[str]:
    """The records' ids in the queue, each packed message's records included."""
    return [
        json.loads(body)["application_id"]
        for message in stack.drain(stack.migration_queue_url)
        for body in (unpack(message["Body"]) if is_packed(message["Body"]) else [message["Body"]])
    ]


@pytest.fixture
def legacy(stack):
    items = synthetic_records(60, seed=9)
    stack.put_legacy([item.record for item in items])
    return items


@pytest.mark.parametrize("total_segments", [1, 3])
def test_cursor_continuation_sends_every_eligible_record_exactly_once(
    stack, legacy, lambda_context, monkeypatch, total_segments
):
    # GIVEN tiny pages and a function always short of time, so each call handles one page then returns
    monkeypatch.setenv(env.ENQUEUE_SCAN_PAGE_SIZE, "4")
    lambda_context.remaining_ms = 1_000  # below the 10 s default reserve

    # WHEN every segment is run to completion by following the cursor
    results = [
        result
        for segment in range(total_segments)
        for result in _run_segment_to_completion(lambda_context, segment, total_segments)
    ]

    # THEN the calls returned early with cursors (more calls than segments) ...
    assert len(results) > total_segments
    assert all(result["cursor"] is None for result in results if result["done"])
    # ... every eligible record is in the queue exactly once, and no ineligible one
    eligible = {item.record["application_id"] for item in legacy if item.kind is not RecordKind.INELIGIBLE}
    queued = _queued_ids(stack)
    assert Counter(queued) == Counter(eligible)
    # ... and the counts add up over the calls
    totals = Counter()
    for result in results:
        totals.update(result["counts"])
    assert totals["scanned"] == len(legacy)
    assert totals["eligible"] == totals["enqueued"] == len(eligible)
    assert totals["ineligible"] == len(legacy) - len(eligible)
    assert totals["invalid"] == sum(item.kind is RecordKind.ELIGIBLE_INVALID for item in legacy)


def test_with_enough_time_one_call_does_the_whole_segment(stack, legacy, lambda_context, monkeypatch):
    # GIVEN small pages but plenty of time
    monkeypatch.setenv(env.ENQUEUE_SCAN_PAGE_SIZE, "7")

    # WHEN called once
    result = enqueue.lambda_handler({"segment": 0, "total_segments": 1, "cursor": None}, lambda_context)

    # THEN done, with every eligible record sent
    assert result["done"] is True and result["cursor"] is None
    assert result["counts"]["enqueued"] == len(_queued_ids(stack))
    assert result["counts"]["scanned"] == len(legacy)


@pytest.mark.parametrize(("records_per_message", "messages"), [(None, 2), ("1", 17), ("5", 4)])
def test_records_are_packed_per_message_as_configured(
    stack, lambda_context, make_record, monkeypatch, records_per_message, messages
):
    # GIVEN 17 eligible records and the configured records per message (unset: the default, 10)
    records = [make_record(seed=300 + index) for index in range(17)]
    stack.put_legacy(records)
    if records_per_message is not None:
        monkeypatch.setenv(env.RECORDS_PER_MESSAGE, records_per_message)

    # WHEN the segment is enqueued
    result = enqueue.lambda_handler({"segment": 0, "total_segments": 1, "cursor": None}, lambda_context)

    # THEN the records travel in that many messages, each record once, and the result counts both
    queued = stack.drain(stack.migration_queue_url)
    assert len(queued) == messages
    assert result["counts"]["enqueued"] == 17 and result["counts"]["messages"] == messages
    bodies = [
        body
        for message in queued
        for body in (unpack(message["Body"]) if is_packed(message["Body"]) else [message["Body"]])
    ]
    assert sorted(json.loads(body)["application_id"] for body in bodies) == sorted(
        record["application_id"] for record in records
    )
    # ... with one record per message, each message is the bare record, as before packing existed
    if records_per_message == "1":
        assert not any(is_packed(message["Body"]) for message in queued)


def test_messages_are_the_records_exactly_as_stored(stack, lambda_context, make_record):
    # GIVEN a stored record with unknown fields and floats
    record = make_record(seed=1, legacy_risk_score=0.731, legacy_meta={"channel": "web", "ratio": 2.5})
    stack.put_legacy([record])

    # WHEN enqueued
    enqueue.lambda_handler({"segment": 0, "total_segments": 1, "cursor": None}, lambda_context)

    # THEN the message body is the record
    [message] = stack.drain(stack.migration_queue_url)
    assert json.loads(message["Body"]) == record


def test_dry_run_counts_but_sends_nothing(stack, legacy, lambda_context):
    # GIVEN the legacy table / WHEN a dry run covers it
    [result] = _run_segment_to_completion(lambda_context, 0, 1, dry_run=True)

    # THEN nothing is in the queue, and the counts say what would move and what would be rejected
    assert stack.depth(stack.migration_queue_url) == 0
    assert result["counts"]["enqueued"] == 0
    assert result["counts"]["eligible"] == sum(item.kind is not RecordKind.INELIGIBLE for item in legacy)
    assert result["counts"]["invalid"] == sum(item.kind is RecordKind.ELIGIBLE_INVALID for item in legacy)


@pytest.mark.parametrize(
    "event",
    [
        {"segment": 3, "total_segments": 3},
        {"segment": -1, "total_segments": 2},
        {"total_segments": 2},
        {"segment": 0, "total_segments": 1, "cursor": "not-a-cursor"},
    ],
)
def test_bad_events_are_refused(stack, lambda_context, event):
    with pytest.raises(ValueError):
        enqueue.lambda_handler(event, lambda_context)


class _FlakySqs:
    """A real (moto) SQS client whose SendMessageBatch drops the first entry of the first N calls and
    reports it as Failed, the way SQS reports a throttled or failed entry."""

    def __init__(self, real, failing_calls: int) -> None:
        self.real = real
        self.failing_calls = failing_calls
        self.calls = 0

    def send_message_batch(self, QueueUrl: str, Entries: list[dict]) -> dict:
        self.calls += 1
        if self.calls > self.failing_calls:
            return self.real.send_message_batch(QueueUrl=QueueUrl, Entries=Entries)
        dropped, rest = Entries[0], Entries[1:]
        response = self.real.send_message_batch(QueueUrl=QueueUrl, Entries=rest) if rest else {}
        failure = {"Id": dropped["Id"], "SenderFault": False, "Code": "InternalError", "Message": "try again"}
        return {"Successful": response.get("Successful", []), "Failed": [failure]}


def test_entries_a_batch_reports_failed_are_sent_again(stack):
    # GIVEN a queue that fails one entry in each of the first 3 batch calls
    flaky = _FlakySqs(aws_clients.sqs(), failing_calls=3)
    bodies = [json.dumps({"application_id": f"app-{index}"}) for index in range(25)]

    # WHEN 25 bodies are sent
    sent = send_bodies(flaky, queue_url=stack.migration_queue_url, bodies=bodies, sleep=lambda _: None)

    # THEN every body arrived exactly once
    assert sent == 25
    assert Counter(_queued_ids(stack)) == Counter(f"app-{index}" for index in range(25))


def test_entries_that_keep_failing_raise_instead_of_being_lost(stack):
    # GIVEN a queue that always fails one entry
    flaky = _FlakySqs(aws_clients.sqs(), failing_calls=10**6)

    # WHEN / THEN sending raises, naming the problem
    with pytest.raises(EnqueueFailed, match="1 of 3 messages not accepted after 5 attempts"):
        send_bodies(flaky, queue_url=stack.migration_queue_url, bodies=["a", "b", "c"], sleep=lambda _: None)


def test_a_record_too_large_for_any_message_is_rejected_into_the_ledger_and_the_rest_is_sent(
    stack, lambda_context, make_record
):
    # GIVEN normal records around one whose JSON message would exceed the 1 MiB SQS quota: 180,000
    # accented characters are 360 KB in DynamoDB but 1,080,000 bytes as ASCII-only JSON (\u00e9 each)
    normal = [make_record(seed=seed) for seed in range(1, 13)]
    huge = make_record(seed=99, notes="é" * 180_000)
    stack.put_legacy([*normal, huge])

    # WHEN the segment is enqueued
    [result] = _run_segment_to_completion(lambda_context, 0, 1)

    # THEN every normal record is in the queue and the huge one is not
    assert Counter(_queued_ids(stack)) == Counter(record["application_id"] for record in normal)
    counts = result["counts"]
    assert counts["eligible"] == 13
    assert counts["enqueued"] == 12
    assert counts["invalid"] == 1
    # ... it is REJECTED in the ledger (the control table; the new table holds nothing) with a reason
    # naming its largest field and the quota, not a value
    assert stack.new_items() == []
    ledger = [
        item for item in stack.control_items() if item["pk"] == f"MIGRATION_ISSUE#{huge['application_id']}"
    ]
    assert [item["sk"] for item in ledger] == ["REJECTED"]
    reason = ledger[0]["reason"]
    assert reason.startswith("notes: record too large to migrate")
    assert "1048576-byte limit" in reason
    assert "é" not in reason


def test_a_dry_run_counts_a_record_too_large_as_invalid_and_writes_nothing(
    stack, lambda_context, make_record
):
    # GIVEN one record too large for any message
    stack.put_legacy([make_record(seed=1), make_record(seed=2, notes="é" * 180_000)])

    # WHEN a dry run covers it
    [result] = _run_segment_to_completion(lambda_context, 0, 1, dry_run=True)

    # THEN it counts as invalid, and neither the queue nor the ledger was touched
    assert result["counts"]["invalid"] == 1
    assert stack.depth(stack.migration_queue_url) == 0
    assert stack.new_items() == []
    assert stack.control_items() == []


def test_records_of_360_kb_travel_in_batches_that_fit_the_batch_quota(stack, lambda_context, make_record):
    # GIVEN records of ~360 KB among small ones (three of them together exceed the 1 MiB batch quota)
    records = [make_record(seed=seed) for seed in range(1, 9)]
    for seed in (2, 4, 6):
        records[seed].update(notes="x" * 360_000)
    stack.put_legacy(records)

    # WHEN the segment is enqueued
    [result] = _run_segment_to_completion(lambda_context, 0, 1)

    # THEN all of them were sent (none was refused as an over-long batch) and none rejected
    assert result["counts"]["enqueued"] == 8
    assert Counter(_queued_ids(stack)) == Counter(record["application_id"] for record in records)
    assert stack.new_items() == []


def test_the_result_stays_small_with_the_longest_possible_cursor(stack, lambda_context, monkeypatch):
    # GIVEN legacy records keyed by the largest id the legacy key allows (2,048 bytes), of the character
    # that grows most as JSON (a control character: 1 byte in UTF-8, 6 as "\u0001"), and calls that end
    # after every one-record page, so each call hands back a cursor holding such a key
    monkeypatch.setenv(env.ENQUEUE_SCAN_PAGE_SIZE, "1")
    monkeypatch.setenv(env.ENQUEUE_TIME_RESERVE_MS, str(10**9))
    stack.put_legacy(
        [{"application_id": character * 2048, "status": "DRAFT"} for character in ("\x01", "\x02", "\x03")]
    )

    # WHEN the segment is run call by call
    results = _run_segment_to_completion(lambda_context, 0, 1)

    # THEN calls did return cursors, and the largest result (what enters the state machine's state) is
    # bounded by the key limit: measured 16,571 bytes, far below the 256 KiB quota
    sizes = [len(json.dumps(result)) for result in results]
    assert len(results) >= 3 and all(result["cursor"] for result in results[:-1])
    assert max(sizes) > 2048 * 6  # the cursor holds the escaped key: the worst case was built
    assert max(sizes) < 32 * 1024, sizes
