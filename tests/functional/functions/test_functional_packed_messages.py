"""Packed bulk-copy messages through migrate_record with moto: every record on its own, failures sent back
alone (transient ones still transient, permanent ones dead-lettered alone with their reason)."""

from __future__ import annotations

import dataclasses
import json
from collections import Counter
from typing import Any

import pytest

from demo_data.onboarding_records import RecordMix, legacy_records
from fault_injection.record_faults import FaultInjector
from functions.migrate_record import handler as migrate
from migration_runtime import settings as env
from migration_runtime.dynamodb_codec import from_attribute_map
from migration_runtime.json_values import dumps
from migration_runtime.migration_ledger import LAST_ERROR, ledger_pk
from migration_runtime.migration_queue_sender import send_bodies
from migration_runtime.packed_messages import is_packed
from migration_runtime.record_migration import RecordMigrator
from tests.functional.functions.conftest import MAX_RECEIVE_COUNT

TRANSIENT_RATE = 0.2


class RecordingClients:
    """The real (moto) clients, with the record writes and the sends asked of them kept for the test."""

    def __init__(self, dynamodb: Any, sqs: Any) -> None:
        self.dynamodb = _Recording(dynamodb, "transact_write_items")
        self.sqs = _Recording(sqs, "send_message_batch")


class _Recording:
    def __init__(self, client: Any, operation: str) -> None:
        self._client = client
        self._operation = operation
        self.requests: list[dict[str, Any]] = []

    def __getattr__(self, name: str) -> Any:
        call = getattr(self._client, name)
        if name != self._operation:
            return call

        def recorded(**request: Any) -> Any:
            self.requests.append(request)
            return call(**request)

        return recorded


def _use_clients(monkeypatch: pytest.MonkeyPatch, clients: RecordingClients) -> None:
    build = migrate._migrator

    def migrator() -> RecordMigrator:
        return dataclasses.replace(build(), dynamodb=clients.dynamodb, sqs=clients.sqs)

    monkeypatch.setattr(migrate, "_migrator", migrator)


def _written_ids(requests: list[dict[str, Any]]) -> Counter[str]:
    """Record ids of the writes made: each transaction puts the record's pointer (APPLICATION#<id>)."""
    return Counter(
        action["Put"]["Item"]["pk"]["S"].removeprefix("APPLICATION#")
        for request in requests
        for action in request["TransactItems"]
        if "Put" in action and action["Put"]["Item"]["pk"]["S"].startswith("APPLICATION#")
    )


def _ledger(stack, application_id: str, kind: str) -> dict | None:
    item = stack.dynamodb.get_item(
        TableName=stack.control_table, Key={"pk": {"S": ledger_pk(application_id)}, "sk": {"S": kind}}
    ).get("Item")
    return from_attribute_map(item) if item else None


def _records_with_one_first_attempt_transient_fault() -> tuple[list[dict[str, Any]], str]:
    """Ten valid records of which exactly one faults transiently on its first attempt (the injector
    decides by a hash of id and attempt, so the set is found, not assumed)."""
    injector = FaultInjector(transient_rate=TRANSIENT_RATE)
    pool = legacy_records(60, seed=161, mix=RecordMix(ineligible=0, eligible_invalid=0))
    faulting = [r for r in pool if injector.transient_fault_applies(r["application_id"], 1)]
    clean = [r for r in pool if not injector.transient_fault_applies(r["application_id"], 1)]
    assert faulting and len(clean) >= 9, "the pool must hold both kinds"
    records = [*clean[:4], faulting[0], *clean[4:9]]
    return records, faulting[0]["application_id"]


def test_a_failing_record_never_blocks_the_others_of_its_packed_message(stack, lambda_context, monkeypatch):
    # GIVEN ten records in one packed message: one faults transiently on its first attempt, one fails
    # on every attempt; no retry delay so the queue is consumed at once
    records, transient = _records_with_one_first_attempt_transient_fault()
    permanent = records[7]["application_id"]
    monkeypatch.setenv(env.FAULT_TRANSIENT_RATE, str(TRANSIENT_RATE))
    monkeypatch.setenv(env.FAULT_PERMANENT_IDS, permanent)
    monkeypatch.setenv(env.RETRY_BASE_DELAY_SECONDS, "0")
    clients = RecordingClients(stack.dynamodb, stack.sqs)
    _use_clients(monkeypatch, clients)
    sent = send_bodies(
        stack.sqs,
        queue_url=stack.migration_queue_url,
        bodies=[dumps(record) for record in records],
        records_per_message=10,
    )
    assert sent == 10 and stack.depth(stack.migration_queue_url) == 1  # one message holds them all

    # WHEN the queue is consumed like the Lambda service does, until it is empty
    polled = stack.poll_until_empty(
        queue_url=stack.migration_queue_url,
        queue_arn=stack.migration_queue_arn,
        handler=migrate.lambda_handler,
        context=lambda_context,
    )

    # THEN the packed message itself never failed: its two failing records were sent back alone ...
    first_response = polled.responses[0]
    assert first_response == {"batchItemFailures": []}
    [resend] = clients.sqs.requests
    resent = [json.loads(entry["MessageBody"])["application_id"] for entry in resend["Entries"]]
    assert sorted(resent) == sorted([transient, permanent])
    assert all(
        entry["MessageAttributes"]["prior_receives"]["StringValue"] == "1" for entry in resend["Entries"]
    )
    # ... the eight others were written once each, the transient one once (on its second attempt) ...
    writes = _written_ids(clients.dynamodb.requests)
    others = {record["application_id"] for record in records} - {transient, permanent}
    assert writes == Counter({application_id: 1 for application_id in [*others, transient]})
    assert _ledger(stack, transient, LAST_ERROR) is None  # its first attempt's error went when written
    # ... and the permanent one is alone in the DLQ after maxReceiveCount receives of its own message,
    # with its reason in the ledger (one attempt in the packed message, then five alone)
    [dead] = stack.drain(stack.migration_dlq_url)
    assert not is_packed(dead["Body"]) and json.loads(dead["Body"])["application_id"] == permanent
    last_error = _ledger(stack, permanent, LAST_ERROR)
    assert last_error["error_type"] == "InjectedPermanentFault"
    assert last_error["receive_count"] == 1 + MAX_RECEIVE_COUNT


