"""Helpers for the Step Functions runtime tests (imported as a plain module: tests/ has no packages)."""

from __future__ import annotations

import json
from typing import Any

from runtime_helpers import unique, wait_until

from embedded_aws import EmbeddedAws


def create_machine(
    aws: EmbeddedAws, role_arn: str, definition: dict[str, Any], name: str | None = None
) -> str:
    return aws.client("stepfunctions").create_state_machine(
        name=name or unique("sm"), definition=json.dumps(definition), roleArn=role_arn
    )["stateMachineArn"]


def start(aws: EmbeddedAws, machine_arn: str, execution_input: Any = None, **options: Any) -> str:
    return aws.client("stepfunctions").start_execution(
        stateMachineArn=machine_arn, input=json.dumps(execution_input or {}), **options
    )["executionArn"]


def wait_for_end(aws: EmbeddedAws, execution_arn: str, timeout: float = 60.0) -> dict[str, Any]:
    """DescribeExecution once the execution is no longer RUNNING (the deadline only bounds a hang)."""
    sfn = aws.client("stepfunctions")
    return wait_until(
        lambda: (d := sfn.describe_execution(executionArn=execution_arn))["status"] != "RUNNING" and d,
        timeout=timeout,
        interval=0.1,
    )


def run(
    aws: EmbeddedAws, role_arn: str, definition: dict[str, Any], execution_input: Any = None
) -> dict[str, Any]:
    return wait_for_end(aws, start(aws, create_machine(aws, role_arn, definition), execution_input))


def history(aws: EmbeddedAws, execution_arn: str) -> list[dict[str, Any]]:
    sfn = aws.client("stepfunctions")
    return sfn.get_execution_history(executionArn=execution_arn, maxResults=1000)["events"]


def state_names_entered(aws: EmbeddedAws, execution_arn: str) -> list[str]:
    return [
        e["stateEnteredEventDetails"]["name"]
        for e in history(aws, execution_arn)
        if "stateEnteredEventDetails" in e
    ]
