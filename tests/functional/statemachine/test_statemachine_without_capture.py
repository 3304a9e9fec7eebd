"""A stack without change capture (an adopted legacy table without a stream of new and old images), on the
embedded runtime: an online run is refused in Setup with nothing paused, while offline runs, rollbacks and
their ends work, skipping every state that would touch a capture mapping or sentinels."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from embedded_aws import EmbeddedAws
from migration_runtime.migration_errors import MigrationError
from tests.functional.statemachine.stub_stack import FAST_INPUT, StubStack, build_stub_stack
from tests.functional.statemachine.test_statemachine_paths import (
    DISABLED,
    ENABLED,
    send_intake,
    states_entered,
)
from tests.functional.statemachine.test_statemachine_setup_checks import control_items

CAPTURE_STATES = {
    "CaptureEnableMapping",
    "ResumeStopCapture",
    "RollbackStopCapture",
    "RollbackRemoveSentinels",
    "CutOverFailedStopCapture",
}


def build(emulator: EmbeddedAws, capture: bool) -> Iterator[StubStack]:
    stack = build_stub_stack(emulator, capture=capture)
    yield stack
    stack.tear_down()


@pytest.fixture
def without_capture(emulator: EmbeddedAws) -> Iterator[StubStack]:
    yield from build(emulator, capture=False)


@pytest.fixture(params=[True, False], ids=["with capture", "without capture"])
def either(request: pytest.FixtureRequest, emulator: EmbeddedAws) -> Iterator[tuple[StubStack, bool]]:
    for stack in build(emulator, capture=request.param):
        yield stack, request.param


@pytest.mark.parametrize("dry_run", [False, True])
def test_an_online_run_is_refused_in_setup_with_nothing_paused(without_capture: StubStack, dry_run: bool):
    # GIVEN a stack without change capture
    # WHEN an online run (or its dry run) starts
    execution = without_capture.start({**FAST_INPUT, "mode": "online", "dry_run": dry_run})
    without_capture.wait(execution)

    # THEN it failed in Setup, saying why and how to enable the stream
    described = without_capture.describe(execution)
    assert described["status"] == "FAILED"
    assert described["error"] == MigrationError.ONLINE_MODE_UNAVAILABLE, described.get("cause")
    assert "has no stream of NEW_AND_OLD_IMAGES" in described["cause"]
    assert f"update-table --table-name {without_capture.prefix}-legacy" in described["cause"]
    assert described["cause"].endswith("Nothing was paused or changed."), described["cause"]
    entered = states_entered(without_capture, execution)
    assert [name for name in entered if not name.startswith("Setup")] == [], entered
    # ... no lock was taken and no run recorded, and the legacy consumer still serves
    assert control_items(without_capture) == []
    assert without_capture.mapping_state(without_capture.legacy_mapping) == ENABLED


def test_an_offline_run_succeeds_without_capture(without_capture: StubStack):
    # GIVEN a stack without change capture
    # WHEN an offline run starts (the same checks that refuse an online run)
    execution = without_capture.start(FAST_INPUT)
    without_capture.wait(execution)

    # THEN it cut over, and never entered a state that names the capture mapping or the sentinels
    assert without_capture.describe(execution)["status"] == "SUCCEEDED"
    entered = states_entered(without_capture, execution)
    assert "ResumeIsCapturing" in entered
    assert CAPTURE_STATES.isdisjoint(entered), entered
    assert without_capture.mapping_state(without_capture.legacy_mapping) == DISABLED
    assert without_capture.mapping_state(without_capture.new_mapping) == ENABLED


def test_a_rollback_restores_legacy_and_stops_the_capture_only_where_there_is_one(
    either: tuple[StubStack, bool],
):
    # GIVEN a stack with or without change capture, and an enqueue function that fails
    stack, capture = either
    stack.configure("enqueue", MODE="raise")

    # WHEN an offline run starts
    execution = stack.start(FAST_INPUT)
    stack.wait(execution)
    send_intake(stack, "arrived-after-rollback")

    # THEN it rolled back; the capture stop and the sentinel removal ran only on the stack with a capture
    assert stack.describe(execution)["error"] == MigrationError.ROLLED_BACK
    entered = states_entered(stack, execution)
    assert "RollbackIsCapturing" in entered
    stops = {"RollbackStopCapture", "RollbackRemoveSentinels"}
    assert stops & set(entered) == (stops if capture else set()), entered
    # ... and the legacy consumer serves again
    assert stack.mapping_state(stack.legacy_mapping) == ENABLED
    assert stack.mapping_state(stack.new_mapping) == DISABLED
    stack.wait_for(lambda: stack.consumers_of().get("arrived-after-rollback") == "legacy")
