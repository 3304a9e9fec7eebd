"""Reading an execution's history, and its child executions' histories, a page at a time.

The long loops (each scan segment's pages, each wait) run as child executions
(`states:startExecution.sync:2`), which keep their own histories so the parent's stays far below the
25,000-event quota. `ExecutionFollower` reads the parent and every child it started into one
`ExecutionProgress`.
"""

from __future__ import annotations

from typing import Any

from migration_cli.execution_history import ExecutionProgress
from migration_cli.history_events import EXECUTION_ENDS


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
            if any(str(event.get("type", "")) in EXECUTION_ENDS for event in events):
                self._finished.add(arn)
        return progress


def read_progress(stepfunctions: Any, execution_arn: str) -> ExecutionProgress:
    """The whole history, children included, folded at once (for reports and one-off commands)."""
    return ExecutionFollower(stepfunctions, execution_arn).refresh(ExecutionProgress())
