"""legacy_intake and onboarding_intake handlers with moto: writes, malformed messages to the DLQ."""

from __future__ import annotations

import json

import pytest

from functions.legacy_intake import handler as legacy_intake
from functions.onboarding_intake import handler as onboarding_intake
from migration_runtime import settings as env
from migration_runtime.intake_rejection import REJECTION_REASON_ATTRIBUTE, SOURCE_QUEUE_ATTRIBUTE

MALFORMED = [
    ("not_json", '{"contact": {"first_name": "Harriet", "email": "harriet@exa', "body: not valid JSON"),
    ("json_array", '[{"application_id": "app-1"}]', "body: must be a JSON object, got array"),
    ("json_string", '"APPROVED"', "body: must be a JSON object, got string"),
    (
        "missing_id",
        '{"contact": {"first_name": "Harriet"}, "status": "APPROVED"}',
        "application_id: field required",
    ),
    ("blank_id", '{"application_id": "  "}', "application_id: must be a non-empty string"),
]


def _dlq_messages(stack) -> list[dict]:
    return stack.drain(stack.intake_dlq_url)


def _attribute(message: dict, name: str) -> str:
    return message["MessageAttributes"][name]["StringValue"]


def test_legacy_intake_stores_the_record_as_is(stack, events, lambda_context, make_record):
    # GIVEN a record with unknown fields, floats and an ineligible status
    record = make_record(seed=1, status="DRAFT", legacy_risk_score=0.125, legacy_meta={"form_version": 7})

    # WHEN consumed by the legacy backend
    response = legacy_intake.lambda_handler(events.sqs_event(json.dumps(record)), lambda_context)

    # THEN the legacy table holds exactly the record
    assert response == {"batchItemFailures": []}
    assert stack.legacy_items() == [record]


@pytest.mark.parametrize(("name", "body", "reason"), MALFORMED, ids=[case[0] for case in MALFORMED])
def test_legacy_intake_sends_malformed_messages_to_the_dlq_with_a_reason(
    stack, events, lambda_context, make_record, name, body, reason
):
    # GIVEN a batch with a malformed message between two good ones
    good = [make_record(seed=2), make_record(seed=3)]
    event = events.sqs_event(
        json.dumps(good[0]), body, json.dumps(good[1]), source_arn=stack.intake_queue_arn
    )

    # WHEN consumed
    response = legacy_intake.lambda_handler(event, lambda_context)

    # THEN the batch is not blocked: nothing failed, both good records are stored ...
    assert response == {"batchItemFailures": []}
    assert sorted(item["application_id"] for item in stack.legacy_items()) == sorted(
        r["application_id"] for r in good
    )
    # ... and the malformed message is in the intake DLQ, unchanged, with its reason and source
    [dead] = _dlq_messages(stack)
    assert dead["Body"] == body
    assert _attribute(dead, REJECTION_REASON_ATTRIBUTE) == reason
    assert _attribute(dead, SOURCE_QUEUE_ATTRIBUTE) == stack.intake_queue_arn


@pytest.mark.parametrize("status", ["APPROVED", "PENDING_REVIEW", "REJECTED", "ABANDONED", "DRAFT"])
def test_onboarding_intake_writes_every_status_in_the_new_design(
    stack, events, lambda_context, make_record, status
):
    # GIVEN a valid record in any status
    record = make_record(seed=4, status=status)

    # WHEN consumed by the new backend
    response = onboarding_intake.lambda_handler(events.sqs_event(json.dumps(record)), lambda_context)

    # THEN it is stored as an intake item
    assert response == {"batchItemFailures": []}
    [item] = stack.new_items()
    assert item["source"] == "intake"
    assert item["status"] == status
    assert item["application_id"] == record["application_id"]
    assert item["pk"] == f"CUSTOMER#{record['customer_id']}"


@pytest.mark.parametrize(("name", "body", "reason"), MALFORMED, ids=[case[0] for case in MALFORMED])
def test_onboarding_intake_sends_malformed_messages_to_the_dlq(
    stack, events, lambda_context, name, body, reason
):
    # GIVEN a malformed message / WHEN consumed by the new backend
    response = onboarding_intake.lambda_handler(
        events.sqs_event(body, source_arn=stack.intake_queue_arn), lambda_context
    )

    # THEN processed, nothing written, and the DLQ has it with its reason
    assert response == {"batchItemFailures": []}
    assert stack.new_items() == []
    [dead] = _dlq_messages(stack)
    assert dead["Body"] == body
    assert _attribute(dead, REJECTION_REASON_ATTRIBUTE) == reason


