"""validate_migration handler with moto: counts, checksums, missing/rejected, intake, DLQ depths."""

from __future__ import annotations

import json

import pytest

from demo_data.onboarding_records import RecordKind, synthetic_records
from functions.enqueue_records import handler as enqueue
from functions.migrate_record import handler as migrate
from functions.onboarding_intake import handler as onboarding_intake
from functions.validate_migration import handler as validate
from migration_runtime import aws_clients
from migration_runtime.bounded_sample import MAX_SAMPLE_ENTRIES, MAX_SAMPLE_TEXT_CHARS
from migration_runtime.dynamodb_codec import to_attribute_map
from migration_runtime.migration_verification import verify_migration
from migration_runtime.validation_result import ValidationResult
from record_mappings.onboarding.mapping import MAPPING


@pytest.fixture
def migrated(stack, lambda_context):
    """A legacy table of synthetic records, migrated end to end: enqueue, then the queue consumed."""
    items = synthetic_records(40, seed=31)
    stack.put_legacy([item.record for item in items])
    result = enqueue.lambda_handler({"segment": 0, "total_segments": 1, "cursor": None}, lambda_context)
    assert result["done"]
    stack.poll_until_empty(
        queue_url=stack.migration_queue_url,
        queue_arn=stack.migration_queue_arn,
        handler=migrate.lambda_handler,
        context=lambda_context,
    )
    return items


def _ids(items, kind: RecordKind) -> set[str]:
    return {item.record["application_id"] for item in items if item.kind is kind}


def stack_target(stack, application_id: str) -> dict:
    [item] = [i for i in stack.new_items() if i.get("application_id") == application_id and "checksum" in i]
    return item


def verify_stack(stack, **options) -> ValidationResult:
    """``verify_migration`` called directly on the test stack's tables and queues."""
    return verify_migration(
        dynamodb=aws_clients.dynamodb(),
        sqs=aws_clients.sqs(),
        legacy_table_name=stack.legacy_table,
        new_table_name=stack.new_table,
        control_table_name=stack.control_table,
        migration_dlq_url=stack.migration_dlq_url,
        intake_dlq_url=stack.intake_dlq_url,
        mapping=MAPPING,
        **options,
    )


def _first_valid(items) -> dict:
    return next(item.record for item in items if item.kind is RecordKind.ELIGIBLE_VALID)


def test_a_complete_migration_validates_clean_with_matching_counts(stack, migrated, lambda_context):
    # GIVEN a completed migration / WHEN validated
    report = validate.lambda_handler({"segments": 3}, lambda_context)

    # THEN it is clean, and every count matches what the generator produced
    valid, invalid = _ids(migrated, RecordKind.ELIGIBLE_VALID), _ids(migrated, RecordKind.ELIGIBLE_INVALID)
    assert report["clean"] is True
    assert report["counts"] == {
        "legacy": len(migrated),
        "eligible": len(valid) + len(invalid),
        "ineligible": len(_ids(migrated, RecordKind.INELIGIBLE)),
        "migrated": len(valid),
        "rejected": len(invalid),
        "missing": 0,
        "checksum_mismatches": 0,
        "superseded_by_intake": 0,
        "migration_dlq_messages": 0,
        "intake_dlq_messages": 0,
        "stale_items": 0,
    }
    assert {entry["application_id"] for entry in report["rejected"]} == invalid
    assert all(entry["reason"] for entry in report["rejected"])
    assert report["missing"] == report["checksum_mismatches"] == []
    assert report["truncated"] is False


def test_a_changed_target_attribute_is_a_checksum_mismatch(stack, migrated, lambda_context):
    # GIVEN one migrated item whose content was changed after the write (checksum attribute untouched)
    item = stack_target(stack, _first_valid(migrated)["application_id"])
    item["contact"]["last_name"] += "-Changed"
    stack.dynamodb.put_item(TableName=stack.new_table, Item=to_attribute_map(item))

    # WHEN validated / THEN exactly that record is reported, and the run is not clean
    report = validate.lambda_handler({}, lambda_context)
    assert report["checksum_mismatches"] == [{"application_id": item["application_id"]}]
    assert report["counts"]["checksum_mismatches"] == 1
    assert report["clean"] is False


