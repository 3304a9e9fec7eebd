"""The execution input schema: every key's type and range, shared by the state machine and the functions."""

from __future__ import annotations

from typing import Any

import pytest

from functions.validate_migration.handler import ValidateRequest
from migration_runtime.execution_input import (
    DEFAULTS,
    KEYS,
    MAX_SEGMENTS,
    InvalidExecutionInput,
    check_execution_input,
)


def test_an_empty_input_is_the_defaults() -> None:
    assert check_execution_input({}) == dict(DEFAULTS)
    assert DEFAULTS["dry_run"] is False and DEFAULTS["segments"] == 4


@pytest.mark.parametrize(
    ("document", "key", "message"),
    [
        ({"dry_run": "yes"}, "dry_run", "dry_run must be a boolean (true or false)"),
        ({"dry_run": 1}, "dry_run", "dry_run must be a boolean (true or false)"),
        ({"backup": None}, "backup", "backup must be a boolean (true or false)"),
        ({"segments": 0}, "segments", "segments must be an integer from 1 to 64"),
        ({"segments": 65}, "segments", "segments must be an integer from 1 to 64"),
        ({"segments": 1.5}, "segments", "segments must be an integer from 1 to 64"),
        ({"segments": 4.0}, "segments", "segments must be an integer from 1 to 64"),
        ({"segments": "4"}, "segments", "segments must be an integer from 1 to 64"),
        ({"segments": True}, "segments", "segments must be an integer from 1 to 64"),
        ({"poll_interval_seconds": 0}, "poll_interval_seconds", "poll_interval_seconds must be an integer"),
        ({"drain_timeout_seconds": -1}, "drain_timeout_seconds", "drain_timeout_seconds must be an integer"),
        ({"gate_timeout_seconds": 0}, "gate_timeout_seconds", "gate_timeout_seconds must be an integer"),
        ({"colour": "blue"}, "colour", "colour is not an execution input key"),
    ],
)
def test_each_invalid_value_is_refused_naming_its_key(
    document: dict[str, Any], key: str, message: str
) -> None:
    with pytest.raises(InvalidExecutionInput) as refused:
        check_execution_input(document)
    assert refused.value.key == key
    assert str(refused.value).startswith(message)


def test_each_key_accepts_its_bounds_and_refuses_one_past_them() -> None:
    for key in KEYS:
        if key.type.value == "boolean":
            assert check_execution_input({key.name: True})[key.name] is True
            continue
        if key.type.value == "choice":
            for choice in key.choices:
                assert check_execution_input({key.name: choice})[key.name] == choice
            for outside in ("", key.choices[0].upper(), 1, None, True):
                with pytest.raises(InvalidExecutionInput):
                    check_execution_input({key.name: outside})
            continue
        assert check_execution_input({key.name: key.minimum})[key.name] == key.minimum
        assert check_execution_input({key.name: key.maximum})[key.name] == key.maximum
        for outside in (key.minimum - 1, key.maximum + 1):
            with pytest.raises(InvalidExecutionInput):
                check_execution_input({key.name: outside})


def test_validate_migration_takes_exactly_the_segments_the_state_machine_lets_through() -> None:
    # THEN the function's request model and the input schema share one limit
    assert ValidateRequest.model_validate({"segments": MAX_SEGMENTS}).segments == MAX_SEGMENTS
    with pytest.raises(ValueError):
        ValidateRequest.model_validate({"segments": MAX_SEGMENTS + 1})
