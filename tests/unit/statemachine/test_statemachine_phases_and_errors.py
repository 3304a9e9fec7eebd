"""The phase list and the error names the command line reads match the definitions they describe."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from components.migration_state_machine import DEFINITION_PATH, SEGMENT_DEFINITION_PATH, WAIT_DEFINITION_PATH
from migration_runtime.migration_errors import MigrationError
from statemachines.phases import PAUSE_STARTS, PHASES, SERVING_RESTORED_BY, PhaseKey, phase_of

_MIGRATION_ERROR = re.compile(r"\bMigration\.[A-Za-z]+\b")


def _state_names(states: dict[str, Any]) -> Iterator[str]:
    for name, state in states.items():
        yield name
        if state["Type"] == "Map":
            yield from _state_names(state["ItemProcessor"]["States"])
        for branch in state.get("Branches", []):
            yield from _state_names(branch["States"])


def _migration_states() -> list[str]:
    # Placeholders (${...}) sit inside strings, so the template parses as JSON without rendering.
    return list(_state_names(json.loads(DEFINITION_PATH.read_text(encoding="utf-8"))["States"]))


def test_every_state_of_the_migration_belongs_to_exactly_one_phase() -> None:
    # GIVEN every state of the migration definition, nested ones included
    states = _migration_states()

    # WHEN each is looked up in every phase
    owners = {name: [phase.key for phase in PHASES if name in phase.states] for name in states}

    # THEN each has exactly one phase, and no phase lists a state the definition does not have
    assert {name: keys for name, keys in owners.items() if len(keys) != 1} == {}
    listed = {state for phase in PHASES for state in phase.states}
    assert listed - set(states) == set()


def test_phase_of_reads_the_list_not_the_name() -> None:
    # GIVEN a state of the rollback whose name starts like another phase's, and names the list lacks
    # THEN the lookup gives the listed phase, and none for a child's or an unknown state
    assert phase_of("CutOverFailedEnsureNewServing") is PhaseKey.CUT_OVER
    assert phase_of("DryRunSummary") is PhaseKey.DRY_RUN
    assert phase_of("SegmentEnqueuePage") is None
    assert phase_of("SetupSomethingNew") is None
    assert phase_of(None) is None


def test_the_pause_markers_are_states_of_the_definition() -> None:
    states = set(_migration_states())
    assert states >= PAUSE_STARTS
    assert states >= SERVING_RESTORED_BY


@pytest.mark.parametrize("path", [DEFINITION_PATH, SEGMENT_DEFINITION_PATH, WAIT_DEFINITION_PATH])
def test_every_migration_error_of_a_definition_is_defined_in_one_module(path: Path) -> None:
    # GIVEN the literal error names a definition uses
    used = set(_MIGRATION_ERROR.findall(path.read_text(encoding="utf-8")))

    # THEN every one is a member of MigrationError (the command line and tests compare against those)
    assert used, f"{path.name} names no Migration.* error: the pattern no longer matches the definitions"
    assert used - {error.value for error in MigrationError} == set()


def test_every_defined_error_is_used_by_a_definition() -> None:
    # GIVEN every definition's text
    text = "".join(
        path.read_text(encoding="utf-8")
        for path in (DEFINITION_PATH, SEGMENT_DEFINITION_PATH, WAIT_DEFINITION_PATH)
    )
    # THEN no member is stale
    assert {error.value for error in MigrationError} - set(_MIGRATION_ERROR.findall(text)) == set()
