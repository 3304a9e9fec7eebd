"""The synthetic data generator: deterministic, the promised mix, labels that tell the truth."""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime

import pytest

from demo_data.onboarding_records import (
    CORRUPTIONS,
    IntakeKind,
    RecordKind,
    RecordMix,
    synthetic_intake_messages,
    synthetic_records,
)
from migration_runtime.record_validation import RecordRejected
from record_mappings.onboarding.eligibility import is_eligible
from record_mappings.onboarding.validation import validate_record

NOW = datetime(2025, 6, 1, tzinfo=UTC)


def test_same_seed_same_records_other_seed_other_records():
    # GIVEN / WHEN two generations with one seed and one with another
    first = [item.record for item in synthetic_records(50, seed=11)]
    second = [item.record for item in synthetic_records(50, seed=11)]
    other = [item.record for item in synthetic_records(50, seed=12)]

    # THEN the same seed repeats exactly, another seed differs
    assert first == second
    assert first != other


def test_records_can_be_generated_in_slices():
    # GIVEN the first 40 records at once and in two slices / THEN the same records
    whole = synthetic_records(40, seed=5)
    assert [item.record["application_id"] for item in whole] == [
        item.record["application_id"]
        for item in synthetic_records(20, seed=5) + synthetic_records(20, seed=5, start=20)
    ]


def test_labels_match_eligibility_and_validation():
    # GIVEN a generated set
    records = synthetic_records(600, seed=21)

    # WHEN each record is checked against the real rules
    for item in records:
        # THEN eligibility matches the label ...
        assert is_eligible(item.record) is (item.kind is not RecordKind.INELIGIBLE)
        # ... and a record is invalid exactly when it has an invalid field, which the reason names
        if item.invalid_field is None:
            validate_record(item.record, now=NOW)
        else:
            with pytest.raises(RecordRejected) as rejected:
                validate_record(item.record, now=NOW)
            assert rejected.value.reason.startswith(f"{item.invalid_field}: ")


def test_default_mix_is_roughly_as_documented():
    # GIVEN a large set with the default mix
    kinds = Counter(item.kind for item in synthetic_records(2000, seed=3))

    # THEN about 75% / 20% / 5%
    assert 0.70 < kinds[RecordKind.ELIGIBLE_VALID] / 2000 < 0.80
    assert 0.16 < kinds[RecordKind.INELIGIBLE] / 2000 < 0.24
    assert 0.03 < kinds[RecordKind.ELIGIBLE_INVALID] / 2000 < 0.08


def test_invalid_records_cover_many_fields_and_extra_fields_appear():
    # GIVEN a set with more invalid records
    records = synthetic_records(400, seed=8, mix=RecordMix(ineligible=0.1, eligible_invalid=0.3))

    # THEN the invalid ones break different fields, and some records carry unknown fields
    invalid_fields = {item.invalid_field for item in records if item.kind is RecordKind.ELIGIBLE_INVALID}
    assert len(invalid_fields) == len({name for name, _ in CORRUPTIONS})
    assert any("legacy_meta" in item.record for item in records)


def test_records_carry_realistic_personal_data():
    # GIVEN a record / THEN names, an email, an E.164 phone and a 9-digit tax id are filled in
    record = synthetic_records(1, seed=1, mix=RecordMix(ineligible=0, eligible_invalid=0))[0].record
    assert record["contact"]["first_name"] and record["contact"]["last_name"]
    assert "@" in record["contact"]["email"]
    assert record["contact"]["phone"].startswith("+1") and len(record["contact"]["phone"]) == 12
    assert len(record["business"]["tax_id"].replace("-", "")) == 9


def test_mix_shares_are_checked():
    with pytest.raises(ValueError, match="exceed"):
        RecordMix(ineligible=0.8, eligible_invalid=0.3)


def test_intake_messages_include_each_malformed_kind():
    # GIVEN intake messages with 20% malformed
    messages = synthetic_intake_messages(60, seed=2, malformed=0.2)

    # THEN every malformed kind appears, and well-formed ones parse to their record
    kinds = Counter(message.kind for message in messages)
    assert {IntakeKind.NOT_JSON, IntakeKind.JSON_ARRAY, IntakeKind.MISSING_FIELDS} <= set(kinds)
    for message in messages:
        if message.kind is IntakeKind.RECORD:
            assert message.record is not None
            assert json.loads(message.body) == message.record.record
        elif message.kind is IntakeKind.NOT_JSON:
            with pytest.raises(ValueError):
                json.loads(message.body)
