"""How long the intake was paused, read from the history: from the pause until a consumer serves again."""

from __future__ import annotations

import json
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


def test_the_catch_up_sentinels_placed_are_read_from_the_capture_functions_result() -> None:
    # GIVEN the catch-up state's function result (three sentinels over two shards), then a validation's
    history = events(
        ("TaskStateEntered", "OnlinePauseDisableLegacyMapping", 60.0),
        ("TaskStateEntered", "CatchUpWriteSentinel", 62.0),
    )
    placed = json.dumps({"group": "g", "members": 3, "shards": 2})
    history.append(
        {
            "id": 3,
            "type": "LambdaFunctionSucceeded",
            "lambdaFunctionSucceededEventDetails": {"output": placed},
        }
    )

    # WHEN folded
    progress = ExecutionProgress().apply(history)

    # THEN the report can say how many shards the catch-up proved
    assert progress.catch_up is not None
    assert (progress.catch_up.members, progress.catch_up.shards) == (3, 2)


@pytest.mark.parametrize("output", ["not json", "[]", '{"members": 3}', '{"members": true, "shards": 2}'])
def test_a_catch_up_result_of_another_shape_is_not_read(output: str) -> None:
    # GIVEN a result of the catch-up state that is not the placement's
    history = events(("TaskStateEntered", "CatchUpWriteSentinel", 62.0))
    history.append(
        {
            "id": 2,
            "type": "LambdaFunctionSucceeded",
            "lambdaFunctionSucceededEventDetails": {"output": output},
        }
    )

    # WHEN / THEN nothing is claimed
    assert ExecutionProgress().apply(history).catch_up is None
