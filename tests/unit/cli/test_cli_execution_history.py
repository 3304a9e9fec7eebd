"""Reading progress from an execution history: phases, scan totals, validations, the gate's token."""

from __future__ import annotations

import json
from typing import Any

from migration_cli.execution_history import ExecutionProgress, describe_phase
from migration_cli.history_reader import HistoryReader
from migration_runtime.enqueue_result import EnqueueCounts, EnqueueResult
from migration_runtime.migration_errors import MigrationError
from migration_runtime.validation_result import ValidationCounts, ValidationResult
from statemachines.phases import phase_of


class History:
    """Builds history events the way Step Functions shapes them (ids ascending)."""

    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []

    def add(self, kind: str, details_key: str | None = None, **details: Any) -> History:
        event: dict[str, Any] = {"id": len(self.events) + 1, "type": kind}
        if details_key:
            event[details_key] = details
        self.events.append(event)
        return self

    def started(self, document: dict[str, Any]) -> History:
        return self.add("ExecutionStarted", "executionStartedEventDetails", input=json.dumps(document))

    def entered(self, name: str) -> History:
        return self.add("TaskStateEntered", "stateEnteredEventDetails", name=name)

    def lambda_result(self, document: dict[str, Any]) -> History:
        return self.add(
            "LambdaFunctionSucceeded", "lambdaFunctionSucceededEventDetails", output=json.dumps(document)
        )

    def task(self, kind: str, resource: str, **details: Any) -> History:
        key = {
            "TaskScheduled": "taskScheduledEventDetails",
            "TaskSucceeded": "taskSucceededEventDetails",
        }.get(kind, "taskFailedEventDetails")
        return self.add(kind, key, resource=resource, **details)


def page(enqueued: int, done: bool) -> dict[str, Any]:
    counts = EnqueueCounts(
        scanned=enqueued + 1, eligible=enqueued, ineligible=1, invalid=0, enqueued=enqueued
    )
    result = EnqueueResult(
        segment=0, total_segments=1, cursor=None if done else "c", done=done, counts=counts
    )
    return result.to_document()


def validation(clean: bool) -> dict[str, Any]:
    counts = dict.fromkeys(ValidationCounts.model_fields, 0) | {"legacy": 3, "eligible": 3, "migrated": 2}
    return ValidationResult(clean=clean, counts=ValidationCounts(**counts)).to_document()


def gate_scheduled(token: str) -> dict[str, Any]:
    parameters = {"MessageAttributes": {"task_token": {"DataType": "String", "StringValue": token}}}
    return {"parameters": json.dumps(parameters)}


def test_phase_comes_from_the_phase_list_of_the_definition() -> None:
    assert phase_of("PauseWaitUntilQuiet") == "Pause"
    assert phase_of("MigrateEnqueueSegment") == "Migrate"
    assert phase_of("DryRunSummary") == "DryRun"
    assert phase_of("Unknown") is None
    assert describe_phase("Migrate", dry_run=True).startswith("dry run")


def test_progress_sums_pages_keeps_validations_and_tracks_the_gate() -> None:
    # GIVEN a history: two pages, an unclean validation, a gate waiting with its token
    history = (
        History()
        .started({"dry_run": False})
        .entered("PauseDisableLegacyMapping")
        .entered("MigrateEnqueueSegment")
        .lambda_result(page(5, done=False))
        .lambda_result(page(3, done=True))
        .entered("ValidateMigration")
        .lambda_result(validation(clean=False))
        .entered("GateAwaitDecision")
        .task("TaskScheduled", "publish.waitForTaskToken", **gate_scheduled("token-1"))
    )

    progress = ExecutionProgress().apply(history.events)

    # THEN
    assert progress.phase == "Gate"
    assert progress.scan["enqueued"] == 8 and progress.pages == 2
    assert progress.latest_validation == ValidationResult.model_validate(validation(clean=False))
    assert progress.waiting_at_gate and progress.gate_token == "token-1"
    assert progress.state_transitions == 4

    # WHEN the gate is answered and the cut-over happens
    history.task("TaskSucceeded", "publish.waitForTaskToken", output=json.dumps({"action": "accept"}))
    history.entered("CutOverEnableNewMapping").task("TaskSucceeded", "updateEventSourceMapping", output="{}")
    history.add("ExecutionSucceeded", "executionSucceededEventDetails", output="{}")
    progress.apply(history.events)

    # THEN the token is gone, the decision and the cut-over are recorded, events were not counted twice
    assert progress.gate_token is None and not progress.waiting_at_gate
    assert progress.gate_decisions == ["accept"]
    assert progress.cut_over is True and progress.ended is True
    assert progress.scan["enqueued"] == 8


def test_a_gate_timeout_and_an_unknown_answer_are_recorded_as_such() -> None:
    history = (
        History()
        .task("TaskScheduled", "publish.waitForTaskToken", **gate_scheduled("t1"))
        .add("TaskTimedOut", "taskTimedOutEventDetails", resource="publish.waitForTaskToken")
        .task("TaskScheduled", "publish.waitForTaskToken", **gate_scheduled("t2"))
        .task("TaskSucceeded", "publish.waitForTaskToken", output=json.dumps({"action": "maybe"}))
    )

    progress = ExecutionProgress().apply(history.events)

    assert progress.gate_decisions == ["timeout", "abort"]
    assert progress.gate_token is None


def test_rollback_error_and_dry_run_are_read() -> None:
    history = (
        History()
        .started({"dry_run": True})
        .entered("RollbackDone")
        .add("ExecutionFailed", "executionFailedEventDetails", error=MigrationError.ROLLED_BACK, cause="why")
    )

    progress = ExecutionProgress().apply(history.events)

    assert progress.dry_run is True
    assert (progress.error, progress.cause, progress.phase) == (MigrationError.ROLLED_BACK, "why", "Rollback")


class FakeStepFunctions:
    """get_execution_history with AWS paging, newest first."""

    def __init__(self, events: list[dict[str, Any]], page_size: int) -> None:
        self.events = events
        self.page_size = page_size
        self.calls = 0

    def get_execution_history(self, **request: Any) -> dict[str, Any]:
        self.calls += 1
        newest_first = sorted(self.events, key=lambda event: -event["id"])
        start = int(request.get("nextToken", 0))
        chunk = newest_first[start : start + self.page_size]
        response: dict[str, Any] = {"events": chunk}
        if start + self.page_size < len(newest_first):
            response["nextToken"] = str(start + self.page_size)
        return response


def test_history_reader_returns_only_new_events_in_order_and_stops_paging_early() -> None:
    history = History()
    for index in range(7):
        history.entered(f"State{index}")
    client = FakeStepFunctions(history.events, page_size=3)
    reader = HistoryReader(client, "arn")

    first = reader.new_events()
    assert [event["id"] for event in first] == list(range(1, 8))

    history.entered("State7")
    calls_before = client.calls
    second = reader.new_events()
    assert [event["id"] for event in second] == [8]
    assert client.calls - calls_before == 1  # the first page already reached seen events
    assert reader.new_events() == []
