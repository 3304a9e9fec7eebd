"""The online mode's path through the migration definition: the capture starts before the bulk copy, the
legacy consumer pauses only after it, and every end stops the capture; sentinel names agree everywhere."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from components.migration_state_machine import DEFINITION_PATH, WAIT_DEFINITION_PATH
from migration_runtime.change_log import SENTINEL_ARRIVAL_PK_PREFIX, SENTINEL_ARRIVAL_SK
from migration_runtime.run_sentinels import SENTINEL_PREFIX
from statemachines.wait_phase_states import sentinel_id_expression
from tests.unit.statemachine.test_statemachine_definition import reachable

CAPTURE = "${CaptureMappingUuid}"
LEGACY = "${LegacyMappingUuid}"


@pytest.fixture(scope="module")
def states() -> dict[str, Any]:
    return json.loads(DEFINITION_PATH.read_text(encoding="utf-8"))["States"]


def mapping_changes(states: dict[str, Any], uuid: str, enabled: bool) -> set[str]:
    return {
        name
        for name, state in states.items()
        if state.get("Resource", "").endswith("lambda:updateEventSourceMapping")
        and state["Parameters"] == {"Uuid": uuid, "Enabled": enabled}
    }


def test_online_the_capture_is_live_before_the_bulk_copy_and_the_pause_comes_after_it(states: dict) -> None:
    # GIVEN the online branch of Setup
    (online,) = [
        rule["Next"] for rule in states["SetupIsOnline"]["Choices"] if rule["StringEquals"] == "online"
    ]
    enable_capture = mapping_changes(states, CAPTURE, True)
    pauses = mapping_changes(states, LEGACY, False)

    # THEN the capture is enabled first, the bulk copy is only reachable through the capture's wait, and
    # the online pause of the legacy consumer is not reachable before the bulk copy has run
    assert enable_capture == {"CaptureEnableMapping"}
    assert "CaptureEnableMapping" in reachable(states, online)
    before_copy = reachable(states, online) - reachable(states, "CaptureRoute")
    assert "MigrateScanSegments" not in before_copy
    assert "OnlinePauseDisableLegacyMapping" in pauses
    assert "OnlinePauseDisableLegacyMapping" not in reachable(states, online) - reachable(
        states, "ValidateIsClean"
    )


def test_every_end_of_a_run_stops_the_capture(states: dict) -> None:
    # GIVEN the states that end an execution after the run record was written
    stops = mapping_changes(states, CAPTURE, False)
    ends = {"ResumeReport", "RollbackDone", "CutOverFailedEnd"}

    # THEN each of them is only reached through a state that disables the capture
    for end in ends:
        assert any(end in reachable(states, stop) for stop in stops), end
    assert stops == {"ResumeStopCapture", "RollbackStopCapture", "CutOverFailedStopCapture"}


def test_sentinel_ids_and_arrival_keys_are_spelled_as_the_code_reads_them() -> None:
    # GIVEN both definitions' text
    text = DEFINITION_PATH.read_text(encoding="utf-8") + WAIT_DEFINITION_PATH.read_text(encoding="utf-8")
    expressions = set(re.findall(r"States\.Format\('__migration_sentinel__[^\"]*", text))

    # THEN each sentinel id is the generator's expression for its purpose, under the reserved prefix, and
    # the arrival is read under the capture's key
    assert expressions == {sentinel_id_expression("live"), sentinel_id_expression("caught_up")}
    assert all(SENTINEL_PREFIX in expression for expression in expressions)
    child = json.loads(WAIT_DEFINITION_PATH.read_text(encoding="utf-8"))["States"]["ReadSentinelArrival"]
    key = child["Parameters"]["Key"]
    assert key["pk"]["S.$"].startswith(f"States.Format('{SENTINEL_ARRIVAL_PK_PREFIX}")
    assert key["sk"] == {"S": SENTINEL_ARRIVAL_SK}


def test_the_cut_over_re_verifies_what_changed_since_the_last_verification_while_serving_began(
    states: dict,
) -> None:
    # GIVEN every state that enters the validation
    entering = [name for name, state in states.items() if state.get("Next") == "ValidateMigration"]

    # THEN each validation notes when it starts, and the cut-over's re-verification reads from there
    assert entering == ["ValidateNoteStart"]
    assert states["ValidateNoteStart"]["Parameters"] == {"at.$": "$$.State.EnteredTime"}
    assert states["ValidateMigration"]["Parameters"]["since.$"] == "$.reverify_since"
    assert states["CatchUpReverifySince"]["InputPath"] == "$.validation_started.at"
    assert states["CatchUpReverifySince"]["ResultPath"] == "$.reverify_since"
    assert states["SetupState"]["Parameters"]["reverify_since.$"] == "$$.Execution.StartTime"
    # AND the converging round while serving reads from the full verification's start, the same way
    assert states["ConvergeReverifyChanged"]["Result"] == "converge"
    assert states["ConvergeReverifySince"]["InputPath"] == "$.validation_started.at"
    assert states["ConvergeReverifySince"]["ResultPath"] == "$.reverify_since"
    assert states["ConvergeReverifySince"]["Next"] == "ValidateNoteStart"


def test_online_the_pause_comes_only_after_the_converging_round(states: dict) -> None:
    # GIVEN the routes out of an online validation, by the stage it ran in
    def route(stage: str, dead_letters: int) -> str:
        for rule in states["ValidateIsClean"]["Choices"]:
            tests = rule.get("And", [rule])
            if all(_holds(test, {"mode": "online", "stage": stage, "dlq": dead_letters}) for test in tests):
                return str(rule["Next"])
        return str(states["ValidateIsClean"]["Default"])

    # THEN the full verification goes to the converging round (or the gate, with dead letters), the
    # converging round to the pause whatever it found, and an accepted gate before the pause to the round
    assert route("bulk", 0) == "ConvergeReverifyChanged"
    assert route("bulk", 3) == "GateRecordPhase"
    assert route("converge", 0) == route("converge", 3) == "OnlinePauseDisableLegacyMapping"
    (accepted,) = states["GateAccepted"]["Choices"]
    assert accepted["Next"] == "ConvergeReverifyChanged"
    assert {"Variable": "$.stage", "StringEquals": "bulk"} in accepted["And"]


def _holds(test: dict[str, Any], run: dict[str, Any]) -> bool:
    values = {"$.config.mode": run["mode"], "$.stage": run["stage"]}
    if test["Variable"] == "$.validation.counts.migration_dlq_messages":
        return bool(run["dlq"] > test["NumericGreaterThan"])
    if test["Variable"] == "$.validation.clean":
        return False  # an online validation while serving is not clean (changes in flight)
    return bool(values[test["Variable"]] == test["StringEquals"])
