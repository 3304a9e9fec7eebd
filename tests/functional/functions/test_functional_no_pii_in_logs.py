"""No personal data in anything the handlers print, across every path that logs."""

from __future__ import annotations

import json

from demo_data.onboarding_records import RecordMix, synthetic_intake_messages, synthetic_records
from functions.enqueue_records import handler as enqueue
from functions.legacy_intake import handler as legacy_intake
from functions.migrate_record import handler as migrate
from functions.onboarding_intake import handler as onboarding_intake
from functions.validate_migration import handler as validate
from migration_runtime import settings as env
from tests.fixtures.log_leak_check import find_leaks


def test_no_personal_value_reaches_the_logs(
    stack, events, lambda_context, monkeypatch, handler_output, personal_values
):
    # GIVEN records of every kind (valid, ineligible, invalid, with extra fields), malformed intake
    # messages with personal data in them, and faults on some records so the error paths log too
    records = synthetic_records(40, seed=13, mix=RecordMix(ineligible=0.2, eligible_invalid=0.2))
    intake = synthetic_intake_messages(30, seed=14, malformed=0.3, mix=RecordMix(eligible_invalid=0.3))
    monkeypatch.setenv(env.FAULT_TRANSIENT_RATE, "0.5")
    monkeypatch.setenv(env.FAULT_PERMANENT_IDS, records[0].record["application_id"])
    monkeypatch.setenv(env.RETRY_BASE_DELAY_SECONDS, "0")
    monkeypatch.setenv("POWERTOOLS_LOG_LEVEL", "DEBUG")
    bodies = [message.body for message in intake]

    # WHEN every function runs over them
    legacy_intake.lambda_handler(events.sqs_event(*bodies[:10]), lambda_context)
    onboarding_intake.lambda_handler(events.sqs_event(*bodies[10:20]), lambda_context)
    onboarding_intake.lambda_handler(events.sqs_event(*bodies[20:]), lambda_context)
    stack.put_legacy([item.record for item in records])
    enqueue.lambda_handler({"segment": 0, "total_segments": 1, "cursor": None}, lambda_context)
    stack.poll_until_empty(
        queue_url=stack.migration_queue_url,
        queue_arn=stack.migration_queue_arn,
        handler=migrate.lambda_handler,
        context=lambda_context,
    )
    migrate.lambda_handler(
        events.sqs_event(*(json.dumps(item.record) for item in records[:10])), lambda_context
    )
    validate.lambda_handler({"segments": 2}, lambda_context)
    output = handler_output()

    # THEN the logs were captured (ids, outcomes, reasons and failures are there) ...
    assert records[1].record["application_id"] in output
    assert '"record rejected"' in output
    assert "record failed; will be retried" in output
    assert "records sent back alone" in output  # the enqueue packs ten records per message: their path too
    assert "intake message rejected" in output
    # ... and not one personal value of any input appears
    sensitive = set()
    for item in records:
        sensitive |= personal_values(item.record)
    for message in intake:
        if message.record is not None:
            sensitive |= personal_values(message.record.record)
        else:
            sensitive |= {word for word in message.body.replace('"', " ").split() if word.istitle()}
    assert len(sensitive) > 100
    assert find_leaks(output, sensitive) == []
