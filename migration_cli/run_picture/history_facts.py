"""What the picture needs from an execution's own history: when it started and ended, the top-level
states it entered and when, and the window during which the intake was paused (pure, no AWS)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from migration_cli.execution_history import ExecutionProgress
from migration_cli.run_picture.model import PhaseSpan
from migration_cli.run_picture.series import parse_moment, seconds_between
from migration_cli.run_picture.state_graph import state_phase

_ENDS = ("ExecutionSucceeded", "ExecutionFailed", "ExecutionTimedOut", "ExecutionAborted")


@dataclass(frozen=True)
class HistoryFacts:
    started_at: datetime | None
    entered: tuple[tuple[str, float], ...]
    """Each state entered (its name, seconds since the start), in order."""
    end_seconds: float | None
    """When the execution ended, or its last event while it runs."""
    intake_paused: tuple[float, float] | None


def history_facts(events: Sequence[Mapping[str, Any]]) -> HistoryFacts:
    """Read from the parent execution's events (ascending ids, as HistoryReader returns them)."""
    started_at = next(
        (parse_moment(event.get("timestamp")) for event in events if event.get("type") == "ExecutionStarted"),
        None,
    )
    if started_at is None:
        return HistoryFacts(started_at=None, entered=(), end_seconds=None, intake_paused=None)
    entered = []
    end_seconds = None
    for event in events:
        at = seconds_between(started_at, event.get("timestamp"))
        if at is None:
            continue
        end_seconds = at
        if str(event.get("type", "")).endswith("StateEntered"):
            name = event.get("stateEnteredEventDetails", {}).get("name")
            if isinstance(name, str):
                entered.append((name, at))
    progress = ExecutionProgress().apply(events)
    paused = None
    if progress.paused_at is not None:
        paused_from = seconds_between(started_at, progress.paused_at)
        # Never served again by the execution itself (the watchdog restores after the end): until the end.
        paused_to = (
            seconds_between(started_at, progress.serving_again_at)
            if progress.serving_again_at is not None
            else end_seconds
        )
        if paused_from is not None and paused_to is not None:
            paused = (paused_from, paused_to)
    return HistoryFacts(
        started_at=started_at, entered=tuple(entered), end_seconds=end_seconds, intake_paused=paused
    )


def phase_spans(
    entered: Sequence[tuple[str, float]], definition: Mapping[str, Any], end_seconds: float | None
) -> tuple[PhaseSpan, ...]:
    """Consecutive top-level states of one phase make one span, from its first state entered until the
    next phase's first state (the last one until the end). Choice states only route: not counted, as in
    the graph; a Map iteration's own states are inside their phase."""
    states: Mapping[str, Any] = definition["States"]
    starts: list[tuple[str, float]] = []
    for name, at in entered:
        state = states.get(name)
        if state is None or state.get("Type") == "Choice":
            continue
        phase = state_phase(name)
        if not starts or starts[-1][0] != phase:
            starts.append((phase, at))
    spans = []
    for index, (phase, start) in enumerate(starts):
        end = starts[index + 1][1] if index + 1 < len(starts) else (end_seconds or start)
        spans.append(PhaseSpan(phase=phase, start_seconds=start, end_seconds=max(start, end)))
    return tuple(spans)
