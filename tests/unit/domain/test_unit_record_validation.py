"""Validation of legacy records: accepted shapes, each kind of invalid field with its reason, no PII."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta

import pytest

from demo_data.onboarding_records import drop_field, set_field
from migration_runtime.record_validation import RecordRejected
from record_mappings.onboarding.legacy_record import LegacyRecord
from record_mappings.onboarding.validation import validate_record

NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)


# (field named in the reason, kind of error expected in the reason, how to break the record)
INVALID_CASES = [
    ("application_id", "field required", drop_field("application_id")),
    ("application_id", "must not be blank", set_field("application_id", "   ")),
    ("customer_id", "must be a string", set_field("customer_id", 12345)),
    ("submitted_at", "must include a UTC offset", set_field("submitted_at", "2024-05-01T10:00:00")),
    ("submitted_at", "ISO 8601", set_field("submitted_at", "yesterday at noon")),
    ("submitted_at", "ISO 8601", set_field("submitted_at", 1714557600)),
    ("submitted_at", "future", set_field("submitted_at", (NOW + timedelta(minutes=6)).isoformat())),
    ("status", "must be one of", set_field("status", "APPROVED_MAYBE")),
    ("business", "field required", drop_field("business")),
    ("business", "must be an object", set_field("business", "Acme LLC")),
    ("business.legal_name", "field required", drop_field("business.legal_name")),
    ("business.structure", "must be one of", set_field("business.structure", "LLP")),
    ("business.tax_id", "must be 9 digits or NN-NNNNNNN", set_field("business.tax_id", "12345678")),
    ("business.tax_id", "must be 9 digits or NN-NNNNNNN", set_field("business.tax_id", "123-45-6789")),
    ("business.tax_id", "must be a string", set_field("business.tax_id", 123456789)),
    ("business.incorporated_on", "ISO 8601 date", set_field("business.incorporated_on", "31/12/2019")),
    ("contact.first_name", "must not be blank", set_field("contact.first_name", "")),
    ("contact.last_name", "field required", drop_field("contact.last_name")),
    ("contact.email", "must be an email address", set_field("contact.email", "jane.doe.example.com")),
    ("contact.email", "field required", drop_field("contact.email")),
    ("contact.phone", "E.164", set_field("contact.phone", "(512) 555-0134")),
    ("contact.phone", "E.164", set_field("contact.phone", "+0155501340")),
    ("address.line1", "field required", drop_field("address.line1")),
    ("address.line2", "must be a string", set_field("address.line2", 42)),
    ("address.city", "field required", drop_field("address.city")),
    ("address.region", "must not be blank", set_field("address.region", " ")),
    ("address.postal_code", "field required", drop_field("address.postal_code")),
    ("address.country", "must be one of", set_field("address.country", "MX")),
    ("product.plan_id", "field required", drop_field("product.plan_id")),
    ("product.plan_version", "must be >= 1", set_field("product.plan_version", 0)),
    ("product.plan_version", "must be an integer", set_field("product.plan_version", "3")),
    ("product.plan_version", "must be an integer", set_field("product.plan_version", 2.5)),
    ("product.plan_name", "field required", drop_field("product.plan_name")),
    ("steps_completed", "must be a list", set_field("steps_completed", "address")),
    ("steps_completed[1]", "must be a string", set_field("steps_completed", ["address", 7])),
]


@pytest.mark.parametrize(
    ("field", "kind", "corrupt"),
    INVALID_CASES,
    ids=[f"{case[0]}-{index}" for index, case in enumerate(INVALID_CASES)],
)
def test_invalid_record_is_rejected_with_a_reason_naming_the_field_and_no_value(
    make_record, personal_values, field: str, kind: str, corrupt
):
    # GIVEN a valid record broken in one field
    record = make_record(seed=3)
    corrupt(record)

    # WHEN it is validated
    with pytest.raises(RecordRejected) as rejected:
        validate_record(record, now=NOW)

    # THEN the reason names exactly that field and the kind of error ...
    reason = rejected.value.reason
    assert reason.startswith(f"{field}: "), reason
    assert kind in reason
    # ... and quotes no personal value of the record
    leaked = [value for value in personal_values(record) if value in reason]
    assert leaked == [], reason


def test_reason_never_quotes_the_offending_value_even_for_enum_and_literal_errors(make_record):
    # GIVEN personal data typed into fields whose errors list allowed values
    record = make_record(seed=4)
    record["status"] = "APPROVED"
    record["address"]["country"] = "Jane Roe, 555 Secret Street"
    record["business"]["structure"] = "John Doe Holdings"

    # WHEN it is validated
    with pytest.raises(RecordRejected) as rejected:
        validate_record(record, now=NOW)

    # THEN both fields are named and neither value appears
    reason = rejected.value.reason
    assert "address.country" in reason
    assert "business.structure" in reason
    assert "Jane Roe" not in reason
    assert "John Doe" not in reason


def test_several_errors_are_all_named(make_record):
    # GIVEN a record broken in two places
    record = make_record(seed=5)
    record["business"]["tax_id"] = "1"
    del record["contact"]["phone"]

    # WHEN it is validated
    with pytest.raises(RecordRejected) as rejected:
        validate_record(record, now=NOW)

    # THEN the reason names both fields
    assert "business.tax_id: " in rejected.value.reason
    assert "contact.phone: field required" in rejected.value.reason


@pytest.mark.parametrize("raw", [None, [], "a string", 7])
def test_non_object_is_rejected(raw):
    # GIVEN something that is not a JSON object / WHEN validated / THEN rejected as a whole record
    with pytest.raises(RecordRejected, match=r"^record: must be a JSON object$"):
        validate_record(raw, now=NOW)


@pytest.mark.parametrize("tax_id", ["123456789", "12-3456789"])
def test_both_tax_id_spellings_are_valid(make_record, tax_id: str):
    # GIVEN a record with either tax id spelling
    record = make_record(seed=6)
    record["business"]["tax_id"] = tax_id

    # WHEN validated / THEN accepted as is
    assert validate_record(record, now=NOW).business.tax_id == tax_id


def test_submitted_at_up_to_five_minutes_ahead_is_accepted(make_record):
    # GIVEN a producer clock slightly ahead of ours
    record = make_record(seed=7, submitted_at=(NOW + timedelta(minutes=4, seconds=59)).isoformat())

    # WHEN validated / THEN accepted
    assert validate_record(record, now=NOW).submitted_at > NOW


def test_optional_fields_may_be_absent(make_record):
    # GIVEN a record without incorporated_on and line2
    record = make_record(seed=8)
    record["business"].pop("incorporated_on", None)
    record["address"].pop("line2", None)

    # WHEN validated / THEN accepted with None
    model = validate_record(record, now=NOW)
    assert model.business.incorporated_on is None
    assert model.address.line2 is None


def test_unknown_fields_are_kept_on_every_level(make_record):
    # GIVEN unknown fields at the top and inside a section
    record = make_record(seed=9, referral_code="REF-1", legacy_meta={"channel": "web"})
    record["contact"]["preferred_language"] = "fr"
    original = copy.deepcopy(record)

    # WHEN validated
    model: LegacyRecord = validate_record(record, now=NOW)

    # THEN they are all still there, and the input is untouched
    assert model.unknown_fields == {"referral_code": "REF-1", "legacy_meta": {"channel": "web"}}
    assert model.contact.model_dump()["preferred_language"] == "fr"
    assert record == original