def test_a_record_sent_back_alone_waits_out_the_retry_backoff(
    stack, events, lambda_context, make_record, monkeypatch
):
    # GIVEN a packed message of three records, one failing, and a retry backoff of 7 s
    records = [make_record(seed=170 + index) for index in range(3)]
    monkeypatch.setenv(env.FAULT_PERMANENT_IDS, records[1]["application_id"])
    monkeypatch.setenv(env.RETRY_BASE_DELAY_SECONDS, "7")
    clients = RecordingClients(stack.dynamodb, stack.sqs)
    _use_clients(monkeypatch, clients)
    send_bodies(
        stack.sqs,
        queue_url=stack.migration_queue_url,
        bodies=[json.dumps(record) for record in records],
        records_per_message=10,
    )
    messages = stack.sqs.receive_message(QueueUrl=stack.migration_queue_url, AttributeNames=["All"])[
        "Messages"
    ]

    # WHEN its one message is processed
    response = migrate.lambda_handler(
        events.from_messages(messages, stack.migration_queue_arn), lambda_context
    )

    # THEN it succeeded; the failed record went back alone, delayed by the backoff of its first attempt
    assert response == {"batchItemFailures": []}
    [entry] = clients.sqs.requests[0]["Entries"]
    assert json.loads(entry["MessageBody"]) == records[1]
    assert entry["DelaySeconds"] == 7
    attributes = stack.sqs.get_queue_attributes(
        QueueUrl=stack.migration_queue_url, AttributeNames=["ApproximateNumberOfMessagesDelayed"]
    )["Attributes"]
    assert attributes["ApproximateNumberOfMessagesDelayed"] == "1"


def test_a_packed_message_fails_whole_when_its_failed_records_cannot_be_sent_back(
    stack, events, lambda_context, make_record, monkeypatch
):
    # GIVEN a packed message with one failing record, and a queue that refuses every send
    records = [make_record(seed=180 + index) for index in range(3)]
    monkeypatch.setenv(env.FAULT_PERMANENT_IDS, records[0]["application_id"])

    class RefusingSqs(_Recording):
        def send_message_batch(self, **request: Any) -> dict[str, Any]:
            entries = request["Entries"]
            return {
                "Successful": [],
                "Failed": [{"Id": e["Id"], "Code": "InternalError", "SenderFault": False} for e in entries],
            }

    sqs = RefusingSqs(stack.sqs, "send_message_batch")
    build = migrate._migrator
    monkeypatch.setattr(migrate, "_migrator", lambda: dataclasses.replace(build(), sqs=sqs))
    monkeypatch.setattr("migration_runtime.migration_queue_sender.time.sleep", lambda _: None)
    body = "[" + ",".join(json.dumps(record) for record in records) + "]"
    event = events.sqs_event(body)

    # WHEN processed
    response = migrate.lambda_handler(event, lambda_context)

    # THEN the packed message is reported failed (it comes back), its good records were written anyway
    assert {failure["itemIdentifier"] for failure in response["batchItemFailures"]} == {
        event["Records"][0]["messageId"]
    }
    written = {item["application_id"] for item in stack.new_items() if item["pk"].startswith("CUSTOMER#")}
    assert written == {records[1]["application_id"], records[2]["application_id"]}


def test_a_redelivered_packed_message_sends_every_record_back_alone(
    stack, events, lambda_context, make_record, monkeypatch
):
    # GIVEN a packed message received for the second time (its first attempt never finished)
    records = [make_record(seed=190 + index) for index in range(3)]
    clients = RecordingClients(stack.dynamodb, stack.sqs)
    _use_clients(monkeypatch, clients)
    body = "[" + ",".join(json.dumps(record) for record in records) + "]"

    # WHEN processed
    response = migrate.lambda_handler(events.sqs_event(body, receive_count=2), lambda_context)

    # THEN it succeeded without trying a record in it: each is now its own message, one receive behind it
    assert response == {"batchItemFailures": []}
    assert clients.dynamodb.requests == []
    [resend] = clients.sqs.requests
    assert [json.loads(entry["MessageBody"]) for entry in resend["Entries"]] == records
    assert {entry["MessageAttributes"]["prior_receives"]["StringValue"] for entry in resend["Entries"]} == {
        "1"
    }

    # WHEN those one-record messages are consumed
    stack.poll_until_empty(
        queue_url=stack.migration_queue_url,
        queue_arn=stack.migration_queue_arn,
        handler=migrate.lambda_handler,
        context=lambda_context,
    )

    # THEN each record is written once
    assert _written_ids(clients.dynamodb.requests) == Counter(record["application_id"] for record in records)
