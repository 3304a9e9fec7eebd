"""Fixtures for the function tests: moto in-process AWS, the stack's tables and queues, a Lambda context
stub, SQS event builders, a small queue poller that behaves like the Lambda SQS integration, and capture
of what the handlers print (logs and EMF metrics).

No __init__.py here on purpose: a package named ``functions`` under tests/ would shadow the real one.
"""

from __future__ import annotations

import json
import random
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from moto import mock_aws

from onboarding import aws_clients, pii
from onboarding.synthetic_records import valid_record

REGION = "us-east-1"
MAX_RECEIVE_COUNT = 5


@dataclass
class FakeLambdaContext:
    """What Powertools and the handlers read from a Lambda context."""

    remaining_ms: int = 300_000
    function_name: str = "test-function"
    memory_limit_in_mb: int = 256
    invoked_function_arn: str = f"arn:aws:lambda:{REGION}:123456789012:function:test-function"
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))

    def get_remaining_time_in_millis(self) -> int:
        return self.remaining_ms


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
        from onboarding.dynamodb_codec import from_attribute_map

        items = self.dynamodb.scan(TableName=self.new_table, ConsistentRead=True)["Items"]
        return [from_attribute_map(item) for item in items]

    def control_items(self) -> list[dict[str, Any]]:
        """Every item of the control table (the ledger, and run control's items when a test wrote any)."""
        from onboarding.dynamodb_codec import from_attribute_map

        pages = self.dynamodb.get_paginator("scan").paginate(
            TableName=self.control_table, ConsistentRead=True
        )
        return [from_attribute_map(item) for page in pages for item in page["Items"]]

    def legacy_items(self) -> list[dict[str, Any]]:
        from onboarding.dynamodb_codec import from_attribute_map

        items = self.dynamodb.scan(TableName=self.legacy_table, ConsistentRead=True)["Items"]
        return [from_attribute_map(item) for item in items]

    def put_legacy(self, records: list[dict[str, Any]]) -> None:
        from onboarding.dynamodb_codec import to_attribute_map

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
                QueueUrl=queue_url, MaxNumberOfMessages=batch_size, AttributeNames=["All"]
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
    monkeypatch.setenv("POWERTOOLS_METRICS_NAMESPACE", "OnboardingMigrationTest")
    for name in (
        "FAULT_TRANSIENT_RATE",
        "FAULT_PERMANENT_IDS",
        "ENQUEUE_SCAN_PAGE_SIZE",
        "ENQUEUE_TIME_RESERVE_MS",
        "ENQUEUE_CALL_SLICE_SECONDS",
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
            dynamodb.create_table(
                TableName=table_name,
                KeySchema=[
                    {"AttributeName": "pk", "KeyType": "HASH"},
                    {"AttributeName": "sk", "KeyType": "RANGE"},
                ],
                AttributeDefinitions=[
                    {"AttributeName": "pk", "AttributeType": "S"},
                    {"AttributeName": "sk", "AttributeType": "S"},
                ],
                BillingMode="PAY_PER_REQUEST",
            )
        intake_url, intake_arn, intake_dlq_url = _queue_with_dlq(sqs, "intake")
        migration_url, migration_arn, migration_dlq_url = _queue_with_dlq(sqs, "migration")
        environment = {
            "LEGACY_TABLE_NAME": "legacy-onboarding",
            "NEW_TABLE_NAME": "onboarding",
            "CONTROL_TABLE_NAME": "migration-control",
            "INTAKE_DLQ_URL": intake_dlq_url,
            "MIGRATION_QUEUE_URL": migration_url,
            "MIGRATION_DLQ_URL": migration_dlq_url,
            "MAX_RECEIVE_COUNT": str(MAX_RECEIVE_COUNT),
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


@pytest.fixture
def lambda_context() -> FakeLambdaContext:
    return FakeLambdaContext()


@pytest.fixture
def make_record() -> Callable[..., dict[str, Any]]:
    """A valid, realistic legacy record; ``seed`` varies the content, keywords override top-level fields."""

    def make(seed: int = 1, **overrides: Any) -> dict[str, Any]:
        rng = random.Random(f"test-record:{seed}")
        record = valid_record(
            rng,
            application_id=f"app-test-{seed:04d}",
            customer_id=f"cus-test-{seed % 7:03d}",
            status="APPROVED",
        )
        record.update(overrides)
        return record

    return make


class Events:
    """SQS event builders (exposed through the ``events`` fixture: tests import nothing from conftest)."""

    @staticmethod
    def sqs_record(
        body: str, *, message_id: str | None = None, receive_count: int = 1, source_arn: str = ""
    ) -> dict[str, Any]:
        return {
            "messageId": message_id or str(uuid.uuid4()),
            "receiptHandle": f"fake-receipt-{uuid.uuid4()}",
            "body": body,
            "attributes": {
                "ApproximateReceiveCount": str(receive_count),
                "SentTimestamp": "1700000000000",
                "SenderId": "AIDATEST",
                "ApproximateFirstReceiveTimestamp": "1700000000001",
            },
            "messageAttributes": {},
            "md5OfBody": "",
            "eventSource": "aws:sqs",
            "eventSourceARN": source_arn or f"arn:aws:sqs:{REGION}:123456789012:test-queue",
            "awsRegion": REGION,
        }

    @staticmethod
    def sqs_event(*bodies: str, receive_count: int = 1, source_arn: str = "") -> dict[str, Any]:
        records = [
            Events.sqs_record(body, receive_count=receive_count, source_arn=source_arn) for body in bodies
        ]
        return {"Records": records}

    @staticmethod
    def from_messages(messages: list[dict[str, Any]], source_arn: str) -> dict[str, Any]:
        """The event the Lambda SQS integration builds from received messages (real receipt handles)."""
        return {
            "Records": [
                {
                    "messageId": message["MessageId"],
                    "receiptHandle": message["ReceiptHandle"],
                    "body": message["Body"],
                    "attributes": message.get("Attributes", {}),
                    "messageAttributes": {},
                    "md5OfBody": message.get("MD5OfBody", ""),
                    "eventSource": "aws:sqs",
                    "eventSourceARN": source_arn,
                    "awsRegion": REGION,
                }
                for message in messages
            ]
        }


@pytest.fixture
def events() -> type[Events]:
    return Events


@dataclass
class PollResult:
    invocations: int = 0
    failures: int = 0
    responses: list[dict[str, Any]] = field(default_factory=list)


# The fields onboarding/pii.py names, and the founding date (scrubbed there with the other text values):
# no log may carry any of them.
PERSONAL_FIELDS = (*pii.PERSONAL_FIELDS, ("business", "incorporated_on"))


def _personal_values(record: dict[str, Any]) -> set[str]:
    values: set[str] = set()
    for section, name in PERSONAL_FIELDS:
        part = record.get(section)
        value = part.get(name) if isinstance(part, dict) else None
        if isinstance(value, str) and value:
            values.add(value)
            if name == "tax_id":
                values.add(value.replace("-", ""))
            if name == "phone":
                values.add(value.lstrip("+"))
    return values


@pytest.fixture
def personal_values() -> Callable[[dict[str, Any]], set[str]]:
    """Every personal value of a record, listed independently of onboarding.pii (the code under test)."""
    return _personal_values


def _handler_stream_handlers() -> list[Any]:
    from functions.enqueue_records import handler as enqueue_handler
    from functions.legacy_intake import handler as legacy_handler
    from functions.migrate_record import handler as migrate_handler
    from functions.onboarding_intake import handler as onboarding_handler
    from functions.validate_migration import handler as validate_handler

    modules = (enqueue_handler, legacy_handler, migrate_handler, onboarding_handler, validate_handler)
    return [module.logger.registered_handler for module in modules]


class _CurrentStdout:
    """Writes to whatever sys.stdout is at the time of the write (pytest swaps it per phase and per
    capture fixture; Powertools binds its StreamHandler to the sys.stdout of import time)."""

    def write(self, text: str) -> int:
        return sys.stdout.write(text)

    def flush(self) -> None:
        sys.stdout.flush()


@pytest.fixture(autouse=True)
def _handler_logs_follow_pytest_capture() -> Iterator[None]:
    handlers = _handler_stream_handlers()
    previous = [handler.stream for handler in handlers]
    for handler in handlers:
        handler.stream = _CurrentStdout()  # assigned, not setStream: that flushes a possibly closed stream
    yield
    for handler, stream in zip(handlers, previous, strict=True):
        handler.stream = stream


@pytest.fixture
def handler_output(capsys: pytest.CaptureFixture[str]) -> Callable[[], str]:
    """Everything the handlers print (Powertools JSON logs and EMF metrics) during the test."""
    collected: list[str] = []

    def read() -> str:
        out, err = capsys.readouterr()
        collected.append(out + err)
        return "".join(collected)

    return read
