"""Reference paths through a literal index select one value, as on AWS (Choice rules compare it)."""

from __future__ import annotations

import json

import pytest
from sfn_helpers import run

from embedded_aws.moto_internals.sfn_json_path import is_definite


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        ({"Variable": "$.tasks[0].Status", "StringEquals": "COMPLETED"}, "SUCCEEDED"),
        ({"Variable": "$.tasks[0].Status", "StringEquals": "RUNNING"}, "FAILED"),
        ({"Variable": "$.tasks[1].moved", "NumericEquals": 2}, "SUCCEEDED"),
        ({"Variable": "$.tasks[1].done", "BooleanEquals": True}, "SUCCEEDED"),
    ],
)
def test_a_choice_compares_the_value_behind_an_index(aws, role_arn, rule: dict, expected: str) -> None:
    # GIVEN a Choice comparing a field of an array element (a ListMessageMoveTasks result, say)
    definition = {
        "StartAt": "Check",
        "States": {
            "Check": {"Type": "Choice", "Choices": [{**rule, "Next": "Yes"}], "Default": "No"},
            "Yes": {"Type": "Succeed"},
            "No": {"Type": "Fail", "Error": "No"},
        },
    }
    tasks = [{"Status": "COMPLETED"}, {"moved": 2, "done": True}]

    # WHEN it runs / THEN the comparison sees the value itself, not a one-element list
    assert run(aws, role_arn, definition, {"tasks": tasks})["status"] == expected


def test_parameters_select_the_value_behind_an_index_and_wildcards_still_give_lists(aws, role_arn) -> None:
    # GIVEN a Pass picking one element's field and a wildcard over all of them
    definition = {
        "StartAt": "Pick",
        "States": {
            "Pick": {
                "Type": "Pass",
                "Parameters": {"one.$": "$.tasks[0].Status", "all.$": "$.tasks[*].Status"},
                "End": True,
            }
        },
    }

    # WHEN it runs
    described = run(aws, role_arn, definition, {"tasks": [{"Status": "A"}, {"Status": "B"}]})

    # THEN the definite path is a value, the wildcard a list
    assert described["status"] == "SUCCEEDED"
    assert json.loads(described["output"]) == {"one": "A", "all": ["A", "B"]}


@pytest.mark.parametrize(
    ("path", "definite"),
    [
        ("$", True),
        ("$.a[0].b", True),
        ("$.a[10]", True),
        ("$.a[*].b", False),
        ("$.a[0:2]", False),
        ("$..b", False),
    ],
)
def test_only_names_and_literal_indices_are_definite(path: str, definite: bool) -> None:
    assert is_definite(path) is definite
