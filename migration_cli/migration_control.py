"""The operator's actions on a migration: start an execution, answer its gate, redrive a dead-letter queue.

Small functions over boto3 clients, shared by the commands, `local run` and the tests.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from migration_cli.execution_history import GATE_ACTIONS
from migration_cli.history_reader import read_progress
from migration_runtime import run_control
from migration_runtime.execution_input import InvalidExecutionInput, check_execution_input
from migration_runtime.run_control import Backend

EXECUTION_ARN_PREFIX = "arn:"
_TERMINAL_MOVE_STATUSES = frozenset({"COMPLETED", "CANCELLED", "FAILED"})


class GateNotWaiting(Exception):
    """The execution is not waiting at its gate (finished, or not there yet)."""


class MigrationRefused(Exception):
    """A migration may not start now: another one holds the lock, or the new backend already serves."""


def check_can_start(dynamodb: Any, control_table_name: str, document: Mapping[str, Any]) -> None:
    """Refuse early what the state machine's Setup would refuse (it checks again, atomically): a second
    migration while one holds the lock, and a migration after a cut-over unless forced. A dry run
    changes nothing and is never refused."""
    if document.get("dry_run") is True:
        return
    holder = run_control.lock_holder(dynamodb, control_table_name)
    if holder is not None:
        raise MigrationRefused(
            f"another migration is running: {holder} (watch it, or wait for its end; "
            "`onboarding-migration status` shows the lock)"
        )
    if (
        run_control.serving_backend(dynamodb, control_table_name) is Backend.NEW
        and document.get("force") is not True
    ):
        raise MigrationRefused(
            "the new backend already serves the intake (a migration cut over): start with --force to migrate "
            "again; the legacy consumer will not be re-enabled"
        )


def execution_name(dry_run: bool = False, now: datetime | None = None) -> str:
    """A readable, unique execution name, e.g. `migration-20250101T120000Z-1a2b3c`.

    Always passed explicitly: names are the handle an operator types, and an emulator may not generate one.
    """
    moment = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")
    return f"{'dry-run' if dry_run else 'migration'}-{moment}-{uuid.uuid4().hex[:6]}"


def execution_input(
    *,
    dry_run: bool | None = None,
    segments: int | None = None,
    overrides: Mapping[str, Any] | None = None,
    explicit: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The execution input: only what the operator gave; the state machine supplies the defaults.

    ``overrides`` are ``--set KEY=VALUE`` pairs; ``dry_run``, ``segments`` and ``explicit`` are what the
    command's own options set (None: not given). Both kinds merge; the same key given both ways with
    different values is a conflict. The result is checked against ``migration_runtime.execution_input``, the
    limits the state machine's Setup applies. Raises InvalidExecutionInput naming the key.
    """
    document: dict[str, Any] = dict(overrides or {})
    options = {"dry_run": dry_run, "segments": segments, **(explicit or {})}
    for key, value in options.items():
        if value is None:
            continue
        if key in document and not _same_json(document[key], value):
            raise InvalidExecutionInput(
                key,
                f"{key} is given twice with different values: {json.dumps(value)} by its option, "
                f"{json.dumps(document[key])} by --set",
            )
        document[key] = value
    check_execution_input(document)
    return document


def _same_json(left: Any, right: Any) -> bool:
    # True == 1 in Python, not in JSON.
    return json.dumps(left, sort_keys=True) == json.dumps(right, sort_keys=True)


def start_migration(
    stepfunctions: Any, state_machine_arn: str, document: Mapping[str, Any], name: str | None = None
) -> str:
    """Start an execution; returns its ARN."""
    response = stepfunctions.start_execution(
        stateMachineArn=state_machine_arn,
        name=name or execution_name(bool(document.get("dry_run"))),
        input=json.dumps(dict(document)),
    )
    return str(response["executionArn"])


def resolve_execution_arn(execution: str, state_machine_arn: str) -> str:
    """Accept an execution ARN or just its name (the state machine's ARN supplies the rest)."""
    if execution.startswith(EXECUTION_ARN_PREFIX):
        return execution
    # arn:aws:states:<region>:<account>:stateMachine:<name> -> ...:execution:<name>:<execution>
    parts = state_machine_arn.split(":")
    if len(parts) < 7 or parts[5] != "stateMachine":
        raise ValueError(f"not a state machine ARN: {state_machine_arn}")
    return ":".join([*parts[:5], "execution", parts[6], execution])


def answer_gate(stepfunctions: Any, execution_arn: str, action: str, note: str | None = None) -> None:
    """Answer the waiting gate with redrive, accept or abort (the token is read from the history)."""
    if action not in GATE_ACTIONS:
        raise ValueError(f"action must be one of {', '.join(GATE_ACTIONS)}, got {action!r}")
    progress = read_progress(stepfunctions, execution_arn)
    if not progress.waiting_at_gate or progress.gate_token is None:
        where = "has ended" if progress.ended else f"is at {progress.state or 'its start'}"
        raise GateNotWaiting(f"the execution is not waiting at the gate: it {where}")
    answer: dict[str, Any] = {"action": action, "answered_at": datetime.now(UTC).isoformat()}
    if note:
        answer["note"] = note
    stepfunctions.send_task_success(taskToken=progress.gate_token, output=json.dumps(answer))


@dataclass(frozen=True)
class MoveTaskResult:
    status: str
    moved: int
    to_move: int | None
    failure: str | None


def start_dlq_redrive(sqs: Any, dlq_arn: str, destination_arn: str | None = None) -> str:
    """Start moving a DLQ's messages back (to `destination_arn`, else their sources); returns the handle."""
    request = {"SourceArn": dlq_arn}
    if destination_arn:
        request["DestinationArn"] = destination_arn
    return str(sqs.start_message_move_task(**request)["TaskHandle"])


def latest_move_task(sqs: Any, dlq_arn: str) -> MoveTaskResult | None:
    results = sqs.list_message_move_tasks(SourceArn=dlq_arn, MaxResults=1).get("Results", [])
    if not results:
        return None
    task = results[0]
    to_move = task.get("ApproximateNumberOfMessagesToMove")
    return MoveTaskResult(
        status=str(task.get("Status", "")),
        moved=int(task.get("ApproximateNumberOfMessagesMoved", 0)),
        to_move=int(to_move) if to_move is not None else None,
        failure=task.get("FailureReason"),
    )


def wait_for_move_task(
    sqs: Any, dlq_arn: str, timeout_seconds: float = 600, interval_seconds: float = 1.0
) -> MoveTaskResult:
    """Poll the DLQ's most recent move task until it finishes (TimeoutError otherwise)."""
    deadline = time.monotonic() + timeout_seconds
    while True:
        task = latest_move_task(sqs, dlq_arn)
        if task is not None and task.status in _TERMINAL_MOVE_STATUSES:
            return task
        if time.monotonic() >= deadline:
            raise TimeoutError(f"the move task of {dlq_arn} did not finish within {timeout_seconds:.0f} s")
        time.sleep(interval_seconds)