def test_a_legacy_record_changed_after_migration_is_a_checksum_mismatch(stack, migrated, lambda_context):
    # GIVEN a legacy record changed after it was migrated
    record = _first_valid(migrated)
    record = json.loads(json.dumps(record))
    record["product"]["plan_version"] += 1
    stack.put_legacy([record])

    # WHEN validated / THEN the recomputed checksum no longer matches the target
    report = validate.lambda_handler({}, lambda_context)
    assert report["checksum_mismatches"] == [{"application_id": record["application_id"]}]


def test_a_missing_target_is_reported_with_the_last_error(stack, migrated, lambda_context):
    # GIVEN one migrated item deleted, with a LAST_ERROR in the ledger, and another without one
    first, second = [item.record for item in migrated if item.kind is RecordKind.ELIGIBLE_VALID][:2]
    for record in (first, second):
        item = stack_target(stack, record["application_id"])
        stack.dynamodb.delete_item(
            TableName=stack.new_table, Key={"pk": {"S": item["pk"]}, "sk": {"S": item["sk"]}}
        )
    from datetime import UTC, datetime

    from migration_runtime.migration_ledger import record_last_error

    record_last_error(
        stack.dynamodb,
        stack.control_table,
        application_id=first["application_id"],
        error_type="ProvisionedThroughputExceededException",
        reason="rate exceeded",
        receive_count=5,
        at=datetime.now(UTC),
    )

    # WHEN validated
    report = validate.lambda_handler({"segments": 2}, lambda_context)

    # THEN both are missing, each with a reason, and the run is not clean
    reasons = {entry["application_id"]: entry["reason"] for entry in report["missing"]}
    assert set(reasons) == {first["application_id"], second["application_id"]}
    assert "ProvisionedThroughputExceededException" in reasons[first["application_id"]]
    assert "receive 5" in reasons[first["application_id"]]
    assert reasons[second["application_id"]] == "no target item and no recorded error"
    assert report["counts"]["missing"] == 2
    assert report["counts"]["migrated"] == len(_ids(migrated, RecordKind.ELIGIBLE_VALID)) - 2
    assert report["clean"] is False


def test_intake_writes_count_as_superseded_and_stay_clean(stack, migrated, events, lambda_context):
    # GIVEN the live intake rewrote one migrated application with newer content
    record = json.loads(json.dumps(_first_valid(migrated)))
    record["steps_completed"].append("go_live")
    onboarding_intake.lambda_handler(events.sqs_event(json.dumps(record)), lambda_context)

    # WHEN validated / THEN it is superseded, not a mismatch
    report = validate.lambda_handler({}, lambda_context)
    assert report["counts"]["superseded_by_intake"] == 1
    assert report["counts"]["migrated"] == len(_ids(migrated, RecordKind.ELIGIBLE_VALID)) - 1
    assert report["counts"]["checksum_mismatches"] == 0
    assert report["clean"] is True


def test_dlq_depths_count_visible_and_in_flight_messages(stack, migrated, lambda_context):
    # GIVEN two messages in the migration DLQ (one of them in flight) and one in the intake DLQ
    stack.sqs.send_message(QueueUrl=stack.migration_dlq_url, MessageBody="{}")
    stack.sqs.send_message(QueueUrl=stack.migration_dlq_url, MessageBody="{}")
    stack.sqs.receive_message(QueueUrl=stack.migration_dlq_url, MaxNumberOfMessages=1, VisibilityTimeout=300)
    stack.sqs.send_message(QueueUrl=stack.intake_dlq_url, MessageBody="[]")

    # WHEN validated / THEN both depths are reported and a non-empty migration DLQ makes it unclean
    report = validate.lambda_handler({}, lambda_context)
    assert report["counts"]["migration_dlq_messages"] == 2
    assert report["counts"]["intake_dlq_messages"] == 1
    assert report["clean"] is False