def test_onboarding_intake_rejects_an_invalid_record_with_a_safe_reason(
    stack, events, lambda_context, make_record, personal_values
):
    # GIVEN a record whose phone and tax id are malformed
    record = make_record(seed=5)
    record["contact"]["phone"] = "call me"
    record["business"]["tax_id"] = "12 345 678"

    # WHEN consumed
    response = onboarding_intake.lambda_handler(events.sqs_event(json.dumps(record)), lambda_context)

    # THEN it is in the DLQ with a reason naming both fields and no personal value
    assert response == {"batchItemFailures": []}
    [dead] = _dlq_messages(stack)
    reason = _attribute(dead, REJECTION_REASON_ATTRIBUTE)
    assert "contact.phone: " in reason
    assert "business.tax_id: " in reason
    assert [value for value in personal_values(record) if value in reason] == []
    assert "12 345 678" not in reason


def test_onboarding_intake_redelivery_and_changes(stack, events, lambda_context, make_record):
    # GIVEN a record written by the intake
    record = make_record(seed=6)
    sent = events.sqs_event(json.dumps(record))
    onboarding_intake.lambda_handler(sent, lambda_context)
    [first] = stack.new_items()

    # WHEN the same message is redelivered, THEN nothing changes
    onboarding_intake.lambda_handler(sent, lambda_context)
    assert stack.new_items() == [first]

    # WHEN a changed version arrives, THEN it replaces the item
    record["steps_completed"] = [*record["steps_completed"], "go_live"]
    onboarding_intake.lambda_handler(events.sqs_event(json.dumps(record)), lambda_context)
    [changed] = stack.new_items()
    assert changed["steps_completed"][-1] == "go_live"
    assert changed["checksum"] != first["checksum"]


def test_intake_overwrites_a_migrated_item_with_changed_content(stack, events, lambda_context, make_record):
    # GIVEN a migrated item
    from functions.migrate_record import handler as migrate

    record = make_record(seed=7)
    migrate.lambda_handler(events.sqs_event(json.dumps(record)), lambda_context)

    # WHEN the live intake brings a newer version
    record["status"] = "PENDING_REVIEW"
    onboarding_intake.lambda_handler(events.sqs_event(json.dumps(record)), lambda_context)

    # THEN the intake's version wins
    [item] = stack.new_items()
    assert (item["source"], item["status"]) == ("intake", "PENDING_REVIEW")


def test_unforeseen_intake_error_fails_only_that_message(
    stack, events, lambda_context, make_record, monkeypatch
):
    # GIVEN a DLQ that cannot be reached and a batch of one good and one malformed message
    monkeypatch.setenv(env.INTAKE_DLQ_URL, stack.intake_dlq_url + "-missing")
    event = events.sqs_event(json.dumps(make_record(seed=8)), "[]")

    # WHEN consumed
    response = legacy_intake.lambda_handler(event, lambda_context)

    # THEN only the malformed one fails (it is retried rather than lost); the good one is stored
    assert response == {"batchItemFailures": [{"itemIdentifier": event["Records"][1]["messageId"]}]}
    assert len(stack.legacy_items()) == 1


def test_the_new_consumer_marks_a_failed_message_until_an_attempt_of_it_succeeds(
    stack, events, lambda_context, make_record, monkeypatch
):
    # GIVEN a malformed message the new consumer cannot reject (its DLQ unreachable), beside a good one
    from migration_runtime.intake_retries import INTAKE_RETRY_PK

    def marks() -> list[dict]:
        return [item for item in stack.control_items() if item["pk"] == INTAKE_RETRY_PK]

    monkeypatch.setenv(env.INTAKE_DLQ_URL, stack.intake_dlq_url + "-missing")
    event = events.sqs_event(json.dumps(make_record(seed=9)), "[]")
    failing_id = event["Records"][1]["messageId"]

    # WHEN consumed: THEN only the failed one is marked (the drain waits for it), with its receive count
    response = onboarding_intake.lambda_handler(event, lambda_context)
    assert response == {"batchItemFailures": [{"itemIdentifier": failing_id}]}
    assert [(mark["sk"], mark["receive_count"]) for mark in marks()] == [(failing_id, 1)]

    # WHEN its next attempt succeeds (the DLQ is back: it is rejected there with its reason)
    monkeypatch.setenv(env.INTAKE_DLQ_URL, stack.intake_dlq_url)
    retry = events.sqs_event("[]", receive_count=2)
    retry["Records"][0]["messageId"] = failing_id
    assert onboarding_intake.lambda_handler(retry, lambda_context) == {"batchItemFailures": []}

    # THEN its mark is gone
    assert marks() == []
