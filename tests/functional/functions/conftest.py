"""Fixtures for the function tests: moto in-process AWS, the stack's tables and queues, a Lambda context
stub, SQS event builders, a small queue poller that behaves like the Lambda SQS integration, and capture
of what the handlers print (logs and EMF metrics).

No __init__.py here on purpose: a package named ``functions`` under tests/ would shadow the real one.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from moto import mock_aws

from migration_runtime import aws_clients
from migration_runtime import settings as env
from tests.fixtures.dynamodb_tables import create_pk_sk_table
from tests.fixtures.function_fixtures import (  # noqa: F401  (fixtures, found by name)
    REGION,
    Events,
    FakeLambdaContext,
    _handler_logs_follow_pytest_capture,
    events,
    handler_output,
    lambda_context,
    make_record,
    personal_values,
)

MAX_RECEIVE_COUNT = 5


@dataclass(frozen=True)
class Stack:
    dynamodb: Any
    sqs: Any
    legacy_table: str
    new_table: str
    control_table: str
    intake_queue_url: str
    intake_queue_arn: str
    intake_dlq_url: str
    migration_queue_url: str
    migration_queue_arn: str
    migration_dlq_url: str

    def new_items(self) -> list[dict[str, Any]]:
        """The onboarding items of the new table (not the applications' pointers: ``pointers``)."""
        from migration_runtime.application_writes import is_pointer_item

        return [item for item in self.new_table_items() if not is_pointer_item(item)]

    def pointers(self) -> dict[str, dict[str, Any]]:
        """Each application's pointer item in the new table, by application id."""
        from migration_runtime.application_writes import is_pointer_item

        return {item["application_id"]: item for item in self.new_table_items() if is_pointer_item(item)}

    def new_table_items(self) -> list[dict[str, Any]]:
        from migration_runtime.dynamodb_codec import from_attribute_map

        pages = self.dynamodb.get_paginator("scan").paginate(TableName=self.new_table, ConsistentRead=True)
        return [from_attribute_map(item) for page in pages for item in page["Items"]]

    def control_items(self) -> list[dict[str, Any]]:
        """Every item of the control table (the ledger, and run control's items when a test wrote any)."""
        from migration_runtime.dynamodb_codec import from_attribute_map

        pages = self.dynamodb.get_paginator("scan").paginate(
            TableName=self.control_table, ConsistentRead=True
        )
        return [from_attribute_map(item) for page in pages for item in page["Items"]]

    def legacy_items(self) -> list[dict[str, Any]]:
        from migration_runtime.dynamodb_codec import from_attribute_map

        items = self.dynamodb.scan(TableName=self.legacy_table, ConsistentRead=True)["Items"]
        return [from_attribute_map(item) for item in items]

    def put_legacy(self, records: list[dict[str, Any]]) -> None:
        from migration_runtime.dynamodb_codec import to_attribute_map

        for record in records:
            self.dynamodb.put_item(TableName=self.legacy_table, Item=to_attribute_map(record))

    def drain(self, queue_url: str, max_messages: int = 1000) -> list[dict[str, Any]]:
        """Receive and delete every visible message (with attributes)."""
        messages: list[dict[str, Any]] = []
        while len(messages) < max_messages:
            batch = self.sqs.receive_message(
                QueueUrl=queue_url,
                MaxNumberOfMessages=10,
                AttributeNames=["All"],
                MessageAttributeNames=["All"],
            ).get("Messages", [])
            if not batch:
                return messages
            for message in batch:
                self.sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
            messages.extend(batch)
        return messages

    def poll_until_empty(
        self,
        *,
        queue_url: str,
        queue_arn: str,
        handler: Callable[[dict[str, Any], Any], dict[str, Any]],
        context: Any,
        batch_size: int = 10,
        max_invocations: int = 200,
        timeout_seconds: float = 20.0,
    ) -> PollResult:
        """What the Lambda service does for an SQS mapping: receive, invoke, delete what succeeded, leave
        failed messages to their visibility timeout (and the DLQ). Stops when nothing is visible or in
        flight."""
        result = PollResult()
        deadline = time.monotonic() + timeout_seconds
        while result.invocations < max_invocations and time.monotonic() < deadline:
            messages = self.sqs.receive_message(
                QueueUrl=queue_url,
                MaxNumberOfMessages=batch_size,
                AttributeNames=["All"],
                MessageAttributeNames=["All"],
            ).get("Messages", [])
            if not messages:
                if self.depth(queue_url) == 0:
                    return result
                time.sleep(0.05)
                continue
            response = handler(Events.from_messages(messages, queue_arn), context)
            result.invocations += 1
            result.responses.append(response)
            failed = {failure["itemIdentifier"] for failure in response.get("batchItemFailures", [])}
            result.failures += len(failed)
            for message in messages:
                if message["MessageId"] not in failed:
                    self.sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
        raise AssertionError(f"queue not empty after {result.invocations} invocations / {timeout_seconds} s")

    def depth(self, queue_url: str) -> int:
        names = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
        attributes = self.sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=names)["Attributes"]
        return sum(int(attributes[name]) for name in names)


