"""The migration's execution input: every key, its type, default and allowed range, in one place.

Read by the state machine's Setup checks (generated from here: ``components/execution_input_states.py``;
a test keeps ``statemachines/migration.asl.json`` equal to what it generates), by ``validate_migration``
(the segment limit) and by the command line (``start`` validates before it starts anything). Every key is
optional; an unknown key, a value of the wrong JSON type (a boolean must be ``true`` or ``false``, not
``"yes"``; an integer must be a JSON integer, not ``"4"`` or ``1.5``) or a value out of range fails at
Setup with ``Migration.InvalidInput`` and a cause naming the key, before anything is paused.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Any

from migration_runtime.migration_errors import MigrationError

INVALID_INPUT_ERROR = MigrationError.INVALID_INPUT.value

# Scan segments run as Map iterations side by side, and validate_migration scans both tables with two
# threads per segment: 64 keeps the verifier within 128 threads, and the Map well within its limits.
MAX_SEGMENTS = 64
# A Standard execution lasts at most one year ("Step Functions service quotas"): no wait may be longer.
MAX_SECONDS = 365 * 24 * 3600


class InputType(Enum):
    BOOLEAN = "boolean"
    INTEGER = "integer"
    CHOICE = "choice"  # a string, one of the key's choices


@dataclass(frozen=True)
class InputKey:
    name: str
    type: InputType
    default: bool | int | str
    meaning: str
    minimum: int = 0
    maximum: int = 0
    choices: tuple[str, ...] = ()

    @property
    def requirement(self) -> str:
        if self.type is InputType.BOOLEAN:
            return "a boolean (true or false)"
        if self.type is InputType.CHOICE:
            return "one of " + ", ".join(self.choices)
        return f"an integer from {self.minimum} to {self.maximum}"

    @property
    def error_message(self) -> str:
        return f"{self.name} must be {self.requirement}"

    def accepts(self, value: Any) -> bool:
        if self.type is InputType.BOOLEAN:
            return isinstance(value, bool)
        if self.type is InputType.CHOICE:
            return isinstance(value, str) and value in self.choices
        # bool is an int in Python but not a JSON number; 2.0 is not a JSON integer.
        return (
            isinstance(value, int) and not isinstance(value, bool) and self.minimum <= value <= self.maximum
        )


OFFLINE = "offline"
ONLINE = "online"

KEYS: tuple[InputKey, ...] = (
    InputKey(
        "mode",
        InputType.CHOICE,
        OFFLINE,
        "offline: intake paused for the whole migration; online: the legacy backend keeps serving while "
        "the records are copied and its changes captured, intake paused only for the cut-over",
        choices=(OFFLINE, ONLINE),
    ),
    InputKey(
        "dry_run",
        InputType.BOOLEAN,
        False,
        "count what would move and what is ineligible or invalid; change nothing, pause nothing",
    ),
    InputKey("segments", InputType.INTEGER, 4, "parallel scan segments", 1, MAX_SEGMENTS),
    InputKey(
        "backup", InputType.BOOLEAN, False, "on-demand backup of the legacy table before anything moves"
    ),
    InputKey("poll_interval_seconds", InputType.INTEGER, 30, "every wait loop", 1, 3600),
    InputKey(
        "empty_readings_required",
        InputType.INTEGER,
        3,
        "consecutive zero readings before a queue counts as empty",
        1,
        100,
    ),
    InputKey(
        "pause_timeout_seconds", InputType.INTEGER, 300, "the pause rolls back after this", 0, MAX_SECONDS
    ),
    InputKey(
        "migration_timeout_seconds",
        InputType.INTEGER,
        7200,
        "the migration queue must be empty within this, or it rolls back",
        0,
        MAX_SECONDS,
    ),
    InputKey(
        "drain_timeout_seconds",
        InputType.INTEGER,
        3600,
        "the intake queue must drain within this after the cut-over",
        0,
        MAX_SECONDS,
    ),
    InputKey(
        "force",
        InputType.BOOLEAN,
        False,
        "migrate again after a cut-over (the new backend keeps serving; legacy is never re-enabled)",
    ),
    InputKey(
        "gate_timeout_seconds",
        InputType.INTEGER,
        86400,
        "the gate waits this long for a decision, then rolls back",
        1,
        MAX_SECONDS,
    ),
)
KEYS_BY_NAME: Mapping[str, InputKey] = {key.name: key for key in KEYS}
DEFAULTS: Mapping[str, bool | int | str] = {key.name: key.default for key in KEYS}
DEFAULT_SEGMENTS = int(KEYS_BY_NAME["segments"].default)


class InvalidExecutionInput(ValueError):
    """The input has an unknown key or a value of the wrong type or out of range; the message names it."""

    def __init__(self, key: str, message: str) -> None:
        super().__init__(message)
        self.key = key


def unknown_key_message(key: str) -> str:
    return f"{key} is not an execution input key (known: {', '.join(DEFAULTS)})"


def check_execution_input(document: Mapping[str, Any]) -> dict[str, Any]:
    """The full configuration (defaults merged with ``document``), as the state machine's Setup builds it.

    Raises InvalidExecutionInput for the first key (in the order of KEYS; unknown keys first) that Setup
    would refuse.
    """
    for key in document:
        if key not in KEYS_BY_NAME:
            raise InvalidExecutionInput(key, unknown_key_message(key))
    config = {**DEFAULTS, **document}
    for key in KEYS:
        if not key.accepts(config[key.name]):
            raise InvalidExecutionInput(key.name, key.error_message)
    return config
