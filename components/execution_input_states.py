"""The Setup states of the migration state machine, generated from ``migration_runtime/execution_input.py``.

The definition file holds these states verbatim (it stays a readable, complete ASL document); a test
checks they equal what ``setup_states()`` generates, so the module is the one source of truth. After a
change to the module, rewrite them (and the definition's other generated states, the waits of
``statemachines/wait_phase_states.py``) with::

    venv/bin/python -m statemachines.regenerate

What Setup does, in JSONPath (no JSONata needed): merge the input over the defaults; count the merged
keys (``$.config.*``) so an unknown key is refused; check each key's JSON type (``IsBoolean``,
``IsNumeric``, ``IsString``); then, with types known, each choice's value, each integer's text
(``States.Format``: a fraction or exponent shows as ``.``/``e``) and range. A refusal is a Fail state per
key: ``Migration.InvalidInput`` with a cause naming the key and what it must be, before anything is paused.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from migration_runtime.execution_input import (
    DEFAULTS,
    INVALID_INPUT_ERROR,
    KEYS,
    InputKey,
    InputType,
)

FIRST_STATE = "SetupDefaults"
NEXT_STATE = "SetupState"  # the first state after the checks, kept by hand in the definition
UNKNOWN_KEY_STATE = "SetupUnknownKey"
_NOTHING_CHANGED = " Nothing was paused or changed."


def invalid_state_name(key: InputKey) -> str:
    return "SetupInvalid" + "".join(part.capitalize() for part in key.name.split("_"))


_TYPE_TESTS = {InputType.BOOLEAN: "IsBoolean", InputType.INTEGER: "IsNumeric", InputType.CHOICE: "IsString"}


def _type_rule(key: InputKey) -> dict[str, Any]:
    test = _TYPE_TESTS[key.type]
    return {"Not": {"Variable": f"$.config.{key.name}", test: True}, "Next": invalid_state_name(key)}


def _choice_rule(key: InputKey) -> dict[str, Any]:
    value = f"$.config.{key.name}"
    return {
        "Not": {"Or": [{"Variable": value, "StringEquals": choice} for choice in key.choices]},
        "Next": invalid_state_name(key),
    }


def _integer_rule(key: InputKey) -> dict[str, Any]:
    text = f"$.integer_text.{key.name}"
    value = f"$.config.{key.name}"
    return {
        "Or": [
            {"Variable": text, "StringMatches": "*.*"},
            {"Variable": text, "StringMatches": "*e*"},
            {"Variable": text, "StringMatches": "*E*"},
            {"Variable": value, "NumericLessThan": key.minimum},
            {"Variable": value, "NumericGreaterThan": key.maximum},
        ],
        "Next": invalid_state_name(key),
    }


def setup_states() -> dict[str, dict[str, Any]]:
    """Every Setup state from the start of the definition up to (not including) NEXT_STATE."""
    integers = [key for key in KEYS if key.type is InputType.INTEGER]
    states: dict[str, dict[str, Any]] = {
        FIRST_STATE: {
            "Type": "Pass",
            "Comment": "Generated from migration_runtime/execution_input.py "
            "(components/execution_input_states.py): "
            "the defaults, overridden by any key of the execution input.",
            "Parameters": {"defaults": dict(DEFAULTS), "input.$": "$"},
            "Next": "SetupMergeInput",
        },
        "SetupMergeInput": {
            "Type": "Pass",
            "Parameters": {"config.$": "States.JsonMerge($.defaults, $.input, false)"},
            "Next": "SetupListInputValues",
        },
        "SetupListInputValues": {
            "Type": "Pass",
            "Comment": "The merged keys' values: more than the known keys means an unknown key.",
            "Parameters": {"config.$": "$.config", "values.$": "$.config.*"},
            "Next": "SetupCountInputKeys",
        },
        "SetupCountInputKeys": {
            "Type": "Pass",
            "Parameters": {"config.$": "$.config", "key_count.$": "States.ArrayLength($.values)"},
            "Next": "SetupCheckKeysAndTypes",
        },
        "SetupCheckKeysAndTypes": {
            "Type": "Choice",
            "Comment": "Reject a bad input before anything is paused (a type error later would stop the "
            "execution with States.Runtime, which no Catch can turn into a rollback).",
            "Choices": [
                {"Variable": "$.key_count", "NumericGreaterThan": len(KEYS), "Next": UNKNOWN_KEY_STATE},
                *(_type_rule(key) for key in KEYS),
            ],
            "Default": "SetupFormatIntegers",
        },
        "SetupFormatIntegers": {
            "Type": "Pass",
            "Comment": "Numbers as text: a fraction or an exponent is not an integer.",
            "Parameters": {
                "config.$": "$.config",
                "integer_text": {
                    f"{key.name}.$": f"States.Format('{{}}', $.config.{key.name})" for key in integers
                },
            },
            "Next": "SetupCheckRanges",
        },
        "SetupCheckRanges": {
            "Type": "Choice",
            "Choices": [
                *(_choice_rule(key) for key in KEYS if key.type is InputType.CHOICE),
                *(_integer_rule(key) for key in integers),
            ],
            "Default": NEXT_STATE,
        },
        UNKNOWN_KEY_STATE: {
            "Type": "Fail",
            "Error": INVALID_INPUT_ERROR,
            "Cause": f"The execution input has an unknown key; the known keys are {', '.join(DEFAULTS)}."
            + _NOTHING_CHANGED,
        },
    }
    for key in KEYS:
        states[invalid_state_name(key)] = {
            "Type": "Fail",
            "Error": INVALID_INPUT_ERROR,
            "Cause": f"{key.error_message}.{_NOTHING_CHANGED}",
        }
    return states


def with_setup_states(definition: Mapping[str, Any]) -> dict[str, Any]:
    """The definition with its Setup states replaced by the generated ones (in place, first)."""
    generated = setup_states()
    old = definition["States"]
    rest = {name: state for name, state in old.items() if not _is_setup_state(name, generated)}
    return {**definition, "StartAt": FIRST_STATE, "States": {**generated, **rest}}


def _is_setup_state(name: str, generated: Mapping[str, Any]) -> bool:
    # Also drops Setup states an earlier generation had and this one no longer has.
    return name in generated or (name.startswith("SetupInvalid") or name == "SetupCheckInput")


def main() -> None:
    # One command regenerates every generated part of the definition (Setup and the waits).
    from statemachines.regenerate import main as regenerate

    regenerate()


if __name__ == "__main__":
    main()
