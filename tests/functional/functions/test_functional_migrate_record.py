"""migrate_record handler with moto: writes, rejections, idempotency, partial failures, backoff, faults."""

from __future__ import annotations

import dataclasses
import json
import sys
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from functions.migrate_record import handler as migrate
from migration_runtime import settings as env
from migration_runtime.dynamodb_codec import from_attribute_map
from migration_runtime.migration_ledger import LAST_ERROR, REJECTED, ledger_pk
from migration_runtime.record_migration import RecordMigrator
from migration_runtime.timestamps import to_utc_z


class SteppingClock:
    """A UTC clock one second further on at every reading: no two writes share a timestamp, however
    fast the machine (a real clock may read the same microsecond twice)."""

    def __init__(self) -> None:
        self.now = datetime.now(UTC).replace(microsecond=0)
        self.readings: list[datetime] = []

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=1)
        self.readings.append(self.now)
        return self.now


class RecordingSqs:
    """The real (moto) SQS client, with the visibility changes asked of it kept for the test to read."""

    def __init__(self, client: Any) -> None:
        self._client = client
        self.visibility_changes: list[dict[str, Any]] = []

    def change_message_visibility(self, **request: Any) -> dict[str, Any]:
        self.visibility_changes.append(request)
        return self._client.change_message_visibility(**request)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)


def _handler_migrator_with(monkeypatch: pytest.MonkeyPatch, **changes: Any) -> None:
    """The handler builds its RecordMigrator per invocation; give it ``changes`` (a clock, a client)."""
    build = migrate._migrator

    def migrator() -> RecordMigrator:
        return dataclasses.replace(build(), **changes)

    monkeypatch.setattr(migrate, "_migrator", migrator)


class RecordingDynamoDb:
    """The real (moto) DynamoDB client, with the tables each DeleteItem was asked of kept for the test."""

    def __init__(self, client: Any) -> None:
        self._client = client
        self.deletes: list[str] = []

    def delete_item(self, **request: Any) -> dict[str, Any]:
        self.deletes.append(request["TableName"])
        return self._client.delete_item(**request)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)


def _ledger(stack, application_id: str, kind: str) -> dict | None:
    # The ledger lives in the control table, never in the new service's table.
    item = stack.dynamodb.get_item(
        TableName=stack.control_table, Key={"pk": {"S": ledger_pk(application_id)}, "sk": {"S": kind}}
    ).get("Item")
    return from_attribute_map(item) if item else None


def _onboarding_items(stack) -> list[dict]:
    return [item for item in stack.new_items() if item["pk"].startswith("CUSTOMER#")]


def _failed_ids(response: dict) -> set[str]:
    return {failure["itemIdentifier"] for failure in response["batchItemFailures"]}


def test_eligible_record_is_written_in_the_new_design(stack, events, lambda_context, make_record):
    # GIVEN an eligible, valid record with an unknown field
    record = make_record(seed=1, status="PENDING_REVIEW", referral_code="REF-1")

    # WHEN its message is processed
    response = migrate.lambda_handler(events.sqs_event(json.dumps(record)), lambda_context)

    # THEN nothing failed and one item holds the transformed record
    assert response == {"batchItemFailures": []}
    [item] = _onboarding_items(stack)
    assert item["pk"] == f"CUSTOMER#{record['customer_id']}"
    assert item["sk"].startswith("ONBOARDING#") and item["sk"].endswith(f"#{record['application_id']}")
    assert item["source"] == "migration"
    assert item["status"] == "PENDING_REVIEW"
    assert item["plan"] == record["product"]
    assert item["extra"] == {"referral_code": "REF-1"}
    assert len(item["checksum"]) == 64


