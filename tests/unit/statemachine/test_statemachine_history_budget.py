"""The worst-case history calculator on small definitions whose event counts are known by hand."""

from __future__ import annotations

import pytest

from statemachines.history_budget import MapBound, UnboundedLoop, literal_of, worst_case_events


def _pass(next_state: str | None = None) -> dict:
    return {"Type": "Pass", "Next": next_state} if next_state else {"Type": "Pass", "End": True}


def test_a_straight_line_counts_each_state_and_the_execution():
    # GIVEN Pass -> Task -> Succeed
    definition = {
        "StartAt": "A",
        "States": {
            "A": _pass("B"),
            "B": {"Type": "Task", "Resource": "arn:aws:lambda:x", "Next": "C"},
            "C": {"Type": "Succeed"},
        },
    }
    # WHEN / THEN 2 + 5 + 2 + the execution's start and end
    assert worst_case_events(definition, loop_bounds={}) == 11


def test_retries_and_sync_tasks_add_their_events():
    # GIVEN a .sync:2 task with two retriers of 3 and 2 attempts
    definition = {
        "StartAt": "T",
        "States": {
            "T": {
                "Type": "Task",
                "Resource": "arn:aws:states:::states:startExecution.sync:2",
                "Retry": [{"ErrorEquals": ["A"], "MaxAttempts": 3}, {"ErrorEquals": ["B"], "MaxAttempts": 2}],
                "End": True,
            }
        },
    }
    # WHEN / THEN 5 + 1 (submitted) + 5 retries x 4 + 2
    assert worst_case_events(definition, loop_bounds={}) == 28


def test_a_choice_takes_its_heaviest_branch():
    # GIVEN a choice between a cheap and an expensive branch
    definition = {
        "StartAt": "C",
        "States": {
            "C": {
                "Type": "Choice",
                "Choices": [{"Variable": "$.x", "IsPresent": True, "Next": "Heavy"}],
                "Default": "Light",
            },
            "Heavy": {"Type": "Task", "Resource": "arn:aws:lambda:x", "Next": "Light"},
            "Light": _pass(),
        },
    }
    # WHEN / THEN C 2 + Heavy 5 + Light 2 + 2
    assert worst_case_events(definition, loop_bounds={}) == 11


def test_a_loop_without_a_bound_is_refused():
    # GIVEN a loop
    definition = {
        "StartAt": "A",
        "States": {
            "A": _pass("B"),
            "B": {
                "Type": "Choice",
                "Choices": [{"Variable": "$.x", "IsPresent": True, "Next": "A"}],
                "Default": "E",
            },
            "E": _pass(),
        },
    }
    # WHEN / THEN
    with pytest.raises(UnboundedLoop, match="A"):
        worst_case_events(definition, loop_bounds={})


def test_nested_loops_multiply():
    # GIVEN an outer loop (header O) around an inner loop (header I)
    definition = {
        "StartAt": "O",
        "States": {
            "O": _pass("I"),
            "I": _pass("InnerAgain"),
            "InnerAgain": {
                "Type": "Choice",
                "Choices": [{"Variable": "$.i", "IsPresent": True, "Next": "I"}],
                "Default": "OuterAgain",
            },
            "OuterAgain": {
                "Type": "Choice",
                "Choices": [{"Variable": "$.o", "IsPresent": True, "Next": "O"}],
                "Default": "End",
            },
            "End": _pass(),
        },
    }
    # WHEN the inner loop runs at most 10 times per outer iteration and the outer loop 3 times
    events = worst_case_events(definition, loop_bounds={"I": 10, "O": 3})

    # THEN each outer iteration is O (2) + 10 x (I + InnerAgain = 4) + OuterAgain (2) = 44; x 3; + End 2 + 2
    assert events == 3 * 44 + 2 + 2


def test_a_map_counts_every_item_and_its_iteration_events():
    # GIVEN a Map of at most 4 items, each a Task
    definition = {
        "StartAt": "M",
        "States": {
            "M": {
                "Type": "Map",
                "ItemProcessor": {
                    "StartAt": "T",
                    "States": {"T": {"Type": "Task", "Resource": "arn:aws:lambda:x", "End": True}},
                },
                "End": True,
            }
        },
    }
    # WHEN / THEN 4 + 4 x (2 + 5) + 2
    assert worst_case_events(definition, loop_bounds={}, map_bounds={"M": MapBound(4, {})}) == 34
    with pytest.raises(UnboundedLoop, match="M"):
        worst_case_events(definition, loop_bounds={})


def test_literal_of_reads_the_bound_a_counter_is_compared_with():
    # GIVEN a counter check
    definition = {
        "States": {
            "Check": {
                "Type": "Choice",
                "Choices": [{"Or": [{"Variable": "$.n", "NumericGreaterThanEquals": 7}]}],
            }
        }
    }
    # WHEN / THEN
    assert literal_of(definition, "Check", "NumericGreaterThanEquals") == 7
