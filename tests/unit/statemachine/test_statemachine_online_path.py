"""The online mode's path through the migration definition: the capture starts before the bulk copy, the
legacy consumer pauses only after it, and every end stops the capture; sentinel names agree everywhere."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from components.migration_state_machine import (
    DEFINITION_PATH,
    WAIT_DEFINITION_PATH,
    capture_substitutions,
)
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
    # GIVEN the routes out of an online validation while serving, by its stage (never clean: changes fly)
    def route(stage: str, dead_letters: int) -> str:
        document = {
            "config": {"mode": "online"},
            "stage": stage,
            "validation": {"clean": False, "counts": {"migration_dlq_messages": dead_letters}},
        }
        return _choose(states["ValidateIsClean"], document)

    # THEN the full verification goes to the converging round, the converging round to the pause, and
    # dead letters found while serving go to the gate while serving
    assert route("bulk", 0) == "ConvergeReverifyChanged"
    assert route("converge", 0) == "OnlinePauseDisableLegacyMapping"
    assert route("bulk", 3) == route("converge", 3) == "GateRecordPhase"
    # AND a gate accepted while serving goes on where that stage's clean route goes
    accepted = {
        next(test["StringEquals"] for test in rule["And"] if test["Variable"] == "$.stage"): rule["Next"]
        for rule in states["GateAccepted"]["Choices"]
    }
    assert accepted == {"bulk": "ConvergeReverifyChanged", "converge": "OnlinePauseDisableLegacyMapping"}


@pytest.mark.parametrize(
    ("mode", "stage", "visible", "in_flight", "delayed", "quiet"),
    [
        ("offline", "bulk", "0", "0", "0", True),
        ("offline", "bulk", "0", "3", "0", False),  # offline: in flight holds the settle
        ("online", "cut_over", "0", "3", "0", False),  # in the pause: nothing may be in flight
        ("online", "bulk", "0", "3", "0", True),  # serving: the capture's endless flow is in flight
        ("online", "converge", "0", "3", "0", True),
        ("online", "bulk", "2", "0", "0", False),  # something still waits to be taken
        ("online", "bulk", "0", "0", "1", False),  # or will become visible
    ],
)
def test_a_settle_while_serving_needs_nothing_waiting_and_in_the_pause_nothing_in_flight(
    mode: str, stage: str, visible: str, in_flight: str, delayed: str, quiet: bool
) -> None:
    # GIVEN the wait child's settle condition, and the input every wait passes it
    child = json.loads(WAIT_DEFINITION_PATH.read_text(encoding="utf-8"))["States"]
    document = {
        "mode": mode,
        "stage": stage,
        "reading": {"visible": visible, "in_flight": in_flight, "delayed": delayed},
    }
    parent = json.loads(DEFINITION_PATH.read_text(encoding="utf-8"))["States"]
    child_input = parent["SettleWaitUntilQuiet"]["Parameters"]["Input"]
    assert (child_input["mode.$"], child_input["stage.$"]) == ("$.config.mode", "$.stage")

    # WHEN a reading is judged
    next_state = _choose(child["IsMigrationQueueEmpty"], document)

    # THEN it is quiet exactly when expected
    assert (next_state == "QuietReading") is quiet


def _choose(choice: dict[str, Any], document: dict[str, Any]) -> str:
    """The state a Choice goes to for a document (the rule kinds these definitions use)."""

    def value(path: str) -> Any:
        node: Any = document
        for part in path.removeprefix("$.").split("."):
            node = node[part]
        return node

    def holds(rule: dict[str, Any]) -> bool:
        if "And" in rule:
            return all(holds(inner) for inner in rule["And"])
        if "Or" in rule:
            return any(holds(inner) for inner in rule["Or"])
        if "NumericGreaterThan" in rule:
            return bool(value(rule["Variable"]) > rule["NumericGreaterThan"])
        if "BooleanEquals" in rule:
            return bool(value(rule["Variable"]) == rule["BooleanEquals"])
        return bool(value(rule["Variable"]) == rule["StringEquals"])

    return next((str(rule["Next"]) for rule in choice["Choices"] if holds(rule)), str(choice["Default"]))


def test_the_catch_up_places_a_sentinel_on_every_shard_and_waits_for_that_group(states: dict) -> None:
    # GIVEN the state that writes the cut-over's sentinel, and the wait after it
    place = states["CatchUpWriteSentinel"]
    wait = states["CatchUpWaitUntilQuiet"]["Parameters"]["Input"]

    # THEN the capture function places the group (one sentinel per open shard of the stream), the wait
    # reads the arrival of that same group, and a failed placement rolls back like any catch-up failure
    assert place["Resource"] == "${CaptureFunctionArn}"
    assert place["Parameters"] == {"place_sentinels.$": sentinel_id_expression("caught_up")}
    assert wait["sentinel.$"] == sentinel_id_expression("caught_up")
    assert place["Next"] == "CatchUpStartWait"
    # AND that wait reads without a heartbeat (the pollers were proven reading every shard before the
    # bulk copy), which the wait child routes straight to the arrival's reading
    assert wait["probe"] == "sentinel_arrived_without_beat"
    child = json.loads(WAIT_DEFINITION_PATH.read_text(encoding="utf-8"))["States"]
    routes = {rule["StringEquals"]: rule["Next"] for rule in child["Read"]["Choices"]}
    assert routes["sentinel_arrived_without_beat"] == "ReadSentinelArrival"
    assert routes["sentinel_arrived"] == "WriteSentinelBeat"
    assert [catch["Next"] for catch in place["Catch"]] == ["RollbackRoute"]
    assert place["ResultPath"] == "$.catch_up_sentinels"


def test_the_capture_is_proven_live_on_every_shard_and_each_beat_rewrites_the_group(states: dict) -> None:
    # GIVEN the state that writes the capture-is-live sentinel, the wait after it, and the wait child
    place = states["CaptureWriteLiveSentinel"]
    wait = states["CaptureWaitUntilQuiet"]["Parameters"]["Input"]
    child = json.loads(WAIT_DEFINITION_PATH.read_text(encoding="utf-8"))["States"]
    beat = child["WriteSentinelBeat"]

    # THEN the capture function places the group before the bulk copy, the wait reads that group, and
    # before each reading the child asks the capture function to write again what has not arrived
    assert place["Resource"] == "${CaptureFunctionArn}"
    assert place["Parameters"] == {"place_sentinels.$": sentinel_id_expression("live")}
    assert wait["sentinel.$"] == sentinel_id_expression("live")
    assert [catch["Next"] for catch in place["Catch"]] == ["RollbackRoute"]
    assert beat["Resource"] == "${CaptureFunctionArn}"
    assert beat["Parameters"] == {"beat_sentinels.$": "$$.Execution.Input.sentinel"}
    assert beat["Next"] == "ReadSentinelArrival"


def test_without_a_capture_every_task_resource_is_still_a_function_arn() -> None:
    # GIVEN a stack without change capture (an adopted legacy table without a stream)
    validate = "arn:aws:lambda:us-east-1:123456789012:function:validate"

    # WHEN its placeholders are filled
    filled = capture_substitutions(None, None, validate)

    # THEN the capture function's Resource is a real function's ARN (Step Functions refuses a definition
    # whose Task names no resource), though the states naming it are never entered
    assert filled["CaptureFunctionArn"] == validate
    assert filled["CaptureAvailable"] == "false"