@pytest.mark.parametrize("status", ["REJECTED", "ABANDONED", "DRAFT"])
def test_ineligible_record_is_skipped_and_counted_as_processed(
    stack, events, lambda_context, make_record, status
):
    # GIVEN an ineligible record (also broken, to show validation is not even attempted)
    record = make_record(seed=2, status=status)
    del record["contact"]

    # WHEN processed
    response = migrate.lambda_handler(events.sqs_event(json.dumps(record)), lambda_context)

    # THEN it succeeds, and nothing is written: no item, no ledger entry
    assert response == {"batchItemFailures": []}
    assert stack.new_items() == []
    assert stack.control_items() == []


@pytest.mark.parametrize(
    ("field", "corrupt"),
    [
        ("business.tax_id", lambda record: record["business"].update(tax_id="12345")),
        ("contact.phone", lambda record: record["contact"].update(phone="555-0134")),
        ("contact.email", lambda record: record["contact"].pop("email")),
        ("address.country", lambda record: record["address"].update(country="FR")),
        ("product.plan_version", lambda record: record["product"].update(plan_version=0)),
        ("submitted_at", lambda record: record.update(submitted_at="2099-01-01T00:00:00Z")),
        ("business.structure", lambda record: record["business"].update(structure="TRUST")),
    ],
)
def test_invalid_eligible_record_is_rejected_into_the_ledger_not_retried(
    stack, events, lambda_context, make_record, personal_values, field, corrupt
):
    # GIVEN an eligible record broken in one field
    record = make_record(seed=3)
    corrupt(record)

    # WHEN processed
    response = migrate.lambda_handler(events.sqs_event(json.dumps(record)), lambda_context)

    # THEN the message is not failed (retrying cannot fix data), no onboarding item exists,
    # and the ledger (control table) holds REJECTED with a reason naming the field and no personal value;
    # the new service's table holds nothing at all
    assert response == {"batchItemFailures": []}
    assert stack.new_items() == []
    entry = _ledger(stack, record["application_id"], REJECTED)
    assert entry is not None
    assert entry["reason"].startswith(f"{field}: ")
    assert [value for value in personal_values(record) if value in entry["reason"]] == []


def test_redelivery_writes_nothing_twice(stack, events, lambda_context, make_record, monkeypatch):
    # GIVEN a record already migrated, by a migrator whose clock moves at every reading
    clock = SteppingClock()
    _handler_migrator_with(monkeypatch, clock=clock)
    body = json.dumps(make_record(seed=4))
    migrate.lambda_handler(events.sqs_event(body), lambda_context)
    [first] = _onboarding_items(stack)
    readings_before = len(clock.readings)

    # WHEN the same message is delivered again (twice, in one batch and later)
    response = migrate.lambda_handler(events.sqs_event(body, body, receive_count=2), lambda_context)

    # THEN the redeliveries were handled at later times (so a rewrite would have moved written_at), yet
    # there is still one item, untouched
    assert response == {"batchItemFailures": []}
    assert len(clock.readings) > readings_before
    assert first["written_at"] == to_utc_z(clock.readings[0])
    assert _onboarding_items(stack) == [first]


def test_changed_legacy_record_replaces_an_earlier_migration(stack, events, lambda_context, make_record):
    # GIVEN a migrated record
    record = make_record(seed=5)
    migrate.lambda_handler(events.sqs_event(json.dumps(record)), lambda_context)
    [before] = _onboarding_items(stack)

    # WHEN the legacy record changed (same keys, new plan) and is migrated again
    record["product"]["plan_version"] += 1
    migrate.lambda_handler(events.sqs_event(json.dumps(record)), lambda_context)

    # THEN the one item now holds the new content
    [after] = _onboarding_items(stack)
    assert after["plan"]["plan_version"] == before["plan"]["plan_version"] + 1
    assert after["checksum"] != before["checksum"]


