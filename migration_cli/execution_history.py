"""What an execution of the migration state machine has done so far, folded from its event history.

The history is the one record every target keeps the same way (AWS and the local runtime), so progress,
the gate's task token and the reports are all derived from it: the phase from the state entered (looked up
in ``statemachines/phases.py``), the scan totals from each `enqueue_records` result, the validation reports
from each `validate_migration` result (both recognised by the contract they name, typed in
``migration_runtime/``),
and the gate's token from the parameters of its `sns:publish.waitForTaskToken` task. A child execution's
`enqueue_records` results and state transitions count as the run's own; its start and end do not.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from migration_cli.history_events import (
    EXECUTION_ENDS,
    TASK_ENDS,
    child_execution_arn,
    event_details,
    event_json,
    event_moment,
    unwrap_child_failure,
)
from migration_runtime.enqueue_result import EnqueueCounts, EnqueueResult
from migration_runtime.execution_input import OFFLINE
from migration_runtime.function_results import parse_function_result
from migration_runtime.validation_result import ValidationResult, ValidationScope
from statemachines.phases import DESCRIPTIONS, PAUSE_STARTS, SERVING_RESTORED_BY, PhaseKey, phase_of

GATE_RESOURCE = "publish.waitForTaskToken"
GATE_ACTIONS = ("redrive", "accept", "abort")
SCAN_COUNT_KEYS = tuple(EnqueueCounts.model_fields)
# The state that asks the capture function for the cut-over's catch-up sentinels (its result: members and
# shards, migration_runtime/shard_covering_sentinels.py).
CATCH_UP_PLACEMENT = "CatchUpWriteSentinel"


@dataclass(frozen=True)
class CatchUpSentinels:
    members: int
    """Sentinels written: the capture saw each before the cut-over."""
    shards: int
    """Open shards of the legacy table's stream, each of which carried at least one."""

    @classmethod
    def of(cls, document: Any) -> CatchUpSentinels | None:
        if not isinstance(document, dict):
            return None
        members, shards = document.get("members"), document.get("shards")
        if not all(isinstance(value, int) and not isinstance(value, bool) for value in (members, shards)):
            return None
        return cls(members=members, shards=shards)


def describe_phase(phase: str | None, dry_run: bool = False) -> str:
    if phase == PhaseKey.MIGRATE and dry_run:
        return "dry run: counting what would move"
    if phase is None:
        return "starting"
    return DESCRIPTIONS.get(phase, phase)


@dataclass
class ExecutionProgress:
    """Facts accumulated from history events, in event order."""

    last_event_id: int = 0
    state: str | None = None
    """The state most recently entered."""
    phase: PhaseKey | None = None
    dry_run: bool = False
    mode: str = OFFLINE
    scan: dict[str, int] = field(default_factory=lambda: dict.fromkeys(SCAN_COUNT_KEYS, 0))
    pages: int = 0
    validations: list[ValidationResult] = field(default_factory=list)
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
    catch_up: CatchUpSentinels | None = None
    """Online: the cut-over's catch-up sentinels, as the capture function placed them."""
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
            return round(
                (event_moment(self.serving_again_at) - event_moment(self.paused_at)).total_seconds(), 1
            )
        except (TypeError, ValueError):
            return None

    @property
    def latest_validation(self) -> ValidationResult | None:
        return self.validations[-1] if self.validations else None

    @property
    def latest_full_validation(self) -> ValidationResult | None:
        """The last validation of both tables in full (an online cut-over's re-verification covers only
        the changed applications, so the record counts come from the full one)."""
        full = [v for v in self.validations if v.scope is ValidationScope.ALL]
        return full[-1] if full else self.latest_validation

    @property
    def reverified_while_serving(self) -> int | None:
        """How many records the last re-verification made while the legacy backend still served read
        (an online run's converging round), or None when there was none."""
        rounds = [v for v in self.validations if v.scope is ValidationScope.CHANGED_WHILE_SERVING]
        return rounds[-1].counts.legacy if rounds else None

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
            document = event_json(event.get("executionStartedEventDetails", {}).get("input"))
            if isinstance(document, dict):
                self.dry_run = document.get("dry_run") is True
                mode = document.get("mode")
                self.mode = mode if isinstance(mode, str) and mode else OFFLINE
        elif kind.endswith("StateEntered"):
            name = event.get("stateEnteredEventDetails", {}).get("name")
            # Inside the Map, several iterations interleave; the phase is what matters.
            self.state = name
            self.phase = phase_of(name) or self.phase
            self.state_transitions += 1
            if name in PAUSE_STARTS and self.paused_at is None:
                self.paused_at = event.get("timestamp")
        elif kind.endswith("StateExited"):
            name = event.get("stateExitedEventDetails", {}).get("name")
            if name in SERVING_RESTORED_BY and self.paused_at is not None and self.serving_again_at is None:
                self.serving_again_at = event.get("timestamp")
        elif kind == "LambdaFunctionSucceeded":
            self._apply_function_result(event)
        elif kind == "TaskSucceeded":
            self._apply_task_result(event)
        elif kind == "TaskSubmitted":
            self._note_child(event)
        elif kind == "TaskScheduled":
            details = event.get("taskScheduledEventDetails", {})
            if details.get("resource") == GATE_RESOURCE:
                parameters = event_json(details.get("parameters")) or {}
                attribute = parameters.get("MessageAttributes", {}).get("task_token", {})
                self.gate_token = attribute.get("StringValue")
        elif kind in TASK_ENDS:
            if event_details(event).get("resource") == GATE_RESOURCE and kind != "TaskSucceeded":
                self.gate_token = None
                self.gate_decisions.append("timeout" if kind == "TaskTimedOut" else "failed")
        elif kind in EXECUTION_ENDS:
            self.ended = True
            self.gate_token = None
            details = event_details(event)
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
                self._apply_function_result(event)
            elif kind == "TaskSubmitted":
                self._note_child(event)

    def _note_child(self, event: Mapping[str, Any]) -> None:
        arn = child_execution_arn(event)
        if arn is not None and arn not in self.child_executions:
            self.child_executions.append(arn)

    def _apply_function_result(self, event: Mapping[str, Any]) -> None:
        output = event.get("lambdaFunctionSucceededEventDetails", {}).get("output")
        if self.state == CATCH_UP_PLACEMENT:
            self.catch_up = CatchUpSentinels.of(event_json(output)) or self.catch_up
            return
        result = parse_function_result(event_json(output))
        if isinstance(result, EnqueueResult):
            for key in SCAN_COUNT_KEYS:
                self.scan[key] += getattr(result.counts, key)
            self.pages += 1
        elif isinstance(result, ValidationResult):
            self.validations.append(result)

    def _apply_task_result(self, event: Mapping[str, Any]) -> None:
        details = event.get("taskSucceededEventDetails", {})
        resource = details.get("resource")
        if resource == GATE_RESOURCE:
            answer = event_json(details.get("output"))
            action = answer.get("action") if isinstance(answer, dict) else None
            self.gate_decisions.append(action if action in GATE_ACTIONS else "abort")
            self.gate_token = None
        elif resource == "startMessageMoveTask":
            self.redrives += 1
        elif resource == "createBackup":
            document = event_json(details.get("output")) or {}
            self.backup_arn = document.get("BackupDetails", {}).get("BackupArn")
        elif resource == "updateEventSourceMapping" and self.phase == PhaseKey.CUT_OVER:
            self.cut_over = True
