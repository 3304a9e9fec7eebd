"""Durable run state of migrations, in the stack's control table (single-table, `pk`/`sk`).

What a migration must never lose track of, whatever ends it, lives here rather than in the execution:
- ``LOCK``/``LOCK``: the one execution allowed to change the intake mappings (``execution_arn``,
  ``taken_at``). Taken by the state machine with a conditional put at Setup, released at every end it
  reaches by itself, and by the watchdog after an end it does not reach (stop, timeout, terminal error).
- ``SERVING``/``SERVING``: which backend serves the intake (``backend``: ``legacy`` or ``new``), written
  at the cut-over. A run after the cut-over is refused unless forced, and never re-enables legacy.
- ``RUN#<execution ARN>``/``STATE``: one record per run: ``phase``, ``cut_over`` (written *before* the
  new mapping is enabled, so the intent survives a crash between the two), ``serving_before``,
  ``dry_run``, ``started_at``, ``updated_at`` and, once ended, ``outcome`` (written once: a conditional
  write keeps the first of the state machine and the watchdog).

The state machine writes these items with its DynamoDB integrations, using the names below
(a test checks the definition against them); the watchdog and the command line read them through here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from migration_runtime.dynamodb_codec import from_attribute_map, to_attribute_map
from migration_runtime.timestamps import to_utc_z

LOCK_KEY = {"pk": "LOCK", "sk": "LOCK"}
SERVING_KEY = {"pk": "SERVING", "sk": "SERVING"}
RUN_PK_PREFIX = "RUN#"
RUN_SK = "STATE"


class Backend(StrEnum):
    LEGACY = "legacy"
    NEW = "new"


class Outcome(StrEnum):
    SUCCEEDED = "SUCCEEDED"
    ROLLED_BACK = "ROLLED_BACK"
    FAILED_AFTER_CUT_OVER = "FAILED_AFTER_CUT_OVER"
    RESTORED_BY_WATCHDOG = "RESTORED_BY_WATCHDOG"


def run_key(execution_arn: str) -> dict[str, str]:
    return {"pk": f"{RUN_PK_PREFIX}{execution_arn}", "sk": RUN_SK}


@dataclass(frozen=True)
class RunState:
    """One run as the control table holds it."""

    execution_arn: str
    phase: str
    cut_over: bool
    serving_before: Backend
    dry_run: bool
    outcome: str | None

    @property
    def safe_backend(self) -> Backend:
        """Where the intake must flow if the run ends now: the new backend once the cut-over was decided
        (or when it already served before this run), otherwise legacy."""
        return Backend.NEW if self.cut_over or self.serving_before is Backend.NEW else Backend.LEGACY


def _key(key: dict[str, str]) -> dict[str, Any]:
    return to_attribute_map(key)


def _get(dynamodb: Any, table_name: str, key: dict[str, str]) -> dict[str, Any] | None:
    response = dynamodb.get_item(TableName=table_name, Key=_key(key), ConsistentRead=True)
    item = response.get("Item")
    return from_attribute_map(item) if item else None


def lock_holder(dynamodb: Any, table_name: str) -> str | None:
    """The execution ARN holding the lock, or None when no migration runs."""
    item = _get(dynamodb, table_name, LOCK_KEY)
    return str(item["execution_arn"]) if item and item.get("execution_arn") else None


def serving_backend(dynamodb: Any, table_name: str) -> Backend:
    """The backend that serves the intake: legacy until a cut-over has been recorded."""
    item = _get(dynamodb, table_name, SERVING_KEY)
    if item and item.get("backend") == Backend.NEW:
        return Backend.NEW
    return Backend.LEGACY


def read_run(dynamodb: Any, table_name: str, execution_arn: str) -> RunState | None:
    item = _get(dynamodb, table_name, run_key(execution_arn))
    if item is None:
        return None
    return RunState(
        execution_arn=execution_arn,
        phase=str(item.get("phase", "")),
        cut_over=item.get("cut_over") is True,
        serving_before=Backend.NEW if item.get("serving_before") == Backend.NEW else Backend.LEGACY,
        dry_run=item.get("dry_run") is True,
        outcome=str(item["outcome"]) if item.get("outcome") else None,
    )


def release_lock(dynamodb: Any, table_name: str, execution_arn: str) -> bool:
    """Release the lock if this execution holds it; False when it does not (released already, or
    another run's). Never releases another run's lock."""
    try:
        dynamodb.delete_item(
            TableName=table_name,
            Key=_key(LOCK_KEY),
            ConditionExpression="execution_arn = :arn",
            ExpressionAttributeValues={":arn": {"S": execution_arn}},
        )
    except dynamodb.exceptions.ConditionalCheckFailedException:
        return False
    return True


def record_outcome(
    dynamodb: Any,
    table_name: str,
    execution_arn: str,
    *,
    outcome: Outcome,
    at: datetime,
    details: dict[str, Any] | None = None,
) -> bool:
    """Write the run's outcome once; False when an outcome was already recorded (by the state machine
    or an earlier delivery of the same event)."""
    values: dict[str, Any] = {":outcome": outcome.value, ":at": to_utc_z(at)}
    assignments = ["outcome = :outcome", "ended_at = :at", "updated_at = :at"]
    names: dict[str, str] = {}
    for index, (name, value) in enumerate(sorted((details or {}).items())):
        assignments.append(f"#d{index} = :d{index}")
        names[f"#d{index}"] = name
        values[f":d{index}"] = value
    request: dict[str, Any] = {
        "TableName": table_name,
        "Key": _key(run_key(execution_arn)),
        "UpdateExpression": "SET " + ", ".join(assignments),
        "ConditionExpression": "attribute_not_exists(outcome)",
        "ExpressionAttributeValues": to_attribute_map(values),
    }
    if names:
        request["ExpressionAttributeNames"] = names
    try:
        dynamodb.update_item(**request)
    except dynamodb.exceptions.ConditionalCheckFailedException:
        return False
    return True
