"""The watchdog (restore_serving) against moto: real mappings, control table and topic."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest

from functions.restore_serving import handler as restore_serving
from migration_runtime import aws_clients, run_control
from migration_runtime import settings as env
from migration_runtime.dynamodb_codec import to_attribute_map
from migration_runtime.run_control import Backend

EXECUTION = "arn:aws:states:us-east-1:123456789012:execution:migration:run-1"
OTHER_EXECUTION = "arn:aws:states:us-east-1:123456789012:execution:migration:run-2"
NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
CONTROL = "migration-control"  # created by the `stack` fixture (conftest.py)


@dataclass(frozen=True)
class ServingStack:
    dynamodb: Any
    lambda_client: Any
    sqs: Any
    control_table: str
    legacy_uuid: str
    new_uuid: str
    notifications_url: str

    def enabled(self, uuid: str) -> bool:
        state = self.lambda_client.get_event_source_mapping(UUID=uuid)["State"]
        return state in {"Enabled", "Enabling"}

    def set_enabled(self, uuid: str, enabled: bool) -> None:
        self.lambda_client.update_event_source_mapping(UUID=uuid, Enabled=enabled)

    def put(self, item: dict[str, Any]) -> None:
        self.dynamodb.put_item(TableName=self.control_table, Item=to_attribute_map(item))

    def start_run(self, execution: str, *, phase: str, cut_over: bool = False, **extra: Any) -> None:
        """What the state machine records at Setup and as it moves, with the lock it holds."""
        self.put({**run_control.LOCK_KEY, "execution_arn": execution, "taken_at": "2026-12-01T11:00:00Z"})
        self.put(
            {
                **run_control.run_key(execution),
                "phase": phase,
                "cut_over": cut_over,
                "serving_before": "legacy",
                "dry_run": False,
                **extra,
            }
        )

    def notifications(self) -> list[dict[str, Any]]:
        messages = self.sqs.receive_message(QueueUrl=self.notifications_url, MaxNumberOfMessages=10)
        return [json.loads(json.loads(m["Body"])["Message"]) for m in messages.get("Messages", [])]


def _zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("handler.py", "def lambda_handler(event, context):\n    return None\n")
    return buffer.getvalue()


@pytest.fixture
def serving_stack(stack, monkeypatch: pytest.MonkeyPatch) -> Iterator[ServingStack]:
    # GIVEN (for every test) the intake queue with a legacy mapping (enabled) and a new one (disabled),
    # the control table and the gate topic with a queue subscribed to read what the watchdog says
    iam = boto3.client("iam")
    role = iam.create_role(RoleName="fn", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    lambda_client = aws_clients.lambda_()
    uuids = {}
    for name, enabled in (("legacy", True), ("new", False)):
        lambda_client.create_function(
            FunctionName=name, Runtime="python3.12", Role=role, Handler="handler.lambda_handler",
            Code={"ZipFile": _zip()},
        )  # fmt: skip
        uuids[name] = lambda_client.create_event_source_mapping(
            EventSourceArn=stack.intake_queue_arn, FunctionName=name, Enabled=enabled
        )["UUID"]
    sns = aws_clients.sns()
    topic = sns.create_topic(Name="gate")["TopicArn"]
    notifications_url = stack.sqs.create_queue(QueueName="gate-notifications")["QueueUrl"]
    notifications_arn = stack.sqs.get_queue_attributes(
        QueueUrl=notifications_url, AttributeNames=["QueueArn"]
    )["Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=notifications_arn)
    for name, value in {
        env.CONTROL_TABLE_NAME: CONTROL,
        env.LEGACY_MAPPING_UUID: uuids["legacy"],
        env.NEW_MAPPING_UUID: uuids["new"],
        env.GATE_TOPIC_ARN: topic,
    }.items():
        monkeypatch.setenv(name, value)
    yield ServingStack(
        dynamodb=stack.dynamodb,
        lambda_client=lambda_client,
        sqs=stack.sqs,
        control_table=CONTROL,
        legacy_uuid=uuids["legacy"],
        new_uuid=uuids["new"],
        notifications_url=notifications_url,
    )


def _status_change(execution: str, status: str) -> dict[str, Any]:
    return {
        "version": "0",
        "source": "aws.states",
        "detail-type": "Step Functions Execution Status Change",
        "detail": {"executionArn": execution, "status": status, "stateMachineArn": "arn:sm"},
    }


@pytest.mark.parametrize("status", ["ABORTED", "TIMED_OUT", "FAILED"])
def test_an_abnormal_end_before_the_cut_over_gives_the_intake_back_to_legacy(
    serving_stack: ServingStack, lambda_context, status: str
) -> None:
    # GIVEN a run that paused legacy and was stopped while migrating
    serving_stack.set_enabled(serving_stack.legacy_uuid, False)
    serving_stack.start_run(EXECUTION, phase="MIGRATE")

    # WHEN the status change arrives
    result = restore_serving.lambda_handler(_status_change(EXECUTION, status), lambda_context)

    # THEN legacy serves alone, the lock is free, the run says what happened, the gate topic was told
    assert result["action"] == "restored" and result["restored_to"] == "legacy"
    assert serving_stack.enabled(serving_stack.legacy_uuid)
    assert not serving_stack.enabled(serving_stack.new_uuid)
    assert run_control.lock_holder(serving_stack.dynamodb, CONTROL) is None
    run = run_control.read_run(serving_stack.dynamodb, CONTROL, EXECUTION)
    assert run is not None and run.outcome == "RESTORED_BY_WATCHDOG"
    [notice] = serving_stack.notifications()
    assert notice["restored_to"] == "legacy" and notice["status"] == status


def test_an_abnormal_end_after_the_cut_over_keeps_the_new_backend_serving(
    serving_stack: ServingStack, lambda_context
) -> None:
    # GIVEN a run that recorded its cut-over and died before enabling the new mapping
    serving_stack.set_enabled(serving_stack.legacy_uuid, False)
    serving_stack.start_run(EXECUTION, phase="CUT_OVER", cut_over=True)

    # WHEN it is reported failed
    result = restore_serving.lambda_handler(_status_change(EXECUTION, "FAILED"), lambda_context)

    # THEN the cut-over is completed, never undone: new serves, legacy stays off
    assert result["restored_to"] == "new"
    assert serving_stack.enabled(serving_stack.new_uuid)
    assert not serving_stack.enabled(serving_stack.legacy_uuid)


def test_a_forced_run_over_a_serving_new_backend_never_re_enables_legacy(
    serving_stack: ServingStack, lambda_context
) -> None:
    # GIVEN the new backend already serving before a (forced) run that then ended before its cut-over
    serving_stack.set_enabled(serving_stack.legacy_uuid, False)
    serving_stack.set_enabled(serving_stack.new_uuid, True)
    serving_stack.start_run(EXECUTION, phase="SETTLE", serving_before="new")

    # WHEN it is stopped
    restore_serving.lambda_handler(_status_change(EXECUTION, "ABORTED"), lambda_context)

    # THEN new still serves and legacy is still off
    assert serving_stack.enabled(serving_stack.new_uuid)
    assert not serving_stack.enabled(serving_stack.legacy_uuid)


def test_a_second_delivery_or_an_end_already_rolled_back_changes_nothing(
    serving_stack: ServingStack, lambda_context
) -> None:
    # GIVEN a run restored once, after which an operator deliberately changed the mappings
    serving_stack.set_enabled(serving_stack.legacy_uuid, False)
    serving_stack.start_run(EXECUTION, phase="MIGRATE")
    restore_serving.lambda_handler(_status_change(EXECUTION, "ABORTED"), lambda_context)
    serving_stack.notifications()
    serving_stack.set_enabled(serving_stack.legacy_uuid, False)

    # WHEN the same event is delivered again (EventBridge delivers at least once)
    result = restore_serving.lambda_handler(_status_change(EXECUTION, "ABORTED"), lambda_context)

    # THEN nothing is switched and nobody is notified twice
    assert result["action"] == "already-handled"
    assert not serving_stack.enabled(serving_stack.legacy_uuid)
    assert serving_stack.notifications() == []


def test_an_old_run_never_touches_the_mappings_or_the_lock_of_a_newer_one(
    serving_stack: ServingStack, lambda_context
) -> None:
    # GIVEN run 1 rolled back by itself (outcome recorded, lock released) and run 2 now holds the lock
    serving_stack.start_run(EXECUTION, phase="ROLLBACK", outcome="ROLLED_BACK")
    serving_stack.set_enabled(serving_stack.legacy_uuid, False)
    serving_stack.start_run(OTHER_EXECUTION, phase="MIGRATE")

    # WHEN run 1's FAILED event arrives late
    result = restore_serving.lambda_handler(_status_change(EXECUTION, "FAILED"), lambda_context)

    # THEN run 2 keeps its lock and its paused legacy mapping
    assert result == {**result, "action": "already-handled", "lock_released": False}
    assert run_control.lock_holder(serving_stack.dynamodb, CONTROL) == OTHER_EXECUTION
    assert not serving_stack.enabled(serving_stack.legacy_uuid)


@pytest.mark.parametrize("status", ["SUCCEEDED", "RUNNING"])
def test_normal_statuses_are_ignored(serving_stack: ServingStack, lambda_context, status: str) -> None:
    # GIVEN a running migration holding the lock with legacy paused
    serving_stack.set_enabled(serving_stack.legacy_uuid, False)
    serving_stack.start_run(EXECUTION, phase="MIGRATE")

    # WHEN a non-abnormal status arrives (a rule misconfigured to send them)
    result = restore_serving.lambda_handler(_status_change(EXECUTION, status), lambda_context)

    # THEN nothing changes
    assert result["action"] == "ignored"
    assert not serving_stack.enabled(serving_stack.legacy_uuid)
    assert run_control.lock_holder(serving_stack.dynamodb, CONTROL) == EXECUTION


def test_a_run_that_never_recorded_itself_only_frees_its_lock(
    serving_stack: ServingStack, lambda_context
) -> None:
    # GIVEN an execution that took the lock and died before writing its run record
    serving_stack.put({**run_control.LOCK_KEY, "execution_arn": EXECUTION})

    # WHEN it is reported failed
    result = restore_serving.lambda_handler(_status_change(EXECUTION, "FAILED"), lambda_context)

    # THEN the lock is free and legacy (never paused) still serves
    assert result["action"] == "unknown-run" and result["lock_released"] is True
    assert run_control.lock_holder(serving_stack.dynamodb, CONTROL) is None
    assert serving_stack.enabled(serving_stack.legacy_uuid)


def test_the_serving_backend_reads_legacy_until_a_cut_over_is_recorded(serving_stack: ServingStack) -> None:
    # GIVEN / WHEN / THEN
    assert run_control.serving_backend(serving_stack.dynamodb, CONTROL) is Backend.LEGACY
    serving_stack.put({**run_control.SERVING_KEY, "backend": "new"})
    assert run_control.serving_backend(serving_stack.dynamodb, CONTROL) is Backend.NEW


def test_record_outcome_keeps_the_first_writer(serving_stack: ServingStack) -> None:
    # GIVEN a run
    serving_stack.start_run(EXECUTION, phase="MIGRATE")

    # WHEN two writers record an outcome
    first = run_control.record_outcome(
        serving_stack.dynamodb, CONTROL, EXECUTION, outcome=run_control.Outcome.ROLLED_BACK, at=NOW
    )
    second = run_control.record_outcome(
        serving_stack.dynamodb, CONTROL, EXECUTION, outcome=run_control.Outcome.RESTORED_BY_WATCHDOG, at=NOW
    )

    # THEN the first one stays
    assert (first, second) == (True, False)
    run = run_control.read_run(serving_stack.dynamodb, CONTROL, EXECUTION)
    assert run is not None and run.outcome == "ROLLED_BACK"
