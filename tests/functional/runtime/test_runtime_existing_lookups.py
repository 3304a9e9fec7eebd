"""The emulator's answers to `get_queue` / `get_table`: what an adopting stack reads of a live service."""

from __future__ import annotations

import boto3
import pytest
from moto import mock_aws

from embedded_aws.stack_deploy.lookups import (
    GET_QUEUE,
    GET_TABLE,
    ExistingResourceNotFound,
    emulator_lookup,
)

REGION = "eu-west-1"


def client(service: str):
    return boto3.client(service, region_name=REGION)


@mock_aws
def test_a_queue_and_a_table_are_read_from_the_emulator_state():
    # GIVEN a live queue and a table with a stream, created by someone else
    url = client("sqs").create_queue(QueueName="live-intake")["QueueUrl"]
    client("dynamodb").create_table(
        TableName="live-applications",
        KeySchema=[{"AttributeName": "application_id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "application_id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
    )

    # WHEN the program looks them up
    queue = emulator_lookup(client, GET_QUEUE, {"name": "live-intake"}, REGION)
    table = emulator_lookup(client, GET_TABLE, {"name": "live-applications"}, REGION)

    # THEN it gets their identifiers, keys and stream as pulumi-aws's results name them
    assert (queue["url"], queue["arn"]) == (url, f"arn:aws:sqs:{REGION}:123456789012:live-intake")
    assert (table["hashKey"], table["rangeKey"]) == ("application_id", "")
    assert table["attributes"] == [{"name": "application_id", "type": "S"}]
    assert (table["streamEnabled"], table["streamViewType"]) == (True, "NEW_AND_OLD_IMAGES")
    assert table["streamArn"].startswith(table["arn"] + "/stream/")


@mock_aws
def test_a_missing_resource_is_a_clear_error():
    with pytest.raises(ExistingResourceNotFound, match="no SQS queue named 'nowhere'"):
        emulator_lookup(client, GET_QUEUE, {"name": "nowhere"}, REGION)
    with pytest.raises(ExistingResourceNotFound, match="no DynamoDB table named 'nowhere'"):
        emulator_lookup(client, GET_TABLE, {"name": "nowhere"}, REGION)
