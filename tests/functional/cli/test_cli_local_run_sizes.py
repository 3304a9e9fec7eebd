"""`local run` sends what SQS and DynamoDB can carry, whatever its size, in batches within both quotas."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from migration_cli.local_data_loading import send_intake, write_legacy_records
from migration_cli.local_run_options import LocalRunError

REGION = "us-east-1"


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Any, Any]]:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    with mock_aws():
        yield boto3.client("sqs", region_name=REGION), boto3.client("dynamodb", region_name=REGION)


def _depth(sqs: Any, url: str) -> int:
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])
    return int(attributes["Attributes"]["ApproximateNumberOfMessages"])


def test_intake_bodies_of_200_to_900_kb_are_all_sent(aws: tuple[Any, Any]) -> None:
    # GIVEN six 200 KB bodies (one batch of ten would be 1.2 MB) and bodies up to 900 KB
    sqs, _ = aws
    url = sqs.create_queue(QueueName="intake")["QueueUrl"]
    bodies = ['{"n": "' + "x" * 200_000 + '"}'] * 6 + [
        '{"n": "' + "y" * size + '"}' for size in (500_000, 900_000)
    ]

    # WHEN sent as the local run sends intake
    send_intake(sqs, url, bodies)

    # THEN every one is in the queue
    assert _depth(sqs, url) == len(bodies)


def test_an_intake_body_over_1_mib_is_refused_with_its_number_and_nothing_crashes(
    aws: tuple[Any, Any],
) -> None:
    sqs, _ = aws
    url = sqs.create_queue(QueueName="intake")["QueueUrl"]

    with pytest.raises(LocalRunError, match=r"intake message 2 cannot be sent: .*1048576-byte limit"):
        send_intake(sqs, url, ["{}", "x" * (1024 * 1024 + 1)])


def test_legacy_records_are_written_in_batches_within_the_item_and_batch_quotas(aws: tuple[Any, Any]) -> None:
    # GIVEN 60 records, a few of 300 KB, and a table
    _, dynamodb = aws
    dynamodb.create_table(
        TableName="legacy",
        KeySchema=[{"AttributeName": "application_id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "application_id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    records = [
        {"application_id": f"app-{index}", "notes": "n" * (300_000 if index % 20 == 0 else 10)}
        for index in range(60)
    ]

    # WHEN written / THEN every record is stored
    write_legacy_records(dynamodb, "legacy", records)
    assert dynamodb.scan(TableName="legacy", Select="COUNT")["Count"] == 60

    # ... and a record over 400 KB is refused by name before anything is sent
    with pytest.raises(LocalRunError, match=r"'app-big' cannot be stored: DynamoDB item size"):
        write_legacy_records(dynamodb, "legacy", [{"application_id": "app-big", "notes": "n" * 410_000}])
