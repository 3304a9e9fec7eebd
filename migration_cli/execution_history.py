"""What an execution of the migration state machine has done so far, read from its event history.

The history is the one record every target keeps the same way (AWS and the local runtime), so progress,
the gate's task token and the reports are all derived from it: the phase from the state names, the scan
totals from each `enqueue_records` result, the validation reports from each `validate_migration` result,
and the gate's token from the parameters of its `sns:publish.waitForTaskToken` task.

The long loops (each scan segment's pages, each wait) run as child executions
(`states:startExecution.sync:2`), which keep their own histories so the parent's stays far below the
25,000-event quota. `ExecutionFollower` reads the parent and every child it started: the children's
`enqueue_records` results and state transitions count as the run's own; their starts and ends do not.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

# State names start with their phase (see statemachines/migration.asl.json); first match wins.
PHASES: tuple[tuple[str, str], ...] = (
    ("Setup", "setting up"),
    ("Pause", "pausing the legacy consumer"),
    ("Backup", "backing up the legacy table"),
    ("Migrate", "migrating"),
    ("DryRun", "dry run"),
    ("Settle", "waiting for the migration queue to empty"),
    ("Validate", "validating"),
    ("Gate", "waiting for a decision at the gate"),
    ("Redrive", "moving the migration DLQ back"),
    ("CutOver", "cutting over to the new backend"),
    ("Drain", "draining the intake backlog"),
    ("Resume", "resuming"),
    ("Rollback", "rolling back"),
)
GATE_RESOURCE = "publish.waitForTaskToken"
GATE_ACTIONS = ("redrive", "accept", "abort")
ROLLED_BACK_ERROR = "Migration.RolledBack"
SCAN_COUNT_KEYS = ("scanned", "eligible", "ineligible", "invalid", "enqueued")
_TASK_ENDS = ("TaskSucceeded", "TaskFailed", "TaskTimedOut", "TaskAborted")
CHILD_EXECUTION_RESOURCES = ("startExecution.sync", "startExecution.sync:2")
# The intake is paused from the first state below until one of the states after it has run.
PAUSE_STARTS = "PauseDisableLegacyMapping"
SERVING_RESTORED_BY = frozenset(
    {
        "CutOverEnableNewMapping",
        "CutOverFailedEnsureNewServing",
        "RollbackEnableLegacyMapping",
        "RollbackKeepNewServing",
    }
)


def child_execution_arn(event: Mapping[str, Any]) -> str | None:
    """The child execution a `startExecution` task started, from its TaskSubmitted event (else None)."""
    if event.get("type") != "TaskSubmitted":
        return None
    details = event.get("taskSubmittedEventDetails", {})
    if details.get("resource") not in CHILD_EXECUTION_RESOURCES:
        return None
    submitted = _json(details.get("output"))
    arn = submitted.get("ExecutionArn") if isinstance(submitted, dict) else None
    return arn if isinstance(arn, str) else None


def _moment(value: Any) -> datetime:
    """A history timestamp: boto3 gives datetimes, JSON documents ISO text."""
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))


_EXECUTION_ENDS = ("ExecutionSucceeded", "ExecutionFailed", "ExecutionTimedOut", "ExecutionAborted")


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


def phase_of(state_name: str | None) -> str | None:
    """The phase key ("Pause", "Migrate", ...) a state belongs to."""
    if not state_name:
        return None
    for key, _ in PHASES:
        if state_name.startswith(key):
            return key
    return None


def describe_phase(phase: str | None, dry_run: bool = False) -> str:
    if phase == "Migrate" and dry_run:
        return "dry run: counting what would move"
    return dict(PHASES).get(phase or "", phase or "starting")


def _json(text: str | None) -> Any:
    if not text:
        return None
    try:
        return json.loads(text)
    except (TypeError, json.JSONDecodeError):
        return None


def is_enqueue_result(document: Any) -> bool:
    return (
        isinstance(document, dict)
        and "done" in document
        and "cursor" in document
        and isinstance(document.get("counts"), dict)
    )


def is_validation_report(document: Any) -> bool:
    return (
        isinstance(document, dict)
        and isinstance(document.get("clean"), bool)
        and isinstance(document.get("counts"), dict)
        and "legacy" in document["counts"]
    )


@dataclass
class ExecutionProgress:
    """Facts accumulated from history events, in event order."""

    last_event_id: int = 0
    state: str | None = None
    """The state most recently entered."""
    phase: str | None = None
    dry_run: bool = False
    scan: dict[str, int] = field(default_factory=lambda: dict.fromkeys(SCAN_COUNT_KEYS, 0))
    pages: int = 0
    validations: list[dict[str, Any]] = field(default_factory=list)
    """Every validation report, oldest first (after a redrive there are several)."""
    gate_token: str | None = None
    """Set while the gate waits for an answer."""
    gate_decisions: list[str] = field(default_factory=list)
    """Each gate's outcome: an action, "timeout" or "failed"."""
    redrives: int = 0
    backup_arn: str | None = None
    cut_over: bool = False
    """The new consumer was enabled (after this, a failure no longer rolls back)."""
    state_transitions: int = 0
    """States entered (Map iterations and child executions included): what Step Functions bills a
    standard workflow for."""
    child_executions: list[str] = field(default_factory=list)
    """Child executions started by the run (scan segments, waits), in start order."""
    paused_at: Any = None
    """When the legacy consumer was told to stop (the pause's first state entered)."""
    serving_again_at: Any = None
    """When a consumer was serving again: the new one enabled at the cut-over, or the rollback's."""
    ended: bool = False
    error: str | None = None
    cause: str | None = None

    @property
    def intake_paused_seconds(self) -> float | None:
        """How long no consumer took the intake: from the pause until a consumer served again (None when
        nothing was paused, or while / if the execution never restored serving itself)."""
        if self.paused_at is None or self.serving_again_at is None:
            return None
        try:
            return round((_moment(self.serving_again_at) - _moment(self.paused_at)).total_seconds(), 1)
        except (TypeError, ValueError):
            return None

    @property
    def latest_validation(self) -> dict[str, Any] | None:
        return self.validations[-1] if self.validations else None

    @property
    def waiting_at_gate(self) -> bool:
        return self.gate_token is not None and not self.ended

    def apply(self, events: Iterable[Mapping[str, Any]]) -> ExecutionProgress:
        """Fold new events (ascending ids; already-seen ids are skipped) into the progress."""
        for event in events:
            event_id = int(event.get("id", 0))
            if event_id <= self.last_event_id:
                continue
            self.last_event_id = event_id
            self._apply_one(event)
        return self

    def _apply_one(self, event: Mapping[str, Any]) -> None:
        kind = str(event.get("type", ""))
        if kind == "ExecutionStarted":
            document = _json(event.get("executionStartedEventDetails", {}).get("input"))
            if isinstance(document, dict):
                self.dry_run = document.get("dry_run") is True
        elif kind.endswith("StateEntered"):
            name = event.get("stateEnteredEventDetails", {}).get("name")
            # Inside the Map, several iterations interleave; the phase is what matters.
            self.state = name
            self.phase = phase_of(name) or self.phase
            self.state_transitions += 1
            if name == PAUSE_STARTS and self.paused_at is None:
                self.paused_at = event.get("timestamp")
        elif kind.endswith("StateExited"):
            name = event.get("stateExitedEventDetails", {}).get("name")
            if name in SERVING_RESTORED_BY and self.paused_at is not None and self.serving_again_at is None:
                self.serving_again_at = event.get("timestamp")
        elif kind == "LambdaFunctionSucceeded" or kind == "TaskSucceeded":
            self._apply_result(kind, event)
        elif kind == "TaskSubmitted":
            self._note_child(event)
        elif kind == "TaskScheduled":
            details = event.get("taskScheduledEventDetails", {})
            if details.get("resource") == GATE_RESOURCE:
                parameters = _json(details.get("parameters")) or {}
                attribute = parameters.get("MessageAttributes", {}).get("task_token", {})
                self.gate_token = attribute.get("StringValue")
        elif kind in _TASK_ENDS:
            details = next((value for key, value in event.items() if key.endswith("EventDetails")), {})
            if (
                isinstance(details, dict)
                and details.get("resource") == GATE_RESOURCE
                and kind != "TaskSucceeded"
            ):
                self.gate_token = None
                self.gate_decisions.append("timeout" if kind == "TaskTimedOut" else "failed")
        elif kind in _EXECUTION_ENDS:
            self.ended = True
            self.gate_token = None
            details = next((value for key, value in event.items() if key.endswith("EventDetails")), {})
            if isinstance(details, dict):
                self.error = details.get("error") or self.error
                self.cause = unwrap_child_failure(details.get("cause")) or self.cause

    def apply_child(self, events: Iterable[Mapping[str, Any]]) -> None:
        """Fold a child execution's events: its states and function results count, its own start and
        end do not (the parent's task reports the child's end)."""
        for event in events:
            kind = str(event.get("type", ""))
            if kind.endswith("StateEntered"):
                self.state_transitions += 1
            elif kind == "LambdaFunctionSucceeded":
                self._apply_result(kind, event)
            elif kind == "TaskSubmitted":
                self._note_child(event)

    def _note_child(self, event: Mapping[str, Any]) -> None:
        arn = child_execution_arn(event)
        if arn is not None and arn not in self.child_executions:
            self.child_executions.append(arn)

    def _apply_result(self, kind: str, event: Mapping[str, Any]) -> None:
        if kind == "LambdaFunctionSucceeded":
            document = _json(event.get("lambdaFunctionSucceededEventDetails", {}).get("output"))
            if is_enqueue_result(document):
                counts = document["counts"]
                for key in SCAN_COUNT_KEYS:
                    value = counts.get(key, 0)
                    self.scan[key] += int(value) if isinstance(value, int | float) else 0
                self.pages += 1
            elif is_validation_report(document):
                self.validations.append(document)
            return
        details = event.get("taskSucceededEventDetails", {})
        resource = details.get("resource")
        if resource == GATE_RESOURCE:
            answer = _json(details.get("output"))
            action = answer.get("action") if isinstance(answer, dict) else None
            self.gate_decisions.append(action if action in GATE_ACTIONS else "abort")
            self.gate_token = None
        elif resource == "startMessageMoveTask":
            self.redrives += 1
        elif resource == "createBackup":
            document = _json(details.get("output")) or {}
            self.backup_arn = document.get("BackupDetails", {}).get("BackupArn")
        elif resource == "updateEventSourceMapping" and self.phase == "CutOver":
            self.cut_over = True


