"""Issue 10's acceptance: thousands of rejections with ~1,000-character reasons end normally, the state
stays small, and the report still lists every one (read from the ledger in the control table).
"""

from __future__ import annotations

import json
import random
from typing import Any

from demo_data.onboarding_records import valid_record
from embedded_aws.local_stack import LocalStack
from migration_cli.local_run import run_on_stack
from migration_cli.stack_outputs import StackOutputs
from migration_runtime.record_validation import MAX_REASON_LENGTH
from tests.e2e.e2e_support import assert_invariants_hold, e2e_options

REJECTED_RECORDS = 5_000
VALID_RECORDS = 5
# 60 steps that are not text: the validator names each element ("steps_completed[7]: must be a string")
# and joins them, so the reason reaches its 1,000-character bound without quoting a value.
BAD_STEPS = list(range(60))


def _records() -> list[dict[str, Any]]:
    rng = random.Random("bounded-state")
    records = []
    for index in range(REJECTED_RECORDS + VALID_RECORDS):
        record = valid_record(
            rng, application_id=f"app-{index:05d}", customer_id=f"cus-{index % 50:03d}", status="APPROVED"
        )
        if index < REJECTED_RECORDS:
            record["steps_completed"] = BAD_STEPS
        records.append(record)
    return records


def _largest_state_payload(stack: LocalStack, execution_arn: str) -> int:
    """Bytes of the largest input or output any event of the execution's history carries."""
    sfn = stack.aws.client("stepfunctions")
    largest = 0
    for page in sfn.get_paginator("get_execution_history").paginate(executionArn=execution_arn):
        for event in page["events"]:
            for name, details in event.items():
                if name.endswith("EventDetails") and isinstance(details, dict):
                    for key in ("input", "output"):
                        largest = max(largest, len(str(details.get(key) or "").encode("utf-8")))
    return largest


def test_5000_rejections_of_1000_characters_end_normally_and_are_all_reported(
    deployed_stack: LocalStack,
) -> None:
    # GIVEN 5,000 eligible records each rejected with a ~1,000-character reason, and a few valid ones
    records = _records()

    # WHEN they are migrated
    result = run_on_stack(deployed_stack, e2e_options(intake=0, segments=4), records=records, bodies=[])

    # THEN the migration ends normally, every record accounted for
    report = result.report
    assert report["status"] == "SUCCEEDED", (report["error"], report["cause"])
    assert_invariants_hold(result)
    assert report["counts"]["migrated"] == VALID_RECORDS
    assert report["counts"]["rejected"] == REJECTED_RECORDS
    # ... the JSON report lists all 5,000, each with its whole reason (naming fields, never a value)
    rejected = {entry["application_id"]: entry["reason"] for entry in report["rejected"]}
    assert sorted(rejected) == [f"app-{index:05d}" for index in range(REJECTED_RECORDS)]
    assert all(
        reason.startswith("steps_completed[0]: must be a string") and len(reason) == MAX_REASON_LENGTH
        for reason in rejected.values()
    )
    assert json.loads(json.dumps(report)) == report
    # ... while the validation result in the state carried counts and a bounded sample only
    validation = report["validation"]
    assert validation["truncated"] is True
    # ... and no state input or output came near the 256 KiB quota (measured: 8,232 bytes at most)
    largest = _largest_state_payload(deployed_stack, report["execution_arn"])
    assert largest < 32 * 1024, largest
    # ... and the new service's table holds the migrated items only
    outputs = StackOutputs.from_mapping(deployed_stack.outputs)
    items = deployed_stack.aws.client("dynamodb").scan(TableName=outputs.new_table_name)["Items"]
    # (each with its application's pointer; a rejected scanned copy writes no pointer)
    assert (
        sorted(item["pk"]["S"].split("#")[0] for item in items)
        == ["APPLICATION"] * VALID_RECORDS + ["CUSTOMER"] * VALID_RECORDS
    )