@pytest.fixture
def aws_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    # Never reach a real account or a local emulator from these tests.
    for name in ("AWS_ENDPOINT_URL", "AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("POWERTOOLS_TRACE_DISABLED", "true")
    monkeypatch.setenv(env.POWERTOOLS_METRICS_NAMESPACE, "OnboardingMigrationTest")
    for name in (
        env.FAULT_TRANSIENT_RATE,
        env.FAULT_PERMANENT_IDS,
        env.ENQUEUE_SCAN_PAGE_SIZE,
        env.ENQUEUE_TIME_RESERVE_MS,
        env.ENQUEUE_CALL_SLICE_SECONDS,
        env.RECORDS_PER_MESSAGE,
    ):
        monkeypatch.delenv(name, raising=False)
    # Clients are cached process-wide and creating one costs ~70 ms (service model loading), so keep
    # them across tests; only forget clients another test created for another endpoint or region.
    if any(
        client.meta.region_name != REGION or not client.meta.endpoint_url.endswith(".amazonaws.com")
        for client in (aws_clients.dynamodb(), aws_clients.sqs())
    ):
        aws_clients.reset()


def _queue_with_dlq(sqs: Any, name: str) -> tuple[str, str, str]:
    dlq_url = sqs.create_queue(QueueName=f"{name}-dlq")["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    redrive = json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": MAX_RECEIVE_COUNT})
    url = sqs.create_queue(QueueName=name, Attributes={"RedrivePolicy": redrive, "VisibilityTimeout": "30"})[
        "QueueUrl"
    ]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    return url, arn, dlq_url


@pytest.fixture
def stack(aws_environment: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[Stack]:
    """The tables and queues of the stack, in moto, with every function's environment set."""
    with mock_aws():
        dynamodb = aws_clients.dynamodb()
        sqs = aws_clients.sqs()
        dynamodb.create_table(
            TableName="legacy-onboarding",
            KeySchema=[{"AttributeName": "application_id", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "application_id", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        for table_name in ("onboarding", "migration-control"):
            create_pk_sk_table(dynamodb, table_name)
        intake_url, intake_arn, intake_dlq_url = _queue_with_dlq(sqs, "intake")
        migration_url, migration_arn, migration_dlq_url = _queue_with_dlq(sqs, "migration")
        environment = {
            env.LEGACY_TABLE_NAME: "legacy-onboarding",
            env.NEW_TABLE_NAME: "onboarding",
            env.CONTROL_TABLE_NAME: "migration-control",
            env.INTAKE_DLQ_URL: intake_dlq_url,
            env.MIGRATION_QUEUE_URL: migration_url,
            env.MIGRATION_DLQ_URL: migration_dlq_url,
            env.MAX_RECEIVE_COUNT: str(MAX_RECEIVE_COUNT),
        }
        for name, value in environment.items():
            monkeypatch.setenv(name, value)
        yield Stack(
            dynamodb=dynamodb,
            sqs=sqs,
            legacy_table="legacy-onboarding",
            new_table="onboarding",
            control_table="migration-control",
            intake_queue_url=intake_url,
            intake_queue_arn=intake_arn,
            intake_dlq_url=intake_dlq_url,
            migration_queue_url=migration_url,
            migration_queue_arn=migration_arn,
            migration_dlq_url=migration_dlq_url,
        )


@dataclass
class PollResult:
    invocations: int = 0
    failures: int = 0
    responses: list[dict[str, Any]] = field(default_factory=list)
