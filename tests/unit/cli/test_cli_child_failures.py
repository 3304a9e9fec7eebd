"""A child execution's failure is reported by its own error and cause, not the child's description."""

from __future__ import annotations

import json

from migration_cli.history_events import unwrap_child_failure
from migration_runtime.migration_errors import MigrationError


def test_a_child_failure_is_named_by_the_child_error_and_cause():
    # GIVEN the rollback cause of a parent whose .sync:2 child failed (the child's DescribeExecution)
    child = {
        "ExecutionArn": "arn:x",
        "Status": "FAILED",
        "Error": MigrationError.UNEXPECTED_ENQUEUE_RESULT,
        "Cause": "no counts",
    }
    cause = "States.TaskFailed: " + json.dumps(child)

    # WHEN / THEN
    assert unwrap_child_failure(cause) == "Migration.UnexpectedEnqueueResult: no counts"


def test_nested_children_unwrap_to_the_innermost_failure():
    inner = {"Error": "Lambda.Unknown", "Cause": "out of memory"}
    middle = {"Error": "States.TaskFailed", "Cause": json.dumps(inner)}
    assert unwrap_child_failure("States.TaskFailed: " + json.dumps(middle)) == "Lambda.Unknown: out of memory"


def test_other_causes_are_left_alone():
    for cause in (
        None,
        "",
        "Migration.Aborted: no",
        "States.TaskFailed: not json {",
        'States.TaskFailed: {"no": 1}',
    ):
        assert unwrap_child_failure(cause) == cause
