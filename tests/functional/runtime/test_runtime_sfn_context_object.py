"""The context object as AWS fills it: `$$.Execution.StartTime` is ISO 8601 text a task can pass on."""

from __future__ import annotations

import json
import re

from sfn_helpers import run

from embedded_aws.moto_internals.sfn_context_object import aws_timestamp


def test_execution_start_time_is_iso_text_that_a_state_can_pass_on(aws, role_arn) -> None:
    # GIVEN a state that formats the start time into a string (a DynamoDB item would need exactly this)
    definition = {
        "StartAt": "Stamp",
        "States": {
            "Stamp": {
                "Type": "Pass",
                "Parameters": {
                    "started.$": "$$.Execution.StartTime",
                    "text.$": "States.Format('at {}', $$.Execution.StartTime)",
                },
                "End": True,
            }
        },
    }

    # WHEN it runs
    described = run(aws, role_arn, definition)

    # THEN it succeeds with AWS's format: UTC, milliseconds, Z
    assert described["status"] == "SUCCEEDED", described
    document = json.loads(described["output"])
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", document["started"])
    assert document["text"] == f"at {document['started']}"


def test_aws_timestamp_is_utc_with_milliseconds():
    from datetime import datetime, timedelta, timezone

    # GIVEN a moment in another offset / WHEN formatted / THEN it is the same instant in UTC
    moment = datetime(2026, 12, 1, 20, 14, 13, 192_999, tzinfo=timezone(timedelta(hours=2)))
    assert aws_timestamp(moment) == "2026-12-01T18:14:13.192Z"
