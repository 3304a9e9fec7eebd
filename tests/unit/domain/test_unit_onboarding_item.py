"""The transform to the new single-table item, and its checksum."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from migration_runtime.checksum import checksum
from migration_runtime.dynamodb_codec import from_attribute_map, to_attribute_map
from migration_runtime.json_values import loads_object
from migration_runtime.new_items import Source, content_of
from record_mappings.onboarding.onboarding_item import build_onboarding_item, onboarding_content
from record_mappings.onboarding.validation import validate_record

NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)


def test_item_is_keyed_by_customer_then_utc_time_then_application(make_record):
    # GIVEN a record submitted with a non-UTC offset
    record = make_record(seed=1, submitted_at="2024-03-10T22:15:30-05:00")

    # WHEN transformed
    item = build_onboarding_item(validate_record(record, now=NOW), source=Source.MIGRATION, written_at=NOW)

    # THEN the keys put the customer first and the UTC submission time second
    assert item["pk"] == f"CUSTOMER#{record['customer_id']}"
    assert item["sk"] == f"ONBOARDING#2024-03-11T03:15:30.000000Z#{record['application_id']}"
    assert item["submitted_at"] == "2024-03-11T03:15:30.000000Z"
    assert item["written_at"] == "2025-06-01T12:00:00.000000Z"
    assert item["source"] == "migration"


def test_sort_keys_order_like_the_submission_times(make_record):
    # GIVEN two records of one customer, one second apart, one with sub-second precision
    earlier = make_record(seed=2, submitted_at="2024-01-01T00:00:00+00:00")
    later = make_record(
        seed=3, customer_id=earlier["customer_id"], submitted_at="2024-01-01T00:00:00.5+00:00"
    )

    # WHEN transformed
    keys = [onboarding_content(validate_record(record, now=NOW))["sk"] for record in (later, earlier)]

    # THEN sorting the sort keys sorts by time (fixed-width timestamps)
    assert sorted(keys) == [keys[1], keys[0]]


def test_content_copies_plan_keeps_unknown_fields_and_normalises_tax_id(make_record):
    # GIVEN a record with unknown fields and a dashed tax id
    record = make_record(seed=4, referral_code="REF-9", legacy_risk_score=0.25)
    record["business"]["tax_id"] = "12-3456789"

    # WHEN transformed
    content = onboarding_content(validate_record(record, now=NOW))

    # THEN the plan is copied, unknown fields kept under extra, and the tax id is in one canonical form
    assert content["plan"] == record["product"]
    assert content["extra"] == {"referral_code": "REF-9", "legacy_risk_score": 0.25}
    assert content["business"]["tax_id"] == "123456789"
    assert content["contact"] == record["contact"]
    assert content["steps_completed"] == record["steps_completed"]
    assert content["status"] == record["status"]


def test_checksum_covers_content_but_not_source_or_timestamps(make_record):
    # GIVEN the same record written by the migration and by the intake at different times
    model = validate_record(make_record(seed=5), now=NOW)
    migrated = build_onboarding_item(model, source=Source.MIGRATION, written_at=NOW)
    intake = build_onboarding_item(model, source=Source.INTAKE, written_at=datetime(2030, 1, 1, tzinfo=UTC))

    # WHEN / THEN both carry the same checksum, which is the checksum of the content part
    assert migrated["checksum"] == intake["checksum"] == checksum(content_of(migrated))


def test_checksum_changes_when_any_content_changes(make_record):
    # GIVEN a record and a copy differing in one nested field
    record = make_record(seed=6)
    changed = make_record(seed=6)
    changed["address"]["city"] = record["address"]["city"] + "ville"

    # WHEN / THEN their checksums differ
    first = build_onboarding_item(validate_record(record, now=NOW), source=Source.MIGRATION, written_at=NOW)
    second = build_onboarding_item(validate_record(changed, now=NOW), source=Source.MIGRATION, written_at=NOW)
    assert first["checksum"] != second["checksum"]


def test_checksum_is_the_same_from_a_message_body_and_from_dynamodb(make_record):
    # GIVEN a record with an integral float and a fractional float, once as a message body, once read
    # back from DynamoDB (where every number is a Decimal)
    record = make_record(seed=7, score=0.1, weight=3.0, nested={"ratio": 1.5, "count": 2})
    from_body = loads_object(json.dumps(record))
    from_table = from_attribute_map(to_attribute_map(from_body))

    # WHEN both are transformed
    first = build_onboarding_item(
        validate_record(from_body, now=NOW), source=Source.MIGRATION, written_at=NOW
    )
    second = build_onboarding_item(
        validate_record(from_table, now=NOW), source=Source.MIGRATION, written_at=NOW
    )

    # THEN they agree, and a stored item's recomputed checksum matches too
    assert first["checksum"] == second["checksum"]
    stored = from_attribute_map(to_attribute_map(first))
    assert checksum(content_of(stored)) == first["checksum"]