def test_unprocessed_invalid_record_is_missing_not_rejected(stack, lambda_context, make_record):
    # GIVEN an eligible invalid record that never went through the migration (no ledger entry)
    record = make_record(seed=3)
    record["business"]["tax_id"] = "nope"
    stack.put_legacy([record])

    # WHEN validated / THEN it is missing, with the reason it would be rejected for
    report = validate.lambda_handler({}, lambda_context)
    assert report["counts"]["rejected"] == 0
    [entry] = report["missing"]
    assert entry["application_id"] == record["application_id"]
    assert "business.tax_id" in entry["reason"]


def test_lists_are_capped_and_flagged_truncated(stack, lambda_context, make_record):
    # GIVEN 25 eligible records never migrated (more than a sample holds)
    stack.put_legacy([make_record(seed=60 + index) for index in range(MAX_SAMPLE_ENTRIES + 5)])

    # WHEN verified
    report = verify_stack(stack, segments=2)

    # THEN the count is complete, the list is cut to the sample, and the report says so
    assert report.counts.missing == MAX_SAMPLE_ENTRIES + 5
    assert len(report.missing) == MAX_SAMPLE_ENTRIES
    assert report.truncated is True


def _batch_put(stack, table: str, items: list[dict]) -> None:
    for start in range(0, len(items), 25):
        requests = [{"PutRequest": {"Item": to_attribute_map(item)}} for item in items[start : start + 25]]
        stack.dynamodb.batch_write_item(RequestItems={table: requests})


def test_the_result_is_14_kib_with_10000_rejections_of_1000_character_reasons(stack, lambda_context):
    # GIVEN the worst case of issue 10: 10,000 eligible records rejected, each ledger entry with a
    # 1,000-character reason, plus 30 records missing with a 2,000-character last error each
    # (measured 2026-12: the result is 14,671 bytes of JSON, against the 256 KiB Step Functions quota)
    from migration_runtime.migration_ledger import LAST_ERROR, REJECTED, ledger_pk

    rejected_ids = [f"app-rejected-{index:05d}" for index in range(10_000)]
    missing_ids = [f"app-missing-{index:02d}" for index in range(30)]
    eligible_invalid = [
        {"application_id": app_id, "status": "APPROVED"} for app_id in rejected_ids + missing_ids
    ]
    _batch_put(stack, stack.legacy_table, eligible_invalid)
    reason = "extra." + "x" * 994
    _batch_put(
        stack,
        stack.control_table,
        [
            {"pk": ledger_pk(app_id), "sk": REJECTED, "application_id": app_id, "reason": reason}
            for app_id in rejected_ids
        ]
        + [
            {
                "pk": ledger_pk(app_id),
                "sk": LAST_ERROR,
                "application_id": app_id,
                "error_type": "Error",
                "reason": "y" * 2000,
                "receive_count": 5,
            }
            for app_id in missing_ids
        ],
    )

    # WHEN validate_migration runs
    report = validate.lambda_handler({"segments": 4}, lambda_context)

    # THEN the counts are whole, the lists are samples with bounded reasons, and the result is far below
    # the 256 KiB a state may hold
    size = len(json.dumps(report))
    assert report["counts"]["rejected"] == 10_000
    assert report["counts"]["missing"] == 30
    assert len(report["rejected"]) <= MAX_SAMPLE_ENTRIES
    assert len(report["missing"]) <= MAX_SAMPLE_ENTRIES
    assert all(
        len(entry["reason"]) <= MAX_SAMPLE_TEXT_CHARS for entry in report["rejected"] + report["missing"]
    )
    assert report["truncated"] is True
    assert size < 32 * 1024, size


def test_segments_out_of_range_are_refused(stack, lambda_context):
    with pytest.raises(ValueError):
        validate.lambda_handler({"segments": 0}, lambda_context)