class HistoryReader:
    """Reads only the events not seen yet, newest first from AWS, so a long watch stays cheap."""

    def __init__(self, stepfunctions: Any, execution_arn: str) -> None:
        self._client = stepfunctions
        self._arn = execution_arn
        self._last_id = 0

    def new_events(self) -> list[dict[str, Any]]:
        collected: dict[int, dict[str, Any]] = {}
        token: str | None = None
        while True:
            request: dict[str, Any] = {
                "executionArn": self._arn,
                "reverseOrder": True,
                "maxResults": 1000,
                "includeExecutionData": True,
            }
            if token:
                request["nextToken"] = token
            page = self._client.get_execution_history(**request)
            events = page.get("events", [])
            fresh = [event for event in events if int(event["id"]) > self._last_id]
            collected.update({int(event["id"]): event for event in fresh})
            token = page.get("nextToken")
            # An emulator may ignore reverseOrder and return everything at once; both end here.
            if not token or len(fresh) < len(events):
                break
        ordered = [collected[event_id] for event_id in sorted(collected)]
        if ordered:
            self._last_id = int(ordered[-1]["id"])
        return ordered


class ExecutionFollower:
    """Reads an execution's new events and those of every child execution it started, into one progress.

    A child that has ended is read once more (its last events) and then no longer asked for."""

    def __init__(self, stepfunctions: Any, execution_arn: str) -> None:
        self._client = stepfunctions
        self._parent = HistoryReader(stepfunctions, execution_arn)
        self._children: dict[str, HistoryReader] = {}
        self._finished: set[str] = set()

    def refresh(self, progress: ExecutionProgress) -> ExecutionProgress:
        progress.apply(self._parent.new_events())
        index = 0
        # Children may start children (a child's TaskSubmitted extends the list while it is read).
        while index < len(progress.child_executions):
            arn = progress.child_executions[index]
            index += 1
            if arn in self._finished:
                continue
            reader = self._children.setdefault(arn, HistoryReader(self._client, arn))
            events = reader.new_events()
            progress.apply_child(events)
            if any(str(event.get("type", "")) in _EXECUTION_ENDS for event in events):
                self._finished.add(arn)
        return progress


def read_progress(stepfunctions: Any, execution_arn: str) -> ExecutionProgress:
    """The whole history, children included, folded at once (for reports and one-off commands)."""
    return ExecutionFollower(stepfunctions, execution_arn).refresh(ExecutionProgress())
