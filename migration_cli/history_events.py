"""Reading single events of a Step Functions execution history: their JSON, time, details and children.

Shared by the progress fold (``execution_history``), the history readers (``history_reader``) and the
benchmarks' statistics, so each fact about an event's shape is written once.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

CHILD_EXECUTION_RESOURCES = ("startExecution.sync", "startExecution.sync:2")
EXECUTION_ENDS = ("ExecutionSucceeded", "ExecutionFailed", "ExecutionTimedOut", "ExecutionAborted")
TASK_ENDS = ("TaskSucceeded", "TaskFailed", "TaskTimedOut", "TaskAborted")


def event_json(text: str | None) -> Any:
    """A JSON text of an event (input, output, parameters), or None when absent or not JSON."""
    if not text:
        return None
    try:
        return json.loads(text)
    except (TypeError, json.JSONDecodeError):
        return None


def event_moment(value: Any) -> datetime:
    """A history timestamp: boto3 gives datetimes, JSON documents ISO text."""
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))


def event_details(event: Mapping[str, Any]) -> Mapping[str, Any]:
    """The event's ``...EventDetails`` member (each event type names its own), or an empty mapping."""
    details = next((value for key, value in event.items() if key.endswith("EventDetails")), {})
    return details if isinstance(details, Mapping) else {}


def child_execution_arn(event: Mapping[str, Any]) -> str | None:
    """The child execution a `startExecution` task started, from its TaskSubmitted event (else None)."""
    if event.get("type") != "TaskSubmitted":
        return None
    details = event.get("taskSubmittedEventDetails", {})
    if details.get("resource") not in CHILD_EXECUTION_RESOURCES:
        return None
    submitted = event_json(details.get("output"))
    arn = submitted.get("ExecutionArn") if isinstance(submitted, dict) else None
    return arn if isinstance(arn, str) else None


def unwrap_child_failure(cause: str | None) -> str | None:
    """A cause naming the failure inside a child execution instead of the child's whole description.

    When a `startExecution.sync:2` child fails, the parent's task fails with `States.TaskFailed` and the
    child's DescribeExecution output as cause; the migration's rollback reports it as
    `States.TaskFailed: {...}`. What an operator needs is the child's own error and cause."""
    prefix = "States.TaskFailed: "
    if not cause or not cause.startswith(prefix + "{"):
        return cause
    try:
        described = json.loads(cause.removeprefix(prefix))
    except (ValueError, RecursionError):
        return cause
    error = described.get("Error") if isinstance(described, dict) else None
    if not isinstance(error, str):
        return cause
    inner = described.get("Cause")
    return unwrap_child_failure(f"{error}: {inner}") if isinstance(inner, str) else error
