"""How long the intake was paused, read from the history: from the pause until a consumer serves again."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from migration_cli.execution_history import ExecutionProgress

T0 = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def events(*steps: tuple[str, str, float]) -> list[dict[str, Any]]:
    """(kind, state, seconds after T0) -> history events with ascending ids."""
    built = []
    for index, (kind, name, seconds) in enumerate(steps, start=1):
        key = "stateEnteredEventDetails" if kind.endswith("Entered") else "stateExitedEventDetails"
        built.append(
            {"id": index, "type": kind, "timestamp": T0 + timedelta(seconds=seconds), key: {"name": name}}
        )
    return built


@pytest.mark.parametrize(
    "restored_by", ["CutOverEnableNewMapping", "RollbackEnableLegacyMapping", "RollbackKeepNewServing"]
)
def test_paused_from_the_pause_until_a_consumer_serves_again(restored_by: str) -> None:
    # GIVEN a pause at 1 s and a consumer enabled again at 7.5 s (later states do not move it)
    history = events(
        ("TaskStateEntered", "SetupTakeLock", 0.0),
        ("TaskStateEntered", "PauseDisableLegacyMapping", 1.0),
        ("TaskStateEntered", restored_by, 7.0),
        ("TaskStateExited", restored_by, 7.5),
        ("TaskStateExited", "CutOverEnableNewMapping", 30.0),
    )

    # WHEN / THEN
    assert ExecutionProgress().apply(history).intake_paused_seconds == 6.5


def test_nothing_paused_or_never_restored_by_the_execution_itself_is_unknown() -> None:
    # GIVEN a dry run (no pause) and a run stopped while paused (the watchdog restored serving)
    dry = events(("TaskStateEntered", "MigrateScanSegments", 1.0))
    stopped = events(
        ("TaskStateEntered", "PauseDisableLegacyMapping", 1.0), ("TaskStateEntered", "SettleRecordPhase", 9.0)
    )

    # WHEN / THEN neither has a measured pause
    assert ExecutionProgress().apply(dry).intake_paused_seconds is None
    assert ExecutionProgress().apply(stopped).intake_paused_seconds is None


def test_online_the_pause_starts_only_at_the_cut_overs_pause() -> None:
    # GIVEN an online run: capture and bulk copy while serving (60 s), then the short pause at 60 s
    history = events(
        ("TaskStateEntered", "CaptureEnableMapping", 0.0),
        ("TaskStateEntered", "MigrateScanSegments", 5.0),
        ("TaskStateEntered", "OnlinePauseDisableLegacyMapping", 60.0),
        ("TaskStateEntered", "CatchUpWriteSentinel", 62.0),
        ("TaskStateExited", "CutOverEnableNewMapping", 64.5),
    )

    # WHEN / THEN only the cut-over's pause counts
    assert ExecutionProgress().apply(history).intake_paused_seconds == 4.5
