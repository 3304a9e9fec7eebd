"""The migration's four waits are generated from one loop (statemachines/wait_phase_states.py)."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from components.migration_state_machine import DEFINITION_PATH, WAIT_DEFINITION_PATH
from migration_runtime.migration_errors import MigrationError
from statemachines.history_budget import WAIT_CHILDREN_PER_WAIT, WAIT_PREFIXES, literal_of
from statemachines.regenerate import definition_text, regenerated, regenerated_text
from statemachines.wait_phase_states import (
    MIGRATION_WAIT_PHASES,
    STATE_SUFFIXES,
    WaitPhase,
    migration_wait_states,
    wait_child_max_polls,
    wait_phase_states,
    with_wait_states,
)


@pytest.fixture(scope="module")
def definition() -> dict[str, Any]:
    return json.loads(DEFINITION_PATH.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def wait_definition() -> dict[str, Any]:
    return json.loads(WAIT_DEFINITION_PATH.read_text(encoding="utf-8"))


def test_the_checked_in_definition_is_exactly_what_the_generators_write() -> None:
    # GIVEN the definition file as checked in
    checked_in = DEFINITION_PATH.read_text(encoding="utf-8")

    # THEN regenerating it changes nothing, not even formatting
    # (after a change to a generator: venv/bin/python -m statemachines.regenerate)
    assert regenerated_text() == checked_in


def test_every_wait_phase_holds_its_generated_states_verbatim(
    definition: dict[str, Any], wait_definition: dict[str, Any]
) -> None:
    # GIVEN each phase's states as generated from its spec
    generated = migration_wait_states(polls_per_child=wait_child_max_polls(wait_definition))

    # THEN the definition holds them, in one block per phase, in the generated order
    names = list(definition["States"])
    for phase_name, states in generated.items():
        assert {name: definition["States"][name] for name in states} == states, phase_name
        start = names.index(f"{phase_name}StartWait")
        assert names[start : start + len(states)] == list(states), phase_name


def test_a_hand_edit_of_a_generated_state_is_undone_and_the_rest_is_kept(
    definition: dict[str, Any], wait_definition: dict[str, Any]
) -> None:
    # GIVEN a definition whose drain timeout was edited by hand, and a hand-written state changed too
    edited = copy.deepcopy(definition)
    edited["States"]["DrainTimedOut"]["Parameters"]["Error"] = "Migration.Oops"
    edited["States"]["ResumeReport"]["Comment"] = "kept: written by hand"

    # WHEN it is regenerated
    result = regenerated(edited, wait_definition)

    # THEN the generated state is as generated again, the hand-written one as edited, the order unchanged
    assert result["States"]["DrainTimedOut"] == definition["States"]["DrainTimedOut"]
    assert result["States"]["ResumeReport"]["Comment"] == "kept: written by hand"
    assert list(result["States"]) == list(definition["States"])


def test_a_phase_missing_from_the_definition_is_placed_after_the_state_that_enters_it(
    definition: dict[str, Any], wait_definition: dict[str, Any]
) -> None:
    # GIVEN the definition without any of the drain's states, and the pause's without its NextChild but
    # with a state of a suffix this generation still owns, left by hand in the wrong place
    states: dict[str, Any] = {}
    for name, state in definition["States"].items():
        if name.startswith("Drain") and name.removeprefix("Drain") in STATE_SUFFIXES:
            continue
        if name == "PauseNextChild":
            continue
        states[name] = state
        if name == "BackupIsRequested":
            states["PauseNextChild"] = {"Type": "Pass", "Next": "PauseWaitUntilQuiet"}
    assert "DrainRoute" not in states and "DrainRecordPhase" in states

    # WHEN the wait states are generated into it
    result = with_wait_states(
        {**definition, "States": states}, polls_per_child=wait_child_max_polls(wait_definition)
    )

    # THEN it is the checked-in definition again: the drain right after DrainRecordPhase, the pause whole
    assert definition_text(result) == definition_text(definition)


def test_a_phase_that_no_state_enters_is_refused(wait_definition: dict[str, Any]) -> None:
    # GIVEN a definition that has none of the waits and nothing going to them
    lonely = {"StartAt": "Only", "States": {"Only": {"Type": "Succeed"}}}

    # WHEN / THEN the generator names the phases it could not place
    with pytest.raises(ValueError, match=r"Drain.*Pause"):
        with_wait_states(lonely, polls_per_child=wait_child_max_polls(wait_definition))


def test_the_phase_specs_are_the_waits_the_history_budget_counts(definition: dict[str, Any]) -> None:
    # GIVEN the phases generated and the bound each Route enforces
    assert tuple(phase.name for phase in MIGRATION_WAIT_PHASES) == WAIT_PREFIXES

    for prefix in WAIT_PREFIXES:
        # THEN every wait stops after the children the budget allows (the counter starts at 0)
        assert (
            literal_of(definition, f"{prefix}Route", "NumericGreaterThanEquals") + 1 == WAIT_CHILDREN_PER_WAIT
        )


@pytest.mark.parametrize(
    ("phase", "error", "failure"),
    [
        ("Pause", MigrationError.PAUSE_TIMEOUT, "RollbackRoute"),
        ("Settle", MigrationError.MIGRATION_TIMEOUT, "RollbackRoute"),
        ("Redrive", MigrationError.REDRIVE_TIMEOUT, "RollbackRoute"),
        ("Drain", MigrationError.DRAIN_TIMEOUT, "CutOverFailed"),
    ],
)
def test_each_wait_fails_with_its_own_error_and_says_what_to_change(
    definition: dict[str, Any],
    wait_definition: dict[str, Any],
    phase: str,
    error: MigrationError,
    failure: str,
) -> None:
    states = definition["States"]
    polls = wait_child_max_polls(wait_definition)

    for end in ("TimedOut", "OutOfBudget"):
        # THEN both ends of a wait carry the phase's error to its failure path, as does a failed child
        assert states[f"{phase}{end}"]["Parameters"]["Error"] == error
        assert states[f"{phase}{end}"]["Next"] == failure
    assert states[f"{phase}WaitUntilQuiet"]["Catch"][0]["Next"] == failure
    # ... and running out of children names the real budget and the remedy
    cause = states[f"{phase}OutOfBudget"]["Parameters"]["Cause.$"]
    assert f"{WAIT_CHILDREN_PER_WAIT} x {polls} times" in cause
    assert "raise poll_interval_seconds" in cause


def test_a_cause_text_that_would_break_its_format_template_is_refused() -> None:
    # GIVEN a phase whose cause text holds a quote (it would end the States.Format template early)
    phase = WaitPhase(
        name="Broken",
        probe="intake_queue_empty",
        timeout_key="drain_timeout_seconds",
        when_quiet="Done",
        on_failure="Failed",
        error=MigrationError.DRAIN_TIMEOUT,
        not_done="The queue didn't drain",
    )

    # WHEN / THEN
    with pytest.raises(ValueError, match="quotes"):
        wait_phase_states(phase, polls_per_child=350)