def test_an_item_left_at_an_old_key_is_a_stale_item_and_makes_the_run_unclean(
    stack, migrated, lambda_context
):
    # GIVEN a completed migration, and a copy of one migrated item left under another (older) key, as
    # writes without a pointer left them when a resubmission changed submitted_at
    record = _first_valid(migrated)
    leftover = {
        **stack_target(stack, record["application_id"]),
        "sk": "ONBOARDING#2020-01-01T00:00:00.000000Z#x",
    }
    stack.dynamodb.put_item(TableName=stack.new_table, Item=to_attribute_map(leftover))

    # WHEN validated
    report = validate.lambda_handler({"segments": 2}, lambda_context)

    # THEN the leftover is counted (and only it: the pointers are not items), and the run is not clean
    assert report["counts"]["stale_items"] == 1
    assert report["counts"]["migrated"] == len(_ids(migrated, RecordKind.ELIGIBLE_VALID))
    assert report["clean"] is False


def test_a_resubmission_that_moves_the_key_leaves_one_item_and_validates_clean(
    stack, migrated, events, lambda_context
):
    # GIVEN a completed migration, then the live intake resubmits one application with a new submitted_at
    record = {**_first_valid(migrated), "submitted_at": "2025-06-01T09:30:00+00:00"}
    onboarding_intake.lambda_handler(events.sqs_event(json.dumps(record)), lambda_context)

    # WHEN validated
    report = validate.lambda_handler({"segments": 2}, lambda_context)

    # THEN the application has exactly one item, the resubmitted one, and nothing is stale
    [item] = [i for i in stack.new_items() if i["application_id"] == record["application_id"]]
    assert (item["source"], item["submitted_at"]) == ("intake", "2025-06-01T09:30:00.000000Z")
    assert report["counts"]["stale_items"] == 0
    assert report["counts"]["superseded_by_intake"] == 0  # the legacy record still has the old date
    assert report["counts"]["missing"] == 1


def test_online_the_verification_while_serving_marks_suspects_and_the_cut_over_re_verifies_only_them(
    stack, migrated, lambda_context
):
    # GIVEN a migrated table, then the legacy backend (still serving online) changes one valid record that
    # the capture has not yet copied
    from datetime import UTC, datetime

    from migration_runtime.change_log import changed_since

    start = datetime(2026, 1, 1, tzinfo=UTC)
    changed = dict(_first_valid(migrated))
    changed["steps_completed"] = ["account", "business"]
    stack.put_legacy([changed])

    # WHEN validated while serving (online, bulk stage)
    bulk = validate.lambda_handler({"segments": 2, "mode": "online", "stage": "bulk"}, lambda_context)

    # THEN the difference is reported and marked changed for the cut-over
    assert bulk["clean"] is False and bulk["scope"] == "all"
    assert bulk["counts"]["checksum_mismatches"] == 1
    assert list(changed_since(stack.dynamodb, stack.control_table, since=start)) == [
        changed["application_id"]
    ]

    # WHEN the cut-over re-verifies before the change was copied: still different, and only that one is read
    before = validate.lambda_handler(
        {"mode": "online", "stage": "cut_over", "since": start.isoformat()}, lambda_context
    )
    assert before["scope"] == "changed" and before["clean"] is False
    assert before["counts"]["legacy"] == 1 and before["counts"]["checksum_mismatches"] == 1

    # WHEN the change has been copied (its stream copy migrated) and the cut-over re-verifies
    stack.sqs.send_message(
        QueueUrl=stack.migration_queue_url,
        MessageBody=json.dumps(changed),
        MessageAttributes={"copy_version": {"DataType": "String", "StringValue": "1#" + "7".zfill(40)}},
    )
    stack.poll_until_empty(
        queue_url=stack.migration_queue_url,
        queue_arn=stack.migration_queue_arn,
        handler=migrate.lambda_handler,
        context=lambda_context,
    )
    after = validate.lambda_handler(
        {"mode": "online", "stage": "cut_over", "since": start.isoformat()}, lambda_context
    )

    # THEN it is clean, on the one changed record alone
    assert after["clean"] is True
    assert (after["counts"]["legacy"], after["counts"]["migrated"]) == (1, 1)


