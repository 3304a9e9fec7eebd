"""Full local migrations: the real stack, functions and state machine on the embedded runtime.

Each test is one `local run` (or several executions on one deployed stack) with small data; expectations
come from the synthetic data's own labels (kind, invalid field), never from hard-coded counts.
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

from demo_data.onboarding_records import (
    RecordKind,
    valid_record,
)
from embedded_aws.local_stack import LocalStack
from migration_cli.local_run import run_on_stack
from migration_cli.stack_data import scan_items
from migration_cli.stack_outputs import StackOutputs
from migration_runtime.migration_ledger import ledger_scan_arguments
from tests.e2e.e2e_support import E2E_OPTIONS, assert_invariants_hold, e2e_options, ids_of, labelled


def test_transient_failures_are_retried_until_everything_migrates(deployed_stack: LocalStack) -> None:
    # GIVEN half of the first write attempts failing transiently
    records = labelled()

    result = run_on_stack(deployed_stack, e2e_options(fail_transient=0.5, intake=0))

    # THEN everything eligible still migrated and nothing was dead-lettered
    report = result.report
    assert report["status"] == "SUCCEEDED"
    assert_invariants_hold(result)
    assert report["counts"]["migrated"] == len(ids_of(records, RecordKind.ELIGIBLE_VALID))
    assert report["counts"]["dead_lettered"] == 0
    assert report["dead_lettered"] == []
    assert report["gate_decisions"] == []


def permanent_failures(count: int = 3) -> tuple[str, ...]:
    return tuple(ids_of(labelled(), RecordKind.ELIGIBLE_VALID)[:count])


def test_permanent_failures_redriven_after_the_fault_is_lifted_all_migrate(
    deployed_stack: LocalStack,
) -> None:
    failing = permanent_failures()

    result = run_on_stack(deployed_stack, e2e_options(fail_permanent=failing, gate="redrive", intake=10))

    report = result.report
    assert report["status"] == "SUCCEEDED"
    assert_invariants_hold(result)
    assert report["gate_decisions"] == ["redrive"]
    assert report["validation"]["runs"] == 2 and report["validation"]["clean"] is True
    assert report["counts"]["dead_lettered"] == 0
    assert report["counts"]["migrated"] == len(ids_of(labelled(), RecordKind.ELIGIBLE_VALID))


def test_permanent_failures_accepted_cut_over_with_exactly_those_dead_lettered(
    deployed_stack: LocalStack,
) -> None:
    failing = permanent_failures()

    result = run_on_stack(deployed_stack, e2e_options(fail_permanent=failing, gate="accept", intake=10))

    report = result.report
    assert report["status"] == "SUCCEEDED"
    assert report["cut_over"] is True
    assert_invariants_hold(result)
    assert report["gate_decisions"] == ["accept"]
    assert sorted(entry["application_id"] for entry in report["dead_lettered"]) == sorted(failing)
    assert all("InjectedPermanentFault" in entry["reason"] for entry in report["dead_lettered"])
    assert report["counts"]["dead_lettered"] == len(failing)
    assert report["counts"]["migrated"] == len(ids_of(labelled(), RecordKind.ELIGIBLE_VALID)) - len(failing)


def test_permanent_failures_aborted_roll_back_and_the_legacy_consumer_serves_again(
    deployed_stack: LocalStack,
) -> None:
    failing = permanent_failures(2)

    result = run_on_stack(deployed_stack, e2e_options(fail_permanent=failing, gate="abort", intake=10))

    report = result.report
    assert report["status"] == "ROLLED_BACK"
    assert report["cause"].startswith("Migration.Aborted")
    assert result.exit_code == 1
    assert_invariants_hold(result)
    names = [entry["name"] for entry in report["invariants"]]
    assert "legacy_serving_again" in names
    # The intake messages that waited during the pause went to the legacy backend after the rollback.
    assert report["counts"]["intake_delivered"] == 0
    assert sorted(entry["application_id"] for entry in report["dead_lettered"]) == sorted(failing)


def test_invalid_records_and_malformed_intake_from_files_each_have_their_reason(
    deployed_stack: LocalStack, tmp_path: Path
) -> None:
    # GIVEN a legacy file and an intake file written by hand around one valid record shape
    def record(application_id: str, status: str = "APPROVED", **changes: Any) -> dict[str, Any]:
        document = valid_record(
            random.Random(application_id), application_id=application_id, customer_id="cus-1", status=status
        )
        for path, value in changes.items():
            *parents, leaf = path.split("__")
            target = document
            for parent in parents:
                target = target[parent]
            target[leaf] = value
        return document

    legacy = [
        record("ok-1", loyalty_tier="gold"),
        record("ok-2", status="PENDING_REVIEW"),
        record("draft-1", status="DRAFT"),
        record("bad-tax", business__tax_id="12-34"),
        record("bad-country", address__country="MX"),
        record("bad-version", product__plan_version=0),
    ]
    legacy_file = tmp_path / "legacy.jsonl"
    legacy_file.write_text("".join(json.dumps(item) + "\n" for item in legacy), encoding="utf-8")
    intake_lines = [
        "this is not json",
        json.dumps([1, 2, 3]),
        json.dumps({"status": "APPROVED"}),
        json.dumps(record("intake-ok")),
        json.dumps(record("intake-bad-phone", contact__phone="555 0100")),
    ]
    intake_file = tmp_path / "intake.jsonl"
    intake_file.write_text("\n".join(intake_lines) + "\n", encoding="utf-8")

    # WHEN they are migrated
    result = run_on_stack(
        deployed_stack, e2e_options(legacy_file=legacy_file, intake_file=intake_file, export_dir=tmp_path)
    )

    # THEN each invalid record and message is reported with a reason naming its field, and nothing is lost
    report = result.report
    assert report["status"] == "SUCCEEDED"
    assert_invariants_hold(result)
    assert report["counts"]["migrated"] == 2
    assert report["counts"]["ineligible"] == 1
    rejected = {entry["application_id"]: entry["reason"] for entry in report["rejected"]}
    assert sorted(rejected) == ["bad-country", "bad-tax", "bad-version"]
    assert rejected["bad-tax"].startswith("business.tax_id")
    assert rejected["bad-country"].startswith("address.country")
    assert rejected["bad-version"].startswith("product.plan_version")
    intake_rejected = report["intake_rejected"]
    assert len(intake_rejected) == 4
    assert any(
        entry["application_id"] == "intake-bad-phone" and "contact.phone" in entry["reason"]
        for entry in intake_rejected
    )
    assert report["counts"]["intake_delivered"] == 1
    # No personal data in the reasons: they name fields, never values.
    for entry in [*report["rejected"], *intake_rejected]:
        assert "555 0100" not in entry["reason"] and "MX" not in entry["reason"]
    # Unknown fields survive the migration.
    new_items = [json.loads(line) for line in (tmp_path / "new_table.jsonl").read_text().splitlines()]
    ok_1 = next(item for item in new_items if item.get("application_id") == "ok-1" and "extra" in item)
    assert ok_1["extra"] == {"loyalty_tier": "gold"}


def _new_table(stack: LocalStack) -> list[dict[str, Any]]:
    outputs = StackOutputs.from_mapping(stack.outputs)
    items = scan_items(stack.aws.client("dynamodb"), outputs.new_table_name)
    return sorted(items, key=lambda item: (item["pk"], item["sk"]))


def _ledger(stack: LocalStack) -> list[dict[str, Any]]:
    """The ledger's items in the control table (run control's own items left out)."""
    outputs = StackOutputs.from_mapping(stack.outputs)
    items = scan_items(stack.aws.client("dynamodb"), outputs.control_table_name, **ledger_scan_arguments())
    return sorted(items, key=lambda item: (item["pk"], item["sk"]))


def test_dry_run_changes_nothing_and_a_rerun_over_migrated_data_changes_nothing(
    deployed_stack: LocalStack,
) -> None:
    records = [item.record for item in labelled()]
    valid = len(ids_of(labelled(), RecordKind.ELIGIBLE_VALID))

    # WHEN a dry run goes first
    dry = run_on_stack(deployed_stack, e2e_options(dry_run=True), records=records, bodies=[])

    # THEN it counted what would move and changed nothing
    assert dry.report["status"] == "SUCCEEDED" and dry.report["dry_run"] is True
    assert_invariants_hold(dry)
    assert [entry["name"] for entry in dry.report["invariants"]] == ["dry_run_changed_nothing"]
    assert dry.report["counts"]["would_migrate"] == valid
    assert _new_table(deployed_stack) == []

    # WHEN the migration runs, and then runs again over the migrated data (forced: the new backend serves)
    first = run_on_stack(deployed_stack, E2E_OPTIONS, records=records, bodies=[])
    after_first = _new_table(deployed_stack)
    ledger_after_first = _ledger(deployed_stack)
    second = run_on_stack(deployed_stack, e2e_options(force=True), records=records, bodies=[])

    # THEN the second run succeeded, found the same, wrote nothing new and changed nothing
    assert first.report["status"] == second.report["status"] == "SUCCEEDED"
    outputs = StackOutputs.from_mapping(deployed_stack.outputs)
    mappings = deployed_stack.aws.client("lambda")
    assert mappings.get_event_source_mapping(UUID=outputs.legacy_mapping_uuid)["State"] == "Disabled"
    assert mappings.get_event_source_mapping(UUID=outputs.new_mapping_uuid)["State"] == "Enabled"
    assert_invariants_hold(second)
    assert second.report["counts"]["migrated"] == first.report["counts"]["migrated"] == valid
    after_second = _new_table(deployed_stack)
    # The new service's table holds onboarding items and their pointers only, the same after both runs
    onboarding = [item for item in after_second if item["pk"].startswith("CUSTOMER#")]
    pointers = [item for item in after_second if item["pk"].startswith("APPLICATION#")]
    assert len(onboarding) + len(pointers) == len(after_second)
    assert after_second == after_first
    assert len(onboarding) == len(pointers) == valid
    # Ledger (control table): same records, same reasons (a REJECTED entry is rewritten with a new `at`
    # on redelivery), one REJECTED per invalid record
    ledger_after_second = _ledger(deployed_stack)
    assert [without_time(item) for item in ledger_after_second] == [
        without_time(item) for item in ledger_after_first
    ]
    assert sorted(
        item["application_id"] for item in ledger_after_second if item["sk"] == "REJECTED"
    ) == sorted(ids_of(labelled(), RecordKind.ELIGIBLE_INVALID))


def without_time(item: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in item.items() if key != "at"}