def test_migration_never_overwrites_an_intake_write(stack, events, lambda_context, make_record):
    # GIVEN the intake already wrote this application (newer content from the live service)
    from functions.onboarding_intake import handler as onboarding_intake

    record = make_record(seed=6)
    newer = json.loads(json.dumps(record))
    newer["steps_completed"] = [*record["steps_completed"], "go_live"]
    onboarding_intake.lambda_handler(events.sqs_event(json.dumps(newer)), lambda_context)
    [intake_item] = _onboarding_items(stack)

    # WHEN the (older) legacy version is migrated
    response = migrate.lambda_handler(events.sqs_event(json.dumps(record)), lambda_context)

    # THEN it succeeds as superseded and the intake item is untouched
    assert response == {"batchItemFailures": []}
    assert _onboarding_items(stack) == [intake_item]
    assert intake_item["source"] == "intake"


def test_partial_batch_failure_returns_exactly_the_failed_ids(
    stack, events, lambda_context, make_record, monkeypatch
):
    # GIVEN a batch of 8 records, 3 of which fail every time, plus one malformed message
    records = [make_record(seed=10 + index) for index in range(8)]
    failing = {records[1]["application_id"], records[4]["application_id"], records[7]["application_id"]}
    monkeypatch.setenv(env.FAULT_PERMANENT_IDS, ",".join(sorted(failing)))
    event = events.sqs_event(*(json.dumps(record) for record in records), "not json at all")
    expected_failed = {
        entry["messageId"] for entry in event["Records"] if entry["body"] == "not json at all"
    } | {entry["messageId"] for entry in event["Records"] if json_id(entry["body"]) in failing}

    # WHEN processed
    response = migrate.lambda_handler(event, lambda_context)

    # THEN exactly those message ids are reported, and the other 5 records are written
    assert _failed_ids(response) == expected_failed
    written = {item["application_id"] for item in _onboarding_items(stack)}
    assert written == {record["application_id"] for record in records} - failing


def json_id(body: str) -> str | None:
    try:
        return json.loads(body).get("application_id")
    except ValueError:
        return None


def test_a_batch_where_everything_fails_reports_every_id(
    stack, events, lambda_context, make_record, monkeypatch
):
    # GIVEN a batch where every record fails
    records = [make_record(seed=30 + index) for index in range(3)]
    monkeypatch.setenv(env.FAULT_PERMANENT_IDS, ",".join(record["application_id"] for record in records))
    event = events.sqs_event(*(json.dumps(record) for record in records))

    # WHEN processed / THEN the response lists all of them (no exception for the whole batch)
    response = migrate.lambda_handler(event, lambda_context)
    assert _failed_ids(response) == {entry["messageId"] for entry in event["Records"]}


def test_unforeseen_error_keeps_last_error_and_backs_off_the_message(
    stack, events, lambda_context, make_record, monkeypatch
):
    # GIVEN a record that fails every time, received from the real queue with a long visibility timeout,
    # and a retry backoff of at most one second (the visibility changes asked of SQS are recorded)
    record = make_record(seed=40)
    monkeypatch.setenv(env.FAULT_PERMANENT_IDS, record["application_id"])
    monkeypatch.setenv(env.RETRY_BASE_DELAY_SECONDS, "1")
    monkeypatch.setenv(env.RETRY_MAX_DELAY_SECONDS, "1")
    sqs = RecordingSqs(stack.sqs)
    _handler_migrator_with(monkeypatch, sqs=sqs)
    stack.sqs.send_message(QueueUrl=stack.migration_queue_url, MessageBody=json.dumps(record))
    messages = stack.sqs.receive_message(
        QueueUrl=stack.migration_queue_url, AttributeNames=["All"], VisibilityTimeout=600
    )["Messages"]

    # WHEN processed
    response = migrate.lambda_handler(
        events.from_messages(messages, stack.migration_queue_arn), lambda_context
    )

    # THEN the message failed, the ledger keeps why ...
    assert _failed_ids(response) == {messages[0]["MessageId"]}
    last_error = _ledger(stack, record["application_id"], LAST_ERROR)
    assert last_error is not None
    assert last_error["error_type"] == "InjectedPermanentFault"
    assert last_error["receive_count"] == 1
    # ... the message was given the backoff (1 s) as its new visibility timeout ...
    assert sqs.visibility_changes == [
        {
            "QueueUrl": stack.migration_queue_url,
            "ReceiptHandle": messages[0]["ReceiptHandle"],
            "VisibilityTimeout": 1,
        }
    ]
    # ... and it comes back within one long poll (20 s at most), not after the 600 s it was received with
    [again] = stack.sqs.receive_message(
        QueueUrl=stack.migration_queue_url, AttributeNames=["All"], WaitTimeSeconds=20
    )["Messages"]
    assert again["MessageId"] == messages[0]["MessageId"]
    assert again["Attributes"]["ApproximateReceiveCount"] == "2"