def test_the_cut_over_re_verification_finds_a_deleted_record_still_live(stack, migrated, lambda_context):
    # GIVEN a migrated record deleted from the legacy table and marked changed, its removal not yet copied
    from datetime import UTC, datetime

    from migration_runtime.change_log import record_changed

    record = _first_valid(migrated)
    stack.dynamodb.delete_item(
        TableName=stack.legacy_table, Key=to_attribute_map({"application_id": record["application_id"]})
    )
    at = datetime(2026, 6, 1, tzinfo=UTC)
    record_changed(stack.dynamodb, stack.control_table, application_ids=[record["application_id"]], at=at)

    # WHEN re-verified at the cut-over
    report = validate.lambda_handler(
        {"mode": "online", "stage": "cut_over", "since": at.isoformat()}, lambda_context
    )

    # THEN its live copy is stale, and the run is not clean
    assert report["clean"] is False
    assert report["counts"]["stale_items"] == 1


def test_the_report_is_the_same_whatever_the_segments_and_the_page_size(stack, migrated, lambda_context):
    # GIVEN a migration with a finding of every kind: a changed target (mismatch), an item left at an
    # old key (stale), records never migrated (missing), and the migration's rejections
    mismatched = stack_target(stack, _first_valid(migrated)["application_id"])
    stack.dynamodb.put_item(
        TableName=stack.new_table, Item=to_attribute_map({**mismatched, "plan": "changed-after-migration"})
    )
    leftover = {**mismatched, "sk": "ONBOARDING#2020-01-01T00:00:00.000000Z#x"}
    stack.dynamodb.put_item(TableName=stack.new_table, Item=to_attribute_map(leftover))
    stack.put_legacy([item.record for item in synthetic_records(12, seed=77)])

    def verified(segments: int, page_size: int) -> dict:
        return verify_stack(stack, segments=segments, page_size=page_size).to_document()

    # WHEN it is verified in one segment read in one page, and in several segments of tiny pages
    whole = verified(segments=1, page_size=1000)
    paged = [verified(segments=segments, page_size=page_size) for segments, page_size in ((3, 2), (7, 1))]

    # THEN every count and every sample (in application order) is the same
    counts = whole["counts"]
    assert counts["checksum_mismatches"] == 1 and counts["stale_items"] == 1
    assert counts["missing"] > 0 and counts["rejected"] == len(_ids(migrated, RecordKind.ELIGIBLE_INVALID))
    assert [entry["application_id"] for entry in whole["missing"]] == sorted(
        entry["application_id"] for entry in whole["missing"]
    )
    assert paged == [whole, whole]


def test_the_converging_round_while_serving_marks_what_still_differs_for_the_cut_over(
    stack, migrated, lambda_context
):
    # GIVEN a migrated table; while still serving, one record changes (its copy not yet migrated) and
    # another is deleted from the legacy table (its removal not yet copied), both marked by the capture
    from datetime import UTC, datetime, timedelta

    from migration_runtime.change_log import changed_since, record_changed

    first, gone = [item.record for item in migrated if item.kind is RecordKind.ELIGIBLE_VALID][:2]
    changed = dict(first)
    changed["steps_completed"] = ["account", "business"]
    stack.put_legacy([changed])
    stack.dynamodb.delete_item(
        TableName=stack.legacy_table, Key=to_attribute_map({"application_id": gone["application_id"]})
    )
    full_started = datetime.now(UTC) - timedelta(seconds=1)
    record_changed(
        stack.dynamodb,
        stack.control_table,
        application_ids=[first["application_id"], gone["application_id"]],
        at=full_started,
    )

    # WHEN the converging round re-verifies what changed since the full verification began
    converge_started = datetime.now(UTC)
    report = validate.lambda_handler(
        {"mode": "online", "stage": "converge", "since": full_started.isoformat()}, lambda_context
    )

    # THEN it read only those two, reports their differences under its own scope, and marked both again at
    # its own time, so the cut-over (reading from the round's start) re-verifies them
    assert report["scope"] == "changed_while_serving"
    assert report["clean"] is False
    assert report["counts"]["checksum_mismatches"] == 1
    assert report["counts"]["stale_items"] == 1
    marked_again = set(changed_since(stack.dynamodb, stack.control_table, since=converge_started))
    assert marked_again == {first["application_id"], gone["application_id"]}
