"""State transitions and phase timings of a Step Functions execution, read from its history.

AWS bills a standard workflow per state transition: each state entered (Map iterations included) is one.
Transitions spent polling are told apart so that "independent of N apart from polling" can be checked:
a state machine's wait loop is a group of states sharing a name prefix with a Wait state (``SettleWait``,
``SettleReadMigrationQueue``, ...); from the first time a loop's Wait state is entered, every further
entry into that group is polling (the first pass through it is not: a run that never waits pays it too).
Paging is told apart the same way: inside a Map state, entries into an iterator state beyond one per
iteration are loop rounds (a segment scanned in several calls on its cursor, each call a time slice).

The migration runs its waits and each segment's pages as child executions, billed like its own states:
``read_history`` splices each child's states in where the parent started it, named after the parent's
phase (``SettleWaitUntilQuiet`` starts a child whose ``WaitInterval`` counts as ``SettleWaitInterval``).
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from migration_cli.history_events import child_execution_arn

TERMINAL_STATUSES = frozenset({"SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED"})
_PREFIX = re.compile(r"^[A-Z][a-z]+")


def phase_of(state_name: str) -> str:
    """The leading word of a state's name (``SettleReadMigrationQueue`` -> ``Settle``)."""
    match = _PREFIX.match(state_name)
    return match.group(0) if match else state_name


@dataclass(frozen=True)
class TransitionCount:
    total: int
    polling: int
    paging: int = 0
    per_phase: dict[str, int] = field(default_factory=dict)
    waits_per_phase: dict[str, int] = field(default_factory=dict)
    """Wait states entered per phase: the poll rounds of its wait loop."""
    polling_per_phase: dict[str, int] = field(default_factory=dict)

    @property
    def fixed(self) -> int:
        """Transitions of the straight path: neither polling nor extra rounds of a paging loop."""
        return self.total - self.polling - self.paging


@dataclass
class _OpenMap:
    iterations: int = 0
    entries: dict[str, int] = field(default_factory=dict)

    def extra_rounds(self) -> int:
        return sum(max(0, count - self.iterations) for count in self.entries.values())


def count_transitions(events: Iterable[dict[str, Any]]) -> TransitionCount:
    total = polling = paging = 0
    waiting_loops: set[str] = set()
    per_phase: dict[str, int] = {}
    waits_per_phase: dict[str, int] = {}
    polling_per_phase: dict[str, int] = {}
    open_maps: list[_OpenMap] = []
    for event in events:
        kind = str(event.get("type", ""))
        if kind == "MapIterationStarted" and open_maps:
            open_maps[-1].iterations += 1
        elif kind == "MapStateExited" and open_maps:
            paging += open_maps.pop().extra_rounds()
        if not kind.endswith("StateEntered"):
            continue
        name = str(event.get("stateEnteredEventDetails", {}).get("name", ""))
        phase = phase_of(name)
        total += 1
        per_phase[phase] = per_phase.get(phase, 0) + 1
        if open_maps:
            open_maps[-1].entries[name] = open_maps[-1].entries.get(name, 0) + 1
        if kind == "MapStateEntered":
            open_maps.append(_OpenMap())
        if kind == "WaitStateEntered":
            waiting_loops.add(phase)
            waits_per_phase[phase] = waits_per_phase.get(phase, 0) + 1
        if phase in waiting_loops:
            polling += 1
            polling_per_phase[phase] = polling_per_phase.get(phase, 0) + 1
    return TransitionCount(total, polling, paging, per_phase, waits_per_phase, polling_per_phase)


def phase_seconds(events: list[dict[str, Any]]) -> dict[str, float]:
    """Seconds from the first entry into each phase to the first entry into the next one (or the end)."""
    starts: list[tuple[str, Any]] = []
    seen: set[str] = set()
    for event in events:
        if str(event.get("type", "")).endswith("StateEntered"):
            phase = phase_of(str(event["stateEnteredEventDetails"]["name"]))
            if phase not in seen:
                seen.add(phase)
                starts.append((phase, event["timestamp"]))
    if not events or not starts:
        return {}
    end = events[-1]["timestamp"]
    durations = {}
    for (phase, start), (_, following) in zip(starts, [*starts[1:], ("end", end)], strict=True):
        durations[phase] = (following - start).total_seconds()
    return durations


_EXECUTION_EVENTS = frozenset(
    {"ExecutionStarted", "ExecutionSucceeded", "ExecutionFailed", "ExecutionTimedOut", "ExecutionAborted"}
)


def read_history(stepfunctions: Any, execution_arn: str) -> list[dict[str, Any]]:
    """The execution's events with every child execution's states spliced in (see the module doc)."""
    merged: list[dict[str, Any]] = []
    phase = ""
    for event in _one_history(stepfunctions, execution_arn):
        merged.append(event)
        kind = str(event.get("type", ""))
        if kind.endswith("StateEntered"):
            phase = phase_of(str(event["stateEnteredEventDetails"]["name"]))
        child = child_execution_arn(event)
        if child is not None:
            merged.extend(_as_part_of(phase, read_history(stepfunctions, child)))
    return merged


def _as_part_of(phase: str, events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    spliced = []
    for event in events:
        if event.get("type") in _EXECUTION_EVENTS:
            continue
        if "stateEnteredEventDetails" in event:
            entered = event["stateEnteredEventDetails"]
            event = {**event, "stateEnteredEventDetails": {**entered, "name": phase + entered["name"]}}
        spliced.append(event)
    return spliced


def _one_history(stepfunctions: Any, execution_arn: str) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = []
    request: dict[str, Any] = {"executionArn": execution_arn, "maxResults": 1000}
    while True:
        page = stepfunctions.get_execution_history(**request)
        events.extend(page["events"])
        if not page.get("nextToken"):
            return events
        request["nextToken"] = page["nextToken"]


def wait_for_execution(
    stepfunctions: Any, execution_arn: str, timeout_seconds: float, interval_seconds: float = 0.25
) -> dict[str, Any]:
    """Poll until the execution ends; returns its description (TimeoutError past the deadline)."""
    deadline = time.monotonic() + timeout_seconds
    while True:
        description = stepfunctions.describe_execution(executionArn=execution_arn)
        if description["status"] in TERMINAL_STATUSES:
            return dict(description)
        if time.monotonic() > deadline:
            stepfunctions.stop_execution(executionArn=execution_arn, cause="benchmark timed out")
            raise TimeoutError(f"{execution_arn} still running after {timeout_seconds:.0f} s")
        time.sleep(interval_seconds)
