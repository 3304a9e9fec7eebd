"""capture_legacy_changes against moto: stream records in, versioned copies on the migration queue, change
marks and sentinel arrivals in the control table, and a failed batch retried from its first record."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from functions.capture_legacy_changes import handler as capture_handler
from migration_runtime.change_capture import ChangeCapture
from migration_runtime.change_log import (
    CHANGED_PK_PREFIX,
    SENTINEL_ARRIVAL_PK_PREFIX,
    SENTINEL_ARRIVAL_SK,
    changed_since,
)
from migration_runtime.copy_versions import stream_copy_version
from migration_runtime.dynamodb_codec import to_attribute_map
from migration_runtime.migration_copies import COPY_CHANGE_ATTRIBUTE, COPY_VERSION_ATTRIBUTE
from migration_runtime.run_sentinels import sentinel_application_id

NOW = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)


def stream_record(
    event_name: str, sequence: int, new: dict[str, Any] | None, old: dict[str, Any] | None
) -> dict:
    image = new or old or {}
    data: dict[str, Any] = {
        "Keys": to_attribute_map({"application_id": image["application_id"]}),
        "SequenceNumber": f"{sequence:021d}",
        "SizeBytes": 100,
        "StreamViewType": "NEW_AND_OLD_IMAGES",
    }
    if new is not None:
        data["NewImage"] = to_attribute_map(new)
    if old is not None:
        data["OldImage"] = to_attribute_map(old)
    return {
        "eventID": str(sequence),
        "eventName": event_name,
        "eventSource": "aws:dynamodb",
        "dynamodb": data,
    }


def received(stack: Any) -> list[dict[str, Any]]:
    messages = stack.sqs.receive_message(
        QueueUrl=stack.migration_queue_url, MaxNumberOfMessages=10, MessageAttributeNames=["All"]
    ).get("Messages", [])
    return messages


def test_each_change_becomes_a_versioned_copy_and_a_change_mark(stack: Any, lambda_context: Any) -> None:
    # GIVEN an insert, a modify and a remove of the legacy table, as its stream delivers them
    record = make_legacy("app-1", phone="+14155550100")
    changed = make_legacy("app-1", phone="+14155550199")
    gone = make_legacy("app-2")
    event = {
        "Records": [
            stream_record("INSERT", 101, record, None),
            stream_record("MODIFY", 102, changed, record),
            stream_record("REMOVE", 103, None, gone),
        ]
    }

    # WHEN the capture handles the batch
    response = capture_handler.lambda_handler(event, lambda_context)

    # THEN nothing failed, each change is one copy carrying its stream version and kind, in the body the
    # legacy record itself (the image after an upsert, before a remove)
    assert response == {"batchItemFailures": []}
    copies = sorted(
        (
            m["MessageAttributes"][COPY_VERSION_ATTRIBUTE]["StringValue"],
            # An upsert is the default: only a remove says so.
            m["MessageAttributes"].get(COPY_CHANGE_ATTRIBUTE, {}).get("StringValue", "upsert"),
            json.loads(m["Body"]),
        )
        for m in received(stack)
    )
    assert copies == [
        (stream_copy_version(f"{101:021d}"), "upsert", record),
        (stream_copy_version(f"{102:021d}"), "upsert", changed),
        (stream_copy_version(f"{103:021d}"), "remove", gone),
    ]
    # AND both applications are marked changed for the cut-over's re-verification
    since = datetime(2000, 1, 1, tzinfo=UTC)
    assert sorted(changed_since(stack.dynamodb, stack.control_table, since=since)) == ["app-1", "app-2"]


def test_a_sentinel_is_recorded_as_arrived_and_never_copied(stack: Any) -> None:
    # GIVEN a change and then the run's sentinel, in one batch
    sentinel = sentinel_application_id("migration-1", "caught_up")
    capture = capture_for(stack)
    event = [
        stream_record("INSERT", 201, make_legacy("app-3"), None),
        stream_record("INSERT", 202, {"application_id": sentinel}, None),
        stream_record("REMOVE", 203, None, {"application_id": sentinel}),
    ]

    # WHEN captured
    result = capture.capture(event)

    # THEN the change is copied, the sentinel is not, and its arrival is recorded where the state machine
    # looks for it
    assert (result.changes, result.sentinels, result.failed_from) == (1, 2, None)
    assert [json.loads(m["Body"])["application_id"] for m in received(stack)] == ["app-3"]
    arrival = stack.dynamodb.get_item(
        TableName=stack.control_table,
        Key=to_attribute_map({"pk": f"{SENTINEL_ARRIVAL_PK_PREFIX}{sentinel}", "sk": SENTINEL_ARRIVAL_SK}),
        ConsistentRead=True,
    )
    assert "Item" in arrival
    marks = [item for item in stack.control_items() if item["pk"].startswith(CHANGED_PK_PREFIX)]
    assert [mark["application_id"] for mark in marks] == ["app-3"]


def test_a_failure_retries_the_whole_batch_and_records_no_sentinel(
    stack: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN a migration queue that refuses everything
    sentinel = sentinel_application_id("migration-2", "caught_up")
    capture = capture_for(stack, queue_url=stack.migration_queue_url + "-missing")
    event = [
        stream_record("MODIFY", 301, make_legacy("app-4"), make_legacy("app-4")),
        stream_record("INSERT", 302, {"application_id": sentinel}, None),
    ]

    # WHEN captured
    result = capture.capture(event)

    # THEN the batch is retried from its first record, and the sentinel is not yet recorded (a recorded
    # sentinel would claim the change before it was handed over)
    assert result.failed_from == f"{301:021d}"
    assert result.batch_item_failures() == {"batchItemFailures": [{"itemIdentifier": f"{301:021d}"}]}
    assert [
        item for item in stack.control_items() if str(item["pk"]).startswith(SENTINEL_ARRIVAL_PK_PREFIX)
    ] == []


def test_an_image_without_an_application_id_fails_the_batch_instead_of_skipping_a_change(stack: Any) -> None:
    # GIVEN a KEYS_ONLY-like record: no new image for an insert
    broken = {"eventName": "INSERT", "dynamodb": {"SequenceNumber": "000000000000000000401", "Keys": {}}}

    # WHEN captured
    result = capture_for(stack).capture([broken])

    # THEN the batch fails (Lambda retries it; the state machine's catch-up wait times out and rolls back)
    assert result.failed_from == "000000000000000000401"
    assert received(stack) == []


def capture_for(stack: Any, queue_url: str | None = None) -> ChangeCapture:
    return ChangeCapture(
        dynamodb=stack.dynamodb,
        sqs=stack.sqs,
        migration_queue_url=queue_url or stack.migration_queue_url,
        control_table_name=stack.control_table,
        clock=lambda: NOW,
    )


def make_legacy(application_id: str, phone: str = "+14155550123") -> dict[str, Any]:
    return {
        "application_id": application_id,
        "status": "APPROVED",
        "contact": {"phone": phone},
        "score": 0.25,
    }
