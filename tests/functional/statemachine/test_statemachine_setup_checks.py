"""Setup's checks of the live service, on the embedded runtime: a run that would pause the wrong mapping or
strand failing messages is refused before anything is paused, and no lock or run record is left behind."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from embedded_aws import EmbeddedAws
from migration_runtime.migration_errors import MigrationError
from tests.functional.statemachine.stub_stack import FAST_INPUT, StubStack, build_stub_stack
from tests.functional.statemachine.test_statemachine_paths import ENABLED, states_entered

# One broken setting per case, the error it must end with, and text its cause must hold.
REFUSALS: dict[str, tuple[dict[str, Any], MigrationError, str]] = {
    "no redrive policy": (
        {"intake_redrive_policy": False},
        MigrationError.INTAKE_QUEUE_WITHOUT_REDRIVE_POLICY,
        "has no redrive policy",
    ),
    "visibility timeout too short": (
        # The stub intake queue's visibility timeout is 1 s; ask for 6 x a 30 s consumer.
        {"intake_minimum_visibility_timeout_seconds": 180},
        MigrationError.INTAKE_VISIBILITY_TIMEOUT_TOO_SHORT,
        "has a visibility timeout of 1 s; the new intake consumer needs at least 180 s",
    ),
    "legacy mapping on another queue": (
        {"legacy_mapping_on_other_queue": True},
        MigrationError.LEGACY_MAPPING_NOT_ON_INTAKE_QUEUE,
        "-other-intake, not the intake queue",
    ),
}


@pytest.fixture(params=sorted(REFUSALS))
def refusal(request: pytest.FixtureRequest, emulator: EmbeddedAws) -> Iterator[tuple[StubStack, str]]:
    broken, _, _ = REFUSALS[request.param]
    stack = build_stub_stack(emulator, **broken)
    yield stack, request.param
    stack.tear_down()


def control_items(stack: StubStack) -> list[dict[str, Any]]:
    return stack.aws.client("dynamodb").scan(TableName=stack.control_table, ConsistentRead=True)["Items"]


@pytest.mark.parametrize("dry_run", [False, True])
def test_setup_refuses_a_live_service_it_cannot_migrate_safely(
    refusal: tuple[StubStack, str], dry_run: bool
) -> None:
    # GIVEN a stub stack whose intake queue or legacy mapping is broken in one way
    stack, case = refusal
    _, error, cause = REFUSALS[case]

    # WHEN a migration (or a dry run: the checks are read-only, they run for every run) starts
    execution = stack.start({**FAST_INPUT, "dry_run": dry_run})
    stack.wait(execution)

    # THEN it failed in Setup with the check's error and a cause that names the problem
    described = stack.describe(execution)
    assert described["status"] == "FAILED", case
    assert described["error"] == error, (case, described.get("cause"))
    assert cause in described["cause"], (case, described["cause"])
    assert described["cause"].endswith("Nothing was paused or changed."), described["cause"]
    entered = states_entered(stack, execution)
    assert "SetupCheckLegacyService" in entered, entered
    assert [name for name in entered if not name.startswith("Setup")] == [], entered
    # ... no lock was taken and no run recorded, and the legacy consumer still serves
    assert control_items(stack) == []
    assert stack.mapping_state(stack.legacy_mapping) == ENABLED


def test_setup_checks_pass_on_a_sound_service_and_the_lock_is_taken(stub_stack: StubStack) -> None:
    # GIVEN the stub stack as built (redrive policy, visibility timeout over its minimum, legacy mapping on
    # the intake queue)
    # WHEN a migration starts
    execution = stub_stack.start(FAST_INPUT)
    stub_stack.wait(execution)

    # THEN it went past the checks to the lock and succeeded: the refusals above are the checks' doing
    assert stub_stack.describe(execution)["status"] == "SUCCEEDED"
    entered = states_entered(stub_stack, execution)
    assert entered.index("SetupCheckLegacyService") < entered.index("SetupTakeLock")
    assert {item["pk"]["S"] for item in control_items(stub_stack)} >= {f"RUN#{execution}"}
