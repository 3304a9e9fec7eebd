"""The typed results of enqueue_records and validate_migration: what they write, how a reader knows them."""

from __future__ import annotations

import json

from migration_runtime.enqueue_result import EnqueueCounts, EnqueueResult
from migration_runtime.function_result_version import RESULT_VERSION
from migration_runtime.function_results import parse_function_result
from migration_runtime.validation_result import Finding, RecordRef, ValidationCounts, ValidationResult


def _validation() -> ValidationResult:
    counts = ValidationCounts(
        legacy=5,
        eligible=4,
        ineligible=1,
        migrated=2,
        rejected=1,
        missing=1,
        checksum_mismatches=1,
        superseded_by_intake=0,
        migration_dlq_messages=0,
        intake_dlq_messages=0,
    )
    return ValidationResult(
        clean=False,
        counts=counts,
        rejected=[Finding(application_id="a-1", reason="tax_id: invalid")],
        missing=[Finding(application_id="a-2", reason="no target item and no recorded error")],
        checksum_mismatches=[RecordRef(application_id="a-3")],
    )


def test_a_validation_result_round_trips_through_json_with_its_kind_and_version() -> None:
    # GIVEN a validation result as the function returns it, through JSON as Step Functions carries it
    document = json.loads(json.dumps(_validation().to_document()))

    # WHEN a reader parses it
    parsed = parse_function_result(document)

    # THEN it is the same typed result, and the document keeps the field names the state machine reads
    assert parsed == _validation()
    assert document["kind"] == "validate_migration" and document["version"] == RESULT_VERSION
    assert document["checksum_mismatches"] == [{"application_id": "a-3"}]
    assert {"clean", "counts", "rejected", "missing", "truncated"} <= set(document)


def test_an_enqueue_result_keeps_a_null_cursor_when_done() -> None:
    # GIVEN a finished segment's result
    result = EnqueueResult(
        segment=1, total_segments=4, cursor=None, done=True, counts=EnqueueCounts(scanned=3)
    )

    # WHEN written as the function's document and read back
    document = json.loads(json.dumps(result.to_document()))

    # THEN the cursor is there as null (the segment loop reads it) and the reader gets the same result
    assert document["cursor"] is None and document["done"] is True
    assert document["counts"] == {
        "scanned": 3,
        "eligible": 0,
        "ineligible": 0,
        "invalid": 0,
        "enqueued": 0,
        "messages": 0,
    }
    assert parse_function_result(document) == result


def test_a_document_without_a_known_kind_or_version_is_no_result() -> None:
    # GIVEN documents that look like results by their keys but do not name a known contract
    validation = _validation().to_document()
    unnamed = {key: value for key, value in validation.items() if key != "kind"}
    future = {**validation, "version": RESULT_VERSION + 1}
    other = {**validation, "kind": "restore_serving"}

    # THEN none is read as a validation result (a known one is, as a control)
    assert parse_function_result(validation) is not None
    assert [parse_function_result(document) for document in (unnamed, future, other, None, [1])] == [None] * 5