def test_permanent_fault_reaches_the_dlq_and_transient_faults_never_do(stack, lambda_context, monkeypatch):
    # GIVEN 20 records through the real queue: every attempt faults transiently (rate 1.0), and two
    # records fail permanently; no backoff delay so the test runs fast
    from demo_data.onboarding_records import RecordMix, legacy_records

    records = legacy_records(20, seed=77, mix=RecordMix(ineligible=0, eligible_invalid=0))
    permanent = {records[0]["application_id"], records[9]["application_id"]}
    monkeypatch.setenv(env.FAULT_TRANSIENT_RATE, "1.0")
    monkeypatch.setenv(env.FAULT_PERMANENT_IDS, ",".join(permanent))
    monkeypatch.setenv(env.RETRY_BASE_DELAY_SECONDS, "0")
    for record in records:
        stack.sqs.send_message(QueueUrl=stack.migration_queue_url, MessageBody=json.dumps(record))

    # WHEN the queue is consumed like the Lambda service does, until it is empty
    stack.poll_until_empty(
        queue_url=stack.migration_queue_url,
        queue_arn=stack.migration_queue_arn,
        handler=migrate.lambda_handler,
        context=lambda_context,
    )

    # THEN every transiently failing record was written (on its third attempt), and exactly the
    # permanently failing ones are in the DLQ
    written = {item["application_id"] for item in _onboarding_items(stack)}
    assert written == {record["application_id"] for record in records} - permanent
    dead = {json.loads(message["Body"])["application_id"] for message in stack.drain(stack.migration_dlq_url)}
    assert dead == permanent
    # ... and the ledger keeps a last error for the dead-lettered records only: the written ones failed
    # twice each, and their last errors went when they were finally written
    for application_id in permanent:
        assert _ledger(stack, application_id, LAST_ERROR)["receive_count"] == 5
    last_errors = {item["application_id"] for item in stack.control_items() if item["sk"] == LAST_ERROR}
    assert last_errors == permanent


def test_a_record_that_finally_migrates_leaves_no_last_error(
    stack, events, lambda_context, make_record, monkeypatch
):
    # GIVEN a record whose first attempt fails (its LAST_ERROR is in the ledger) ...
    record = make_record(seed=60)
    monkeypatch.setenv(env.FAULT_PERMANENT_IDS, record["application_id"])
    first = migrate.lambda_handler(events.sqs_event(json.dumps(record), receive_count=1), lambda_context)
    assert len(first["batchItemFailures"]) == 1
    assert _ledger(stack, record["application_id"], LAST_ERROR)["receive_count"] == 1

    # WHEN the fault is gone and the redelivery (receive count 2) writes it
    monkeypatch.setenv(env.FAULT_PERMANENT_IDS, "")
    second = migrate.lambda_handler(events.sqs_event(json.dumps(record), receive_count=2), lambda_context)

    # THEN the record is migrated and no stale last error is left behind
    assert second == {"batchItemFailures": []}
    assert [item["application_id"] for item in _onboarding_items(stack)] == [record["application_id"]]
    assert _ledger(stack, record["application_id"], LAST_ERROR) is None
    assert stack.control_items() == []


