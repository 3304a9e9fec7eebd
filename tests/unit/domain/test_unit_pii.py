"""PII helpers: only ids reach log fields; record values are scrubbed from free text."""

from __future__ import annotations

import json

from migration_runtime import pii
from record_mappings.onboarding.mapping import MAPPING


def test_log_fields_carry_only_ids_and_status(make_record):
    # GIVEN a full record
    record = make_record(seed=1, referral_code="REF-77")

    # WHEN the loggable fields are picked
    fields = pii.log_fields(record, MAPPING)

    # THEN only the ids and the status are there
    assert fields == {
        "application_id": record["application_id"],
        "customer_id": record["customer_id"],
        "status": record["status"],
    }


def test_log_fields_of_a_non_record_are_empty():
    assert pii.log_fields(["not", "a", "record"], MAPPING) == {}


def test_masked_keeps_shape_and_ids_but_no_value(make_record, personal_values):
    # GIVEN a record
    record = make_record(seed=2)

    # WHEN masked
    masked = pii.masked(record, MAPPING)

    # THEN the structure and ids remain, no personal value does
    text = json.dumps(masked)
    assert masked["application_id"] == record["application_id"]
    assert set(masked["contact"]) == set(record["contact"])
    assert [value for value in personal_values(record) if value in text] == []


def test_scrub_removes_every_personal_value_from_an_error_message(make_record, personal_values):
    # GIVEN an exception text that quotes the record's personal data in several spellings
    record = make_record(seed=3)
    record["business"]["tax_id"] = "12-3456789"
    quoted = (
        ", ".join(sorted(personal_values(record))) + " and 123456789 and " + record["contact"]["phone"][2:]
    )
    error = ValueError(f"could not store item {record['application_id']}: {quoted}")

    # WHEN the safe reason is built
    reason = pii.safe_error_reason(error, record, MAPPING)

    # THEN no personal value survives, the application id (not personal) does
    assert [value for value in personal_values(record) if value in reason] == []
    assert "123456789" not in reason
    assert record["contact"]["phone"][2:] not in reason
    assert record["application_id"] in reason
