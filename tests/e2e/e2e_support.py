"""Shared by the end-to-end tests: fast run options, the stack reset, labels of the synthetic data."""

from __future__ import annotations

import os
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

from demo_data.onboarding_records import RecordKind, SyntheticRecord, synthetic_records
from embedded_aws.local_stack import LocalStack
from migration_cli.fault_toggles import set_function_environment
from migration_cli.local_run import LocalRunResult
from migration_cli.local_run_options import LOCAL_STACK_CONFIG, LocalRunOptions
from migration_cli.stack_outputs import StackOutputs
from migration_runtime import settings as env

PROGRAM_DIR = Path(os.environ.get("E2E_PROGRAM_DIR") or Path(__file__).resolve().parents[2])
# Three receives and one-second backoffs: a permanently failing record dead-letters in a few seconds.
E2E_STACK_CONFIG: dict[str, Any] = {
    **LOCAL_STACK_CONFIG,
    "onboarding-migration:maxReceiveCount": 3,
    "onboarding-migration:retryBaseDelaySeconds": 1,
    "onboarding-migration:retryMaxDelaySeconds": 1,
}
E2E_OPTIONS = LocalRunOptions(
    records=120,
    intake=30,
    segments=2,
    poll_interval_seconds=1,
    empty_readings_required=1,
    watch_interval_seconds=0.25,
    show_progress=False,
    seed="e2e",
    stack_config=E2E_STACK_CONFIG,
    program_dir=PROGRAM_DIR,
    timeout_seconds=240,
)


def e2e_options(**changes: Any) -> LocalRunOptions:
    return replace(E2E_OPTIONS, **changes)


def reset_stack(stack: LocalStack) -> None:
    """Back to the state right after deployment: no execution running, empty tables and queues (the control
    table too: no lock, no run, legacy serving), the legacy consumer on and the new one and the online
    capture off, no fault injected."""
    outputs = StackOutputs.from_mapping(stack.outputs)
    sfn, sqs, dynamodb, lambda_client = (
        stack.aws.client(name) for name in ("stepfunctions", "sqs", "dynamodb", "lambda")
    )
    running = sfn.list_executions(stateMachineArn=outputs.state_machine_arn, statusFilter="RUNNING")
    for execution in running["executions"]:
        sfn.stop_execution(executionArn=execution["executionArn"], cause="test reset")
    lambda_client.update_event_source_mapping(UUID=outputs.legacy_mapping_uuid, Enabled=True)
    lambda_client.update_event_source_mapping(UUID=outputs.new_mapping_uuid, Enabled=False)
    if outputs.capture_mapping_uuid is not None:
        lambda_client.update_event_source_mapping(UUID=outputs.capture_mapping_uuid, Enabled=False)
    set_function_environment(
        lambda_client,
        outputs.migrate_record_function_name,
        **{env.FAULT_TRANSIENT_RATE: "0", env.FAULT_PERMANENT_IDS: ""},
    )
    for url in (
        outputs.intake_queue_url,
        outputs.intake_dlq_url,
        outputs.migration_queue_url,
        outputs.migration_dlq_url,
    ):
        empty_queue(sqs, url)
    for table in (outputs.legacy_table_name, outputs.new_table_name, outputs.control_table_name):
        key_names = [
            key["AttributeName"] for key in dynamodb.describe_table(TableName=table)["Table"]["KeySchema"]
        ]
        for page in dynamodb.get_paginator("scan").paginate(
            TableName=table,
            ProjectionExpression=", ".join(f"#k{index}" for index in range(len(key_names))),
            ExpressionAttributeNames={f"#k{index}": name for index, name in enumerate(key_names)},
        ):
            for start in range(0, len(page["Items"]), 25):
                requests = [{"DeleteRequest": {"Key": item}} for item in page["Items"][start : start + 25]]
                dynamodb.batch_write_item(RequestItems={table: requests})


def labelled(count: int = E2E_OPTIONS.records, seed: str = E2E_OPTIONS.seed) -> list[SyntheticRecord]:
    return synthetic_records(count, seed=seed)


def ids_of(records: list[SyntheticRecord], kind: RecordKind) -> list[str]:
    return [item.record["application_id"] for item in records if item.kind is kind]


def assert_invariants_hold(result: LocalRunResult) -> None:
    failed = [entry for entry in result.report["invariants"] if not entry["holds"]]
    assert failed == [], failed


def empty_queue(sqs: Any, url: str) -> None:
    """Receive and delete until the queue is empty (PurgeQueue is limited to once a minute per queue)."""
    names = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
    for _ in range(200):
        messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=30).get(
            "Messages", []
        )
        if messages:
            entries = [{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(messages)]
            sqs.delete_message_batch(QueueUrl=url, Entries=entries)
            continue
        attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=names)["Attributes"]
        if sum(int(attributes[name]) for name in names) == 0:
            return
        time.sleep(0.2)  # in flight somewhere: wait for it to come back or be deleted
    raise AssertionError(f"could not empty {url}")
