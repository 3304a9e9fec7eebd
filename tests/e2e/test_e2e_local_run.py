"""The whole `local run` path in one go: deploy, load, migrate with intake arriving, report, export.

Its own module (and emulator): the other end-to-end tests share one deployment, and moto allows one
emulator per process at a time.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from demo_data.onboarding_records import IntakeKind, RecordKind, synthetic_intake_messages
from migration_cli.local_run import run_local_migration
from migration_runtime.settings import DEFAULT_RECORDS_PER_MESSAGE
from tests.e2e.e2e_support import E2E_OPTIONS, assert_invariants_hold, e2e_options, ids_of, labelled


def test_clean_run_migrates_the_synthetic_mix_and_reports_every_outcome(tmp_path: Path) -> None:
    # GIVEN the synthetic mix (eligible, ineligible, invalid records; valid and malformed intake messages)
    records = labelled()
    intake = synthetic_intake_messages(E2E_OPTIONS.intake, seed=E2E_OPTIONS.seed)

    # WHEN a whole local run happens, exporting the data
    result = run_local_migration(e2e_options(export_dir=tmp_path, backup=True))
    report = result.report

    # THEN it succeeded and each record ended where its label says, with its reason
    assert report["status"] == "SUCCEEDED"
    assert result.exit_code == 0
    assert_invariants_hold(result)
    counts = report["counts"]
    assert counts["legacy"] == len(records)
    assert counts["migrated"] == len(ids_of(records, RecordKind.ELIGIBLE_VALID))
    assert counts["ineligible"] == len(ids_of(records, RecordKind.INELIGIBLE))
    assert counts["rejected"] == len(ids_of(records, RecordKind.ELIGIBLE_INVALID)) > 0
    assert counts["dead_lettered"] == 0
    reasons = {entry["application_id"]: entry["reason"] for entry in report["rejected"]}
    for item in records:
        if item.kind is RecordKind.ELIGIBLE_INVALID:
            assert item.invalid_field is not None
            assert reasons[item.record["application_id"]].startswith(item.invalid_field.split(".")[0])

    # ... every intake message was delivered to the new backend or rejected with its reason
    malformed = [message for message in intake if message.kind is not IntakeKind.RECORD]
    invalid = [m for m in intake if m.record is not None and m.record.kind is not RecordKind.ELIGIBLE_VALID]
    invalid = [m for m in invalid if m.record is not None and m.record.invalid_field]
    assert counts["intake_received"] == len(intake)
    assert counts["intake_rejected"] == len(malformed) + len(invalid) > 0
    assert counts["intake_delivered"] == len(intake) - counts["intake_rejected"]
    assert all(entry["reason"] for entry in report["intake_rejected"])
    assert Counter(entry["application_id"] is None for entry in report["intake_rejected"])[True] >= 1

    # ... with the requests counted at the emulator, the time taken and the backup taken
    assert set(report["requests"]) == {"sqs", "lambda", "dynamodb", "states"}
    assert report["requests"]["dynamodb"] >= counts["migrated"]
    # ... and the function invocations, which queue mappings and state machine tasks make without a request
    invocations = report["lambda_invocations"]
    # batches of at most 10 messages, each of at most recordsPerMessage records
    assert invocations["event-source-mapping"] >= counts["migrated"] / (10 * DEFAULT_RECORDS_PER_MESSAGE)
    assert invocations["sfn"] >= 2  # at least one enqueue call and one validation
    assert invocations["total"] == invocations["event-source-mapping"] + invocations["sfn"]
    assert report["duration_seconds"] > 0
    assert report["backup_arn"]

    # ... and the export holds every item and message
    exported = {path.name: path.read_text(encoding="utf-8").splitlines() for path in tmp_path.iterdir()}
    assert sorted(exported) == [
        "intake_dlq.jsonl",
        "ledger.jsonl",
        "legacy_table.jsonl",
        "migration_dlq.jsonl",
        "new_table.jsonl",
    ]
    assert len(exported["legacy_table.jsonl"]) == len(records)
    assert len(exported["intake_dlq.jsonl"]) == counts["intake_rejected"]
    assert exported["migration_dlq.jsonl"] == []
    new_items = [json.loads(line) for line in exported["new_table.jsonl"]]
    onboarding = [item for item in new_items if item["pk"].startswith("CUSTOMER#")]
    pointers = [item for item in new_items if item["pk"].startswith("APPLICATION#")]
    # the migration's bookkeeping is not in the new service's table: its items, and each application's
    # pointer to its current item (the new service's own way to find it by id)
    assert len(onboarding) + len(pointers) == len(new_items)
    assert {item["item_sk"] for item in pointers if item["fate"] == "live"} == {
        item["sk"] for item in onboarding
    }
    assert len(onboarding) == counts["migrated"] + counts["intake_delivered"]
    ledger = [json.loads(line) for line in exported["ledger.jsonl"]]
    assert sorted((item["application_id"], item["sk"]) for item in ledger) == sorted(
        (application_id, "REJECTED") for application_id in reasons
    )
    migrated = next(item for item in onboarding if item["source"] == "migration")
    assert migrated["sk"].startswith("ONBOARDING#") and migrated["sk"].endswith(
        "#" + migrated["application_id"]
    )
