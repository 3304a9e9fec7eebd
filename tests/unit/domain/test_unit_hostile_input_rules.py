"""Unit tests of the rules that keep hostile input from crashing a handler: DynamoDB storability, the
contract as written (ISO 8601 with an offset, ASCII digits, key and item limits), bounded ledger entries,
and the one application id reader."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from migration_runtime.aws_limits import DYNAMODB_MAX_ITEM_BYTES, DYNAMODB_MAX_PARTITION_KEY_BYTES
from migration_runtime.dynamodb_codec import to_attribute_map
from migration_runtime.dynamodb_storable import item_size, storage_problem
from migration_runtime.json_values import NotAJsonObject, loads_object
from migration_runtime.migration_ledger import ledger_entry, ledger_pk
from migration_runtime.new_items import Source
from migration_runtime.record_ids import record_id_of
from migration_runtime.record_validation import RecordRejected
from migration_runtime.safe_text import safe_text, utf8_size
from record_mappings.onboarding.onboarding_item import build_onboarding_item
from record_mappings.onboarding.validation import validate_record

NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)


def nested(levels: int) -> Any:
    value: Any = "x"
    for _ in range(levels):
        value = [value]
    return value


@pytest.mark.parametrize(
    ("document", "problem"),
    [
        ({"a": Decimal("1E+400")}, "a: number is outside"),
        ({"a": Decimal("1E-131")}, "a: number is outside"),
        ({"a": [Decimal("12345678901234567890123456789012345678901")]}, "a[0]: number has more than 38"),
        ({"a": float("inf")}, "a: must be a finite number"),
        ({"a": "\ud800"}, "a: text is not valid Unicode"),
        ({"\udc00": 1}, "record: an attribute name is not valid Unicode"),
        ({"a": {"": 1}}, 'a."": attribute name must not be empty'),
        ({"a": nested(32)}, "nested deeper than DynamoDB's 32 levels"),
    ],
)
def test_what_dynamodb_cannot_store_is_named_by_field(document: dict[str, Any], problem: str) -> None:
    # WHEN the document is checked / THEN the problem names the field
    reason = storage_problem(document)
    assert reason is not None and problem in reason, reason


def test_what_dynamodb_can_store_passes_and_serializes() -> None:
    # GIVEN the edges DynamoDB accepts: 31 wraps, 38 digits, the smallest and largest magnitudes
    document = {
        "deep": nested(31),
        "digits": Decimal("12345678901234567890123456789012345678"),
        "tiny": Decimal("1E-130"),
        "huge": Decimal("9.9999999999999999999999999999999999999E+125"),
        "big_int": 10**40,
    }
    # WHEN checked and serialized / THEN neither refuses it
    assert storage_problem(document) is None
    assert to_attribute_map(document)["big_int"] == {"N": "1E+40"}


def test_item_size_estimate_is_never_below_dynamodb_rules() -> None:
    # GIVEN an item whose size by the documented rules is known: name bytes + value bytes, maps +3, +1 each
    document = {"ab": "xyz", "n": 12345, "m": {"k": True}}
    documented = (2 + 3) + (1 + 3 + 1) + (1 + 3 + (1 + 1) + 1)
    # THEN the estimate is at least that
    assert item_size(document) >= documented


@pytest.mark.parametrize(
    "body",
    ['{"a": 1e400}', '{"a": NaN}', "[" * 5000 + "]" * 5000, '{"a": ' + "[" * 5000 + "]" * 5000 + "}"],
)
def test_message_bodies_that_cannot_be_stored_are_rejected_not_raised(body: str) -> None:
    with pytest.raises(NotAJsonObject):
        loads_object(body)


@pytest.mark.parametrize(
    ("field", "value", "phrase"),
    [
        ("submitted_at", "1700000000", "ISO 8601"),
        ("submitted_at", "-1", "ISO 8601"),
        ("submitted_at", "1.5e9", "ISO 8601"),
        ("submitted_at", 1700000000, "ISO 8601"),
        ("submitted_at", "0001-01-01T00:00:00+05:00", "representable in UTC"),
        ("submitted_at", "9999-12-31T23:59:59-05:00", "representable in UTC"),
        ("submitted_at", "2024-02-30T00:00:00Z", "ISO 8601"),
        ("submitted_at", "2024-01-01T00:00:00+25:00", "ISO 8601"),
        ("application_id", "   ", "must not be blank"),
        ("application_id", "a" * 2000, "sort key"),
        ("customer_id", "c" * 2100, "partition key"),
    ],
)
def test_the_contract_as_written(make_record, field: str, value: Any, phrase: str) -> None:
    # GIVEN a valid record with one field as the hostile user wrote it
    record = make_record(seed=11, **{field: value})
    # WHEN validated / THEN rejected with a reason naming the field and the rule, never the value
    with pytest.raises(RecordRejected) as rejected:
        validate_record(record, now=NOW)
    assert rejected.value.reason.startswith(f"{field}: ")
    assert phrase in rejected.value.reason
    assert str(value) not in rejected.value.reason or len(str(value).strip()) < 2


@pytest.mark.parametrize(
    ("section", "field", "value"),
    [
        ("business", "tax_id", "١٢٣٤٥٦٧٨٩"),
        ("business", "tax_id", "\uff11\uff12-\uff13\uff14\uff15\uff16\uff17\uff18\uff19"),
        ("contact", "phone", "+١٥١٢٥٥٥٠١٤٢"),
    ],
)
def test_tax_ids_and_phones_take_ascii_digits_only(make_record, section: str, field: str, value: str) -> None:
    record = make_record(seed=12)
    record[section][field] = value
    with pytest.raises(RecordRejected) as rejected:
        validate_record(record, now=NOW)
    assert rejected.value.reason.startswith(f"{section}.{field}: ")


@pytest.mark.parametrize("offset", ["+14:00", "-12:00", "Z", "+05:30"])
def test_real_offsets_are_accepted(make_record, offset: str) -> None:
    record = make_record(seed=13, submitted_at=f"2024-03-01T10:00:00{offset}")
    assert validate_record(record, now=NOW).submitted_at.utcoffset() is not None


def test_an_item_over_the_limit_once_transformed_is_rejected_naming_the_limit(make_record) -> None:
    # GIVEN a record that fits by itself but not with the keys and plan the new item adds
    record = make_record(seed=14, filler="")
    record["filler"] = "f" * (DYNAMODB_MAX_ITEM_BYTES - item_size(record) - 10)
    model = validate_record(record, now=NOW)
    # WHEN the new item is built / THEN it is rejected with a reason naming the item size limit
    with pytest.raises(RecordRejected) as rejected:
        build_onboarding_item(model, source=Source.MIGRATION, written_at=NOW)
    assert "item size limit" in rejected.value.reason


def test_ledger_keys_fit_whatever_the_application_id() -> None:
    # GIVEN ids that would overflow the ledger's partition key, or that UTF-8 cannot carry
    for application_id in ("a" * 2040, "é" * 1500, "x\ud800"):
        pk = ledger_pk(application_id)
        # THEN the key fits and is stable
        assert utf8_size(pk) <= DYNAMODB_MAX_PARTITION_KEY_BYTES and pk.encode("utf-8")
        assert ledger_pk(application_id) == pk
    # ... and readers take the id from the item, not from the hashed key
    entry = ledger_entry({"pk": ledger_pk("a" * 2040), "sk": "REJECTED", "application_id": "a" * 2040})
    assert entry is not None and entry.application_id == "a" * 2040


def test_reasons_are_safe_to_send_and_bounded() -> None:
    text = safe_text("name\ud800\x00" + "z" * 5000, 100)
    assert len(text) <= 100 and text.encode("utf-8") and "\\ud800" in text and "\\u0000" in text


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ('{"application_id": "A-1", "x": [1, {"y": null}]}', "A-1"),
        ('{"application_id": "A-1", "deep": ' + "[" * 100_000 + "]" * 100_000 + "}", "A-1"),
        ('{"application_id": "A-1", "application_id": 2}', None),
        ('{"application_id": "\\ud800"}', None),
        ('{"application_id": ""}', None),
        ('{"application_id": "A-1"} trailing', None),
        ('["application_id", "A-1"]', None),
        ("not json", None),
        (b'{"application_id": "B-2"}', "B-2"),
        (b"\xff\xfe", None),
        ({"application_id": "C-3"}, "C-3"),
        (None, None),
        (42, None),
    ],
)
def test_one_application_id_reader_for_any_input(source: Any, expected: str | None) -> None:
    # WHEN the id is read from anything / THEN the answer matches json.loads and nothing is raised
    assert record_id_of(source, "application_id") == expected


def test_the_id_reader_agrees_with_json_loads_on_ordinary_bodies(make_record) -> None:
    body = json.dumps(make_record(seed=15))
    assert record_id_of(body, "application_id") == json.loads(body)["application_id"]
