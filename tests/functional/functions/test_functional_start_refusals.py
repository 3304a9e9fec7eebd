"""`start` refuses early what the state machine would refuse: a second migration, a run after a cut-over."""

from __future__ import annotations

import pytest

from migration_cli.migration_control import MigrationRefused, check_can_start, execution_input
from migration_runtime import run_control
from migration_runtime.dynamodb_codec import to_attribute_map

CONTROL_TABLE = "migration-control"  # created by the `stack` fixture (conftest.py)


def put(stack, item: dict) -> None:
    stack.dynamodb.put_item(TableName=CONTROL_TABLE, Item=to_attribute_map(item))


def test_a_fresh_stack_may_start(stack) -> None:
    # GIVEN nothing recorded / WHEN / THEN no refusal
    check_can_start(stack.dynamodb, CONTROL_TABLE, execution_input())


def test_a_second_migration_is_refused_while_one_holds_the_lock(stack) -> None:
    # GIVEN a running migration
    put(stack, {**run_control.LOCK_KEY, "execution_arn": "arn:running"})

    # WHEN / THEN another start is refused naming the running one; a dry run is not
    with pytest.raises(MigrationRefused, match="arn:running"):
        check_can_start(stack.dynamodb, CONTROL_TABLE, execution_input())
    check_can_start(stack.dynamodb, CONTROL_TABLE, execution_input(dry_run=True))


def test_after_a_cut_over_only_a_forced_run_may_start(stack) -> None:
    # GIVEN a completed cut-over
    put(stack, {**run_control.SERVING_KEY, "backend": "new"})

    # WHEN / THEN refused without force, allowed with it
    with pytest.raises(MigrationRefused, match="--force"):
        check_can_start(stack.dynamodb, CONTROL_TABLE, execution_input())
    check_can_start(stack.dynamodb, CONTROL_TABLE, execution_input(explicit={"force": True}))
