"""The offline bug of issue 12, end to end: applications resubmitted through the intake with a changed
``submitted_at`` while an offline migration runs each end with exactly one item, the resubmitted one."""

from __future__ import annotations

import json
import random
from pathlib import Path

from demo_data.onboarding_records import valid_record
from embedded_aws.local_stack import LocalStack
from migration_cli.local_run import run_on_stack
from migration_cli.stack_data import scan_items
from migration_cli.stack_outputs import StackOutputs
from migration_runtime.application_writes import is_pointer_item
from tests.e2e.e2e_support import assert_invariants_hold, e2e_options

RECORDS = 200
RESUBMITTED = 24
NEW_SUBMITTED_AT = "2026-11-30T12:00:00+00:00"


def test_resubmissions_that_move_the_key_leave_one_item_each_and_validation_is_clean(
    deployed_stack: LocalStack, tmp_path: Path
) -> None:
    # GIVEN 200 valid legacy records, and 24 of them resubmitted through the intake with a new submitted_at
    legacy = [
        valid_record(
            random.Random(index),
            application_id=f"app-{index:04d}",
            customer_id=f"cus-{index}",
            status="APPROVED",
        )
        for index in range(RECORDS)
    ]
    resubmitted = [{**record, "submitted_at": NEW_SUBMITTED_AT} for record in legacy[:RESUBMITTED]]
    legacy_file, intake_file = tmp_path / "legacy.jsonl", tmp_path / "intake.jsonl"
    legacy_file.write_text("".join(json.dumps(record) + "\n" for record in legacy), encoding="utf-8")
    intake_file.write_text("".join(json.dumps(record) + "\n" for record in resubmitted), encoding="utf-8")

    # WHEN an offline migration runs while they wait in the intake queue
    result = run_on_stack(deployed_stack, e2e_options(legacy_file=legacy_file, intake_file=intake_file))

    # THEN it succeeds with a clean validation, and every intake message was delivered
    report = result.report
    assert report["status"] == "SUCCEEDED"
    assert report["validation"]["clean"] is True
    assert report["counts"]["intake_delivered"] == RESUBMITTED
    assert_invariants_hold(result)
    # AND each application has exactly one item: the resubmitted one for those resubmitted
    outputs = StackOutputs.from_mapping(deployed_stack.outputs)
    items = list(scan_items(deployed_stack.aws.client("dynamodb"), outputs.new_table_name))
    onboarding = [item for item in items if not is_pointer_item(item)]
    per_application: dict[str, list[dict]] = {}
    for item in onboarding:
        per_application.setdefault(item["application_id"], []).append(item)
    assert len(per_application) == RECORDS
    assert all(len(found) == 1 for found in per_application.values())
    for record in resubmitted:
        [item] = per_application[record["application_id"]]
        assert (item["source"], item["submitted_at"]) == ("intake", "2026-11-30T12:00:00.000000Z")