def test_a_redelivery_of_a_written_record_also_clears_its_last_error(
    stack, events, lambda_context, make_record
):
    # GIVEN a record already written, and a LAST_ERROR from an attempt whose reply was lost (the write
    # happened, the delete of the message did not)
    from migration_runtime.migration_ledger import record_last_error

    record = make_record(seed=61)
    assert migrate.lambda_handler(events.sqs_event(json.dumps(record)), lambda_context) == {
        "batchItemFailures": []
    }
    record_last_error(
        stack.dynamodb,
        stack.control_table,
        application_id=record["application_id"],
        error_type="ReadTimeoutError",
        reason="the reply was lost",
        receive_count=1,
        at=datetime.now(UTC),
    )

    # WHEN the message comes again (receive count 2) and finds the item already written
    response = migrate.lambda_handler(events.sqs_event(json.dumps(record), receive_count=2), lambda_context)

    # THEN it succeeds as a duplicate, and the last error is gone
    assert response == {"batchItemFailures": []}
    assert _ledger(stack, record["application_id"], LAST_ERROR) is None


def test_a_first_attempt_costs_no_ledger_delete(stack, events, lambda_context, make_record, monkeypatch):
    # GIVEN DynamoDB calls recorded, and records on their first receive, one of them invalid
    dynamodb = RecordingDynamoDb(stack.dynamodb)
    _handler_migrator_with(monkeypatch, dynamodb=dynamodb)
    valid, invalid = make_record(seed=62), make_record(seed=63)
    del invalid["contact"]

    # WHEN processed on receive 1, then again on receive 2
    first = migrate.lambda_handler(events.sqs_event(json.dumps(valid), json.dumps(invalid)), lambda_context)
    deletes_on_first_receive = list(dynamodb.deletes)
    second = migrate.lambda_handler(
        events.sqs_event(json.dumps(valid), json.dumps(invalid), receive_count=2), lambda_context
    )

    # THEN the first receive deleted nothing; the redelivery cleared both possible last errors, in the
    # control table (which proves the recording would have seen a delete)
    assert first == second == {"batchItemFailures": []}
    assert deletes_on_first_receive == []
    assert dynamodb.deletes == [stack.control_table, stack.control_table]


def test_fault_injection_is_off_by_default(stack, events, lambda_context, make_record):
    # GIVEN no fault configuration (the fixture clears it) / WHEN 10 records are processed
    records = [make_record(seed=50 + index) for index in range(10)]
    response = migrate.lambda_handler(events.sqs_event(*(json.dumps(r) for r in records)), lambda_context)

    # THEN none fails, even on first receive
    assert response == {"batchItemFailures": []}
    assert len(_onboarding_items(stack)) == 10


def test_an_archive_without_fault_injection_still_migrates_and_injects_nothing(
    stack, events, lambda_context, make_record, monkeypatch
):
    # GIVEN a permanent fault configured for one record, which the packaged fault injection applies
    records = [make_record(seed=70 + index) for index in range(3)]
    monkeypatch.setenv(env.FAULT_PERMANENT_IDS, records[0]["application_id"])
    event = events.sqs_event(*(json.dumps(record) for record in records))
    with_package = migrate.lambda_handler(event, lambda_context)
    assert len(with_package["batchItemFailures"]) == 1

    # WHEN the archive lacks the optional fault_injection package (its import fails) and the same
    # records arrive again
    monkeypatch.setitem(sys.modules, "fault_injection.record_faults", None)
    monkeypatch.setitem(sys.modules, "fault_injection", None)
    without_package = migrate.lambda_handler(event, lambda_context)

    # THEN no fault is injected: every record is migrated
    assert without_package == {"batchItemFailures": []}
    assert {item["application_id"] for item in _onboarding_items(stack)} == {
        record["application_id"] for record in records
    }


def test_malformed_migration_message_fails_without_a_ledger_entry(stack, events, lambda_context):
    # GIVEN a message that is not a record / WHEN processed
    event = events.sqs_event('{"no_application_id": true}')
    response = migrate.lambda_handler(event, lambda_context)

    # THEN it fails (to be retried, then dead-lettered for a human), nothing is written
    assert _failed_ids(response) == {event["Records"][0]["messageId"]}
    assert stack.new_items() == []
    assert stack.control_items() == []
