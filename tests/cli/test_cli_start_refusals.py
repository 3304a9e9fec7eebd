"""`start` refuses early what the state machine would refuse: a second migration, a run after a cut-over."""

from __future__ import annotations

from collections.abc import Iterator

import boto3
import pytest
from moto import mock_aws

from migration_cli.migration_control import MigrationRefused, check_can_start, execution_input
from onboarding import run_control
from onboarding.dynamodb_codec import to_attribute_map

TABLE = "control"


@pytest.fixture
def control(monkeypatch: pytest.MonkeyPatch) -> Iterator[object]:
    for name in ("AWS_ENDPOINT_URL", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    with mock_aws():
        dynamodb = boto3.client("dynamodb")
        dynamodb.create_table(
            TableName=TABLE,
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
        yield dynamodb


def put(dynamodb, item: dict) -> None:
    dynamodb.put_item(TableName=TABLE, Item=to_attribute_map(item))


def test_a_fresh_stack_may_start(control) -> None:
    # GIVEN nothing recorded / WHEN / THEN no refusal
    check_can_start(control, TABLE, execution_input())


def test_a_second_migration_is_refused_while_one_holds_the_lock(control) -> None:
    # GIVEN a running migration
    put(control, {**run_control.LOCK_KEY, "execution_arn": "arn:running"})

    # WHEN / THEN another start is refused naming the running one; a dry run is not
    with pytest.raises(MigrationRefused, match="arn:running"):
        check_can_start(control, TABLE, execution_input())
    check_can_start(control, TABLE, execution_input(dry_run=True))


def test_after_a_cut_over_only_a_forced_run_may_start(control) -> None:
    # GIVEN a completed cut-over
    put(control, {**run_control.SERVING_KEY, "backend": "new"})

    # WHEN / THEN refused without force, allowed with it
    with pytest.raises(MigrationRefused, match="--force"):
        check_can_start(control, TABLE, execution_input())
    check_can_start(control, TABLE, execution_input(explicit={"force": True}))
