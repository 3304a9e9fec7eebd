"""migrate_record with moto: copies carry a version and a change (message attributes); the newest wins,
a key move or a fate change leaves no item behind, a delete is a tombstone, sentinels are skipped."""

from __future__ import annotations

import json
from typing import Any

from functions.migrate_record import handler as migrate
from migration_runtime.copy_versions import stream_copy_version
from migration_runtime.migration_copies import (
    COPY_CHANGE_ATTRIBUTE,
    COPY_VERSION_ATTRIBUTE,
    CopyChange,
    MigrationCopy,
)
from migration_runtime.migration_queue_sender import send_copies
from migration_runtime.run_sentinels import sentinel_application_id


def _stream(events: Any, record: dict[str, Any], sequence: int, change: str = "upsert") -> dict[str, Any]:
    attributes = {COPY_VERSION_ATTRIBUTE: stream_copy_version(str(sequence)), COPY_CHANGE_ATTRIBUTE: change}
    return {"Records": [events.sqs_record(json.dumps(record), message_attributes=attributes)]}


def _items_of(stack: Any, application_id: str) -> list[dict[str, Any]]:
    return [item for item in stack.new_items() if item["application_id"] == application_id]


def test_a_stream_copy_that_moves_the_key_deletes_the_old_item(stack, events, lambda_context, make_record):
    # GIVEN a migrated (scanned) record
    record = make_record(seed=41)
    migrate.lambda_handler(events.sqs_event(json.dumps(record)), lambda_context)

    # WHEN the stream brings a change of its customer_id
    moved = {**record, "customer_id": "cus-moved-1"}
    response = migrate.lambda_handler(_stream(events, moved, 200), lambda_context)

    # THEN exactly one item is left, under the new key, and the pointer names it
    assert response == {"batchItemFailures": []}
    [item] = _items_of(stack, record["application_id"])
    assert item["pk"] == "CUSTOMER#cus-moved-1"
    pointer = stack.pointers()[record["application_id"]]
    assert (pointer["fate"], pointer["item_pk"], pointer["item_sk"]) == ("live", item["pk"], item["sk"])


def test_an_older_stream_copy_delivered_late_is_stale(
    stack, events, lambda_context, make_record, handler_output
):
    # GIVEN the newer of two changes applied
    record = make_record(seed=42)
    newer = {**record, "customer_id": "cus-newer"}
    migrate.lambda_handler(_stream(events, newer, 300), lambda_context)

    # WHEN the older change and a scanned copy arrive after it
    migrate.lambda_handler(_stream(events, record, 250), lambda_context)
    migrate.lambda_handler(events.sqs_event(json.dumps(record)), lambda_context)

    # THEN the newer one stays, alone
    [item] = _items_of(stack, record["application_id"])
    assert item["customer_id"] == "cus-newer"
    assert handler_output().count('"message":"record stale"') == 2


def test_a_delete_leaves_a_tombstone_that_a_late_scanned_copy_cannot_resurrect(
    stack, events, lambda_context, make_record
):
    # GIVEN a record whose deletion the stream delivered (its old image as the body)
    record = make_record(seed=43)
    migrate.lambda_handler(events.sqs_event(json.dumps(record)), lambda_context)
    migrate.lambda_handler(_stream(events, record, 400, change="remove"), lambda_context)
    assert _items_of(stack, record["application_id"]) == []

    # WHEN a scanned copy read before the delete arrives late
    migrate.lambda_handler(events.sqs_event(json.dumps(record)), lambda_context)

    # THEN the application stays removed
    assert _items_of(stack, record["application_id"]) == []
    assert stack.pointers()[record["application_id"]]["fate"] == "removed"


def test_a_change_to_an_ineligible_status_removes_the_item(stack, events, lambda_context, make_record):
    # GIVEN a migrated record
    record = make_record(seed=44)
    migrate.lambda_handler(events.sqs_event(json.dumps(record)), lambda_context)

    # WHEN the stream brings its change to an ineligible status
    migrate.lambda_handler(_stream(events, {**record, "status": "ABANDONED"}, 500), lambda_context)

    # THEN it has no item any more, and its pointer says why
    assert _items_of(stack, record["application_id"]) == []
    assert stack.pointers()[record["application_id"]]["fate"] == "ineligible"


def test_a_sentinel_is_neither_written_nor_ledgered(
    stack, events, lambda_context, make_record, handler_output
):
    # GIVEN a sentinel record and a real one in one batch
    sentinel = make_record(seed=45) | {"application_id": sentinel_application_id("run-1", "catch-up")}
    record = make_record(seed=46)
    event = events.sqs_event(json.dumps(sentinel), json.dumps(record))

    # WHEN migrated
    response = migrate.lambda_handler(event, lambda_context)

    # THEN only the real record is written (proving the batch ran), the sentinel is not
    assert response == {"batchItemFailures": []}
    assert {item["application_id"] for item in stack.new_items()} == {record["application_id"]}
    assert stack.control_items() == []
    assert '"message":"record sentinel"' in handler_output()


def test_send_copies_carries_version_and_change_as_message_attributes(stack, make_record):
    # GIVEN a stream copy of a deletion and a scanned copy
    record = make_record(seed=47)
    version = stream_copy_version("12345")
    copies = [
        MigrationCopy(json.dumps(record), version, CopyChange.REMOVE),
        MigrationCopy(json.dumps(record)),
    ]

    # WHEN sent
    assert send_copies(stack.sqs, queue_url=stack.migration_queue_url, copies=copies) == 2

    # THEN the first carries both attributes and the scanned one none
    messages = stack.sqs.receive_message(
        QueueUrl=stack.migration_queue_url, MaxNumberOfMessages=10, MessageAttributeNames=["All"]
    )["Messages"]
    attributes = sorted(
        (m.get("MessageAttributes") or {}).get(COPY_VERSION_ATTRIBUTE, {}).get("StringValue", "")
        for m in messages
    )
    assert attributes == ["", version]
    [removal] = [m for m in messages if m.get("MessageAttributes")]
    assert removal["MessageAttributes"][COPY_CHANGE_ATTRIBUTE]["StringValue"] == "remove"
